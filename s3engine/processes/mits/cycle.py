"""The Municipalities in Transition (MiTS) cycle for one community, a long-running process.

Phases (reference/mits.md §1.3): A Preparation — local actors commit (each with a type), checked
against the community's preparation rule (default: at least 3 distinct actors, one of them the
local administration, at least one civil-society organisation; a community may relax it at start,
and a relaxed rule is recorded as such) and a tutor is assigned -> B Local Implementation Team —
members from the actors' representatives (who represents which actor), its governance agreed by a
consent decision linked to the cycle -> C Evaluation and diagnosis — an instrument is chosen, every
LIT member scores (drafts saved and resumed, then submitted), the engine aggregates; the first
completed evaluation is the baseline; ongoing projects are mapped onto the instrument's sections
(continue / invest more / stop) and the weakest sections without action are proposed as critical
areas -> D Co-design — critical areas chosen, actions designed (with the patterns they apply) and
each adopted by a consent decision linked to the cycle -> E Co-implementation — owners (roles),
milestones, progress, resources shared between actors, status; a blocked action raises a driver
into the backlog -> F Review — a new evaluation with the same instrument, compared with the
baseline and the previous cycle; the LIT decides on the next cycle (back to C with the cycle number + 1) or
to close.

The tutor signs every phase gate; phases are never skipped; going back to an earlier phase is
allowed with a recorded reason. Consent decisions are separate processes started with
``cycle=<this id>``; the cycle only links agreements that exist and belong to it. Every rule lives
here, checked before anything is written.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import json
from typing import Any

from s3engine.core.definition import (
    FACILITATOR,
    NAME_RE,
    PARTICIPANT,
    TUTOR,
    Action,
    Field,
    ProcessDef,
    Step,
)
from s3engine.core.process import Process
from s3engine.errors import ActionNotAllowedNow, InvalidField, MitsRuleError
from s3engine.processes.mits import instrument as instruments

LIT_MEMBER = "lit member"

LOCAL_ADMINISTRATION = "local administration"
CIVIL_SOCIETY = "civil-society organisation"
ACTOR_TYPES = (
    LOCAL_ADMINISTRATION,
    CIVIL_SOCIETY,
    "business",
    "informal group",
    "citizen",
    "other",
)
ACTOR_ALIASES = {
    "municipality": LOCAL_ADMINISTRATION,
    "local government": LOCAL_ADMINISTRATION,
    "council": LOCAL_ADMINISTRATION,
    "local authority": LOCAL_ADMINISTRATION,
    "la": LOCAL_ADMINISTRATION,
    "civil society": CIVIL_SOCIETY,
    "civil-society organization": CIVIL_SOCIETY,
    "civil society organisation": CIVIL_SOCIETY,
    "civil society organization": CIVIL_SOCIETY,
    "cso": CIVIL_SOCIETY,
    "ngo": CIVIL_SOCIETY,
    "association": CIVIL_SOCIETY,
    "company": "business",
    "enterprise": "business",
    "informal": "informal group",
    "group": "informal group",
    "resident": "citizen",
}
LEVELS = ("required", "recommended", "optional")
RULES: dict[str, dict[str, Any]] = {
    "default": {"min_actors": 3, "local_administration": "required", "civil_society": "required"},
    "recommended": {
        "min_actors": 3,
        "local_administration": "recommended",
        "civil_society": "required",
    },
}
PHASES = ("preparation", "lit", "evaluation", "co_design", "co_implementation", "review")
NEXT = dict(zip(PHASES, PHASES[1:]))
PROJECT_DECISIONS = ("continue", "invest more", "stop")
ACTIVE_ACTION = ("adopted", "in progress", "blocked")
LINK_PURPOSES = ("LIT governance", "action", "cycle decision", "other")
CYCLE_DECISIONS = ("next cycle", "close")
CRITICAL_PROPOSALS = 3
OPEN_DRIVER = "in backlog"

LATER = ("lit", "evaluation", "co_design", "co_implementation", "review")
SCORING = ("evaluation", "review")

ACTORS_FIELD = Field(
    "actors",
    "list",
    help="The local actors who commit, one a line: NAME | TYPE | REPRESENTATIVE, with TYPE one of "
    + ", ".join(ACTOR_TYPES)
    + ".",
)
START_FIELDS = (
    Field("community", "line", help="The community: municipality, district or neighbourhood."),
    Field("facilitator", "line", help="Who coordinates the process and hosts the LIT."),
    ACTORS_FIELD,
    Field("tutor", "line", required=False, help="The tutor assigned to the community."),
    Field(
        "commitment",
        "text",
        required=False,
        help="What the actors commit to (for example: run the process locally for one year).",
    ),
    Field(
        "rule",
        "choice",
        required=False,
        choices=tuple(RULES),
        help="The preparation rule: default (local administration required) or recommended "
        "(local administration only recommended).",
    ),
    Field("min_actors", "int", required=False, help="Change the minimum number of actors."),
    Field(
        "local_administration",
        "choice",
        required=False,
        choices=LEVELS,
        help="Whether a local administration is required, recommended or optional.",
    ),
    Field(
        "civil_society",
        "choice",
        required=False,
        choices=LEVELS,
        help="Whether a civil-society organisation is required, recommended or optional.",
    ),
    Field("rule_reason", "text", required=False, help="Why the community relaxed the rule."),
    Field(
        "participants",
        "list",
        required=False,
        help="Others taking part (the facilitator, tutor and representatives are added).",
    ),
    Field("title", "line", required=False, help="A title for the process."),
)

ACTION_FIELD = Field("action_id", "line", help="The id of the action (a1, a2 ...).")

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
            "agree its governance with a consent decision (start it with "
            "cycle=<this process id>) and link the agreement.",
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
                Field("type", "line", help="One of: " + ", ".join(ACTOR_TYPES) + "."),
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
            (Field("name", "line", help="The actor."), Field("reason", "text")),
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
                Field("represents", "line", help="The actor they represent."),
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
            (Field("member", "line"), Field("reason", "text")),
            "Someone leaves the LIT.",
        ),
        Action(
            "link_agreement",
            "Link an agreement to the cycle",
            ("lit", "co_design", "co_implementation", "review"),
            None,
            FACILITATOR,
            (
                Field("agreement", "line", help="The agreement's id (its consent decision)."),
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
            "Link a consent decision started with cycle=<this id> once it reached agreement.",
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
                    help="A shipped or community instrument id, or the path of a YAML file.",
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
                    help="item=score pairs separated by commas (item ids of the instrument); "
                    "leave an item blank (item=) if unsure.",
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
                    help="Last scores to add before submitting.",
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
                Field("sections", "list", help="The instrument sections it works on."),
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
                Field("section", "line", help="The instrument section."),
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
                Field("area", "line", help="The critical area (section)."),
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
                    help="The proposal forming process it came from.",
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
                Field("provided_by", "line", help="The actor providing it."),
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


def normalise_actor_type(value: str) -> str:
    """The actor type for ``value`` (accepting common synonyms), or InvalidField."""
    key = " ".join(str(value).lower().replace("_", " ").split())
    if key in ACTOR_TYPES:
        return key
    if key in ACTOR_ALIASES:
        return ACTOR_ALIASES[key]
    raise InvalidField("type", f"{value!r} is not an actor type", " | ".join(ACTOR_TYPES))


def rule_missing(actors: list[dict[str, Any]], rule: dict[str, Any]) -> tuple[list[str], list[str]]:
    """What the actors lack under ``rule`` (required parts) and what is only recommended."""
    missing: list[str] = []
    warnings: list[str] = []
    n = len({a["name"].casefold() for a in actors})
    if n < rule["min_actors"]:
        missing.append(
            f"at least {rule['min_actors']} distinct actors ({n} committed, "
            f"{rule['min_actors'] - n} more needed)"
        )
    for key, type_, label in (
        ("local_administration", LOCAL_ADMINISTRATION, "a local administration"),
        ("civil_society", CIVIL_SOCIETY, "a civil-society organisation"),
    ):
        if any(a["type"] == type_ for a in actors):
            continue
        if rule[key] == "required":
            missing.append(f"{label} (an actor of type '{type_}')")
        elif rule[key] == "recommended":
            warnings.append(
                f"no {label.split(' ', 1)[1]} among the actors "
                f"(recommended, not required under the {rule['name']} rule)"
            )
    return missing, warnings


def rule_error(missing: list[str], rule: dict[str, Any], doing: str) -> MitsRuleError:
    """The error for a preparation rule that is not met."""
    return MitsRuleError(
        f"{doing} would break the {rule['name']} preparation rule: missing "
        + "; ".join(missing)
        + ".",
        missing,
        "Add the missing actors (one a line as NAME | TYPE | REPRESENTATIVE), or agree a relaxed "
        "rule for the community at start (rule=recommended, min_actors=..., "
        "local_administration=recommended ...). Nothing was written.",
    )


def resolve_rule(data: dict[str, Any]) -> dict[str, Any]:
    """Fold the rule fields of the start data into one recorded rule (relaxations listed)."""
    name = data.pop("rule", None) or "default"
    rule = {"name": name, **RULES[name]}
    overrides = {
        k: data.pop(k) for k in ("min_actors", "local_administration", "civil_society") if k in data
    }
    reason = data.pop("rule_reason", "")
    if overrides:
        if overrides.get("min_actors", 3) < 1:
            raise InvalidField(
                "min_actors",
                f"{overrides['min_actors']} is below 1",
                "a whole number of at least 1",
            )
        changed = {k: v for k, v in overrides.items() if rule[k] != v}
        rule.update(overrides)
        if changed:
            rule["name"] = "custom"
    base = RULES["default"]
    relaxations = []
    if rule["min_actors"] < base["min_actors"]:
        relaxations.append(f"at least {rule['min_actors']} actors instead of {base['min_actors']}")
    for key, label in (
        ("local_administration", "local administration"),
        ("civil_society", "civil-society organisation"),
    ):
        if rule[key] != "required":
            relaxations.append(f"a {label} is {rule[key]}, not required")
    rule.update(relaxed=bool(relaxations), relaxations=relaxations, reason=reason)
    return rule


def parse_actor(value: Any, where: str = "actors") -> dict[str, Any]:
    """One actor from a mapping or from ``NAME | TYPE | REPRESENTATIVE``."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split("|")]
        if len(parts) < 2:
            raise InvalidField(
                where,
                f"{value!r} has no actor type",
                "NAME | TYPE | REPRESENTATIVE, e.g. 'Town hall | local administration | Marta'",
            )
        value = {
            "name": parts[0],
            "type": parts[1],
            "representative": parts[2] if len(parts) > 2 else "",
        }
    if not isinstance(value, dict):
        raise InvalidField(
            where,
            f"{value!r} is not an actor",
            "NAME | TYPE | REPRESENTATIVE, or a mapping with name and type",
        )
    unknown = set(value) - {"name", "type", "representative", "commitment"}
    if unknown:
        raise InvalidField(
            where, f"unknown actor keys {sorted(unknown)}", "name, type, representative, commitment"
        )
    name = str(value.get("name") or "").strip()
    if not NAME_RE.match(name):
        raise InvalidField(
            where, f"{name!r} is not a usable actor name", "a name of 1 to 80 characters"
        )
    rep = str(value.get("representative") or "").strip()
    if rep and not NAME_RE.match(rep):
        raise InvalidField(
            where,
            f"{rep!r} is not a usable name for a representative",
            "a name of 1 to 80 characters",
        )
    try:
        type_ = normalise_actor_type(str(value.get("type") or ""))
    except InvalidField as exc:
        raise InvalidField(where, f"{name}: {exc.problem}", exc.expected) from None
    out = {"name": name, "type": type_, "representative": rep}
    if value.get("commitment"):
        out["commitment"] = str(value["commitment"]).strip()
    return out


