"""The query side: TinyDB tables derived from the journal, never the authority.

Every applied event updates plain in-memory tables (dicts keyed by record id), which is cheap. The
tables are materialised into TinyDB files under ``<workspace>/query/`` (one file per table, so a
write only rewrites the table that changed) when :meth:`Projection.flush` runs: at the end of a CLI
command, after interactive actions (throttled), on close, and by ``s3flow rebuild``. TinyDB's
default storage rewrites the whole file on every insert, so it is never used per event. Files are
written to a temporary name and moved into place, so a crash never leaves a half-written table.
``meta.json`` records the journal head (seq and hash) the tables reflect. When a flush fails (disk
full, read-only folder) the tables stay marked as changed and are written at the next flush;
until then :meth:`Projection.open_table` answers queries from memory, so they are never stale.
Inside :func:`best_effort` (the CLI's commands other than ``rebuild``) a failed flush only warns
with a :class:`~s3engine.errors.DerivedStateWarning` instead of raising.

Allowed imports: standard library, ``tinydb``, ``orjson``, ``s3engine.errors``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import orjson

from s3engine.errors import DerivedStateWarning, FileWriteError, S3Error

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
REBUILT = "they will be rebuilt from the journal at the next flush or by `s3flow rebuild`"
_BEST_EFFORT: ContextVar[bool] = ContextVar("best_effort", default=False)


@functools.cache
def storage_class() -> type[Any]:
    """TinyDB's storage for the table files (TinyDB is imported only when a table is opened)."""
    from tinydb import Storage

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
            atomic_write(self.path, encode(data))

        def close(self) -> None:
            """Do nothing: no file is held open between reads and writes."""

    return AtomicJSONStorage


def encode(data: Any) -> bytes:
    """A table file's bytes: JSON with sorted keys, indented.

    ``orjson`` writes them; ``json`` writes values only it encodes (integers beyond 64 bits).
    """
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)
    except TypeError:
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


def _write_if_changed(path: Path, data: Any) -> bool:
    """Write ``data`` to ``path`` (atomically) unless the file holds exactly its bytes already.

    Returns:
        True when the file was written.
    """
    new = encode(data)
    try:
        if path.stat().st_size == len(new) and path.read_bytes() == new:
            return False
    except OSError:
        pass  # missing or unreadable: write it
    atomic_write(path, new)
    return True


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    Raises:
        FileWriteError: The file could not be written (it is also an ``OSError``); ``path`` is
            then unchanged and no temporary file is left behind.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # (imported when first written: it costs a few ms to import)

        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from exc
        raise


def _write_error(path: Path, exc: OSError) -> FileWriteError:
    return FileWriteError(
        f"Cannot write {path}: {exc.strerror or exc}.",
        "Free some disk space or use a folder you can write to.",
        exc,
    )


