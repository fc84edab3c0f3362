"""What the pickers of a MiTS process offer, each by name (see :mod:`s3engine.core.choices`).

Its actors, LIT members, actions, agreements, instruments and sections.

Allowed imports: standard library, ``s3engine.errors``, ``s3engine.processes.mits.instrument``,
``s3engine.processes.mits.record``, ``s3engine.processes.mits.rules``.
"""

from __future__ import annotations

from s3engine.errors import S3Error
from s3engine.processes.mits import instrument as instruments
from s3engine.processes.mits.record import MitsRecord
from s3engine.processes.mits.rules import ACTOR_TYPES

Option = tuple[str, str]


class OptionsMixin(MitsRecord):
    """``choices_<source>()`` methods: the values a picker offers, with the labels people read."""

    def choices_actor_types(self) -> list[Option]:
        """The kinds of local actor."""
        return [(t, t) for t in ACTOR_TYPES]

    def choices_actors(self) -> list[Option]:
        """The committed actors: name and type."""
        return [(a["name"], f"{a['name']} ({a['type']})") for a in self.active_actors()]

    def choices_lit_members(self) -> list[Option]:
        """The LIT's members and whom they represent."""
        return [(m["member"], f"{m['member']} ({m['actor']})") for m in self.lit]

    def choices_cycle_actions(self) -> list[Option]:
        """The co-designed actions of this process, by title and status."""
        return [(a["id"], f"{a['title']} ({a['status']})") for a in self.actions]

    def choices_cycle_agreements(self) -> list[Option]:
        """Active agreements whose consent decision named this cycle and not linked yet."""
        linked = {x["agreement"] for x in self.links}
        return [
            (str(r["id"]), str(r.get("title") or r["id"]))
            for r in self.ws.projection.all("agreements")
            if r.get("cycle") == self.id and r.get("status") == "active" and r["id"] not in linked
        ]

    def choices_instruments(self) -> list[Option]:
        """The instruments found (community ones first), by name."""
        out = []
        for iid, _origin in instruments.available(self.ws.path):
            try:
                out.append((iid, instruments.find(iid, self.ws.path).name))
            except S3Error:  # a broken file is not offered
                continue
        return out

    def choices_sections(self) -> list[Option]:
        """The sections of the chosen instrument (none before it is chosen)."""
        if self.instrument is None:
            return []
        return [(s.id, s.name) for s in self.inst.sections]
