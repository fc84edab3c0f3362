"""Events and the hash chain: what one journal event is, how it is encoded and hashed.

Each event carries ``seq`` (1, 2, 3 ... without gaps), ``time`` (UTC ISO 8601), ``actor``,
``process``, ``type``, ``data``, ``prev`` (hash of the previous event; 64 zeros for the first) and
``hash`` (SHA-256 of the canonical JSON of every other key). Every journal store keeps this format.

Since s3flow 0.2 an event may also carry ``auth`` — how the person acting was authenticated:
``{"via": "operator" | "link" | "hub" | "system", "by": <the authenticated person>}`` plus, for a
personal link, ``"link": <its id>``; when ``by`` differs from ``actor`` the event was recorded on
``actor``'s behalf — and ``request``, an id chosen by the caller so that a retried action is
recognised and not recorded twice. Events written by s3flow 0.1 have neither; they still verify.

Allowed imports: standard library.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
EVENT_KEYS = ("seq", "time", "actor", "process", "type", "data", "prev", "hash")
OPTIONAL_KEYS = ("auth", "request")
#: The order of keys on a journal line (readable: who, then what, then the chain).
LINE_ORDER = ("seq", "time", "actor", "auth", "process", "type", "data", "request", "prev", "hash")
VIAS = ("operator", "link", "hub", "system")
_REQUIRED = frozenset(EVENT_KEYS)
_ALLOWED = frozenset(EVENT_KEYS + OPTIONAL_KEYS)
#: The keys of a line as s3flow writes it, in order, without and with auth and request: a
#: decoded line with one of these layouts has exactly the expected keys (a quick first check).
_PLAIN = tuple(k for k in LINE_ORDER if k in _REQUIRED)
_LAYOUTS = frozenset(
    tuple(k for k in LINE_ORDER if k in _REQUIRED or k in extra)
    for extra in ((), ("auth",), ("request",), ("auth", "request"))
)

Clock = Callable[[], str]


_second: tuple[int, str] = (-1, "")  # the last second formatted, and its text


def utc_now() -> str:
    """Return the current UTC time as ISO 8601 with microseconds and a ``Z`` suffix.

    The text is what ``datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")`` gives; the date and
    time of day are formatted once per second (formatting them is most of the cost of an event).
    """
    global _second
    now = time.time_ns() // 1000
    sec, micro = divmod(now, 1_000_000)
    done, text = _second
    if sec != done:
        text = datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        _second = (sec, text)
    return f"{text}{micro:06d}Z"


def canonical(obj: Any) -> bytes:
    """Return the canonical JSON encoding used for hashing (sorted keys, no spaces, UTF-8)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def event_hash(event: dict[str, Any]) -> str:
    """Return the SHA-256 hex digest over every key of ``event`` except ``hash``."""
    body = {k: v for k, v in event.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


#: ``json.dumps(obj, ensure_ascii=False)`` is ``_LINE.encode(obj)``, with no new encoder per call.
_LINE = json.JSONEncoder(ensure_ascii=False)


def encode_line(event: dict[str, Any]) -> bytes:
    """Return the journal line for an event (keys in a fixed, readable order).

    The line is ``json.dumps`` of the event with ``ensure_ascii=False`` (and its default
    separators ``", "`` and ``": "``), then a newline, in UTF-8.
    """
    ordered = {k: event[k] for k in LINE_ORDER if k in event}
    return (_LINE.encode(ordered) + "\n").encode("utf-8")


def shape_problem(ev: Any) -> str | None:
    """Say what is wrong with the keys of a decoded journal line (None when they are right)."""
    if type(ev) is dict:
        layout = tuple(ev)
        if layout == _PLAIN:
            return None
        if layout in _LAYOUTS:
            return _extra_problem(ev)
    if not isinstance(ev, dict):
        return "the line is not an event"
    keys = ev.keys()
    if not keys >= _REQUIRED or not keys <= _ALLOWED:
        return "the event does not have the expected keys"
    if len(keys) == len(EVENT_KEYS):
        return None  # neither auth nor request
    return _extra_problem(ev)


def _extra_problem(ev: dict[str, Any]) -> str | None:
    """What is wrong with an event's ``auth`` and ``request`` (None when right or absent)."""
    auth = ev.get("auth")
    if "auth" in ev and not (
        isinstance(auth, dict)
        and auth.get("via") in VIAS
        and isinstance(auth.get("by"), str)
        and set(auth) <= {"via", "by", "link"}
    ):
        return "its authentication record is malformed"
    if "request" in ev and not isinstance(ev["request"], str):
        return "its request id is not a text"
    return None


@dataclass(frozen=True)
class VerifyReport:
    """Result of checking the whole chain.

    Attributes:
        ok: True when every event is intact and in order.
        events: Number of complete events read.
        first_bad_seq: Seq (line number position) of the first bad event, or None.
        reason: Why that event is bad.
        torn_bytes: Length of an incomplete last line, 0 if none.
    """

    ok: bool
    events: int
    first_bad_seq: int | None = None
    reason: str = ""
    torn_bytes: int = 0
