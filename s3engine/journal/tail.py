"""The tail of a file journal: the lines after what was read, checked one by one.

:func:`blocks` reads a long tail that ends with a complete line in blocks of whole lines, so only
one block is in memory at a time; :func:`parse` checks every line: valid JSON, the next ``seq``,
linked to the previous hash, the expected keys, and its hash recomputed (:mod:`.codec`). Nothing
is applied or shown unless it passes: verified reads.

Allowed imports: standard library, ``orjson``, ``s3engine.journal``, ``s3engine.errors``.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from s3engine.errors import CorruptJournalError
from s3engine.journal import codec
from s3engine.journal.event import shape_problem


def blocks(path: Path, offset: int, block: int, end: int | None = None) -> Iterator[bytes] | None:
    """The bytes after ``offset`` as blocks of whole lines, or None to read them at once.

    None when the file is short, cannot be opened, or does not end with a newline (a write in
    progress or a torn tail: the caller looks at it whole, under the lock if needed).

    Args:
        path: The journal file.
        offset: Where the unread tail starts.
        block: About how many bytes to read at a time.
        end: Read up to this byte offset (default: the file's size when opened).

    Returns:
        An iterator of blocks, each ending with a newline; reading raises ``OSError``.
    """
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below or by the generator
    except OSError:
        return None  # the ordinary read reports what is wrong
    try:
        st = os.fstat(fh.fileno())
        size = st.st_size if end is None else min(end, st.st_size)
        complete = False
        if stat.S_ISREG(st.st_mode) and size - offset >= 2 * block:
            fh.seek(size - 1)
            complete = fh.read(1) == b"\n"
    except OSError:
        complete = False
    if not complete:
        fh.close()
        return None

    def read() -> Iterator[bytes]:
        with fh:
            fh.seek(offset)
            left, carry = size - offset, b""
            while left > 0:
                chunk = fh.read(min(block, left))
                if not chunk:
                    break
                left -= len(chunk)
                chunk = carry + chunk
                cut = chunk.rfind(b"\n") + 1
                carry = chunk[cut:]
                yield chunk[:cut]
            if carry:
                yield carry

    return read()


def parse(
    data: bytes | Iterator[bytes], seq: int, prev: str
) -> tuple[list[dict[str, Any]], int, int, str]:
    """Check and decode the lines following event ``seq`` (hash ``prev``).

    Args:
        data: The tail, whole or in blocks of whole lines.
        seq: The seq of the last event read before.
        prev: Its hash.

    Returns:
        ``(events, bytes read, last seq, last hash)``.

    Raises:
        CorruptJournalError: A line is not valid JSON, does not continue the chain, or does not
            match its hash; nothing of the tail is returned then.
    """
    events: list[dict[str, Any]] = []
    pos = 0
    for ev, size in stream(data, seq, prev):
        events.append(ev)
        pos += size
        seq, prev = ev["seq"], ev["hash"]
    return events, pos, seq, prev


def stream(
    data: bytes | Iterator[bytes], seq: int, prev: str, hashes: bool = True
) -> Iterator[tuple[dict[str, Any], int]]:
    """Check and decode the lines following event ``seq`` one by one: ``(event, line length)``.

    Each event is yielded only once it passed every check; a bad line raises where it is.

    Args:
        data: The tail, whole or in blocks of whole lines.
        seq: The seq of the last event read before.
        prev: Its hash.
        hashes: Recompute every hash here; False when a :mod:`.hash_worker` checks them at the
            same time (the caller then must not trust the events before the worker's verdict).

    Raises:
        CorruptJournalError: A line is not valid JSON, does not continue the chain, or does not
            match its hash (the events before it were yielded).
    """
    lines = (
        data.splitlines(keepends=True)
        if isinstance(data, bytes)
        else (raw for part in data for raw in part.splitlines(keepends=True))
    )
    read = codec.checked if hashes else codec.decode
    fast = orjson.loads
    hash_ok = True
    for raw in lines:
        try:
            if hashes:
                ev, hash_ok = read(raw)
            else:
                try:
                    ev = fast(raw)
                except orjson.JSONDecodeError:
                    ev = read(raw)[0]  # the standard decoder decides (and says what is wrong)
        except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError for non-UTF-8
            why = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
            raise CorruptJournalError(seq + 1, f"line is not valid JSON ({why})") from exc
        if type(ev) is not dict or ev.get("seq") != seq + 1:
            raise CorruptJournalError(
                seq + 1,
                f"expected seq {seq + 1}, found {ev.get('seq') if isinstance(ev, dict) else '?'}",
            )
        if ev.get("prev") != prev:
            raise CorruptJournalError(seq + 1, "it does not link to the previous event's hash")
        problem = shape_problem(ev)
        if problem:
            raise CorruptJournalError(seq + 1, problem)
        if hashes and not hash_ok:
            raise CorruptJournalError(
                seq + 1, "its content does not match its hash (the event was changed)"
            )
        seq, prev = ev["seq"], ev["hash"]
        yield ev, len(raw)
