"""Test If Arguments Qualify as Objections (S3 guide §3.2), a child process.

Present the argument, understand it, check whether anyone else (not the objector) disagrees that
it qualifies, investigate each disagreement (recursively: a counter-argument can itself be disputed,
down to an argument nobody disputes, then the investigation unwinds level by level), and integrate
what was learned: the objector refines the argument (check again) or drops it, optionally keeping
it as a concern. Outcome ``objection`` or ``not an objection``.

Allowed imports: standard library, ``s3engine.core``.
"""

from __future__ import annotations

from typing import Any

from s3engine.core.definition import (
    FACILITATOR,
    OBJECTOR,
    PARTICIPANT,
    Action,
    Field,
    ProcessDef,
    Step,
)
from s3engine.core.process import Process

DISPUTER = "disputer"
#: Everyone but the objector: only others disagree that an argument qualifies (S3 guide §3.2).
OTHERS = "other participants"

DEFINITION = ProcessDef(
    kind="objection-test",
    title="Test If Arguments Qualify as Objections",
    patterns=("test-arguments-qualify-as-objections", "reasoned-decision-making"),
    steps=(
        Step(
            "present_argument",
            "Present argument",
            number="1",
            guidance="The objector explains the argument. A helpful form: numbered premises, then "
            "a conclusion starting with 'therefore'.",
        ),
        Step(
            "understand_argument",
            "Understand argument",
            number="2",
            guidance="Clarifying questions until everyone understands the argument. Do not debate "
            "it yet.",
        ),
        Step(
            "check_disagreement",
            "Check for disagreement",
            number="3",
            guidance="Ask: does anyone disagree, fully or partly, that this argument qualifies as "
            "an objection? If nobody does, it is an objection.",
        ),
        Step(
            "investigate",
            "Investigate the reasoning behind a disagreement",
            number="4",
            guidance="One disagreement at a time: the person explains why the argument is (partly) "
            "wrong; the group asks questions; anyone who disputes that counter-argument "
            "says so, and that is investigated first. Then decide, level by level, "
            "whether each counter-argument holds.",
        ),
        Step(
            "integrate",
            "Integrate",
            number="5",
            guidance="Ask the objector: is anything left of your argument? Refine or reframe it "
            "(then check again), or drop it; a dropped argument may be kept as a concern. "
            "If the group lacks the facts to agree, reframe the objection around that "
            "uncertainty.",
        ),
        Step("qualified", "The argument is an objection", final=True),
        Step("not_objection", "The argument is not an objection", final=True),
    ),
    actions=(
        Action(
            "present_argument",
            "Present the argument",
            ("present_argument",),
            "understand_argument",
            OBJECTOR,
            (
                Field("argument", "text", required=False, help="The argument, restated if needed."),
                Field("premises", "list", required=False, help="One premise per line."),
                Field("conclusion", "line", required=False, help="Therefore ..."),
            ),
            "Invite the objector to present the argument.",
        ),
        Action(
            "ask_question",
            "Ask a clarifying question",
            ("understand_argument",),
            None,
            PARTICIPANT,
            (Field("question", "text"), Field("answer", "text", required=False)),
            "Questions to understand, not to argue.",
        ),
        Action(
            "check_disagreement",
            "Check for disagreement",
            ("understand_argument",),
            "check_disagreement",
            FACILITATOR,
            (),
            "Move on once the argument is understood.",
        ),
        Action(
            "disagree",
            "I disagree that it qualifies",
            ("check_disagreement",),
            None,
            OTHERS,
            (Field("reason", "text", required=False),),
            "Raise your hand if you disagree, fully or partly.",
        ),
        Action(
            "close_check",
            "Close the check",
            ("check_disagreement",),
            (("investigate", "g_has_disagreement"), ("qualified", None)),
            FACILITATOR,
            (),
            "Nobody disagreed: the argument is an objection. Otherwise investigate the first "
            "disagreement.",
        ),
        Action(
            "explain_disagreement",
            "Explain the counter-argument",
            ("investigate",),
            None,
            DISPUTER,
            (Field("counter_argument", "text"),),
            "The person disagreeing explains why the argument is (partly) wrong.",
        ),
        Action(
            "dispute_counter",
            "Dispute this counter-argument",
            ("investigate",),
            None,
            PARTICIPANT,
            (Field("reason", "text"),),
            "Anyone who disagrees that the counter-argument is valid says why; this is "
            "investigated first.",
            guard="g_counter_stated",
        ),
        Action(
            "counter_holds",
            "The counter-argument holds",
            ("investigate",),
            (("investigate", "g_deeper"), ("integrate", None)),
            FACILITATOR,
            (),
            "Nobody disputes it (any more): the counter-argument is valid.",
            guard="g_counter_stated",
        ),
        Action(
            "counter_fails",
            "The counter-argument does not hold",
            ("investigate",),
            (("investigate", "g_deeper"), ("check_disagreement", None)),
            FACILITATOR,
            (),
            "The counter-argument turned out not to hold; look for further disagreements.",
            guard="g_counter_stated",
        ),
        Action(
            "refine_argument",
            "Refine or reframe the argument",
            ("integrate",),
            "check_disagreement",
            OBJECTOR,
            (
                Field("argument", "text"),
                Field(
                    "how",
                    "choice",
                    required=False,
                    choices=("refine", "reframe around uncertainty"),
                ),
            ),
            "What is left of the argument, refined; then check again.",
        ),
        Action(
            "drop_argument",
            "Drop the argument",
            ("integrate",),
            "not_objection",
            OBJECTOR,
            (
                Field(
                    "keep_as_concern",
                    "bool",
                    required=False,
                    help="Record it as a concern with the agreement.",
                ),
                Field("concern", "text", required=False, help="The concern, if worded anew."),
            ),
            "Nothing is left of the argument: it is not an objection. It may be kept as a concern.",
        ),
    ),
)


