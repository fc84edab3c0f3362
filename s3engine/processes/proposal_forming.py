"""Proposal Forming (S3 guide §3.6): from a consented driver to a proposal drafted by tuners.

1 Consent to Driver and Requirement -> 2 Questions about the Driver and Requirement ->
3 Considerations as questions (information-gathering and generative columns) -> 4 Answer
information gathering questions (may pause for research) -> 5 Prioritize generative questions ->
6 Collect ideas -> 7 Choose tuners -> 8 Design proposal. The result can be taken into a consent
decision (``consent`` start field ``from_proposal``).

Allowed imports: standard library, ``s3engine.core``, ``s3engine.processes.driver_step``.
"""

from __future__ import annotations

from typing import Any

from s3engine.core.definition import (
    FACILITATOR,
    PARTICIPANT,
    PROPOSER,
    Action,
    Field,
    ProcessDef,
    Step,
)
from s3engine.processes.driver_step import BRANCH_ACTIONS, CLOSING_STEPS, DriverStepMixin

COLUMNS = ("information gathering", "generative")

DEFINITION = ProcessDef(
    kind="proposal-forming",
    title="Proposal Forming",
    patterns=("proposal-forming", "co-create-proposals", "determine-requirements"),
    start_fields=(
        Field("title", "line", help="A short title."),
        Field("facilitator", "line", help="Who facilitates."),
        Field("participants", "list", help="Everyone taking part, one name per line."),
        Field("driver", "text", help="The situation, its effect and why it matters."),
        Field("requirement", "text", help="What is needed to respond to the driver."),
        Field("patterns", "patterns", required=False, help="The patterns applied."),
        Field(
            "cycle",
            "line",
            required=False,
            help="The MiTS cycle this belongs to.",
            label="MiTS cycle",
            choices_from="cycles",
        ),
    ),
    steps=(
        Step(
            "driver",
            "Consent to Driver and Requirement",
            number="1",
            guidance="Check that the driver and requirement are clear, relevant for this group "
            "and suitable, as in consent decision-making.",
        ),
        Step(
            "questions",
            "Questions about the Driver and Requirement",
            number="2",
            guidance="Rounds of questions to deepen the understanding of the situation, its "
            "effect, the requirement and the impact wanted. Record the answers (all "
            "viewpoints), not the questions.",
        ),
        Step(
            "considerations",
            "Considerations as questions",
            number="3",
            guidance="Everyone reflects, then in rounds adds considerations phrased as questions "
            "in two columns: information gathering (facts, constraints) and generative "
            "(open, creative). No answers yet; rephrase solutions in disguise.",
        ),
        Step(
            "answers",
            "Answer information gathering questions",
            number="4",
            guidance="Answer what can be answered, including 'we don't know'. Questions with many "
            "answers move to the generative column. Pause to research if needed.",
        ),
        Step(
            "paused",
            "Paused for research",
            number="4",
            guidance="The process waits for answers; resume when they are in.",
        ),
        Step(
            "prioritize",
            "Prioritize generative questions",
            number="5",
            guidance="Put the generative questions in a rough order of importance; essential "
            "considerations go to the top.",
        ),
        Step(
            "ideas",
            "Collect ideas",
            number="6",
            guidance="Ideas for whole or partial solutions or next steps; no evaluating or "
            "debating yet.",
        ),
        Step(
            "tuners",
            "Choose tuners",
            number="7",
            guidance="Who should be there? Who wants to be? Who is missing? Narrow to two or "
            "three tuners and check for objections to them. Tuners draft; they do not "
            "decide.",
        ),
        Step(
            "design",
            "Design proposal",
            number="8",
            guidance="The tuners draft the proposal: driver and requirement, what and how and "
            "why, who is responsible for what, a review date, evaluation criteria. "
            "Prefer small next steps and an early review.",
        ),
        Step("formed", "Proposal formed", final=True),
        *CLOSING_STEPS,
    ),
    actions=(
        Action(
            "consent_driver",
            "Consent to driver and requirement",
            ("driver",),
            "questions",
            FACILITATOR,
            (),
            "Nobody objects to the driver and requirement: move on.",
        ),
        *BRANCH_ACTIONS,
        Action(
            "record_answer",
            "Record an answer",
            ("questions",),
            None,
            PARTICIPANT,
            (Field("answer", "text"), Field("question", "text", required=False)),
            "One question at a time; record the answers from every viewpoint.",
        ),
        Action(
            "collect_considerations",
            "Move on to considerations",
            ("questions",),
            "considerations",
            FACILITATOR,
            (),
            "The driver is understood well enough.",
        ),
        Action(
            "add_question",
            "Add a consideration (as a question)",
            ("considerations",),
            None,
            PARTICIPANT,
            (Field("question", "text"), Field("column", "choice", choices=COLUMNS)),
            "Phrase each consideration as a question and put it in a column.",
        ),
        Action(
            "answer_questions",
            "Answer information gathering questions",
            ("considerations",),
            "answers",
            FACILITATOR,
            (),
            "All considerations are in.",
        ),
        Action(
            "answer_question",
            "Answer a question",
            ("answers",),
            None,
            PARTICIPANT,
            (
                Field("number", "int", help="The question's number in its column."),
                Field("answer", "text"),
            ),
            "'We don't know' is an answer too.",
            guard="g_info_question",
        ),
        Action(
            "make_generative",
            "Move a question to the generative column",
            ("answers",),
            None,
            FACILITATOR,
            (Field("number", "int"),),
            "It has many possible answers.",
            guard="g_info_question",
        ),
        Action(
            "pause_for_research",
            "Pause to research",
            ("answers",),
            "paused",
            FACILITATOR,
            (Field("what", "text"), Field("owner", "person"), Field("due", "date")),
            "Key questions need research before going on.",
        ),
        Action(
            "resume",
            "Resume",
            ("paused",),
            "answers",
            FACILITATOR,
            (Field("findings", "text", required=False),),
            "The research is done.",
        ),
        Action(
            "prioritize_questions",
            "Move on to prioritizing",
            ("answers",),
            "prioritize",
            FACILITATOR,
            (),
            "The answerable questions are answered.",
        ),
        Action(
            "set_priorities",
            "Set the order of the generative questions",
            ("prioritize",),
            None,
            FACILITATOR,
            (Field("order", "list", help="Question numbers, most important first."),),
            "Silently sort, then talk only about disputed ones.",
            guard="g_order",
        ),
        Action(
            "collect_ideas",
            "Move on to ideas",
            ("prioritize",),
            "ideas",
            FACILITATOR,
            (),
            "The questions are in order.",
        ),
        Action(
            "add_idea",
            "Add an idea",
            ("ideas",),
            None,
            PARTICIPANT,
            (Field("idea", "text"),),
            "Ideas for the whole or a part, or for a next step. No debating.",
        ),
        Action(
            "choose_tuners_step",
            "Move on to choosing tuners",
            ("ideas",),
            "tuners",
            FACILITATOR,
            (),
            "Enough ideas are collected.",
        ),
        Action(
            "choose_tuners",
            "Choose the tuners",
            ("tuners",),
            "design",
            FACILITATOR,
            (
                Field("tuners", "people", help="Two or three people."),
                Field(
                    "objections",
                    "text",
                    required=False,
                    help="Objections to the tuners and how they were resolved.",
                ),
            ),
            "Check for objections to the tuners before they start.",
            guard="g_tuners",
        ),
        Action(
            "submit_proposal",
            "Submit the proposal",
            ("design",),
            "formed",
            PROPOSER,
            (
                Field("proposal", "text"),
                Field("responsibilities", "list", required=False),
                Field("review_date", "date"),
                Field("evaluation_criteria", "list", required=False),
                Field("due_date", "date", required=False),
            ),
            "The tuners hand over the proposal; it goes to a consent decision next.",
        ),
    ),
)


