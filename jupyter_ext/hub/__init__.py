"""s3flow on JupyterHub: a region's community of practice on one service.

``s3flow hub init DIR`` writes a ``jupyterhub_config.py`` that calls :func:`config.configure`;
``s3flow hub start DIR`` runs JupyterHub with it. Tutors (a hub group) get JupyterLab on their
own copies of the tutor notebooks; participants (another group) never get a server, a kernel or a
terminal of their own: they use the participant app, a hub service (:mod:`.service`, Voila behind
the hub's login) that acts for them as the hub user they are signed in as. Every event records
``auth = {"via": "hub", "by": <hub user>}``.

This module is imported by every kernel (the stepper asks it who is signed in), so it needs only
the standard library and ``s3engine``; :mod:`.config`, :mod:`.service` and :mod:`.page` import
JupyterHub, Voila and the widgets.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from s3engine.core.credential import Credential

#: The environment variable JupyterHub gives each user's server (and so their kernels).
USER_VAR = "JUPYTERHUB_USER"


def same_person(user: str, name: str) -> bool:
    """Whether the hub user ``user`` is the person named ``name`` in a process.

    JupyterHub keeps user names in lower case ("ana"); a decision may name the same person "Ana".
    """
    return user.casefold() == name.strip().casefold()


def hub_credential(names: Iterable[str] = ()) -> Credential | None:
    """The hub user this kernel runs for, as a credential, or None outside JupyterHub.

    Under JupyterHub a tutor's JupyterLab and its kernels run for one hub user
    (``$JUPYTERHUB_USER``): what they record is theirs (``via: hub``); they record for someone
    else only when they facilitate, and the event then says so ("Bo, recorded by Ana").

    Args:
        names: The people of the process at hand: when one of them is this hub user (see
            :func:`same_person`), the credential uses the name as the process writes it.
    """
    user = os.environ.get(USER_VAR, "").strip()
    if not user:
        return None
    return Credential(next((n for n in names if same_person(user, n)), user), "hub")
