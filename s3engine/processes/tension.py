"""Navigate via Tension (S3 guide §3.7), ending in a described driver (§3.9) and where it went.

1 Notice tension -> 2 Understand situation (a misunderstanding may dissolve it) -> 3 Is this an
organizational driver? (no: drop it; unclear: investigate more; yes: describe it as situation,
effect and relevance) -> 4 Is it in my/our domain? (yes: into the domain's backlog; no: pass it to
the domain that holds it; or, if well placed and harmless, just deal with it).

Allowed imports: standard library, ``s3engine.core``.
"""

from __future__ import annotations

from typing import Any

from s3engine.core.definition import FACILITATOR, PARTICIPANT, Action, Field, ProcessDef, Step
from s3engine.core.process import Process

DEFINITION = ProcessDef(
    kind="tension",
    title="Navigate via Tension",
    patterns=(
        "navigate-via-tension",
        "describe-organizational-drivers",
        "respond-to-organizational-drivers",
    ),
    start_fields=(
        Field("tension", "text", help="What you notice: the mismatch you feel."),
        Field("facilitator", "line", help="Who noticed it (and leads this)."),
        Field(
            "participants",
            "list",
            required=False,
            help="Others helping to look into it, one per line.",
        ),
        Field("title", "line", required=False, help="A short title."),
    ),
    steps=(
        Step(
            "understand",
            "Understand situation",
            number="2",
            guidance="Look into what causes the tension. Sometimes a misunderstanding comes to "
            "light and the tension goes away.",
        ),
        Step(
            "is_driver",
            "Is this an organizational driver?",
            number="3",
            guidance="Would responding help the organization create value, remove waste or "
            "avoid unwanted consequences? If unclear, investigate further.",
        ),
        Step(
            "in_domain",
            "Is it in my/our domain?",
            number="4",
            guidance="If it is yours, add it to your backlog and respond to it. If not, pass it "
            "to whoever holds the domain. If you are well placed and can deal with it "
            "without harm, consider just doing it.",
        ),
        Step("dissolved", "Tension dissolved", final=True),
        Step("dropped", "Not an organizational driver", final=True),
        Step("in_backlog", "Added to a backlog", final=True),
        Step("passed_on", "Passed on", final=True),
        Step("handled", "Dealt with directly", final=True),
    ),
    actions=(
        Action(
            "note_finding",
            "Note what you found",
            ("understand", "is_driver"),
            None,
            PARTICIPANT,
            (Field("finding", "text"),),
            "Facts about the situation.",
        ),
        Action(
            "dissolved",
            "It was a misunderstanding",
            ("understand",),
            "dissolved",
            FACILITATOR,
            (Field("reason", "text"),),
            "The tension has gone away.",
        ),
        Action(
            "assess",
            "Ask: is this an organizational driver?",
            ("understand",),
            "is_driver",
            FACILITATOR,
            (),
            "The situation is understood.",
        ),
        Action(
            "not_a_driver",
            "No, drop it",
            ("is_driver",),
            "dropped",
            FACILITATOR,
            (Field("reason", "text"),),
            "Responding would not help the organization.",
        ),
        Action(
            "unclear",
            "Unclear: investigate further",
            ("is_driver",),
            "understand",
            FACILITATOR,
            (Field("what", "text", help="What to find out, and from whom."),),
            "Ask others if needed.",
        ),
        Action(
            "describe_driver",
            "Yes: describe the driver",
            ("is_driver",),
            "in_domain",
            FACILITATOR,
            (
                Field("situation", "text", help="What is observed: facts, no judgement."),
                Field("effect", "text", help="Its consequences."),
                Field("effect_kind", "choice", choices=("current", "anticipated")),
                Field(
                    "relevance",
                    "text",
                    required=False,
                    help="Why it matters to respond (may be left out if obvious).",
                ),
                Field("framing", "choice", choices=("problem", "opportunity"), required=False),
            ),
            "Two or three sentences: current situation, effect, relevance.",
        ),
        Action(
            "add_to_backlog",
            "Ours: add to the backlog",
            ("in_domain",),
            "in_backlog",
            FACILITATOR,
            (
                Field("domain", "line", help="Whose backlog (team, circle, role)."),
                Field("priority", "choice", choices=("high", "medium", "low"), required=False),
            ),
            "Then respond to it in priority order.",
        ),
        Action(
            "pass_on",
            "Not ours: pass it on",
            ("in_domain",),
            "passed_on",
            FACILITATOR,
            (
                Field("to", "line", help="The person, team or domain it goes to."),
                Field("note", "text", required=False),
            ),
            "They will look into the situation themselves.",
        ),
        Action(
            "just_do_it",
            "Deal with it directly",
            ("in_domain",),
            "handled",
            FACILITATOR,
            (Field("what", "text"),),
            "Outside your domain but you are well placed and it harms nobody.",
        ),
    ),
)


