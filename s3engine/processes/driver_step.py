"""Step 1 shared by Consent Decision-Making and Proposal Forming: the driver step.

Consent to Driver and Requirement, with its branches: clarify the wording, defer, pass on to
another domain, discard. The branch actions and closing steps are data for both definitions; the
mixin holds their effects. A driver passed on is recorded where it went, why and when (S3 guide
§3.1 step 1, §3.7): in the ``drivers`` table, the ``processes`` row and the process's details.

Allowed imports: standard library, ``s3engine.core``.
"""

from __future__ import annotations

from typing import Any

from s3engine.core.definition import FACILITATOR, Action, Field, Step
from s3engine.core.process import Process

CLOSING_STEPS = (
    Step("deferred", "Deferred", final=True),
    Step("passed_on", "Passed on to another domain", final=True),
    Step("discarded", "Discarded", final=True),
)

BRANCH_ACTIONS = (
    Action(
        "clarify_driver",
        "Clarify the wording",
        ("driver",),
        None,
        FACILITATOR,
        (
            Field("driver", "text", required=False),
            Field("requirement", "text", required=False),
            Field("note", "text", required=False),
        ),
        "Reword the driver or requirement until nobody objects to the wording.",
    ),
    Action(
        "defer",
        "Defer",
        ("driver",),
        "deferred",
        FACILITATOR,
        (
            Field("reason", "text"),
            Field("owner", "person", required=False),
            Field("by_when", "date", required=False),
        ),
        "Clarifying the driver is not a quick fix: defer the proposal.",
    ),
    Action(
        "pass_on",
        "Pass on to another domain",
        ("driver",),
        "passed_on",
        FACILITATOR,
        (
            Field("to", "line", help="The person, team or domain it is passed to."),
            Field("reason", "text", required=False),
        ),
        "The driver is not for this group: pass it to those who hold the domain.",
    ),
    Action(
        "discard",
        "Discard",
        ("driver",),
        "discarded",
        FACILITATOR,
        (Field("reason", "text"),),
        "It is not an organizational driver at all: discard it.",
    ),
)


class DriverStepMixin(Process):
    """Effects of the step-1 branches; the process ends when deferred, passed on or discarded."""

    def do_clarify_driver(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record the clarification and take the reworded driver and requirement."""
        self.data.setdefault("clarifications", []).append(
            {"what": "driver and requirement", **data, "time": self.last_time}
        )
        for key in ("driver", "requirement"):
            if data.get(key):
                self.data[key] = data[key]

    def _close(self, outcome: str, data: dict[str, Any]) -> None:
        self.data["closing"] = {"outcome": outcome, **data}
        self.data["closing"].setdefault("time", self.last_time)
        self.data["closing"].setdefault("by", self.last_actor)

    def do_defer(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record why, by whom and until when the proposal is deferred."""
        self._close("deferred", data)

    def do_pass_on(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record to whom the driver is passed on."""
        self._close("passed on", data)

    def do_discard(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record why the driver is discarded."""
        self._close("discarded", data)

    def enter_deferred(self, _e: Any) -> None:
        """Finish with the outcome ``deferred``."""
        self.finish("deferred")

    def enter_passed_on(self, _e: Any) -> None:
        """Finish with the outcome ``passed on``."""
        self.finish("passed on")

    def enter_discarded(self, _e: Any) -> None:
        """Finish with the outcome ``discarded``."""
        self.finish("discarded")

    def passed_to(self) -> str | None:
        """Where the driver was passed on to (None unless it was)."""
        closing = self.data.get("closing") or {}
        return str(closing["to"]) if closing.get("outcome") == "passed on" else None

    def driver_record(self) -> dict[str, Any] | None:
        """The ``drivers`` row of a driver passed on to another domain (None otherwise).

        Navigate via Tension and Consent step 1 (S3 guide §3.7, §3.1): record the driver and to
        whom it was passed, why and when.
        """
        closing = self.data.get("closing") or {}
        if closing.get("outcome") != "passed on":
            return None
        return {
            "id": self.id,
            "process": self.id,
            "kind": self.kind,
            "title": self.title,
            "driver": self.data.get("driver", ""),
            "requirement": self.data.get("requirement", ""),
            "status": "passed on",
            "where": closing["to"],
            "passed_to": closing["to"],
            "reason": closing.get("reason", ""),
            "passed_on": closing["time"],
            "passed_by": closing["by"],
            "domain": self.data.get("domain"),
            "time": closing["time"],
        }

    def details(self) -> dict[str, Any]:
        """The process's details, with where the driver was passed on to, why and when."""
        out = super().details()
        record = self.driver_record()
        if record is not None:
            out.update({k: record[k] for k in ("passed_to", "reason", "passed_on")})
        return out

    def summary_row(self, event: dict[str, Any]) -> dict[str, Any]:
        """The ``processes`` row, naming where a passed-on driver went."""
        row = super().summary_row(event)
        if self.passed_to() is not None:
            row["passed_to"] = self.passed_to()
        return row

    def project(self) -> list[tuple[str, str, dict[str, Any]]]:
        """The driver passed on, in the ``drivers`` table; then the process's own records."""
        record = self.driver_record()
        out: list[tuple[str, str, dict[str, Any]]] = super().project()
        return [*out, ("drivers", self.id, record)] if record is not None else out
