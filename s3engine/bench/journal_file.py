"""Journal files for ``s3flow bench``: the bench's event line, and large valid journals quickly.

Allowed imports: standard library, ``orjson``, s3engine.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from s3engine.journal.event import GENESIS, encode_line, event_hash

#: ``(actor, process, type, data)`` of one journal event.
EventParts = tuple[str, str, str, dict[str, Any]]
NOTE = "x" * 118  # the bench line: 402 bytes, like a typical s3flow event


def tick_data() -> dict[str, Any]:
    """The data of the bench's own event (``bench.tick``)."""
    return {"note": NOTE}


def bench_line() -> bytes:
    """The journal line of one ``bench.tick`` event: what every system appends."""
    ev: dict[str, Any] = {
        "seq": 100_000,
        "time": "2026-01-01T00:00:00.000000Z",
        "actor": "bench",
        "process": "",
        "type": "bench.tick",
        "data": tick_data(),
        "prev": GENESIS,
    }
    ev["hash"] = event_hash(ev)
    return encode_line(ev)


def _events(
    n: int, make: Callable[[int], EventParts], seq: int, prev: str
) -> Iterator[tuple[bytes, str]]:
    for i in range(1, n + 1):
        actor, process, type_, data = make(i)
        ev: dict[str, Any] = {
            "seq": seq + i,
            "time": f"2026-01-01T00:00:00.{(seq + i) % 1000000:06d}Z",
            "actor": actor,
            "process": process,
            "type": type_,
            "data": data,
            "prev": prev,
        }
        # orjson gives the canonical bytes of this plain data (text and integers) ten times
        # faster; the first event of every batch is checked against the reference hash.
        prev = hashlib.sha256(orjson.dumps(ev, option=orjson.OPT_SORT_KEYS)).hexdigest()
        if i == 1 and prev != event_hash(ev):
            raise ValueError("bench events must hash the same with orjson")
        ev["hash"] = prev
        yield encode_line(ev), prev


def write_journal(
    path: Path,
    n: int,
    make: Callable[[int], EventParts] | None = None,
    after: tuple[int, int, str] = (0, 0, GENESIS),
) -> tuple[int, int, str]:
    """Write (or continue) a valid journal of ``n`` more events, fsynced once at the end.

    Args:
        path: The journal file (created, or continued when ``after`` is given).
        n: How many events.
        make: The parts of event ``i`` (from 1); default: the bench's ``bench.tick`` event.
        after: ``(offset, seq, hash)`` of the journal's head to continue from.

    Returns:
        The new head as ``(offset, seq, hash)``, for :meth:`Journal.start_at`.
    """
    size, seq, prev = after
    parts = make or (lambda _i: ("bench", "", "bench.tick", tick_data()))
    with open(path, "ab" if seq else "wb") as fh:
        chunk: list[bytes] = []
        last = prev
        for line, last in _events(n, parts, seq, prev):  # noqa: B007 - the head after the loop
            chunk.append(line)
            size += len(line)
            if len(chunk) >= 10_000:
                fh.write(b"".join(chunk))
                chunk = []
        fh.write(b"".join(chunk))
        fh.flush()
        os.fsync(fh.fileno())
    return size, seq + n, last if n else prev
