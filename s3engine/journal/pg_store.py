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
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from s3engine.errors import (
    CorruptJournalError,
    JournalWriteError,
    WorkspaceError,
)
from s3engine.journal import codec
from s3engine.journal.event import (
    GENESIS,
    Clock,
    VerifyReport,
    encode_line,
    shape_problem,
    utc_now,
)
from s3engine.journal.pg_connection import (
    LOCK_TIMEOUT_S,
    PgTarget,
    connect,
    parse_url,
    release,
    server_says,
)
from s3engine.journal.store import build_event_line, check_next, verify_events

__all__ = ["CHANNEL", "PgJournal", "PgTarget", "lock_key", "parse_url"]

CHANNEL = "s3flow_journal"


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
                f"Cannot read the workspace {self.target}: {server_says(exc)}.",
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
        return [(int(s), str(line)) for s, line in self._query(_AFTER, (self.name, after))]

    def _checked(self, rows: list[tuple[int, str]], seq: int, prev: str) -> list[dict[str, Any]]:
        events = []
        for _, line in rows:
            try:
                ev, hash_ok = codec.checked(line.encode("utf-8"))
            except ValueError as exc:
                raise CorruptJournalError(seq + 1, "the event is not valid JSON") from exc
            if hash_ok and isinstance(ev, dict) and ev.get("seq") == seq + 1:
                if ev.get("prev") != prev:
                    raise CorruptJournalError(seq + 1, "it does not link to the previous event")
                problem = shape_problem(ev)
                if problem:
                    raise CorruptJournalError(seq + 1, problem)
            else:
                check_next(ev, seq, prev)  # says what is wrong
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

    def events_at(self, seqs: list[int]) -> list[dict[str, Any]]:
        """The events with these seqs, in the order given, read afresh and verified.

        Raises:
            CorruptJournalError: An event was changed or is missing.
        """
        rows = self._query(
            "SELECT seq, line FROM s3flow_events WHERE workspace = %s AND seq = ANY(%s)",
            (self.name, sorted(set(seqs))),
        )
        found: dict[int, dict[str, Any]] = {}
        for seq, line in rows:
            try:
                ev, ok = codec.checked(str(line).encode("utf-8"))
            except ValueError:
                ok = False
            if not ok or not isinstance(ev, dict) or ev.get("seq") != seq:
                raise CorruptJournalError(int(seq), "it changed after it was read")
            found[int(seq)] = ev
        missing = [s for s in seqs if s not in found]
        if missing:
            raise CorruptJournalError(missing[0], "it is no longer in the journal")
        return [found[s] for s in seqs]

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
    def _lock(self) -> Iterator[list[tuple[int, str]] | None]:
        """Hold the lock; yield the rows after ``last_seq`` when it was taken just now.

        The lock request and the read go to the server together (one round trip, run in order).
        """
        import psycopg

        rows = None
        if self._locked == 0:
            self.ensure()
            try:
                with self.conn.pipeline():
                    self.conn.execute("SELECT pg_advisory_lock(%s)", (lock_key(self.name),))
                    cur = self.conn.execute(_AFTER, (self.name, self.last_seq))
                rows = [(int(n), str(line)) for n, line in cur.fetchall()]
            except psycopg.Error as exc:
                self.close()
                raise JournalWriteError(
                    f"Another program has held the lock of the workspace {self.target} for "
                    f"{LOCK_TIMEOUT_S} s, or the server failed ({server_says(exc)}).",
                    "Close other s3flow programs using this workspace, then try again.",
                ) from exc
        self._locked += 1
        try:
            yield rows
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
        with self._lock() as rows:
            if rows is None:
                yield self.read_new()
                return
            events = self._checked(rows, self.last_seq, self.last_hash)
            if events:
                self.last_seq, self.last_hash = events[-1]["seq"], events[-1]["hash"]
            yield events

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
        head = (self.last_seq, self.last_hash)
        return build_event_line(head, self.clock(), actor, process, type_, data, auth, request)[0]

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
        self._write([(event, line)], one=True)
        self.last_seq, self.last_hash = event["seq"], event["hash"]
        return event

    def _write(self, rows: list[tuple[dict[str, Any], str]], one: bool = False) -> None:
        """Insert events continuing the head in one transaction, moving the head, notifying.

        One event (``one``) is one call of ``s3flow_append`` (one round trip, its own
        transaction); many (an import) are copied in one explicit transaction.
        """
        import psycopg

        first, last = rows[0][0], rows[-1][0]
        try:
            if one:
                ev, line = rows[0]
                self.conn.execute(
                    "SELECT s3flow_append(%s, %s, %s, %s, %s, %s, %s)",
                    (self.name, ev["seq"], ev["hash"], ev["prev"], ev["type"], ev["process"], line),
                )
                return
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
        except (_Moved, psycopg.errors.UniqueViolation, psycopg.errors.SerializationFailure):
            raise JournalWriteError(
                f"The workspace {self.target} changed unexpectedly (another program wrote "
                "without its lock). Nothing was written.",
                "Run `s3flow verify`, then try again.",
            ) from None
        except psycopg.OperationalError as exc:
            self.close()
            raise JournalWriteError(
                f"The connection to {self.target} was lost while saving the event "
                f"({server_says(exc)}); it may or may not be recorded.",
                "Run `s3flow log` to see whether it is there; retrying with the same "
                "--request-id never records an action twice.",
            ) from exc
        except psycopg.Error as exc:
            raise JournalWriteError(
                f"The database refused the event: {server_says(exc)}. Nothing was written.",
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
        """Check every stored event, and that the workspace's head row matches the last one.

        The head and the events are read in one statement, so both come from the same moment
        (a commit landing between two reads would look like a head that does not match).
        """
        rows = self._query(_HEAD_AND_LINES, (self.name,))
        events: list[Any] = []
        for _, line in rows:
            if line is not None:
                try:
                    events.append(json.loads(line))
                except ValueError:
                    events.append(None)
        rep = verify_events(events)
        head = int(rows[0][0]) if rows else 0
        if rep.ok and head != rep.events:
            return VerifyReport(
                False,
                rep.events,
                min(head, rep.events) + 1,
                f"the workspace's head records {head} events where {rep.events} are stored "
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


_AFTER = "SELECT seq, line FROM s3flow_events WHERE workspace = %s AND seq > %s ORDER BY seq"
_HEAD_AND_LINES = (
    "SELECT w.head_seq, e.line FROM s3flow_workspaces w LEFT JOIN s3flow_events e "
    "ON e.workspace = w.name WHERE w.name = %s ORDER BY e.seq"
)


class _Moved(Exception):
    """The head moved under a writer (internal)."""
