"""Reliability with real OS processes: concurrent appends, SIGKILL at random moments, tampering.

Tests taking ``store`` run on both journal stores (a folder, and a real PostgreSQL server, see
``tests/pg_support.py``); torn tails exist only in a file, so those tests are file-only.
Trial counts grow with S3FLOW_RELIABILITY_TRIALS (the full run uses 100).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pg_support import StoreCase

from s3engine.core.workspace import Workspace
from s3engine.journal.file_store import Journal

pytestmark = pytest.mark.reliability
WORKER = str(Path(__file__).with_name("workers.py"))
TRIALS = int(os.environ.get("S3FLOW_RELIABILITY_TRIALS", "20"))


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, WORKER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_four_processes_append_250_each(store: StoreCase) -> None:
    folder = store.location
    per = 250 if store.kind == "file" else 100
    procs = [spawn("append", folder, str(per), f"w{n}") for n in range(4)]
    acked: list[int] = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        acked += [int(x) for x in out.split()]
    # event 1 is the workspace key, written by whichever writer came first
    assert sorted(acked) == list(range(2, 4 * per + 2))  # no seq given twice, none missing
    events = list(Workspace(folder).events())
    assert events[0]["type"] == "workspace.key_added"
    events = events[1:]
    assert len(events) == 4 * per
    pairs = {(e["data"]["tag"], e["data"]["i"]) for e in events}
    assert len(pairs) == 4 * per  # no duplicates, none lost
    assert store.journal().verify().ok


def test_eight_processes_500_each_with_readers(store: StoreCase) -> None:
    folder = store.location
    n_writers, per = 8, 500 if store.kind == "file" else 80
    writers = [spawn("append", str(folder), str(per), f"w{n}") for n in range(n_writers)]
    time.sleep(0.2)
    readers = [spawn("read", str(folder), "4") for _ in range(2)]
    for p in writers:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    for r in readers:
        out, err = r.communicate(timeout=60)
        assert r.returncode == 0, err  # never saw a torn or broken chain
        seen, last = map(int, out.split())
        assert seen == last
    rep = store.journal().verify()
    assert rep.ok and rep.events == n_writers * per + 1  # and the key event


def test_sigkill_never_loses_acknowledged_events(store: StoreCase) -> None:
    rng = random.Random(1234)
    torn_seen = 0
    trials = TRIALS if store.kind == "file" else max(TRIALS // 2, 5)
    for trial in range(trials):
        case = store.another(f"k{trial}")  # a new folder, or workspace in the same database
        folder = case.location
        p = spawn("consent", folder)
        time.sleep(rng.uniform(0.3, 1.2))
        p.send_signal(signal.SIGKILL)  # mid-append, most of the time
        out, _ = p.communicate()
        acked = [int(x) for x in out.split()]
        journal = case.journal()
        rep = journal.verify()
        if not rep.ok:
            assert store.kind == "file", rep  # a killed database client leaves no damage
            assert rep.torn_bytes > 0, rep  # the only damage a crash may cause
            torn_seen += 1
            removed, saved = journal.repair()
            assert removed == rep.torn_bytes and saved is not None and saved.exists()
        rep = case.journal().verify()
        assert rep.ok
        if acked:
            assert rep.events >= max(acked), (trial, rep.events, max(acked))
        # the workspace opens and replays after the crash, without a gap, and takes new events
        ws = Workspace(folder)
        assert ws.journal.last_seq == rep.events
        assert [e["seq"] for e in ws.events()] == list(range(1, rep.events + 1))
        first = 2 if rep.events == 0 else 1  # killed before its first event: the key comes first
        assert ws.write("t", "", "test.tick", {})["seq"] == rep.events + first


def test_torn_tails_of_every_length(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    ws = Workspace(folder)
    for i in range(3):
        ws.write("t", "", "test.tick", {"i": i})
    data = (folder / "journal.jsonl").read_bytes()
    line = json.dumps({"seq": 4, "partial": "é" * 20}, ensure_ascii=False).encode()
    for n in range(1, len(line)):
        path = folder / "journal.jsonl"
        path.write_bytes(data + line[:n])
        assert not Journal(path).verify().ok
        with pytest.raises(Exception) as err:
            Workspace(folder)
        assert "s3flow repair" in str(err.value)
        removed, saved = Journal(path).repair()
        assert removed == n and saved.read_bytes() == line[:n]
        assert path.read_bytes() == data
        saved.unlink()


def test_one_changed_byte_is_found_with_the_right_seq(store: StoreCase) -> None:
    ws = Workspace(store.location)
    for i in range(40):
        ws.write("t", f"p{i % 4}", "test.tick", {"i": i, "note": f"décision {i}"})
    lines = [x.encode() for x in store.lines()]
    rng = random.Random(7)
    for _ in range(max(TRIALS, 20) * (5 if store.kind == "file" else 2)):
        k = rng.randrange(len(lines))
        pos = rng.randrange(len(lines[k]) - 1)
        old = lines[k][pos]
        new = rng.choice([b for b in b'0123456789abcdefXYZ:,{}" ' if b != old])
        changed = lines[k][:pos] + bytes([new]) + lines[k][pos + 1 :]
        store.set_line(k + 1, changed.decode())  # ASCII for ASCII: still UTF-8
        rep = store.journal().verify()
        assert not rep.ok and rep.first_bad_seq == k + 1, (k, pos, chr(old), chr(new), rep)
        store.set_line(k + 1, lines[k].decode())
    assert store.journal().verify().ok


def test_a_killed_cli_action_retried_with_its_request_id_is_recorded_once(tmp_path: Path) -> None:
    """SIGKILL a real `s3flow act` at random moments, then run the same command again."""
    from conftest import fixed_clock, start_consent

    rng = random.Random(77)
    exe = str(Path(sys.executable).with_name("s3flow"))
    trials = max(10, TRIALS // 2)
    recorded_before_kill = 0
    for trial in range(trials):
        folder = tmp_path / f"ws{trial}"
        ws = Workspace(folder, clock=fixed_clock())
        pid = start_consent(ws).id
        ws.close()
        cmd = [
            exe,
            "act",
            pid,
            "consent_driver",
            "-w",
            str(folder),
            "--as",
            "Ana",
            "--request-id",
            f"retry-{trial}",
        ]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.2))
        p.send_signal(signal.SIGKILL)
        p.wait()
        before = [e for e in Workspace(folder).events() if e["type"] == "consent.consent_driver"]
        recorded_before_kill += len(before)
        again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        after = [e for e in Workspace(folder).events() if e["type"] == "consent.consent_driver"]
        assert len(after) == 1, trial  # never twice, never lost
        assert after[0]["request"] == f"retry-{trial}"
        assert Journal(folder / "journal.jsonl").verify().ok
    print(f"\nkill-and-retry: {trials} trials, {recorded_before_kill} recorded before the kill")
