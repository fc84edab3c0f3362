"""Nominations in a Role Selection (S3 guide §3.5, steps 2-5), as a mixin.

Each participant writes a nomination in secret (themself, someone else, or pass). While the slips
are hidden the journal holds only a commitment per person (the slip itself is sealed, as the
signals of a hidden round are: see :mod:`s3engine.core.sealed`); s3flow reveals them together when
the last one is in, or the facilitator does, naming who is absent — nobody's slip is assumed. Then
a round of reasons, information gathering, and a round of nomination changes with their reasons.
A person's current nomination is their slip as changed since; the tally counts the current
nominations.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``.
"""

from __future__ import annotations

from typing import Any

from s3engine.core import sealed
from s3engine.core.process import Process

PASS = "pass"
NO_NOMINATION = "no nomination"
ABSENT = "absent"
SLIPS_ROUND = 0  # the sealed-store round number of the nomination slips


class NominationMixin(Process):
    """Secret nomination slips, their reveal, reasons, information and changes.

    The process definition must have the ``nominate`` step and the internal trigger
    ``reveal_nominations`` it fires when the last slip is in.
    """

    def setup_nominations(self) -> None:
        """Initialise the slips, the reasons, the information and the changes."""
        self.slips: dict[str, str] = {}
        self.slip_commitments: dict[str, str] = {}
        self.revealed = False
        self.reasons: dict[str, str] = {}
        self.information: list[dict[str, Any]] = []
        self.changes: list[dict[str, Any]] = []

    # -- queries ----------------------------------------------------------------------------------

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

    def nomination_view(
        self, about: str, viewer: str | None = None, *, secret: bool
    ) -> dict[str, Any]:
        """The nominations as a round: counts while secret, then everyone's current nomination.

        Args:
            about: What the nominations are for ("nominations for Host").
            viewer: Who looks; while secret they see their own slip only.
            secret: Whether the slips are still hidden (the nominate step).

        Returns:
            A round view in the shape of the objection rounds' views.
        """
        if secret:
            given = self.slips_given()
            view: dict[str, Any] = {
                "no": 0,
                "about": about,
                "revealed": False,
                "signalled": sorted(given),
                "waiting_for": [p for p in self.participants if p not in given],
                "count": len(given),
                "of": len(self.participants),
            }
            if viewer and viewer in given:
                view["mine"] = self.own_slip(viewer)
            return view
        return {
            "no": 0,
            "about": about,
            "revealed": True,
            "signalled": sorted(self.slips),
            "waiting_for": [],
            "count": len(self.slips),
            "of": len(self.participants),
            "signals": {p: self.nomination(p) for p in self.participants},
            "pending": [],
        }

    def slips_given(self) -> list[str]:
        """Who has written a slip (sealed, or in clear in journals of s3flow 0.1)."""
        return [p for p in self.participants if p in self.slips or p in self.slip_commitments]

    def own_slip(self, person: str) -> str | None:
        """``person``'s own slip while the slips are hidden (opened on this computer)."""
        if person in self.slips:
            return self.slips[person]
        committed = self.slip_commitments.get(person)
        if committed is None or not self.ws.sealed.usable:
            return None
        try:
            found = self.ws.sealed.open(self.id, SLIPS_ROUND, person, committed)
        except sealed.SealedError:
            return None
        return str(found.value) if found else None

    # -- validation -------------------------------------------------------------------------------

    def validate(self, name: str, actor: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Validate; a slip is sealed (its commitment journaled), the reveal carries the slips."""
        if (
            getattr(self.ws, "revalidating", False)
            and not self.slip_commitments
            and (
                name in ("nominate", "close_nominations")
                and "commitment" not in fields
                and "revealed" not in fields
            )
        ):  # an s3flow 0.1 journal: slips in clear, the facilitator could reveal early
            return Process.validate(self, name, actor, fields)
        if name == "nominate" and set(fields) == {"commitment"}:
            super().validate(name, actor, {"nominee": PASS})
            return {"commitment": str(fields["commitment"])[:64]}
        if name == "close_nominations" and "revealed" in fields:
            clean = super().validate(name, actor, {"absent": fields.get("absent") or []})
            problem = self.slips_problem(fields["revealed"])
            if problem:
                raise self.refuse(name, problem)
            return {"revealed": fields["revealed"], "absent": clean.get("absent", [])}
        clean = super().validate(name, actor, fields)
        if name == "nominate":
            committed = self.ws.sealed.seal(self.id, SLIPS_ROUND, actor, clean["nominee"])
            return {"commitment": committed}
        if name == "close_nominations":
            opened = {}
            for person, committed in self.slip_commitments.items():
                found = self.ws.sealed.open(self.id, SLIPS_ROUND, person, committed)
                if found is None:
                    raise self.refuse(
                        name,
                        f"the slip of {person} is not on this computer (ask them to write it "
                        "again here)",
                    )
                opened[person] = found.as_dict()
            return {"revealed": opened, "absent": clean.get("absent", [])}
        return clean

    def slips_problem(self, revealed: Any) -> str | None:
        """Why ``revealed`` does not open exactly the committed slips (None when it does)."""
        if not isinstance(revealed, dict) or set(revealed) != set(self.slip_commitments):
            return "the revealed slips are not exactly those written"
        for person, committed in self.slip_commitments.items():
            why = sealed.check(revealed[person], committed, person, self.id, SLIPS_ROUND)
            if why:
                return why.replace("answer", "slip")
        return None

    def g_nominations_complete(self, fields: dict[str, Any]) -> str | None:
        """Guard of ``close_nominations``: everyone not named absent has written a slip."""
        absent = fields.get("absent") or []
        waiting = [p for p in self.participants if p not in self.slips_given() and p not in absent]
        if waiting:
            return (
                f"still waiting for {', '.join(waiting)} to write a nomination (name them as "
                "absent if they are not here)"
            )
        return None

    def follow_up(self) -> tuple[str, dict[str, Any]] | None:
        """Reveal the slips by themselves when the last one is in."""
        if (
            self.state == "nominate"
            and self.slip_commitments
            and all(p in self.slips_given() for p in self.participants)
            and self.ws.sealed.usable
        ):
            return ("close_nominations", {})
        return super().follow_up()

    # -- effects ----------------------------------------------------------------------------------

    def do_nominate(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a secret slip: its commitment (in clear in journals of s3flow 0.1)."""
        if "commitment" in data:
            self.slip_commitments[actor] = data["commitment"]
            return
        self.slips[actor] = data["nominee"]
        if all(p in self.slips for p in self.participants):
            self._reveal()
            self.fire("reveal_nominations")

    def do_close_nominations(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Reveal the slips: every sealed slip opened, absent people named as absent."""
        for person, opened in data.get("revealed", {}).items():
            self.slips[person] = opened["value"]
        for person in data.get("absent", []):
            self.slips.setdefault(person, ABSENT)
        self._reveal()
        if "revealed" in data:
            pid = self.id
            self.ws.after_replay(lambda: self.ws.sealed.discard(pid, SLIPS_ROUND))

    def _reveal(self) -> None:
        self.revealed = True
        for p in self.participants:
            self.slips.setdefault(p, NO_NOMINATION)

    def do_give_reason(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record why the actor nominated whom they nominated."""
        self.reasons[actor] = data["reason"]

    def do_share_information(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record information shared or asked for."""
        self.information.append({"by": actor, **data, "time": self.last_time})

    def do_change_nomination(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a changed nomination, from what and why."""
        self.changes.append(
            {
                "by": actor,
                "from": self.nomination(actor),
                "to": data["nominee"],
                "reason": data["reason"],
                "time": self.last_time,
            }
        )