class NavigateTension(Process):
    """One person's (or group's) tension, followed to a driver and a destination."""

    definition = DEFINITION

    def setup(self, data: dict[str, Any]) -> None:
        """Start with no findings and no driver; participants are optional."""
        data = dict(data)
        data.setdefault("participants", [])
        super().setup(data)
        self.findings: list[dict[str, Any]] = []
        self.driver: dict[str, Any] | None = None

    @property
    def title(self) -> str:
        """The given title, else the start of the tension."""
        return str(self.data.get("title") or self.data["tension"][:60])

    def do_note_finding(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a fact found about the situation."""
        self.findings.append({"by": actor, "finding": data["finding"], "time": self.last_time})

    def do_unclear(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record what is still to be investigated, as a finding."""
        self.findings.append(
            {"by": actor, "finding": f"To investigate: {data['what']}", "time": self.last_time}
        )

    def do_dissolved(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record why the tension went away."""
        self.data["closing"] = dict(data)

    def do_not_a_driver(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record why it is not an organizational driver."""
        self.data["closing"] = dict(data)

    def do_describe_driver(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record the driver: situation, effect and relevance."""
        self.driver = {
            "id": self.id,
            "situation": data["situation"],
            "effect": data["effect"],
            "effect_kind": data["effect_kind"],
            "relevance": data.get("relevance", ""),
            "framing": data.get("framing", "problem"),
            "reported_by": self.facilitator,
            "tension": self.data["tension"],
            "status": "described",
            "where": None,
            "time": self.last_time,
        }

    def _route(self, status: str, where: str | None, extra: dict[str, Any]) -> None:
        assert self.driver is not None
        self.driver.update({"status": status, "where": where, **extra})

    def do_add_to_backlog(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Route the driver into a domain's backlog with a priority."""
        self._route("in backlog", data["domain"], {"priority": data.get("priority", "medium")})

    def do_pass_on(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Route the driver to whoever holds the domain."""
        self._route(
            "passed on",
            data["to"],
            {
                "note": data.get("note", ""),
                "passed_to": data["to"],
                "reason": data.get("note", ""),
                "passed_on": self.last_time,
                "passed_by": actor,
            },
        )

    def do_just_do_it(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Route the driver to the facilitator, who deals with it directly."""
        self._route("handled directly", self.facilitator, {"note": data["what"]})

    def enter_dissolved(self, _e: Any) -> None:
        """Finish with the outcome ``dissolved``."""
        self.finish("dissolved")

    def enter_dropped(self, _e: Any) -> None:
        """Finish with the outcome ``not an organizational driver``."""
        self.finish("not an organizational driver")

    def enter_in_backlog(self, _e: Any) -> None:
        """Finish with the outcome ``in backlog``."""
        self.finish("in backlog")

    def enter_passed_on(self, _e: Any) -> None:
        """Finish with the outcome ``passed on``."""
        self.finish("passed on")

    def enter_handled(self, _e: Any) -> None:
        """Finish with the outcome ``handled directly``."""
        self.finish("handled directly")

    def details(self) -> dict[str, Any]:
        """The tension, the findings and the driver (and where it was passed on to)."""
        out = {"tension": self.data["tension"], "findings": self.findings, "driver": self.driver}
        if self.driver and self.driver.get("passed_to"):
            out.update({k: self.driver[k] for k in ("passed_to", "reason", "passed_on")})
        return out

    def summary_row(self, event: dict[str, Any]) -> dict[str, Any]:
        """The ``processes`` row, naming where a passed-on driver went."""
        row = super().summary_row(event)
        if self.driver and self.driver.get("passed_to"):
            row["passed_to"] = self.driver["passed_to"]
        return row

    def project(self) -> list[tuple[str, str, dict[str, Any]]]:
        """The described driver, in the ``drivers`` table."""
        return [("drivers", self.id, dict(self.driver))] if self.driver else []
