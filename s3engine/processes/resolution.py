"""Resolve Objections (S3 guide §3.3), a child process.

Come up with an amendment (from the objector, the group, or a timeboxed dialogue), understand it,
check for possible objections to the amendment (hidden round), test and resolve them one at a time
(recursively: an objection to the amendment is resolved by this same process, whose result replaces
the amendment), then celebrate: the parent updates its subject with the amendment.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.processes.objection_check``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from s3engine.core.definition import FACILITATOR, PARTICIPANT, Action, Field, ProcessDef, Step
from s3engine.processes.objection_check import ObjectionCheckMixin, check_actions, check_transitions

AMENDMENT_KINDS = (
    "change the proposal",  # add, remove or change parts
    "defer the objection",  # who takes responsibility, by when, what happens next
    "replace with an alternative",
    "co-create a new proposal later",
    "delegate research or drafting",
    "leave unchanged but monitor",
    "ask the delegator for input",
    "take time to reflect",
    "change the role description",  # role selection
    "propose another nominee",  # role selection
)
NEEDS_OWNER = (
    "defer the objection",
    "delegate research or drafting",
    "co-create a new proposal later",
    "ask the delegator for input",
    "take time to reflect",
)
NEEDS_TEXT = ("change the proposal", "replace with an alternative", "change the role description")

DEFINITION = ProcessDef(
    kind="resolution",
    title="Resolve Objections",
    patterns=("resolve-objections",),
    steps=(
        Step(
            "amend",
            "Come up with a proposal for an amendment",
            number="1",
            guidance="Ask first the objector, then the group, then (timeboxed) open a dialogue "
            "for an amendment that deals with what the objection revealed. Write it "
            "down where everyone sees it.",
        ),
        Step(
            "understand",
            "Understand amendment",
            number="2",
            guidance="Clarifying questions only; no debate on whether it is good.",
        ),
        Step(
            "check",
            "Check for possible objections to the amendment",
            number="3",
            guidance="The check is about the amendment only, not the whole proposal.",
        ),
        Step(
            "choose",
            "Choose one possible objection",
            number="3",
            guidance="Take one possible objection to the amendment at a time.",
        ),
        Step("testing", "Test one argument qualifies as objection", number="4", waiting=True),
        Step(
            "resolving",
            "Resolve one objection",
            number="5",
            waiting=True,
            guidance="Resolve the objection to the amendment with this same process; the "
            "result may replace the amendment.",
        ),
        Step(
            "celebrate",
            "Celebrate!",
            number="6",
            guidance="The amendment is agreed. Update the original with it and go back to "
            "checking for objections.",
        ),
        Step("resolved", "Objection resolved", final=True),
    ),
    actions=(
        Action(
            "propose_amendment",
            "Write down the amendment",
            ("amend",),
            "understand",
            FACILITATOR,
            (
                Field(
                    "kind",
                    "choice",
                    choices=AMENDMENT_KINDS,
                    help="What kind of amendment this is.",
                ),
                Field("text", "text", help="The amendment as written for everyone to see."),
                Field(
                    "from",
                    "choice",
                    choices=("objector", "group", "dialogue"),
                    help="Who came up with it (ask in this order).",
                ),
                Field(
                    "amended_text",
                    "text",
                    required=False,
                    help="The full amended text (needed when the text changes).",
                ),
                Field(
                    "owner",
                    "person",
                    required=False,
                    help="Who takes responsibility (deferral, research, reflection).",
                ),
                Field("due", "date", required=False, help="By when."),
                Field("next_step", "text", required=False, help="What happens next."),
                Field(
                    "nominee", "person", required=False, help="The other nominee (role selection)."
                ),
            ),
            "Ask the objector first for an amendment, then the group, then open a dialogue.",
            guard="g_amendment_complete",
        ),
        Action(
            "ask_question",
            "Ask a clarifying question",
            ("understand",),
            None,
            PARTICIPANT,
            (Field("question", "text"), Field("answer", "text", required=False)),
            "Questions to understand the amendment only.",
        ),
        Action(
            "check_amendment",
            "Check for objections to the amendment",
            ("understand",),
            "check",
            FACILITATOR,
            (),
            "Move on to the check when the amendment is understood.",
        ),
        *check_actions(what="the amendment"),
        Action(
            "adopt_amendment",
            "Adopt the amendment",
            ("celebrate",),
            "resolved",
            FACILITATOR,
            (),
            "Celebrate, then update the original with the amendment.",
        ),
    ),
    internal=check_transitions("celebrate"),
)


class Resolution(ObjectionCheckMixin):
    """Resolving one qualified objection by an agreed amendment."""

    definition = DEFINITION
    return_steps: ClassVar[dict[str, str]] = {"amendment": "check"}

    def setup(self, data: dict[str, Any]) -> None:
        """Start with no amendment yet; the loop is about the amendment."""
        super().setup(data)
        self.setup_check()
        self.subject = "amendment"
        self.amendment: dict[str, Any] = {}
        self.questions: list[dict[str, Any]] = []
        self.amendment_history: list[dict[str, Any]] = []
        #: Objections to the amendment that were deferred (here or in deeper resolutions).
        self.deferred: list[dict[str, Any]] = []

    def resolution_type(self) -> type[Resolution]:
        """Objections to an amendment are resolved by this same process."""
        return Resolution

    def g_amendment_complete(self, f: dict[str, Any]) -> str | None:
        """Guard of ``propose_amendment``: the amendment has what its kind needs."""
        kind = f.get("kind")
        # A deferral says what happens next (S3 guide §3.3); journals imported from versions
        # before this rule are judged without it.
        no_next = (
            kind == "defer the objection"
            and not f.get("next_step")
            and not getattr(self.ws, "revalidating", False)
        )
        if kind in NEEDS_OWNER and (not f.get("owner") or not f.get("due")):
            also = ", and what happens next (next_step)" if no_next else ""
            return f"an amendment that will '{kind}' needs an owner and a due date{also}"
        if no_next:
            return f"an amendment that will '{kind}' needs what happens next (next_step)"
        if kind in NEEDS_TEXT and not f.get("amended_text"):
            return f"an amendment that will '{kind}' needs the full amended text"
        if kind == "propose another nominee" and not f.get("nominee"):
            return "name the other nominee"
        return None

    def do_propose_amendment(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record the amendment as written down."""
        self.amendment = dict(data)
        self.amendment_history.append(dict(data))

    def do_ask_question(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a clarifying question (and its answer)."""
        self.questions.append({"by": actor, **data})

    def enter_check(self, _e: Any) -> None:
        """Open the hidden round about the amendment."""
        self.open_round("the amendment")

    def subject_text(self) -> str:
        """The amended text, else the amendment as written."""
        return str(self.amendment.get("amended_text") or self.amendment.get("text", ""))

    def apply_amendment(self, resolution: Resolution) -> None:
        """An objection to the amendment was resolved: its result replaces the amendment."""
        new = resolution.amendment
        if new.get("amended_text"):
            self.amendment["amended_text"] = new["amended_text"]
        self.amendment["text"] = (
            f"{self.amendment.get('text', '')}\n[amended: {new.get('text', '')}]"
        )
        if new.get("kind") == "defer the objection":
            # The objection to the amendment is deferred: who, by when and what next are the
            # deferral's, carried up to the record (not this amendment's owner and date).
            self.deferred.append(
                {
                    "objector": resolution.data["objector"],
                    "objection": resolution.data["objection"],
                    "owner": new.get("owner"),
                    "due": new.get("due"),
                    "next_step": new.get("next_step", ""),
                    "subject": "amendment",
                    "resolution": resolution.id,
                }
            )
        else:
            for key in ("owner", "due", "next_step", "nominee"):
                if new.get(key):
                    self.amendment[key] = new[key]
        self.deferred.extend(dict(d) for d in resolution.deferred)
        self.amendment_history.append(dict(self.amendment))

    def enter_resolved(self, _e: Any) -> None:
        """Finish with the outcome ``resolved``."""
        self.finish("resolved")

    def details(self) -> dict[str, Any]:
        """The objection and the amendment so far."""
        return {
            "objector": self.data["objector"],
            "objection": self.data["objection"],
            "subject": self.data.get("subject"),
            "amendment": dict(self.amendment),
        }

    def record(self) -> dict[str, Any]:
        """What the parent stores about this resolution."""
        return {
            "process": self.id,
            "objection": self.data["objection"],
            "amendment": dict(self.amendment),
            "history": list(self.amendment_history),
            "objections_to_amendment": list(self.objections),
            "deferred_objections": [dict(d) for d in self.deferred],
            "questions": list(self.questions),
            "time": self.last_time,
        }
