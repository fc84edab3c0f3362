"""The PostgreSQL journal: many workspaces in one database, the same events as the file journal.

A workspace is named by a libpq URL whose ``workspace`` query parameter names it (default
``default``), e.g. ``postgresql://s3@/region?host=/run/postgresql&workspace=tor-bella``; an optional
``state`` parameter names the local folder for derived files (see :class:`PgTarget`). Neither
parameter is passed on to libpq. The schema is in :mod:`s3engine.journal.pg_schema`.

Appending (:meth:`PgJournal.transaction` then :meth:`PgJournal.append_locked`): the writer holds a
session advisory lock for its workspace (``pg_advisory_lock``; the server releases it if the
program dies), reads the events others committed meanwhile, and writes each event in its own
transaction: the row, the head row updated only if it still holds the previous head (so even a
writer that skipped the lock cannot fork the chain or leave a gap), and a ``NOTIFY`` on
:data:`CHANNEL`. The event is acknowledged (returned) only after ``COMMIT`` returned. The stored
``line`` is exactly the file store's line, so an export is byte-for-byte a file journal.

Notifications: channel ``s3flow_journal``, payload JSON ``{"workspace": name, "seq": n, "hash":
h}``, delivered to listeners after the commit (``LISTEN s3flow_journal``).

Allowed imports: standard library, ``psycopg``, ``cryptography``, ``s3engine.journal``,
``s3engine.errors``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from s3engine.errors import CorruptJournalError, JournalWriteError, WorkspaceError
from s3engine.journal import pg_schema
from s3engine.journal.event import GENESIS, Clock, VerifyReport, encode_line, event_hash, utc_now
from s3engine.journal.store import check_next, verify_events

CHANNEL = "s3flow_journal"
LOCK_TIMEOUT_S = 60
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}\Z")
STATE_ENV = "S3FLOW_STATE_DIR"
POOL_SIZE = 4  # idle connections kept per database for the next journal opened in this process
_migrated: set[str] = set()
_idle: dict[tuple[int, str], list[Any]] = {}
_idle_lock = threading.Lock()


@dataclass(frozen=True)
class PgTarget:
    """A PostgreSQL workspace: where the database is, the workspace's name, its state folder.

    Attributes:
        conninfo: The libpq URL without s3flow's own parameters.
        workspace: The workspace (community) name.
        state: The local folder for derived files (query side, snapshot, reports): the URL's
            ``state`` parameter, else ``$S3FLOW_STATE_DIR/<id>``, else
            ``$XDG_CACHE_HOME/s3flow/pg/<id>`` (``~/.cache/...``), where ``<id>`` names the server,
            database and workspace.
    """

    conninfo: str
    workspace: str
    state: Path
    state_given: bool = False

    def __str__(self) -> str:
        """The URL (password hidden), ``state`` included when the URL gave it."""
        parts = urlsplit(self.conninfo)
        netloc = parts.netloc
        if "@" in netloc and ":" in netloc.split("@", 1)[0]:
            user = netloc.split("@", 1)[0].split(":", 1)[0]
            netloc = f"{user}:***@{netloc.split('@', 1)[1]}"
        query = [*parse_qsl(parts.query), ("workspace", self.workspace)]
        if self.state_given:
            query.append(("state", str(self.state)))
        return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="/")))


def parse_url(url: str) -> PgTarget:
    """The workspace a ``postgresql://`` URL names.

    Raises:
        WorkspaceError: The workspace name is not a plain name.
    """
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    own = {k: v for k, v in params if k in ("workspace", "state")}
    rest = [(k, v) for k, v in params if k not in ("workspace", "state")]
    name = own.get("workspace") or "default"
    if not NAME_RE.match(name):
        raise WorkspaceError(
            f"{name!r} cannot name a workspace in the database.",
            "Use letters, digits, '-', '_' or '.' (e.g. ?workspace=tor-bella).",
        )
    conninfo = urlunsplit(parts._replace(query=urlencode(rest, safe="/")))
    if own.get("state"):
        state = Path(own["state"]).expanduser()
    else:
        ident = hashlib.sha256(f"{conninfo}\n{name}".encode()).hexdigest()[:12]
        base = os.environ.get(STATE_ENV)
        if base:
            root = Path(base).expanduser()
        else:
            cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            root = Path(cache) / "s3flow" / "pg"
        state = root / f"{name}-{ident}"
    return PgTarget(conninfo, name, state, bool(own.get("state")))


def connect(target: PgTarget) -> Any:
    """An autocommit connection to the target's database, its schema brought up to date.

    Raises:
        WorkspaceError: The server cannot be reached or refuses the connection.
    """
    import psycopg

    with _idle_lock:
        pool = _idle.get((os.getpid(), target.conninfo), [])
        while pool:
            conn = pool.pop()
            if not conn.closed:
                return conn
    try:
        conn = psycopg.connect(
            target.conninfo, autocommit=True, options=f"-c lock_timeout={LOCK_TIMEOUT_S}s"
        )
    except psycopg.Error as exc:
        raise WorkspaceError(
            f"Cannot connect to the PostgreSQL workspace {target}: {_why(exc, last=True)}.",
            "Check the URL (host, port, database, user) and that the server is running.",
        ) from exc
    if target.conninfo not in _migrated:
        pg_schema.migrate(conn)
        _migrated.add(target.conninfo)
    return conn


def release(target: PgTarget, conn: Any) -> None:
    """Keep an idle connection for the next journal of this process (or close it)."""
    import psycopg

    idle = psycopg.pq.TransactionStatus.IDLE
    if conn.closed or conn.info.transaction_status != idle:
        conn.close()
        return
    with _idle_lock:
        pool = _idle.setdefault((os.getpid(), target.conninfo), [])
        if len(pool) < POOL_SIZE:
            pool.append(conn)
            return
    conn.close()


def lock_key(workspace: str) -> int:
    """The advisory lock key of a workspace (signed 64 bits)."""
    digest = hashlib.sha256(b"s3flow journal\n" + workspace.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PgJournal:
    """The journal of one workspace in a PostgreSQL database (see the module docstring).

    Args:
        target: The workspace (see :func:`parse_url`).
        clock: Function returning the event time.
    """

    def __init__(self, target: PgTarget, clock: Clock = utc_now) -> None:
        self.target = target
        self.name = target.workspace
        self.clock = clock
        self.last_seq = 0
        self.last_hash = GENESIS
        self._conn: Any = None
        self._locked = 0
        self._ensured = False
        #: The workspace's private key once read (see :mod:`s3engine.journal.pg_secrets`).
        self.key_cache: bytes | None = None

    # -- the connection ----------------------------------------------------------------------------

    @property
    def conn(self) -> Any:
        """The open connection (opened on first use)."""
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.target)
        return self._conn

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        import psycopg

        try:
            return list(self.conn.execute(sql, args).fetchall())
        except psycopg.Error as exc:
            self.close()
            raise WorkspaceError(
                f"Cannot read the workspace {self.target}: {_why(exc)}.",
                "Check that the PostgreSQL server is running, then try again.",
            ) from exc

    def exists(self) -> bool:
        """True when the workspace has been created in the database."""
        rows = self._query("SELECT 1 FROM s3flow_workspaces WHERE name = %s", (self.name,))
        return bool(rows)

    def ensure(self) -> None:
        """Create the workspace's row (its head) when it is new."""
        if self._ensured:
            return
        self._ensured = True
        self._query(
            "INSERT INTO s3flow_workspaces (name, head_hash) VALUES (%s, %s) "
            "ON CONFLICT DO NOTHING RETURNING name",
            (self.name, GENESIS),
        )

    def head_row(self) -> tuple[int, str]:
        """The head as the database records it ((0, GENESIS) for a new workspace)."""
        rows = self._query(
            "SELECT head_seq, head_hash FROM s3flow_workspaces WHERE name = %s", (self.name,)
        )
        return (int(rows[0][0]), str(rows[0][1])) if rows else (0, GENESIS)

    # -- reading -----------------------------------------------------------------------------------

    def _lines(self, after: int = 0) -> list[tuple[int, str]]:
        return [
            (int(s), str(line))
            for s, line in self._query(
                "SELECT seq, line FROM s3flow_events WHERE workspace = %s AND seq > %s "
                "ORDER BY seq",
                (self.name, after),
            )
        ]

    def _checked(self, rows: list[tuple[int, str]], seq: int, prev: str) -> list[dict[str, Any]]:
        events = []
        for _, line in rows:
            try:
                ev = json.loads(line)
            except ValueError as exc:
                raise CorruptJournalError(seq + 1, "the event is not valid JSON") from exc
            check_next(ev, seq, prev)
            seq, prev = ev["seq"], ev["hash"]
            events.append(ev)
        return events

    def read_new(self) -> list[dict[str, Any]]:
        """The verified events committed since the last read.

        Raises:
            CorruptJournalError: A stored event does not continue the chain or was changed.
        """
        events = self._checked(self._lines(self.last_seq), self.last_seq, self.last_hash)
        if events:
            self.last_seq, self.last_hash = events[-1]["seq"], events[-1]["hash"]
        return events

    def all_events(self) -> Iterator[dict[str, Any]]:
        """Every event from the first, read afresh and verified."""
        yield from self._checked(self._lines(0), 0, GENESIS)

    @property
    def position(self) -> int:
        """The seq read up to."""
        return self.last_seq

    def start_at(self, offset: int, seq: int, last_hash: str) -> None:
        """Continue after a verified prefix (``offset`` is the seq here)."""
        self.last_seq, self.last_hash = seq, last_hash

    def event_ending_at(self, position: int) -> dict[str, Any] | None:
        """The stored event with seq ``position`` (unchecked), None when there is none."""
        rows = self._query(
            "SELECT line FROM s3flow_events WHERE workspace = %s AND seq = %s",
            (self.name, position),
        )
        try:
            ev = json.loads(rows[0][0]) if rows else None
        except ValueError:
            return None
        return ev if isinstance(ev, dict) else None

    def raw_events(self) -> list[Any]:
        """Every stored event decoded (None when not JSON), in seq order, unchecked."""
        out: list[Any] = []
        for _, line in self._lines(0):
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append(None)
        return out

    def export_bytes(self) -> bytes:
        """The journal as JSON Lines, exactly the lines stored."""
        return "".join(line for _, line in self._lines(0)).encode("utf-8")

    def describe(self) -> str:
        """The workspace's URL (without a password)."""
        return str(self.target)

    # -- writing -----------------------------------------------------------------------------------

    @contextmanager
    def _lock(self) -> Iterator[None]:
        import psycopg

        if self._locked == 0:
            self.ensure()
            try:
                self.conn.execute("SELECT pg_advisory_lock(%s)", (lock_key(self.name),))
            except psycopg.Error as exc:
                self.close()
                raise JournalWriteError(
                    f"Another program has held the lock of the workspace {self.target} for "
                    f"{LOCK_TIMEOUT_S} s, or the server failed ({_why(exc)}).",
                    "Close other s3flow programs using this workspace, then try again.",
                ) from exc
        self._locked += 1
        try:
            yield
        finally:
            self._locked -= 1
            if self._locked == 0 and self._conn is not None and not self._conn.closed:
                try:
                    self._conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(self.name),))
                except psycopg.Error:
                    self.close()  # the server releases the lock with the session

    @contextmanager
    def transaction(self) -> Iterator[list[dict[str, Any]]]:
        """Hold the workspace's write lock; yield the events others committed meanwhile."""
        with self._lock():
            yield self.read_new()

    def make_event(
        self,
        actor: str,
        process: str,
        type_: str,
        data: dict[str, Any],
        auth: dict[str, str] | None = None,
        request: str | None = None,
    ) -> dict[str, Any]:
        """Build (but do not write) the next event, chained to the current head."""
        ev: dict[str, Any] = {
            "seq": self.last_seq + 1,
            "time": self.clock(),
            "actor": actor,
            "process": process,
            "type": type_,
            "data": data,
            "prev": self.last_hash,
        }
        if auth is not None:
            ev["auth"] = auth
        if request is not None:
            ev["request"] = request
        try:
            ev["hash"] = event_hash(ev)
        except (TypeError, ValueError) as exc:
            why = "text that is not valid UTF-8" if isinstance(exc, UnicodeError) else str(exc)
            raise JournalWriteError(
                f"The event cannot be recorded: its data holds {why}. Nothing was written.",
                "Give every value as valid UTF-8 text.",
            ) from exc
        return ev

    def append_locked(self, event: dict[str, Any]) -> dict[str, Any]:
        """Write one event in its own transaction; return it once committed.

        Raises:
            JournalWriteError: The database refused it (nothing written), or the connection was
                lost while committing (it may or may not be recorded).
        """
        if not self._locked:
            raise RuntimeError("append_locked() needs the journal lock")
        if event["seq"] != self.last_seq + 1 or event["prev"] != self.last_hash:
            raise RuntimeError("event does not continue the journal head")
        line = encode_line(event).decode("utf-8")
        self._write([(event, line)])
        self.last_seq, self.last_hash = event["seq"], event["hash"]
        return event

    def _write(self, rows: list[tuple[dict[str, Any], str]]) -> None:
        """Insert events continuing the head in one transaction, moving the head, notifying."""
        import psycopg

        first, last = rows[0][0], rows[-1][0]
        try:
            with self.conn.transaction():
                cur = self.conn.cursor()
                with cur.copy(
                    "COPY s3flow_events (workspace, seq, hash, prev, type, process, line) "
                    "FROM STDIN"
                ) as copy:
                    for ev, line in rows:
                        copy.write_row(
                            (self.name, ev["seq"], ev["hash"], ev["prev"], ev["type"],
                             ev["process"], line)
                        )  # fmt: skip
                cur.execute(
                    "UPDATE s3flow_workspaces SET head_seq = %s, head_hash = %s "
                    "WHERE name = %s AND head_seq = %s AND head_hash = %s",
                    (last["seq"], last["hash"], self.name, first["seq"] - 1, first["prev"]),
                )
                if cur.rowcount != 1:
                    raise _Moved()
                payload = {"workspace": self.name, "seq": last["seq"], "hash": last["hash"]}
                cur.execute("SELECT pg_notify(%s, %s)", (CHANNEL, json.dumps(payload)))
        except (_Moved, psycopg.errors.UniqueViolation):
            raise JournalWriteError(
                f"The workspace {self.target} changed unexpectedly (another program wrote "
                "without its lock). Nothing was written.",
                "Run `s3flow verify`, then try again.",
            ) from None
        except psycopg.OperationalError as exc:
            self.close()
            raise JournalWriteError(
                f"The connection to {self.target} was lost while saving the event "
                f"({_why(exc)}); it may or may not be recorded.",
                "Run `s3flow log` to see whether it is there; retrying with the same "
                "--request-id never records an action twice.",
            ) from exc
        except psycopg.Error as exc:
            raise JournalWriteError(
                f"The database refused the event: {_why(exc)}. Nothing was written.",
                "Check the database (disk space, permissions), then try again.",
            ) from exc

    def load(self, data: bytes) -> int:
        """Put a whole, already checked journal into this empty workspace in one transaction.

        Returns:
            The number of events.

        Raises:
            WorkspaceError: The workspace already holds events.
        """
        rows = [(json.loads(raw), raw.decode("utf-8")) for raw in data.splitlines(keepends=True)]
        with self._lock():
            if self.head_row()[0] != 0:
                raise WorkspaceError(
                    f"The workspace {self.target} already holds events.",
                    "Import into a new workspace (another ?workspace= name).",
                )
            if rows:
                self._write(rows)
        return len(rows)

    def append(self, actor: str, process: str, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        """Append one event (lock, catch up, write, commit)."""
        with self.transaction():
            return self.append_locked(self.make_event(actor, process, type_, data))

    # -- checking ----------------------------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Check every stored event, and that the workspace's head row matches the last one."""
        rep = verify_events(self.raw_events())
        head = self.head_row()
        if rep.ok and head[0] != rep.events:
            return VerifyReport(
                False,
                rep.events,
                min(head[0], rep.events) + 1,
                f"the workspace's head records {head[0]} events where {rep.events} are stored "
                "(events were removed or added behind s3flow's back)",
            )
        return rep

    def repair(self) -> tuple[int, None]:
        """Nothing to repair: a database never holds half an event."""
        return 0, None

    def close(self) -> None:
        """Give the connection back (a held lock is lost with it; it reopens on the next use)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            if self._locked:
                conn.close()  # never hand on a session holding this workspace's lock
            else:
                release(self.target, conn)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # nothing to do at interpreter shutdown
            self.close()


def _why(exc: Exception, last: bool = False) -> str:
    """The server's message on one line (its first line, or the last for connection errors)."""
    lines = [x.strip() for x in str(exc).strip().splitlines() if x.strip()] or [type(exc).__name__]
    return (lines[-1] if last else lines[0]).rstrip(".")


class _Moved(Exception):
    """The head moved under a writer (internal)."""
