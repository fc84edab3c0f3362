"""Agreements linked to a MiTS cycle: the LIT's governance, adopted actions, cycle decisions.

Consent decisions are separate processes started with ``cycle=<the MiTS process id>``. The cycle
only links an agreement that exists in the query side, is active, belongs to it and is not linked
yet; the LIT governance agreement is linked in phase B, and an agreement with purpose ``action``
adopts one designed action in the co-design phase.

Allowed imports: standard library, ``s3engine.processes.mits.record``.
"""

from __future__ import annotations

from typing import Any

from s3engine.processes.mits.record import MitsRecord


class AgreementMixin(MitsRecord):
    """Check, guard and effect of link_agreement."""

    def check_link_agreement(self, actor: str, d: dict[str, Any]) -> None:
        """Add the agreement's title (from the query side) to the fields, in place.

        Args:
            actor: Who acts.
            d: The cleaned fields (``agreement``, ``purpose``, ``action_id``).
        """
        row = self.ws.projection.get("agreements", d["agreement"]) or {}
        d["title"] = row.get("title", "")

    def g_link(self, f: dict[str, Any]) -> str | None:
        """Refuse linking an agreement that is missing, not active, foreign or linked already.

        Args:
            f: The action's fields (``agreement``, ``purpose``, ``action_id``).

        Returns:
            Why the agreement cannot be linked, or None.
        """
        aid = f.get("agreement")
        if not aid:
            return None
        row = self.ws.projection.get("agreements", aid)
        if row is None:
            proc = self.ws.processes.get(aid)
            if proc is not None and proc.kind == "consent":
                if proc.finished:
                    return f"“{proc.title}” ended without an agreement ({proc.outcome})"
                return (
                    f"“{proc.title}” has not reached agreement yet (now: "
                    f"{proc.leaf().step.title}); link it once it is agreed"
                )
            return f"there is no agreement '{aid}'"
        name = f"“{row.get('title') or aid}”"
        if row.get("cycle") != self.id:
            return (
                f"the agreement {name} does not belong to this cycle; choose this cycle in the "
                "“MiTS cycle” field when starting its consent decision"
            )
        if row.get("status") != "active":
            return f"the agreement {name} is {row.get('status')}"
        if any(x["agreement"] == aid for x in self.links):
            return f"the agreement {name} is already linked"
        purpose = f.get("purpose")
        if purpose == "LIT governance" and self.state != "lit" and self.governance is None:
            return "the LIT governance agreement is linked in the Local Implementation Team phase"
        if purpose == "action":
            if self.state != "co_design":
                return "actions are adopted in the Co-design phase"
            act = self.find_action(f.get("action_id") or "")
            if act is None:
                return "choose the action the agreement adopts"
            if act["status"] != "designed":
                return f"action {act['id']} is {act['status']}"
        elif f.get("action_id"):
            return "only an agreement with purpose 'action' adopts an action"
        return None

    def do_link_agreement(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Link the agreement; it becomes the LIT's governance, or adopts the action it names."""
        link = {
            "agreement": data["agreement"],
            "title": data.get("title", ""),
            "purpose": data["purpose"],
            "action": data.get("action_id"),
            "cycle": self.cycle,
            "phase": self.state,
            "linked": self.last_time,
            "by": actor,
        }
        self.links.append(link)
        if data["purpose"] == "LIT governance":
            self.governance = dict(link)
        if data["purpose"] == "action":
            act = self.find_action(data["action_id"])
            assert act is not None
            act.update(agreement=data["agreement"], status="adopted")
            act["log"].append(
                {
                    "time": self.last_time,
                    "by": actor,
                    "what": f"adopted by consent ({data['agreement']})",
                }
            )
