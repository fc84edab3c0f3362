"""What people take away: minutes in four formats, the CSV tables, the calendar, as files.

One place decides a file's name, media type and bytes, so the command line (``s3flow minutes``,
``export --csv``, ``calendar``) and the journal view's downloads hand out the same files.

Allowed imports: standard library, s3engine.core, s3engine.errors, s3engine.reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePath

from s3engine.core.workspace import Workspace
from s3engine.reports.extra import ExportError

#: Minutes formats by file suffix, with their media types.
MINUTES_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html",
    ".md": "text/markdown",
    ".ipynb": "application/x-ipynb+json",
}
CALENDAR_TYPE = "text/calendar"
ZIP_TYPE = "application/zip"
CSV_TYPE = "text/csv"


@dataclass(frozen=True)
class Download:
    """One file to hand out.

    Attributes:
        name: Its file name.
        media_type: Its MIME type.
        data: Its bytes.
        notes: What its reader should know (e.g. characters a PDF could not show).
    """

    name: str
    media_type: str
    data: bytes
    notes: tuple[str, ...] = ()


def check_day(text: str | None) -> str | None:
    """A meeting day as ``YYYY-MM-DD`` (None stays None: the whole journal).

    Raises:
        ExportError: ``text`` is not a date.
    """
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise ExportError(
            f"The day {text!r} is not a date.", "Give it as YYYY-MM-DD, e.g. 2027-03-14."
        ) from None


def minutes_suffix(name: str) -> str:
    """The minutes format a file name asks for (``.htm`` counts as ``.html``).

    Raises:
        ExportError: The name ends in no known suffix.
    """
    suffix = PurePath(name).suffix.lower()
    suffix = ".html" if suffix == ".htm" else suffix
    if suffix not in MINUTES_TYPES:
        raise ExportError(
            f"Minutes cannot be written as {suffix or 'a file without a suffix'} ({name}).",
            "End the file name in " + ", ".join(MINUTES_TYPES) + ".",
        )
    return suffix


def minutes(ws: Workspace, day: str | None, suffix: str) -> Download:
    """The minutes of ``day`` (None: the whole journal) in the format of ``suffix``.

    Raises:
        ExportError: Unknown format or day, or fonts missing for a PDF.
        MissingExtraError: A PDF is asked for and the ``exports`` extra is not installed.
    """
    from s3engine.reports import minutes as m

    day = check_day(day)
    suffix = minutes_suffix("x" + suffix)
    notes: tuple[str, ...] = ()
    if suffix == ".pdf":
        from s3engine.reports.minutes_pdf import render

        data, missing = render(ws, day)
        if missing:
            notes = (
                f"The PDF's fonts have no sign for {' '.join(missing)}: left out of the PDF "
                "(the other formats keep them).",
            )
    elif suffix == ".html":
        data = m.to_html(ws, day).encode("utf-8")
    elif suffix == ".md":
        data = m.to_markdown(ws, day).encode("utf-8")
    else:  # the notebook's last cell holds the checkpoint block
        import nbformat

        text: str = nbformat.writes(m.to_notebook(ws, day))  # type: ignore[no-untyped-call]
        data = text.encode("utf-8")
    return Download(f"minutes-{day or 'all'}{suffix}", MINUTES_TYPES[suffix], data, notes)


def tables(ws: Workspace) -> Download:
    """Every CSV table in one zip archive."""
    from s3engine.reports.tables import to_zip

    return Download("s3flow-tables.zip", ZIP_TYPE, to_zip(ws))


def calendar(ws: Workspace) -> Download:
    """The review dates and role-term ends as an iCalendar file.

    Raises:
        MissingExtraError: The ``exports`` extra is not installed.
    """
    from s3engine.reports.ics import to_ics

    return Download("s3flow-calendar.ics", CALENDAR_TYPE, to_ics(ws))
