"""Snapshots: verified against the journal, equal to a full replay, ignored when they do not fit.

Every test runs on both journal stores (``store``): a PostgreSQL workspace keeps its snapshot in
its local state folder (``ws.path``) and checks it against the database's events.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pg_support import StoreCase

from s3engine.core import keyring, sections, snapshot
from s3engine.core.workspace import Workspace
from s3engine.demo.consent import consent


def state(ws: Workspace) -> dict:
    return {
        pid: (type(p).__name__, snapshot._state(p), p.history.seqs())
        for pid, p in ws.processes.items()
    }


def demo(store: StoreCase) -> Workspace:
    ws = Workspace(store.location)
    consent(ws, lambda _s: None)
    return ws


def test_snapshot_open_equals_replay_and_continues(store: StoreCase) -> None:
    ws = demo(store)
    assert snapshot.save(ws)
    fast = Workspace(ws.target)
    slow = Workspace(ws.target, use_snapshot=False)
    assert fast.snapshot_seq == ws.head[0]
    assert state(fast) == state(slow) and fast.projection.tables == slow.projection.tables
    # events written after the snapshot are applied on top of it
    p = slow.start("tension", "Bo", tension="Bins overflow", facilitator="Bo")
    p.act("assess", "Bo")
    again = Workspace(ws.target)
    assert again.snapshot_seq == fast.snapshot_seq
    assert state(again) == state(Workspace(ws.target, use_snapshot=False))
    assert again.get(p.id).state == "is_driver"
    # lazily loaded history reads the real events
    assert [e["type"] for e in again.get("consent-1").history][:2] == [
        "consent.started",
        "consent.consent_driver",
    ]


def rewrite(path: Path, edit: Callable[[dict[str, Any]], None], key: Any = None) -> None:
    """Change a snapshot's sections with ``edit`` and recompute every digest in it.

    The signature is made anew only with ``key`` (the workspace key); otherwise the old one stays.
    """
    seal_line, manifest_line, body = path.read_bytes().split(b"\n", 2)
    manifest = json.loads(manifest_line)
    places = manifest["sections"]
    parts = sections.Sections(body, places)
    doc = {n: parts.read(n) for n in places if not n.startswith("index:")}
    edit(doc)
    manifest["sections"], new_body = sections.encode((n, places[n][3], v) for n, v in doc.items())
    text = json.dumps(manifest, sort_keys=True).encode()
    seal = json.loads(seal_line)
    seal["digest"] = hashlib.sha256(text).hexdigest()
    if key is not None:
        seal["signature"] = base64.b64encode(key.sign(seal["digest"].encode())).decode()
    path.write_bytes(json.dumps(seal).encode() + b"\n" + text + b"\n" + new_body)


def test_snapshot_that_does_not_match_the_journal_is_ignored(store: StoreCase) -> None:
    ws = demo(store)
    snapshot.save(ws)
    path = ws.path / "snapshot.json"
    key = keyring.existing_key(ws.keys, ws.key_record)
    assert key is not None
    # signed by the workspace key itself, but its head is not the journal's event there
    rewrite(path, lambda doc: doc["core"]["head"].update(hash="0" * 64), key)
    w2 = Workspace(ws.target)
    assert w2.snapshot_seq == 0 and state(w2) == state(ws)
    rewrite(path, lambda doc: doc["core"]["head"].update(hash=ws.head[1]), key)
    assert Workspace(ws.target).snapshot_seq == ws.head[0]  # the same, re-signed, fits again


def test_corrupt_or_planted_snapshot_is_ignored(store: StoreCase) -> None:
    ws = demo(store)
    snapshot.save(ws)
    path = ws.path / "snapshot.json"
    raw = path.read_bytes()
    assert b"Saturday" in raw.split(b"\n", 2)[2]
    at = raw.rindex(b"Saturday")  # in the last section holding it: a table, not compressed
    path.write_bytes(raw[:at] + b"Sunday" + raw[at + 6 :])  # its digest no longer fits
    assert Workspace(ws.target).snapshot_seq == 0
    path.write_bytes(raw)

    def plant(doc: dict[str, Any]) -> None:
        doc["processes"][0]["cls"] = "os:system"  # only engine process classes are accepted

    rewrite(path, plant)  # digests recomputed, the old signature kept
    w2 = Workspace(ws.target)
    assert w2.snapshot_seq == 0 and state(w2) == state(ws)


def test_rebuild_removes_snapshot_and_close_writes_one(store: StoreCase, capsys) -> None:
    from s3engine.cli.main import main

    ws = demo(store)
    snapshot.EVERY, old = 10, snapshot.EVERY
    try:
        ws.close()
        assert (ws.path / "snapshot.json").exists()
        assert main(["rebuild", "-w", store.location]) == 0
    finally:
        snapshot.EVERY = old
    assert (
        not (ws.path / "snapshot.json").exists() or Workspace(ws.target).snapshot_seq == ws.head[0]
    )


def test_a_forged_snapshot_with_a_recomputed_digest_changes_nothing_shown(
    store: StoreCase, capsys
) -> None:
    """The attack of the audit: forged text, digest recomputed, the old signature kept."""
    from s3engine.cli.main import main

    ws = demo(store)
    assert snapshot.save(ws)
    assert Workspace(ws.target).snapshot_seq == ws.head[0]  # a genuine snapshot is used
    path = ws.path / "snapshot.json"

    def forge(doc: dict[str, Any]) -> None:
        text = json.dumps(doc).replace("Saturday", "Sunday")
        assert "Saturday" not in text
        doc.update(json.loads(text))

    rewrite(path, forge)  # forged text, every digest recomputed, the old signature kept
    reopened = Workspace(ws.target)
    assert reopened.snapshot_seq == 0 and state(reopened) == state(ws)
    capsys.readouterr()
    assert main(["agreements", "-w", store.location]) == 0
    out = capsys.readouterr().out
    assert "Saturday" in out and "Sunday" not in out
    assert main(["verify", "-w", store.location]) == 0
