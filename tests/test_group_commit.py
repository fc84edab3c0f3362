"""Group commit in the file journal: the fsync follows the release of the lock.

A writer writes its line under the lock, releases it, then fsyncs; the event is acknowledged only
after that fsync. These tests pin the order, and what happens when that fsync fails: the lines
are written again in place and fsynced under the lock, else cut off when nobody wrote after them,
else the error says the event may or may not be recorded.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from s3engine.core.workspace import Workspace
from s3engine.errors import JournalWriteError
from s3engine.journal.file_store import Journal


def lock_is_free(path: Path) -> bool:
    """Whether another program could take the journal's lock right now."""
    fd = os.open(str(path) + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # releases it again
    return True


def patch_fsync(monkeypatch: pytest.MonkeyPatch, before: Callable[[int], None]) -> None:
    real = os.fsync

    def fsync(fd: int) -> None:
        before(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_the_lock_is_free_during_the_fsync_and_the_event_acknowledged_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.jsonl"
    writer = Journal(path)
    writer.append("a", "", "t.x", {"n": 0})
    reader = Journal(path)
    reader.read_new()
    seen: list[Any] = []

    def before(fd: int) -> None:
        # another program may write now, and it reads the line that is being fsynced
        seen.append((lock_is_free(path), [e["data"] for e in reader.read_new()]))

    patch_fsync(monkeypatch, before)
    ev = writer.append("a", "", "t.x", {"n": 1})
    assert seen == [(True, [{"n": 1}])]  # one fsync, lock free, the line already readable
    assert ev["seq"] == 2 and Journal(path).verify().ok


def test_a_failed_fsync_is_saved_by_writing_the_lines_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.append("a", "", "t.x", {})
    calls: list[bool] = []

    def before(fd: int) -> None:
        calls.append(lock_is_free(path))
        if len(calls) == 1:
            raise OSError(errno.EIO, "write-back failed")

    patch_fsync(monkeypatch, before)
    ev = journal.append("a", "", "t.x", {"n": 1})  # recorded all the same: no error
    assert calls == [True, False]  # the second fsync (of the lines written again) holds the lock
    events = Journal(path).read_new()
    assert [e["seq"] for e in events] == [1, 2] and events[1] == ev
    assert Journal(path).verify().ok
    assert journal.append("a", "", "t.x", {})["seq"] == 3


def test_a_failed_fsync_that_cannot_be_saved_is_cut_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.append("a", "", "t.x", {})
    before = path.read_bytes()
    failing = [True]

    def fail(fd: int) -> None:
        if failing[0] and os.fstat(fd).st_size > len(before):
            raise OSError(errno.EIO, "write-back failed")

    patch_fsync(monkeypatch, fail)
    with pytest.raises(JournalWriteError, match="Nothing was written"):
        journal.append("a", "", "t.x", {"n": 1})
    assert path.read_bytes() == before
    assert (journal.last_seq, journal.offset) == (1, len(before))
    failing[0] = False
    assert journal.append("a", "", "t.x", {"n": 2})["seq"] == 2
    assert Journal(path).verify().ok


def test_a_failed_fsync_after_another_writer_wrote_says_it_may_be_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.jsonl"
    first, other = Journal(path), Journal(path)
    first.append("a", "", "t.x", {})
    state = {"fail": True, "others_wrote": False}

    def before(fd: int) -> None:
        if not state["fail"]:
            return
        if not state["others_wrote"]:  # while the first writer fsyncs, another one writes
            state["others_wrote"], state["fail"] = True, False
            other.append("b", "", "t.x", {"by": "other"})
            state["fail"] = True
        raise OSError(errno.EIO, "write-back failed")

    patch_fsync(monkeypatch, before)
    with pytest.raises(JournalWriteError, match="may or may not hold the event"):
        first.append("a", "", "t.x", {"by": "first"})
    state["fail"] = False
    # Its line stays (the other event is chained to it); the first writer reads it back.
    assert [e["data"] for e in first.read_new()] == [{"by": "first"}, {"by": "other"}]
    assert Journal(path).verify().ok and first.last_seq == 3


def test_a_workspace_applies_an_action_only_once_it_is_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path / "w")
    ws.write("Ana", "", "test.tick", {"n": 0})
    applied: list[int] = []
    real_apply = ws.apply
    monkeypatch.setattr(ws, "apply", lambda ev: (applied.append(ev["seq"]), real_apply(ev)))
    fsyncs: list[list[int]] = []

    def before(fd: int) -> None:
        fsyncs.append(list(applied))
        if len(fsyncs) <= 2:  # the fsync, and the one after writing the line again
            raise OSError(errno.EIO, "write-back failed")

    patch_fsync(monkeypatch, before)
    head = ws.head
    with pytest.raises(JournalWriteError, match="Nothing was written"):
        ws.write("Ana", "", "test.tick", {"n": 1})
    assert fsyncs == [[], [], []] and applied == []  # the cut is fsynced too; nothing applied
    assert ws.head == head and ws.journal.verify().ok
    ev = ws.write("Ana", "", "test.tick", {"n": 2})
    assert fsyncs[3] == [] and applied == [ev["seq"]] == [head[0] + 1]  # applied after fsync
    ws.close()
