"""Co-production in a MiTS process: the actions the actors design and carry out together.

Phase D (Co-design): critical areas are chosen among the instrument's sections (the weakest
without action are proposed), actions are designed for them (with the patterns they apply, the
actors involved, an owning role, milestones and the resources needed) and each is adopted by a
consent decision linked to the cycle (see :mod:`s3engine.processes.mits.agreements`), or dropped.
Phase E (Co-implementation): owners, milestones, progress reports, resources shared between
actors and the status of each action. A blocked action raises a driver into the governance
backlog; unblocking it marks the driver addressed.

An action moves ``designed`` -> ``adopted`` -> ``in progress`` (``blocked`` and back) -> ``done``
or ``stopped``; a designed action may be ``dropped``.

Allowed imports: standard library, ``s3engine.errors``, ``s3engine.processes.mits.record``.
"""

from __future__ import annotations

from typing import Any

from s3engine.errors import InvalidField
from s3engine.processes.mits.record import MitsRecord

ACTIVE_ACTION = ("adopted", "in progress", "blocked")
OPEN_DRIVER = "in backlog"


class CoProductionMixin(MitsRecord):
    """Checks, guards and effects of critical areas and of designing and carrying out actions."""

    # -- checks: co-design ------------------------------------------------------------------------

    def check_choose_critical_area(self, actor: str, d: dict[str, Any]) -> None:
        """Check that the section exists and is not a critical area of this cycle yet.

        Args:
            actor: Who acts.
            d: The cleaned fields (``section``, ``reason``).

        Raises:
            InvalidField: No such section, or it is chosen already.
        """
        self._check_sections("section", [d["section"]])
        if d["section"] in self.critical_areas():
            raise InvalidField(
                "section",
                f"'{d['section']}' is already a critical area of cycle {self.cycle}",
                "another section",
            )

    def check_design_action(self, actor: str, d: dict[str, Any]) -> None:
        """Check the action's area, actors and proposal; resolve its owner to a role, in place.

        Args:
            actor: Who acts.
            d: The cleaned fields of design_action.

        Raises:
            InvalidField: The area is not a critical area of this cycle, an actor has not
                committed, or there is no such proposal forming process.
        """
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
        """Check that the action exists and is still only designed.

        Raises:
            InvalidField: No such action, or it is adopted already.
        """
        self._check_action(d["action_id"], ("designed",))

    # -- checks: co-implementation ----------------------------------------------------------------

    def check_assign_owner(self, actor: str, d: dict[str, Any]) -> None:
        """Check the action and resolve the owner to a role (by id or name), in place.

        Raises:
            InvalidField: No such action, or it is dropped or finished.
        """
        self._check_action(d["action_id"], ("designed", *ACTIVE_ACTION))
        d["owner"] = self._owner(d["owner"])

    def check_add_milestone(self, actor: str, d: dict[str, Any]) -> None:
        """Check the action and that the milestone is new to it.

        Raises:
            InvalidField: No such action, it is dropped or finished, or has the milestone.
        """
        act = self._check_action(d["action_id"], ("designed", *ACTIVE_ACTION))
        if any(m["milestone"] == d["milestone"] for m in act["milestones"]):
            raise InvalidField("milestone", f"action {act['id']} already has it", "a new milestone")

    def check_complete_milestone(self, actor: str, d: dict[str, Any]) -> None:
        """Check that the milestone is an open one of an action under way.

        Raises:
            InvalidField: No such action under way, or no such open milestone.
        """
        act = self._check_action(d["action_id"], ACTIVE_ACTION)
        open_ = [m["milestone"] for m in act["milestones"] if not m["done"]]
        if d["milestone"] not in open_:
            raise InvalidField(
                "milestone",
                f"{d['milestone']!r} is not an open milestone of action {act['id']}",
                "one of " + (", ".join(open_) or "none"),
            )

    def check_report_progress(self, actor: str, d: dict[str, Any]) -> None:
        """Check that the progress is a percentage.

        Raises:
            InvalidField: ``progress`` is outside 0-100.
        """
        if not 0 <= d["progress"] <= 100:
            raise InvalidField(
                "progress",
                f"{d['progress']} is outside 0-100",
                "a whole number of per cent from 0 to 100",
            )

    def check_block_action(self, actor: str, d: dict[str, Any]) -> None:
        """Check that the action exists and is not blocked already.

        Raises:
            InvalidField: No such action.
            ActionNotAllowedNow: It is blocked already (its driver is open).
        """
        act = self._check_action(d["action_id"])
        if act["status"] == "blocked":
            raise self._refuse(
                "block_action",
                f"action {act['id']} is blocked already (driver {act['drivers'][-1]} is open)",
            )

    def check_share_resource(self, actor: str, d: dict[str, Any]) -> None:
        """Check that the resource comes from a committed actor.

        Raises:
            InvalidField: ``provided_by`` is not a committed actor.
        """
        names = [a["name"] for a in self.active_actors()]
        if d["provided_by"] not in names:
            raise InvalidField(
                "provided_by",
                f"{d['provided_by']!r} is not a committed actor",
                "one of " + ", ".join(names),
            )

    # -- guards -----------------------------------------------------------------------------------

    def g_action_active(self, f: dict[str, Any]) -> str | None:
        """Refuse when no action (or not the one named) is adopted, in progress or blocked.

        Args:
            f: The action's fields (``action_id`` optional).

        Returns:
            Why not, or None.
        """
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
        """Refuse unblocking when no action (or not the one named) is blocked.

        Args:
            f: The action's fields (``action_id`` optional).

        Returns:
            Why not, or None.
        """
        blocked = [a["id"] for a in self.actions if a["status"] == "blocked"]
        if not blocked:
            return "no action is blocked"
        aid = f.get("action_id")
        if aid and aid not in blocked:
            return f"action {aid} is not blocked (blocked: {', '.join(blocked)})"
        return None

    # -- effects: co-design -----------------------------------------------------------------------

    def do_choose_critical_area(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Record the critical area for the current cycle (and whether it was proposed)."""
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
        """Record the designed action with the next id (``a1``, ``a2`` ...)."""
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
        """Mark the designed action dropped, with the reason in its log."""
        act = self.find_action(data["action_id"])
        assert act is not None
        act["status"] = "dropped"
        act["log"].append(
            {"time": self.last_time, "by": actor, "what": f"dropped: {data['reason']}"}
        )

    # -- effects: co-implementation ---------------------------------------------------------------

    def do_assign_owner(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Set the action's owning role."""
        act = self.find_action(data["action_id"])
        assert act is not None
        act["owner"] = data["owner"]
        act["log"].append(
            {"time": self.last_time, "by": actor, "what": f"owner: {data['owner']['name']}"}
        )

    def do_add_milestone(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Add a milestone (with its due date, if any) to the action."""
        act = self.find_action(data["action_id"])
        assert act is not None
        act["milestones"].append(
            {"milestone": data["milestone"], "due": data.get("due"), "done": False, "done_on": None}
        )

    def do_complete_milestone(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Mark the action's milestone done today."""
        act = self.find_action(data["action_id"])
        assert act is not None
        for m in act["milestones"]:
            if m["milestone"] == data["milestone"] and not m["done"]:
                m.update(done=True, done_on=self.last_time[:10])
        act["log"].append(
            {"time": self.last_time, "by": actor, "what": f"milestone done: {data['milestone']}"}
        )

    def do_report_progress(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Record the progress report; 100 % means done, an adopted action is now in progress."""
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
        """Record a resource an actor shares with the action."""
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
        """Mark the action blocked and raise a driver into the governance backlog."""
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
        """Mark the action in progress again and its open drivers addressed."""
        act = self.find_action(data["action_id"])
        assert act is not None
        for d in self.drivers:
            if d["action"] == act["id"] and d["status"] == OPEN_DRIVER:
                d.update(status="addressed", addressed_on=self.last_time, note=data["note"])
        act["status"] = "in progress"
        act["log"].append(
            {"time": self.last_time, "by": actor, "what": f"unblocked: {data['note']}"}
        )
