"""The secrets of a PostgreSQL workspace: its private key and the sealed answers of hidden rounds.

Every program of a region's deployment (several hub users' kernels, the participant app, the
command line on the server) must sign checkpoints with the same workspace key and open the answers
another program sealed, so both live in the database, not in one computer's folder:
``s3flow_keys`` (one raw Ed25519 key per workspace) and ``s3flow_sealed`` (AES-GCM blobs). Whoever
may read those tables can sign and open them, as whoever may read ``keys/workspace.key`` can for a
folder workspace: grant them only to the role s3flow connects as.

Allowed imports: standard library, ``psycopg``, ``cryptography``, ``s3engine.journal``,
``s3engine.errors``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from s3engine.errors import S3Error
from s3engine.journal.pg_store import PgJournal
from s3engine.journal.signing import KEY_BYTES, SigningKey, SigningKeyError, check_name


class PgKeys:
    """The workspace key kept in the database (a key vault, see :mod:`s3engine.core.keyring`)."""

    def __init__(self, journal: PgJournal) -> None:
        self.journal = journal

    def describe(self) -> str:
        """Where the key is kept, for messages."""
        return f"the s3flow_keys table of {self.journal.target}"

    def has_key(self) -> bool:
        """True when the workspace has a key."""
        if self.journal.key_cache is not None:
            return True
        rows = self.journal._query(
            "SELECT 1 FROM s3flow_keys WHERE workspace = %s", (self.journal.name,)
        )
        return bool(rows)

    def load_or_create(self, name: str) -> SigningKey:
        """The workspace's key, created on first use (two programs at once end up sharing one).

        Raises:
            SigningKeyError: The name is invalid or the stored key is malformed.
        """
        check_name(name)
        if self.journal.key_cache is not None:  # a workspace's key never changes
            return SigningKey(name, Ed25519PrivateKey.from_private_bytes(self.journal.key_cache))
        created = False
        if not self.has_key():
            self.journal.ensure()
            raw = Ed25519PrivateKey.generate().private_bytes_raw()
            rows = self.journal._query(
                "INSERT INTO s3flow_keys (workspace, name, private) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING RETURNING 1",
                (self.journal.name, name, raw),
            )
            created = bool(rows)
        rows = self.journal._query(
            "SELECT private FROM s3flow_keys WHERE workspace = %s", (self.journal.name,)
        )
        data = bytes(rows[0][0])
        if len(data) != KEY_BYTES:
            raise SigningKeyError(
                f"The workspace key in {self.describe()} holds {len(data)} bytes, not {KEY_BYTES}.",
                "Restore the s3flow_keys table from a backup of the database.",
            )
        self.journal.key_cache = data
        return SigningKey(name, Ed25519PrivateKey.from_private_bytes(data), None, created)


class PgSealedBlobs:
    """Sealed answers as rows of ``s3flow_sealed`` (the blob store of a ``SealedStore``).

    Args:
        journal: The workspace's journal.
        replaying: True while the workspace replays old events: rounds revealed then were
            cleaned up by the program that revealed them, so nothing is deleted again.
    """

    def __init__(self, journal: PgJournal, replaying: Callable[[], bool] = lambda: False) -> None:
        self.journal = journal
        self.replaying = replaying

    def put(self, process: str, round_no: int, committed: str, blob: bytes) -> None:
        """Store a sealed answer durably (committed before the commitment is journaled).

        Raises:
            S3Error: The database refused it.
        """
        self.journal.ensure()
        self.journal._query(
            "INSERT INTO s3flow_sealed (workspace, process, round, commitment, blob) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (workspace, process, round, commitment) "
            "DO UPDATE SET blob = excluded.blob RETURNING 1",
            (self.journal.name, process, round_no, committed, blob),
        )

    def get(self, process: str, round_no: int, committed: str) -> bytes | None:
        """The sealed answer, None when there is none."""
        rows: list[Any] = self.journal._query(
            "SELECT blob FROM s3flow_sealed WHERE workspace = %s AND process = %s AND round = %s "
            "AND commitment = %s",
            (self.journal.name, process, round_no, committed),
        )
        return bytes(rows[0][0]) if rows else None

    def drop(self, process: str, round_no: int) -> None:
        """Delete a revealed round's sealed answers (best effort)."""
        if self.replaying():
            return
        with contextlib.suppress(S3Error):
            self.journal._query(
                "DELETE FROM s3flow_sealed WHERE workspace = %s AND process = %s AND round = %s "
                "RETURNING 1",
                (self.journal.name, process, round_no),
            )
