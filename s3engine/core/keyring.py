"""The workspace key on disk: created with the journal, its public half in the first event.

A new workspace's first event is ``workspace.key_added`` (data ``name``, ``public_key``,
``workspace_id``); the private key is ``keys/workspace.key`` (mode 0600, folder 0700) and never
leaves the folder (exports do not carry it). It signs checkpoints and snapshots. Workspaces made by
s3flow 0.1 get their key the first time one is needed (see :mod:`s3engine.core.trust`).

Allowed imports: standard library, ``s3engine.journal``, ``s3engine.errors``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from s3engine.errors import S3Error
from s3engine.journal.signing import ORIGIN_PREFIX, SigningKey, load_or_create

KEY_EVENT = "workspace.key_added"
KEY_FILE = Path("keys") / "workspace.key"


class KeyVault(Protocol):
    """Where a workspace's private key is kept: its folder, or its database (PostgreSQL)."""

    def has_key(self) -> bool:
        """True when a key is kept there."""
        ...

    def load_or_create(self, name: str) -> SigningKey:
        """The key, created when there is none (two programs at once end up with one key)."""
        ...

    def describe(self) -> str:
        """Where the key is, for messages."""
        ...


class FolderVault:
    """The key file ``keys/workspace.key`` of a workspace folder."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / KEY_FILE

    def has_key(self) -> bool:
        """True when the key file exists."""
        return self.path.is_file()

    def load_or_create(self, name: str) -> SigningKey:
        """Read (or create) the key file (see :func:`s3engine.journal.signing.load_or_create`)."""
        return load_or_create(self.path, name)

    def describe(self) -> str:
        """The key file's path."""
        return str(self.path)


def vault(where: Path | KeyVault) -> KeyVault:
    """The key vault of a workspace folder (or ``where`` itself when it is one)."""
    return FolderVault(where) if isinstance(where, Path) else where


def new_identity(where: Path | KeyVault) -> dict[str, Any]:
    """Create the key of a new workspace; return the data of its ``workspace.key_added``.

    Raises:
        SigningKeyError: The key file cannot be written, or one exists that others can read.
    """
    import uuid  # (only a new workspace needs it)

    workspace_id = uuid.uuid4().hex
    key = vault(where).load_or_create(ORIGIN_PREFIX + workspace_id)
    return {"name": key.name, "public_key": key.public_b64, "workspace_id": workspace_id}


def existing_key(where: Path | KeyVault, identity: dict[str, Any] | None) -> SigningKey | None:
    """The workspace's private key when this program may read it and it matches the journal.

    Returns None (never raises) when there is no identity yet, no key file, or a key file that
    cannot be used: callers then do without what the key would sign (e.g. a snapshot).
    """
    keys = vault(where)
    try:
        if identity is None or not keys.has_key():
            return None
        key = keys.load_or_create(str(identity["name"]))
    except (S3Error, OSError, KeyError):
        return None
    return key if key.public_b64 == identity.get("public_key") else None
