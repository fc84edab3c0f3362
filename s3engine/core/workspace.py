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
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from s3engine.core import flusher, keyring
from s3engine.core.location import DEFAULT_DIR as DEFAULT_DIR  # (re-exported)
from s3engine.core.location import ENV_VAR as ENV_VAR
from s3engine.core.location import Location as Location
from s3engine.core.location import open_journal as open_journal
from s3engine.core.location import resolve_path as resolve_path
from s3engine.core.projection import Projection, derived_write
from s3engine.core.projector import Projector
from s3engine.core.recorder import Recorder
from s3engine.core.registry import Registry, default_registry
from s3engine.errors import (
    InvalidField,
    UnknownProcessError,
    WorkspaceError,
)
from s3engine.journal.event import Clock, utc_now
from s3engine.journal.file_store import Journal
from s3engine.journal.pg_connection import PgTarget
from s3engine.journal.store import JournalStore
from s3engine.languages import LANGUAGES

if TYPE_CHECKING:  # pragma: no cover - imported when first needed
    from s3engine.core.process import Process
    from s3engine.core.sealed import SealedStore

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}\Z")

Handler = Callable[["Workspace", dict[str, Any]], None]


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
        self._registry = registry  # the installed one is read when first needed
        self._kinds: Mapping[str, type[Process]] | None = None
        self._handlers: Mapping[str, Handler] | None = None
        where = resolve_path(path) if isinstance(path, (str, PgTarget)) else Path(path)
        self.target = where
        self.path = where.state if isinstance(where, PgTarget) else where
        self.journal: JournalStore = open_journal(where, clock or utc_now)
        self.keys: keyring.KeyVault = keyring.FolderVault(self.path)
        if isinstance(where, PgTarget):
            from s3engine.journal.pg_secrets import PgKeys
            from s3engine.journal.pg_store import PgJournal

            assert isinstance(self.journal, PgJournal)
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
        self.projector = Projector(self.projection)
        #: Reads events by seq, verified (what process histories read their events with).
        self.read_events = self.journal.events_at
        self._processes: dict[str, Process] = {}
        #: Makes the processes of a snapshot when they are first needed (see :attr:`processes`).
        self.load_processes: Callable[[], dict[str, Process]] | None = None
        self.settings: dict[str, Any] = {"language": "en"}
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self.extensions: dict[str, Any] = {}
        #: The workspace key's record (first ``workspace.key_added`` event), None before it.
        self.key_record: dict[str, Any] | None = None
        self._sealed: tuple[str | None, SealedStore] | None = None
        self._sealed_stamp: Any = None
        self._sealed_fixed = False
        #: Request ids of recorded actions -> their event's seq.
        self.requests: dict[str, dict[str, Any] | int] = {}
        self._last_flush = 0.0
        self._replaying = False
        self._frozen = False  # its objects are kept out of the cyclic collector's way
        #: Side effects put off until the events being caught up with are verified.
        self._later: list[Callable[[], None]] = []
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
        """Apply events appended since the last read (by this or another program).

        Args:
            replay: Opening: stream the events instead of collecting them (nothing is kept, and
                the list returned is empty), with the garbage collector paused.
        """
        # Replaying creates many small objects at once; pausing the cyclic GC avoids rescanning
        # them again and again (several times faster on large journals).
        enabled = gc.isenabled()
        if replay:
            gc.disable()
        events: list[dict[str, Any]] = []
        try:
            stream = getattr(self.journal, "replay_new", None) if replay else None
            source = stream() if stream is not None else self.journal.read_new()
            if not replay:
                events = source
            self._replaying = replay
            # The query side is brought up to date once per run of events of the same process
            # (see :meth:`on_changed`), and before anything reads it.
            self.projection.before_read = self.settle
            for ev in source:
                self.apply(ev)
        finally:
            self._replaying = False
            self.projection.before_read = None
            self.settle()
            if replay and enabled:
                if len(self._processes) >= flusher.DETACH_AT:
                    # Millions of long-lived objects: the collector would soon scan them all
                    # (about a second per ten million) and find nothing; they stay out of its
                    # way until the workspace is closed.
                    gc.freeze()
                    self._frozen = True
                gc.enable()
        later, self._later = self._later, []
        self._sealed_fixed = True  # the key does not change meanwhile: not looked at each time
        self._replaying = replay  # (what they do may depend on it: see PgSealedBlobs)
        try:
            for action in later:  # the whole journal read is verified: side effects may happen
                action()
        finally:
            self._sealed_fixed = self._replaying = False
        return events

    def after_replay(self, action: Callable[[], None]) -> None:
        """Run ``action`` (a side effect outside memory) now, or while catching up once done.

        Events applied while catching up are verified completely only when the whole tail was
        read (see :mod:`s3engine.journal.hash_worker`), so nothing outside memory may change
        before: a damaged journal then changes nothing.
        """
        if self.projection.before_read is None:
            action()
        else:
            self._later.append(action)

    def refresh(self) -> list[dict[str, Any]]:
        """Pick up other programs' new events (reads only the new tail)."""
        return self.catch_up()

    @property
    def sealed(self) -> SealedStore:
        """The sealed answers of hidden rounds (see :mod:`s3engine.core.sealed`)."""
        # Reading the key costs a file read and a key derivation: not again while neither the
        # journal's key record nor the key file changed (a replay asks once per revealed round).
        if self._sealed_fixed and self._sealed is not None:
            return self._sealed[1]
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
            if isinstance(self.target, PgTarget):  # every program of a deployment reaches them
                from s3engine.journal.pg_secrets import PgSealedBlobs
                from s3engine.journal.pg_store import PgJournal

                assert isinstance(self.journal, PgJournal)
                blobs = PgSealedBlobs(self.journal, lambda: self._replaying)
            from s3engine.core.sealed import SealedStore

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
        pid = event["process"]
        proc = self.processes.get(pid) if pid else None
        pending = self.projector.pending  # another root's or no process's event: project first
        if pending is not None and (proc is None or proc.root is not pending[0]):
            self.projector.settle()
        request = event.get("request")
        if request is not None:
            self.requests[request] = event["seq"]
        if proc is not None and type_ not in self.handlers and not type_.endswith(".started"):
            proc.apply(event)  # the common case: an action in a running process
            if self.listeners:
                self._tell(event)
            return
        kind, _, name = type_.partition(".")
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
            self._tell(event)

    def _tell(self, event: dict[str, Any]) -> None:
        self.settle()
        for listener in list(self.listeners):
            listener(event)

    @property
    def registry(self) -> Registry:
        """The process kinds and event handlers (the installed ones unless given)."""
        if self._registry is None:
            self._registry = default_registry()
        return self._registry

    @registry.setter
    def registry(self, value: Registry) -> None:
        self._registry, self._kinds, self._handlers = value, None, None

    @property
    def process_types(self) -> Mapping[str, type[Process]]:
        """Process kinds by name."""
        if self._kinds is None:
            self._kinds = self.registry.process_types
        return self._kinds

    @property
    def handlers(self) -> Mapping[str, Handler]:
        """Event handlers by event type."""
        if self._handlers is None:
            self._handlers = self.registry.handlers
        return self._handlers

    @property
    def processes(self) -> dict[str, Process]:
        """Every process (children included) by id.

        After a snapshot the process objects are made only when first needed: a query answered
        from the query side never makes them.
        """
        if self.load_processes is not None:
            load, self.load_processes = self.load_processes, None
            self._processes.update(load())
        return self._processes

    @processes.setter
    def processes(self, value: dict[str, Process]) -> None:
        self._processes, self.load_processes = value, None

    def loaded_processes(self) -> dict[str, Process]:
        """The process objects made so far (none of a snapshot's until first needed)."""
        return self._processes

    def register(self, proc: Process) -> None:
        """Make a (child) process reachable by id."""
        self.processes[proc.id] = proc

    def on_changed(self, proc: Process, event: dict[str, Any]) -> None:
        """Update the query side for the root of ``proc`` (see :class:`.Projector`)."""
        self.projector.on_changed(proc, event)

    def settle(self) -> None:
        """Project what was applied but not projected yet (see :class:`.Projector`)."""
        self.projector.settle()

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
        found = (
            self.projection.due("agreements", due_before, status or None) if due_before else None
        )
        if found is not None:  # read from a snapshot's index: only the records due
            return sorted(found, key=lambda r: (r["review_date"], r["id"]))
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
        with flusher.derived_lock(self.path):
            if not self._fresher_tables():
                self.projection.flush(self.head, everything)
            self._last_flush = time.monotonic()
            if snapshot_due:
                from s3engine.core import snapshot

                if self.head[0] - self.snapshot_seq >= snapshot.EVERY:
                    why = "The snapshot could not be saved"
                    with derived_write(why, "the journal is replayed"):
                        snapshot.save(self)

    def _fresher_tables(self) -> bool:
        """Whether a later program already wrote the tables for a later head of this journal."""
        if self.projection.stored_seq() <= self.head[0] or not isinstance(self.journal, Journal):
            return False
        try:  # later only if the journal went on after this program's head (not a restore)
            return os.stat(self.journal.path).st_size > self.journal.offset
        except OSError:
            return False

    def maybe_flush(self) -> None:
        """Flush changed tables if the last flush is older than ``autoflush_seconds`` (or warn)."""
        if self.projection.dirty and time.monotonic() - self._last_flush >= self.autoflush_seconds:
            with derived_write(f"Event {self.head[0]} is recorded but the query tables are stale"):
                self.flush()

    def close(self, detached: bool = False) -> None:
        """Flush the query side and the snapshot (silently: nothing is lost when that fails).

        Args:
            detached: The program is ending: a large workspace's files may be written by a
                detached process (see :mod:`s3engine.core.flusher`).
        """
        atexit.unregister(self._exit_hook)
        if self._frozen:
            self._frozen = False
            gc.unfreeze()
        if detached and flusher.detach(self):
            return
        with derived_write("", quiet=True):
            self.flush(snapshot_due=True)

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
    """The program is ending: close the workspace if it is still open."""
    ws = ref()
    if ws is not None:
        ws.close(detached=True)
        if len(ws.loaded_processes()) >= flusher.DETACH_AT:
            gc.freeze()  # no last pass of the collector over millions of objects (about 1 s)
