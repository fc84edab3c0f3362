"""Role Selection (S3 guide §3.5).

1 Present Role Description -> 2 Record Nominations (secret: each participant nominates themself,
someone else, or passes; the slips are revealed together when the last one is in or when the
facilitator closes the round) -> 3 Reasons for Nominations (a round) -> 4 Information Gathering ->
5 Nomination Changes (with reasons) -> 6 Propose a nominee (facilitator) -> 7 Check for Objections
(hidden round; none -> the nominee is asked) -> 8 Address and Resolve Objections (the nominee's own
objection first; tested and resolved with the same child processes as consent decisions; an
amendment may change the role's description — a new description version — or propose another
nominee, which goes back to step 6) -> the nominee accepts (-> 9) or declines (-> 6) ->
9 Celebrate -> a role assignment: role, domain and description version, keeper, selected on, term
end, review date, and the nominations with their reasons and changes.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

from typing import Any

from s3engine.core.definition import (
    FACILITATOR,
    NOMINEE,
    PARTICIPANT,
    Action,
    Field,
    ProcessDef,
    Step,
)
from s3engine.errors import ActionNotAllowedNow, InvalidField
from s3engine.org import domain as org
from s3engine.processes.objection_check import ObjectionCheckMixin, check_actions, check_transitions

PASS = "pass"
NO_NOMINATION = "no nomination"
HOW = ("facilitator proposes", "a member proposes", "nominees agree", "dialogue")

START_FIELDS = (
    Field("role", "line", help="The role's name."),
    Field("facilitator", "line", help="Who facilitates the selection."),
    Field("participants", "list", help="Everyone taking part, one name per line."),
    Field("term_end", "date", help="When the term ends and a new selection is due."),
    Field(
        "description",
        "text",
        required=False,
        help="The role's description (needed when no domain is given).",
    ),
    Field(
        "domain",
        "line",
        required=False,
        help="The id of the role's domain; its description is presented.",
    ),
    Field("review_date", "date", required=False, help="When the role is reviewed."),
    Field("circle", "line", required=False, help="The circle or team the role belongs to."),
    Field(
        "role_kind",
        "choice",
        required=False,
        choices=org.ROLE_KINDS,
        help="What kind of role (role, representative, facilitator ...).",
    ),
    Field("role_id", "line", required=False, help="The role's id (made from the name if empty)."),
    Field("title", "line", required=False, help="A title for this selection."),
)

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
            (),
            "Reveal the nominations now (anyone who has not written one is recorded as "
            "giving no nomination).",
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
    )
    + check_actions(clear="accept", what="this nominee")
    + (
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
            guard="g_term_after_selection",
        ),
    ),
    internal=check_transitions("accept")
    + (
        ("reveal_nominations", ("nominate",), "reasons"),
        ("back_to_propose", ("resolving",), "propose"),
    ),
)


class RoleSelection(ObjectionCheckMixin):
    """Selecting a keeper for one role, with a limited term."""

    definition = DEFINITION
    return_steps = {"nominee": "check"}

    def setup(self, data: dict[str, Any]) -> None:
        super().setup(data)
        self.setup_check()
        self.subject = "nominee"
        self.slips: dict[str, str] = {}
        self.revealed = False
        self.reasons: dict[str, str] = {}
        self.information: list[dict[str, Any]] = []
        self.changes: list[dict[str, Any]] = []
        self.proposals: list[dict[str, Any]] = []
        self.declined: list[dict[str, Any]] = []
        self.withdrawn: list[dict[str, Any]] = []
        self.conditions: list[str] = []
        self.nominee: str | None = None
        self.suggested: str | None = None
        self.assignment: dict[str, Any] | None = None
        self.descriptions: list[dict[str, Any]] = [
            {
                "version": data.get("domain_version") or 1,
                "text": data["description"],
                "why": "domain description" if data.get("domain") else "as started",
                "time": self.last_time,
            }
        ]

    @property
    def title(self) -> str:
        return str(self.data.get("title") or f"Role selection: {self.data['role']}")

    # -- people -----------------------------------------------------------------------------------

    def role_holders(self, role: str) -> tuple[str, ...]:
        if role == NOMINEE:
            return (self.nominee,) if self.nominee else ()
        return super().role_holders(role)

    def nomination(self, person: str) -> str:
        """A person's current nomination (after any change)."""
        current = self.slips.get(person, NO_NOMINATION)
        for c in self.changes:
            if c["by"] == person:
                current = c["to"]
        return current

    def tally(self) -> dict[str, int]:
        """How many current nominations each nominee has (passes left out), most first."""
        counts: dict[str, int] = {}
        for p in self.participants:
            n = self.nomination(p)
            if n not in (PASS, NO_NOMINATION):
                counts[n] = counts.get(n, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    # -- fields and guards ------------------------------------------------------------------------

    def fields_for(self, action: Action) -> tuple[Field, ...]:
        if action.name in ("nominate", "change_nomination"):
            first = Field(
                "nominee", "choice", choices=(*self.participants, PASS), help=action.fields[0].help
            )
            return (first,) + action.fields[1:]
        fields = super().fields_for(action)
        if action.name == "test_objection" and self.round and self.nominee:
            pending = tuple(self.round.get("pending", []))
            if self.nominee in pending:
                order = (self.nominee, *[p for p in pending if p != self.nominee])
                fields = (
                    Field(
                        "objector",
                        "choice",
                        choices=order,
                        help="The nominee's own objection is handled first.",
                    ),
                ) + fields[1:]
        return fields

    def validate(self, name: str, actor: str, fields: dict[str, Any]) -> dict[str, Any]:
        clean = super().validate(name, actor, fields)
        if name == "change_nomination" and clean["nominee"] == self.nomination(actor):
            raise ActionNotAllowedNow(
                name,
                self.step.title,
                [a.name for a in self.available_actions()],
                f"{actor} already nominates {clean['nominee']}",
            )
        return clean

    def g_can_propose(self, f: dict[str, Any]) -> str | None:
        nominee = f.get("nominee") or self.suggested
        if not f and not self.suggested:
            return None  # listing actions: the nominee is asked for
        if not nominee:
            return "name the nominee"
        if any(d["nominee"] == nominee for d in self.declined):
            return f"{nominee} declined the role in this selection; propose someone else"
        term_end = f.get("term_end") or self.data["term_end"]
        if f.get("review_date") and f["review_date"] > term_end:
            return f"the review date {f['review_date']} is after the term end {term_end}"
        return None

    def g_objector_pending(self, fields: dict[str, Any]) -> str | None:
        reason = super().g_objector_pending(fields)
        if reason:
            return reason
        pending = (self.round or {}).get("pending", [])
        who = fields.get("objector")
        if who and self.nominee in pending and who != self.nominee:
            return (
                f"the nominee's own objection is handled first: test {self.nominee}'s "
                "objection before the others"
            )
        return None

    def g_term_after_selection(self, f: dict[str, Any]) -> str | None:
        on = f.get("selected_on")
        if on and self.data["term_end"] <= on:
            return f"the term end {self.data['term_end']} is not after the selection date {on}"
        return None

    # -- effects ----------------------------------------------------------------------------------

    def _new_description(self, text: str, why: str) -> None:
        if self.data.get("domain"):
            version = org.revise_description(
                self.ws, self.data["domain"], text, self._event, self.id, why
            )
        else:
            version = self.descriptions[-1]["version"] + 1
        self.data["description"] = text
        self.descriptions.append(
            {"version": version, "text": text, "why": why, "time": self.last_time}
        )

    def do_present_description(self, actor: str, data: dict[str, Any], event: Any) -> None:
        text = data.get("description")
        dom = (
            self.ws.projection.get("domains", self.data["domain"])
            if self.data.get("domain")
            else None
        )
        if dom is not None and dom["version"] != self.descriptions[-1]["version"]:
            # The domain was described anew since the selection started: present the new one.
            self.data["description"] = org.summary(dom)
            self.descriptions.append(
                {
                    "version": dom["version"],
                    "text": org.summary(dom),
                    "why": "domain description updated",
                    "time": self.last_time,
                }
            )
        if text and text != self.data["description"]:
            self._new_description(text, "reworded when presented")

    def do_nominate(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.slips[actor] = data["nominee"]
        if all(p in self.slips for p in self.participants):
            self._reveal()
            self.fire("reveal_nominations")

    def do_close_nominations(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self._reveal()

    def _reveal(self) -> None:
        self.revealed = True
        for p in self.participants:
            self.slips.setdefault(p, NO_NOMINATION)

    def do_give_reason(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.reasons[actor] = data["reason"]

    def do_share_information(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.information.append({"by": actor, **data, "time": self.last_time})

    def do_change_nomination(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.changes.append(
            {
                "by": actor,
                "from": self.nomination(actor),
                "to": data["nominee"],
                "reason": data["reason"],
                "time": self.last_time,
            }
        )

    def do_propose_nominee(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.nominee = data.get("nominee") or self.suggested
        self.suggested = None
        for key in ("term_end", "review_date"):
            if data.get(key):
                self.data[key] = data[key]
        self.proposals.append(
            {
                "nominee": self.nominee,
                "reasons": data["reasons"],
                "how": data.get("how", "facilitator proposes"),
                "term_end": self.data["term_end"],
                "review_date": self.data.get("review_date"),
                "time": self.last_time,
            }
        )

    def enter_check(self, _e: Any) -> None:
        self.subject = "nominee"
        self.open_round(f"{self.nominee} as {self.data['role']}")

    def subject_text(self) -> str:
        return (
            f"{self.nominee} as {self.data['role']} until {self.data['term_end']}.\n"
            f"Role description: {self.data['description']}"
        )

    def child_done(self, child: Any) -> None:
        if child.kind == "resolution" and child.amendment.get("kind") == "propose another nominee":
            obj = self.objections[-1]
            obj["resolution"] = child.record()
            self.withdrawn.append(
                {
                    "nominee": self.nominee,
                    "objector": obj["objector"],
                    "objection": obj["argument"],
                    "time": self.last_time,
                }
            )
            self.suggested = child.amendment.get("nominee")
            self.nominee = None
            self.fire("back_to_propose")
            return
        super().child_done(child)

    def apply_amendment(self, resolution: Any) -> None:
        am = resolution.amendment
        obj = self.objections[-1]
        if am.get("kind") == "change the role description" and am.get("amended_text"):
            self._new_description(
                am["amended_text"], f"amended to resolve {obj['objector']}'s objection"
            )
        elif am.get("text"):
            owner = f"owner {am['owner']}" if am.get("owner") else ""
            due = f"by {am['due']}" if am.get("due") else ""
            extra = ", ".join(x for x in (owner, due) if x)
            self.conditions.append(
                f"{am.get('kind')}: {am['text']}" + (f" ({extra})" if extra else "")
            )

    def do_decline(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.declined.append(
            {"nominee": actor, "reason": data.get("reason", ""), "time": self.last_time}
        )
        self.nominee = None

    def do_celebrate(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.data["selected_on"] = data.get("selected_on") or self.last_time[:10]
        if data.get("note"):
            self.data["note"] = data["note"]

    def enter_selected(self, _e: Any) -> None:
        self.assignment = org.record_assignment(self.ws, self.build_assignment())
        self.finish("selected")

    def enter_not_selected(self, _e: Any) -> None:
        self.finish("no selection")

    def do_end_without_selection(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.data["closing"] = data["reason"]

    # -- records ----------------------------------------------------------------------------------

    def nominations(self) -> list[dict[str, Any]]:
        """The revealed nominations with their reasons and any change."""
        out = []
        for p in self.participants:
            slip = self.slips.get(p, NO_NOMINATION)
            now = self.nomination(p)
            out.append(
                {
                    "by": p,
                    "nominee": slip,
                    "self": slip == p,
                    "reason": self.reasons.get(p, ""),
                    "changed_to": now if now != slip else None,
                    "change_reasons": [c["reason"] for c in self.changes if c["by"] == p],
                }
            )
        return out

    def build_assignment(self) -> dict[str, Any]:
        """The role assignment record (S3 guide §4)."""
        d = self.data
        assert self.nominee is not None
        return {
            "role_id": d["role_id"],
            "role": d["role"],
            "kind": d.get("role_kind", "role"),
            "circle": d.get("circle"),
            "domain": d.get("domain"),
            "domain_version": self.descriptions[-1]["version"],
            "description": d["description"],
            "keeper": self.nominee,
            "selected_on": d["selected_on"],
            "term_end": d["term_end"],
            "review_date": d.get("review_date"),
            "nominations": self.nominations(),
            "changes": [dict(c) for c in self.changes],
            "tally": self.tally(),
            "proposals": [dict(p) for p in self.proposals],
            "declined": [dict(x) for x in self.declined],
            "withdrawn": [dict(x) for x in self.withdrawn],
            "objections": [dict(o) for o in self.objections],
            "conditions": list(self.conditions),
            "information": [dict(i) for i in self.information],
            "description_versions": [dict(v) for v in self.descriptions],
            "facilitator": self.facilitator,
            "participants": self.participants,
            "selection": self.id,
            "source": "role selection",
            "note": d.get("note", ""),
        }

    def round_view(self, viewer: str | None = None) -> dict[str, Any] | None:
        if self.state == "nominate":
            view: dict[str, Any] = {
                "no": 0,
                "about": f"nominations for {self.data['role']}",
                "revealed": False,
                "signalled": sorted(self.slips),
                "waiting_for": [p for p in self.participants if p not in self.slips],
                "count": len(self.slips),
                "of": len(self.participants),
            }
            if viewer and viewer in self.slips:
                view["mine"] = self.slips[viewer]
            return view
        if self.state in ("reasons", "information", "changes", "propose"):
            return {
                "no": 0,
                "about": f"nominations for {self.data['role']}",
                "revealed": True,
                "signalled": sorted(self.slips),
                "waiting_for": [],
                "count": len(self.slips),
                "of": len(self.participants),
                "signals": {p: self.nomination(p) for p in self.participants},
                "pending": [],
            }
        return super().round_view(viewer)

    def details(self) -> dict[str, Any]:
        d = self.data
        out: dict[str, Any] = {
            "role": d["role"],
            "role_id": d["role_id"],
            "domain": d.get("domain"),
            "description": d["description"],
            "description_version": self.descriptions[-1]["version"],
            "term_end": d["term_end"],
            "review_date": d.get("review_date"),
            "nominee": self.nominee,
            "suggested": self.suggested,
            "declined": [x["nominee"] for x in self.declined],
            "objections": [
                {
                    "objector": o["objector"],
                    "argument": o["argument"],
                    "verdict": o["verdict"],
                    "resolution": (o["resolution"] or {}).get("amendment"),
                }
                for o in self.objections
            ],
        }
        if self.revealed:  # by person, as boards show them; hidden until revealed
            out["nominations"] = {n["by"]: n for n in self.nominations()}
            out["tally"] = self.tally()
        return out

    # -- starting and the query side -------------------------------------------------------------

    @classmethod
    def check_start(cls, ws: Any, data: dict[str, Any]) -> None:
        super().check_start(ws, data)
        if len(data["participants"]) < 2:
            raise InvalidField(
                "participants",
                "a role selection needs at least two people",
                "the facilitator and at least one more participant",
            )
        if data.get("circle") and ws.projection.get("circles", data["circle"]) is None:
            raise InvalidField(
                "circle",
                f"there is no circle or team '{data['circle']}'",
                "the id of a circle recorded with circle.formed, or none",
            )
        dom_id = data.get("domain")
        if dom_id:
            dom = ws.projection.get("domains", dom_id)
            if dom is None:
                known = ", ".join(sorted(r["id"] for r in ws.projection.all("domains")))
                raise InvalidField(
                    "domain",
                    f"there is no domain '{dom_id}'",
                    f"one of: {known or 'none yet (describe it first)'}",
                )
            data["domain_version"] = dom["version"]
            if not data.get("description"):
                data["description"] = org.summary(dom)
            elif data["description"] != org.summary(dom):
                raise InvalidField(
                    "description",
                    "differs from the domain's description",
                    "no description (the domain's is presented), or change the "
                    "domain description first",
                )
        if not data.get("description"):
            raise InvalidField(
                "description",
                "is required when no domain is given",
                "the role's description (purpose, responsibilities, term ...)",
            )
        data["role_id"] = data.get("role_id") or org.role_id_for(data["role"], data.get("circle"))
        if not org.ID_RE.match(data["role_id"].replace(".", "-")):
            raise InvalidField(
                "role_id",
                f"{data['role_id']!r} is not a usable id",
                "lowercase letters, digits and hyphens",
            )
        data.setdefault("role_kind", "role")
        if data.get("review_date") and data["review_date"] > data["term_end"]:
            raise InvalidField(
                "review_date",
                f"{data['review_date']} is after the term end {data['term_end']}",
                "a review date within the term",
            )

    def project(self) -> list[tuple[str, str, dict[str, Any]]]:
        out: list[tuple[str, str, dict[str, Any]]] = []
        for n, o in enumerate(self.objections, 1):
            out.append(
                (
                    "objections",
                    f"{self.id}#{n}",
                    {
                        "id": f"{self.id}#{n}",
                        "process": self.id,
                        "title": self.title,
                        "objector": o["objector"],
                        "argument": o["argument"],
                        "subject": o["subject"],
                        "verdict": o["verdict"],
                        "resolution": (o["resolution"] or {}).get("amendment"),
                        "time": o["time"],
                    },
                )
            )
        return out
