"""Requests: an action as a caller asked for it, and recognising a retried one.

Each action can carry an id chosen by the caller (the CLI and the widgets make one per click or
command). The journal records it on the event (``request``); an action retried with the same id —
after a crash, a lost answer or a double click — returns the event recorded the first time instead
of recording a second one.

Allowed imports: standard library, ``s3engine.errors``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from s3engine.errors import DuplicateRequestError, InvalidField

REQUEST_RE = re.compile(r"^[A-Za-z0-9._:-]{1,80}\Z")


class Draft(NamedTuple):
    """An event before it is chained: the arguments of ``Journal.make_event``."""

    actor: str
    process: str
    type: str
    data: dict[str, Any]
    auth: dict[str, str] | None = None
    request: str | None = None


def retried(
    requests: Mapping[str, dict[str, Any] | int],
    request_id: str | None,
    type_: str,
    actor: str,
    events: Callable[[list[int]], list[dict[str, Any]]],
) -> dict[str, Any] | None:
    """Return the event already recorded for ``request_id``, or None when the request is new.

    Args:
        requests: Request ids seen so far -> their event's seq (or the event).
        request_id: The id of the request now (None: no id, never a retry).
        type_: The event type the request asks for, or its ``.action`` suffix.
        actor: On whose behalf.
        events: Reads events by seq (``Workspace.read_events``).

    Raises:
        InvalidField: The id is not a short text.
        DuplicateRequestError: The id was used for another action or person.
    """
    if request_id is None:
        return None
    if not isinstance(request_id, str) or not REQUEST_RE.match(request_id):
        raise InvalidField(
            "request id",
            f"{str(request_id)[:40]!r} is not a request id",
            "1-80 letters, digits, '.', '_', ':' or '-'",
        )
    found = requests.get(request_id)
    if found is None:
        return None
    event = found if isinstance(found, dict) else events([found])[0]
    if not str(event["type"]).endswith(type_) or event["actor"] != actor:
        raise DuplicateRequestError(
            f"The request id {request_id} was already used for another action "
            f"(event {event['seq']}: {event['type']} by {event['actor']}).",
            "Use a new request id for a new action.",
        )
    return event
