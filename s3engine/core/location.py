"""Where a workspace is: a folder, or a workspace in a PostgreSQL database.

Allowed imports: standard library, ``s3engine.journal``.
"""

from __future__ import annotations

import os
from pathlib import Path

from s3engine.journal.event import Clock, utc_now
from s3engine.journal.file_store import Journal
from s3engine.journal.pg_connection import PgTarget, parse_url
from s3engine.journal.store import JournalStore, is_url

DEFAULT_DIR = "s3flow-workspace"
ENV_VAR = "S3FLOW_WORKSPACE"
#: Where a workspace is: its folder, or a workspace in a PostgreSQL database.
Location = Path | PgTarget


def resolve_path(path: str | os.PathLike[str] | PgTarget | None = None) -> Location:
    """Return the workspace: the argument, else ``$S3FLOW_WORKSPACE``, else the default folder.

    A ``postgresql://`` URL (argument or variable) names a workspace in a PostgreSQL database
    (see :func:`s3engine.journal.pg_connection.parse_url`); anything else is a folder.
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
        from s3engine.journal.pg_store import PgJournal

        return PgJournal(where, clock)
    return Journal(where / "journal.jsonl", clock)
