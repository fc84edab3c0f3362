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
import gc
import hashlib
import json
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson

from s3engine.core import keyring
from s3engine.core.projection import atomic_write
from s3engine.journal.event import event_hash
from s3engine.journal.signing import verify_signature

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.core.process import Process
    from s3engine.core.workspace import Workspace

log = logging.getLogger(__name__)
FORMAT = 4  # 4: sealed rounds, deferrals kept in nested resolutions
NAME = "snapshot.json"
EVERY = 500  # write a new snapshot when this many events were applied since the last one
REFS = ("ws", "parent", "children", "waiting_on", "history")


class LazyHistory(list[dict[str, Any]]):
    """A process's events, read from the journal on first use (after a snapshot was loaded)."""

    def __init__(self, ws: Workspace, seqs: list[int]) -> None:
        super().__init__()
        self._ws: Workspace | None = ws
        self._seqs = list(seqs)
        self._extra: list[dict[str, Any]] = []

    def _load(self) -> None:
        if self._ws is not None:
            ws, self._ws = self._ws, None
            wanted = set(self._seqs)
            events = [e for e in ws.events() if e["seq"] in wanted]
            super().extend(events)
            super().extend(self._extra)

    def seqs(self) -> list[int]:
        """Seqs of the events, without reading them."""
        if self._ws is None:
            return [e["seq"] for e in list.__iter__(self)]
        return self._seqs + [e["seq"] for e in self._extra]

    def append(self, ev: dict[str, Any]) -> None:
        """Add a new event (kept aside until the journal's events are read)."""
        if self._ws is None:
            super().append(ev)
        else:
            self._extra.append(ev)

    def __len__(self) -> int:
        return len(self._seqs) + len(self._extra) if self._ws is not None else super().__len__()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self._load()
        return super().__iter__()

    def __getitem__(self, i: Any) -> Any:
        self._load()
        return super().__getitem__(i)

    def __eq__(self, other: object) -> bool:
        self._load()
        return list(super().__iter__()) == list(other) if isinstance(other, list) else False

    __hash__ = None


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


def _classes() -> dict[str, type[Process]]:
    from s3engine.core.process import Process

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


def build(ws: Workspace) -> dict[str, Any] | None:
    """The snapshot document for the current state, or None when it cannot be taken safely."""
    seq, head = ws.head
    if seq == 0:
        return None
    procs = []
    try:
        for p in ws.processes.values():
            state = _state(p)
            _check_tree(state, set())
            hist = (
                p.history.seqs()
                if isinstance(p.history, LazyHistory)
                else [e["seq"] for e in p.history]
            )
            procs.append(
                {
                    "cls": f"{type(p).__module__}:{type(p).__qualname__}",
                    "id": p.id,
                    "parent": p.parent.id if p.parent else None,
                    "children": [c.id for c in p.children],
                    "waiting_on": p.waiting_on.id if p.waiting_on else None,
                    "history": hist,
                    "state": state,
                }
            )
        tables = ws.projection.tables
        _check_tree(tables, set())
        _check_tree(ws.settings, set())
    except _Aliased:
        log.info("snapshot skipped: state holds shared or non-JSON containers")
        return None
    from s3engine.version import __version__

    body = {
        "format": FORMAT,
        "s3flow": __version__,
        "head": {"seq": seq, "hash": head, "offset": ws.journal.position},
        "settings": ws.settings,
        "key_record": ws.key_record,
        "requests": {r: (e["seq"] if isinstance(e, dict) else e) for r, e in ws.requests.items()},
        "projection": tables,
        "processes": procs,
    }
    try:  # orjson: ten times faster; non-finite numbers never get past field checks
        text = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        log.info("snapshot skipped: state is not JSON")
        return None
    return {"digest": hashlib.sha256(text).hexdigest(), "body": text}


def save(ws: Workspace) -> bool:
    """Write a snapshot of the current state (atomically).

    Returns:
        True when written, False when the state cannot be snapshotted safely.
    """
    key = keyring.existing_key(ws.keys, ws.key_record)
    if key is None:
        return False
    doc = build(ws)
    if doc is None:
        return False
    seal = {
        "digest": doc["digest"],
        "signature": base64.b64encode(key.sign(doc["digest"].encode())).decode(),
    }
    atomic_write(ws.path / NAME, json.dumps(seal).encode() + b"\n" + doc["body"])
    ws.snapshot_seq = ws.head[0]
    return True


def load(ws: Workspace) -> bool:
    """Restore the state from a verified snapshot.

    Returns:
        True when restored; False (nothing changed) when the snapshot is unusable: damaged, from
        another version, or not matching the journal.
    """
    # Millions of small objects are created at once: the cyclic GC would rescan them repeatedly.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(ws)
    finally:
        if enabled:
            gc.enable()


def _load(ws: Workspace) -> bool:
    path = ws.path / NAME
    try:
        raw = path.read_bytes()
        cut = raw.find(b"\n")
        seal = json.loads(raw[:cut] if cut >= 0 else raw)
        text = memoryview(raw)[cut + 1 :] if cut >= 0 else memoryview(b"")  # no copies
        digest = hashlib.sha256(text).hexdigest()
        if seal["digest"] != digest:
            return False
        body = orjson.loads(text)
        key = keyring.existing_key(ws.keys, body["key_record"])
        if key is None or not verify_signature(
            key.name, key.public_b64, digest.encode(), base64.b64decode(seal["signature"])
        ):
            return False  # not made by the holder of this workspace's key: never trusted
    except (OSError, ValueError, KeyError, TypeError):
        return False
    from s3engine.version import __version__

    if body.get("format") != FORMAT or body.get("s3flow") != __version__:
        return False
    head = body["head"]
    ev = ws.journal.event_ending_at(head["offset"])
    if (
        not ev
        or ev.get("seq") != head["seq"]
        or ev.get("hash") != head["hash"]
        or (event_hash(ev) != ev.get("hash"))
    ):
        return False
    classes = _classes()
    made: dict[str, Process] = {}
    try:
        for rec in body["processes"]:
            cls = classes[rec["cls"]]
            p = cls.__new__(cls)
            p.__dict__.update(rec["state"])
            p.ws = ws
            p.history = LazyHistory(ws, rec["history"])
            made[rec["id"]] = p
        for rec in body["processes"]:
            p = made[rec["id"]]
            p.parent = made[rec["parent"]] if rec["parent"] else None
            p.children = [made[c] for c in rec["children"]]
            p.waiting_on = made[rec["waiting_on"]] if rec["waiting_on"] else None
    except (KeyError, TypeError):
        return False
    ws.processes.update(made)
    ws.settings.update(body["settings"])
    ws.key_record = body["key_record"]
    ws.requests.update(body["requests"])
    for name, rows in body["projection"].items():
        ws.projection.tables[name] = rows
    ws.journal.start_at(head["offset"], head["seq"], head["hash"])
    ws.snapshot_seq = head["seq"]
    return True
