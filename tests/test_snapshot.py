"""Snapshots: verified against the journal, equal to a full replay, ignored when they do not fit.

Every test runs on both journal stores (``store``): a PostgreSQL workspace keeps its snapshot in
its local state folder (``ws.path``) and checks it against the database's events.
"""

from __future__ import annotations

import json

from pg_support import StoreCase

from s3engine.core import snapshot
from s3engine.core.workspace import Workspace
from s3engine.demo.consent import consent


def state(ws: Workspace) -> dict:
    return {
        pid: (type(p).__name__, snapshot._state(p), [e["seq"] for e in p.history])
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


def test_snapshot_that_does_not_match_the_journal_is_ignored(store: StoreCase) -> None:
    ws = demo(store)
    snapshot.save(ws)
    path = ws.path / "snapshot.json"
    _, _, body = path.read_text().partition("\n")
    doc = json.loads(body)
    doc["head"]["hash"] = "0" * 64
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False)
    import hashlib

    path.write_text(json.dumps({"digest": hashlib.sha256(text.encode()).hexdigest()}) + "\n" + text)
    w2 = Workspace(ws.target)
    assert w2.snapshot_seq == 0 and state(w2) == state(ws)


def test_corrupt_or_planted_snapshot_is_ignored(store: StoreCase) -> None:
    ws = demo(store)
    snapshot.save(ws)
    path = ws.path / "snapshot.json"
    raw = path.read_text()
    path.write_text(raw.replace("Saturday", "Sunday", 1))  # digest no longer matches
    assert Workspace(ws.target).snapshot_seq == 0
    _, _, body = raw.partition("\n")
    doc = json.loads(body)
    doc["processes"][0]["cls"] = "os:system"  # only engine process classes are accepted
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False)
    import hashlib

    path.write_text(json.dumps({"digest": hashlib.sha256(text.encode()).hexdigest()}) + "\n" + text)
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
    import hashlib

    from s3engine.cli.main import main

    ws = demo(store)
    assert snapshot.save(ws)
    assert Workspace(ws.target).snapshot_seq == ws.head[0]  # a genuine snapshot is used
    path = ws.path / "snapshot.json"
    seal_line, _, body = path.read_text().partition("\n")
    forged = body.replace("Saturday", "Sunday")
    assert forged != body
    seal = json.loads(seal_line)
    seal["digest"] = hashlib.sha256(forged.encode()).hexdigest()
    path.write_text(json.dumps(seal) + "\n" + forged)
    reopened = Workspace(ws.target)
    assert reopened.snapshot_seq == 0 and state(reopened) == state(ws)
    capsys.readouterr()
    assert main(["agreements", "-w", store.location]) == 0
    out = capsys.readouterr().out
    assert "Saturday" in out and "Sunday" not in out
    assert main(["verify", "-w", store.location]) == 0
