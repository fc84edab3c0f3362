"""Personal links: each participant takes part from their own device, as themselves.

``issue(ws, pid, actor)`` gives every participant of a process a personal link: an unguessable token
(``secrets.token_urlsafe(32)``) bound to the workspace, the process and the person. The journal
records only the token's SHA-256 (``invite.issued``: process, person, link id, hash, expiry), never
the token; revoking (``invite.revoked``) and expiry are events and times in the journal too, so
whoever checks the record can tell which link acted. :func:`authenticate` turns a token into a
:class:`~s3engine.core.credential.Credential` (``via="link"``): acting with it is acting as that
person, in that process (or a process nested in it), and nobody else.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from s3engine.core.credential import Credential
from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error

ISSUED = "invite.issued"
REVOKED = "invite.revoked"
DEFAULT_DAYS = 30
TABLE = "invites"
QUERY_KEY = "invite"


class InviteError(S3Error):
    """A personal link cannot be used, or links cannot be given out.

    Attributes:
        status: Why a link does not work — ``unknown``, ``revoked``, ``replaced``, ``expired``,
            ``other-process`` — or ``refused`` for a request about links. Refusals name nobody:
            whoever holds a stale link learns nothing about whose it was.
    """

    def __init__(self, message: str, hint: str = "", status: str = "refused") -> None:
        self.status = status
        super().__init__(message, hint)


_ASK = "Ask the facilitator for your personal link."


@dataclass(frozen=True)
class Invite:
    """A personal link as given to one person (the token exists only here and on their device).

    Attributes:
        process: The process it is for.
        person: Whose link it is.
        link: The link's id (first 16 hex digits of the token's hash; safe to show).
        token: The token itself.
        expires: When it stops working (UTC, ISO 8601).
    """

    process: str
    person: str
    link: str
    token: str
    expires: str

    def url(self, base: str) -> str:
        """The personal link under ``base`` (the participant app's address)."""
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}{urlencode({QUERY_KEY: self.token})}"

    def as_dict(self, base: str | None = None) -> dict[str, Any]:
        """Plain data (with the link when ``base`` is given)."""
        out = {
            "process": self.process,
            "person": self.person,
            "link_id": self.link,
            "token": self.token,
            "expires": self.expires,
        }
        if base:
            out["link"] = self.url(base)
        return out


