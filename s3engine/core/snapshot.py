"""Snapshots: open a large workspace without replaying the whole journal.

A snapshot (``<workspace>/snapshot.json``) holds the live state after event N: every process's
fields, the query-side tables and the settings, plus N's seq, hash and position in the journal
store (stored as ``offset``: the byte offset of a file journal, the seq in PostgreSQL). It is
derived data, never an authority: on open it is used only when it is verified against the journal
(the event ending at the stored position is event N, its recomputed hash is the stored hash) and
its digest is signed by the workspace key (``keys/workspace.key``, or the database's key): a
snapshot forged with a recomputed digest is discarded, not trusted. Otherwise the journal is
replayed (and verified) in full. Events after N are applied as usual. A program that cannot read
the key neither writes nor uses snapshots.

Snapshots are JSON, never pickle, so a planted file cannot run code; process classes are looked up
only among the engine's registered process types. A process's history is stored as event seqs and
read back from the journal only when someone looks at it.

Allowed imports: standard library, ``orjson``, s3engine.
"""

from __future__ import annotations

import base64
import functools
import gc
import hashlib
import json
from typing import TYPE_CHECKING, Any

import orjson

from s3engine.core import keyring, sections
from s3engine.core.history import History
from s3engine.core.projection import atomic_write
from s3engine.errors import SnapshotError
from s3engine.journal.event import event_hash
from s3engine.journal.signing import verify_signature

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.core.process import Process
    from s3engine.core.workspace import Workspace


def log() -> Any:
    """This module's logger (``logging`` is imported only when something is logged)."""
    import logging

    return logging.getLogger(__name__)


FORMAT = 5  # 5: sections read when needed (:mod:`.sections`); 4: sealed rounds, nested deferrals
NAME = "snapshot.json"
EVERY = 500  # write a new snapshot when this many events were applied since the last one
REFS = ("ws", "parent", "children", "waiting_on", "history")


class _Aliased(Exception):
    pass


_ATOMS = frozenset((str, int, float, bool, type(None)))


def _check_tree(obj: Any, seen: set[int]) -> None:
    """Raise _Aliased when a container appears twice (JSON would split it into two)."""
    todo = [obj]
    while todo:
        o = todo.pop()
        if type(o) in _ATOMS:
            continue
        if isinstance(o, (dict, list)):
            if id(o) in seen:
                raise _Aliased()
            seen.add(id(o))
            todo.extend(
                v for v in (o.values() if isinstance(o, dict) else o) if type(v) not in _ATOMS
            )
        elif isinstance(o, (tuple, set)):
            raise _Aliased()  # would not come back as the same type


def _classes(ws: Workspace) -> dict[str, type[Process]]:
    from s3engine.core.process import Process

    if not ws.process_types:  # imports the registry's process types
        return {}
    out: dict[str, type[Process]] = {}
    todo = list(Process.__subclasses__())
    while todo:
        c = todo.pop()
        out[f"{c.__module__}:{c.__qualname__}"] = c
        todo += c.__subclasses__()
    return {k: v for k, v in out.items() if k.startswith("s3engine.")}


def _state(p: Process) -> dict[str, Any]:
    state = {k: v for k, v in vars(p).items() if k not in REFS}
    state["_event"] = {k: p._event.get(k) for k in ("seq", "time", "actor", "process", "type")}
    return state


def build(ws: Workspace) -> tuple[bytes, bytes] | None:
    """The snapshot of the current state as (manifest, sections), or None when it cannot be taken.

    The sections are ``core`` (head, settings, key record, request ids), ``processes`` and one
    ``table:<name>`` per query-side table, each JSON; the manifest names each section's place and
    SHA-256 digest.
    """
    seq, head = ws.head
    if seq == 0:
        return None
    procs = []
    try:
        for p in ws.processes.values():
            state = _state(p)
            _check_tree(state, set())
            procs.append(
                {
                    "cls": f"{type(p).__module__}:{type(p).__qualname__}",
                    "id": p.id,
                    "parent": p.parent.id if p.parent else None,
                    "children": [c.id for c in p.children],
                    "waiting_on": p.waiting_on.id if p.waiting_on else None,
                    "history": p.history.seqs(),
                    "state": state,
                }
            )
        tables = ws.projection.tables
        _check_tree(tables, set())
        _check_tree(ws.settings, set())
    except _Aliased:
        log().info("snapshot skipped: state holds shared or non-JSON containers")
        return None
    from s3engine.version import __version__

    core = {
        "format": FORMAT,
        "s3flow": __version__,
        "head": {"seq": seq, "hash": head, "offset": ws.journal.position},
        "settings": ws.settings,
        "key_record": ws.key_record,
        "requests": {r: (e["seq"] if isinstance(e, dict) else e) for r, e in ws.requests.items()},
    }
    parts = [("core", "json", core), ("processes", "zjson", procs)]
    parts += [(f"table:{name}", "rows", rows) for name, rows in tables.items()]
    try:  # orjson: ten times faster; non-finite numbers never get past field checks
        places, body = sections.encode(parts)
    except TypeError:
        log().info("snapshot skipped: state is not JSON")
        return None
    manifest = {"format": FORMAT, "s3flow": __version__, "seq": seq, "sections": places}
    return orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS), body


