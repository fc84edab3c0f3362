"""``s3flow bench``: every figure comes with its repetitions, floor, peers and goal.

Small sizes only: the figures themselves are judged by the benchmark, never by tests.
"""

from __future__ import annotations

from pathlib import Path

from s3engine.bench import peers
from s3engine.bench.append import bench_append
from s3engine.bench.journal_file import bench_line, write_journal
from s3engine.bench.opening import bench_open
from s3engine.bench.row import figure, table
from s3engine.bench.runner import SECTIONS, sections
from s3engine.bench.writers import bench_writers
from s3engine.journal.file_store import Journal


def test_a_figure_is_the_median_of_its_runs_with_ratios_to_floor_and_peers() -> None:
    r = figure(
        "x", [3.0, 1.0, 2.0], "ms", floor=("raw", [1.0, 1.0, 4.0]), peers={"p": [4.0]}, goal="g"
    )
    assert (r["value"], r["spread"], r["runs"]) == (2.0, [1.0, 3.0], 3)
    assert r["ratio"] == 2.0 and r["floor"] == {"name": "raw", "value": 1.0}
    assert r["peers"] == {"p": {"value": 4.0, "ratio": 0.5}}
    assert "p 4 (0.50x)" in table([r])


def test_bench_journals_verify_and_every_system_appends_the_same_line(tmp_path: Path) -> None:
    head = write_journal(tmp_path / "j.jsonl", 30)
    journal = Journal(tmp_path / "j.jsonl")
    assert journal.verify().ok and len(journal.read_new()) == 30
    assert (journal.offset, journal.last_seq, journal.last_hash) == head
    assert write_journal(tmp_path / "j.jsonl", 5, after=head)[1] == 35
    assert Journal(tmp_path / "j.jsonl").verify().ok
    line = bench_line()
    assert 380 <= len(line) <= 420  # a typical event's size
    append, close = peers.open_sqlite(tmp_path / "s.db")
    append(line)
    close()
    conn = peers.sqlite_connect(tmp_path / "s.db")
    assert conn.execute("SELECT line FROM events").fetchall() == [(line.decode(),)]
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_append_rows_hold_the_floor_and_peers_of_the_same_run(tmp_path: Path) -> None:
    rows = {r["metric"]: r for r in bench_append(tmp_path, [20, 200], [20], 4, 2)}
    ours = rows["P1 s3flow durable append p50 @ 200 events"]
    assert ours["floor"]["name"] == peers.RAW and ours["runs"] == 2
    assert peers.SQLITE in ours["peers"] and ours["met"] in (True, False)
    if peers.eventsourcing_available():
        assert peers.EVENTSOURCING in ours["peers"]
    act = rows["P1 s3flow Workspace.act p50 @ 20 events"]
    assert act["goal"] == "<= 1.3x raw" and act["ratio"] > 0
    assert "P1 durable append growth 20 -> 200 events (ratio to raw at each size)" in rows


def test_writer_processes_all_get_turns(tmp_path: Path) -> None:
    rows = bench_writers(tmp_path, 2, 0.5, 1)
    total, p99, share = rows
    assert total["value"] > 0 and peers.SQLITE in total["peers"]
    assert p99["unit"] == "ms" and 0 < share["value"] <= 2


def test_open_rows_time_fresh_processes_and_their_own_memory(tmp_path: Path) -> None:
    rows = {r["metric"].split(",")[0]: r for r in bench_open(tmp_path, 50, 1)}
    assert set(rows) == {
        "P2 first open",
        "P2 warm open (snapshot)",
        "P2 s3flow status",
        "P2 peak memory of a first open",
        "P2 peak memory of the hash worker of that open (a second program)",
    }
    memory = rows["P2 peak memory of a first open"]
    assert 5 < memory["value"] < 1000 and memory["peers"]["SQLite indexed query"]["value"] > 0
    assert (tmp_path / "open-50" / "snapshot.json").exists()  # the cold open left one


def test_sections_are_a_list_other_modules_can_extend() -> None:
    names = [name for name, _ in sections()]
    assert names[: len(SECTIONS)] == [name for name, _ in SECTIONS]
    assert any(n.startswith("P1") for n in names) and any(n.startswith("P7") for n in names)
