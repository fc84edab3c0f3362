"""Credentials: who is at the keyboard, and how s3flow knows it.

Every event records ``actor`` (on whose behalf it is recorded) and ``auth`` (who was authenticated,
and how). A :class:`Credential` is what a front end hands to the workspace with an action:

* ``operator`` — the person operating this notebook or command line says who they are (``--as``);
  the record says exactly that, nothing stronger;
* ``link`` — the person opened their personal link (a token bound to workspace, process and person);
* ``hub`` — the person is logged in to JupyterHub as this user;
* ``system`` — s3flow itself (the workspace key, a round closing at its closing time).

Someone may record an action for another person only as an operator or a hub user (signed in as
themself) and only as the process's facilitator; the event then says so (``actor`` Bo,
``auth.by`` Ana: "Bo, recorded by Ana"). A personal link never acts for anyone else.

Allowed imports: standard library, ``s3engine.errors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from s3engine.errors import ImpersonationRefused

SYSTEM = "s3flow"


@dataclass(frozen=True)
class Credential:
    """An authenticated person.

    Attributes:
        person: Who was authenticated.
        via: How: ``operator``, ``link``, ``hub`` or ``system``.
        link: The id of the personal link used (``via == "link"``).
    """

    person: str
    via: str = "operator"
    link: str | None = None

    def auth(self) -> dict[str, str]:
        """The ``auth`` record of an event made with this credential."""
        rec = {"via": self.via, "by": self.person}
        if self.link:
            rec["link"] = self.link
        return rec

    def check_may_act_for(self, actor: str, facilitators: tuple[str, ...]) -> None:
        """Refuse acting for ``actor`` unless this credential may record on their behalf.

        Args:
            actor: The person the action is for.
            facilitators: Who facilitates the process (they may record for others).

        Raises:
            ImpersonationRefused: A personal link acting for someone else, or an operator or hub
                user who is not the facilitator.
        """
        if actor == self.person:
            return
        if self.via not in ("operator", "hub"):
            raise ImpersonationRefused(
                f"{self.person} is signed in with their own "
                f"{'personal link' if self.via == 'link' else 'account'} and can act only as "
                f"themself, not for {actor}.",
                f"{actor} acts from their own link, or the facilitator records it for them.",
            )
        if self.person not in facilitators:
            who = " or ".join(facilitators) or "the facilitator"
            raise ImpersonationRefused(
                f"{self.person} cannot record an action for {actor}: only {who} "
                "(facilitating) can record for someone without a device.",
                f"{actor} acts from their own {'account' if self.via == 'hub' else 'link'}.",
            )


def operator(person: str) -> Credential:
    """The credential of whoever operates this notebook or command line, as ``person``."""
    return Credential(person, "operator")


SYSTEM_CREDENTIAL = Credential(SYSTEM, "system")


def recorded_by(event: dict[str, Any]) -> str | None:
    """Who recorded ``event`` for its actor, or None when the actor recorded it themself."""
    auth = event.get("auth")
    if isinstance(auth, dict) and auth.get("by") and auth.get("by") != event.get("actor"):
        return str(auth["by"])
    return None
