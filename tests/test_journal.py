"""The journal: chaining, verification, torn tails, repair, tail reading, write failures.

Tests taking ``store`` run on both journal stores (a file, and a real PostgreSQL server); torn
tails, bytes that are not UTF-8 and failing disk writes exist only for a file (a database never
stores half an event, and refuses text that is not UTF-8), so those tests are file-only.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest
from pg_support import StoreCase

from s3engine.errors import CorruptJournalError, JournalWriteError, TornTailError
from s3engine.journal.event import GENESIS, canonical, event_hash
from s3engine.journal.file_store import Journal
from s3engine.journal.store import JournalStore


def make(path: Path, n: int) -> Journal:
    j = Journal(path)
    for i in range(n):
        j.append("tester", f"p-{i % 3}", "test.event", {"i": i, "text": f"événement {i}"})
    return j


def fill(store: StoreCase, n: int) -> JournalStore:
    """``n`` events appended to the store's journal (a folder's file, or a database)."""
    if store.kind == "file":
        store.folder.mkdir(parents=True, exist_ok=True)
    j = store.journal()
    for i in range(n):
        j.append("tester", f"p-{i % 3}", "test.event", {"i": i, "text": f"événement {i}"})
    return j


def test_events_are_chained_and_readable(store: StoreCase) -> None:
    j = fill(store, 5)
    lines = [x.rstrip("\n") for x in store.lines()]
    events = [json.loads(x) for x in lines]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert events[0]["prev"] == GENESIS
    for a, b in itertools.pairwise(events):
        assert b["prev"] == a["hash"]
    for e in events:
        assert e["hash"] == event_hash(e)
        assert set(e) == {"seq", "time", "actor", "process", "type", "data", "prev", "hash"}
        assert e["time"].endswith("Z")
    assert "événement" in lines[0]  # human-readable, not escaped
    assert j.verify().ok and j.verify().events == 5


def test_canonical_json_is_stable() -> None:
    assert canonical({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'.encode()


def test_reader_picks_up_only_the_new_tail(store: StoreCase) -> None:
    writer = fill(store, 3)
    reader = store.journal()
    assert len(reader.read_new()) == 3
    offset = reader.position
    writer.append("w", "p", "test.event", {"i": 99})
    new = reader.read_new()
    assert [e["seq"] for e in new] == [4]
    assert reader.position > offset and reader.read_new() == []
    # a second writer continues the chain the first one wrote
    reader.append("r", "p", "test.event", {})
    assert [e["seq"] for e in writer.read_new()] == [5] and writer.verify().ok


@pytest.mark.parametrize("where", ["data", "actor", "time", "hash"])
def test_changing_one_character_is_detected_with_its_seq(store: StoreCase, where: str) -> None:
    fill(store, 6)
    lines = store.lines()
    ev = json.loads(lines[3])
    if where == "data":
        ev["data"]["text"] = ev["data"]["text"].replace("3", "8")
    elif where == "hash":
        ev["hash"] = ("0" if ev["hash"][0] != "0" else "1") + ev["hash"][1:]
    else:
        ev[where] = ev[where][:-2] + "X" + ev[where][-1]
    store.set_line(4, json.dumps(ev, ensure_ascii=False) + "\n")
    rep = store.journal().verify()
    assert not rep.ok
    # A changed hash breaks the link of the next event only if the event's own hash is fine.
    assert rep.first_bad_seq == 4
    with pytest.raises(CorruptJournalError) as err:  # and never read as if it were intact
        store.journal().read_new()
    assert err.value.seq == 4


def test_removed_duplicated_and_reordered_lines_are_detected(store: StoreCase) -> None:
    fill(store, 5)
    good = store.lines()
    for bad, seq in (
        (good[:2] + good[3:], 3),
        ([*good[:3], good[2], *good[3:]], 4),
        ([*good[:1], good[2], good[1], *good[3:]], 2),
    ):
        store.rewrite(bad)
        rep = store.journal().verify()
        assert not rep.ok and rep.first_bad_seq == seq, bad


def test_torn_tail_is_refused_then_repaired(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    make(path, 4)
    data = path.read_bytes()
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    path.write_bytes(data[: last_start + 20])  # cut in the middle of the last line
    with pytest.raises(TornTailError) as err:
        Journal(path).read_new()
    assert "s3flow repair" in str(err.value)
    rep = Journal(path).verify()
    assert not rep.ok and rep.torn_bytes == 20 and rep.events == 3
    removed, saved = Journal(path).repair()
    assert (
        removed == 20
        and saved is not None
        and saved.read_bytes() == data[last_start : last_start + 20]
    )
    after = Journal(path)
    assert after.verify().ok and len(after.read_new()) == 3
    # the journal continues the chain after a repair
    after.append("w", "p", "test.event", {})
    assert Journal(path).verify().ok


def test_corrupt_middle_line_is_a_typed_error(store: StoreCase) -> None:
    fill(store, 3)
    store.set_line(2, "{not json}\n")
    with pytest.raises(CorruptJournalError) as err:
        store.journal().read_new()
    assert err.value.seq == 2
    rep = store.journal().verify()
    assert not rep.ok and rep.first_bad_seq == 2


def test_line_that_is_not_utf8_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    make(path, 3)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = b'{"seq": 2, "actor": "\xff"}\n'
    path.write_bytes(b"".join(lines))
    with pytest.raises(CorruptJournalError, match="not UTF-8") as err:
        Journal(path).read_new()
    assert err.value.seq == 2


@pytest.fixture
def read_only_folder(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A folder nobody may write to: chmod for normal users; as root (who ignores permissions) a
    read-only tmpfs mount, or an immutable folder where mounting is not permitted."""
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o700)
        return
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True
        ).returncode
        == 0
    ):
        yield folder
        subprocess.run(["umount", str(folder)], check=True)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
        yield folder
        subprocess.run(["chattr", "-i", str(folder)], check=True)
        return
    pytest.skip("cannot make a read-only folder as root here (no mount, no chattr)")


def test_read_only_folder_gives_clear_error_and_writes_nothing(read_only_folder: Path) -> None:
    import contextlib
    import io

    from s3engine.cli.main import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["init", "--workspace", str(read_only_folder)])
    assert code == 2
    msg = err.getvalue()
    assert msg.startswith("error: ") and msg.count("\n") == 1 and "Traceback" not in msg
    assert "writable" in msg or "write to" in msg
    assert list(read_only_folder.iterdir()) == []


def test_failed_write_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.jsonl"
    j = make(path, 2)
    before = path.read_bytes()
    real_write = os.write

    def half_then_fail(fd: int, data: bytes) -> int:
        real_write(fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_fail)
    with pytest.raises(JournalWriteError) as err:
        j.append("a", "p", "t.x", {"big": "x" * 100})
    monkeypatch.undo()
    assert "No space left" in str(err.value)
    assert path.read_bytes() == before
    assert j.last_seq == 2
    j.append("a", "p", "t.x", {})
    assert Journal(path).verify().ok
