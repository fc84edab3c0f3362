"""Peers: the same durable append done by other systems, for ``s3flow bench`` to compare with.

Every peer appends the very same journal line (the bytes s3flow writes for the event) and
acknowledges it only once it is on disk:

* ``raw write+fsync`` — one ``os.write`` on an ``O_APPEND`` descriptor and one ``os.fsync``: the
  floor, what no durable append can beat;
* ``SQLite WAL FULL`` — the line as a row, one transaction per line, ``journal_mode=WAL`` and
  ``synchronous=FULL`` (durable at commit), the standard library's ``sqlite3``;
* ``eventsourcing`` — the `eventsourcing` library's SQLite recorder, one aggregate event per
  line (only when the ``bench`` extra is installed).

Each ``open_*`` function returns ``(append, close)``; ``append(line)`` returns once durable.

Allowed imports: standard library, ``eventsourcing`` (optional).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

Append = Callable[[bytes], None]
Opened = tuple[Append, Callable[[], None]]

RAW = "raw write+fsync"
SQLITE = "SQLite WAL FULL"
EVENTSOURCING = "eventsourcing (SQLite)"


def open_raw(path: Path) -> Opened:
    """Append lines to ``path`` with one write and one fsync each."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(line: bytes) -> None:
        os.write(fd, line)
        os.fsync(fd)

    return append, lambda: os.close(fd)


def sqlite_connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode with ``synchronous=FULL`` and the ``events`` table."""
    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, line TEXT NOT NULL)")
    return conn


def sqlite_fill(path: Path, line: bytes, n: int) -> None:
    """Put ``n`` rows of ``line`` in the table first (one transaction)."""
    conn = sqlite_connect(path)
    text = line.decode("utf-8")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO events (line) VALUES (?)", ((text,) for _ in range(n)))
    conn.execute("COMMIT")
    conn.close()


def open_sqlite(path: Path) -> Opened:
    """Insert each line as a row in its own durable transaction."""
    conn = sqlite_connect(path)

    def append(line: bytes) -> None:
        conn.execute("INSERT INTO events (line) VALUES (?)", (line.decode("utf-8"),))

    return append, conn.close


def eventsourcing_available() -> bool:
    """Whether the ``eventsourcing`` package is installed."""
    try:
        import eventsourcing  # noqa: F401
    except ImportError:
        return False
    return True


_LOG: list[Any] = []


def _log_class() -> Any:
    """The aggregate class (made once: eventsourcing registers each class by its name)."""
    if not _LOG:
        from eventsourcing.domain import Aggregate, event

        class Log(Aggregate):
            @event("Appended")
            def add(self, line: str) -> None:
                self.last = line

        _LOG.append(Log)
    return _LOG[0]


def open_eventsourcing(path: Path, fill: bytes = b"", n: int = 0) -> Opened | None:
    """One aggregate whose events each carry a line, stored by eventsourcing's SQLite recorder.

    Args:
        path: The SQLite database file.
        fill: A line to store ``n`` times first (in one save).
        n: How many events to store first.

    Returns:
        ``(append, close)``, or None when ``eventsourcing`` is not installed.
    """
    if not eventsourcing_available():
        return None
    from eventsourcing.application import Application

    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
    app: Any = Application(env=env)
    log: Any = _log_class()()
    for _ in range(n):
        log.add(fill.decode("utf-8"))
    app.save(log)

    def append(line: bytes) -> None:
        log.add(line.decode("utf-8"))
        app.save(log)

    return append, app.close
