"""The participant app's page for one hub user: their open decisions, acted on as themself.

The hub service (:mod:`jupyter_ext.hub.service`) runs ``hub_page(NAME)`` in a kernel of its own
for each visitor, NAME being the hub user they signed in as. The page lists the open decisions in
which that person takes part and shows the chosen one as the participant view of a personal link:
only their own actions, recorded as them (``via: hub``), their own hidden signal and nobody
else's before the reveal. A decision started later appears by itself (the page is live).

Allowed imports: ipywidgets, s3engine, jupyter_ext.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from jupyter_ext.hub import same_person
from jupyter_ext.i18n import _
from jupyter_ext.live import follow
from jupyter_ext.participant import ParticipantView
from jupyter_ext.workspace import workspace
from s3engine.core.credential import Credential
from s3engine.core.process import Process
from s3engine.core.workspace import Workspace


def open_decisions(ws: Workspace, user: str) -> list[tuple[Process, str]]:
    """The open top-level processes in which the hub user ``user`` takes part, oldest first.

    Each comes with the name the process gives that person ("Ana" for the hub user "ana").
    """
    found = []
    for p in ws.processes.values():
        if p.parent is None and not p.finished:
            name = next((n for n in p.participants if same_person(user, n)), None)
            if name is not None:
                found.append((p, name))
    return found


class HubPage(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """The decisions of one hub user, each shown as that person's participant view.

    Args:
        ws: The workspace.
        person: The hub user (signed in by the hub).
    """

    def __init__(self, ws: Workspace, person: str) -> None:
        self.ws = ws
        self.user = person
        self.names: dict[str, str] = {}
        self.views: dict[str, ParticipantView] = {}
        self.intro = w.HTML()
        self.choose = w.Dropdown(description=_("Decision"), style={"description_width": "initial"})
        self.choose.add_class("s3-hub-choose")
        self.choose.observe(lambda _c: self.show(), names="value")
        self.body = w.VBox()
        super().__init__([self.intro, self.choose, self.body])
        self.add_class("s3-hub-page")
        follow(self, ws)
        self.live_refresh()

    def live_refresh(self) -> None:
        """Offer the decisions open now (a new one appears by itself)."""
        found = open_decisions(self.ws, self.user)
        self.names.update({p.id: name for p, name in found})
        options = [(p.title or p.id, p.id) for p, _name in found]
        if not found:
            text = _(
                "Nothing to decide for you now. Your group's decisions appear here as soon as "
                "the facilitator starts one."
            )
        elif len(found) == 1:
            text = _("What you choose here is recorded as yours.")
        else:
            text = _("Choose a decision; what you choose there is recorded as yours.")
        self.intro.value = f"<p class='s3-hub-intro'>{html.escape(text)}</p>"
        if options != list(self.choose.options):
            keep = self.choose.value
            self.choose.options = options
            ids = [pid for _t, pid in options]
            self.choose.value = keep if keep in ids else (ids[0] if ids else None)
        self.choose.layout.display = None if len(options) > 1 else "none"
        self.show()

    def show(self) -> None:
        """Show the chosen decision."""
        pid = self.choose.value
        if pid is None:
            self.body.children = ()
            return
        view = self.views.get(pid)
        if view is None:
            who = Credential(self.names.get(pid, self.user), "hub")
            view = self.views[pid] = ParticipantView(self.ws, pid, who)
        if self.body.children != (view,):
            self.body.children = (view,)


def hub_page(person: str, ws: Workspace | None = None) -> Any:
    """The participant app's page for the hub user ``person``.

    Args:
        person: The hub user, as the hub signed them in.
        ws: The workspace (default: this kernel's, ``$S3FLOW_WORKSPACE``).
    """
    return HubPage(ws or workspace(), person)
