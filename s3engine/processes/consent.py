"""Consent Decision-Making (S3 guide §3.1).

1 Consent to Driver and Requirement (clarify, defer, pass on, discard, or test an objection to the
requirement first) -> 2 Present the Proposal -> 3 Understand the Proposal -> 4 Brief Response ->
5 Check for Possible Objections (hidden round; none -> 8) -> 6 Test One Argument Qualifies as
Objection (child process; not qualified -> 5, may be kept as a concern) -> 7 Resolve the Objection
(child process; the proposal is amended -> 5) -> 8 Celebrate! -> 9 Consider Concerns -> agreement.

The agreement record holds title, driver and requirement, agreed text, responsibilities, review
date, evaluation criteria, concerns, version, the amendment and objection history, participants,
facilitator and the patterns applied.

The process type itself (start fields, steps, actions) is data in
:mod:`s3engine.processes.consent_definition`; this module holds its guards and effects.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``,
``s3engine.processes.consent_definition``, ``s3engine.processes.driver_step``,
``s3engine.processes.objection_check``, ``s3engine.processes.resolution``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from s3engine.core.definition import PROPOSER, Missing
from s3engine.core.document import plain_copy
from s3engine.errors import InvalidField
from s3engine.processes.consent_definition import DEFINITION
from s3engine.processes.driver_step import DriverStepMixin
from s3engine.processes.objection_check import ObjectionCheckMixin
from s3engine.processes.resolution import Resolution

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.core.workspace import Workspace


class ConsentDecision(DriverStepMixin, ObjectionCheckMixin):
    """A consent decision on one proposal."""

    definition = DEFINITION
    return_steps: ClassVar[dict[str, str]] = {
        "requirement": "driver",
        "proposal": "check",
        "agreement": "concerns",
    }

    def setup(self, data: dict[str, Any]) -> None:
        """Start with the proposal given (version 1) and empty lists of the round records."""
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

    def resolution_type(self) -> type[Resolution]:
        """Objections are resolved by Resolve Objections."""
        return Resolution

    def role_holders(self, role: str) -> tuple[str, ...]:
        """The proposers and the facilitator present the proposal; the other roles as usual."""
        if role == PROPOSER:
            return tuple(dict.fromkeys([*self.data.get("proposers", []), self.facilitator]))
        return super().role_holders(role)

    # -- guards ----------------------------------------------------------------------------------

    def g_has_requirement(self, _f: dict[str, Any]) -> str | None:
        """Guard of ``consent_driver``: the requirement is described."""
        return None if self.data.get("requirement") else "the requirement is not described yet"

    def g_proposal_complete(self, f: dict[str, Any]) -> str | None:
        """Guard of ``present_proposal``: the proposal has a text and a review date."""
        lacking = [k for k in ("proposal", "review_date") if not (f.get(k) or self.data.get(k))]
        if lacking == ["proposal", "review_date"]:
            return Missing("the proposal text and its review date are missing", tuple(lacking))
        if lacking == ["proposal"]:
            return Missing("the proposal text is missing", ("proposal",))
        if lacking:
            return Missing("a proposal needs a review date", ("review_date",))
        return None

    # -- effects -----------------------------------------------------------------------------------

    def do_object_to_requirement(
        self, actor: str, data: dict[str, Any], event: dict[str, Any]
    ) -> None:
        """Record an objection to the requirement, to be tested first."""
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
        """Spawn the test of the objection to the requirement."""
        self.start_test()

    def enter_req_resolving(self, _e: Any) -> None:
        """Spawn the resolution of the objection to the requirement."""
        self.start_resolution()

    def enter_present(self, _e: Any) -> None:
        """From now on the loop is about the proposal."""
        self.subject = "proposal"

    def do_present_proposal(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Take the presented details; a changed text is a new proposal version."""
        for key in ("responsibilities", "review_date", "evaluation_criteria"):
            if data.get(key):
                self.data[key] = data[key]
        text = data.get("proposal") or self.data["proposal"]
        if not self.proposal_versions or self.proposal_versions[-1]["text"] != text:
            self._new_version(f"presented by {actor}", text)

    def do_ask_question(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a clarifying question (and its answer)."""
        self.questions.append({"by": actor, **data, "time": self.last_time})

    def do_clarify_wording(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record the clarified wording as a new proposal version."""
        self._new_version("wording clarified", data["proposal"])

    def do_respond(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a brief response."""
        self.responses.append({"by": actor, "response": data["response"], "time": self.last_time})

    def enter_check(self, _e: Any) -> None:
        """Open the hidden round about the current proposal version."""
        self.subject = "proposal"
        self.open_round("the proposal (version {version})", version=len(self.proposal_versions))

    def do_record_concern(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Give a silently signalled concern its words, or record a new concern."""
        # A concern signalled in the round without words gets its words now.
        for c in self.concerns:
            if c["by"] == actor and not c["text"]:
                c["text"] = data["concern"]
                c["source"] = "signal, voiced in step 9"
                return
        self.concerns.append(
            {"by": actor, "text": data["concern"], "source": "step 9", "time": self.last_time}
        )

    def do_concern_is_objection(
        self, actor: str, data: dict[str, Any], event: dict[str, Any]
    ) -> None:
        """Record a concern as an objection to the agreement, to be tested."""
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
        """Spawn the test of the concern raised as an objection."""
        self.start_test()

    def enter_concern_resolving(self, _e: Any) -> None:
        """Spawn the resolution of the concern raised as an objection."""
        self.start_resolution()

    def subject_text(self) -> str:
        """The text an amendment changes: the requirement or the proposal."""
        if self.subject == "requirement":
            return str(self.data.get("requirement", ""))
        return str(self.data.get("proposal", ""))

    def apply_amendment(self, resolution: Resolution) -> None:
        """Integrate an agreed amendment: new text, deferral, monitoring or a task."""
        am = resolution.amendment
        obj = self.objections[-1]
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
        # Objections to the amendment, deferred while resolving it (nested resolutions).
        for deferral in resolution.deferred:
            self.data.setdefault("deferred_objections", []).append(dict(deferral))
        if self.subject == "requirement":
            if am.get("amended_text"):
                self.data["requirement"] = am["amended_text"]
            return
        if am.get("amended_text"):
            self._new_version(
                f"amended to resolve {obj['objector']}'s objection", am["amended_text"]
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

    def do_apply_patterns(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Add pattern ids to those the decision applies (no duplicates)."""
        self.data["patterns"] = list(dict.fromkeys([*self.data["patterns"], *data["patterns"]]))

    def do_record_agreement(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Take a final title, if given."""
        if data.get("title"):
            self.data["title"] = data["title"]

    def enter_agreed(self, _e: Any) -> None:
        """Build the agreement record and finish with the outcome ``agreed``."""
        self.agreement = self.build_agreement()
        self.finish("agreed")

    def build_agreement(self) -> dict[str, Any]:
        """The agreement record (S3 guide §4: the minimum plus the full record).

        Returns:
            A deep copy, safe to store: title, driver, requirement, agreed text,
            responsibilities, review date, evaluation criteria, concerns, objections, proposal
            versions, people, patterns and links to the agreements it supersedes.
        """
        d = self.data  # read only: every list and dict in the record is a copy
        old = self.ws.projection.get("agreements", d["supersedes"]) if d.get("supersedes") else None
        copy = plain_copy  # the text fields are text (checked by their field types)
        record: dict[str, Any] = {
            "id": self.id,
            "title": d["title"],
            "version": old["version"] + 1 if old is not None else 1,
            "status": "active",
            "driver": d["driver"],
            "requirement": d["requirement"],
            "text": d["proposal"],
            "responsibilities": copy(d["responsibilities"]),
            "review_date": d["review_date"],
            "evaluation_criteria": copy(d["evaluation_criteria"]),
            "concerns": copy(self.concerns),
            "objections": copy(self.objections),
            "deferred_objections": copy(d.get("deferred_objections", [])),
            "proposal_versions": copy(self.proposal_versions),
            "participants": copy(self.participants),
            "facilitator": self.facilitator,
            "proposers": copy(d["proposers"]),
            "patterns": copy(d["patterns"]),
            "domain": d.get("domain"),
            "cycle": d.get("cycle"),
            "supersedes": d.get("supersedes"),
            "superseded_by": None,
            "agreed_on": self.last_time,
            "decided_in": self.id,
            "reviews": [],
        }
        return record

    def details(self) -> dict[str, Any]:
        """The driver, the proposal, its objections and concerns, for views."""
        d = self.data
        return {
            **super().details(),
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
    def validate_start(cls, ws: Workspace, fields: dict[str, Any]) -> dict[str, Any]:
        """Fill empty start fields from the formed proposal named by ``from_proposal``.

        Raises:
            InvalidField: There is no such formed proposal, or a start field is wrong.
        """
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
    def check_start(cls, ws: Workspace, data: dict[str, Any]) -> None:
        """Refuse fewer than two people, outside proposers and an unknown superseded agreement.

        Raises:
            InvalidField: Names the start field that is wrong and what it should be.
        """
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
        """Objections, concerns, the agreement, the patterns used and the superseded agreement.

        A driver passed on to another domain is in the ``drivers`` table.
        """
        out: list[tuple[str, str, dict[str, Any]]] = super().project()
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
                    out.append(
                        (
                            "agreements",
                            sup,
                            {**old, "status": "superseded", "superseded_by": self.id},
                        )
                    )
        return out
