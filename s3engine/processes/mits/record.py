"""What a MiTS process has recorded, and the questions every phase asks of it.

:class:`MitsRecord` is the base of :class:`~s3engine.processes.mits.cycle.MitsCycle` and of its
phase mixins: it creates the process's state from the start event (actors, LIT, instrument,
evaluations, mapped projects, critical areas, actions, links, drivers, decisions, tutors, the
phase log and the signed gates) and answers the read-only questions more than one phase needs (the
baseline, the evaluation under way, the critical areas, an action by id ...). It changes nothing
after :meth:`MitsRecord.setup`; the phase mixins hold the checks, guards and effects.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``,
``s3engine.processes.mits.definition``, ``s3engine.processes.mits.schema``.
"""

from __future__ import annotations

from typing import Any

from s3engine.core.definition import TUTOR
from s3engine.core.process import Process
from s3engine.errors import ActionNotAllowedNow, InvalidField
from s3engine.processes.mits.definition import LIT_MEMBER
from s3engine.processes.mits.schema import Instrument, from_dict

CRITICAL_PROPOSALS = 3


class MitsRecord(Process):
    """The state of one community's MiTS process and the queries on it (no effects)."""

    # -- set up -----------------------------------------------------------------------------------

    def setup(self, data: dict[str, Any]) -> None:
        """Create the process's records from the start data (cycle 1, phase A).

        Args:
            data: The start event's data, as ``check_start`` of the cycle left it.
        """
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
        self._inst: Instrument | None = None
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
        """The title given at start, else ``MiTS: <community>``."""
        return str(self.data.get("title") or f"MiTS: {self.data['community']}")

    @property
    def cycle(self) -> int:
        """The current cycle number (1, 2 ...)."""
        return int(self.data["cycle"])

    @property
    def inst(self) -> Instrument:
        """The chosen instrument (the definition embedded in the journal)."""
        assert self.instrument is not None
        if self._inst is None:
            self._inst = from_dict(self.instrument, "journal")
        return self._inst

    # -- people -----------------------------------------------------------------------------------

    def role_holders(self, role: str) -> tuple[str, ...]:
        """Who holds ``role``: the tutor, the LIT members, else the facilitator.

        Args:
            role: A role an action names (``tutor``, ``lit member`` ...).

        Returns:
            The names of the people holding it.
        """
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

    # -- helpers of the checks --------------------------------------------------------------------

    def _refuse(self, name: str, reason: str) -> ActionNotAllowedNow:
        return self.refuse(name, reason)

    def _check_sections(self, field: str, ids: list[str]) -> None:
        known = [s.id for s in self.inst.sections]
        for sid in ids:
            if sid not in known:
                raise InvalidField(
                    field,
                    f"there is no section '{sid}' in {self.inst.name}",
                    "one of " + ", ".join(known),
                )

    # -- actions and critical areas ---------------------------------------------------------------

    def find_action(self, aid: str) -> dict[str, Any] | None:
        """The action with id ``aid`` (``a1``, ``a2`` ...), or None."""
        return next((a for a in self.actions if a["id"] == aid), None)

    def critical_areas(self, cycle: int | None = None) -> list[str]:
        """Section ids chosen as critical areas in a cycle (default: the current one)."""
        c = self.cycle if cycle is None else cycle
        return [x["section"] for x in self.critical if x["cycle"] == c]

    # -- evaluations ------------------------------------------------------------------------------

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
        """The latest evaluation completed in an earlier cycle than ``ev``'s, or None."""
        earlier = [
            e for e in self.completed() if e["cycle"] < ev["cycle"] and e["number"] < ev["number"]
        ]
        return earlier[-1] if earlier else None

    def current_projects(self) -> list[dict[str, Any]]:
        """The mapped projects of the current cycle (the latest mapping of each)."""
        latest: dict[str, dict[str, Any]] = {}
        for p in self.projects:
            if p["cycle"] == self.cycle:
                latest[p["project"]] = p
        return list(latest.values())

    def proposed_critical_areas(self) -> list[dict[str, Any]]:
        """The weakest sections of the latest evaluation without a project that continues.

        Returns:
            Up to three rows, weakest first, each with ``section``, ``name``, ``mean``,
            ``lacking_action`` and the ``evaluation`` they come from; none before an evaluation
            is complete.
        """
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
