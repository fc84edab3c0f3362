"""P7 concurrent writers: 8 programs appending to one workspace, next to 8 writing to SQLite.

Each writer is a separate Python process. All of them start at the same moment and append the
bench's line for the same number of seconds, each call acknowledged only once durable: for s3flow
a whole ``Workspace.write`` (take the lock, catch up with the others' events, append, fsync), for
SQLite one ``INSERT`` transaction in WAL mode with ``synchronous=FULL`` (waiting for the others
with a busy timeout). The figures: events per second in total, the 99th percentile of a call's
time (waiting included) and the smallest writer's share of the fair share (1.0 = equal).
Repetitions alternate between the two systems.

Run as ``python -m s3engine.bench.writers KIND PATH`` for one writer (used by the bench).

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from s3engine.bench import peers
from s3engine.bench.journal_file import bench_line, tick_data
from s3engine.bench.row import Row, figure, percentile

S3FLOW = "s3flow Workspace.write"


def child(kind: str, path: str) -> None:
    """One writer: get ready and say so, then append from START until END; print the call times.

    START and END (wall clock) come on standard input once every writer is ready.
    """
    if kind == "s3flow":
        from s3engine.core.workspace import Workspace

        ws = Workspace(Path(path))
        ws.autoflush_seconds = 3600.0
        data = tick_data()

        def append() -> None:
            ws.write("bench", "", "bench.tick", data)
    else:
        conn = peers.sqlite_connect(Path(path))
        text = bench_line().decode("utf-8")

        def append() -> None:
            conn.execute("INSERT INTO events (line) VALUES (?)", (text,))

    times: list[float] = []
    print("ready", flush=True)
    start, end = map(float, sys.stdin.readline().split())
    while time.time() < start:
        time.sleep(0.001)
    clock = time.perf_counter
    while time.time() < end:
        t = clock()
        append()
        times.append((clock() - t) * 1000)
    print(json.dumps(times))


def _run(kind: str, path: Path, writers: int, seconds: float) -> tuple[float, float, float]:
    """(events/s, p99 ms, smallest share of the fair share) of one run."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "s3engine.bench.writers", kind, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(writers)
    ]
    for p in procs:  # every writer has imported and opened the workspace
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    start = time.time() + 0.2
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(f"{start} {start + seconds}\n")
        p.stdin.close()
    counts, every = [], []
    for p in procs:
        assert p.stdout is not None
        out = p.stdout.read()
        p.wait(timeout=120 + seconds)
        times = json.loads(out)
        counts.append(len(times))
        every += times
    total = sum(counts)
    return total / seconds, percentile(every, 0.99), min(counts) / (total / writers)


def bench_writers(tmp: Path, writers: int, seconds: float, runs: int) -> list[Row]:
    """P7 rows: s3flow and SQLite with ``writers`` concurrent writer processes.

    Args:
        tmp: A scratch folder.
        writers: How many writer processes.
        seconds: How long each run lasts.
        runs: Repetitions of each system (alternating).

    Returns:
        Throughput (with its goal against SQLite), p99 wait and fairness rows.
    """
    res: dict[str, list[tuple[float, float, float]]] = {S3FLOW: [], peers.SQLITE: []}
    for run in range(runs):
        for kind, name in (("s3flow", S3FLOW), ("sqlite", peers.SQLITE)):
            folder = tmp / f"writers-{kind}-{run}"
            folder.mkdir()
            path = folder if kind == "s3flow" else folder / "sqlite.db"
            if kind == "sqlite":
                peers.sqlite_connect(path).close()
            res[name].append(_run(kind, path, writers, seconds))
    ours = [r[0] for r in res[S3FLOW]]
    sql = [r[0] for r in res[peers.SQLITE]]
    p99 = [r[1] for r in res[S3FLOW]]
    share = [r[2] for r in res[S3FLOW]]
    return [
        figure(
            f"P7 {writers} writer processes, events/s in total",
            ours,
            "events/s",
            peers={peers.SQLITE: sql},
            goal=">= SQLite WAL FULL",
            met=statistics.median(ours) >= statistics.median(sql),
        ),
        figure(
            f"P7 {writers} writer processes, p99 of a call (waiting included)",
            p99,
            "ms",
            peers={peers.SQLITE: [r[1] for r in res[peers.SQLITE]]},
            goal="<= 50 ms",
            met=statistics.median(p99) <= 50,
        ),
        figure(
            f"P7 {writers} writer processes, smallest writer's share of a fair share",
            share,
            "x",
            peers={peers.SQLITE: [r[2] for r in res[peers.SQLITE]]},
            goal=">= 0.5",
            met=min(share) >= 0.5,
        ),
    ]


if __name__ == "__main__":  # pragma: no cover - one writer process of the benchmark
    child(sys.argv[1], sys.argv[2])
