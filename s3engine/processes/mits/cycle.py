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
baseline and the previous cycle; the LIT decides on the next cycle (back to C with the cycle number
+ 1) or to close.

The tutor signs every phase gate; phases are never skipped; going back to an earlier phase is
allowed with a recorded reason. Consent decisions are separate processes started with
``cycle=<this id>``; the cycle only links agreements that exist and belong to it. Every rule is
checked before anything is written.

This module holds the process type, :class:`MitsCycle`: starting, cleaning and validating
fields, the view and the query-side records. The rest of ``s3engine.processes.mits``:

* ``definition`` — the phases, fields and actions as data (the ``ProcessDef``);
* ``rules`` — the preparation rule and actor types;
* ``record`` — the state of the process and the queries every phase asks;
* ``gates``, ``team``, ``agreements``, ``evaluation``, ``co_production`` — one mixin each with the
  checks (``check_<action>``), guards (``g_...``) and effects (``do_<action>``) of phase gates, of
  the tutor, actors and LIT, of linked agreements, of evaluations and of the co-designed actions;
* ``instrument`` and ``aggregation`` — evaluation instruments and the statistics over scores.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``,
``s3engine.processes.mits``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from s3engine.core.definition import NAME_RE, Field, ProcessDef
from s3engine.errors import InvalidField
from s3engine.processes.mits.agreements import AgreementMixin
from s3engine.processes.mits.co_production import OPEN_DRIVER, CoProductionMixin
from s3engine.processes.mits.definition import DEFINITION
from s3engine.processes.mits.evaluation import EvaluationMixin, parse_scores
from s3engine.processes.mits.gates import GateMixin
from s3engine.processes.mits.options import OptionsMixin
from s3engine.processes.mits.rules import (
    ACTORS_FIELD,
    parse_actors,
    resolve_rule,
    rule_error,
    rule_missing,
    rule_sentence,
)
from s3engine.processes.mits.team import TeamMixin

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.core.workspace import Workspace


class MitsCycle(
    GateMixin, TeamMixin, AgreementMixin, EvaluationMixin, CoProductionMixin, OptionsMixin
):
    """One community's MiTS process, cycle after cycle (the process kind ``mits``)."""

    definition: ClassVar[ProcessDef] = DEFINITION

    # -- cleaning and validation ------------------------------------------------------------------

    def clean_value(self, f: Field, value: Any) -> Any:
        """Check one value: the actors and the scores are read here, the rest as usual.

        Args:
            f: The field.
            value: The value given.

        Returns:
            The clean value.

        Raises:
            InvalidField: The value does not fit the field.
        """
        if f == ACTORS_FIELD:
            return parse_actors(value)
        if f.name == "scores" and f.type == "mapping":
            return parse_scores(value)
        return super().clean_value(f, value)

    def validate(self, name: str, actor: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Check an action completely, then run its ``check_<action>`` method if there is one.

        Args:
            name: The action.
            actor: Who acts.
            fields: The fields given.

        Returns:
            The cleaned field values that will be journaled (plain JSON data).

        Raises:
            S3Error: A subclass saying what is wrong; nothing is written.
        """
        clean = super().validate(name, actor, fields)
        extra = getattr(self, f"check_{name}", None)
        if extra is not None:
            extra(actor, clean)
        out: dict[str, Any] = json.loads(json.dumps(clean))
        return out

    # -- starting ---------------------------------------------------------------------------------

    @classmethod
    def check_start(cls, ws: Workspace, data: dict[str, Any]) -> None:
        """Check the start data against the preparation rule and record the rule, in place.

        Args:
            ws: The workspace.
            data: The cleaned start fields; the rule fields become one recorded ``rule``, with
                its ``warnings``, and ``participants`` gathers everyone taking part.

        Raises:
            InvalidField: A bad facilitator or tutor name, or an actor listed twice.
            MitsRuleError: The actors do not meet the preparation rule.
        """
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
        """What the process view shows of the cycle: phase, rule, people, evaluations, actions."""
        return {
            "community": self.data["community"],
            "cycle": self.cycle,
            "phase": self.step.title,
            "tutor": self.data.get("tutor"),
            "rule": self.data["rule"],
            "rule_text": rule_sentence(self.data["rule"]),
            "warnings": self.data.get("warnings", []),
            "actors": [dict(a) for a in self.active_actors()],
            "lit": [dict(m) for m in self.lit],
            "governance": self.governance,
            "instrument": self.data.get("instrument"),
            "baseline": self.data.get("baseline"),
            "gate_missing": self.gate_missing() if not self.finished else [],
            "gate_checklist": self.gate_checklist() if not self.finished else [],
            "proposed_critical_areas": self.proposed_critical_areas(),
            "critical_areas": self.critical_areas(),
            "actions": [
                {k: a[k] for k in ("id", "title", "status", "progress", "cycle")}
                for a in self.actions
            ],
            "open_drivers": [d["id"] for d in self.drivers if d["status"] == OPEN_DRIVER],
        }

    def evaluation_row(self, ev: dict[str, Any]) -> dict[str, Any]:
        """The query-side record of one evaluation.

        Args:
            ev: One of :attr:`evaluations`.

        Returns:
            A copy with the process, community, instrument name and who submitted or only saved
            drafts.
        """
        return {
            **json.loads(json.dumps(ev)),
            "process": self.id,
            "community": self.data["community"],
            "instrument_name": self.inst.name if self.instrument else None,
            "submitted": sorted(p for p, r in ev["responses"].items() if r["submitted"]),
            "drafts": sorted(p for p, r in ev["responses"].items() if not r["submitted"]),
        }

    def project(self) -> list[tuple[str, str, dict[str, Any]]]:
        """The query-side records of the process.

        Returns:
            ``(table, key, document)`` rows: the cycle (``cycles``), each evaluation
            (``evaluations``), each action (``actions``, keyed ``<process>/<action>``) and each
            driver raised (``drivers``).
        """
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
