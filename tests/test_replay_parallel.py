"""Opening a long journal with its hashes checked by a second program, histories read back, and
derived files written by a detached writer.

The hash worker (``s3engine.journal.hash_worker``) recomputes the hashes while the opening program
decodes, links and applies the events. Here the thresholds are lowered so that small journals take
that path, and the results are compared with the sequential check: the same state when the journal
is intact, the same error (the earliest problem) when it is not, nothing outside memory changed
before the verdict, and the same verdict when the worker cannot run or dies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pg_support import StoreCase

from s3engine.bench.opening import build_workspace
from s3engine.core import flusher, sealed, snapshot
from s3engine.core.workspace import Workspace
from s3engine.errors import CorruptJournalError
from s3engine.journal import file_store, hash_worker

DECISIONS = 40  # 441 events, about 150 kB


@pytest.fixture(scope="module")
def journal_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parallel") / "ws"
    build_workspace(folder, DECISIONS)
    return folder


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small journals take the hash worker's path."""
    monkeypatch.setattr(file_store, "BLOCK", 4096)
    monkeypatch.setattr(hash_worker, "MIN_BYTES", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


def copy_of(folder: Path, tmp_path: Path) -> Path:
    """A copy of the journal and the key (modes kept: the key must stay private)."""
    dest = tmp_path / "copy"
    dest.mkdir(parents=True)
    shutil.copy2(folder / "journal.jsonl", dest / "journal.jsonl")
    shutil.copytree(folder / "keys", dest / "keys")
    return dest


def state(ws: Workspace) -> str:
    procs = {
        pid: (type(p).__name__, snapshot._state(p), p.history.seqs())
        for pid, p in ws.processes.items()
    }
    tables = {t: list(rows.items()) for t, rows in ws.projection.tables.items() if rows}
    return json.dumps([procs, tables, ws.head], default=str, sort_keys=True)  # rows in order


def change_line(path: Path, seq: int, edit: Any) -> None:
    """Rewrite event ``seq``'s line with ``edit(event)`` (its hash left as it was)."""
    lines = path.read_bytes().splitlines(keepends=True)
    ev = json.loads(lines[seq - 1])
    edit(ev)
    lines[seq - 1] = (json.dumps(ev, ensure_ascii=False) + "\n").encode()
    path.write_bytes(b"".join(lines))


def spawned(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the hash workers started."""
    started: list[int] = []
    real = hash_worker.HashCheck.__init__

    def counting(self: hash_worker.HashCheck, path: str, offset: int, length: int) -> None:
        started.append(length)
        real(self, path, offset, length)

    monkeypatch.setattr(hash_worker.HashCheck, "__init__", counting)
    return started


def test_an_intact_journal_opens_to_the_same_state_both_ways(
    journal_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_of(journal_folder, tmp_path)
    sequential = state(Workspace(folder, use_snapshot=False))
    monkeypatch.setattr(file_store, "BLOCK", 4096)
    monkeypatch.setattr(hash_worker, "MIN_BYTES", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    started = spawned(monkeypatch)

    def here(*_: Any) -> None:
        raise AssertionError("the hashes were checked here, not by the worker")

    monkeypatch.setattr(hash_worker, "first_bad", here)  # the worker has its own copy
    ws = Workspace(folder, use_snapshot=False)
    assert started == [(folder / "journal.jsonl").stat().st_size]  # one worker, whole journal
    assert state(ws) == sequential
    assert len(ws.agreements()) == DECISIONS


@pytest.mark.parametrize("where", [5, 200, 441])
def test_a_changed_event_fails_the_open_as_the_sequential_check_does(
    journal_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: int
) -> None:
    folder = copy_of(journal_folder, tmp_path)
    change_line(folder / "journal.jsonl", where, lambda ev: ev.update(actor="Mallory"))
    with pytest.raises(CorruptJournalError) as sequential:
        Workspace(folder, use_snapshot=False)
    monkeypatch.setattr(file_store, "BLOCK", 4096)
    monkeypatch.setattr(hash_worker, "MIN_BYTES", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    started = spawned(monkeypatch)
    with pytest.raises(CorruptJournalError) as parallel_error:
        Workspace(folder, use_snapshot=False)
    assert started, "the hash worker was not used"
    assert parallel_error.value.seq == sequential.value.seq == where
    assert str(parallel_error.value) == str(sequential.value)
    assert "changed" in parallel_error.value.reason


def test_the_earliest_problem_wins(
    journal_folder: Path, tmp_path: Path, parallel: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_of(journal_folder, tmp_path)
    path = folder / "journal.jsonl"
    change_line(path, 100, lambda ev: ev.update(actor="Mallory"))  # found by the worker
    change_line(path, 300, lambda ev: ev.update(prev="0" * 64))  # found by the opening program
    with pytest.raises(CorruptJournalError) as err:
        Workspace(folder, use_snapshot=False)
    assert err.value.seq == 100


@pytest.mark.parametrize("worker", ["missing", "dies", "lies short"])
def test_without_a_working_worker_the_hashes_are_checked_anyway(
    journal_folder: Path,
    tmp_path: Path,
    parallel: None,
    monkeypatch: pytest.MonkeyPatch,
    worker: str,
) -> None:
    folder = copy_of(journal_folder, tmp_path)
    change_line(folder / "journal.jsonl", 250, lambda ev: ev["data"].update(extra="x"))
    if worker == "missing":
        monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    else:
        fake = tmp_path / "fake-python"
        said = "exit 3" if worker == "dies" else "echo ok 7"
        fake.write_text(f"#!/bin/sh\n{said}\n")
        fake.chmod(0o755)
        monkeypatch.setattr(sys, "executable", str(fake))
    with pytest.raises(CorruptJournalError) as err:
        Workspace(folder, use_snapshot=False)
    assert err.value.seq == 250


def test_nothing_outside_memory_changes_before_the_verdict(
    journal_folder: Path, tmp_path: Path, parallel: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped: list[tuple[str, int]] = []
    monkeypatch.setattr(
        sealed.SealedStore, "discard", lambda self, pid, no: dropped.append((pid, no))
    )
    folder = copy_of(journal_folder, tmp_path)
    change_line(folder / "journal.jsonl", 430, lambda ev: ev.update(time="2020-01-01T00:00:00Z"))
    with pytest.raises(CorruptJournalError):
        Workspace(folder, use_snapshot=False)
    assert dropped == []  # revealed rounds before event 430 were applied, but not acted on
    intact = copy_of(journal_folder, tmp_path / "intact")
    Workspace(intact, use_snapshot=False)
    assert len(dropped) == DECISIONS  # one revealed round per decision, acted on once verified


def test_histories_are_read_back_from_the_journal_and_checked(
    journal_folder: Path, tmp_path: Path, parallel: None
) -> None:
    folder = copy_of(journal_folder, tmp_path)
    ws = Workspace(folder, use_snapshot=False)
    proc = ws.get("consent-7")
    seqs = proc.history.seqs()
    assert len(proc.history) == len(seqs) == 11  # the start, nine actions, the reveal
    events = {e["seq"]: e for e in ws.events()}
    assert list(proc.history) == [events[s] for s in seqs]
    assert proc.history[-1]["type"] == "consent.record_agreement"
    other = ws.get("consent-8")
    change_line(folder / "journal.jsonl", other.history.seqs()[2], lambda ev: ev.update(actor="X"))
    with pytest.raises(CorruptJournalError) as err:
        list(other.history)
    assert err.value.seq == other.history.seqs()[2]


CHILD = """
import sys
from s3engine.core import flusher, snapshot
from s3engine.core.workspace import Workspace
flusher.DETACH_AT = 1  # a large workspace
snapshot.EVERY = 100  # and a snapshot due
ws = Workspace(sys.argv[1], use_snapshot=False)
ws.write("Ana", "", "workspace.configured", {"name": "detached"})
print("answered", ws.head[0], flush=True)
"""


def test_a_large_workspace_leaves_its_derived_files_to_a_detached_writer(
    journal_folder: Path, tmp_path: Path
) -> None:
    folder = copy_of(journal_folder, tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    head = int(run.stdout.split()[-1])
    deadline = time.monotonic() + 60
    while not (folder / "snapshot.json").exists():
        assert time.monotonic() < deadline, "the detached writer wrote no snapshot"
        time.sleep(0.05)
    with flusher.derived_lock(folder):  # the writer is done
        meta = json.loads((folder / "query" / "meta.json").read_text())
    assert meta["seq"] == head
    warm = Workspace(folder)
    assert warm.snapshot_seq == head and warm.settings["name"] == "detached"
    assert len(warm.agreements()) == DECISIONS


def test_a_late_writer_never_replaces_fresher_tables(journal_folder: Path, tmp_path: Path) -> None:
    folder = copy_of(journal_folder, tmp_path)
    old = Workspace(folder, use_snapshot=False)
    new = Workspace(folder, use_snapshot=False)
    new.write("Ana", "", "workspace.configured", {"name": "newer"})
    new.flush()
    old.projection.dirty.add("settings")
    old.flush()  # slower, older: it must not undo the newer tables
    meta = json.loads((folder / "query" / "meta.json").read_text())
    assert meta["seq"] == new.head[0] > old.head[0]
    assert "newer" in (folder / "query" / "settings.json").read_text()


def test_a_warm_open_answers_due_agreements_from_the_index_alone(
    journal_folder: Path, tmp_path: Path
) -> None:
    folder = copy_of(journal_folder, tmp_path)
    replayed = Workspace(folder, use_snapshot=False)
    assert snapshot.save(replayed)
    for before in ("2027-01-01", "2027-03-15", "2027-07-02", "2028-01-01"):
        for status in ("active", None, "superseded"):
            warm = Workspace(folder)
            assert warm.snapshot_seq == replayed.head[0]
            got = warm.agreements(due_before=before, status=status)
            assert got == replayed.agreements(due_before=before, status=status)
            assert warm.loaded_processes() == {}  # answered without making any process
    warm = Workspace(folder)
    assert len(warm.agreements(due_before="2027-07-02")) > 0
    assert warm.agreements() == replayed.agreements()  # the whole table when no date is given
    assert state(warm) == state(replayed)  # and everything else, read when needed


def test_a_replay_never_deletes_again_what_was_cleaned_up_when_revealed(
    store: StoreCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    from s3engine.demo.consent import consent
    from s3engine.journal import pg_secrets

    ws = Workspace(store.location)
    consent(ws, lambda _s: None)  # rounds sealed, revealed and cleaned up, live
    deleted: list[tuple[str, int]] = []
    real = pg_secrets.PgSealedBlobs.drop

    def counting(self: Any, process: str, round_no: int) -> None:
        if not self.replaying():
            deleted.append((process, round_no))
        real(self, process, round_no)

    monkeypatch.setattr(pg_secrets.PgSealedBlobs, "drop", counting)
    again = Workspace(ws.target, use_snapshot=False)
    assert again.head == ws.head and again.sealed.usable
    assert deleted == []  # a database workspace: not one DELETE per round revealed long ago
