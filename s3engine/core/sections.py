"""Sections: the parts of a snapshot, each checked against its digest and read when first needed.

A snapshot's body is a row of sections; its manifest gives each one's place, SHA-256 digest and
encoding:

* ``json`` — one JSON document (the ``core`` section: head, settings, key record, request ids);
* ``zjson`` — one JSON document compressed with zlib (the ``processes``: the largest section, and
  read only when a process object is first needed);
* ``rows`` — a query-side table as JSON Lines, one ``[key, record]`` per line, so that single
  records can be read without reading the table;
* ``index`` — for a table whose records have a ``review_date``: ``[review_date, status, key,
  offset, length]`` per record, sorted by date and key, so "due before" reads only the records
  due (:meth:`Sections.due`).

Every section's bytes are checked against the manifest's digest when the snapshot is opened (the
manifest itself is signed), so a damaged or altered section makes the whole snapshot unused.

Allowed imports: standard library, ``orjson``.
"""

from __future__ import annotations

import bisect
import hashlib
import zlib
from collections.abc import Iterable
from typing import Any

import orjson

#: Tables indexed by review date.
DATED = ("agreements",)
_SORTED = orjson.OPT_SORT_KEYS


def encode(parts: Iterable[tuple[str, str, Any]]) -> tuple[dict[str, list[Any]], bytes]:
    """Encode ``(name, encoding, value)`` parts; returns the manifest's places and the body.

    A ``rows`` part's value is a table (``{key: record}``); for a dated table an ``index``
    section ``index:<table>`` follows it.

    Raises:
        TypeError: A value JSON cannot hold.
    """
    places: dict[str, list[Any]] = {}
    chunks: list[bytes] = []
    at = 0

    def add(name: str, encoding: str, chunk: bytes) -> None:
        nonlocal at
        places[name] = [at, len(chunk), hashlib.sha256(chunk).hexdigest(), encoding]
        chunks.append(chunk)
        at += len(chunk)

    for name, encoding, value in parts:
        if encoding == "rows":
            lines, index, pos = [], [], 0
            table = name.partition(":")[2]
            for key, row in value.items():
                line = orjson.dumps([key, row], option=_SORTED) + b"\n"
                if table in DATED and isinstance(row, dict):
                    index.append([str(row.get("review_date", "")), row.get("status"), key])
                    index[-1] += [pos, len(line)]
                lines.append(line)
                pos += len(line)
            add(name, "rows", b"".join(lines))
            if table in DATED:
                index.sort(key=lambda r: (r[0], r[2]))
                add(f"index:{table}", "index", orjson.dumps(index))
        elif encoding == "zjson":
            add(name, encoding, zlib.compress(orjson.dumps(value, option=_SORTED), 1))
        else:
            add(name, "json", orjson.dumps(value, option=_SORTED))
    return places, b"".join(chunks)


class Sections:
    """A snapshot body whose sections are decoded when first read.

    Args:
        body: The sections' bytes (kept until every section was read).
        places: The manifest's ``name -> [offset, length, digest, encoding]``.
    """

    def __init__(self, body: bytes | memoryview, places: dict[str, Any]) -> None:
        self.body: memoryview | None = memoryview(body)
        self.places = dict(places)
        self.unread = set(self.places)

    def verified(self) -> bool:
        """Whether every section's bytes match the digest the manifest gives for it."""
        assert self.body is not None
        for at, length, digest, encoding in self.places.values():
            chunk = self.body[at : at + length]
            if len(chunk) != length or encoding not in ("json", "zjson", "rows", "index"):
                return False
            if hashlib.sha256(chunk).hexdigest() != digest:
                return False
        return True

    def names(self, prefix: str) -> list[str]:
        """The sections whose names start with ``prefix``."""
        return [n for n in self.places if n.startswith(prefix)]

    def _bytes(self, name: str) -> memoryview:
        assert self.body is not None, "every section was read already"
        at, length, _digest, _encoding = self.places[name]
        return self.body[at : at + length]

    def read(self, name: str) -> Any:
        """Section ``name`` decoded (then its bytes are let go once nothing is unread)."""
        chunk = self._bytes(name)
        encoding = self.places[name][3]
        if encoding == "zjson":
            value: Any = orjson.loads(zlib.decompress(chunk))
        elif encoding == "rows":
            value = dict(map(orjson.loads, bytes(chunk).splitlines()))
        else:
            value = orjson.loads(chunk)
        self._done(name)
        return value

    def due(self, table: str, before: str, status: str | None) -> list[dict[str, Any]] | None:
        """The records of ``table`` with a review date before ``before`` (and ``status``).

        Only those records are decoded, in the order of date and key. None when the table has
        no index or was read already.
        """
        name = f"index:{table}"
        if name not in self.unread or f"table:{table}" not in self.unread:
            return None
        index = orjson.loads(self._bytes(name))
        rows = self._bytes(f"table:{table}")
        out = []
        for _date, state, _key, at, length in index[: bisect.bisect_left(index, [before])]:
            if status is None or state == status:
                out.append(orjson.loads(rows[at : at + length])[1])
        return out

    def _done(self, name: str) -> None:
        self.unread.discard(name)
        if name.startswith("table:"):
            self.unread.discard(f"index:{name[6:]}")
        if not self.unread:
            self.body = None