class ProposalForming(DriverStepMixin):
    """A facilitated group forming one proposal."""

    definition = DEFINITION

    def setup(self, data: dict[str, Any]) -> None:
        """Start with an empty board of considerations, no ideas and no proposal."""
        super().setup(data)
        self.data.setdefault("patterns", [])
        self.answers: list[dict[str, Any]] = []
        self.board: dict[str, list[dict[str, Any]]] = {c: [] for c in COLUMNS}
        self.ideas: list[dict[str, Any]] = []
        self.priorities: list[int] = []
        self.research: list[dict[str, Any]] = []
        self.proposal: dict[str, Any] | None = None

    def role_holders(self, role: str) -> tuple[str, ...]:
        """The tuners are the proposers; the other roles as usual."""
        if role == PROPOSER:
            return tuple(self.data.get("tuners", []))
        return super().role_holders(role)

    def g_info_question(self, f: dict[str, Any]) -> str | None:
        """Guard: the number names an information gathering question."""
        n = f.get("number")
        if n is not None and not 1 <= n <= len(self.board["information gathering"]):
            return (
                f"there is no information gathering question {n} "
                f"(there are {len(self.board['information gathering'])})"
            )
        return None

    def g_order(self, f: dict[str, Any]) -> str | None:
        """Guard of ``set_priorities``: every entry is the number of a generative question."""
        for x in f.get("order", []):
            if not x.isdigit() or not 1 <= int(x) <= len(self.board["generative"]):
                return f"{x!r} is not the number of a generative question"
        return None

    def g_tuners(self, f: dict[str, Any]) -> str | None:
        """Guard of ``choose_tuners``: one to three tuners."""
        if "tuners" in f and not 1 <= len(f["tuners"]) <= 3:
            return "choose one to three tuners (two or three is best)"
        return None

    def do_record_answer(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record an answer about the driver and requirement."""
        self.answers.append({"by": actor, **data})

    def do_add_question(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Add a consideration, phrased as a question, to its column."""
        self.board[data["column"]].append(
            {"by": actor, "question": data["question"], "answers": []}
        )

    def do_answer_question(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record an answer to an information gathering question."""
        self.board["information gathering"][data["number"] - 1]["answers"].append(
            {"by": actor, "answer": data["answer"]}
        )

    def do_make_generative(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Move an information gathering question to the generative column."""
        q = self.board["information gathering"].pop(data["number"] - 1)
        self.board["generative"].append(q)

    def do_pause_for_research(
        self, actor: str, data: dict[str, Any], event: dict[str, Any]
    ) -> None:
        """Record what is researched, by whom and by when."""
        self.research.append(dict(data))

    def do_resume(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record the findings of the latest research, if given."""
        if data.get("findings") and self.research:
            self.research[-1]["findings"] = data["findings"]

    def do_set_priorities(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Set the order of the generative questions."""
        self.priorities = [int(x) for x in data["order"]]

    def do_add_idea(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record an idea."""
        self.ideas.append({"by": actor, "idea": data["idea"]})

    def do_choose_tuners(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record the tuners and any objections to them."""
        self.data["tuners"] = data["tuners"]
        self.data["tuner_objections"] = data.get("objections", "")

    def do_submit_proposal(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record the proposal drafted by the tuners."""
        self.proposal = {
            "id": self.id,
            "title": self.data["title"],
            "driver": self.data["driver"],
            "requirement": self.data["requirement"],
            "proposers": list(self.data["tuners"]),
            **data,
            "patterns": list(self.data["patterns"]),
            "cycle": self.data.get("cycle"),
            "formed_on": self.last_time,
        }

    def enter_formed(self, _e: Any) -> None:
        """Finish with the outcome ``proposal formed``."""
        self.finish("proposal formed")

    def details(self) -> dict[str, Any]:
        """The driver, the answers, the board, the ideas, the tuners and the proposal."""
        return {
            **super().details(),
            "driver": self.data["driver"],
            "requirement": self.data["requirement"],
            "answers": self.answers,
            "board": self.board,
            "ideas": self.ideas,
            "priorities": self.priorities,
            "tuners": self.data.get("tuners", []),
            "proposal": self.proposal,
        }

    def project(self) -> list[tuple[str, str, dict[str, Any]]]:
        """The formed proposal, in the ``proposals`` table (a passed-on driver in ``drivers``)."""
        out = super().project()
        if self.proposal is None:
            return out
        return [*out, ("proposals", self.id, dict(self.proposal))]
