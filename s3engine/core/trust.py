"""Trust: the workspace's signing key, its witnesses and signed checkpoints of its journal.

The private key lives in ``<workspace>/keys/workspace.key`` (mode 0600, folder 0700); the journal
records its public half. The first ``workspace.key_added`` event (data ``name``, ``public_key``,
``workspace_id``) names the workspace's key and id for good: the checkpoint origin is
``s3flow.local/<workspace id>`` and the key is named after it. It is appended on first use, so it
is part of the history it vouches for. ``workspace.witness_added`` events (data ``name``,
``public_key``, ``key_id``) record the keys of witnesses who countersign checkpoints.

What a checkpoint proves: whoever keeps it can later show that the journal still holds the events
it vouches for. The workspace key alone proves this only to those who trust the keeper of the
workspace folder (who can read the key); a witness's cosignature also guards against the keeper.
Keys recorded in the journal are as trustworthy as the journal; a verifier who holds a key
independently passes it in ``witnesses``.

Verification reads the journal file line by line without the chain checks of
:meth:`~s3engine.journal.file_store.Journal.read_new`, so that a damaged journal (which a
:class:`Workspace` cannot even open) can still be compared with a checkpoint.

Allowed imports: standard library, s3engine.core, s3engine.journal, s3engine.errors.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3engine.core.workspace import Workspace, open_journal
from s3engine.errors import S3Error
from s3engine.journal import checkpoint as cp_mod
from s3engine.journal.checkpoint import Checkpoint, CheckpointResult, NoteCheck
from s3engine.journal.pg_store import PgTarget
from s3engine.journal.signing import (
    SigningKey,
    check_name,
    decode_public,
    key_id,
)

KEY_EVENT = "workspace.key_added"
WITNESS_EVENT = "workspace.witness_added"
KEY_FILE = Path("keys") / "workspace.key"
ACTOR = "s3flow"

#: A workspace, its folder, or a PostgreSQL workspace (a damaged journal need not open).
Source = Workspace | Path | PgTarget


class TrustError(S3Error):
    """A checkpoint cannot be made, or a witness cannot be recorded."""


class _AlreadyKeyed(Exception):
    """Another program recorded the workspace key first (internal)."""


@dataclass(frozen=True)
class Identity:
    """The workspace's key and id, from the first ``workspace.key_added`` event.

    Attributes:
        name: Key name (also the checkpoint origin).
        public_key: Raw public key, base64.
        workspace_id: The workspace id.
        seq: The event that recorded it.
    """

    name: str
    public_key: str
    workspace_id: str
    seq: int

    @property
    def origin(self) -> str:
        """The checkpoint origin of this workspace."""
        return cp_mod.ORIGIN_PREFIX + self.workspace_id


def read_events(src: Source) -> list[Any]:
    """Return the journal's complete events, decoded (``None`` for a line that is not JSON).

    An incomplete last line (never acknowledged) is left out; nothing else is checked.
    """
    if isinstance(src, Workspace):
        journal = src.journal
    else:
        journal = open_journal(src if isinstance(src, PgTarget) else Path(src))
    try:
        return journal.raw_events()
    except S3Error as exc:
        raise TrustError(exc.message, exc.hint) from exc


def _data(ev: Any, type_: str) -> dict[str, Any] | None:
    if not isinstance(ev, dict) or ev.get("type") != type_ or not isinstance(ev.get("data"), dict):
        return None
    data: dict[str, Any] = ev["data"]
    if not all(isinstance(data.get(k), str) for k in ("name", "public_key")):
        return None
    return data


def _identity_of(events: list[Any]) -> Identity | None:
    for n, ev in enumerate(events, start=1):
        data = _data(ev, KEY_EVENT)
        if data is not None and isinstance(data.get("workspace_id"), str):
            return Identity(data["name"], data["public_key"], data["workspace_id"], n)
    return None


def identity(src: Source) -> Identity | None:
    """The workspace's key and id as the journal records them (None before the first checkpoint)."""
    return _identity_of(read_events(src))


def _trusted_of(events: list[Any]) -> dict[str, str]:
    keys: dict[str, str] = {}
    ident = _identity_of(events)
    if ident is not None:
        keys[ident.name] = ident.public_key
    for ev in events:
        data = _data(ev, WITNESS_EVENT)
        if data is not None:
            keys.setdefault(data["name"], data["public_key"])
    return keys


def trusted_keys(src: Source) -> dict[str, str]:
    """Key name -> base64 public key of the workspace key and every recorded witness."""
    return _trusted_of(read_events(src))


