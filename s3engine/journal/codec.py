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

Writing a new event: :func:`new_hash` and :func:`line` give exactly what
:func:`~s3engine.journal.event.event_hash` and :func:`~s3engine.journal.event.encode_line` give.
They use ``orjson`` only for values it writes as ``json`` does (no floats, integers within 64 bits,
text keys); the journal line has a space after each comma and colon between items, which is added
to ``orjson``'s output only when it holds no comma or colon inside a text; anything else is encoded
the standard way.

Allowed imports: standard library, ``orjson``, ``s3engine.journal.event``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

from s3engine.journal.event import LINE_ORDER, encode_line, event_hash

_SORTED = orjson.OPT_SORT_KEYS
_sha256 = hashlib.sha256
_dumps = orjson.dumps
_LOW, _HIGH = -(2**63), 2**63  # the integers orjson writes as json does (signed 64-bit)
_HEADS = tuple((k, f'"{k}": '.encode()) for k in LINE_ORDER)
_LINE = json.JSONEncoder(ensure_ascii=False)  # its encode() is json.dumps(..., ensure_ascii=False)
_ABSENT = object()
_text_types = {str}
_PLAIN = b'{"seq": %d, "time": %b, "actor": %b, "process": %b, "type": %b, "data": %b, "prev": %b, '
_PLAIN += b'"hash": %b}\n'
_FULL = b'{"seq": %d, "time": %b, "actor": %b%b, "process": %b, "type": %b, "data": %b%b, '
_FULL += b'"prev": %b, "hash": %b}\n'
#: The same with the texts' quotes in the template (for texts given without them).
_PLAIN_TEXTS = b'{"seq": %d, "time": "%b", "actor": "%b", "process": "%b", "type": "%b", '
_PLAIN_TEXTS += b'"data": %b, "prev": "%b", "hash": "%b"}\n'
_FULL_TEXTS = b'{"seq": %d, "time": "%b", "actor": "%b"%b, "process": "%b", "type": "%b", '
_FULL_TEXTS += b'"data": %b%b, "prev": "%b", "hash": "%b"}\n'


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
        return bool(_LOW <= value < _HIGH)
    if t is dict:
        for k, v in value.items():
            if type(k) is not str or (type(v) is not str and not _plain(v)):
                return False
        return True
    if t is list:
        for v in value:  # noqa: SIM110 - a loop is faster than all() over a generator
            if type(v) is not str and not _plain(v):
                return False
        return True
    return False


def _separators(value: Any) -> int:
    """The commas and colons between the items of ``value`` as JSON; -1 when it is not plain.

    Plain is as :func:`_plain` says.
    """
    t = type(value)
    if t is str or t is bool or value is None:
        return 0
    if t is int:
        return 0 if _LOW <= value < _HIGH else -1
    if t is dict:
        n = 2 * len(value) - 1 if value else 0
        for k, v in value.items():
            if type(k) is not str:
                return -1
            if type(v) is not str:
                inner = _separators(v)
                if inner < 0:
                    return -1
                n += inner
        return n
    if t is list:
        n = len(value) - 1 if value else 0
        for v in value:
            if type(v) is not str:
                inner = _separators(v)
                if inner < 0:
                    return -1
                n += inner
        return n
    return -1


def _spaced(value: Any) -> bytes:
    """``json.dumps(value, ensure_ascii=False)`` in UTF-8 (separators ``", "`` and ``": "``).

    ``orjson`` writes the same JSON without the spaces; when its output has no comma or colon
    but those between items (none inside a text), adding the spaces gives the very same bytes.
    """
    n = _separators(value)
    if n >= 0:
        try:
            out = _dumps(value)
        except TypeError:  # e.g. a lone surrogate: the standard way says what is wrong
            out = b""
        if out and out.count(b",") + out.count(b":") == n:
            return out.replace(b",", b", ").replace(b":", b": ") if n else out
    return _LINE.encode(value).encode("utf-8")


