"""The Consent Decision-Making process type as data: its start fields, steps and actions.

The nine steps of the S3 guide (§3.1), with the waiting steps in which an objection to the
requirement, to the proposal or raised as a concern is tested and resolved by child processes, and
the closing steps of the driver step. :class:`s3engine.processes.consent.ConsentDecision` holds the
guards and effects the actions name.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.processes.driver_step``,
``s3engine.processes.objection_check``.
"""

from __future__ import annotations

from s3engine.core.definition import (
    FACILITATOR,
    PARTICIPANT,
    PROPOSER,
    Action,
    Field,
    ProcessDef,
    Step,
)
from s3engine.processes.driver_step import BRANCH_ACTIONS, CLOSING_STEPS
from s3engine.processes.objection_check import check_actions, check_transitions

#: The proposal's own fields, given at the start or when it is presented.
PROPOSAL_FIELDS = (
    Field("proposal", "text", required=False, help="What is proposed (what, how, why)."),
    Field(
        "responsibilities",
        "list",
        required=False,
        help="Who is responsible for what, one per line.",
    ),
    Field("review_date", "date", required=False, help="When the agreement will be reviewed."),
    Field(
        "evaluation_criteria",
        "list",
        required=False,
        help="How you will know it works, one per line.",
    ),
)

#: What a consent decision is started with (or takes from a formed proposal).
START_FIELDS = (
    Field("title", "line", help="A short title for the decision."),
    Field("facilitator", "line", help="Who facilitates."),
    Field("participants", "list", help="Everyone taking part, one name per line."),
    Field("driver", "text", help="The situation, its effect and why it matters."),
    Field("requirement", "text", help="What is needed to respond to the driver."),
    Field("proposers", "list", required=False, help="Authors (tuners) of the proposal."),
    *PROPOSAL_FIELDS,
    Field(
        "patterns",
        "patterns",
        required=False,
        help="The patterns this decision applies.",
        label="Patterns applied",
    ),
    Field(
        "domain",
        "line",
        required=False,
        help="The domain (team, circle) deciding.",
        choices_from="domains",
    ),
    Field(
        "cycle",
        "line",
        required=False,
        help="The MiTS cycle this decision belongs to.",
        label="MiTS cycle",
        choices_from="cycles",
    ),
    Field(
        "supersedes",
        "line",
        required=False,
        help="The agreement this one evolves.",
        label="Agreement it evolves",
        choices_from="agreements",
    ),
    Field(
        "from_proposal",
        "line",
        required=False,
        help="The formed proposal it starts from (its texts fill the empty fields).",
        label="From a formed proposal",
        choices_from="proposals",
    ),
)

#: Steps in which the patterns applied can still be named.
NOT_FINAL = (
    "driver",
    "present",
    "understand",
    "respond",
    "check",
    "choose",
    "celebrate",
    "concerns",
)