def save(ws: Workspace) -> bool:
    """Write a snapshot of the current state (atomically).

    The file holds three parts: the seal (the manifest's digest and the workspace key's
    signature of it) on the first line, the manifest on the second, then the sections.

    Returns:
        True when written, False when the state cannot be snapshotted safely.
    """
    key = keyring.existing_key(ws.keys, ws.key_record)
    if key is None:
        return False
    built = build(ws)
    if built is None:
        return False
    manifest, body = built
    digest = hashlib.sha256(manifest).hexdigest()
    seal = {
        "digest": digest,
        "signature": base64.b64encode(key.sign(digest.encode())).decode(),
    }
    atomic_write(ws.path / NAME, json.dumps(seal).encode() + b"\n" + manifest + b"\n" + body)
    ws.snapshot_seq = ws.head[0]
    return True


def load(ws: Workspace) -> bool:
    """Restore the state from a verified snapshot; processes and tables are decoded when needed.

    Returns:
        True when restored; False (nothing changed) when the snapshot is unusable: damaged, from
        another version, or not matching the journal.
    """
    try:
        file, core = _open(ws)
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        return False
    if file is None:
        return False
    ws.settings.update(core["settings"])
    ws.key_record = core["key_record"]
    ws.requests.update(core["requests"])
    for name in file.names("table:"):
        table = name[6:]
        due = functools.partial(file.due, table) if f"index:{table}" in file.places else None
        ws.projection.lazy(table, functools.partial(file.read, name), due)
    ws.load_processes = functools.partial(_processes, ws, file)
    head = core["head"]
    ws.journal.start_at(head["offset"], head["seq"], head["hash"])
    ws.snapshot_seq = head["seq"]
    return True


def _open(ws: Workspace) -> tuple[sections.Sections | None, Any]:
    """The snapshot with its seal, every section and its head checked, and its core section.

    Returns:
        ``(None, None)`` when it is not this version's, not signed by the workspace key, damaged,
        or its head is not in the journal.
    """
    raw = (ws.path / NAME).read_bytes()
    first = raw.find(b"\n")
    second = raw.find(b"\n", first + 1)
    if first < 0 or second < 0:
        return None, None
    seal = json.loads(raw[:first])
    manifest_bytes = raw[first + 1 : second]
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    manifest = orjson.loads(manifest_bytes)
    from s3engine.version import __version__

    if (
        seal["digest"] != digest
        or manifest.get("format") != FORMAT
        or manifest.get("s3flow") != __version__
    ):
        return None, None
    file = sections.Sections(memoryview(raw)[second + 1 :], manifest["sections"])
    if not file.verified():
        return None, None
    core = file.read("core")
    key = keyring.existing_key(ws.keys, core["key_record"])
    if key is None or not verify_signature(
        key.name, key.public_b64, digest.encode(), base64.b64decode(seal["signature"])
    ):
        return None, None  # not made by the holder of this workspace's key: never trusted
    head = core["head"]
    ev = ws.journal.event_ending_at(head["offset"])
    if not (
        ev
        and ev.get("seq") == head["seq"]
        and ev.get("hash") == head["hash"]
        and event_hash(ev) == ev.get("hash")
    ):
        return None, None
    return file, core


def _processes(ws: Workspace, file: sections.Sections) -> dict[str, Process]:
    """The snapshot's process objects (made when the workspace first needs them).

    Raises:
        SnapshotError: The section changed, or names a class that is not a process type.
    """
    enabled = gc.isenabled()  # many small objects at once: the cyclic GC would rescan them
    gc.disable()
    try:
        records = file.read("processes") if "processes" in file.places else []
        classes = _classes(ws)
        made: dict[str, Process] = {}
        try:
            for rec in records:
                cls = classes[rec["cls"]]
                p = cls.__new__(cls)
                p.__dict__.update(rec["state"])
                p.ws = ws
                p.history = History(ws.read_events, rec["history"])
                made[rec["id"]] = p
            for rec in records:
                p = made[rec["id"]]
                p.parent = made[rec["parent"]] if rec["parent"] else None
                p.children = [made[c] for c in rec["children"]]
                p.waiting_on = made[rec["waiting_on"]] if rec["waiting_on"] else None
        except (KeyError, TypeError) as exc:
            raise SnapshotError(
                "The snapshot's processes cannot be read.",
                "Run `s3flow rebuild`; s3flow then reads the journal instead.",
            ) from exc
        return made
    finally:
        if enabled:
            gc.enable()
