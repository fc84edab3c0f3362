"""A long journal is read block by block, with exactly the checks of a whole read."""

from __future__ import annotations

from pathlib import Path

import pytest

from s3engine.errors import CorruptJournalError, TornTailError
from s3engine.journal import file_store
from s3engine.journal.file_store import Journal


@pytest.fixture
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(file_store, "BLOCK", 500)  # a few lines per block
    path = tmp_path / "journal.jsonl"
    j = Journal(path)
    for i in range(40):
        j.append("Ana", "", "test.tick", {"i": i, "text": "é" * (i % 7)})
    return path


def test_blocks_give_the_same_events_as_one_read(journal: Path) -> None:
    whole = Journal(journal)
    events = whole._parse(journal.read_bytes())
    blocked = Journal(journal)
    assert blocked._read_blocks() is not None
    assert blocked.read_new() == events and blocked.offset == journal.stat().st_size
    assert (blocked.last_seq, blocked.last_hash) == (40, events[-1]["hash"])
    j = Journal(journal)
    j.start_at(
        whole.offset - len(journal.read_bytes().splitlines(keepends=True)[-1]),
        39,
        events[-2]["hash"],
    )
    assert j.read_new() == events[-1:]


def test_a_changed_event_in_a_later_block_stops_the_read(journal: Path) -> None:
    data = journal.read_bytes()
    journal.write_bytes(data.replace(b'"i": 33,', b'"i": 34,'))
    j = Journal(journal)
    with pytest.raises(CorruptJournalError, match="does not match its hash"):
        j.read_new()
    assert (j.offset, j.last_seq) == (0, 0)  # nothing of the tail was taken


def test_a_torn_last_line_is_still_found(journal: Path) -> None:
    with open(journal, "ab") as fh:
        fh.write(b'{"seq": 41, "ti')
    j = Journal(journal)
    assert j._read_blocks() is None
    with pytest.raises(TornTailError):
        j.read_new()