#: Consent Decision-Making (S3 guide §3.1).
DEFINITION = ProcessDef(
    kind="consent",
    title="Consent Decision-Making",
    patterns=(
        "consent-decision-making",
        "test-arguments-qualify-as-objections",
        "resolve-objections",
    ),
    start_fields=START_FIELDS,
    steps=(
        Step(
            "driver",
            "Consent to Driver and Requirement",
            number="1",
            guidance="Is the driver and requirement clear enough? Is it an organizational driver, "
            "relevant for this group? Is the requirement suitable? Clarify the wording "
            "if needed; defer if it is not a quick fix; pass it on if it belongs to "
            "another domain; discard it if it is not an organizational driver.",
        ),
        Step("req_testing", "Test an objection to the requirement", number="1", waiting=True),
        Step("req_resolving", "Resolve the objection to the requirement", number="1", waiting=True),
        Step(
            "present",
            "Present the Proposal",
            number="2",
            guidance="The authors present the proposal, who is responsible for what, a review "
            "date and evaluation criteria.",
        ),
        Step(
            "understand",
            "Understand the Proposal",
            number="3",
            guidance="Clarifying questions only ('what do you mean by ...?', not 'why ...?'). "
            "Wording may be clarified; do not change the substance here.",
        ),
        Step(
            "respond",
            "Brief Response",
            number="4",
            guidance="A quick round: everyone shares a brief response to the proposal. No "
            "reacting to each other.",
        ),
        Step(
            "check",
            "Check for Possible Objections",
            number="5",
            guidance="Who has a possible objection or a concern? Everyone signals at the same "
            "time; arguments are not heard yet. If nobody has one, celebrate.",
        ),
        Step(
            "choose",
            "Choose one possible objection",
            number="6",
            guidance="Take one possible objection at a time.",
        ),
        Step("testing", "Test One Argument Qualifies as Objection", number="6", waiting=True),
        Step("resolving", "Resolve the Objection", number="7", waiting=True),
        Step(
            "celebrate",
            "Celebrate!",
            number="8",
            guidance="Nobody has an objection: the proposal is now an agreement, good enough for "
            "now and safe enough to try. Acknowledge it.",
        ),
        Step(
            "concerns",
            "Consider Concerns",
            number="9",
            guidance="Ask those with concerns to voice them if worth it; record them with the "
            "evaluation criteria. A concern that turns out to be an objection is tested "
            "and resolved.",
        ),
        Step("concern_testing", "Test a concern as an objection", number="9", waiting=True),
        Step(
            "concern_resolving",
            "Resolve the objection raised as a concern",
            number="9",
            waiting=True,
        ),
        Step("agreed", "Agreement recorded", final=True),
        *CLOSING_STEPS,
    ),
    actions=(
        Action(
            "consent_driver",
            "Consent to driver and requirement",
            ("driver",),
            "present",
            FACILITATOR,
            (),
            "Nobody objects to the driver and requirement: move on to the proposal.",
            guard="g_has_requirement",
        ),
        Action(
            "object_to_requirement",
            "Object to the requirement",
            ("driver",),
            "req_testing",
            PARTICIPANT,
            (Field("argument", "text"),),
            "Someone thinks the requirement is unsuitable: test the argument (and resolve it "
            "if it qualifies) before looking at the proposal.",
        ),
        *BRANCH_ACTIONS,
        Action(
            "present_proposal",
            "Present the proposal",
            ("present",),
            "understand",
            PROPOSER,
            PROPOSAL_FIELDS,
            "Invite the authors to present the proposal.",
            guard="g_proposal_complete",
        ),
        Action(
            "ask_question",
            "Ask a clarifying question",
            ("understand",),
            None,
            PARTICIPANT,
            (Field("question", "text"), Field("answer", "text", required=False)),
            "Clarifying questions only; 'pass' is fine.",
        ),
        Action(
            "clarify_wording",
            "Clarify the wording",
            ("understand",),
            None,
            FACILITATOR,
            (Field("proposal", "text"),),
            "Only clarify the wording, not the substance.",
        ),
        Action(
            "start_responses",
            "Start the brief response round",
            ("understand",),
            "respond",
            FACILITATOR,
            (),
            "Questions are answered: move to the brief response round.",
        ),
        Action(
            "respond",
            "Give my brief response",
            ("respond",),
            None,
            PARTICIPANT,
            (Field("response", "text"),),
            "A sentence or two about the proposal.",
        ),
        Action(
            "check_objections",
            "Check for possible objections",
            ("respond",),
            "check",
            FACILITATOR,
            (),
            "Everyone has responded: check for possible objections.",
        ),
        Action(
            "apply_patterns",
            "Name the patterns applied",
            NOT_FINAL,
            None,
            FACILITATOR,
            (Field("patterns", "patterns", help="The patterns applied."),),
            "Record which patterns from the toolbox this decision applies.",
        ),
        *check_actions(),
        Action(
            "celebrate",
            "Celebrate!",
            ("celebrate",),
            "concerns",
            FACILITATOR,
            (),
            "Acknowledge the agreement, then consider the concerns.",
        ),
        Action(
            "record_concern",
            "Record a concern",
            ("concerns",),
            None,
            PARTICIPANT,
            (Field("concern", "text"),),
            "A concern does not block the decision; it is kept with the evaluation criteria.",
        ),
        Action(
            "concern_is_objection",
            "This concern is an objection",
            ("concerns",),
            "concern_testing",
            FACILITATOR,
            (Field("objector", "person"), Field("argument", "text")),
            "The concern may be an objection: test it, and resolve it if it is.",
        ),
        Action(
            "record_agreement",
            "Record the agreement",
            ("concerns",),
            "agreed",
            FACILITATOR,
            (Field("title", "line", required=False),),
            "Write the agreement into the logbook with its review date.",
            confirm="The proposal becomes the group's agreement, recorded for good; to change it "
            "later, evolve it through a new decision.",
        ),
    ),
    internal=(
        *check_transitions("celebrate"),
        ("qualified", ("req_testing",), "req_resolving"),
        ("qualified", ("concern_testing",), "concern_resolving"),
        ("back_to_driver", ("req_testing", "req_resolving"), "driver"),
        ("back_to_concerns", ("concern_testing", "concern_resolving"), "concerns"),
    ),
)
