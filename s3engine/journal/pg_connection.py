"""Connecting to a PostgreSQL workspace: its URL, its local state folder, pooled connections.

A workspace is named by a libpq URL whose ``workspace`` query parameter names it (default
``default``); an optional ``state`` parameter names the local folder for its derived files (see
:class:`PgTarget`). Neither parameter is passed on to libpq. :func:`connect` brings the schema up
to date once per database and process (:mod:`s3engine.journal.pg_schema`) and reuses idle
connections that journals of this process gave back (:func:`release`), never one holding a lock.

Allowed imports: standard library, ``psycopg``, ``s3engine.journal``, ``s3engine.errors``.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from s3engine.errors import MissingExtraError, WorkspaceError
from s3engine.journal import pg_schema

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
    try:
        import psycopg
    except ImportError as exc:
        raise MissingExtraError("A postgresql:// workspace", "postgres", "psycopg") from exc

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
            f"Cannot connect to the PostgreSQL workspace {target}: {server_says(exc, last=True)}.",
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


def server_says(exc: Exception, last: bool = False) -> str:
    """The server's message on one line (its first line, or the last for connection errors)."""
    lines = [x.strip() for x in str(exc).strip().splitlines() if x.strip()] or [type(exc).__name__]
    return (lines[-1] if last else lines[0]).rstrip(".")
