"""The Role Selection process type as data: its start fields, steps and actions.

The nine steps of the S3 guide (§3.5): the secret nominations and the rounds after them, the
proposed nominee, the hidden round of objections to them (tested and resolved by child processes,
the nominee's own objection first), the nominee's answer and the celebration.
:class:`s3engine.processes.role_selection.RoleSelection` holds the guards and effects the actions
name.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.org.role``,
``s3engine.processes.nomination``, ``s3engine.processes.objection_check``.
"""

from __future__ import annotations

from s3engine.core.definition import (
    FACILITATOR,
    NOMINEE,
    PARTICIPANT,
    Action,
    Field,
    ProcessDef,
    Step,
)
from s3engine.org.role import ROLE_KINDS
from s3engine.processes.nomination import PASS
from s3engine.processes.objection_check import check_actions, check_transitions

#: How the nominee was found (step 6).
HOW = ("facilitator proposes", "a member proposes", "nominees agree", "dialogue")

#: What a role selection is started with.
START_FIELDS = (
    Field("role", "line", help="The role's name."),
    Field("facilitator", "line", help="Who facilitates the selection."),
    Field("participants", "list", help="Everyone taking part, one name per line."),
    Field("term_end", "date", help="When the term ends and a new selection is due."),
    Field(
        "description",
        "text",
        required=False,
        help="The role's description (from its domain when one is chosen; else asked for when "
        "the role is presented).",
    ),
    Field(
        "domain",
        "line",
        required=False,
        help="The role's domain; its description is presented.",
        choices_from="domains",
    ),
    Field("review_date", "date", required=False, help="When the role is reviewed."),
    Field(
        "circle",
        "line",
        required=False,
        help="The circle or team the role belongs to.",
        choices_from="circles",
    ),
    Field(
        "role_kind",
        "choice",
        required=False,
        choices=ROLE_KINDS,
        help="What kind of role (role, representative, facilitator ...).",
    ),
    Field(
        "role_id",
        "line",
        required=False,
        help="An existing role this selection fills again (a new role when empty).",
        label="Existing role",
        choices_from="roles",
    ),
    Field("title", "line", required=False, help="A title for this selection."),
)