def parse_scores(value: Any) -> dict[str, Any]:
    """Scores from a mapping or from ``item=3, item2=, item3=5`` (blank = no answer)."""
    if isinstance(value, str):
        out: dict[str, Any] = {}
        for part in value.replace(";", ",").replace("\n", ",").split(","):
            if not part.strip():
                continue
            key, sep, score = part.replace(":", "=", 1).partition("=")
            if not sep:
                raise InvalidField(
                    "scores",
                    f"{part.strip()!r} is not item=score",
                    "item=score pairs separated by commas",
                )
            out[key.strip()] = score.strip() or None
        return out
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    raise InvalidField("scores", "must be a mapping", "item: score pairs")


class MitsCycle(Process):
    """One community's MiTS process, cycle after cycle."""

    definition = DEFINITION

    # -- set up -----------------------------------------------------------------------------------

    def setup(self, data: dict[str, Any]) -> None:
        super().setup(data)
        self.data["cycle"] = 1
        self.actors: list[dict[str, Any]] = [
            {**a, "committed": self.last_time, "active": True} for a in data["actors"]
        ]
        self.phase_log: list[dict[str, Any]] = [
            {"phase": "preparation", "cycle": 1, "entered": self.last_time, "via": "start"}
        ]
        self.gates: list[dict[str, Any]] = []
        self.lit: list[dict[str, Any]] = []
        self.governance: dict[str, Any] | None = None
        self.instrument: dict[str, Any] | None = None
        self._inst: instruments.Instrument | None = None
        self.evaluations: list[dict[str, Any]] = []
        self.projects: list[dict[str, Any]] = []
        self.critical: list[dict[str, Any]] = []
        self.actions: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.drivers: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.tutors: list[dict[str, Any]] = []
        if data.get("tutor"):
            self.tutors.append(
                {"tutor": data["tutor"], "from": self.last_time, "phase": "preparation"}
            )

    @property
    def title(self) -> str:
        return str(self.data.get("title") or f"MiTS: {self.data['community']}")

    @property
    def cycle(self) -> int:
        """The current cycle number (1, 2 ...)."""
        return int(self.data["cycle"])

    @property
    def inst(self) -> instruments.Instrument:
        """The chosen instrument (the definition embedded in the journal)."""
        assert self.instrument is not None
        if self._inst is None:
            self._inst = instruments.from_dict(self.instrument, "journal")
        return self._inst

    # -- people -----------------------------------------------------------------------------------

    def role_holders(self, role: str) -> tuple[str, ...]:
        if role == TUTOR:
            return (self.data["tutor"],) if self.data.get("tutor") else ()
        if role == LIT_MEMBER:
            return tuple(m["member"] for m in self.lit)
        return super().role_holders(role)

    def _refresh_participants(self) -> None:
        people = [
            self.data["facilitator"],
            self.data.get("tutor") or "",
            *[a["representative"] for a in self.actors if a["active"]],
            *[m["member"] for m in self.lit],
            *self.data.get("others", []),
        ]
        self.data["participants"] = list(dict.fromkeys(p for p in people if p))

    def active_actors(self) -> list[dict[str, Any]]:
        """The actors currently committed."""
        return [a for a in self.actors if a["active"]]

    # -- cleaning and validation ------------------------------------------------------------------

    def clean_value(self, f: Field, value: Any) -> Any:
        if f == ACTORS_FIELD:
            if isinstance(value, str):
                value = [v for v in value.split("\n") if v.strip()]
            if not isinstance(value, list):
                raise InvalidField(
                    "actors",
                    "must be a list of actors",
                    "one actor a line: NAME | TYPE | REPRESENTATIVE",
                )
            return [parse_actor(v) for v in value]
        if f.name == "scores" and f.type == "mapping":
            return parse_scores(value)
        return super().clean_value(f, value)

    def validate(self, name: str, actor: str, fields: dict[str, Any]) -> dict[str, Any]:
        clean = super().validate(name, actor, fields)
        extra = getattr(self, f"check_{name}", None)
        if extra is not None:
            extra(actor, clean)
        return json.loads(json.dumps(clean))

    def _refuse(self, name: str, reason: str) -> ActionNotAllowedNow:
        return ActionNotAllowedNow(
            name, self.step.title, [a.name for a in self.available_actions()], reason
        )

    def check_assign_tutor(self, actor: str, d: dict[str, Any]) -> None:
        if not NAME_RE.match(d["tutor"]):
            raise InvalidField(
                "tutor", f"{d['tutor']!r} is not a usable name", "a name of 1 to 80 characters"
            )
        if d["tutor"] == self.data.get("tutor"):
            raise self._refuse("assign_tutor", f"{d['tutor']} already is the tutor")

    def check_commit_actor(self, actor: str, d: dict[str, Any]) -> None:
        parsed = parse_actor(
            {k: d[k] for k in ("name", "type", "representative", "commitment") if k in d}, "name"
        )
        if any(a["name"].casefold() == parsed["name"].casefold() for a in self.active_actors()):
            raise InvalidField("name", f"{parsed['name']} has already committed", "a new actor")
        d.update(parsed)

    def check_withdraw_actor(self, actor: str, d: dict[str, Any]) -> None:
        names = [a["name"] for a in self.active_actors()]
        if d["name"] not in names:
            raise InvalidField(
                "name", f"{d['name']!r} is not a committed actor", "one of " + ", ".join(names)
            )
        remaining = [a for a in self.active_actors() if a["name"] != d["name"]]
        missing, _ = rule_missing(remaining, self.data["rule"])
        if missing:
            raise rule_error(missing, self.data["rule"], f"Withdrawing {d['name']}")

    def check_add_lit_member(self, actor: str, d: dict[str, Any]) -> None:
        if not NAME_RE.match(d["member"]):
            raise InvalidField(
                "member", f"{d['member']!r} is not a usable name", "a name of 1 to 80 characters"
            )
        names = [a["name"] for a in self.active_actors()]
        if d["represents"] not in names:
            raise InvalidField(
                "represents",
                f"{d['represents']!r} is not a committed actor",
                "one of " + ", ".join(names),
            )
        if any(m["member"] == d["member"] for m in self.lit):
            raise InvalidField("member", f"{d['member']} is already in the LIT", "a new member")

    def check_remove_lit_member(self, actor: str, d: dict[str, Any]) -> None:
        members = [m["member"] for m in self.lit]
        if d["member"] not in members:
            raise InvalidField(
                "member",
                f"{d['member']!r} is not in the LIT",
                "one of " + (", ".join(members) or "nobody yet"),
            )

    def check_link_agreement(self, actor: str, d: dict[str, Any]) -> None:
        row = self.ws.projection.get("agreements", d["agreement"]) or {}
        d["title"] = row.get("title", "")

    def check_choose_instrument(self, actor: str, d: dict[str, Any]) -> None:
        inst = instruments.find(d["instrument"], self.ws.path)
        d.update(
            instrument=inst.id, definition=inst.as_dict(), origin=inst.origin, digest=inst.digest
        )

    def _check_scores(self, name: str, actor: str, d: dict[str, Any]) -> None:
        if any(e["status"] == "complete" for e in self._visit_evaluations()):
            raise self._refuse(name, "the evaluation of this phase is complete")
        ev = self.open_evaluation()
        if ev and ev["responses"].get(actor, {}).get("submitted"):
            raise self._refuse(name, f"{actor} has already submitted scores for this evaluation")
        scores = d.get("scores") or {}
        clean: dict[str, Any] = {}
        for item, value in scores.items():
            try:
                clean[item] = self.inst.check_score(item, value)
            except ValueError as exc:
                sample = ", ".join(i.id for i in self.inst.items[:3])
                raise InvalidField(
                    "scores",
                    str(exc),
                    f"item ids of {self.inst.name} (such as {sample}) with "
                    f"whole scores from {self.inst.scale_min} to "
                    f"{self.inst.scale_max}, or blank",
                ) from None
        if scores or name == "save_scores":
            if not scores:
                raise InvalidField("scores", "no scores given", "item=score pairs")
            d["scores"] = clean

    def check_save_scores(self, actor: str, d: dict[str, Any]) -> None:
        self._check_scores("save_scores", actor, d)

    def check_submit_scores(self, actor: str, d: dict[str, Any]) -> None:
        self._check_scores("submit_scores", actor, d)

    def check_map_project(self, actor: str, d: dict[str, Any]) -> None:
        self._check_sections("sections", d["sections"])

    def _check_sections(self, field: str, ids: list[str]) -> None:
        known = [s.id for s in self.inst.sections]
        for sid in ids:
            if sid not in known:
                raise InvalidField(
                    field,
                    f"there is no section '{sid}' in {self.inst.name}",
                    "one of " + ", ".join(known),
                )

    def check_choose_critical_area(self, actor: str, d: dict[str, Any]) -> None:
        self._check_sections("section", [d["section"]])
        if d["section"] in self.critical_areas():
            raise InvalidField(
                "section",
                f"'{d['section']}' is already a critical area of cycle {self.cycle}",
                "another section",
            )

    def check_design_action(self, actor: str, d: dict[str, Any]) -> None:
        areas = self.critical_areas()
        if d["area"] not in areas:
            raise InvalidField(
                "area",
                f"'{d['area']}' is not a critical area of cycle {self.cycle}",
                "one of " + (", ".join(areas) or "none yet: choose_critical_area first"),
            )
        names = [a["name"] for a in self.active_actors()]
        for a in d.get("actors", []):
            if a not in names:
                raise InvalidField(
                    "actors", f"{a!r} is not a committed actor", "names from " + ", ".join(names)
                )
        if d.get("proposal"):
            proc = self.ws.processes.get(d["proposal"])
            if proc is None or proc.kind != "proposal-forming":
                forming = [p.id for p in self.ws.roots("proposal-forming")]
                raise InvalidField(
                    "proposal",
                    f"there is no proposal forming process '{d['proposal']}'",
                    "one of: " + (", ".join(forming) or "none yet"),
                )
        if d.get("owner"):
            d["owner"] = self._owner(d["owner"])

    def _owner(self, ref: str) -> dict[str, Any]:
        row = self.ws.projection.get("roles", ref)
        if row is None:
            matches = [r for r in self.ws.projection.all("roles") if r["name"] == ref]
            row = matches[0] if len(matches) == 1 else None
        if row is None:
            return {"role_id": None, "name": ref, "keeper": None}
        return {"role_id": row["id"], "name": row["name"], "keeper": row.get("keeper")}

    def _check_action(
        self, field_value: str, states: tuple[str, ...] | None = None
    ) -> dict[str, Any]:
        act = self.find_action(field_value)
        if act is None:
            known = ", ".join(a["id"] for a in self.actions) or "none yet"
            raise InvalidField("action", f"there is no action '{field_value}'", f"one of: {known}")
        if states is not None and act["status"] not in states:
            raise InvalidField(
                "action",
                f"action {act['id']} is {act['status']}",
                "an action that is " + " or ".join(states),
            )
        return act

    def check_drop_action(self, actor: str, d: dict[str, Any]) -> None:
        self._check_action(d["action_id"], ("designed",))

    def check_assign_owner(self, actor: str, d: dict[str, Any]) -> None:
        self._check_action(d["action_id"], ("designed", *ACTIVE_ACTION))
        d["owner"] = self._owner(d["owner"])

    def check_add_milestone(self, actor: str, d: dict[str, Any]) -> None:
        act = self._check_action(d["action_id"], ("designed", *ACTIVE_ACTION))
        if any(m["milestone"] == d["milestone"] for m in act["milestones"]):
            raise InvalidField("milestone", f"action {act['id']} already has it", "a new milestone")

    def check_complete_milestone(self, actor: str, d: dict[str, Any]) -> None:
        act = self._check_action(d["action_id"], ACTIVE_ACTION)
        open_ = [m["milestone"] for m in act["milestones"] if not m["done"]]
        if d["milestone"] not in open_:
            raise InvalidField(
                "milestone",
                f"{d['milestone']!r} is not an open milestone of action {act['id']}",
                "one of " + (", ".join(open_) or "none"),
            )

    def check_report_progress(self, actor: str, d: dict[str, Any]) -> None:
        if not 0 <= d["progress"] <= 100:
            raise InvalidField(
                "progress",
                f"{d['progress']} is outside 0-100",
                "a whole number of per cent from 0 to 100",
            )

    def check_block_action(self, actor: str, d: dict[str, Any]) -> None:
        act = self._check_action(d["action_id"])
        if act["status"] == "blocked":
            raise self._refuse(
                "block_action",
                f"action {act['id']} is blocked already (driver {act['drivers'][-1]} is open)",
            )

    def check_share_resource(self, actor: str, d: dict[str, Any]) -> None:
        names = [a["name"] for a in self.active_actors()]
        if d["provided_by"] not in names:
            raise InvalidField(
                "provided_by",
                f"{d['provided_by']!r} is not a committed actor",
                "one of " + ", ".join(names),
            )

    # -- guards -----------------------------------------------------------------------------------

    def gate_missing(self) -> list[str]:
        """What the current phase still lacks before the tutor can sign its gate."""
        s = self.state
        out: list[str] = []
        if s == "preparation":
            if not self.data.get("tutor"):
                out.append("a tutor (assign_tutor)")
            missing, _ = rule_missing(self.active_actors(), self.data["rule"])
            out += missing
        elif s == "lit":
            if not self.lit:
                out.append("LIT members (add_lit_member)")
            represented = {m["actor"] for m in self.lit}
            lacking = [a["name"] for a in self.active_actors() if a["name"] not in represented]
            if lacking:
                out.append("a LIT member for each actor (none yet for " + ", ".join(lacking) + ")")
            gov = self.governance
            if gov is None:
                out.append(
                    "the LIT's governance agreement (a consent decision started with "
                    f"cycle={self.id}, then link_agreement purpose='LIT governance')"
                )
            elif (self.ws.projection.get("agreements", gov["agreement"]) or {}).get(
                "status"
            ) != "active":
                out.append(
                    f"an active governance agreement ({gov['agreement']} is no longer active)"
                )
        elif s == "evaluation":
            if self.instrument is None:
                out.append("an instrument (choose_instrument)")
            if self.baseline() is None:
                out.append("a completed evaluation, the baseline (complete_evaluation)")
            if self.open_evaluation() is not None:
                out.append("the evaluation started in this phase completed (complete_evaluation)")
        elif s == "co_design":
            if not self.critical_areas():
                out.append("a critical area (choose_critical_area)")
            if not any(a["cycle"] == self.cycle and a["agreement"] for a in self.actions):
                out.append(
                    "an action adopted by consent (design_action, then link_agreement "
                    "purpose='action')"
                )
        elif s == "co_implementation":
            mine = [a for a in self.actions if a["cycle"] == self.cycle and a["agreement"]]
            no_owner = [a["id"] for a in mine if not a["owner"]]
            if no_owner:
                out.append("an owner for action " + ", ".join(no_owner) + " (assign_owner)")
            silent = [a["id"] for a in mine if not a["reports"]]
            if silent:
                out.append(
                    "a progress report on action " + ", ".join(silent) + " (report_progress)"
                )
        elif s == "review":
            if not any(
                e["status"] == "complete" and e["phase"] == "review" and e["cycle"] == self.cycle
                for e in self.evaluations
            ):
                out.append("the review evaluation with the same instrument (complete_evaluation)")
            if self.open_evaluation() is not None:
                out.append("the evaluation started in this phase completed (complete_evaluation)")
            if self.decision() is None:
                out.append("the LIT's decision: next cycle or close (decide)")
        return out

    def next_phase(self) -> str:
        """The phase the gate of the current one leads to."""
        if self.state == "review":
            dec = self.decision()
            return "closed" if dec and dec["decision"] == "close" else "evaluation"
        return NEXT[self.state]

    def g_gate(self, f: dict[str, Any]) -> str | None:
        missing = self.gate_missing()
        if missing:
            return "the phase is not done yet; missing: " + "; ".join(missing)
        to = f.get("to")
        if to and to != self.next_phase():
            return (
                f"phases are not skipped: after {self.step.title} comes "
                f"{self.definition.step_map[self.next_phase()].title}"
            )
        return None

    def g_go_back(self, f: dict[str, Any]) -> str | None:
        phase = f.get("phase")
        if phase and PHASES.index(phase) >= PHASES.index(self.state):
            return f"'{phase}' is not earlier than {self.step.title}"
        return None

    def g_link(self, f: dict[str, Any]) -> str | None:
        aid = f.get("agreement")
        if not aid:
            return None
        row = self.ws.projection.get("agreements", aid)
        if row is None:
            proc = self.ws.processes.get(aid)
            if proc is not None and proc.kind == "consent":
                if proc.finished:
                    return f"{aid} ended without an agreement ({proc.outcome})"
                return (
                    f"{aid} has not reached agreement yet (now: {proc.leaf().step.title}); "
                    "link it once it is agreed"
                )
            return f"there is no agreement '{aid}'"
        if row.get("cycle") != self.id:
            return (
                f"agreement {aid} does not belong to this cycle (its cycle is "
                f"{row.get('cycle') or 'not set'}); start the consent decision with "
                f"cycle={self.id}"
            )
        if row.get("status") != "active":
            return f"agreement {aid} is {row.get('status')}"
        if any(x["agreement"] == aid for x in self.links):
            return f"agreement {aid} is already linked"
        purpose = f.get("purpose")
        if purpose == "LIT governance" and self.state != "lit" and self.governance is None:
            return "the LIT governance agreement is linked in the Local Implementation Team phase"
        if purpose == "action":
            if self.state != "co_design":
                return "actions are adopted in the Co-design phase"
            act = self.find_action(f.get("action_id") or "")
            if act is None:
                return "name the action the agreement adopts (action=a1 ...)"
            if act["status"] != "designed":
                return f"action {act['id']} is {act['status']}"
        elif f.get("action_id"):
            return "only an agreement with purpose 'action' adopts an action"
        return None

    def g_instrument_open(self, f: dict[str, Any]) -> str | None:
        if self.evaluations:
            return (
                f"the instrument is fixed once scoring started: every evaluation of this "
                f"process uses {self.inst.name}"
            )
        return None

    def g_has_instrument(self, f: dict[str, Any]) -> str | None:
        return None if self.instrument else "choose the instrument first (choose_instrument)"

    def g_scoring(self, f: dict[str, Any]) -> str | None:
        if not self.instrument:
            return "choose the instrument first (choose_instrument)"
        if any(e["status"] == "complete" for e in self._visit_evaluations()):
            return "the evaluation of this phase is complete"
        return None

    def g_can_complete(self, f: dict[str, Any]) -> str | None:
        ev = self.open_evaluation()
        if ev is None:
            return "no evaluation is under way in this phase (LIT members save scores first)"
        if not any(r["submitted"] for r in ev["responses"].values()):
            return "nobody has submitted scores yet"
        return None

    def g_action_active(self, f: dict[str, Any]) -> str | None:
        if not any(a["status"] in ACTIVE_ACTION for a in self.actions):
            return "no action is under way (adopted, in progress or blocked)"
        aid = f.get("action_id")
        if aid:
            act = self.find_action(aid)
            if act is None:
                return f"there is no action '{aid}'"
            if act["status"] not in ACTIVE_ACTION:
                return f"action {aid} is {act['status']}"
        return None

    def g_action_blocked(self, f: dict[str, Any]) -> str | None:
        blocked = [a["id"] for a in self.actions if a["status"] == "blocked"]
        if not blocked:
            return "no action is blocked"
        aid = f.get("action_id")
        if aid and aid not in blocked:
            return f"action {aid} is not blocked (blocked: {', '.join(blocked)})"
        return None

    def g_can_decide(self, f: dict[str, Any]) -> str | None:
        if not any(
            e["status"] == "complete" and e["phase"] == "review" and e["cycle"] == self.cycle
            for e in self.evaluations
        ):
            return "complete the review evaluation first"
        return None

    # -- queries on the process ------------------------------------------------------------------

    def find_action(self, aid: str) -> dict[str, Any] | None:
        """The action with id ``aid``, or None."""
        return next((a for a in self.actions if a["id"] == aid), None)

    def critical_areas(self, cycle: int | None = None) -> list[str]:
        """Section ids chosen as critical areas in a cycle (default: the current one)."""
        c = self.cycle if cycle is None else cycle
        return [x["section"] for x in self.critical if x["cycle"] == c]

    def _visit(self) -> int:
        return len(self.phase_log)

    def _visit_evaluations(self) -> list[dict[str, Any]]:
        return [e for e in self.evaluations if e["visit"] == self._visit()]

    def open_evaluation(self) -> dict[str, Any] | None:
        """The evaluation under way in this visit of the current phase, if any."""
        return next((e for e in self._visit_evaluations() if e["status"] == "open"), None)

    def completed(self) -> list[dict[str, Any]]:
        """The completed evaluations, oldest first."""
        return [e for e in self.evaluations if e["status"] == "complete"]

    def baseline(self) -> dict[str, Any] | None:
        """The first completed evaluation."""
        done = self.completed()
        return done[0] if done else None

    def previous_cycle_evaluation(self, ev: dict[str, Any]) -> dict[str, Any] | None:
        """The latest evaluation completed in an earlier cycle than ``ev``'s."""
        earlier = [
            e for e in self.completed() if e["cycle"] < ev["cycle"] and e["number"] < ev["number"]
        ]
        return earlier[-1] if earlier else None

    def decision(self, cycle: int | None = None) -> dict[str, Any] | None:
        """The LIT's latest decision in a cycle (default: the current one)."""
        c = self.cycle if cycle is None else cycle
        found = [d for d in self.decisions if d["cycle"] == c]
        return found[-1] if found else None

    def proposed_critical_areas(self) -> list[dict[str, Any]]:
        """The weakest sections of the latest evaluation without a project that continues."""
        done = self.completed()
        if not done or self.instrument is None:
            return []
        latest = done[-1]
        covered = {
            s for p in self.current_projects() if p["decision"] != "stop" for s in p["sections"]
        }
        rows = []
        for k, s in enumerate(self.inst.sections):
            st = latest["aggregate"]["sections"][s.id]
            if st["mean"] is not None and s.id not in covered:
                rows.append((st["mean"], k, s.id, s.name))
        return [
            {
                "section": sid,
                "name": name,
                "mean": mean,
                "lacking_action": True,
                "evaluation": latest["id"],
            }
            for mean, _k, sid, name in sorted(rows)[:CRITICAL_PROPOSALS]
        ]

    def current_projects(self) -> list[dict[str, Any]]:
        """The mapped projects of the current cycle (the latest mapping of each)."""
        latest: dict[str, dict[str, Any]] = {}
        for p in self.projects:
            if p["cycle"] == self.cycle:
                latest[p["project"]] = p
        return list(latest.values())

    # -- effects ----------------------------------------------------------------------------------

    def _enter(self, via: str, reason: str = "") -> None:
        self.phase_log.append(
            {
                "phase": self.state,
                "cycle": self.cycle,
                "entered": self.last_time,
                "via": via,
                "by": self.last_actor,
                **({"reason": reason} if reason else {}),
            }
        )

    def do_sign_gate(self, actor: str, data: dict[str, Any], event: Any) -> None:
        frm = self.state
        to = self.next_phase()
        gate = {
            "from": frm,
            "to": to,
            "cycle": self.cycle,
            "signed_by": actor,
            "note": data.get("note", ""),
            "time": self.last_time,
        }
        if frm == "evaluation":
            gate["proposed_critical_areas"] = self.proposed_critical_areas()
        self.gates.append(gate)
        if frm == "review":
            if to == "closed":
                self.fire("close")
                self._enter("gate")
                return
            self.data["cycle"] = self.cycle + 1
            self.fire("next_cycle")
        else:
            self.fire(f"advance_{frm}")
        self._enter("gate")

    def do_go_back(self, actor: str, data: dict[str, Any], event: Any) -> None:
        ev = self.open_evaluation()
        if ev is not None:  # drafts of an evaluation left unfinished stay in the record
            ev.update(status="abandoned", note=f"left unfinished: {data['reason']}")
        self.fire(f"back_to_{data['phase']}")
        self._enter("back", data["reason"])

    def do_assign_tutor(self, actor: str, data: dict[str, Any], event: Any) -> None:
        if self.tutors:
            self.tutors[-1]["until"] = self.last_time
        self.tutors.append(
            {
                "tutor": data["tutor"],
                "from": self.last_time,
                "phase": self.state,
                "note": data.get("note", ""),
            }
        )
        self.data["tutor"] = data["tutor"]
        self._refresh_participants()

    def do_commit_actor(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.actors.append(
            {
                "name": data["name"],
                "type": data["type"],
                "representative": data.get("representative", ""),
                **({"commitment": data["commitment"]} if data.get("commitment") else {}),
                "committed": self.last_time,
                "active": True,
            }
        )
        self._refresh_warnings()
        self._refresh_participants()

    def do_withdraw_actor(self, actor: str, data: dict[str, Any], event: Any) -> None:
        for a in self.actors:
            if a["active"] and a["name"] == data["name"]:
                a.update(active=False, withdrawn=self.last_time, reason=data["reason"])
        self._refresh_warnings()
        self._refresh_participants()

    def _refresh_warnings(self) -> None:
        self.data["warnings"] = rule_missing(self.active_actors(), self.data["rule"])[1]

    def do_add_lit_member(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.lit.append(
            {
                "member": data["member"],
                "actor": data["represents"],
                "role": data.get("role", ""),
                "joined": self.last_time,
            }
        )
        self._refresh_participants()

    def do_remove_lit_member(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.lit = [m for m in self.lit if m["member"] != data["member"]]
        self.data.setdefault("lit_left", []).append(
            {"member": data["member"], "reason": data["reason"], "time": self.last_time}
        )
        self._refresh_participants()

    def do_link_agreement(self, actor: str, data: dict[str, Any], event: Any) -> None:
        link = {
            "agreement": data["agreement"],
            "title": data.get("title", ""),
            "purpose": data["purpose"],
            "action": data.get("action_id"),
            "cycle": self.cycle,
            "phase": self.state,
            "linked": self.last_time,
            "by": actor,
        }
        self.links.append(link)
        if data["purpose"] == "LIT governance":
            self.governance = dict(link)
        if data["purpose"] == "action":
            act = self.find_action(data["action_id"])
            assert act is not None
            act.update(agreement=data["agreement"], status="adopted")
            act["log"].append(
                {
                    "time": self.last_time,
                    "by": actor,
                    "what": f"adopted by consent ({data['agreement']})",
                }
            )

    def do_choose_instrument(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.instrument = data["definition"]
        self._inst = None
        self.data["instrument"] = {
            "id": data["instrument"],
            "origin": data.get("origin", ""),
            "digest": data.get("digest", ""),
            "name": data["definition"]["name"],
            "version": data["definition"]["version"],
        }

    def _evaluation_for_scoring(self) -> dict[str, Any]:
        ev = self.open_evaluation()
        if ev is None:
            n = len(self.evaluations) + 1
            ev = {
                "id": f"{self.id}/e{n}",
                "number": n,
                "cycle": self.cycle,
                "phase": "diagnosis" if self.state == "evaluation" else "review",
                "visit": self._visit(),
                "instrument": self.inst.id,
                "instrument_version": self.inst.version,
                "status": "open",
                "opened": self.last_time,
                "completed": None,
                "responses": {},
                "aggregate": None,
                "baseline": False,
                "comparison": None,
                "note": "",
            }
            self.evaluations.append(ev)
        return ev

    def _save(self, actor: str, data: dict[str, Any], submit: bool) -> None:
        ev = self._evaluation_for_scoring()
        resp = ev["responses"].setdefault(
            actor, {"scores": {}, "submitted": False, "saves": 0, "notes": []}
        )
        resp["scores"].update(data.get("scores") or {})
        resp["saves"] += 1
        resp["saved"] = self.last_time
        if data.get("note"):
            resp["notes"].append(data["note"])
        if submit:
            resp["submitted"] = True
            resp["submitted_at"] = self.last_time

    def do_save_scores(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self._save(actor, data, submit=False)

    def do_submit_scores(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self._save(actor, data, submit=True)

    def do_complete_evaluation(self, actor: str, data: dict[str, Any], event: Any) -> None:
        ev = self.open_evaluation()
        assert ev is not None
        submitted = {p: r["scores"] for p, r in ev["responses"].items() if r["submitted"]}
        ev["aggregate"] = instruments.aggregate(self.inst, submitted)
        ev["not_submitted"] = sorted(p for p, r in ev["responses"].items() if not r["submitted"])
        ev["status"] = "complete"
        ev["completed"] = self.last_time
        ev["note"] = data.get("note", "")
        base = self.baseline()
        if base is ev:
            ev["baseline"] = True
            self.data["baseline"] = ev["id"]
        else:
            assert base is not None
            prev = self.previous_cycle_evaluation(ev)
            ev["comparison"] = instruments.compare(
                self.inst, ev["aggregate"], base["aggregate"], prev["aggregate"] if prev else None
            )
            ev["compared_with"] = {"baseline": base["id"], "previous": prev["id"] if prev else None}

    def do_map_project(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.projects.append(
            {
                "project": data["project"],
                "sections": list(data["sections"]),
                "decision": data["decision"],
                "note": data.get("note", ""),
                "cycle": self.cycle,
                "by": actor,
                "time": self.last_time,
            }
        )

    def do_choose_critical_area(self, actor: str, data: dict[str, Any], event: Any) -> None:
        proposed = {p["section"] for p in self.proposed_critical_areas()}
        self.critical.append(
            {
                "section": data["section"],
                "cycle": self.cycle,
                "reason": data.get("reason", ""),
                "was_proposed": data["section"] in proposed,
                "by": actor,
                "time": self.last_time,
            }
        )

    def do_design_action(self, actor: str, data: dict[str, Any], event: Any) -> None:
        aid = f"a{len(self.actions) + 1}"
        self.actions.append(
            {
                "id": aid,
                "cycle": self.cycle,
                "title": data["title"],
                "area": data["area"],
                "description": data["description"],
                "patterns": list(data.get("patterns", [])),
                "actors": list(data.get("actors", [])),
                "owner": data.get("owner"),
                "milestones": [
                    {"milestone": m, "due": None, "done": False, "done_on": None}
                    for m in data.get("milestones", [])
                ],
                "resources_needed": list(data.get("resources", [])),
                "resources": [],
                "proposal": data.get("proposal"),
                "progress": 0,
                "status": "designed",
                "agreement": None,
                "drivers": [],
                "reports": [],
                "designed_by": actor,
                "designed": self.last_time,
                "log": [{"time": self.last_time, "by": actor, "what": "designed"}],
            }
        )

    def do_drop_action(self, actor: str, data: dict[str, Any], event: Any) -> None:
        act = self.find_action(data["action_id"])
        assert act is not None
        act["status"] = "dropped"
        act["log"].append(
            {"time": self.last_time, "by": actor, "what": f"dropped: {data['reason']}"}
        )

    def do_assign_owner(self, actor: str, data: dict[str, Any], event: Any) -> None:
        act = self.find_action(data["action_id"])
        assert act is not None
        act["owner"] = data["owner"]
        act["log"].append(
            {"time": self.last_time, "by": actor, "what": f"owner: {data['owner']['name']}"}
        )

    def do_add_milestone(self, actor: str, data: dict[str, Any], event: Any) -> None:
        act = self.find_action(data["action_id"])
        assert act is not None
        act["milestones"].append(
            {"milestone": data["milestone"], "due": data.get("due"), "done": False, "done_on": None}
        )

    def do_complete_milestone(self, actor: str, data: dict[str, Any], event: Any) -> None:
        act = self.find_action(data["action_id"])
        assert act is not None
        for m in act["milestones"]:
            if m["milestone"] == data["milestone"] and not m["done"]:
                m.update(done=True, done_on=self.last_time[:10])
        act["log"].append(
            {"time": self.last_time, "by": actor, "what": f"milestone done: {data['milestone']}"}
        )

    def do_report_progress(self, actor: str, data: dict[str, Any], event: Any) -> None:
        act = self.find_action(data["action_id"])
        assert act is not None
        act["progress"] = data["progress"]
        status = data.get("status") or ("done" if data["progress"] == 100 else None)
        if status:
            act["status"] = status
        elif act["status"] == "adopted":
            act["status"] = "in progress"
        act["reports"].append(
            {
                "time": self.last_time,
                "by": actor,
                "progress": data["progress"],
                "status": act["status"],
                "note": data.get("note", ""),
                "cycle": self.cycle,
            }
        )

    def do_share_resource(self, actor: str, data: dict[str, Any], event: Any) -> None:
        act = self.find_action(data["action_id"])
        assert act is not None
        act["resources"].append(
            {
                "resource": data["resource"],
                "actor": data["provided_by"],
                "note": data.get("note", ""),
                "time": self.last_time,
            }
        )

    def do_block_action(self, actor: str, data: dict[str, Any], event: Any) -> None:
        act = self.find_action(data["action_id"])
        assert act is not None
        did = f"{self.id}/d{len(self.drivers) + 1}"
        # The keys a governance backlog shows for any driver (as Navigate via Tension records
        # them: situation, effect, reported_by, status, where, time), plus the MiTS context.
        self.drivers.append(
            {
                "id": did,
                "source": "mits",
                "process": self.id,
                "community": self.data["community"],
                "cycle": self.cycle,
                "action": act["id"],
                "action_title": act["title"],
                "driver": data["driver"],
                "situation": data["driver"],
                "effect": f"MiTS action {act['id']} '{act['title']}' is blocked",
                "requirement": data.get("requirement", ""),
                "raised_by": actor,
                "reported_by": actor,
                "where": f"LIT of {self.data['community']}",
                "raised_on": self.last_time,
                "time": self.last_time,
                "status": OPEN_DRIVER,
                "addressed_on": None,
                "next_step": "determine requirement"
                if not data.get("requirement")
                else "form proposal",
            }
        )
        act["drivers"].append(did)
        act["status"] = "blocked"
        act["log"].append(
            {"time": self.last_time, "by": actor, "what": f"blocked; driver {did} raised"}
        )

    def do_unblock_action(self, actor: str, data: dict[str, Any], event: Any) -> None:
        act = self.find_action(data["action_id"])
        assert act is not None
        for d in self.drivers:
            if d["action"] == act["id"] and d["status"] == OPEN_DRIVER:
                d.update(status="addressed", addressed_on=self.last_time, note=data["note"])
        act["status"] = "in progress"
        act["log"].append(
            {"time": self.last_time, "by": actor, "what": f"unblocked: {data['note']}"}
        )

    def do_decide(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.decisions.append(
            {
                "cycle": self.cycle,
                "decision": data["decision"],
                "reason": data["reason"],
                "agreement": data.get("agreement"),
                "by": actor,
                "time": self.last_time,
            }
        )

    def enter_closed(self, _e: Any) -> None:
        self.finish("closed")

    # -- starting ---------------------------------------------------------------------------------

    @classmethod
    def check_start(cls, ws: Any, data: dict[str, Any]) -> None:
        for key in ("facilitator", "tutor"):
            if data.get(key) and not NAME_RE.match(data[key]):
                raise InvalidField(
                    key, f"{data[key]!r} is not a usable name", "a name of 1 to 80 characters"
                )
        actors = data["actors"]
        seen: set[str] = set()
        for a in actors:
            if a["name"].casefold() in seen:
                raise InvalidField("actors", f"{a['name']} is listed twice", "each actor once")
            seen.add(a["name"].casefold())
        rule = resolve_rule(data)
        missing, warnings = rule_missing(actors, rule)
        if missing:
            raise rule_error(
                missing,
                rule,
                f"Starting the MiTS process with "
                f"{len(actors)} actor{'s' if len(actors) != 1 else ''}",
            )
        data["rule"] = rule
        data["warnings"] = warnings
        data["others"] = [p for p in data.pop("participants", []) if p]
        people = [
            data["facilitator"],
            data.get("tutor") or "",
            *[a["representative"] for a in actors],
            *data["others"],
        ]
        data["participants"] = list(dict.fromkeys(p for p in people if p))
        data.setdefault("actors", actors)

    # -- views and the query side -----------------------------------------------------------------

    def details(self) -> dict[str, Any]:
        return {
            "community": self.data["community"],
            "cycle": self.cycle,
            "phase": self.step.title,
            "tutor": self.data.get("tutor"),
            "rule": self.data["rule"],
            "warnings": self.data.get("warnings", []),
            "actors": [dict(a) for a in self.active_actors()],
            "lit": [dict(m) for m in self.lit],
            "governance": self.governance,
            "instrument": self.data.get("instrument"),
            "baseline": self.data.get("baseline"),
            "gate_missing": self.gate_missing() if not self.finished else [],
            "proposed_critical_areas": self.proposed_critical_areas(),
            "critical_areas": self.critical_areas(),
            "actions": [
                {k: a[k] for k in ("id", "title", "status", "progress", "cycle")}
                for a in self.actions
            ],
            "open_drivers": [d["id"] for d in self.drivers if d["status"] == OPEN_DRIVER],
        }

    def evaluation_row(self, ev: dict[str, Any]) -> dict[str, Any]:
        """The query-side record of one evaluation."""
        return {
            **json.loads(json.dumps(ev)),
            "process": self.id,
            "community": self.data["community"],
            "instrument_name": self.inst.name if self.instrument else None,
            "submitted": sorted(p for p, r in ev["responses"].items() if r["submitted"]),
            "drafts": sorted(p for p, r in ev["responses"].items() if not r["submitted"]),
        }

    def project(self) -> list[tuple[str, str, dict[str, Any]]]:
        out: list[tuple[str, str, dict[str, Any]]] = []
        d = self.data
        out.append(
            (
                "cycles",
                self.id,
                json.loads(
                    json.dumps(
                        {
                            "id": self.id,
                            "community": d["community"],
                            "title": self.title,
                            "state": self.state,
                            "phase": self.step.title,
                            "cycle": self.cycle,
                            "finished": self.finished,
                            "outcome": self.outcome,
                            "facilitator": d["facilitator"],
                            "tutor": d.get("tutor"),
                            "tutors": self.tutors,
                            "commitment": d.get("commitment"),
                            "rule": d["rule"],
                            "warnings": d.get("warnings", []),
                            "actors": self.actors,
                            "lit": self.lit,
                            "lit_left": d.get("lit_left", []),
                            "governance": self.governance,
                            "instrument": d.get("instrument"),
                            "baseline": d.get("baseline"),
                            "evaluations": [e["id"] for e in self.evaluations],
                            "phase_log": self.phase_log,
                            "gates": self.gates,
                            "decisions": self.decisions,
                            "links": self.links,
                            "projects": self.projects,
                            "critical_areas": self.critical,
                            "actions": [a["id"] for a in self.actions],
                            "drivers": [x["id"] for x in self.drivers],
                        }
                    )
                ),
            )
        )
        for ev in self.evaluations:
            out.append(("evaluations", ev["id"], self.evaluation_row(ev)))
        for a in self.actions:
            key = f"{self.id}/{a['id']}"
            out.append(
                (
                    "actions",
                    key,
                    json.loads(
                        json.dumps(
                            {**a, "key": key, "process": self.id, "community": d["community"]}
                        )
                    ),
                )
            )
        for x in self.drivers:
            out.append(("drivers", x["id"], dict(x)))
        return out
