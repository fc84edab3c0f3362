"""The MiTS cycle as data: its phases, start fields, steps and actions (a ``ProcessDef``).

Phases A to F are the steps ``preparation``, ``lit``, ``evaluation``, ``co_design``,
``co_implementation`` and ``review``, then ``closed``. Each action names the phases it is taken in,
the role that takes it, its fields, guidance a tutor can read aloud and, where one applies, the
guard method of :class:`~s3engine.processes.mits.cycle.MitsCycle` that may refuse it. Internal
transitions move between phases: ``advance_<phase>`` (a signed gate), ``next_cycle`` and ``close``
(after the review) and ``back_to_<phase>`` (going back with a reason).

Allowed imports: standard library, ``s3engine.core.definition``,
``s3engine.processes.mits.rules``.
"""

from __future__ import annotations

from itertools import pairwise

from s3engine.core.definition import (
    FACILITATOR,
    PARTICIPANT,
    TUTOR,
    Action,
    Field,
    ProcessDef,
    Step,
)
from s3engine.processes.mits.fields import ACTION_FIELD, START_FIELDS

LIT_MEMBER = "lit member"

PHASES = ("preparation", "lit", "evaluation", "co_design", "co_implementation", "review")
NEXT = dict(pairwise(PHASES))
LATER = ("lit", "evaluation", "co_design", "co_implementation", "review")
SCORING = ("evaluation", "review")
PROJECT_DECISIONS = ("continue", "invest more", "stop")
LINK_PURPOSES = ("LIT governance", "action", "cycle decision", "other")
CYCLE_DECISIONS = ("next cycle", "close")

