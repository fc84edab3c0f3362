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

The process type itself (start fields, steps, actions) is data in
:mod:`s3engine.processes.role_selection_definition`; the nominations (steps 2-5) are the mixin in
:mod:`s3engine.processes.nomination`; this module holds the rest of the guards and effects and the
role assignment record.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``, ``s3engine.org``,
``s3engine.processes.nomination``, ``s3engine.processes.objection_check``,
``s3engine.processes.resolution``, ``s3engine.processes.role_selection_definition``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from s3engine.core.definition import NOMINEE, Action, Field, Missing
from s3engine.core.process import Process
from s3engine.core.workspace import ID_RE, Workspace
from s3engine.errors import InvalidField
from s3engine.org.domain import revise_description, summary
from s3engine.org.role import record_assignment, role_id_for
from s3engine.processes.nomination import PASS, NominationMixin
from s3engine.processes.objection_check import ObjectionCheckMixin
from s3engine.processes.resolution import Resolution
from s3engine.processes.role_selection_definition import DEFINITION


class RoleSelection(NominationMixin, ObjectionCheckMixin):
    """Selecting a keeper for one role, with a limited term."""

    definition = DEFINITION
    system_actions: ClassVar[tuple[str, ...]] = ("close_round", "close_nominations")
    return_steps: ClassVar[dict[str, str]] = {"nominee": "check"}

    def setup(self, data: dict[str, Any]) -> None:
        """Start with the description as started (or from the domain) and no nominee."""
        super().setup(data)
        self.setup_check()
        self.subject = "nominee"
        self.setup_nominations()
        self.proposals: list[dict[str, Any]] = []
        self.declined: list[dict[str, Any]] = []
        self.withdrawn: list[dict[str, Any]] = []
        self.deferred: list[dict[str, Any]] = []
        self.conditions: list[str] = []
        self.nominee: str | None = None
        self.suggested: str | None = None
        self.assignment: dict[str, Any] | None = None
        self.descriptions: list[dict[str, Any]] = [
            {
                "version": data.get("domain_version") or 1,
                "text": data.get("description") or "",
                "why": "domain description" if data.get("domain") else "as started",
                "time": self.last_time,
            }
        ]

    def resolution_type(self) -> type[Resolution]:
        """Objections to a nominee are resolved by Resolve Objections."""
        return Resolution

    @property
    def title(self) -> str:
        """The given title, else the role's name (screens name the kind beside it, translated)."""
        return str(self.data.get("title") or self.data["role"])

    # -- people -----------------------------------------------------------------------------------

    def role_holders(self, role: str) -> tuple[str, ...]:
        """The nominee (once proposed); the other roles as usual."""
        if role == NOMINEE:
            return (self.nominee,) if self.nominee else ()
        return super().role_holders(role)

    # -- fields and guards ------------------------------------------------------------------------

    def fields_for(self, action: Action) -> tuple[Field, ...]:
        """The fields of ``action``: whom to nominate; the nominee's own objection offered first."""
        if action.name in ("nominate", "change_nomination"):
            first = Field(
                "nominee", "choice", choices=(*self.participants, PASS), help=action.fields[0].help
            )
            return (first, *action.fields[1:])
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
                    *fields[1:],
                )
        return fields

    def validate(self, name: str, actor: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Validate as usual, and refuse a change to the nomination one already has."""
        clean = super().validate(name, actor, fields)
        if name == "change_nomination" and clean["nominee"] == self.nomination(actor):
            raise self.refuse(name, f"{actor} already nominates {clean['nominee']}")
        return clean

    def g_has_description(self, f: dict[str, Any]) -> str | None:
        """Guard of ``present_description``: the role has a description (given here if not)."""
        if f.get("description") or self.data.get("description"):
            return None
        return Missing("the role has no description yet", ("description",))

    def g_can_propose(self, f: dict[str, Any]) -> str | None:
        """Guard of ``propose_nominee``: a nominee who did not decline; a review date in term."""
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
        """Guard of ``test_objection``: as usual, and the nominee's own objection goes first."""
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
        """Guard of ``celebrate``: the term ends after the selection date."""
        on = f.get("selected_on")
        if on and self.data["term_end"] <= on:
            return f"the term end {self.data['term_end']} is not after the selection date {on}"
        return None

    # -- effects ----------------------------------------------------------------------------------

    def _new_description(self, text: str, why: str) -> None:
        if self.data.get("domain"):
            version = revise_description(
                self.ws, self.data["domain"], text, self._event, self.id, why
            )
        else:
            version = self.descriptions[-1]["version"] + 1
        self.data["description"] = text
        self.descriptions.append(
            {"version": version, "text": text, "why": why, "time": self.last_time}
        )

    def do_present_description(
        self, actor: str, data: dict[str, Any], event: dict[str, Any]
    ) -> None:
        """Present the domain's latest description, or the reworded one (a new version)."""
        text = data.get("description")
        dom = (
            self.ws.projection.get("domains", self.data["domain"])
            if self.data.get("domain")
            else None
        )
        if dom is not None and dom["version"] != self.descriptions[-1]["version"]:
            # The domain was described anew since the selection started: present the new one.
            self.data["description"] = summary(dom)
            self.descriptions.append(
                {
                    "version": dom["version"],
                    "text": summary(dom),
                    "why": "domain description updated",
                    "time": self.last_time,
                }
            )
        if text and not self.data.get("description"):  # given when it is first presented
            self.data["description"] = text
            self.descriptions[-1].update(text=text, why="given when presented")
        elif text and text != self.data["description"]:
            self._new_description(text, "reworded when presented")

    def do_propose_nominee(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record the proposed nominee with the reasons and the term."""
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
        """Open the hidden round of objections to the nominee."""
        self.subject = "nominee"
        self.open_round("{nominee} as {role}", nominee=self.nominee, role=self.data["role"])

    def subject_text(self) -> str:
        """The text an amendment changes: the nominee, the term and the role description."""
        return (
            f"{self.nominee} as {self.data['role']} until {self.data['term_end']}.\n"
            f"Role description: {self.data['description']}"
        )

    def child_done(self, child: Process) -> None:
        """Another nominee proposed by a resolution goes back to step 6; else as usual."""
        if (
            isinstance(child, Resolution)
            and child.amendment.get("kind") == "propose another nominee"
        ):
            obj = self.objections[-1]
            obj["resolution"] = child.record()
            # Others who signalled a possible objection to this nominee are not heard now (the
            # next round is about another nominee): keep who they were with the withdrawal.
            untested = [p for p in (self.round or {}).get("pending", []) if p != obj["objector"]]
            self.withdrawn.append(
                {
                    "nominee": self.nominee,
                    "objector": obj["objector"],
                    "objection": obj["argument"],
                    "other_objections": [
                        {
                            "objector": p,
                            "signal": "possible objection",
                            "round": (self.round or {}).get("no"),
                            "status": "not tested: the nominee was withdrawn",
                        }
                        for p in untested
                    ],
                    "time": self.last_time,
                }
            )
            self.record_deferrals(child)
            self.suggested = child.amendment.get("nominee")
            self.nominee = None
            self.fire("back_to_propose")
            return
        super().child_done(child)

    def apply_amendment(self, resolution: Resolution) -> None:
        """Integrate an agreed amendment: a new role description or a condition."""
        am = resolution.amendment
        obj = self.objections[-1]
        self.record_deferrals(resolution)
        if am.get("kind") == "change the role description" and am.get("amended_text"):
            self._new_description(
                am["amended_text"], f"amended to resolve {obj['objector']}'s objection"
            )
        elif am.get("text"):
            owner = f"owner {am['owner']}" if am.get("owner") else ""
            due = f"by {am['due']}" if am.get("due") else ""
            nxt = f"next: {am['next_step']}" if am.get("next_step") else ""
            extra = ", ".join(x for x in (owner, due, nxt) if x)
            self.conditions.append(
                f"{am.get('kind')}: {am['text']}" + (f" ({extra})" if extra else "")
            )

    def record_deferrals(self, resolution: Resolution) -> None:
        """Keep the objections deferred in ``resolution``, its own and those to its amendment."""
        am = resolution.amendment
        obj = self.objections[-1]
        if am.get("kind") == "defer the objection":
            self.deferred.append(
                {
                    "objector": obj["objector"],
                    "objection": obj["argument"],
                    "owner": am.get("owner"),
                    "due": am.get("due"),
                    "next_step": am.get("next_step", ""),
                }
            )
        for d in resolution.deferred:
            self.deferred.append(dict(d))
            self.conditions.append(
                f"deferred objection of {d['objector']} to the amendment: {d['objection']} "
                f"(owner {d['owner']}, by {d['due']}, next: {d['next_step'] or '-'})"
            )

    def do_decline(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record that the nominee declines; another one is proposed."""
        self.declined.append(
            {"nominee": actor, "reason": data.get("reason", ""), "time": self.last_time}
        )
        self.nominee = None

    def do_celebrate(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record the selection date (default: today) and any note."""
        self.data["selected_on"] = data.get("selected_on") or self.last_time[:10]
        if data.get("note"):
            self.data["note"] = data["note"]

    def enter_selected(self, _e: Any) -> None:
        """Record the role assignment and finish with the outcome ``selected``."""
        self.assignment = record_assignment(self.ws, self.build_assignment())
        self.finish("selected")

    def enter_not_selected(self, _e: Any) -> None:
        """Finish with the outcome ``no selection``."""
        self.finish("no selection")

    def do_end_without_selection(
        self, actor: str, data: dict[str, Any], event: dict[str, Any]
    ) -> None:
        """Record what was missing and what happens next."""
        self.data["closing"] = data["reason"]

    # -- records ----------------------------------------------------------------------------------

    def build_assignment(self) -> dict[str, Any]:
        """The role assignment record (S3 guide §4).

        Returns:
            Role, domain and description version, keeper, selection date, term end, review date,
            the nominations with their reasons and changes, the proposals, objections and
            conditions, ready for :func:`s3engine.org.role.record_assignment`.
        """
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
            "deferred_objections": [dict(x) for x in self.deferred],
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
        """The nominations in steps 2-6, else the round of objections."""
        if self.state == "nominate":
            return self.nomination_view(f"nominations for {self.data['role']}", viewer, secret=True)
        if self.state in ("reasons", "information", "changes", "propose"):
            return self.nomination_view(f"nominations for {self.data['role']}", secret=False)
        return super().round_view(viewer)

    def details(self) -> dict[str, Any]:
        """The role, the description, the nominee and objections; the nominations once revealed."""
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
            "withdrawn": [dict(x) for x in self.withdrawn],
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
    def check_start(cls, ws: Workspace, data: dict[str, Any]) -> None:
        """Check the people, circle, domain, description, role id and dates; fill in the defaults.

        Raises:
            InvalidField: Names the start field that is wrong and what it should be.
        """
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
                data["description"] = summary(dom)
            elif data["description"] != summary(dom):
                raise InvalidField(
                    "description",
                    "differs from the domain's description",
                    "no description (the domain's is presented), or change the "
                    "domain description first",
                )
        # Without a domain and a description the selection starts anyway: presenting the role
        # asks for its description (no dead end at the start).
        data["role_id"] = data.get("role_id") or role_id_for(data["role"], data.get("circle"))
        if not ID_RE.match(data["role_id"].replace(".", "-")):
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
        """The objections, in the ``objections`` table."""
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