def workspace_key(ws: Workspace) -> SigningKey:
    """Return the workspace's signing key, creating and recording it on first use.

    Raises:
        TrustError: The journal names a key but the key file is missing or holds another key.
        SigningKeyError: The key file is readable by others or malformed.
    """
    ws.ensure_folder()
    path = ws.keys.describe()
    ident = identity(ws)
    if ident is None:
        workspace_id = uuid.uuid4().hex
        key = ws.keys.load_or_create(cp_mod.ORIGIN_PREFIX + workspace_id)
        data = {"name": key.name, "public_key": key.public_b64, "workspace_id": workspace_id}

        def check() -> None:
            if identity(ws) is not None:
                raise _AlreadyKeyed

        try:
            ws.write(ACTOR, "", KEY_EVENT, data, check)
            return key
        except _AlreadyKeyed:
            ident = identity(ws)
            assert ident is not None
    if not ws.keys.has_key():
        raise TrustError(
            f"The journal names the workspace key {ident.name} (event {ident.seq}), but the key "
            f"file {path} is missing.",
            "Restore keys/workspace.key from a backup of this workspace; the key does not travel "
            "with an export.",
        )
    key = ws.keys.load_or_create(ident.name)
    if key.public_b64 != ident.public_key:
        raise TrustError(
            f"The key file {path} holds another key than the one the journal names "
            f"(event {ident.seq}).",
            "Restore the workspace's own keys/workspace.key; checkpoints are signed only with it.",
        )
    return key


def checkpoint(ws: Workspace) -> str:
    """Return a checkpoint of the journal's current head, signed by the workspace key.

    Raises:
        TrustError: The journal is damaged (a damaged journal is never signed).
    """
    key = workspace_key(ws)
    events = read_events(ws)
    broken = cp_mod.chain_break(events)
    if broken:
        raise TrustError(
            f"The journal is damaged at event {broken[0]}: {broken[1]}; it cannot be signed.",
            "Run `s3flow verify` and restore the journal from a backup or an export.",
        )
    body = cp_mod.make(key.name, events)
    return cp_mod.sign(body, key)


def add_witness(ws: Workspace, actor: str, name: str, public_b64: str) -> dict[str, Any]:
    """Record a witness's public key in the journal; return the event.

    Raises:
        SigningKeyError: The name or public key is malformed.
        TrustError: A key of this name is already recorded.
    """
    check_name(name)
    raw = decode_public(public_b64)
    public = base64.b64encode(raw).decode("ascii")

    def check() -> None:
        if name in trusted_keys(ws):
            raise TrustError(
                f"A key named {name} is already recorded in this journal.",
                "Give the new witness another name (`s3flow witness list` shows the names).",
            )

    data = {"name": name, "public_key": public, "key_id": key_id(name, raw).hex()}
    return ws.write(actor, "", WITNESS_EVENT, data, check)


@dataclass(frozen=True)
class TrustReport:
    """How a checkpoint compares with a workspace's journal.

    Attributes:
        checkpoint: The parsed checkpoint.
        result: The comparison of the journal with it.
        signatures: Which signatures verify.
        workspace_key: Name of the workspace key recorded in the journal (None if none).
        problems: One sentence per problem, the first missing or changed seq first.
    """

    checkpoint: Checkpoint
    result: CheckpointResult
    signatures: NoteCheck
    workspace_key: str | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the journal matches and a trusted signature vouches for the checkpoint."""
        return not self.problems


def verify_against(
    src: Source, note_text: str, witnesses: Mapping[str, str] | None = None
) -> TrustReport:
    """Check a checkpoint's signatures and compare the journal of ``src`` with it.

    Args:
        src: The workspace, or its folder (a damaged journal need not open as a workspace).
        note_text: The checkpoint note.
        witnesses: Further trusted keys (name -> base64 public key), e.g. given by the verifier.

    Raises:
        CheckpointError: The note is malformed.
        TrustError: There is no workspace folder.
    """
    cp = cp_mod.parse(note_text)
    if isinstance(src, Path) and not src.is_dir():
        raise TrustError(
            f"No workspace at {src}.", "Give the workspace folder with --workspace DIR."
        )
    events = read_events(src)
    ident = _identity_of(events)
    trusted = _trusted_of(events)
    trusted.update(witnesses or {})
    sigs = cp_mod.verify_note(cp, trusted)
    result = cp_mod.compare(cp, events)
    problems = [] if result.ok else [result.reason]
    if ident is not None and cp.origin != ident.origin:
        problems.append(f"the checkpoint is about {cp.origin}, but this journal is {ident.origin}.")
    for name in sigs.failed:
        problems.append(
            f"the signature by {name} does not verify: the checkpoint was forged or changed."
        )
    if not sigs.verified and not sigs.failed:
        why = "no signature by a trusted key"
        if sigs.unknown:
            why += f" (signed only by unknown keys: {', '.join(sigs.unknown)})"
        if ident is None:
            why += "; this journal records no workspace key"
        problems.append(why + ".")
    return TrustReport(cp, result, sigs, ident.name if ident else None, tuple(problems))
