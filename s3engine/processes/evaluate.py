"""Evaluate And Evolve Agreements (S3 guide §3.10), long format with the short-format questions.

Preparation -> (optional) Hear reports -> Review Driver and Requirement (no longer relevant: drop)
-> Review Agreement (how has it helped us? any reason to drop it? how could it be improved?) ->
Keep (new review date) | Evolve (a new version through a consent decision, linked with
``supersedes``) | Drop -> Follow-up (next review date, decisions and tasks, knock-on effects).

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``,
``s3engine.processes.consent`` (the child that evolves the agreement).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from s3engine.core.definition import FACILITATOR, PARTICIPANT, Action, Field, ProcessDef, Step
from s3engine.core.process import Process
from s3engine.errors import InvalidField
from s3engine.processes.consent import ConsentDecision

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.core.workspace import Workspace

QUESTIONS = ("How has it helped us?", "Any reason to drop it?", "How could it be improved?")

DEFINITION = ProcessDef(
    kind="evaluate",
    title="Evaluate And Evolve Agreements",
    patterns=("evaluate-and-evolve-agreements", "evaluation-criteria", "governance-meeting"),
    start_fields=(
        Field(
            "agreement",
            "line",
            help="The agreement to review.",
            choices_from="agreements",
        ),
        Field("facilitator", "line", help="Who facilitates."),
        Field("participants", "list", help="Those affected by or responsible for it."),
    ),
    steps=(
        Step(
            "prepare",
            "Preparation",
            number="1",
            guidance="Make sure everyone has the agreement, its evaluation criteria, concerns and "
            "any data needed.",
        ),
        Step(
            "reports",
            "Hear reports",
            number="2",
            guidance="Optional: hear reports on how acting on the agreement went.",
        ),
        Step(
            "driver_review",
            "Review Driver and Requirement",
            number="3",
            guidance="Is the driver still relevant, and the requirement still right? If not, "
            "drop the agreement.",
        ),
        Step(
            "agreement_review",
            "Review Agreement",
            number="4",
            guidance="How has it helped us? Any reason to drop it? How could it be improved? "
            "Look at the evaluation criteria and concerns. Then keep, evolve or drop it.",
        ),
        Step("evolving", "Evolve Agreement (consent decision)", number="4", waiting=True),
        Step(
            "follow_up",
            "Follow-up",
            number="5",
            guidance="Agree the next review date, record decisions and tasks, tell the people "
            "concerned and check knock-on effects on related agreements.",
        ),
        Step("done", "Review recorded", final=True),
    ),
    actions=(
        Action(
            "start_review",
            "Start the review",
            ("prepare",),
            "reports",
            FACILITATOR,
            (),
            "Everyone has what they need.",
        ),
        Action(
            "report",
            "Give a report",
            ("reports",),
            None,
            PARTICIPANT,
            (Field("report", "text"),),
            "What happened, measured against the criteria.",
        ),
        Action(
            "review_driver",
            "Review driver and requirement",
            ("reports",),
            "driver_review",
            FACILITATOR,
            (),
            "Reports are heard (or skipped).",
        ),
        Action(
            "driver_still_relevant",
            "Still relevant",
            ("driver_review",),
            "agreement_review",
            FACILITATOR,
            (Field("note", "text", required=False),),
            "The driver and requirement still hold.",
        ),
        Action(
            "answer",
            "Answer a review question",
            ("agreement_review",),
            None,
            PARTICIPANT,
            (Field("question", "choice", choices=QUESTIONS), Field("answer", "text")),
            "Short answers to the three questions.",
        ),
        Action(
            "keep",
            "Keep the agreement",
            ("agreement_review",),
            "follow_up",
            FACILITATOR,
            (
                Field("next_review_date", "date"),
                Field(
                    "evaluation_criteria", "list", required=False, help="Revised criteria, if any."
                ),
            ),
            "It works: keep it and set the next review date.",
            guard="g_future_date",
        ),
        Action(
            "evolve",
            "Evolve the agreement",
            ("agreement_review",),
            "evolving",
            FACILITATOR,
            (
                Field("proposal", "text", help="The changed agreement text."),
                Field("review_date", "date"),
                Field("reason", "text"),
                Field("responsibilities", "list", required=False),
                Field("evaluation_criteria", "list", required=False),
                Field(
                    "proposers",
                    "people",
                    required=False,
                    help="Who proposes the changed version (default: the facilitator).",
                ),
            ),
            "Take a changed version through consent decision-making.",
            guard="g_future_date",
        ),
        Action(
            "drop",
            "Drop the agreement",
            ("driver_review", "agreement_review"),
            "follow_up",
            FACILITATOR,
            (Field("reason", "text"),),
            "It is no longer needed or no longer works.",
            confirm="The agreement stops applying and is recorded as dropped.",
        ),
        Action(
            "complete",
            "Record the follow-up",
            ("follow_up",),
            "done",
            FACILITATOR,
            (
                Field("tasks", "list", required=False, help="Decisions and tasks, one per line."),
                Field("knock_on", "text", required=False, help="Effects on related agreements."),
            ),
            "Document the decisions and share them.",
        ),
    ),
    internal=(
        ("evolved", ("evolving",), "follow_up"),
        ("not_evolved", ("evolving",), "agreement_review"),
    ),
)


class EvaluateAgreement(Process):
    """The review of one agreement."""

    definition = DEFINITION

    def setup(self, data: dict[str, Any]) -> None:
        """Start from a copy of the agreement under review."""
        super().setup(data)
        self.reports: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []
        self.decision: dict[str, Any] = {}
        self.agreement = dict(self.ws.projection.get("agreements", data["agreement"]) or {})

    @classmethod
    def check_start(cls, ws: Workspace, data: dict[str, Any]) -> None:
        """Refuse an agreement that does not exist or is not active."""
        super().check_start(ws, data)
        row = ws.projection.get("agreements", data["agreement"])
        if row is None:
            raise InvalidField(
                "agreement",
                f"there is no agreement '{data['agreement']}'",
                "an id listed by `s3flow agreements`",
            )
        if row["status"] != "active":
            raise InvalidField(
                "agreement",
                f"agreement '{data['agreement']}' is {row['status']}",
                "an active agreement",
            )

    @property
    def title(self) -> str:
        """``Review of <title>``, with the agreement's id when it has no title."""
        return f"Review of {self.agreement.get('title', self.data['agreement'])}"

    def g_future_date(self, f: dict[str, Any]) -> str | None:
        """Guard of ``keep`` and ``evolve``: the next review date is after today."""
        for key in ("next_review_date", "review_date"):
            if key in f and f[key] <= self.last_time_of_now():
                return f"the {key.replace('_', ' ')} must be after today"
        return None

    def last_time_of_now(self) -> str:
        """Today's date by the workspace clock (deterministic in tests)."""
        return self.ws.journal.clock()[:10]

    def do_report(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a report on how acting on the agreement went."""
        self.reports.append({"by": actor, "report": data["report"]})

    def do_answer(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record an answer to one of the review questions."""
        self.answers.append({"by": actor, **data})

    def do_keep(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Decide to keep the agreement, with its next review date."""
        self.decision = {"outcome": "keep", **data}

    def do_drop(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Decide to drop the agreement, with the reason."""
        self.decision = {"outcome": "drop", **data}

    def do_evolve(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Decide to evolve the agreement into the changed version given."""
        self.decision = {"outcome": "evolve", **data}

    def enter_evolving(self, _e: Any) -> None:
        """Spawn the consent decision on the changed version (it supersedes this one)."""
        a, d = self.agreement, self.decision
        self.spawn(
            ConsentDecision,
            {
                "title": a["title"],
                "facilitator": self.facilitator,
                "participants": self.participants,
                "driver": a["driver"],
                "requirement": a["requirement"],
                "proposal": d["proposal"],
                "review_date": d["review_date"],
                "responsibilities": d.get("responsibilities") or a["responsibilities"],
                "evaluation_criteria": d.get("evaluation_criteria") or a["evaluation_criteria"],
                "patterns": a.get("patterns", []),
                "domain": a.get("domain"),
                "cycle": a.get("cycle"),
                "supersedes": a["id"],
                # Those proposing the evolved agreement present it (consent step 2).
                "proposers": list(d.get("proposers") or [self.facilitator]),
            },
        )

    def child_done(self, child: Process) -> None:
        """Take in the consent decision: agreed moves on to the follow-up, else back."""
        if child.outcome == "agreed":
            self.decision["new_agreement"] = child.id
            self.fire("evolved")
        else:
            self.decision = {"outcome": f"evolution {child.outcome}"}
            self.fire("not_evolved")

    def do_complete(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Add the follow-up (tasks, knock-on effects) to the decision."""
        self.decision.update(data)

    def enter_done(self, _e: Any) -> None:
        """Finish with the decision as the outcome."""
        self.finish(self.decision.get("outcome", "done"))

    def details(self) -> dict[str, Any]:
        """The agreement, the reports, the answers and the decision."""
        return {
            "agreement": self.agreement,
            "reports": self.reports,
            "answers": self.answers,
            "decision": self.decision,
        }

    def project(self) -> list[tuple[str, str, dict[str, Any]]]:
        """The review record, and the agreement's new review date or status."""
        if self.state != "done":
            return []
        aid = self.data["agreement"]
        review = {
            "id": self.id,
            "agreement": aid,
            "date": self.last_time[:10],
            "outcome": self.decision.get("outcome"),
            "answers": list(self.answers),
            "reports": list(self.reports),
            "decision": dict(self.decision),
        }
        out: list[tuple[str, str, dict[str, Any]]] = [("reviews", self.id, review)]
        row = self.ws.projection.get("agreements", aid)
        if row is not None and not any(r["id"] == self.id for r in row["reviews"]):
            row = {
                **row,
                "reviews": [*row["reviews"], {k: review[k] for k in ("id", "date", "outcome")}],
            }
            if self.decision.get("outcome") == "keep":
                row["review_date"] = self.decision["next_review_date"]
                if self.decision.get("evaluation_criteria"):
                    row["evaluation_criteria"] = self.decision["evaluation_criteria"]
            elif self.decision.get("outcome") == "drop":
                row["status"] = "dropped"
            out.append(("agreements", aid, row))
        return out
