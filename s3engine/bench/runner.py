"""``s3flow bench``: the performance figures s3flow promises, measured next to peers in one run.

The benchmark is a list of sections (:data:`SECTIONS`), each a function from a :class:`Context`
to rows (:mod:`s3engine.bench.row`): P4 import time, P1 durable append next to a raw write+fsync,
SQLite WAL FULL and ``eventsourcing`` (:mod:`s3engine.bench.append`), P7 concurrent writer
processes (:mod:`s3engine.bench.writers`), P2 opening a large workspace
(:mod:`s3engine.bench.opening`), P3 pattern search (:mod:`s3engine.bench.search`), P6 a sealed
round with 1,000 participants. A module adds sections by defining ``SECTIONS`` the same way:
:func:`sections` adds those of ``s3engine.bench.postgres`` (PostgreSQL rows) when it is there.
Every figure is the median of several repetitions (the spread is kept), and peers are measured in
the same run, interleaved, so their ratios hold even on a busy machine. ``--quick`` uses smaller
sizes and fewer repetitions (about a minute).

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from s3engine.bench.row import Row, row


@dataclass(frozen=True)
class Context:
    """What every section gets: a scratch folder and the size of the run.

    Attributes:
        tmp: A scratch folder (removed after the run).
        quick: A short run (smaller sizes, fewer repetitions).
        runs: Repetitions of each measurement.
    """

    tmp: Path
    quick: bool
    runs: int


Section = tuple[str, Callable[[Context], list[Row]]]


def _append(ctx: Context) -> list[Row]:
    from s3engine.bench.append import bench_append

    if ctx.quick:
        return bench_append(ctx.tmp, [1000, 10_000], [1000], 40, ctx.runs)
    return bench_append(ctx.tmp, [1000, 100_000, 1_000_000], [1000, 100_000], 100, ctx.runs)


def _writers(ctx: Context) -> list[Row]:
    from s3engine.bench.writers import bench_writers

    return bench_writers(ctx.tmp, 8, 2.0 if ctx.quick else 5.0, 1 if ctx.quick else ctx.runs)


def _open(ctx: Context) -> list[Row]:
    from s3engine.bench.opening import bench_open

    if ctx.quick:
        return bench_open(ctx.tmp, 1000, 1)
    return bench_open(ctx.tmp, 10_000, ctx.runs, big=100_000)


def _search(ctx: Context) -> list[Row]:
    from s3engine.bench.search import search_rows

    return search_rows(ctx.quick)


def _round(ctx: Context) -> list[Row]:
    return bench_round(1000)


def _import(ctx: Context) -> list[Row]:
    return bench_import()


#: The sections, in the order they run: (name shown while running, function giving the rows).
SECTIONS: list[Section] = [
    ("P4 import time", _import),
    ("P1 durable append next to raw fsync, SQLite and eventsourcing", _append),
    ("P7 eight writer processes next to SQLite", _writers),
    ("P2 open a large workspace", _open),
    ("P3 pattern search", _search),
    ("P6 sealed consent round with 1,000 participants", _round),
]


def sections() -> list[Section]:
    """:data:`SECTIONS`, then the ``SECTIONS`` of ``s3engine.bench.postgres`` when it exists."""
    out = list(SECTIONS)
    try:
        extra = importlib.import_module("s3engine.bench.postgres")
    except ImportError:
        return out
    if hasattr(extra, "SECTIONS"):
        out += list(extra.SECTIONS)
    elif hasattr(extra, "postgres_rows"):
        out.append(("P8 PostgreSQL journal store", lambda c: extra.postgres_rows(c.tmp, c.quick)))
    return out


IMPORT_CODE = "import time; t = time.perf_counter(); import {mod}; print(time.perf_counter() - t)"


def bench_import() -> list[Row]:
    """P4: import time in a fresh interpreter (best of 5)."""
    rows = []
    for mod, goal in (("s3engine", "<= 150 ms"), ("s3engine.core.workspace", "<= 150 ms")):
        best = (
            min(
                float(
                    subprocess.run(
                        [sys.executable, "-c", IMPORT_CODE.format(mod=mod)],
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                )
                for _ in range(5)
            )
            * 1000
        )
        rows.append(row(f"P4 import {mod}", best, "ms", "", None, goal, best <= 150))
    return rows


def bench_round(participants: int = 1000) -> list[Row]:
    """P6: engine time of a consent check round with many participants (no disk I/O).

    Args:
        participants: People signalling in the round.

    Returns:
        One row, with its goal.
    """
    from s3engine.core.credential import SYSTEM
    from s3engine.core.workspace import Workspace

    with tempfile.TemporaryDirectory() as d:
        ws = Workspace(Path(d) / "w")
        people = [f"P{i:04d}" for i in range(participants)]
        p = ws.start(
            "consent",
            people[0],
            title="Big round",
            facilitator=people[0],
            participants=people,
            driver="d",
            requirement="r",
            proposal="p",
            review_date="2030-01-01",
        )
        for a in ("consent_driver", "present_proposal", "start_responses", "check_objections"):
            p.act(a, people[0])
        journal = ws.journal
        t = time.perf_counter()
        for who in people:
            clean = p.validate("signal", who, {"signal": "no objection"})
            ev = {
                "seq": journal.last_seq + 1,
                "time": "2030-01-01T00:00:00Z",
                "actor": who,
                "process": p.id,
                "type": "consent.signal",
                "data": clean,
                "prev": "",
            }
            journal.last_seq += 1
            ws.apply(ev)
        # the last signal is in: s3flow reveals the sealed round (opening and checking each one)
        follow = p.leaf().follow_up()
        assert follow is not None
        clean = p.validate(follow[0], SYSTEM, follow[1])
        journal.last_seq += 1
        ws.apply(
            {
                "seq": journal.last_seq,
                "time": "2030-01-01T00:00:01Z",
                "actor": SYSTEM,
                "process": p.id,
                "type": f"consent.{follow[0]}",
                "data": clean,
                "prev": "",
            }
        )
        dt = (time.perf_counter() - t) * 1000
        assert p.state == "celebrate"
    per = dt / participants
    return [
        row(
            f"P6 sealed consent round, {participants:,} participants, incl. reveal",
            dt,
            "ms",
            "",
            None,
            "",
            None,
        ),
        # Each sealed answer is fsynced before its commitment (a crash loses no answer), so the
        # round costs about one small durable write per person; the goal is per answer.
        row("P6 sealed consent round, per answer", per, "ms", "", None, "<= 5 ms", per <= 5),
    ]


def run(quick: bool = False, progress: Callable[[str], None] | None = None) -> list[Row]:
    """Run every section.

    Args:
        quick: Smaller sizes and fewer repetitions (about a minute).
        progress: Called with the name of each section as it starts.

    Returns:
        The rows, in the order measured.
    """
    say = progress or (lambda _m: None)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="s3flow-bench-") as d:
        for name, fn in sections():
            say(name)
            sub = Path(d) / name.split()[0]
            sub.mkdir(exist_ok=True)
            t = time.perf_counter()
            rows += fn(Context(sub, quick, 1 if quick else 3))
            say(f"  {time.perf_counter() - t:.1f} s")
    return rows
