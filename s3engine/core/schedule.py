"""What is due: actions s3flow takes by itself when their moment comes.

A round whose closing time has passed closes by the rule the group recorded; a round that everyone
present has answered is revealed. Any program holding the workspace key runs :func:`run_due` —
the facilitator's screen does so every few seconds, ``s3flow status`` on each call — and whichever
comes first records the event (as ``s3flow``, authenticated as the system); the others find it done.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``.
"""

from __future__ import annotations

import contextlib
from typing import Any

from s3engine.core.credential import SYSTEM, SYSTEM_CREDENTIAL
from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error


def run_due(ws: Workspace) -> list[dict[str, Any]]:
    """Take every action that is due now in the open processes; return the events recorded."""
    done = []
    # The query side says which processes are still running: finished ones are not even made.
    running = [row["id"] for row in ws.projection.all("processes") if not row.get("finished")]
    for root in [ws.get(pid) for pid in running if pid in ws.processes]:
        if root.finished:
            continue
        follow = root.leaf().follow_up()
        if follow is None:
            continue
        with contextlib.suppress(S3Error):  # e.g. a sealed answer given on another computer
            done.append(
                ws.act(root.id, follow[0], SYSTEM, credential=SYSTEM_CREDENTIAL, **follow[1])
            )
    return done