def token_hash(token: str) -> str:
    """The SHA-256 of a token (hex), as the journal keeps it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now(ws: Workspace) -> datetime:
    return datetime.strptime(ws.journal.clock(), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def issue(
    ws: Workspace,
    pid: str,
    actor: str,
    people: list[str] | None = None,
    days: int = DEFAULT_DAYS,
) -> list[Invite]:
    """Give each participant of ``pid`` (or only ``people``) a new personal link.

    A new link for a person replaces their previous links for this process (those are revoked).

    Args:
        ws: The workspace.
        pid: The (outermost) process the links are for.
        actor: Who issues them: the process's facilitator.
        people: Only these participants (default: all of them).
        days: How many days the links work.

    Raises:
        InviteError: ``actor`` does not facilitate the process, or someone is not a participant.
    """
    proc = ws.get(pid).root
    facilitators = proc.facilitators()
    if actor not in facilitators:
        raise InviteError(
            f"Only the facilitator ({', '.join(facilitators)}) can give out personal links "
            f"for {proc.id}.",
            f"Run the command as {facilitators[0]} (--as {facilitators[0]}).",
        )
    wanted = list(people or proc.participants)
    strangers = [p for p in wanted if p not in proc.participants]
    if strangers:
        raise InviteError(
            f"{', '.join(strangers)} {'is' if len(strangers) == 1 else 'are'} not taking part "
            f"in {proc.id}.",
            f"Participants: {', '.join(proc.participants)}.",
        )
    if not 1 <= days <= 366:
        raise InviteError(f"A link cannot work for {days} days.", "Give 1 to 366 days.")
    expires = (_now(ws) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    for person in wanted:
        token = secrets.token_urlsafe(32)
        digest = token_hash(token)
        data = {
            "process": proc.id,
            "person": person,
            "link": digest[:16],
            "hash": digest,
            "expires": expires,
        }
        ws.write(actor, proc.id, ISSUED, data)
        out.append(Invite(proc.id, person, digest[:16], token, expires))
    return out


def revoke(ws: Workspace, pid: str, actor: str, person: str) -> int:
    """Revoke every personal link of ``person`` for ``pid``; return how many were active.

    Raises:
        InviteError: ``actor`` does not facilitate the process, or ``person`` has no link.
    """
    proc = ws.get(pid).root
    if actor not in proc.facilitators():
        raise InviteError(
            f"Only the facilitator ({', '.join(proc.facilitators())}) can revoke links.",
            f"Run the command as {proc.facilitators()[0]}.",
        )
    active = [r for r in links(ws, proc.id) if r["person"] == person and r["status"] == "active"]
    if not active:
        raise InviteError(
            f"{person} has no active link for {proc.id}.",
            f"`s3flow invite {proc.id}` lists the links.",
        )
    ws.write(actor, proc.id, REVOKED, {"process": proc.id, "person": person})
    return len(active)


def links(ws: Workspace, pid: str | None = None) -> list[dict[str, Any]]:
    """The links recorded (without tokens), optionally of one process, with their status now."""
    now = _now(ws).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = []
    for row in ws.projection.all(TABLE):
        if pid is not None and row["process"] != pid:
            continue
        status = row["status"]
        if status == "active" and row["expires"] <= now:
            status = "expired"
        rows.append({k: v for k, v in row.items() if k != "hash"} | {"status": status})
    return sorted(rows, key=lambda r: (r["process"], r["person"], r["issued"]))


def authenticate(ws: Workspace, token: str, pid: str | None = None) -> tuple[str, Credential]:
    """The process and credential a personal link's token stands for.

    Args:
        ws: The workspace (caught up with the journal first).
        token: The token from the link.
        pid: The process the link is used for (it or one nested in it), when known.

    Returns:
        ``(process id, credential)``.

    Raises:
        InviteError: The token is unknown, revoked, expired or for another process.
    """
    ws.refresh()
    row = None
    if isinstance(token, str) and 16 <= len(token) <= 200:
        digest = token_hash(token)
        row = next(
            (r for r in ws.projection.all(TABLE) if hmac.compare_digest(r["hash"], digest)), None
        )
    if row is None:
        raise InviteError("This is not a personal link for a decision here.", _ASK, "unknown")
    if row["status"] == "replaced":
        raise InviteError("This link was replaced by a newer one.", _ASK, "replaced")
    if row["status"] != "active":
        raise InviteError("This link was revoked by the facilitator.", _ASK, "revoked")
    if row["expires"] <= _now(ws).strftime("%Y-%m-%dT%H:%M:%SZ"):
        raise InviteError("This link has expired.", _ASK, "expired")
    if pid is not None and ws.get(pid).root.id != row["process"]:
        raise InviteError(
            "This link is for another decision.",
            "Use the link given for this one.",
            "other-process",
        )
    return row["process"], Credential(row["person"], "link", row["link"])


def _end_active(ws: Workspace, process: str, person: str, change: dict[str, Any]) -> None:
    """Apply ``change`` to every active link of ``person`` for ``process``."""
    for row in ws.projection.all(TABLE):
        if row["process"] == process and row["person"] == person and row["status"] == "active":
            ws.projection.put(TABLE, row["link"], row | change)


def on_issued(ws: Workspace, event: dict[str, Any]) -> None:
    """Apply ``invite.issued``: the new link is active, the person's older ones are replaced."""
    d = event["data"]
    _end_active(ws, d["process"], d["person"], {"status": "replaced"})
    ws.projection.put(
        TABLE,
        d["link"],
        {
            "process": d["process"],
            "person": d["person"],
            "link": d["link"],
            "hash": d["hash"],
            "expires": d["expires"],
            "issued": event["time"],
            "issued_by": event["actor"],
            "status": "active",
        },
    )


def on_revoked(ws: Workspace, event: dict[str, Any]) -> None:
    """Apply ``invite.revoked``: every active link of the person for the process stops working."""
    d = event["data"]
    _end_active(ws, d["process"], d["person"], {"status": "revoked", "revoked": event["time"]})
