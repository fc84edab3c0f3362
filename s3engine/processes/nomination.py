"""Nominations in a Role Selection (S3 guide §3.5, steps 2-5), as a mixin.

Each participant writes a nomination in secret (themself, someone else, or pass); the slips are
revealed together when the last one is in, or when the facilitator reveals them (anyone without a
slip is recorded as giving no nomination). Then a round of reasons, information gathering, and a
round of nomination changes with their reasons. A person's current nomination is their slip as
changed since; the tally counts the current nominations.

Allowed imports: standard library, ``s3engine.core``.
"""

from __future__ import annotations

from typing import Any

from s3engine.core.process import Process

PASS = "pass"
NO_NOMINATION = "no nomination"


class NominationMixin(Process):
    """Secret nomination slips, their reveal, reasons, information and changes.

    The process definition must have the ``nominate`` step and the internal trigger
    ``reveal_nominations`` it fires when the last slip is in.
    """

    def setup_nominations(self) -> None:
        """Initialise the slips, the reasons, the information and the changes."""
        self.slips: dict[str, str] = {}
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
            view: dict[str, Any] = {
                "no": 0,
                "about": about,
                "revealed": False,
                "signalled": sorted(self.slips),
                "waiting_for": [p for p in self.participants if p not in self.slips],
                "count": len(self.slips),
                "of": len(self.participants),
            }
            if viewer and viewer in self.slips:
                view["mine"] = self.slips[viewer]
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

    # -- effects ----------------------------------------------------------------------------------

    def do_nominate(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a secret slip; the last one in reveals them all."""
        self.slips[actor] = data["nominee"]
        if all(p in self.slips for p in self.participants):
            self._reveal()
            self.fire("reveal_nominations")

    def do_close_nominations(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Reveal the slips before everyone has written one."""
        self._reveal()

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
