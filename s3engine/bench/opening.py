"""P2 opening a large workspace: first (cold) open, warm open, ``s3flow status``, peak memory.

The workspace holds ``processes`` complete consent decisions (11 events each) after its own key
event, so it can sign snapshots like any real one. Each measurement is a fresh Python process, timed
from its start (interpreter and imports included) to its answer — the number of agreements due for
review before a date — and then to its exit. A large workspace's query tables and snapshot are
written at exit by a detached writer (:mod:`s3engine.core.flusher`); the bench waits for it before
the warm open and reports how long it took. Peak memory is the child's own high-water mark
(``VmHWM``), never the parent's; the hash worker that checks a long journal's hashes beside it
(:mod:`s3engine.journal.hash_worker`) is reported on its own row.

* cold: no snapshot and no query tables (both removed first): the whole journal is read, every
  hash verified, every event applied;
* warm: right after a cold open, from the snapshot it left;
* ``s3flow status``: the command, listing every process, on the warm workspace;
* peer: SQLite answering the same question from an indexed table of the same agreements;
* with ``big``: one first open of a far larger workspace (timed to its answer only; it is then
  stopped without writing its snapshot, to keep the run short).

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from s3engine.bench.journal_file import EventParts, write_journal
from s3engine.bench.row import Row, figure

DUE = "2027-02-01"  # about one agreement in twelve is due before this date
SQLITE_PEER = "SQLite indexed query"

_REPORT = """
import atexit, sys
def _hwm():
    with open("/proc/self/status") as fh:
        kb = [ln.split()[1] for ln in fh if ln.startswith("VmHWM:")]
    print("peak_kb", kb[0] if kb else 0, file=sys.stderr, flush=True)
atexit.register(_hwm)  # registered first: runs last, after the workspace is closed
"""
OPEN_CODE = (
    _REPORT
    + """
import json
from s3engine.core.workspace import Workspace
ws = Workspace.open(sys.argv[1])
due = ws.agreements(due_before=sys.argv[2])
import resource  # the hash worker's own peak (a separate program, the only one ended by now)
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("children_peak_kb", kids, file=sys.stderr, flush=True)
print(json.dumps({"due": len(due), "events": ws.head[0]}), flush=True)
if sys.argv[3:] == ["answer-only"]:  # the very large workspace: its open, not its exit
    _hwm()
    import os
    os._exit(0)
"""
)
SQLITE_CODE = (
    _REPORT
    + """
import json, sqlite3
conn = sqlite3.connect(sys.argv[1])
n = conn.execute("SELECT count(*) FROM agreements WHERE status = 'active' AND review_date < ?",
                 (sys.argv[2],)).fetchone()[0]
print(json.dumps({"due": n}), flush=True)
"""
)
STATUS_CODE = (
    _REPORT
    + """
from s3engine.cli.main import main
code = main(["status", "-w", sys.argv[1]])
print("done", flush=True)
sys.exit(code)
"""
)


def consent_template() -> list[dict[str, Any]]:
    """The events of one complete consent decision among three people, made by the engine."""
    from s3engine.core.workspace import Workspace

    with tempfile.TemporaryDirectory() as d:
        ws = Workspace(Path(d) / "t")
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
        steps: list[tuple[str, str, dict[str, Any]]] = [
            ("consent_driver", "Ana", {}),
            ("present_proposal", "Ana", {}),
            ("start_responses", "Ana", {}),
            ("check_objections", "Ana", {}),
            ("signal", "Ana", {"signal": "no objection"}),
            ("signal", "Bo", {"signal": "no objection"}),
            ("signal", "Cy", {"signal": "concern"}),
            ("celebrate", "Ana", {}),
            ("record_agreement", "Ana", {}),
        ]
        for a, who, f in steps:
            p.act(a, who, **f)
        events = [e for e in ws.events() if e["type"] != "workspace.key_added"]
        ws.close()
        return events


def build_workspace(folder: Path, processes: int) -> int:
    """A workspace (with its key) of ``processes`` consent decisions; how many events it holds."""
    from s3engine.core.workspace import Workspace
    from s3engine.journal.file_store import Journal

    ws = Workspace(folder)
    ws.configure("bench", name="bench")  # the key event first, as in every workspace
    ws.close()
    head = Journal(folder / "journal.jsonl")
    head.read_new()
    tpl = consent_template()
    per = len(tpl)

    def make(i: int) -> EventParts:
        k, j = divmod(i - 1, per)
        ev = tpl[j]
        pid = f"consent-{k + 1}"
        data = dict(ev["data"])
        if "id" in data:
            data["id"] = pid
            data["review_date"] = f"2027-{1 + k % 12:02d}-{1 + k % 28:02d}"
        process = ev["process"].replace(tpl[0]["data"]["id"], pid, 1) if ev["process"] else ""
        return ev["actor"], process, ev["type"], data

    write_journal(
        folder / "journal.jsonl",
        processes * per,
        make,
        (head.offset, head.last_seq, head.last_hash),
    )
    return head.last_seq + processes * per


def sqlite_peer(path: Path, processes: int) -> None:
    """The same agreements in an indexed SQLite table."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE agreements (id TEXT PRIMARY KEY, status TEXT, review_date TEXT)")
    conn.execute("CREATE INDEX due ON agreements (status, review_date)")
    conn.executemany(
        "INSERT INTO agreements VALUES (?, 'active', ?)",
        ((f"consent-{k + 1}", f"2027-{1 + k % 12:02d}-{1 + k % 28:02d}") for k in range(processes)),
    )
    conn.commit()
    conn.close()