def line(event: dict[str, Any]) -> bytes:
    """The journal line of an event: :func:`~s3engine.journal.event.encode_line`, made faster.

    Raises:
        TypeError, ValueError: As ``encode_line`` for values JSON cannot hold.
    """
    get = event.get
    seq, data = get("seq", _ABSENT), get("data", _ABSENT)
    auth, request = get("auth", _ABSENT), get("request", _ABSENT)
    texts = (get("time"), get("actor"), get("process"), get("type"), get("prev"), get("hash"))
    size = 8 + (auth is not _ABSENT) + (request is not _ABSENT)
    if (
        type(seq) is not int
        or len(event) != size
        or data is _ABSENT
        or _text_types != set(map(type, texts))
    ):
        return _any_line(event)  # not an event as s3flow builds it: the general way
    try:
        time, actor, process, type_, prev, hash_ = map(_dumps, texts)
    except TypeError:  # e.g. a lone surrogate: the standard way says what is wrong
        return encode_line(event)
    body = _spaced(data)
    if size == 8:
        return _PLAIN % (seq, time, actor, process, type_, body, prev, hash_)
    who = b"" if auth is _ABSENT else b', "auth": ' + _spaced(auth)
    req = b"" if request is _ABSENT else b', "request": ' + _spaced(request)
    return _FULL % (seq, time, actor, who, process, type_, body, req, prev, hash_)


def _any_line(event: dict[str, Any]) -> bytes:
    """:func:`line` of any dictionary (keys in ``LINE_ORDER``, others left out)."""
    parts = []
    get = event.get
    for key, head in _HEADS:
        value = get(key, _ABSENT)
        if value is _ABSENT:
            continue
        if type(value) is str:
            try:
                parts.append(head + _dumps(value))
            except TypeError:  # e.g. a lone surrogate: the standard way says what is wrong
                return encode_line(event)
        else:
            parts.append(head + _spaced(value))
    return b"{" + b", ".join(parts) + b"}\n"


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


def hash_and_line(ev: dict[str, Any]) -> tuple[str, bytes]:
    """The hash of a new event (no ``hash`` key yet) and its journal line with that hash.

    The same as :func:`new_hash` and then :func:`line`, walking the data once.

    Raises:
        TypeError, ValueError: As :func:`event_hash` for values JSON cannot hold.
    """
    get = ev.get
    seq, data, prev = get("seq"), get("data", _ABSENT), get("prev")
    auth, request = get("auth", _ABSENT), get("request", _ABSENT)
    texts = (get("time"), get("actor"), get("process"), get("type"), prev)
    size = 7 + (auth is not _ABSENT) + (request is not _ABSENT)
    seps = _separators(data) if type(data) is dict else -1
    if (
        seps < 0
        or type(seq) is not int
        or not _LOW <= seq < _HIGH
        or len(ev) != size
        or _text_types != set(map(type, texts))
        or (request is not _ABSENT and type(request) is not str)
        or (auth is not _ABSENT and _separators(auth) < 0)
    ):
        digest = new_hash(ev)
        return digest, line({**ev, "hash": digest})
    try:
        digest = _sha256(_dumps(ev, option=_SORTED)).hexdigest()
        # The five texts in one call: in orjson's ["..","..",..] the quote-comma-quote between
        # items cannot occur inside an item (a quote inside is always written \").
        parts = _dumps(texts)[2:-2].split(b'","')
        compact = _dumps(data)
    except TypeError:  # e.g. a lone surrogate: the standard way says what is wrong
        digest = event_hash(ev)
        return digest, line({**ev, "hash": digest})
    time, actor, process, type_, prev_ = parts
    if compact.count(b",") + compact.count(b":") == seps:
        body = compact.replace(b",", b", ").replace(b":", b": ") if seps else compact
    else:  # a comma or colon inside a text
        body = _LINE.encode(data).encode("utf-8")
    hash_ = digest.encode()
    if size == 7:
        return digest, _PLAIN_TEXTS % (seq, time, actor, process, type_, body, prev_, hash_)
    who = b"" if auth is _ABSENT else b', "auth": ' + _spaced(auth)
    req = b"" if request is _ABSENT else b', "request": ' + _dumps(request)
    return digest, _FULL_TEXTS % (seq, time, actor, who, process, type_, body, req, prev_, hash_)


def _slow_hash(ev: dict[str, Any]) -> str | None:
    """The standard hash, or None when the text cannot be encoded (e.g. an escaped surrogate)."""
    try:
        return event_hash(ev)
    except ValueError:
        return None
