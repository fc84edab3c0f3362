"""Rows: a pattern as plain data on the query side and in ``pattern.imported`` journal events.

Every entry of a workspace's pattern database is a row of the query-side table ``patterns`` (keyed
by the entry key); imported patterns are also rows of ``imported_patterns``. A row is the
pattern's fields, body and origin plus the layout version :data:`SCHEMA` and, for a shipped file,
its stamp, so a new program can take unchanged files from the table instead of parsing them.
Patterns read back from rows or events are checked against the schema again.

Allowed imports: standard library, ``s3engine.errors``, ``s3engine.patterns.model``,
``s3engine.patterns.schema``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from s3engine.errors import PatternError
from s3engine.patterns.model import FIELDS, Pattern
from s3engine.patterns.schema import make_pattern

#: Layout version of the rows written to the query side.
SCHEMA = 2

#: The structured fields a row holds (those :func:`shipped_from_row` reads back).
FIELD_KEYS = FIELDS


def row(p: Pattern, stamp: tuple[int, int]) -> dict[str, Any]:
    """The query-side row of one entry.

    Args:
        p: The entry.
        stamp: ``(mtime_ns, size)`` of a shipped pattern's file (ignored for imports).

    Returns:
        :meth:`Pattern.as_dict` plus ``schema`` and, for a shipped file, ``stamp``.
    """
    out = p.as_dict()
    out["schema"] = SCHEMA
    if p.origin == "shipped":
        out["stamp"] = [stamp[0], stamp[1]]
    return out


def shipped_from_row(data: dict[str, Any], source: str, path: str) -> Pattern:
    """Rebuild a shipped pattern from its row (checked against the schema again).

    Args:
        data: The row.
        source: How errors name the file.
        path: The pattern file (its name must match the id).

    Returns:
        The pattern, as parsing the file would give it.

    Raises:
        PatternError: The row breaks the schema.
        KeyError: The row has no body.
    """
    fields = {k: data[k] for k in FIELD_KEYS if k in data}
    if fields.get("source_url") is None:
        fields.pop("source_url", None)
    return make_pattern(fields, data["body"], source, stem=Path(path).stem, path=path)


def imported_from_row(data: dict[str, Any]) -> Pattern:
    """Rebuild an imported pattern from its row of ``imported_patterns``.

    Args:
        data: The row.

    Returns:
        The pattern, as its ``pattern.imported`` event gives it.

    Raises:
        PatternError: The row breaks the schema.
        KeyError: The row has no body.
    """
    kept = ("body", "provenance", "revision")
    return pattern_from_event(
        {
            "data": {k: v for k, v in data.items() if k in FIELD_KEYS or k in kept},
            "seq": data.get("seq"),
        }
    )


def pattern_from_event(event: dict[str, Any]) -> Pattern:
    """Rebuild the imported pattern an event holds (checked against the schema again).

    Args:
        event: A ``pattern.imported`` event (``data`` holds the fields, ``body``, ``provenance``,
            ``revision`` and ``conflicts``).

    Returns:
        The imported pattern.

    Raises:
        PatternError: The event data breaks the schema or the revision is not a whole number
            from 1.
        KeyError: The event has no data or no body.
    """
    data = dict(event["data"])
    body = data.pop("body")
    provenance = data.pop("provenance", None)
    revision = data.pop("revision", 1)
    data.pop("conflicts", None)
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        raise PatternError(
            f"journal event {event.get('seq')}",
            "revision",
            f"{revision!r} is not a revision",
            "a whole number from 1",
        )
    return make_pattern(
        data,
        body,
        f"journal event {event.get('seq')}",
        origin="imported",
        revision=revision,
        provenance=provenance if isinstance(provenance, dict) else None,
    )
