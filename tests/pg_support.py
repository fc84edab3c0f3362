"""A real PostgreSQL server for the tests, and the ``store`` fixture running tests on both stores.

One server per test session (``pg_server``): Debian's PostgreSQL binaries, ``initdb`` in a temporary
folder, a Unix socket only, run as the ``postgres`` system user when we are root (see
:class:`s3engine.bench.pgserver.TempServer`). Every test gets its own workspace name in the
session's database (``pg_url``), so tests never see each other's events.

``store`` is parametrised over ``file`` and ``pg`` (the way tinydb runs one suite over every
storage): a test taking it runs once per store. :class:`StoreCase` gives what the tests need in
the same words for both: where the workspace is (a folder, or a URL), its journal, and the raw
lines of its journal (to read them, or to tamper with them behind s3flow's back).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from s3engine.bench.pgserver import TempServer
from s3engine.core.workspace import open_journal, resolve_path
from s3engine.journal.store import JournalStore

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TempServer]:
    """The session's PostgreSQL server (database ``s3flow_tests``)."""
    server = TempServer(port=54000 + os.getpid() % 1000)
    try:
        server.create_database("s3flow_tests")
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: TempServer, tmp_path: Path) -> str:
    """The URL of a new, empty workspace (its local state folder in the test's tmp_path)."""
    name = f"t{os.getpid()}-{next(_names)}"
    return pg_server.url("s3flow_tests", name) + f"&state={tmp_path / 'pg-state'}"


@dataclass
class StoreCase:
    """One store under test.

    Attributes:
        kind: ``file`` or ``pg``.
        location: What ``--workspace`` takes: a folder, or a ``postgresql://`` URL.
        folder: The workspace folder (file) or local state folder (pg).
    """

    kind: str
    location: str
    folder: Path

    def another(self, tag: str) -> StoreCase:
        """Another new workspace of the same kind (a sibling folder, or another name and state)."""
        if self.kind == "file":
            folder = self.folder.with_name(f"{self.folder.name}-{tag}")
            return StoreCase("file", str(folder), folder)
        folder = self.folder.with_name(f"{self.folder.name}-{tag}")
        url = self.location.replace("workspace=", f"workspace={tag}-", 1)
        return StoreCase("pg", url.replace(f"state={self.folder}", f"state={folder}"), folder)

    def journal(self) -> JournalStore:
        """A fresh journal store of this workspace."""
        return open_journal(resolve_path(self.location))

    def lines(self) -> list[str]:
        """The journal's lines as stored (each with its newline)."""
        if self.kind == "file":
            path = self.folder / "journal.jsonl"
            return path.read_text(encoding="utf-8").splitlines(keepends=True)
        return self.journal().export_bytes().decode("utf-8").splitlines(keepends=True)

    def set_line(self, seq: int, line: str) -> None:
        """Replace the stored line of event ``seq`` behind s3flow's back (tampering)."""
        if self.kind == "file":
            lines = self.lines()
            lines[seq - 1] = line
            (self.folder / "journal.jsonl").write_text("".join(lines), encoding="utf-8")
            return
        with self._sql() as (conn, name):
            conn.execute(
                "UPDATE s3flow_events SET line = %s WHERE workspace = %s AND seq = %s",
                (line, name, seq),
            )

    def rewrite(self, lines: list[str]) -> None:
        """Replace every stored line behind s3flow's back (line n is stored as event n)."""
        if self.kind == "file":
            (self.folder / "journal.jsonl").write_text("".join(lines), encoding="utf-8")
            return
        with self._sql() as (conn, name):
            conn.execute("DELETE FROM s3flow_events WHERE workspace = %s", (name,))
            for n, line in enumerate(lines, start=1):
                try:
                    ev = json.loads(line)
                except ValueError:
                    ev = {}
                conn.execute(
                    "INSERT INTO s3flow_events (workspace, seq, hash, prev, type, process, line) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (name, n, str(ev.get("hash", "")), str(ev.get("prev", "")),
                     str(ev.get("type", "")), str(ev.get("process", "")), line),
                )  # fmt: skip

    def edit(self, seq: int, change: Any) -> None:
        """Change event ``seq`` with ``change(event)`` and store it back (hash unchanged)."""
        ev = json.loads(self.lines()[seq - 1])
        change(ev)
        self.set_line(seq, json.dumps(ev, ensure_ascii=False) + "\n")

    def drop_last(self) -> None:
        """Remove the last event behind s3flow's back (the head row, for PostgreSQL, too)."""
        lines = self.lines()
        if self.kind == "file":
            (self.folder / "journal.jsonl").write_text("".join(lines[:-1]), encoding="utf-8")
            return
        prev = json.loads(lines[-1])["prev"]
        with self._sql() as (conn, name):
            conn.execute(
                "DELETE FROM s3flow_events WHERE workspace = %s AND seq = %s", (name, len(lines))
            )
            conn.execute(
                "UPDATE s3flow_workspaces SET head_seq = %s, head_hash = %s WHERE name = %s",
                (len(lines) - 1, prev, name),
            )

    def _sql(self) -> Any:
        target = resolve_path(self.location)
        assert not isinstance(target, Path)
        conninfo, name = target.conninfo, target.workspace

        class _Conn:
            def __enter__(self) -> tuple[Any, str]:
                self.conn = psycopg.connect(conninfo, autocommit=True)
                return self.conn, name

            def __exit__(self, *exc: object) -> None:
                self.conn.close()

        return _Conn()


@pytest.fixture(params=["file", "pg"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreCase:
    """The store under test: a folder workspace, then a PostgreSQL one."""
    if request.param == "file":
        return StoreCase("file", str(tmp_path / "ws"), tmp_path / "ws")
    url = request.getfixturevalue("pg_url")
    return StoreCase("pg", url, tmp_path / "pg-state")


def pg_rows(url: str, sql: str, *args: Any) -> list[Any]:
    """Rows of a query on the database of a workspace URL, with its workspace name as ``%(ws)s``."""
    target = resolve_path(url)
    assert not isinstance(target, Path)
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        return list(conn.execute(sql, {"ws": target.workspace, **dict(args)}).fetchall())
