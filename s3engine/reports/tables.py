"""The workspace's records as CSV tables, for spreadsheets and other tools.

``s3flow export --csv DIR`` writes one file per table; the journal view offers them as one zip.
Every file is UTF-8 with a byte-order mark (so spreadsheet programs recognise the encoding and show
Greek and Arabic text), comma-separated, every field quoted where needed (RFC 4180, Python's
``csv`` module), with a header row. The columns below are stable: new columns are only ever
added at the end. A list (e.g. responsibilities) is one cell with one item per line; a missing
value is an empty cell; dates are ``YYYY-MM-DD`` and times UTC ``YYYY-MM-DDTHH:MM:SS``.

A text a participant typed that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is written with a leading ``'`` so that no spreadsheet runs it as a formula (OWASP's advice
against CSV injection); :func:`unguard` removes it again.

Tables (file names ``<table>.csv``):

- ``agreements``: every agreement, also superseded and dropped ones.
- ``roles``: every role with its current (or last) keeper and term.
- ``domains``: every domain description, current version.
- ``backlog``: the drivers: from Navigate via Tension and from blocked MiTS actions.
- ``concerns``: the concerns recorded with agreements.

Allowed imports: standard library, s3engine.core.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

from s3engine.core.workspace import Workspace

Getter = Callable[[dict[str, Any]], Any]


def _key(name: str) -> Getter:
    return lambda row: row.get(name)


def _day(name: str) -> Getter:
    return lambda row: str(row.get(name) or "")[:10] or None


def _time(name: str) -> Getter:
    return lambda row: str(row.get(name) or "")[:19] or None


def _count(name: str) -> Getter:
    return lambda row: len(row.get(name) or [])


def _driver_text(row: dict[str, Any]) -> str:
    return str(
        row.get("driver")
        or " ".join(str(row[k]) for k in ("situation", "effect", "relevance") if row.get(k))
    )


#: Table name -> (column, how to get it from the query side's record), in file order.
COLUMNS: dict[str, tuple[tuple[str, Getter], ...]] = {
    "agreements": (
        ("id", _key("id")),
        ("title", _key("title")),
        ("status", _key("status")),
        ("version", _key("version")),
        ("agreed_on", _day("agreed_on")),
        ("review_date", _key("review_date")),
        ("driver", _key("driver")),
        ("requirement", _key("requirement")),
        ("agreement", _key("text")),
        ("responsibilities", _key("responsibilities")),
        ("evaluation_criteria", _key("evaluation_criteria")),
        ("facilitator", _key("facilitator")),
        ("participants", _key("participants")),
        ("proposers", _key("proposers")),
        ("patterns", _key("patterns")),
        ("domain", _key("domain")),
        ("cycle", _key("cycle")),
        ("supersedes", _key("supersedes")),
        ("superseded_by", _key("superseded_by")),
        ("objections", _count("objections")),
        ("concerns", _count("concerns")),
        ("deferred_objections", _count("deferred_objections")),
    ),
    "roles": (
        ("id", _key("id")),
        ("name", _key("name")),
        ("kind", _key("kind")),
        ("circle", _key("circle")),
        ("domain", _key("domain")),
        ("status", _key("status")),
        ("keeper", _key("keeper")),
        ("selected_on", _key("selected_on")),
        ("term_end", _key("term_end")),
        ("review_date", _key("review_date")),
        ("selection", _key("selection")),
        ("keepers_so_far", _count("holders")),
    ),
    "domains": (
        ("id", _key("id")),
        ("name", _key("name")),
        ("version", _key("version")),
        ("purpose", _key("purpose")),
        ("description", _key("description")),
        ("delegator", _key("delegator")),
        ("delegatees", _key("delegatees")),
        ("circle", _key("circle")),
        ("key_responsibilities", _key("key_responsibilities")),
        ("customers_and_deliverables", _key("customers_and_deliverables")),
        ("dependencies", _key("dependencies")),
        ("external_constraints", _key("external_constraints")),
        ("key_challenges", _key("key_challenges")),
        ("key_resources", _key("key_resources")),
        ("delegator_responsibilities", _key("delegator_responsibilities")),
        ("competencies", _key("competencies")),
        ("key_metrics", _key("key_metrics")),
        ("evaluation_schedule", _key("evaluation_schedule")),
        ("review_date", _key("review_date")),
        ("updated", _day("updated")),
        ("still_to_describe", _key("gaps")),
    ),
    "backlog": (
        ("id", _key("id")),
        ("status", _key("status")),
        ("driver", _driver_text),
        ("requirement", _key("requirement")),
        ("where", _key("where")),
        ("priority", _key("priority")),
        ("reported_by", _key("reported_by")),
        ("raised_on", lambda r: str(r.get("raised_on") or r.get("time") or "")[:10] or None),
        ("passed_to", _key("passed_to")),
        ("passed_on", _day("passed_on")),
        ("note", _key("note")),
        ("next_step", _key("next_step")),
        ("process", lambda r: r.get("process") or str(r.get("id") or "").split("/")[0]),
    ),
    "concerns": (
        ("id", _key("id")),
        ("agreement", _key("process")),
        ("title", _key("title")),
        ("by", _key("by")),
        ("concern", _key("text")),
        ("source", _key("source")),
        ("time", _time("time")),
    ),
}
#: The query-side table each CSV table is made from.
SOURCE = {"backlog": "drivers"}
TABLES = tuple(COLUMNS)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DIGITS = re.compile(r"(\d+)")


def cell(value: Any) -> str:
    """One value as CSV cell text (lists one item per line, nothing for None, guarded text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "\n".join(cell(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {cell(v)}" for k, v in value.items())
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def unguard(text: str) -> str:
    """Undo :func:`cell`'s formula guard on one cell read back from a CSV file."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def _natural(record: dict[str, Any]) -> list[str]:
    """Sort key: ids in natural order (consent-2 before consent-10).

    ``re.split`` with a group alternates text and digits, so parts compare position by position.
    """
    return [p.zfill(12) if p.isdigit() else p for p in _DIGITS.split(str(record["id"]))]


def rows(ws: Workspace, table: str) -> list[dict[str, str]]:
    """The rows of one CSV table (column -> cell text), in natural order of their ids."""
    records = sorted(ws.projection.all(SOURCE.get(table, table)), key=_natural)
    return [{name: cell(get(r)) for name, get in COLUMNS[table]} for r in records]


def to_csv(ws: Workspace, table: str) -> str:
    """One table as CSV text with its header row (no byte-order mark: see :func:`to_bytes`)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[c for c, _g in COLUMNS[table]], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows(ws, table))
    return buf.getvalue()


def to_bytes(ws: Workspace, table: str) -> bytes:
    """One table as the bytes of its file: UTF-8 with a byte-order mark."""
    return to_csv(ws, table).encode("utf-8-sig")


def every_table(ws: Workspace) -> dict[str, bytes]:
    """File name -> bytes for every table, made from the journal as it is now."""
    return {f"{t}.csv": to_bytes(ws, t) for t in TABLES}


def to_zip(ws: Workspace) -> bytes:
    """Every table's CSV file in one zip archive (for a single download)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in every_table(ws).items():
            zf.writestr(name, data)
    return buf.getvalue()