class Projection:
    """In-memory tables, materialised to TinyDB files on flush.

    Args:
        folder: ``<workspace>/query``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._tables: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in TABLES}
        #: Tables not read yet: name -> how to read them (see :meth:`lazy`).
        self._lazy: dict[str, Callable[[], dict[str, dict[str, Any]]]] = {}
        self._due: dict[str, Callable[[str, str | None], list[dict[str, Any]] | None]] = {}
        self.dirty: set[str] = set()
        self.head: tuple[int, str] = (0, "")
        #: Called before every read while the workspace defers projecting (catching up).
        self.before_read: Callable[[], None] | None = None

    @property
    def tables(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Every table: ``{name: {key: record}}`` (the tables not read yet are read first)."""
        for name in list(self._lazy):
            self.table(name)
        return self._tables

    def table(self, name: str, create: bool = True) -> dict[str, dict[str, Any]]:
        """One table's records by key, read first when it was left for later.

        Args:
            name: The table.
            create: Add the table when there is none (otherwise a new empty dict is returned).
        """
        load = self._lazy.pop(name, None)
        if load is not None:
            self._tables[name] = load()
        found = self._tables.get(name)
        if found is None:
            found = {}
            if create:
                self._tables[name] = found
        return found

    def lazy(
        self,
        name: str,
        load: Callable[[], dict[str, dict[str, Any]]],
        due: Callable[[str, str | None], list[dict[str, Any]] | None] | None = None,
    ) -> None:
        """Read table ``name`` with ``load()`` only when it is first used (a snapshot's).

        Args:
            name: The table.
            load: Reads the whole table.
            due: Reads only the records due before a date (with a status), from an index.
        """
        self._tables.pop(name, None)
        self._lazy[name] = load
        if due is not None:
            self._due[name] = due

    def due(self, table: str, before: str, status: str | None) -> list[dict[str, Any]] | None:
        """Records of ``table`` whose review date is before ``before``, read from an index.

        Only while the table itself was not read yet (it may have changed since); None then.
        """
        if self.before_read is not None:
            self.before_read()
        find = self._due.get(table)
        return find(before, status) if find is not None and table in self._lazy else None

    def put(self, table: str, key: str, doc: dict[str, Any]) -> None:
        """Insert or replace one record."""
        self.table(table)[key] = doc
        self.dirty.add(table)

    def delete(self, table: str, key: str) -> None:
        """Remove one record if present."""
        if self.table(table, create=False).pop(key, None) is not None:
            self.dirty.add(table)

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        """One record or None."""
        if self.before_read is not None:
            self.before_read()
        return self.table(table, create=False).get(key)

    def all(self, table: str) -> list[dict[str, Any]]:
        """Every record of a table, in insertion order."""
        if self.before_read is not None:
            self.before_read()
        return list(self.table(table, create=False).values())

    def flush(self, head: tuple[int, str], everything: bool = False) -> int:
        """Write the changed tables to TinyDB files.

        Inside :func:`best_effort` a failure only warns (``DerivedStateWarning``) and returns 0.

        Args:
            head: The journal head (seq, hash) the tables reflect, recorded in ``meta.json``.
            everything: Write every table, changed or not.

        Returns:
            How many tables were written.

        Raises:
            FileWriteError: A file could not be written (it is also an ``OSError``). The tables
                not yet written stay marked as changed, so the next flush writes them.
        """
        names: Iterable[str] = list(self.tables if everything else sorted(self.dirty))
        count = 0
        try:
            for name in names:
                # One write per table, in TinyDB's storage format (TinyDB's own insert_multiple
                # would read-modify-write), and none when the file already holds these bytes
                # (a workspace opened afresh rebuilds every table, mostly as it was).
                if _write_if_changed(
                    self.folder / f"{name}.json", {name: _numbered(self.table(name))}
                ):
                    count += 1
                self.dirty.discard(name)
            _write_if_changed(self.folder / "meta.json", {"hash": head[1], "seq": head[0]})
        except OSError as exc:
            if _BEST_EFFORT.get():
                why = f"The query tables could not be written to {self.folder}"
                why += f" ({exc.strerror or exc})"
                warnings.warn(DerivedStateWarning(f"{why}; {REBUILT}."), stacklevel=3)
                return 0
            raise FileWriteError(
                f"Cannot write the query tables in {self.folder}: {exc.strerror or exc}.",
                "They are derived from the journal and are written again at the next flush; "
                "free some disk space, or run `s3flow rebuild`.",
                exc,
            ) from exc
        self.head = head
        return count

    def stored_seq(self) -> int:
        """The journal seq the materialised tables reflect (0 when unknown or unreadable)."""
        try:
            seq = orjson.loads((self.folder / "meta.json").read_bytes()).get("seq", 0)
        except (OSError, ValueError, AttributeError):
            return 0
        return seq if isinstance(seq, int) else 0

    def open_table(self, name: str) -> Any:
        """A TinyDB table for queries by front ends and the CLI.

        It reads the materialised file, or, while the table has changes not yet written (a flush
        failed, or the folder is read-only), a copy of the in-memory table.
        """
        from tinydb import TinyDB
        from tinydb.storages import MemoryStorage

        if name in self.dirty:
            db = TinyDB(storage=MemoryStorage)
            db.storage.write(json.loads(json.dumps({name: _numbered(self.table(name))})))
        else:
            db = TinyDB(str(self.folder / f"{name}.json"), storage=storage_class())
        return db.table(name)

    def wipe(self) -> None:
        """Delete the materialised files (``s3flow rebuild`` then writes them anew).

        Raises:
            FileWriteError: The files cannot be deleted, or the folder cannot be written again
                (for example the workspace is read-only).
        """
        try:
            with contextlib.suppress(FileNotFoundError):
                import shutil

                shutil.rmtree(self.folder)
            if self.folder.parent.is_dir():
                self.folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise FileWriteError(
                f"Cannot rewrite the query tables in {self.folder}: {exc.strerror or exc}.",
                "Use a workspace folder you can write to; the journal is unchanged.",
                exc,
            ) from exc


@contextlib.contextmanager
def best_effort() -> Iterator[None]:
    """While active, a query-side flush that fails warns instead of raising.

    The journal is the authority, so a command that only reads, or has already recorded its
    events, still succeeds; queries are answered from memory (see :meth:`Projection.open_table`).
    """
    token = _BEST_EFFORT.set(True)
    try:
        yield
    finally:
        _BEST_EFFORT.reset(token)


@contextlib.contextmanager
def derived_write(what: str, then: str = REBUILT, quiet: bool = False) -> Iterator[None]:
    """Run a write of derived data (query tables, snapshot) whose failure loses nothing.

    The journal already holds everything, so a failure is not an error: it becomes a
    :class:`DerivedStateWarning` saying ``what`` failed, why, and ``then`` what happens.

    Args:
        what: What could not be done, e.g. "Event 7 was recorded, but the query tables could not
            be updated".
        then: What happens next.
        quiet: Neither warn nor raise (used when the program ends).
    """
    try:
        with warnings.catch_warnings() if quiet else contextlib.nullcontext():
            if quiet:
                warnings.simplefilter("ignore", DerivedStateWarning)
            yield
    except (S3Error, OSError) as exc:
        if not quiet:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            warnings.warn(DerivedStateWarning(f"{what} ({why}); {then}."), stacklevel=3)


def _numbered(docs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A table's records as TinyDB stores them (document ids 1, 2, 3 ...)."""
    return {str(i): doc for i, doc in enumerate(docs.values(), 1)}
