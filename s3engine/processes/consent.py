"""Consent Decision-Making (S3 guide §3.1).

1 Consent to Driver and Requirement (clarify, defer, pass on, discard, or test an objection to the
requirement first) -> 2 Present the Proposal -> 3 Understand the Proposal -> 4 Brief Response ->
5 Check for Possible Objections (hidden round; none -> 8) -> 6 Test One Argument Qualifies as
Objection (child process; not qualified -> 5, may be kept as a concern) -> 7 Resolve the Objection
(child process; the proposal is amended -> 5) -> 8 Celebrate! -> 9 Consider Concerns -> agreement.

The agreement record holds title, driver and requirement, agreed text, responsibilities, review
date, evaluation criteria, concerns, version, the amendment and objection history, participants,
facilitator and the patterns applied.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import copy
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
from s3engine.errors import InvalidField
from s3engine.processes.driver_step import BRANCH_ACTIONS, CLOSING_STEPS, DriverStepMixin
from s3engine.processes.objection_check import ObjectionCheckMixin, check_actions, check_transitions

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

START_FIELDS = (
    (
        Field("title", "line", help="A short title for the decision."),
        Field("facilitator", "line", help="Who facilitates."),
        Field("participants", "list", help="Everyone taking part, one name per line."),
        Field("driver", "text", help="The situation, its effect and why it matters."),
        Field("requirement", "text", help="What is needed to respond to the driver."),
        Field("proposers", "list", required=False, help="Authors (tuners) of the proposal."),
    )
    + PROPOSAL_FIELDS
    + (
        Field("patterns", "patterns", required=False, help="Pattern ids this decision applies."),
        Field("domain", "line", required=False, help="The domain (team, circle) deciding."),
        Field("cycle", "line", required=False, help="MiTS cycle this decision belongs to."),
        Field("supersedes", "line", required=False, help="Agreement this one evolves."),
        Field(
            "from_proposal", "line", required=False, help="Proposal forming process it came from."
        ),
    )
)

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
    )
    + CLOSING_STEPS,
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
    )
    + BRANCH_ACTIONS
    + (
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
            (Field("patterns", "patterns", help="Pattern ids, comma-separated."),),
            "Record which patterns from the toolbox this decision applies.",
        ),
    )
    + check_actions()
    + (
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
        ),
    ),
    internal=check_transitions("celebrate")
    + (
        ("qualified", ("req_testing",), "req_resolving"),
        ("qualified", ("concern_testing",), "concern_resolving"),
        ("back_to_driver", ("req_testing", "req_resolving"), "driver"),
        ("back_to_concerns", ("concern_testing", "concern_resolving"), "concerns"),
    ),
)


class ConsentDecision(DriverStepMixin, ObjectionCheckMixin):
    """A consent decision on one proposal."""

    definition = DEFINITION
    return_steps = {"requirement": "driver", "proposal": "check", "agreement": "concerns"}

    def setup(self, data: dict[str, Any]) -> None:
        super().setup(data)
        self.setup_check()
        self.data.setdefault("responsibilities", [])
        self.data.setdefault("evaluation_criteria", [])
        self.data.setdefault("patterns", [])
        self.data.setdefault("proposers", [])
        self.questions: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.proposal_versions: list[dict[str, Any]] = []
        if data.get("proposal"):
            self._new_version("initial", data["proposal"])
        self.agreement: dict[str, Any] | None = None

    def _new_version(self, why: str, text: str) -> None:
        self.data["proposal"] = text
        self.proposal_versions.append(
            {
                "version": len(self.proposal_versions) + 1,
                "why": why,
                "text": text,
                "time": self.last_time,
            }
        )

    def role_holders(self, role: str) -> tuple[str, ...]:
        if role == PROPOSER:
            return tuple(dict.fromkeys([*self.data.get("proposers", []), self.facilitator]))
        return super().role_holders(role)

    # -- guards ----------------------------------------------------------------------------------

    def g_has_requirement(self, _f: dict[str, Any]) -> str | None:
        return None if self.data.get("requirement") else "the requirement is not described yet"

    def g_proposal_complete(self, f: dict[str, Any]) -> str | None:
        if not (f.get("proposal") or self.data.get("proposal")):
            return "the proposal text is missing"
        if not (f.get("review_date") or self.data.get("review_date")):
            return "a proposal needs a review date"
        return None

    # -- effects -----------------------------------------------------------------------------------

    def do_object_to_requirement(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.subject = "requirement"
        self.objections.append(
            {
                "objector": actor,
                "argument": data["argument"],
                "subject": "requirement",
                "round": None,
                "verdict": None,
                "resolution": None,
                "test": None,
                "time": self.last_time,
            }
        )

    def enter_req_testing(self, _e: Any) -> None:
        self.start_test()

    def enter_req_resolving(self, _e: Any) -> None:
        self.start_resolution()

    def enter_present(self, _e: Any) -> None:
        self.subject = "proposal"

    def do_present_proposal(self, actor: str, data: dict[str, Any], event: Any) -> None:
        for key in ("responsibilities", "review_date", "evaluation_criteria"):
            if data.get(key):
                self.data[key] = data[key]
        text = data.get("proposal") or self.data["proposal"]
        if not self.proposal_versions or self.proposal_versions[-1]["text"] != text:
            self._new_version(f"presented by {actor}", text)

    def do_ask_question(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.questions.append({"by": actor, **data, "time": self.last_time})

    def do_clarify_wording(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self._new_version("wording clarified", data["proposal"])

    def do_respond(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.responses.append({"by": actor, "response": data["response"], "time": self.last_time})

    def enter_check(self, _e: Any) -> None:
        self.subject = "proposal"
        self.open_round(f"the proposal (version {len(self.proposal_versions)})")

    def do_record_concern(self, actor: str, data: dict[str, Any], event: Any) -> None:
        # A concern signalled in the round without words gets its words now.
        for c in self.concerns:
            if c["by"] == actor and not c["text"]:
                c["text"] = data["concern"]
                c["source"] = "signal, voiced in step 9"
                return
        self.concerns.append(
            {"by": actor, "text": data["concern"], "source": "step 9", "time": self.last_time}
        )

    def do_concern_is_objection(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.subject = "agreement"
        self.objections.append(
            {
                "objector": data["objector"],
                "argument": data["argument"],
                "subject": "agreement",
                "round": None,
                "verdict": None,
                "resolution": None,
                "test": None,
                "time": self.last_time,
            }
        )

    def enter_concern_testing(self, _e: Any) -> None:
        self.start_test()

    def enter_concern_resolving(self, _e: Any) -> None:
        self.start_resolution()

    def subject_text(self) -> str:
        if self.subject == "requirement":
            return str(self.data.get("requirement", ""))
        return str(self.data.get("proposal", ""))

    def apply_amendment(self, resolution: Any) -> None:
        am = resolution.amendment
        obj = self.objections[-1]
        if self.subject == "requirement":
            if am.get("amended_text"):
                self.data["requirement"] = am["amended_text"]
            return
        if am.get("amended_text"):
            self._new_version(
                f"amended to resolve {obj['objector']}'s objection", am["amended_text"]
            )
        if am.get("kind") == "defer the objection":
            self.data.setdefault("deferred_objections", []).append(
                {
                    "objector": obj["objector"],
                    "objection": obj["argument"],
                    "owner": am.get("owner"),
                    "due": am.get("due"),
                    "next_step": am.get("next_step", ""),
                }
            )
        if am.get("kind") == "leave unchanged but monitor":
            self.data["evaluation_criteria"] = [
                *self.data["evaluation_criteria"],
                f"Monitor: {am['text']}",
            ]
        if am.get("kind") in (
            "delegate research or drafting",
            "co-create a new proposal later",
            "ask the delegator for input",
            "take time to reflect",
        ):
            self.data["responsibilities"] = [
                *self.data["responsibilities"],
                f"{am.get('owner')}: {am['text']} (by {am.get('due')})",
            ]

    def do_apply_patterns(self, actor: str, data: dict[str, Any], event: Any) -> None:
        self.data["patterns"] = list(dict.fromkeys([*self.data["patterns"], *data["patterns"]]))

    def do_record_agreement(self, actor: str, data: dict[str, Any], event: Any) -> None:
        if data.get("title"):
            self.data["title"] = data["title"]

    def enter_agreed(self, _e: Any) -> None:
        self.agreement = self.build_agreement()
        self.finish("agreed")

    def build_agreement(self) -> dict[str, Any]:
        """The agreement record (S3 guide §4: minimum plus full record)."""
        d = copy.deepcopy(self.data)
        return copy.deepcopy(
            {
                "id": self.id,
                "title": d["title"],
                "version": 1,
                "status": "active",
                "driver": d["driver"],
                "requirement": d["requirement"],
                "text": d["proposal"],
                "responsibilities": list(d["responsibilities"]),
                "review_date": d["review_date"],
                "evaluation_criteria": list(d["evaluation_criteria"]),
                "concerns": [dict(c) for c in self.concerns],
                "objections": [dict(o) for o in self.objections],
                "deferred_objections": list(d.get("deferred_objections", [])),
                "proposal_versions": list(self.proposal_versions),
                "participants": self.participants,
                "facilitator": self.facilitator,
                "proposers": list(d["proposers"]),
                "patterns": list(d["patterns"]),
                "domain": d.get("domain"),
                "cycle": d.get("cycle"),
                "supersedes": d.get("supersedes"),
                "superseded_by": None,
                "agreed_on": self.last_time,
                "decided_in": self.id,
                "reviews": [],
            }
        )

    def details(self) -> dict[str, Any]:
        d = self.data
        return {
            "driver": d["driver"],
            "requirement": d.get("requirement"),
            "proposal": d.get("proposal"),
            "proposal_version": len(self.proposal_versions),
            "review_date": d.get("review_date"),
            "responsibilities": d.get("responsibilities"),
            "evaluation_criteria": d.get("evaluation_criteria"),
            "objections": [
                {
                    "objector": o["objector"],
                    "argument": o["argument"],
                    "verdict": o["verdict"],
                    "resolution": (o["resolution"] or {}).get("amendment"),
                }
                for o in self.objections
            ],
            "concerns": [dict(c) for c in self.concerns],
            "patterns": d.get("patterns"),
        }

    @classmethod
    def validate_start(cls, ws: Any, fields: dict[str, Any]) -> dict[str, Any]:
        src = fields.get("from_proposal")
        if src:
            row = ws.projection.get("proposals", src)
            if row is None:
                raise InvalidField(
                    "from_proposal",
                    f"there is no formed proposal '{src}'",
                    "the id of a finished proposal forming process",
                )
            fields = dict(fields)
            for key in (
                "title",
                "driver",
                "requirement",
                "proposal",
                "responsibilities",
                "review_date",
                "evaluation_criteria",
                "patterns",
                "cycle",
                "proposers",
            ):
                if not fields.get(key) and row.get(key):
                    fields[key] = row[key]
        return super().validate_start(ws, fields)

    @classmethod
    def check_start(cls, ws: Any, data: dict[str, Any]) -> None:
        super().check_start(ws, data)
        if len(data["participants"]) < 2:
            raise InvalidField(
                "participants",
                "a consent decision needs at least two people",
                "the facilitator and at least one more participant",
            )
        for p in data.get("proposers", []):
            if p not in data["participants"]:
                raise InvalidField(
                    "proposers", f"{p!r} is not a participant", "names from the participants"
                )
        sup = data.get("supersedes")
        if sup and ws.projection.get("agreements", sup) is None:
            raise InvalidField(
                "supersedes", f"there is no agreement '{sup}'", "the id of an existing agreement"
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
        for n, c in enumerate(self.concerns, 1):
            out.append(
                (
                    "concerns",
                    f"{self.id}#{n}",
                    {"id": f"{self.id}#{n}", "process": self.id, "title": self.title, **c},
                )
            )
        if self.agreement is not None:
            out.append(("agreements", self.id, dict(self.agreement)))
            for pat in self.agreement["patterns"]:
                row = self.ws.projection.get("patterns_used", pat) or {
                    "pattern": pat,
                    "records": [],
                }
                if self.id not in row["records"]:
                    row = {"pattern": pat, "records": [*row["records"], self.id]}
                out.append(("patterns_used", pat, row))
            sup = self.agreement.get("supersedes")
            if sup:
                old = self.ws.projection.get("agreements", sup)
                if old is not None and old.get("superseded_by") != self.id:
                    self.agreement["version"] = old["version"] + 1
                    out.append(
                        (
                            "agreements",
                            sup,
                            {**old, "status": "superseded", "superseded_by": self.id},
                        )
                    )
        return out
