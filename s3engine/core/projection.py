"""The query side: TinyDB tables derived from the journal, never the authority.

Every applied event updates plain in-memory tables (dicts keyed by record id), which is cheap. The
tables are materialised into TinyDB files under ``<workspace>/query/`` (one file per table, so a
write only rewrites the table that changed) when :meth:`Projection.flush` runs: at the end of a CLI
command, after interactive actions (throttled), on close, and by ``s3flow rebuild``. TinyDB's
default storage rewrites the whole file on every insert, so it is never used per event. Files are
written to a temporary name and moved into place, so a crash never leaves a half-written table.
``meta.json`` records the journal head (seq and hash) the tables reflect.

Allowed imports: standard library, ``tinydb``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tinydb import Storage, TinyDB

TABLES = (
    "processes",
    "agreements",
    "proposals",
    "concerns",
    "objections",
    "drivers",
    "roles",
    "role_assignments",
    "domains",
    "reviews",
    "cycles",
    "actions",
    "evaluations",
    "patterns_used",
    "imported_patterns",
    "settings",
)


class AtomicJSONStorage(Storage):
    """TinyDB storage that reads the whole file and writes via temp file + ``os.replace``."""

    def __init__(self, path: str, create_dirs: bool = True, **_: Any) -> None:
        self.path = Path(path)
        if create_dirs:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def read(self) -> dict[str, Any] | None:
        """Return the whole stored document, or None when the file is missing or empty."""
        try:
            with open(self.path, encoding="utf-8") as fh:
                text = fh.read()
        except FileNotFoundError:
            return None
        return json.loads(text) if text.strip() else None

    def write(self, data: dict[str, Any]) -> None:
        """Replace the file with ``data`` as JSON, atomically."""
        atomic_write(self.path, json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1))

    def close(self) -> None:
        """Do nothing: no file is held open between reads and writes."""


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Projection:
    """In-memory tables, materialised to TinyDB files on flush.

    Args:
        folder: ``<workspace>/query``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.tables: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in TABLES}
        self.dirty: set[str] = set()
        self.head: tuple[int, str] = (0, "")

    def put(self, table: str, key: str, doc: dict[str, Any]) -> None:
        """Insert or replace one record."""
        self.tables.setdefault(table, {})[key] = doc
        self.dirty.add(table)

    def delete(self, table: str, key: str) -> None:
        """Remove one record if present."""
        if self.tables.get(table, {}).pop(key, None) is not None:
            self.dirty.add(table)

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        """One record or None."""
        return self.tables.get(table, {}).get(key)

    def all(self, table: str) -> list[dict[str, Any]]:
        """Every record of a table, in insertion order."""
        return list(self.tables.get(table, {}).values())

    def flush(self, head: tuple[int, str], everything: bool = False) -> int:
        """Write the changed tables to TinyDB files.

        Args:
            head: The journal head (seq, hash) the tables reflect, recorded in ``meta.json``.
            everything: Write every table, changed or not.

        Returns:
            How many tables were written.
        """
        names: Iterable[str] = self.tables if everything else sorted(self.dirty)
        count = 0
        for name in names:
            db = TinyDB(str(self.folder / f"{name}.json"), storage=AtomicJSONStorage)
            docs = self.tables[name]
            # One storage write per table: TinyDB's own insert_multiple would read-modify-write.
            db.storage.write({name: {str(i): doc for i, doc in enumerate(docs.values(), 1)}})
            db.close()
            count += 1
        self.dirty.clear()
        self.head = head
        atomic_write(
            self.folder / "meta.json", json.dumps({"seq": head[0], "hash": head[1]}, indent=1)
        )
        return count

    def open_table(self, name: str) -> Any:
        """A TinyDB table over the materialised file, for queries by front ends and the CLI."""
        db = TinyDB(str(self.folder / f"{name}.json"), storage=AtomicJSONStorage)
        return db.table(name)

    def wipe(self) -> None:
        """Delete the materialised files (``s3flow rebuild`` then writes them anew)."""
        shutil.rmtree(self.folder, ignore_errors=True)