def timed(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter: seconds to its answer, then to its exit; peak MB."""
    t = time.perf_counter()
    p = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None and p.stderr is not None
    answer = ""
    for line in p.stdout:  # the last line is the answer
        answer = line
        answered = time.perf_counter()
    err = p.stderr.read()
    if p.wait() != 0 or not answer:
        raise RuntimeError(f"bench child failed: {err[-2000:]}")
    done = time.perf_counter()
    peak = [ln.split()[1] for ln in err.splitlines() if ln.startswith("peak_kb")]
    kids = [ln.split()[1] for ln in err.splitlines() if ln.startswith("children_peak_kb")]
    return {
        "answer_s": answered - t,
        "exit_s": done - answered,
        "peak_mb": int(peak[-1]) / 1024 if peak else 0.0,
        "children_peak_mb": int(kids[-1]) / 1024 if kids else 0.0,
    }


def wait_detached(folder: Path, limit: float = 300.0) -> float:
    """Wait until the derived files a program left to a detached writer are written; seconds.

    The snapshot is written last, under ``derived.lock`` (see :mod:`s3engine.core.flusher`):
    once it exists, taking the lock waits for the writer to finish.
    """
    import fcntl

    t = time.perf_counter()
    while not (folder / "snapshot.json").exists():
        if time.perf_counter() - t > limit:
            raise RuntimeError("the detached writer wrote no snapshot")
        time.sleep(0.005)
    with open(folder / "derived.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
    return time.perf_counter() - t


def bench_open(tmp: Path, processes: int, runs: int, big: int = 0) -> list[Row]:
    """P2 rows: cold and warm open, exit, status and peak memory, next to SQLite.

    Args:
        tmp: A scratch folder.
        processes: Consent decisions in the workspace.
        runs: Repetitions (cold, SQLite, warm and status interleaved).
        big: When not 0, also one cold open of a workspace with this many decisions.

    Returns:
        The rows, each with its goal.
    """
    folder = tmp / f"open-{processes}"
    n = build_workspace(folder, processes)
    sqlite_peer(tmp / f"open-{processes}.db", processes)
    res: dict[str, list[dict[str, float]]] = {"cold": [], "warm": [], "status": [], "sql": []}
    for _ in range(runs):
        (folder / "snapshot.json").unlink(missing_ok=True)
        shutil.rmtree(folder / "query", ignore_errors=True)
        res["cold"].append(timed(OPEN_CODE, str(folder), DUE))
        res["cold"][-1]["detached_s"] = wait_detached(folder)
        res["sql"].append(timed(SQLITE_CODE, str(tmp / f"open-{processes}.db"), DUE))
        res["warm"].append(timed(OPEN_CODE, str(folder), DUE))
        res["status"].append(timed(STATUS_CODE, str(folder)))
    sql = {SQLITE_PEER: [r["answer_s"] for r in res["sql"]]}
    what = f"{processes:,} processes / {n:,} events"

    def col(kind: str, key: str) -> list[float]:
        return [r[key] for r in res[kind]]

    def ok(values: list[float], limit: float) -> bool:
        return sorted(values)[len(values) // 2] <= limit

    rows = [
        figure(
            f"P2 first open, {what}, to 'agreements due'",
            col("cold", "answer_s"),
            "s",
            peers=sql,
            goal="<= 1.0 s",
            met=ok(col("cold", "answer_s"), 1.0),
        ),
        figure(
            f"P2 first open, {what}, exit after the answer",
            col("cold", "exit_s"),
            "s",
            goal="<= 0.2 s",
            met=ok(col("cold", "exit_s"), 0.2),
        ),
        figure(
            f"P2 first open, {what}, its derived files written by a detached writer after exit",
            col("cold", "detached_s"),
            "s",
        ),
        figure(
            f"P2 warm open (snapshot), {what}, to 'agreements due'",
            col("warm", "answer_s"),
            "s",
            peers=sql,
            goal="<= 0.15 s",
            met=ok(col("warm", "answer_s"), 0.15),
        ),
        figure(
            f"P2 s3flow status, {what}",
            [
                a + b
                for a, b in zip(col("status", "answer_s"), col("status", "exit_s"), strict=True)
            ],
            "s",
            goal="<= 0.3 s",
            met=ok(
                [
                    a + b
                    for a, b in zip(col("status", "answer_s"), col("status", "exit_s"), strict=True)
                ],
                0.3,
            ),
        ),
        figure(
            f"P2 peak memory of a first open, {what} (fresh process)",
            col("cold", "peak_mb"),
            "MB",
            peers={SQLITE_PEER: col("sql", "peak_mb")},
            goal="<= 100 MB",
            met=ok(col("cold", "peak_mb"), 100),
        ),
        figure(
            f"P2 peak memory of the hash worker of that open (a second program), {what}",
            col("cold", "children_peak_mb"),
            "MB",
        ),
    ]
    if big:
        folder = tmp / f"open-{big}"
        n = build_workspace(folder, big)
        one = timed(OPEN_CODE, str(folder), DUE, "answer-only")
        shutil.rmtree(folder, ignore_errors=True)
        rows.append(
            figure(
                f"P2 first open, {big:,} processes / {n:,} events",
                [one["answer_s"]],
                "s",
                goal="<= 10 s",
                met=one["answer_s"] <= 10,
            )
        )
        rows.append(figure("P2 peak memory of that open (to its answer)", [one["peak_mb"]], "MB"))
    return rows
