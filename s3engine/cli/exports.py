"""``s3flow minutes``, ``s3flow calendar`` and ``s3flow export --csv``: files for people.

``minutes [--day DATE] -o FILE`` writes the minutes as ``.pdf``, ``.html``, ``.md`` or ``.ipynb``
(by the file's suffix), each holding the signed checkpoint of the journal now; ``calendar -o
FILE.ics`` every review date and role-term end; ``export --csv DIR`` one CSV file per table
(:mod:`s3engine.reports.tables` documents the columns). Files are made in memory and then moved
into place, so a wrong day, suffix or folder writes nothing. Registered through
``s3engine.cli.main.PLUGINS``.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path
from typing import Any

from s3engine.reports.extra import ExportError


def _ws(args: argparse.Namespace) -> Any:
    from s3engine.core.workspace import Workspace

    return Workspace.open(args.workspace, create=False)


def _target(name: str) -> Path:
    """Where a file will go, checked before anything is made.

    Raises:
        ExportError: The place is a folder, or its folder does not exist.
    """
    path = Path(name)
    if path.is_dir():
        raise ExportError(f"{path} is a folder.", "Give a file name, e.g. minutes.pdf.")
    if not path.parent.is_dir():
        what = "is a file, not a folder" if path.parent.exists() else "does not exist"
        raise ExportError(
            f"Cannot write {path}: {path.parent} {what}.", "Choose a folder that exists."
        )
    return path


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file moved into place.

    Raises:
        ExportError: The file cannot be written (nothing is left behind).
    """
    tmp = path.with_name(f".{path.name}.part")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise ExportError(
            f"Cannot write {path}: {exc.strerror or exc}.", "Choose a place you can write to."
        ) from None


def cmd_minutes(args: argparse.Namespace) -> int:
    """Write the minutes of a day (or of the whole journal) in the format of the file's suffix."""
    from s3engine.reports import download
    from s3engine.reports.minutes import collect

    day = download.check_day(args.day)
    suffix = download.minutes_suffix(args.output)
    path = _target(args.output)
    ws = _ws(args)
    made = download.minutes(ws, day, suffix)
    write_file(path, made.data)
    events = collect(ws, day)["events"]
    print(f"Wrote the minutes of {day or 'the whole journal'} ({events} events) to {path}.")
    for note in made.notes:
        print(f"Note: {note}")
    if day and not events:
        print(f"Nothing was recorded on {day}: the minutes say so.")
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    """Write every review date and role-term end as an iCalendar file."""
    from s3engine.reports import download
    from s3engine.reports.ics import items

    if not args.output.lower().endswith(".ics"):
        raise ExportError(
            f"A calendar is written as an .ics file, not {args.output}.",
            "End the file name in .ics, e.g. reviews.ics.",
        )
    path = _target(args.output)
    ws = _ws(args)
    made = download.calendar(ws)
    write_file(path, made.data)
    print(f"Wrote {len(items(ws))} calendar entries (review dates, role-term ends) to {path}.")
    print("Import the file into your calendar program; importing a newer one updates them.")
    return 0


def cmd_export_csv(args: argparse.Namespace) -> int:
    """Write one CSV file per table (agreements, roles, domains, backlog, concerns) into DIR."""
    from s3engine.reports.tables import every_table, rows

    folder = Path(args.csv)
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} is a file, not a folder.", "Give a folder for the tables.")
    if not folder.parent.is_dir():
        what = "is a file, not a folder" if folder.parent.exists() else "does not exist"
        raise ExportError(
            f"Cannot write into {folder}: {folder.parent} {what}.", "Choose a folder that exists."
        )
    ws = _ws(args)
    files = every_table(ws)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"Cannot create the folder {folder}: {exc.strerror}.",
            "Choose a place you can write to.",
        ) from None
    for name, data in files.items():
        write_file(folder / name, data)
    for name in files:
        print(f"{folder / name}: {len(rows(ws, name.removesuffix('.csv')))} rows")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``minutes`` and ``calendar`` (``export --csv`` is added by ``s3engine.cli.transfer``)."""
    p = sub.add_parser(
        "minutes", parents=[common], help="write the minutes as .pdf, .html, .md or .ipynb"
    )
    p.add_argument("--day", metavar="DATE", help="only this day (YYYY-MM-DD); default: everything")
    p.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="minutes.pdf, .html, .md or .ipynb"
    )
    p.set_defaults(func=cmd_minutes)
    p = sub.add_parser(
        "calendar", parents=[common], help="write review dates and role-term ends as .ics"
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE.ics")
    p.set_defaults(func=cmd_calendar)
