"""The workspace: a folder holding the journal, and the live state replayed from it.

``Workspace.open(path)`` resolves the folder (argument, else ``$S3FLOW_WORKSPACE``, else
``./s3flow-workspace``), replays the journal into process objects and the query-side tables, and
then stays in step with other programs appending to the same journal: every write first catches up
under the journal lock, and :meth:`Workspace.refresh` reads only the new tail.

Every change goes the same way: validate against the caught-up state (raising an ``S3Error`` and
writing nothing when refused), append one event durably, then apply it. Applying is the only way
state changes, so replaying the journal reproduces the live state exactly.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
import re
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from s3engine.core import keyring
from s3engine.core.process import Process
from s3engine.core.projection import Projection, derived_write
from s3engine.core.recorder import Recorder
from s3engine.core.registry import Registry, default_registry
from s3engine.core.sealed import SealedStore
from s3engine.errors import (
    InvalidField,
    UnknownProcessError,
    WorkspaceError,
)
from s3engine.journal.event import Clock, utc_now
from s3engine.journal.file_store import Journal
from s3engine.journal.pg_store import PgJournal, PgTarget, parse_url
from s3engine.journal.store import JournalStore, is_url
from s3engine.languages import LANGUAGES

DEFAULT_DIR = "s3flow-workspace"
ENV_VAR = "S3FLOW_WORKSPACE"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}\Z")

Handler = Callable[["Workspace", dict[str, Any]], None]


#: Where a workspace is: its folder, or a workspace in a PostgreSQL database.
Location = Path | PgTarget


def resolve_path(path: str | os.PathLike[str] | PgTarget | None = None) -> Location:
    """Return the workspace: the argument, else ``$S3FLOW_WORKSPACE``, else the default folder.

    A ``postgresql://`` URL (argument or variable) names a workspace in a PostgreSQL database
    (see :func:`s3engine.journal.pg_store.parse_url`); anything else is a folder.
    """
    if isinstance(path, PgTarget):
        return path
    given = os.fspath(path) if path else os.environ.get(ENV_VAR)
    if given and is_url(given):
        return parse_url(str(given))
    return Path(given).expanduser() if given else Path.cwd() / DEFAULT_DIR


def open_journal(where: Location, clock: Clock = utc_now) -> JournalStore:
    """The journal store of a workspace, without opening the workspace (e.g. to verify it)."""
    if isinstance(where, PgTarget):
        return PgJournal(where, clock)
    return Journal(where / "journal.jsonl", clock)


class Workspace(Recorder):
    """A workspace and everything derived from its journal.

    Args:
        path: The folder, or a PostgreSQL workspace (a :class:`PgTarget` or its URL); for the
            latter, ``self.path`` is the local folder of its derived files (``PgTarget.state``).
        clock: Time source for new events (tests and demos inject a fixed clock).
        create: Create the folder when missing (otherwise raise WorkspaceError).
        use_snapshot: Start from a verified snapshot when one exists (else replay everything).
        registry: The process kinds and event handlers (default: those of the installed packages,
            see :mod:`s3engine.core.registry`).
    """

    #: Seconds between automatic flushes of the query side.
    autoflush_seconds: float = 2.0

    def __init__(
        self,
        path: Path | PgTarget | str,
        clock: Clock | None = None,
        create: bool = True,
        use_snapshot: bool = True,
        registry: Registry | None = None,
    ) -> None:
        self.registry = registry if registry is not None else default_registry()
        self.process_types = self.registry.process_types
        self.handlers = self.registry.handlers
        where = resolve_path(path) if isinstance(path, (str, PgTarget)) else Path(path)
        self.target = where
        self.path = where.state if isinstance(where, PgTarget) else where
        self.journal: JournalStore = open_journal(where, clock or utc_now)
        self.keys: keyring.KeyVault = keyring.FolderVault(self.path)
        if isinstance(self.journal, PgJournal):
            from s3engine.journal.pg_secrets import PgKeys

            self.keys = PgKeys(self.journal)
            if not create and not self.journal.exists():
                raise WorkspaceError(
                    f"No workspace {self.journal.describe()}.",
                    "Create it with `s3flow init --workspace URL`.",
                )
        elif self.path.exists() and not self.path.is_dir():
            raise WorkspaceError(
                f"{self.path} is a file, not a workspace folder.",
                "Give a folder with --workspace DIR.",
            )
        elif not self.path.exists() and not create:
            raise WorkspaceError(
                f"No workspace at {self.path}.", "Create it with `s3flow init --workspace DIR`."
            )
        self.projection = Projection(self.path / "query")
        self.processes: dict[str, Process] = {}
        self.settings: dict[str, Any] = {"language": "en"}
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self.extensions: dict[str, Any] = {}
        #: The workspace key's record (first ``workspace.key_added`` event), None before it.
        self.key_record: dict[str, Any] | None = None
        self._sealed: tuple[str | None, SealedStore] | None = None
        self._sealed_stamp: Any = None
        #: Request ids of recorded actions -> their event (or its seq, after a snapshot).
        self.requests: dict[str, dict[str, Any] | int] = {}
        self._last_flush = 0.0
        self._replaying = False
        #: The root whose events are applied but not yet projected, and those events' processes.
        self._pending: tuple[Process, dict[str, tuple[Process, dict[str, Any]]]] | None = None
        self.snapshot_seq = 0
        self._folder_ok = False
        if use_snapshot and (self.path / "snapshot.json").exists():
            from s3engine.core import snapshot

            snapshot.load(self)
        self.catch_up(replay=True)
        # Flush the query side when the program ends, unless closed before (a weak reference, so
        # an abandoned workspace can still be garbage-collected).
        self._exit_hook = functools.partial(_close_if_alive, weakref.ref(self))
        atexit.register(self._exit_hook)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | PgTarget | None = None,
        clock: Clock | None = None,
        create: bool = True,
    ) -> Workspace:
        """Open (and on first write create) the workspace ``path`` (see :func:`resolve_path`)."""
        return cls(resolve_path(path), clock=clock, create=create)

    def ensure_folder(self) -> None:
        """Create the workspace folder if needed, with a clear error when that is impossible."""
        if self._folder_ok:
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._folder_ok = True
        except OSError as exc:
            raise WorkspaceError(
                f"Cannot create the workspace folder {self.path}: {exc.strerror}.",
                "Choose a folder you can write to with --workspace DIR.",
            ) from exc

    # -- reading -----------------------------------------------------------------------------------

    def catch_up(self, replay: bool = False) -> list[dict[str, Any]]:
        """Apply events appended since the last read (by this or another program)."""
        # Replaying creates many small objects at once; pausing the cyclic GC avoids rescanning
        # them again and again (several times faster on large journals).
        enabled = gc.isenabled()
        if replay:
            gc.disable()
        try:
            events = self.journal.read_new()
            self._replaying = replay
            # The query side is brought up to date once per run of events of the same process
            # (see :meth:`on_changed`), and before anything reads it.
            self.projection.before_read = self.settle
            for ev in events:
                self.apply(ev)
        finally:
            self._replaying = False
            self.projection.before_read = None
            self.settle()
            if replay and enabled:
                gc.enable()
        return events

    def refresh(self) -> list[dict[str, Any]]:
        """Pick up other programs' new events (reads only the new tail)."""
        return self.catch_up()

    @property
    def sealed(self) -> SealedStore:
        """The sealed answers of hidden rounds (see :mod:`s3engine.core.sealed`)."""
        # Reading the key costs a file read and a key derivation: not again while neither the
        # journal's key record nor the key file changed (a replay asks once per revealed round).
        stamp: Any = (id(self.key_record), self.key_record)
        if isinstance(self.keys, keyring.FolderVault):
            try:
                st = os.stat(self.keys.path)
                stamp += (st.st_ino, st.st_mtime_ns, st.st_size)
            except OSError:
                stamp += (None,)
        if self._sealed is not None and self._sealed_stamp == stamp:
            return self._sealed[1]
        self._sealed_stamp = stamp
        key = keyring.existing_key(self.keys, self.key_record)
        marker = key.public_b64 if key else None
        if self._sealed is None or self._sealed[0] != marker:
            secret = key.private.private_bytes_raw() if key else None
            blobs = None
            if isinstance(self.journal, PgJournal):  # every program of a deployment reaches them
                from s3engine.journal.pg_secrets import PgSealedBlobs

                blobs = PgSealedBlobs(self.journal, lambda: self._replaying)
            self._sealed = (marker, SealedStore(self.path, secret, blobs))
        return self._sealed[1]

    @property
    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last applied event."""
        return self.journal.last_seq, self.journal.last_hash

    # -- applying ----------------------------------------------------------------------------------

    def apply(self, event: dict[str, Any]) -> None:
        """Apply one event to the live state (live and during replay)."""
        type_ = event["type"]
        kind, _, name = type_.partition(".")
        if self._pending is not None:  # another root's or no process's event: project first
            proc = self.processes.get(event["process"]) if event["process"] else None
            if proc is None or proc.root is not self._pending[0]:
                self.settle()
        request = event.get("request")
        if request is not None:
            self.requests[request] = event
        if name == "started" and kind in self.process_types:
            data = dict(event["data"])
            pid = data.pop("id")
            proc = self.process_types[kind](self, pid, None, data, event)
            proc.history.append(event)
            self.register(proc)
            proc.enter_start()
            self.on_changed(proc, event)
        elif type_ in self.handlers:
            self.handlers[type_](self, event)
        elif event["process"] in self.processes:
            self.processes[event["process"]].apply(event)
        elif type_.startswith("workspace."):
            if type_ == keyring.KEY_EVENT and self.key_record is None:
                self.key_record = dict(event["data"])
            elif type_ == "workspace.configured":
                self.settings.update(event["data"])
                self.projection.put("settings", "workspace", dict(self.settings))
        else:
            # Unknown event types from newer versions are kept in the journal and ignored here.
            pass
        if self.listeners:
            self.settle()
            for listener in list(self.listeners):
                listener(event)

    def register(self, proc: Process) -> None:
        """Make a (child) process reachable by id."""
        self.processes[proc.id] = proc

    def on_changed(self, proc: Process, event: dict[str, Any]) -> None:
        """Update the query side for the root of ``proc`` (while catching up: when settled).

        While catching up, consecutive events of one root process are projected once, when
        another root's event, an event of no process or a read of the query side comes, which
        leaves the tables exactly as projecting after every event (tested by hypothesis).
        """
        if self.projection.before_read is None:
            self._project(proc, event)
            return
        root = proc.root
        if self._pending is not None and self._pending[0] is not root:
            self.settle()
        if self._pending is None:
            self._pending = (root, {})
        touched = self._pending[1]
        touched.pop(proc.id, None)
        touched[proc.id] = (proc, event)

    def settle(self) -> None:
        """Project the root process whose events were applied but not yet projected."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        root, touched = pending
        # Each process is projected after the last event whose chain (root ... process) held it,
        # in the order those events came and root first within one chain: the order in which
        # projecting after every event would have written each table key the last time.
        order: dict[str, tuple[int, int, Process]] = {}
        last: dict[str, Any] = {}
        for n, (proc, event) in enumerate(touched.values()):
            depth = 0
            p: Process | None = proc
            while p is not None:
                order[p.id] = (n, -depth, p)
                depth += 1
                p = p.parent
            last = event
        before = self.projection.before_read
        self.projection.before_read = None  # projecting reads the tables: no recursion
        try:
            self.projection.put("processes", root.id, root.summary_row(last))
            for _n, _d, p in sorted(order.values(), key=lambda x: (x[0], x[1])):
                for table, key, doc in p.project():
                    self.projection.put(table, key, doc)
        finally:
            self.projection.before_read = before

    def _project(self, proc: Process, event: dict[str, Any]) -> None:
        root = proc.root
        row = root.summary_row(event)
        self.projection.put("processes", root.id, row)
        chain: list[Process] = []
        p: Process | None = proc
        while p is not None:
            chain.append(p)
            p = p.parent
        for p in reversed(chain):
            for table, key, doc in p.project():
                self.projection.put(table, key, doc)

    # -- queries -----------------------------------------------------------------------------------

    def get(self, pid: str) -> Process:
        """The process with id ``pid``."""
        proc = self.processes.get(pid)
        if proc is None:
            raise UnknownProcessError(
                f"No process with id '{pid}' in this workspace.",
                "Run `s3flow log` to see the process ids.",
            )
        return proc

    def roots(self, kind: str | None = None) -> list[Process]:
        """Top-level processes, oldest first, optionally of one kind."""
        return [
            p
            for p in self.processes.values()
            if p.parent is None and (kind is None or p.kind == kind)
        ]

    def agreements(
        self, due_before: str | None = None, status: str | None = "active"
    ) -> list[dict[str, Any]]:
        """Agreement records from the query side, optionally only those due for review."""
        rows = self.projection.all("agreements")
        if status:
            rows = [r for r in rows if r["status"] == status]
        if due_before:
            rows = [r for r in rows if r["review_date"] < due_before]
        return sorted(rows, key=lambda r: (r["review_date"], r["id"]))

    def events(self) -> Iterator[dict[str, Any]]:
        """Every event of the journal, read afresh from the store."""
        yield from self.journal.all_events()

    def check_pattern_ids(self, ids: list[str], field: str) -> None:
        """Check that pattern ids exist (in the pattern database when it is available)."""
        db = self.extensions.get("patterns")
        for pid in ids:
            if not ID_RE.match(pid):
                raise InvalidField(
                    field, f"{pid!r} is not a pattern id", "ids like consent-decision-making"
                )
            if db is not None and not db.has(pid):
                raise InvalidField(
                    field, f"there is no pattern '{pid}'", "an id shown by `s3flow patterns search`"
                )

    # -- query side persistence --------------------------------------------------------------

    def flush(self, everything: bool = False, snapshot_due: bool = False) -> None:
        """Materialise the query side into TinyDB files (and a snapshot when due, or a warning).

        Raises:
            FileWriteError: The tables could not be written (inside ``best_effort``: a warning).
        """
        if not self.path.exists():
            if not (isinstance(self.target, PgTarget) and self.head[0]):
                return
            self.ensure_folder()  # the local state folder of a PostgreSQL workspace
        self.projection.flush(self.head, everything)
        self._last_flush = time.monotonic()
        if snapshot_due:
            from s3engine.core import snapshot

            if self.head[0] - self.snapshot_seq >= snapshot.EVERY:
                with derived_write("The snapshot could not be saved", "the journal is replayed"):
                    snapshot.save(self)

    def maybe_flush(self) -> None:
        """Flush changed tables if the last flush is older than ``autoflush_seconds`` (or warn)."""
        if self.projection.dirty and time.monotonic() - self._last_flush >= self.autoflush_seconds:
            with derived_write(f"Event {self.head[0]} is recorded but the query tables are stale"):
                self.flush()

    def close(self) -> None:
        """Flush the query side (silently: nothing is lost when that fails)."""
        with derived_write("", quiet=True):
            self.flush(snapshot_due=True)
        atexit.unregister(self._exit_hook)

    def configure(self, actor: str, **settings: Any) -> dict[str, Any]:
        """Record workspace settings (e.g. ``language``) as an event."""
        allowed = {"language": tuple(LANGUAGES), "community": None, "name": None}
        for key, value in settings.items():
            if key not in allowed:
                raise InvalidField(key, "is not a workspace setting", ", ".join(allowed))
            choices = allowed[key]
            if choices and value not in choices:
                raise InvalidField(key, f"{value!r} is not supported", " | ".join(choices))
        return self.write(actor, "", "workspace.configured", dict(settings))


def _close_if_alive(ref: weakref.ReferenceType[Workspace]) -> None:
    ws = ref()
    if ws is not None:
        ws.close()
