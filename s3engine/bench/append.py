"""P1 durable append: s3flow next to its peers, the same line, samples interleaved.

At each journal size every system holds that many lines first. Then, sample after sample, each
system appends the same line once, in an order that rotates with every sample, so that whatever
the disk does at a moment (other programs, write-back) hits every system alike. This is done in
``runs`` repetitions; each repetition gives one p50 per system and the rows report the median of
those p50s with their spread. ``s3flow durable append`` is :meth:`Journal.append` (lock, catch up,
chain, hash, write, fsync); ``s3flow Workspace.act`` is a whole action (validation, the event, its
effect and the query side), an action whose journal line has the same length.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import functools
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from s3engine.bench import peers
from s3engine.bench.journal_file import bench_line, tick_data, write_journal
from s3engine.bench.row import Row, figure

ACT = "s3flow Workspace.act"
APPEND = "s3flow durable append"


def _interleave(systems: dict[str, Callable[[], None]], samples: int) -> dict[str, list[float]]:
    """Time ``samples`` calls of each system, rotating which goes first; milliseconds."""
    names = list(systems)
    out: dict[str, list[float]] = {n: [] for n in names}
    clock = time.perf_counter
    for i in range(samples):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            fn = systems[name]
            t = clock()
            fn()
            out[name].append((clock() - t) * 1000)
    return out


def _append_tick(journal: Any) -> None:
    journal.append("bench", "", "bench.tick", tick_data())


def _act_workspace(folder: Path, line_len: int) -> tuple[Any, Callable[[], None]]:
    """A workspace on ``folder`` and a call taking one ``respond`` action in a consent decision."""
    from s3engine.core.workspace import Workspace

    ws = Workspace(folder)
    p = ws.start(
        "consent",
        "Ana",
        title="Bench",
        facilitator="Ana",
        participants=["Ana", "Bo", "Cy"],
        driver="d",
        requirement="r",
        proposal="p",
        review_date="2030-01-01",
    )
    for a in ("consent_driver", "present_proposal", "start_responses"):
        p.act(a, "Ana")
    ws.autoflush_seconds = 3600.0  # the query files are written at the end, as in a session
    probe = ws.act(p.id, "respond", "Bo", response="x")
    from s3engine.journal.event import encode_line

    pad = max(1, line_len - len(encode_line(probe)) + 1)
    text = "x" * pad

    def act() -> None:
        ws.act(p.id, "respond", "Bo", response=text)

    return ws, act


def bench_append(
    tmp: Path, sizes: list[int], act_sizes: list[int], samples: int, runs: int
) -> list[Row]:
    """P1 rows: durable append and Workspace.act at several sizes, next to the peers.

    Args:
        tmp: A scratch folder.
        sizes: Journal sizes (events) for the durable append.
        act_sizes: Sizes at which a whole ``Workspace.act`` is measured too.
        samples: Appends per system per repetition.
        runs: Repetitions.

    Returns:
        The rows: per size the s3flow figures with ratios to the floor and the peers, and the
        growth of the ratio to the floor from the smallest to the largest size.
    """
    from s3engine.journal.file_store import Journal

    line = bench_line()
    rows: list[Row] = []
    p50: dict[int, list[float]] = {}
    for n in sizes:
        results: dict[str, list[float]] = {}
        folder = tmp / f"append-{n}"
        folder.mkdir()
        head = write_journal(folder / "journal.jsonl", n)
        shutil.copyfile(folder / "journal.jsonl", folder / "raw.jsonl")
        journal = Journal(folder / "journal.jsonl")
        journal.start_at(*head)
        raw, close_raw = peers.open_raw(folder / "raw.jsonl")
        peers.sqlite_fill(folder / "sqlite.db", line, n)
        sql, close_sql = peers.open_sqlite(folder / "sqlite.db")
        systems: dict[str, Callable[[], None]] = {
            peers.RAW: functools.partial(raw, line),
            APPEND: functools.partial(_append_tick, journal),
            peers.SQLITE: functools.partial(sql, line),
        }
        es = peers.open_eventsourcing(folder / "es.db", line, n) if n <= 100_000 else None
        if es is not None:
            systems[peers.EVENTSOURCING] = functools.partial(es[0], line)
        ws = None
        if n in act_sizes:  # a workspace of its own (the same journal, copied)
            (folder / "act").mkdir()
            shutil.copyfile(folder / "raw.jsonl", folder / "act" / "journal.jsonl")
            ws, act = _act_workspace(folder / "act", len(line))
            systems[ACT] = act
        for _run in range(runs):  # each repetition: a p50 per system (the files grow a little)
            for name, times in _interleave(systems, samples).items():
                results.setdefault(name, []).append(statistics.median(times))
        for close in (close_raw, close_sql, journal.close, es[1] if es else None):
            if close is not None:
                close()
        if ws is not None:
            ws.close()
        shutil.rmtree(folder, ignore_errors=True)
        floor = (peers.RAW, results[peers.RAW])
        others = {k: v for k, v in results.items() if k in (peers.SQLITE, peers.EVENTSOURCING)}
        p50[n] = [a / r for a, r in zip(results[APPEND], results[peers.RAW], strict=True)]
        ratio = statistics.median(results[APPEND]) / statistics.median(results[peers.RAW])
        sql_p50 = statistics.median(results[peers.SQLITE])
        rows.append(figure(f"P1 raw write+fsync p50 @ {n:,} lines", results[peers.RAW], "ms"))
        rows.append(
            figure(
                f"P1 s3flow durable append p50 @ {n:,} events",
                results[APPEND],
                "ms",
                floor=floor,
                peers=others,
                goal="<= 1.2x raw and <= SQLite WAL FULL",
                met=ratio <= 1.2 and statistics.median(results[APPEND]) <= sql_p50,
            )
        )
        if ACT in results:
            act_ratio = statistics.median(results[ACT]) / statistics.median(results[peers.RAW])
            rows.append(
                figure(
                    f"P1 s3flow Workspace.act p50 @ {n:,} events",
                    results[ACT],
                    "ms",
                    floor=floor,
                    peers=others,
                    goal="<= 1.3x raw",
                    met=act_ratio <= 1.3,
                )
            )
    lo, hi = min(sizes), max(sizes)
    # The disk's own speed changes between sizes (and on a shared machine, from minute to
    # minute), so growth compares the ratio to the floor measured next to it at each size.
    growth = [b / a for a, b in zip(p50[lo], p50[hi], strict=True)]
    rows.append(
        figure(
            f"P1 durable append growth {lo:,} -> {hi:,} events (ratio to raw at each size)",
            growth,
            "x",
            goal="<= 1.2x (flat)",
            met=statistics.median(growth) <= 1.2,
        )
    )
    return rows
