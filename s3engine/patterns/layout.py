"""The layout of a pattern notebook, shared by export and import.

A pattern notebook (nbformat 4.5) holds a title cell and one Markdown cell per pattern: the name as
a heading, the summary, then the body. The structured fields sit in the cell metadata under
``s3flow`` and the provenance (community, author, date, version, s3flow version) in the notebook
metadata under ``s3flow``, with ``format`` set to :data:`NB_FORMAT`. Cell ids are derived from the
pattern id and the cell position, so the same export gives the same file.

Allowed imports: standard library.
"""

from __future__ import annotations

from typing import Any

#: ``format`` of the notebook metadata ``s3flow``: marks a pattern notebook.
NB_FORMAT = "s3flow-patterns"
NB_FORMAT_VERSION = 1
#: Provenance keys of the notebook metadata, kept (as one-line texts) for imported patterns.
PROVENANCE_KEYS = ("community", "author", "date", "version", "s3flow_version")


def cell_id(pattern_id: str, position: int) -> str:
    """The deterministic id of the cell at ``position`` holding ``pattern_id`` (nbformat 4.5).

    Args:
        pattern_id: The pattern id (cut to 56 characters).
        position: The cell's position in the notebook.

    Returns:
        ``<id>-<position>``.
    """
    return f"{pattern_id[:56]}-{position}"


def cell_header(name: str, summary: str) -> str:
    """The Markdown written before a pattern's body in its cell.

    Args:
        name: The pattern name (a heading).
        summary: The summary line (in italics).

    Returns:
        The header, ending in a blank line.
    """
    return f"## {name}\n\n*{summary}*\n\n"


def body_from_cell(source: Any, fields: dict[str, Any]) -> Any:
    """The pattern body: the cell text without the heading and summary lines export writes.

    Args:
        source: The cell source (anything but a string is returned as it is, for the schema).
        fields: The cell's structured fields (``name`` and ``summary`` give the header).

    Returns:
        The body: the text after the header export writes, else after a first ``## `` heading
        line, else the whole text.
    """
    if not isinstance(source, str):
        return source
    header = cell_header(str(fields.get("name", "")), str(fields.get("summary", "")))
    if source.startswith(header):
        return source[len(header) :]
    if source.startswith("## "):
        rest = source.split("\n", 1)[1] if "\n" in source else ""
        return rest.lstrip("\n")
    return source
