"""The importer: an export read without trust, checked completely, then put in place at once.

``s3flow export`` writes as its first line ``{"s3flow_export": 1, "checkpoint": "<note>"}`` (the
note signed by the workspace key; without it when the key is not available), then the journal's
lines. :func:`import_export` reads such a file (or a bare journal), verifies its chain and replays
every event through the rules (:mod:`s3engine.core.revalidation`), compares it with the embedded
checkpoint, and only then puts the journal into the destination: a folder that must be empty, or
hold this very journal already (then nothing is done). The checking and building happen in a work
folder beside the destination (``.<name>.s3flow-import-<pid>-<random>``, removed afterwards, and
by the next import if the process was killed); the journal is written there, fsynced and moved into
place with one ``os.replace``, so a kill at any moment leaves either no journal or all of it. The
destination is untouched when anything is refused.

Allowed imports: standard library, s3engine.core, s3engine.journal, s3engine.errors.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3engine.core import trust
from s3engine.core.registry import Registry
from s3engine.core.revalidation import Check, ImportRefused, StartFields, check_journal
from s3engine.errors import WorkspaceError
from s3engine.journal.file_store import Journal
from s3engine.journal.pg_store import PgJournal, PgTarget

HEADER_KEY = "s3flow_export"
EXPORT_VERSION = 1


@dataclass(frozen=True)
class ExportFile:
    """An export as read from its file (nothing checked but its lines).

    Attributes:
        name: The file's name (for messages).
        journal: The journal lines, exactly as in the file.
        checkpoint: The embedded checkpoint note, None when the file carries none.
        events: Number of journal lines.
    """

    name: str
    journal: bytes
    checkpoint: str | None
    events: int


def read_export(path: Path) -> ExportFile:
    """Read an export (or a bare journal file) without trusting it.

    Raises:
        ImportRefused: The file is missing, empty, not JSON Lines or an export of an unknown kind.
    """
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportRefused(name, None, f"the file cannot be read ({exc.strerror})") from exc
    if not raw.strip():
        raise ImportRefused(name, None, "the file is empty")
    lines = raw.splitlines(keepends=True)
    note: str | None = None
    first = _json_line(name, lines[0], 1)
    skip = 0
    if isinstance(first, dict) and HEADER_KEY in first:
        if first[HEADER_KEY] != EXPORT_VERSION:
            raise ImportRefused(
                name, None, f"it is an export of version {first[HEADER_KEY]!r}, unknown here"
            )
        cp = first.get("checkpoint")
        if cp is not None and not isinstance(cp, str):
            raise ImportRefused(name, None, "the checkpoint of its first line is not a text")
        note, skip = cp, 1
    for n, line in enumerate(lines[skip:], start=skip + 1):
        if line.endswith(b"\n"):
            _json_line(name, line, n)
    journal = b"".join(lines[skip:])
    if not journal:
        raise ImportRefused(name, None, "the export holds no events")
    return ExportFile(name, journal, note, len(lines) - skip)


def _json_line(name: str, line: bytes, n: int) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        raise ImportRefused(
            name, None, f"line {n} is not JSON: the file is not a JSON Lines journal"
        ) from None


# --- putting it into the destination ------------------------------------------------------------

#: Names in a destination folder that do not make it a workspace (a lock, a killed import's file).
_HARMLESS = ("journal.jsonl.lock",)
_PART = ".journal.jsonl.s3flow-import-"
_STAGE = ".s3flow-import-"
_EMPTY = "Nothing was imported; import into a new, empty folder (--workspace DIR)."


@dataclass(frozen=True)
class ImportReport:
    """What ``s3flow import`` did.

    Attributes:
        events: Events of the journal.
        already: The destination held this very journal already: nothing was done.
        checkpoint: The embedded checkpoint compared with the imported journal (None: none).
    """

    events: int
    already: bool
    checkpoint: trust.TrustReport | None


def _hashes(data: bytes) -> list[Any]:
    out = []
    for line in data.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            return []
        out.append(ev.get("hash") if isinstance(ev, dict) else None)
    return out


def _destination(dest: Path, export: ExportFile) -> bool:
    """Whether ``dest`` holds this journal already (True) or nothing at all (False).

    Raises:
        ImportRefused: ``dest`` is a file, or a folder holding another journal or other files.
    """
    if not dest.exists():
        return False
    if not dest.is_dir():
        raise ImportRefused(
            export.name, None, f"{dest} is a file, not a workspace folder", hint=_EMPTY
        )
    journal = dest / "journal.jsonl"
    if journal.is_file() and journal.stat().st_size:
        mine = Journal(journal).verify()
        theirs = _hashes(export.journal)
        if mine.ok and _hashes(journal.read_bytes()) == theirs and theirs:
            return True
        raise ImportRefused(
            export.name,
            None,
            f"the workspace {dest} already has a journal ({mine.events} events) that is not this "
            "one; an import only fills an empty workspace folder",
            hint=_EMPTY,
        )
    other = sorted(
        p.name
        for p in dest.iterdir()
        if p.name not in (*_HARMLESS, "journal.jsonl") and not p.name.startswith(_PART)
    )
    if other:
        raise ImportRefused(
            export.name,
            None,
            f"the folder {dest} is not empty (it holds {', '.join(other[:5])}); an import only "
            "fills an empty workspace folder",
            hint=_EMPTY,
        )
    return False


def _durable(path: Path, data: bytes) -> None:
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _sweep(folder: Path, prefix: str) -> None:
    """Remove what imports killed midway left behind (their process is gone)."""
    with contextlib.suppress(OSError):
        for p in folder.iterdir():
            pid = p.name[len(prefix) :].split("-", 1)[0] if p.name.startswith(prefix) else ""
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(p) if p.is_dir() else p.unlink()


def _work_folder(dest: Path) -> Path | None:
    """A new folder beside ``dest`` to check and build in (None when the parent is not writable).

    What imports killed midway left there is removed first (their process is gone).
    """
    prefix = f".{dest.name}{_STAGE}"
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        _sweep(dest.parent, prefix)
        work = dest.parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
        work.mkdir()
    except OSError:
        return None
    return work


def place(dest: Path, journal: bytes, work: Path | None) -> None:
    """Put ``journal`` into the empty workspace folder ``dest`` all at once.

    The journal is written to a temporary name, fsynced and moved into place with one
    ``os.replace``: when ``dest`` does not exist yet (or is empty) a whole folder is built in
    ``work`` (beside ``dest``) and renamed; otherwise the file is renamed into it. A kill at any
    moment leaves either no journal or the whole journal.

    Raises:
        WorkspaceError: The folder cannot be written, or something appeared in it meanwhile.
    """
    try:
        if work is not None and (not dest.exists() or not any(dest.iterdir())):
            built = work / "workspace"
            built.mkdir()
            _durable(built / "journal.jsonl", journal)
            _fsync_dir(built)
            try:
                os.replace(built, dest)
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
                raise WorkspaceError(
                    f"Another program put files into {dest} meanwhile. Nothing was imported.",
                    "Import into a new, empty folder (--workspace DIR).",
                ) from exc
            _fsync_dir(dest.parent)
            return
        _sweep(dest, _PART)
        part = dest / f"{_PART}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            _durable(part, journal)
            os.replace(part, dest / "journal.jsonl")
        finally:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
        _fsync_dir(dest)
    except OSError as exc:
        raise WorkspaceError(
            f"Cannot write the workspace {dest}: {exc.strerror}. Nothing was imported.",
            "Import into a new folder you can write to (--workspace DIR).",
        ) from exc


def _pg_destination(dest: PgTarget, export: ExportFile) -> bool:
    """Whether the PostgreSQL workspace holds this journal already (True) or nothing (False).

    Raises:
        ImportRefused: It holds another journal.
    """
    journal = PgJournal(dest)
    try:
        if journal.head_row()[0] == 0:
            return False
        mine = journal.verify()
        theirs = _hashes(export.journal)
        if mine.ok and _hashes(journal.export_bytes()) == theirs and theirs:
            return True
    finally:
        journal.close()
    raise ImportRefused(
        export.name,
        None,
        f"the workspace {dest} already has a journal ({mine.events} events) that is not this one; "
        "an import only fills an empty workspace",
        hint="Nothing was imported; import into a new workspace (another ?workspace= name).",
    )


def import_export(
    path: Path,
    dest: Path | PgTarget,
    checks: Mapping[str, Check],
    registry: Registry | None = None,
    start_fields: Mapping[str, StartFields] | None = None,
) -> ImportReport:
    """Check an export completely, then put its journal into an empty workspace folder.

    Args:
        path: The export (or a bare journal file).
        dest: The workspace folder (or PostgreSQL workspace): missing, empty, or holding this
            very journal (then nothing is done).
        checks: Checks of the registry's handler events, by event type.
        registry: The process kinds and handlers (default: those installed).
        start_fields: Per process kind, further start fields to try for recorded start data.

    Returns:
        What was done, with the embedded checkpoint's verdict.

    Raises:
        ImportRefused: The file, an event or the embedded checkpoint is refused; nothing changed.
        WorkspaceError: The destination cannot be written; nothing changed.
    """
    export = read_export(path)
    if isinstance(dest, PgTarget):
        already = _pg_destination(dest, export)
    else:
        dest = dest.absolute()
        already = _destination(dest, export)
    if already:
        if isinstance(dest, Path):  # an import killed after placing the journal left its folder
            _sweep(dest.parent, f".{dest.name}{_STAGE}")
        rep = trust.verify_against(dest, export.checkpoint) if export.checkpoint else None
        if rep is not None and not rep.ok:
            why = rep.problems[0]
            raise ImportRefused(export.name, None, f"its checkpoint does not vouch for it: {why}")
        return ImportReport(export.events, True, rep)
    work = None if isinstance(dest, PgTarget) else _work_folder(dest)
    try:
        with contextlib.ExitStack() as stack:
            scratch = work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="s3f-")))
            events = check_journal(
                export.name, export.journal, checks, registry, start_fields, scratch / "check"
            )
            if export.checkpoint is not None:
                (scratch / "vouched").mkdir()
                (scratch / "vouched" / "journal.jsonl").write_bytes(export.journal)
                first = trust.verify_against(scratch / "vouched", export.checkpoint)
                if not first.ok:
                    why = first.problems[0]
                    raise ImportRefused(
                        export.name, None, f"its checkpoint does not vouch for it: {why}"
                    )
            if isinstance(dest, PgTarget):
                target = PgJournal(dest)
                try:
                    target.load(export.journal)  # one transaction: all events or none
                finally:
                    target.close()
            else:
                place(dest, export.journal, work)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    rep = trust.verify_against(dest, export.checkpoint) if export.checkpoint else None
    return ImportReport(events, False, rep)
