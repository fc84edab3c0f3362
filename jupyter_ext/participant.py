"""The participant app: one person on their own device, on their own personal link.

``s3flow app participant`` serves this page with Voila; each participant opens their personal link
(``s3flow invite``), whose token Voila hands to the kernel in ``QUERY_STRING``. The page shows the
decision being taken — its steps, what is being decided, the round — and only that person's own
actions. There is no "acting as": every action is recorded as that person, authenticated by their
link. A link that is unknown, revoked or expired shows a page that says so, and no data.

Allowed imports: ipywidgets, s3engine, jupyter_ext.
"""

from __future__ import annotations

import html
import os
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as w

from s3engine.core.credential import Credential
from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error
from s3engine.participation.invite import (
    QUERY_KEY,
    InviteError,
    authenticate,
    links,
    token_hash,
)

from .i18n import _
from .language_menu import PageLanguage
from .stepper import ProcessStepper
from .workspace import workspace


class ParticipantView(ProcessStepper):
    """A stepper for one authenticated person: only their actions, recorded as them.

    Args:
        ws: The workspace.
        pid: The process their link is for.
        credential: Their credential (from their personal link).
    """

    def __init__(self, ws: Workspace, pid: str, credential: Credential) -> None:
        super().__init__(ws, pid, actor=credential.person, credential=credential)
        self.actor.layout.display = "none"
        self.you = w.HTML(
            "<div class='s3-you' style='font-size:1.1em;margin:4px 0'>"
            + html.escape(_("You take part as"))
            + f" <b>{html.escape(credential.person)}</b></div>"
        )
        self.children = (self.you, *tuple(self.children))  # type: ignore[has-type]  # a widget trait
        self.add_class("s3-participant")

    def actor_options(self) -> list[str]:
        """Only the person the link is for (their page never acts as anyone else)."""
        assert self.credential is not None
        return [self.credential.person]


def link_status(ws: Workspace, token: str) -> str:
    """What happened to the link of ``token``: ``unknown``, ``revoked``, ``replaced``, ``expired``.

    The engine's message names the person of a revoked or expired link; whoever holds someone
    else's old link must not learn even that, so the refusal page tells only the link's status.
    """
    link = token_hash(token)[:16] if token else ""
    try:
        row = next((r for r in links(ws) if link and r["link"] == link), None)
    except S3Error:
        row = None
    return str(row["status"]) if row else "unknown"


def refusal_page(status: str) -> Any:
    """The page for a link that does not work: what is wrong and what to do, and nothing else.

    Args:
        status: What happened to the link (see :func:`link_status`).
    """
    reasons = {
        "revoked": _("This link was revoked by the facilitator."),
        "replaced": _("This link was replaced by a newer one."),
        "expired": _("This link has expired."),
    }
    reason = reasons.get(status, _("This is not a personal link for a decision here."))
    box = w.HTML(
        "<div class='s3-link-refused' role='alert' style='border-inline-start:6px solid #b00020;"
        "padding:8px 12px;font-size:1.1em'>"
        f"<h2 style='margin:0 0 6px 0'>{html.escape(_('This link does not work'))}</h2>"
        f"<p>{html.escape(reason)}</p>"
        f"<p>{html.escape(_('Ask the facilitator for your personal link.'))}</p></div>"
    )
    page = w.VBox([box, PageLanguage()])  # the page's lang and dir follow the language too
    page.add_class("s3-participant-refused")
    return page


def participant_app(query_string: str | None = None, ws: Workspace | None = None) -> Any:
    """The participant page for the personal link in ``query_string`` (default: Voila's).

    Args:
        query_string: The URL's query string (Voila passes it as ``$QUERY_STRING``).
        ws: The workspace (default: this kernel's).
    """
    qs = os.environ.get("QUERY_STRING", "") if query_string is None else query_string
    token = parse_qs(qs).get(QUERY_KEY, [""])[0]
    ws = ws or workspace()
    try:
        pid, cred = authenticate(ws, token)
    except InviteError:
        return refusal_page(link_status(ws, token))
    return ParticipantView(ws, pid, cred)