class ObjectionTest(Process):
    """One possible objection, tested by the group."""

    definition = DEFINITION

    def setup(self, data: dict[str, Any]) -> None:
        """Start with the argument as given and an empty investigation."""
        super().setup(data)
        self.disagreeing: list[dict[str, Any]] = []
        self.stack: list[dict[str, Any]] = []
        self.findings: list[dict[str, Any]] = []
        self.questions: list[dict[str, Any]] = []
        self.versions: list[str] = [data["argument"]]

    def role_holders(self, role: str) -> tuple[str, ...]:
        """The objector, the person whose counter-argument is investigated, or the usual roles."""
        if role == OBJECTOR:
            return (self.data["objector"],)
        if role == DISPUTER:
            return (self.stack[-1]["by"],) if self.stack else ()
        if role == OTHERS:
            if getattr(self.ws, "revalidating", False):
                return tuple(self.participants)  # journals from before this rule
            return tuple(p for p in self.participants if p != self.data["objector"])
        return super().role_holders(role)

    # guards
    def g_has_disagreement(self, _e: Any) -> bool:
        """Branch condition: someone disagrees that the argument qualifies."""
        return bool(self.disagreeing)

    def g_counter_stated(self, _f: dict[str, Any]) -> str | None:
        """Guard: the counter-argument under investigation has been explained."""
        if not self.stack or not self.stack[-1].get("counter"):
            return "the counter-argument has not been explained yet"
        return None

    def g_deeper(self, _e: Any) -> bool:
        """Branch condition: a lower level of the investigation is still open."""
        # Evaluated after the effect has settled (popped) the top level.
        return bool(self.stack)

    # effects
    def do_present_argument(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record the argument as presented, with premises and conclusion."""
        if data.get("argument"):
            self.data["argument"] = data["argument"]
            self.versions.append(data["argument"])
        self.data["premises"] = data.get("premises", [])
        self.data["conclusion"] = data.get("conclusion", "")

    def do_ask_question(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a clarifying question (and its answer)."""
        self.questions.append({"by": actor, **data})

    def do_disagree(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a disagreement, once per person."""
        if not any(d["by"] == actor for d in self.disagreeing):
            self.disagreeing.append({"by": actor, "reason": data.get("reason", "")})

    def enter_investigate(self, _e: Any) -> None:
        """Start the investigation with the first disagreement, unless one is open."""
        if not self.stack:
            first = self.disagreeing[0]
            self.stack.append({"by": first["by"], "counter": first["reason"], "level": 1})

    def do_explain_disagreement(
        self, actor: str, data: dict[str, Any], event: dict[str, Any]
    ) -> None:
        """Record the counter-argument of the disagreement under investigation."""
        self.stack[-1]["counter"] = data["counter_argument"]

    def do_dispute_counter(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Open a deeper level: this dispute of the counter-argument comes first."""
        self.stack.append({"by": actor, "counter": data["reason"], "level": len(self.stack) + 1})

    def _settle(self, holds: bool) -> None:
        top = self.stack.pop()
        self.findings.append({**top, "holds": holds, "time": self.last_time})
        if not self.stack:
            self.disagreeing = [d for d in self.disagreeing if d["by"] != top["by"]]
            if holds:
                self.disagreeing = []

    def do_counter_holds(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Settle the current level: the counter-argument holds."""
        self._settle(True)

    def do_counter_fails(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Settle the current level: the counter-argument does not hold."""
        self._settle(False)

    def do_refine_argument(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record the refined argument; the check for disagreement starts again."""
        self.data["argument"] = data["argument"]
        self.versions.append(data["argument"])
        self.disagreeing = []

    def do_drop_argument(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record that the argument is dropped, and whether it is kept as a concern."""
        self.data["keep_as_concern"] = bool(data.get("keep_as_concern"))
        if data.get("concern"):
            self.data["concern"] = data["concern"]

    def enter_qualified(self, _e: Any) -> None:
        """Finish with the outcome ``objection``."""
        self.finish("objection")

    def enter_not_objection(self, _e: Any) -> None:
        """Finish with the outcome ``not an objection``."""
        self.finish("not an objection")

    def details(self) -> dict[str, Any]:
        """The argument, who disagrees and the open levels of the investigation."""
        return {
            "objector": self.data["objector"],
            "argument": self.data["argument"],
            "subject": self.data.get("subject"),
            "disagreeing": [d["by"] for d in self.disagreeing],
            "investigation": [dict(x) for x in self.stack],
        }

    def record(self) -> dict[str, Any]:
        """What the parent stores about this test."""
        return {
            "process": self.id,
            "verdict": self.outcome,
            "argument": self.data["argument"],
            "versions": list(self.versions),
            "premises": self.data.get("premises", []),
            "conclusion": self.data.get("conclusion", ""),
            "questions": list(self.questions),
            "findings": list(self.findings),
            "kept_as_concern": bool(self.data.get("keep_as_concern")),
        }
