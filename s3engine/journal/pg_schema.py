"""The PostgreSQL schema of s3flow journals, with versioned migrations.

``s3flow_schema`` holds one row: the schema version. :data:`MIGRATIONS` are ordered steps; step
``n`` (1-based) takes the schema from version ``n - 1`` to ``n``. :func:`migrate` runs the missing
steps in one transaction under an advisory lock, so two programs opening a new database at once
never run a step twice, and a database made by a newer s3flow is refused rather than damaged.

Tables (all rows of one workspace carry its name; many workspaces share one database):

- ``s3flow_workspaces``: one row per workspace with its head (``head_seq``, ``head_hash``);
- ``s3flow_events``: one row per event, ``(workspace, seq)`` the primary key; ``line`` is the
  journal line exactly as the file store would write it (so export and import are lossless), next
  to the columns used to find events (``hash``, ``prev``, ``type``, ``process``);
- ``s3flow_keys``: the workspace's private key (raw Ed25519, readable only by database roles
  granted this table), so every process of a deployment signs with the same key;
- ``s3flow_sealed``: the sealed answers of hidden rounds (AES-GCM blobs, see
  :mod:`s3engine.core.sealed`), deleted after the reveal;
- ``s3flow_append(...)`` (version 2): appends one event in one statement, so one round trip and
  one implicit transaction: the head row moved only if it still holds the previous head (else
  ``serialization_failure``), the row, the notification.

Allowed imports: standard library, ``psycopg``, ``s3engine.errors``.
"""

from __future__ import annotations

from typing import Any

from s3engine.errors import WorkspaceError

#: Advisory lock key held while migrating (any constant unlikely to clash).
MIGRATION_LOCK = 0x53_33_66_6C_6F_77  # "S3flow"

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: journals, heads, keys, sealed answers
        """CREATE TABLE s3flow_workspaces (
            name text PRIMARY KEY,
            head_seq bigint NOT NULL DEFAULT 0,
            head_hash text NOT NULL,
            created timestamptz NOT NULL DEFAULT now())""",
        """CREATE TABLE s3flow_events (
            workspace text NOT NULL REFERENCES s3flow_workspaces (name),
            seq bigint NOT NULL CHECK (seq > 0),
            hash text NOT NULL,
            prev text NOT NULL,
            type text NOT NULL,
            process text NOT NULL,
            line text NOT NULL,
            PRIMARY KEY (workspace, seq))""",
        "CREATE INDEX s3flow_events_process ON s3flow_events (workspace, process)",
        """CREATE TABLE s3flow_keys (
            workspace text PRIMARY KEY REFERENCES s3flow_workspaces (name),
            name text NOT NULL,
            private bytea NOT NULL)""",
        """CREATE TABLE s3flow_sealed (
            workspace text NOT NULL REFERENCES s3flow_workspaces (name),
            process text NOT NULL,
            round integer NOT NULL,
            commitment text NOT NULL,
            blob bytea NOT NULL,
            PRIMARY KEY (workspace, process, round, commitment))""",
    ),
    (  # 2: one event appended in one round trip (head check, row, notification)
        """CREATE FUNCTION s3flow_append(
            ws text, s bigint, h text, p text, t text, pr text, l text) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE s3flow_workspaces SET head_seq = s, head_hash = h
                WHERE name = ws AND head_seq = s - 1 AND head_hash = p;
            IF NOT FOUND THEN
                RAISE EXCEPTION 's3flow: the head of workspace % moved', ws
                    USING ERRCODE = 'serialization_failure';
            END IF;
            INSERT INTO s3flow_events (workspace, seq, hash, prev, type, process, line)
                VALUES (ws, s, h, p, t, pr, l);
            PERFORM pg_notify('s3flow_journal',
                json_build_object('workspace', ws, 'seq', s, 'hash', h)::text);
        END $$""",
    ),
)

VERSION = len(MIGRATIONS)


def current_version(conn: Any) -> int:
    """The schema version of the database (0 when s3flow never used it)."""
    row = conn.execute("SELECT to_regclass('s3flow_schema') IS NOT NULL").fetchone()
    if not row[0]:
        return 0
    got = conn.execute("SELECT version FROM s3flow_schema").fetchone()
    return int(got[0]) if got else 0


def migrate(conn: Any) -> int:
    """Bring the schema up to :data:`VERSION`; return the version found before.

    Args:
        conn: A psycopg connection in autocommit mode.

    Raises:
        WorkspaceError: The database was set up by a newer s3flow.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        found = current_version(conn)
        if found > VERSION:
            raise WorkspaceError(
                f"The database holds s3flow schema version {found}; this s3flow knows up to "
                f"{VERSION}.",
                "Upgrade s3flow on this computer (pip install -U s3flow).",
            )
        if found == 0:
            conn.execute("CREATE TABLE s3flow_schema (version integer NOT NULL)")
            conn.execute("INSERT INTO s3flow_schema VALUES (0)")
        for steps in MIGRATIONS[found:]:
            for sql in steps:
                conn.execute(sql)
        if found < VERSION:
            conn.execute("UPDATE s3flow_schema SET version = %s", (VERSION,))
    return found
