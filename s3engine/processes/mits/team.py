"""The people of a MiTS process: the tutor, the committed actors and the LIT members.

Phase A (Preparation) records the local actors that commit, each with a type and a representative,
and the tutor; an actor may withdraw only while the preparation rule still holds. Phase B (Local
Implementation Team) and later phases add and remove LIT members, each representing a committed
actor. Participants are kept up to date: facilitator, tutor, representatives, LIT members and
others named at start.

Allowed imports: standard library, ``s3engine.core.definition``, ``s3engine.errors``,
``s3engine.processes.mits.record``, ``s3engine.processes.mits.rules``.
"""

from __future__ import annotations

from typing import Any

from s3engine.core.definition import NAME_RE
from s3engine.errors import InvalidField
from s3engine.processes.mits.record import MitsRecord
from s3engine.processes.mits.rules import parse_actor, rule_error, rule_missing


class TeamMixin(MitsRecord):
    """Checks and effects of assign_tutor, commit_actor, withdraw_actor and the LIT members."""

    # -- checks -----------------------------------------------------------------------------------

    def check_assign_tutor(self, actor: str, d: dict[str, Any]) -> None:
        """Check the new tutor's name.

        Args:
            actor: Who acts.
            d: The cleaned fields (``tutor``).

        Raises:
            InvalidField: The name is not usable.
            ActionNotAllowedNow: That person already is the tutor.
        """
        if not NAME_RE.match(d["tutor"]):
            raise InvalidField(
                "tutor", f"{d['tutor']!r} is not a usable name", "a name of 1 to 80 characters"
            )
        if d["tutor"] == self.data.get("tutor"):
            raise self._refuse("assign_tutor", f"{d['tutor']} already is the tutor")

    def check_commit_actor(self, actor: str, d: dict[str, Any]) -> None:
        """Read the committing actor (its type normalised, in place) and refuse a second one.

        Args:
            actor: Who acts.
            d: The cleaned fields (name, type, representative, commitment); updated in place.

        Raises:
            InvalidField: The actor is not usable or has already committed.
        """
        parsed = parse_actor(
            {k: d[k] for k in ("name", "type", "representative", "commitment") if k in d}, "name"
        )
        if any(a["name"].casefold() == parsed["name"].casefold() for a in self.active_actors()):
            raise InvalidField("name", f"{parsed['name']} has already committed", "a new actor")
        d.update(parsed)

    def check_withdraw_actor(self, actor: str, d: dict[str, Any]) -> None:
        """Check that the actor has committed and that the rule holds without it.

        Args:
            actor: Who acts.
            d: The cleaned fields (``name``, ``reason``).

        Raises:
            InvalidField: There is no such committed actor.
            MitsRuleError: The remaining actors would break the preparation rule.
        """
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
        """Check the new member's name and the committed actor they represent.

        Args:
            actor: Who acts.
            d: The cleaned fields (``member``, ``represents``, ``role``).

        Raises:
            InvalidField: A bad name, an actor that has not committed, or a member already in.
        """
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
        """Check that the person leaving is in the LIT.

        Args:
            actor: Who acts.
            d: The cleaned fields (``member``, ``reason``).

        Raises:
            InvalidField: They are not a LIT member.
        """
        members = [m["member"] for m in self.lit]
        if d["member"] not in members:
            raise InvalidField(
                "member",
                f"{d['member']!r} is not in the LIT",
                "one of " + (", ".join(members) or "nobody yet"),
            )

    # -- effects ----------------------------------------------------------------------------------

    def do_assign_tutor(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Record the new tutor (the previous one's period ends now)."""
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
        """Record the actor's commitment."""
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
        """Record the actor withdrawing, with the reason."""
        for a in self.actors:
            if a["active"] and a["name"] == data["name"]:
                a.update(active=False, withdrawn=self.last_time, reason=data["reason"])
        self._refresh_warnings()
        self._refresh_participants()

    def _refresh_warnings(self) -> None:
        self.data["warnings"] = rule_missing(self.active_actors(), self.data["rule"])[1]

    def do_add_lit_member(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Add the member to the LIT, with the actor they represent."""
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
        """Remove the member from the LIT; who left and why is kept in ``lit_left``."""
        self.lit = [m for m in self.lit if m["member"] != data["member"]]
        self.data.setdefault("lit_left", []).append(
            {"member": data["member"], "reason": data["reason"], "time": self.last_time}
        )
        self._refresh_participants()