DEFINITION = ProcessDef(
    kind="mits",
    title="MiTS cycle",
    patterns=(
        "consent-decision-making",
        "role-selection",
        "governance-meeting",
        "evaluate-and-evolve-agreements",
    ),
    start_fields=START_FIELDS,
    steps=(
        Step(
            "preparation",
            "Preparation",
            number="A",
            guidance="The local actors commit to running the process (three differentiated "
            "actors; the local administration is important). A tutor is assigned. The "
            "tutor signs the gate when the commitments are in place.",
        ),
        Step(
            "lit",
            "Local Implementation Team",
            number="B",
            guidance="Form a diverse team (about ten people) from the actors' representatives; "
            "agree its governance with a consent decision (choose this cycle in its “MiTS "
            "cycle” field) and link the agreement here.",
        ),
        Step(
            "evaluation",
            "Evaluation and diagnosis",
            number="C",
            guidance="Choose the instrument; every LIT member scores it (save drafts, submit "
            "when done); complete the evaluation. The first one is the baseline. Map "
            "ongoing projects onto the sections and mark each continue / invest more / "
            "stop.",
        ),
        Step(
            "co_design",
            "Co-design",
            number="D",
            guidance="Choose critical areas (the weakest sections without action are "
            "proposed), design actions with the patterns they apply, and adopt each by "
            "a consent decision linked to the cycle.",
        ),
        Step(
            "co_implementation",
            "Co-implementation",
            number="E",
            guidance="Actors carry out the actions together: owners, milestones, progress, "
            "shared resources. A blocked action raises a driver into the backlog.",
        ),
        Step(
            "review",
            "Review",
            number="F",
            guidance="Evaluate again with the same instrument and compare with the baseline and "
            "the previous cycle; the LIT decides to start the next cycle or to close.",
        ),
        Step("closed", "Closed", final=True),
    ),
    actions=(
        # -- every phase
        Action(
            "sign_gate",
            "Sign the phase gate",
            PHASES,
            None,
            TUTOR,
            (
                Field(
                    "to",
                    "choice",
                    required=False,
                    choices=(*PHASES[1:], "closed"),
                    help="The phase to enter (phases are never skipped).",
                ),
                Field("note", "text", required=False, help="What the tutor observed."),
            ),
            "The tutor checks that the phase is done and signs the gate to the next one.",
            guard="g_gate",
        ),
        Action(
            "go_back",
            "Go back to an earlier phase",
            LATER,
            None,
            FACILITATOR,
            (
                Field("phase", "choice", choices=PHASES[:-1], help="The earlier phase."),
                Field("reason", "text", help="Why the group goes back."),
            ),
            "Going back is allowed; the reason is recorded.",
            guard="g_go_back",
        ),
        Action(
            "assign_tutor",
            "Assign the tutor",
            PHASES,
            None,
            FACILITATOR,
            (
                Field("tutor", "line", help="The tutor's name."),
                Field("note", "text", required=False),
            ),
            "The provider assigns a trained tutor, essential in the first year.",
        ),
        # -- A preparation
        Action(
            "commit_actor",
            "Record an actor's commitment",
            ("preparation",),
            None,
            FACILITATOR,
            (
                Field("name", "line", help="The actor (organisation, group or person)."),
                Field("type", "line", help="What kind of actor it is.", choices_from="actor_types"),
                Field("representative", "line", required=False, help="Who represents the actor."),
                Field("commitment", "text", required=False, help="What the actor commits to."),
            ),
            "Record each local actor that commits to the process.",
        ),
        Action(
            "withdraw_actor",
            "Record an actor withdrawing",
            ("preparation",),
            None,
            FACILITATOR,
            (
                Field("name", "line", help="The actor.", label="Actor", choices_from="actors"),
                Field("reason", "text"),
            ),
            "An actor withdraws; the preparation rule must still hold.",
        ),
        # -- B local implementation team
        Action(
            "add_lit_member",
            "Add a LIT member",
            LATER,
            None,
            FACILITATOR,
            (
                Field("member", "line", help="The person joining the LIT."),
                Field(
                    "represents", "line", help="The actor they represent.", choices_from="actors"
                ),
                Field("role", "line", required=False, help="A role in the LIT, if any."),
            ),
            "Aim for the widest diversity: not one profession, party or circle of friends.",
        ),
        Action(
            "remove_lit_member",
            "Record a LIT member leaving",
            LATER,
            None,
            FACILITATOR,
            (Field("member", "line", choices_from="lit_members"), Field("reason", "text")),
            "Someone leaves the LIT.",
        ),
        Action(
            "link_agreement",
            "Link an agreement to the cycle",
            ("lit", "co_design", "co_implementation", "review"),
            None,
            FACILITATOR,
            (
                Field(
                    "agreement",
                    "line",
                    help="An agreement of this cycle (its consent decision named this cycle).",
                    choices_from="cycle_agreements",
                ),
                Field(
                    "purpose", "choice", choices=LINK_PURPOSES, help="What the agreement is for."
                ),
                Field(
                    "action_id",
                    "line",
                    required=False,
                    help="For an action: the id of the action it adopts.",
                ),
            ),
            "Link a consent decision of this cycle (chosen in its “MiTS cycle” field) once it "
            "reached agreement.",
            guard="g_link",
        ),
        # -- C evaluation and diagnosis (and F review)
        Action(
            "choose_instrument",
            "Choose the evaluation instrument",
            ("evaluation",),
            None,
            FACILITATOR,
            (
                Field(
                    "instrument",
                    "line",
                    help="A shipped or community instrument (a script may give the path of a "
                    "YAML file).",
                    choices_from="instruments",
                ),
            ),
            "Every later evaluation uses the same instrument.",
            guard="g_instrument_open",
        ),
        Action(
            "save_scores",
            "Save my scores (draft)",
            SCORING,
            None,
            LIT_MEMBER,
            (
                Field(
                    "scores",
                    "mapping",
                    help="A score for each item of the instrument, given in the scoring grid; "
                    "leave an item blank if unsure.",
                ),
                Field("note", "text", required=False),
            ),
            "Scores are kept as a draft; come back and continue later.",
            guard="g_scoring",
        ),
        Action(
            "submit_scores",
            "Submit my scores",
            SCORING,
            None,
            LIT_MEMBER,
            (
                Field(
                    "scores",
                    "mapping",
                    required=False,
                    help="Last scores to add before submitting, given in the scoring grid.",
                ),
                Field("note", "text", required=False),
            ),
            "Submit when done; blanks are allowed.",
            guard="g_scoring",
        ),
        Action(
            "complete_evaluation",
            "Complete the evaluation",
            SCORING,
            None,
            FACILITATOR,
            (Field("note", "text", required=False),),
            "Aggregate the submitted scores (drafts not submitted are left out).",
            guard="g_can_complete",
        ),
        Action(
            "map_project",
            "Map an ongoing project",
            ("evaluation",),
            None,
            FACILITATOR,
            (
                Field("project", "line", help="The project already under way."),
                Field(
                    "sections",
                    "list",
                    help="The instrument sections it works on.",
                    choices_from="sections",
                ),
                Field(
                    "decision",
                    "choice",
                    choices=PROJECT_DECISIONS,
                    help="Continue, invest more, or stop.",
                ),
                Field("note", "text", required=False),
            ),
            "Place existing projects on the instrument to see where energy is and where "
            "action is lacking.",
            guard="g_has_instrument",
        ),
        # -- D co-design
        Action(
            "choose_critical_area",
            "Choose a critical area",
            ("co_design",),
            None,
            FACILITATOR,
            (
                Field("section", "line", help="The instrument section.", choices_from="sections"),
                Field("reason", "text", required=False),
            ),
            "Weak sections without action are proposed; the LIT chooses.",
        ),
        Action(
            "design_action",
            "Design an action",
            ("co_design",),
            None,
            PARTICIPANT,
            (
                Field("title", "line"),
                Field("area", "line", help="The critical area (section).", choices_from="sections"),
                Field("description", "text", help="What, who with whom, why."),
                Field(
                    "patterns", "patterns", required=False, help="The patterns the action applies."
                ),
                Field("actors", "list", required=False, help="The actors involved."),
                Field("owner", "line", required=False, help="The owning role."),
                Field("milestones", "list", required=False, help="One milestone a line."),
                Field("resources", "list", required=False, help="Resources needed."),
                Field(
                    "proposal",
                    "line",
                    required=False,
                    help="The formed proposal it came from.",
                    choices_from="proposals",
                ),
            ),
            "Strengthen one existing action and create one new action, for example.",
        ),
        Action(
            "drop_action",
            "Drop a designed action",
            ("co_design",),
            None,
            FACILITATOR,
            (ACTION_FIELD, Field("reason", "text")),
            "An action not taken forward.",
        ),
        # -- E co-implementation
        Action(
            "assign_owner",
            "Assign the owning role",
            ("co_design", "co_implementation"),
            None,
            FACILITATOR,
            (ACTION_FIELD, Field("owner", "line", help="A role id or name.")),
            "Every action has an owner (a role).",
        ),
        Action(
            "add_milestone",
            "Add a milestone",
            ("co_design", "co_implementation"),
            None,
            PARTICIPANT,
            (ACTION_FIELD, Field("milestone", "line"), Field("due", "date", required=False)),
            "Milestones make progress visible.",
        ),
        Action(
            "complete_milestone",
            "Complete a milestone",
            ("co_implementation",),
            None,
            PARTICIPANT,
            (ACTION_FIELD, Field("milestone", "line")),
            "Mark a milestone done.",
        ),
        Action(
            "report_progress",
            "Report progress",
            ("co_implementation",),
            None,
            PARTICIPANT,
            (
                ACTION_FIELD,
                Field("progress", "int", help="Per cent done, 0 to 100."),
                Field(
                    "status", "choice", required=False, choices=("in progress", "done", "stopped")
                ),
                Field("note", "text", required=False),
            ),
            "Report progress regularly.",
            guard="g_action_active",
        ),
        Action(
            "share_resource",
            "Share a resource",
            ("co_implementation",),
            None,
            PARTICIPANT,
            (
                ACTION_FIELD,
                Field("resource", "line", help="Money, space, equipment, time ..."),
                Field("provided_by", "line", help="The actor providing it.", choices_from="actors"),
                Field("note", "text", required=False),
            ),
            "Doing a lot with less: actors share what they have.",
            guard="g_action_active",
        ),
        Action(
            "block_action",
            "Report the action blocked",
            ("co_implementation",),
            None,
            PARTICIPANT,
            (
                ACTION_FIELD,
                Field("driver", "text", help="The situation and its effect (a driver)."),
                Field("requirement", "text", required=False, help="What is needed."),
            ),
            "A blocked action raises a driver into the governance backlog.",
            guard="g_action_active",
        ),
        Action(
            "unblock_action",
            "Report the action unblocked",
            ("co_implementation",),
            None,
            PARTICIPANT,
            (ACTION_FIELD, Field("note", "text")),
            "The driver was addressed.",
            guard="g_action_blocked",
        ),
        # -- F review
        Action(
            "decide",
            "Record the LIT's decision",
            ("review",),
            None,
            FACILITATOR,
            (
                Field("decision", "choice", choices=CYCLE_DECISIONS),
                Field("reason", "text"),
                Field(
                    "agreement",
                    "line",
                    required=False,
                    help="The consent decision that took it, if any.",
                    choices_from="cycle_agreements",
                ),
            ),
            "Start the next cycle from this evaluation, or close the process.",
            guard="g_can_decide",
        ),
    ),
    internal=(
        *((f"advance_{p}", (p,), n) for p, n in NEXT.items()),
        ("next_cycle", ("review",), "evaluation"),
        ("close", ("review",), "closed"),
        *((f"back_to_{p}", PHASES[k + 1 :], p) for k, p in enumerate(PHASES[:-1])),
    ),
)