#: Role Selection (S3 guide §3.5).
DEFINITION = ProcessDef(
    kind="role-selection",
    title="Role Selection",
    patterns=("role-selection", "test-arguments-qualify-as-objections", "resolve-objections"),
    start_fields=START_FIELDS,
    steps=(
        Step(
            "present",
            "Present Role Description",
            number="1",
            guidance="Share the role's domain description (ideally in advance). Nobody voices "
            "interest or preferences before the selection.",
        ),
        Step(
            "nominate",
            "Record Nominations",
            number="2",
            guidance="Everyone writes a nomination in secret: themself, someone else, or pass. "
            "The slips are revealed together.",
        ),
        Step(
            "reasons",
            "Reasons for Nominations",
            number="3",
            guidance="A round: each person says whom they nominated and why.",
        ),
        Step(
            "information",
            "Information Gathering",
            number="4",
            guidance="Share or ask for information that helps the choice.",
        ),
        Step(
            "changes",
            "Nomination Changes",
            number="5",
            guidance="A round: anyone changing their nomination in light of what was heard says "
            "so, and why.",
        ),
        Step(
            "propose",
            "Propose a nominee",
            number="6",
            guidance="On the strength of the reasons, propose one nominee (or ask a member to, "
            "or invite nominees to agree whom to propose, or open a dialogue).",
        ),
        Step(
            "check",
            "Check for Objections",
            number="7",
            guidance="Does anyone, the nominee included, have an objection to this nominee? "
            "Everyone signals at the same time.",
        ),
        Step(
            "choose",
            "Address and Resolve Objections",
            number="8",
            guidance="Take one objection at a time, the nominee's own first.",
        ),
        Step(
            "testing",
            "Address and Resolve Objections",
            number="8",
            waiting=True,
            guidance="Test whether the argument qualifies as an objection.",
        ),
        Step(
            "resolving",
            "Address and Resolve Objections",
            number="8",
            waiting=True,
            guidance="Resolve it: change the role description, propose another nominee, or any "
            "other amendment.",
        ),
        Step(
            "accept",
            "Nominee Accepts or Declines",
            number="8",
            guidance="Every objection is resolved: ask the nominee whether they accept.",
        ),
        Step(
            "celebrate",
            "Celebrate",
            number="9",
            guidance="Acknowledge the selection and thank the new role keeper.",
        ),
        Step("selected", "Role assignment recorded", final=True),
        Step("not_selected", "No selection", final=True),
    ),
    actions=(
        Action(
            "present_description",
            "Present the role description",
            ("present",),
            "nominate",
            FACILITATOR,
            (
                Field(
                    "description",
                    "text",
                    required=False,
                    help="The description as presented, if reworded.",
                ),
            ),
            "Read the description aloud; then everyone writes a nomination in secret.",
            guard="g_has_description",
        ),
        Action(
            "nominate",
            "Write my nomination",
            ("nominate",),
            None,
            PARTICIPANT,
            (
                Field(
                    "nominee",
                    "choice",
                    choices=(PASS,),
                    help="Yourself, someone else, or pass. Nobody sees it until all are in.",
                ),
            ),
            "Write a nomination in secret: yourself, someone else, or pass.",
        ),
        Action(
            "close_nominations",
            "Reveal the nominations",
            ("nominate",),
            "reasons",
            FACILITATOR,
            (
                Field(
                    "absent",
                    "people",
                    required=False,
                    help="Who is not here (recorded as absent; nobody else's slip is assumed).",
                ),
            ),
            "The nominations are revealed by themselves when everyone has written one. Reveal "
            "them by hand only to record who is not here as absent.",
            guard="g_nominations_complete",
        ),
        Action(
            "give_reason",
            "Say whom I nominated and why",
            ("reasons",),
            None,
            PARTICIPANT,
            (Field("reason", "text", help="Why this person fits the role."),),
            "One at a time, each says whom they nominated and why.",
        ),
        Action(
            "start_information",
            "Gather information",
            ("reasons",),
            "information",
            FACILITATOR,
            (),
            "Everyone has spoken: gather information that helps the choice.",
        ),
        Action(
            "share_information",
            "Share or ask for information",
            ("information",),
            None,
            PARTICIPANT,
            (
                Field("information", "text", help="What you know or want to know."),
                Field("about", "person", required=False, help="The nominee it is about."),
            ),
            "Information about the role and the nominees, not preferences.",
        ),
        Action(
            "start_changes",
            "Nomination changes round",
            ("information",),
            "changes",
            FACILITATOR,
            (),
            "Ask who wants to change their nomination.",
        ),
        Action(
            "change_nomination",
            "Change my nomination",
            ("changes",),
            None,
            PARTICIPANT,
            (
                Field("nominee", "choice", choices=(PASS,), help="Your new nomination."),
                Field("reason", "text", help="Why you change it."),
            ),
            "Say what you change your nomination to, and why.",
        ),
        Action(
            "close_changes",
            "Close the changes round",
            ("changes",),
            "propose",
            FACILITATOR,
            (),
            "Nobody else changes: move on to proposing a nominee.",
        ),
        Action(
            "propose_nominee",
            "Propose a nominee",
            ("propose",),
            "check",
            FACILITATOR,
            (
                Field(
                    "nominee",
                    "person",
                    required=False,
                    help="The person proposed (defaults to the one a resolution proposed).",
                ),
                Field("reasons", "text", help="The reasons that make this nominee the proposal."),
                Field(
                    "how", "choice", required=False, choices=HOW, help="How the nominee was found."
                ),
                Field("term_end", "date", required=False, help="A changed term end."),
                Field("review_date", "date", required=False, help="A changed review date."),
            ),
            "Propose the nominee with the strongest reasons; the term is part of the proposal.",
            guard="g_can_propose",
        ),
        Action(
            "end_without_selection",
            "End without a selection",
            ("propose",),
            "not_selected",
            FACILITATOR,
            (Field("reason", "text", help="What was missing and what happens next."),),
            "No suitable candidate: consider outside candidates, changing priorities or "
            "another way to take care of the domain.",
        ),
        *check_actions(clear="accept", what="this nominee"),
        Action(
            "accept",
            "I accept the role",
            ("accept",),
            "celebrate",
            NOMINEE,
            (Field("note", "text", required=False),),
            "Ask the nominee whether they accept the role.",
        ),
        Action(
            "decline",
            "I decline the role",
            ("accept",),
            "propose",
            NOMINEE,
            (Field("reason", "text", required=False),),
            "The nominee declines: propose another nominee.",
        ),
        Action(
            "celebrate",
            "Celebrate and record the assignment",
            ("celebrate",),
            "selected",
            FACILITATOR,
            (
                Field(
                    "selected_on",
                    "date",
                    required=False,
                    help="The selection date (default: today).",
                ),
                Field("note", "text", required=False),
            ),
            "Acknowledge the new role keeper; the assignment is recorded with its term.",
            confirm="The nominee becomes the role keeper for the whole term; a change later "
            "needs a new selection.",
            guard="g_term_after_selection",
        ),
    ),
    internal=(
        *check_transitions("accept"),
        ("reveal_nominations", ("nominate",), "reasons"),
        ("back_to_propose", ("resolving",), "propose"),
    ),
)
