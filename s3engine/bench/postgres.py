"""P8 the PostgreSQL journal store, measured against its peers in the same run.

The rows need a PostgreSQL server: the bench starts a temporary one (Debian's binaries, a Unix
socket only, see :mod:`s3engine.bench.pgserver`) and stops it afterwards. Without the binaries the
rows are replaced by one row saying so (CI installs them, see ``./dev``).

- append p50: ``Workspace.write`` on a PostgreSQL workspace next to a bare ``INSERT … COMMIT``
  of the same line in the same database (what the store cannot be faster than);
- 8 writer processes: events/s in total on one PostgreSQL workspace next to the file store;
- open + "agreements due" of 10k processes / 100k events (``--quick``: 1k / 10k) in a new process,
  PostgreSQL next to the file store, replaying the whole journal (first open) and from a snapshot;
- 100 workspaces × 1,000 events in one database (``--quick``: 20), one of them opened: its cost
  next to opening it when it is alone in the database (goal: no growth, ratio <= 1.5).

Run as ``python -m s3engine.bench.postgres writer LOCATION SECONDS`` for one writer process,
or ``... open LOCATION`` for one cold open (used by the bench).

Allowed imports: standard library, ``psycopg``, s3engine.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from s3engine.bench.row import Row, figure, percentile, row

DUE = "2100-01-01"


def _child_writer(location: str, seconds: float) -> None:
    from s3engine.bench.journal_file import tick_data
    from s3engine.core.workspace import Workspace

    ws = Workspace(location)
    ws.autoflush_seconds = 3600.0
    data = tick_data()
    times: list[float] = []
    print("ready", flush=True)
    start = float(sys.stdin.readline())  # the same moment for every writer
    while time.time() < start:
        time.sleep(0.001)
    while time.time() < start + seconds:
        t = time.perf_counter()
        ws.write("bench", "", "bench.tick", data)
        times.append((time.perf_counter() - t) * 1000)
    print(json.dumps(times), flush=True)


def _child_open(location: str) -> None:
    t = time.perf_counter()
    from s3engine.core.workspace import Workspace

    ws = Workspace(location)
    due = ws.agreements(due_before=DUE)
    dt = time.perf_counter() - t
    ws.close()  # writes the snapshot the next open may use
    print(json.dumps({"s": dt, "events": ws.head[0], "due": len(due)}))


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "s3engine.bench.postgres", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _writers(location: str, writers: int, seconds: float) -> float:
    """Events/s of ``writers`` processes appending for ``seconds`` once all are ready."""
    procs = [_spawn("writer", location, str(seconds)) for _ in range(writers)]
    for p in procs:  # every writer has opened the workspace
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    start = time.time() + 0.2
    total = 0
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(f"{start}\n")
        p.stdin.flush()
    for p in procs:
        out, _ = p.communicate(timeout=120 + seconds)
        total += len(json.loads(out))
    return total / seconds


def _open(location: str) -> dict[str, Any]:
    out, _ = _spawn("open", location).communicate(timeout=600)
    result: dict[str, Any] = json.loads(out)
    return result


def _journal(processes: int, tmp: Path) -> tuple[bytes, bytes]:
    """The journal of a workspace of ``processes`` consent decisions, and its private key."""
    from s3engine.bench.opening import build_workspace
    from s3engine.core.keyring import KEY_FILE

    folder = tmp / f"pg-src-{processes}"
    build_workspace(folder, processes)
    return (folder / "journal.jsonl").read_bytes(), (folder / KEY_FILE).read_bytes()


def _load(url: str, data: bytes, key: bytes) -> None:
    """Put a journal and its workspace key into a new PostgreSQL workspace."""
    from s3engine.core.workspace import open_journal, resolve_path
    from s3engine.journal.pg_store import PgJournal

    journal = open_journal(resolve_path(url))
    assert isinstance(journal, PgJournal)
    journal.load(data)
    name = json.loads(data.split(b"\n", 1)[0])["data"]["name"]  # the workspace.key_added event
    journal.conn.execute(
        "INSERT INTO s3flow_keys (workspace, name, private) VALUES (%s, %s, %s)",
        (journal.name, name, key),
    )
    journal.close()


def append_rows(db: str, tmp: Path, samples: int) -> list[Row]:
    """Append p50 on PostgreSQL next to a bare INSERT … COMMIT of the same line."""
    import psycopg

    from s3engine.bench.journal_file import bench_line, tick_data
    from s3engine.core.workspace import Workspace

    line = bench_line().decode("utf-8")
    ws = Workspace(f"{db}&workspace=append&state={tmp / 'append'}")
    ws.autoflush_seconds = 3600.0
    data = tick_data()
    ws.write("bench", "", "bench.tick", data)  # the key event and the first connection
    ours, bare = [], []
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, line text)")
        for _ in range(samples):  # alternate, so both meet the same machine load
            t = time.perf_counter()
            ws.write("bench", "", "bench.tick", data)
            ours.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            conn.execute("INSERT INTO bench_raw (line) VALUES (%s)", (line,))
            bare.append((time.perf_counter() - t) * 1000)
    ws.close()
    p50 = percentile(ours, 0.5)
    return [
        figure(
            "P8 PostgreSQL append p50 (Workspace.write, committed)",
            [p50],
            "ms",
            floor=("bare INSERT … COMMIT, same line, same database", [percentile(bare, 0.5)]),
        )
    ]


def writer_rows(db: str, tmp: Path, writers: int, seconds: float, runs: int) -> list[Row]:
    """Events/s of ``writers`` processes on one PostgreSQL workspace next to the file store."""
    ours, files = [], []
    for run in range(runs):
        ours.append(_writers(f"{db}&workspace=w{run}&state={tmp / f'w{run}'}", writers, seconds))
        files.append(_writers(str(tmp / f"writers-file-{run}"), writers, seconds))
    return [
        figure(
            f"P8 PostgreSQL {writers} writer processes, events/s in total",
            ours,
            "events/s",
            peers={"file store, same run": files},
        )
    ]


def open_rows(db: str, tmp: Path, processes: int) -> list[Row]:
    """Open + agreements due in a new process: PostgreSQL next to the file store."""
    data, key = _journal(processes, tmp)
    url = f"{db}&workspace=big&state={tmp / 'big-state'}"
    _load(url, data, key)
    folder = tmp / "big-file"
    folder.mkdir()
    (folder / "journal.jsonl").write_bytes(data)
    from s3engine.core.workspace import Workspace

    for where in (url, str(folder)):  # the workspace key (snapshots are signed), then no snapshot
        ws = Workspace(where)
        ws.write("bench", "", "bench.tick", {})
        ws.close()
        (ws.path / "snapshot.json").unlink(missing_ok=True)
    n = data.count(b"\n") + 2
    res: dict[str, list[dict[str, Any]]] = {"pg": [], "file": []}
    for _ in range(2):  # replay, then from the snapshot; the two stores alternate
        res["pg"].append(_open(url))
        res["file"].append(_open(str(folder)))
    assert res["pg"][0]["due"] == res["file"][0]["due"] > 0
    what = f"{processes:,} processes / {n:,} events"
    return [
        figure(
            f"P8 PostgreSQL open + agreements due, {what}, replaying the journal",
            [res["pg"][0]["s"]],
            "s",
            peers={"file store": [res["file"][0]["s"]]},
        ),
        figure(
            f"P8 PostgreSQL open + agreements due, {what}, from its snapshot",
            [res["pg"][1]["s"]],
            "s",
            peers={"file store": [res["file"][1]["s"]]},
            goal="<= 1 s",
            met=res["pg"][1]["s"] <= 1.0,
        ),
    ]


def many_rows(server: Any, tmp: Path, workspaces: int, per: int = 1000) -> list[Row]:
    """Opening one workspace of ``workspaces`` in one database, next to it alone in another.

    Both databases hold the same workspace ``w0``; the opens alternate between them, so both
    meet the same machine load.
    """
    from s3engine.core.workspace import Workspace

    data, key = _journal(per // 10, tmp)  # consent decisions of 10 events each
    alone_db, many_db = server.create_database("alone"), server.create_database("many")
    _load(f"{alone_db}&workspace=w0", data, key)
    for k in range(workspaces):
        _load(f"{many_db}&workspace=w{k}", data, key)

    def open_one(db: str) -> float:
        t = time.perf_counter()
        ws = Workspace(f"{db}&workspace=w0&state={tmp / 'many-w0'}", use_snapshot=False)
        ws.agreements(due_before=DUE)
        ws.journal.close()
        return (time.perf_counter() - t) * 1000

    alone, crowded = [], []
    for _ in range(7):
        alone.append(open_one(alone_db))
        crowded.append(open_one(many_db))
    ratio = statistics.median(crowded) / statistics.median(alone)
    return [
        row(
            f"P8 PostgreSQL open 1 of {workspaces} workspaces x {per:,} events in one database",
            statistics.median(crowded),
            "ms",
            "the same workspace alone in a database",
            ratio,
            "ratio <= 1.5",
            ratio <= 1.5,
        )
    ]


def postgres_rows(tmp: Path, quick: bool = False) -> list[Row]:
    """Every P8 row, on a temporary PostgreSQL server (one note row when none is installed)."""
    from s3engine.bench import pgserver

    if pgserver.binaries() is None:
        return [
            row(
                "P8 PostgreSQL store: skipped, no PostgreSQL server installed "
                "(apt-get install postgresql)",
                0,
                "",
            )
        ]
    try:
        import psycopg  # noqa: F401
    except ImportError:
        why = "P8 PostgreSQL store: skipped, psycopg missing (pip install s3flow[postgres])"
        return [row(why, 0, "")]
    server = pgserver.TempServer(port=54390)
    try:
        db = server.create_database("bench")
        rows = append_rows(db, tmp, 50 if quick else 200)
        rows += writer_rows(db, tmp, 8, 2.0 if quick else 4.0, 1 if quick else 3)
        rows += open_rows(db, tmp, 1000 if quick else 10000)
        rows += many_rows(server, tmp, 20 if quick else 100)
        return rows
    finally:
        server.stop()


if __name__ == "__main__":  # pragma: no cover - one process of the benchmark
    if sys.argv[1] == "writer":
        _child_writer(sys.argv[2], float(sys.argv[3]))
    else:
        _child_open(sys.argv[2])
