"""The workspace key on disk: created with the journal, its public half in the first event.

A new workspace's first event is ``workspace.key_added`` (data ``name``, ``public_key``,
``workspace_id``); the private key is ``keys/workspace.key`` (mode 0600, folder 0700) and never
leaves the folder (exports do not carry it). It signs checkpoints and snapshots. Workspaces made by
s3flow 0.1 get their key the first time one is needed (see :mod:`s3engine.core.trust`).

Allowed imports: standard library, ``s3engine.journal``, ``s3engine.errors``.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from s3engine.errors import S3Error
from s3engine.journal.checkpoint import ORIGIN_PREFIX
from s3engine.journal.signing import SigningKey, load_or_create

KEY_EVENT = "workspace.key_added"
KEY_FILE = Path("keys") / "workspace.key"


def new_identity(folder: Path) -> dict[str, Any]:
    """Create the key file of a new workspace; return the data of its ``workspace.key_added``.

    Raises:
        SigningKeyError: The key file cannot be written, or one exists that others can read.
    """
    workspace_id = uuid.uuid4().hex
    key = load_or_create(folder / KEY_FILE, ORIGIN_PREFIX + workspace_id)
    return {"name": key.name, "public_key": key.public_b64, "workspace_id": workspace_id}


def existing_key(folder: Path, identity: dict[str, Any] | None) -> SigningKey | None:
    """The workspace's private key when this program may read it and it matches the journal.

    Returns None (never raises) when there is no identity yet, no key file, or a key file that
    cannot be used: callers then do without what the key would sign (e.g. a snapshot).
    """
    path = folder / KEY_FILE
    if identity is None or not path.is_file():
        return None
    try:
        key = load_or_create(path, str(identity["name"]))
    except (S3Error, OSError, KeyError):
        return None
    return key if key.public_b64 == identity.get("public_key") else None
