"""The line codec: decoding journal lines and checking their hashes quickly, exactly as before.

Reading a large journal is mostly parsing JSON and recomputing SHA-256 hashes, so this uses
``orjson`` (several times faster than the standard ``json`` module) while keeping the hash format
of :mod:`s3engine.journal.event` unchanged: the hash is still over the canonical bytes written by
``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``.

For the JSON s3flow writes (text, integers, lists, objects, ordinary floats) ``orjson`` with sorted
keys produces the very same bytes, so the fast check is the check. Where they differ (a float such
as ``1e-07``, an integer beyond 64 bits, ``NaN``, text ``orjson`` refuses), the fast check fails
and the line is decoded and hashed again the standard way, so every journal that verified before
still verifies, and nothing is accepted that the standard check would refuse: a value accepted by
the fast check re-encodes to exactly the bytes that were hashed.

Allowed imports: standard library, ``orjson``, ``s3engine.journal.event``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

from s3engine.journal.event import event_hash

_SORTED = orjson.OPT_SORT_KEYS
_sha256 = hashlib.sha256


def decode(raw: bytes) -> tuple[Any, bool]:
    """Decode one line; ``(value, fast)`` where ``fast`` says ``orjson`` decoded it.

    Raises:
        ValueError: The line is not valid JSON (``json.JSONDecodeError``) or not UTF-8
            (``UnicodeDecodeError``), exactly as ``json.loads`` says.
    """
    try:
        return orjson.loads(raw), True
    except orjson.JSONDecodeError:
        return json.loads(raw), False


def checked(raw: bytes) -> tuple[Any, bool]:
    """Decode one line and check its hash: ``(event, hash_ok)``.

    The event is the standard decoding whenever the fast path does not prove the hash; its shape
    is not checked here (a value that is not an object with a text ``hash`` is returned with
    ``False``).

    Raises:
        ValueError: The line is not valid JSON or not UTF-8.
    """
    ev, fast = decode(raw)
    if not isinstance(ev, dict) or not isinstance(ev.get("hash"), str):
        return ev, False
    expected = ev["hash"]
    if fast:
        del ev["hash"]  # and put back: it stays the last key, where a journal line has it
        try:
            same = _sha256(orjson.dumps(ev, option=_SORTED)).hexdigest() == expected
        except TypeError:  # orjson.JSONEncodeError: something only the standard way encodes
            same = False
        ev["hash"] = expected
        if same:
            return ev, True
        ev = json.loads(raw)  # the standard decoding and hash decide
    return ev, _slow_hash(ev) == expected


def _plain(value: Any) -> bool:
    """Whether ``orjson`` encodes ``value`` exactly as the canonical form does.

    True for text, 64-bit integers, booleans, None, lists and objects with text keys (no floats).
    """
    t = type(value)
    if t is str or t is bool or value is None:
        return True
    if t is int:
        return bool(-(2**63) <= value < 2**63)
    if t is list:
        return all(_plain(v) for v in value)
    if t is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return False


def new_hash(ev: dict[str, Any]) -> str:
    """The hash of a new event (no ``hash`` key yet): :func:`event_hash`, computed faster.

    Raises:
        TypeError, ValueError: As :func:`event_hash` for values JSON cannot hold.
    """
    if _plain(ev):
        try:
            return _sha256(orjson.dumps(ev, option=_SORTED)).hexdigest()
        except TypeError:  # e.g. a lone surrogate: the standard way says what is wrong
            pass
    return event_hash(ev)


def _slow_hash(ev: dict[str, Any]) -> str | None:
    """The standard hash, or None when the text cannot be encoded (e.g. an escaped surrogate)."""
    try:
        return event_hash(ev)
    except ValueError:
        return None
