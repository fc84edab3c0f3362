"""Fault injection in the style of SQLite's tests, in-process.

The n-th I/O call (``os.write``, ``os.fsync``, ``os.replace``, ``os.truncate``, ``os.ftruncate``,
``os.open``, ``os.mkdir``, ``os.link`` or taking the journal lock with ``fcntl.flock``) raises
``OSError`` (EIO, or ENOSPC), once or from then on (or, for a write, writes only half: a full
disk's short write), for n = 1, 2, 3 ... until the operation runs without meeting a fault.
After every fault: every event acknowledged before is still in the journal, the journal verifies,
nothing is half-applied (the live state, a fresh open and a fresh replay agree), the failed call
raised a typed ``S3Error`` whose message is honest about what was written, and the next command
works (a retry with the same request id, which never records an action twice), after which the
query tables on disk are the state replayed from the journal.

Power loss: the journal's content at each fsync is recorded; the process "dies" at a random I/O
call, and what was not fsynced is dropped (wholly or in part). The journal must still verify after
``repair`` and hold every acknowledged event.

The totals (injection points, call sites, trials) are printed; run with ``-s`` to see them.

These tests are for the file store only: they inject faults into the operating-system calls the
file journal makes. The PostgreSQL store's failures (a killed writer, a lost connection, a writer
that skips the lock, tampered rows) are tested against a real server in ``test_reliability.py``,
``test_journal.py`` and ``test_pg_store.py``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import json
import os
import random
import shutil
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PEOPLE, fixed_clock

from s3engine.cli.main import main
from s3engine.core import snapshot
from s3engine.core.process import Process
from s3engine.core.workspace import Workspace
from s3engine.errors import CorruptJournalError, DerivedStateWarning, S3Error
from s3engine.journal import file_store
from s3engine.journal.file_store import Journal

ROOT = Path(__file__).resolve().parents[1]
WRAPPED = ("write", "fsync", "replace", "truncate", "ftruncate", "open", "mkdir", "link")
LATE_CALLS = ("write", "fsync", "replace", "truncate", "ftruncate", "open")  # real failures
TOTALS: dict[str, Any] = {"points": 0, "trials": 0, "sites": set(), "ops": {}}
POWER_TRIALS = int(os.environ.get("S3FLOW_POWER_TRIALS", "60"))


class PowerLoss(BaseException):
    """The machine stopped: nothing after this call happens."""


class Faults:
    """Counts the wrapped I/O calls and makes the chosen ones fail."""

    def __init__(self) -> None:
        self.fail_at: int | None = None
        self.crash_at: int | None = None
        self.code = errno.EIO
        self.mode = "once"
        self.calls = 0
        self.fired: list[str] = []
        self.dead = False
        self.journal: Path | None = None
        self.synced = b""
        self.journal_calls: list[int] = []  # which calls wrote or fsynced the journal

    def arm(self, n: int, code: int, mode: str) -> None:
        """Fail call ``n`` with ``code``: ``once``, ``always`` (and every later call), or ``short``
        (once; a write then writes half of its bytes instead of failing)."""
        self.fail_at, self.code, self.mode = n, code, mode
        self.calls, self.fired = 0, []

    def arm_crash(self, n: int, journal: Path) -> None:
        """Lose power at call ``n``; track what of ``journal`` was fsynced."""
        self.crash_at, self.calls, self.dead, self.journal = n, 0, False, journal
        self.synced = journal.read_bytes() if journal.exists() else b""
        self.journal_calls = []

    def disarm(self) -> list[str]:
        """Stop failing; return where faults fired."""
        self.fail_at = self.crash_at = None
        return self.fired

    def tick(self, name: str, args: tuple[Any, ...] = ()) -> bool:
        """Count one call; raise when it is to fail; True when a write is to be short."""
        if self.fail_at is None and self.crash_at is None:
            return False
        self.calls += 1
        if name in ("write", "fsync") and self.is_journal(args[0]):
            self.journal_calls.append(self.calls)
        if self.crash_at is not None and (self.dead or self.calls >= self.crash_at):
            self.dead = True
            raise PowerLoss()
        if self.fail_at is not None and (
            self.calls == self.fail_at or (self.mode == "always" and self.calls > self.fail_at)
        ):
            if self.mode == "short" and name == "write" and len(args[1]) > 1:
                self.fired.append(f"short-write {_site()}")
                return True
            self.fired.append(f"{name} {_site()}")
            raise OSError(self.code, os.strerror(self.code))
        return False

    def is_journal(self, fd: int) -> bool:
        """Whether ``fd`` is open on the journal being watched for power loss."""
        if self.crash_at is None or self.journal is None:
            return False
        try:
            return os.fstat(fd).st_ino == os.stat(self.journal).st_ino
        except OSError:
            return False

    def synced_now(self, fd: int) -> None:
        """After a successful fsync: remember the journal's content if ``fd`` is the journal."""
        if self.is_journal(fd) and self.journal is not None:
            self.synced = self.journal.read_bytes()


def _site() -> str:
    """The innermost s3engine frame that made the failing call (for counting call sites)."""
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if f"{os.sep}s3engine{os.sep}" in path:
            return f"{path.rsplit(os.sep + 's3engine' + os.sep, 1)[1]}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Iterator[Faults]:
    """Every wrapped I/O call goes through one Faults counter."""
    f = Faults()
    for name in WRAPPED:
        real = getattr(os, name)

        def wrapper(*args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            if f.tick(_name, args):  # a short write
                return _real(args[0], args[1][: len(args[1]) // 2])
            result = _real(*args, **kw)
            if _name == "fsync":
                f.synced_now(args[0])
            return result

        monkeypatch.setattr(os, name, wrapper)
    real_flock = fcntl.flock

    def flock(fd: Any, operation: int) -> Any:
        if operation & fcntl.LOCK_EX:  # taking the journal lock (releasing it is not counted)
            f.tick("lock")
        return real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock)
    monkeypatch.setattr(file_store, "LOCK_TIMEOUT_S", 2.0)
    yield f
    f.disarm()


# -- the workspace the operations run on -----------------------------------------------------------


def consent_fields() -> dict[str, Any]:
    return {
        "title": "Bike racks",
        "facilitator": "Ana",
        "participants": PEOPLE,
        "driver": "Bikes block the pavement.",
        "requirement": "Safe bike parking.",
        "proposal": "Install racks.",
        "review_date": "2027-05-01",
    }


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with its key and a consent decision waiting for its first action."""
    folder = tmp_path_factory.mktemp("faults") / "base"
    ws = Workspace(folder, clock=fixed_clock())
    ws.start("consent", "Ana", **consent_fields())
    ws.close()
    return folder


def state(ws: Workspace) -> dict[str, Any]:
    """Everything replayed from the journal, comparable between workspaces."""
    procs = {
        pid: (type(p).__name__, snapshot._state(p), [e["seq"] for e in p.history])
        for pid, p in ws.processes.items()
    }
    requests = {r: (e["seq"] if isinstance(e, dict) else e) for r, e in ws.requests.items()}
    return {
        "head": ws.head,
        "processes": procs,
        "tables": ws.projection.tables,
        "settings": ws.settings,
        "key": ws.key_record,
        "requests": requests,
    }


def events(folder: Path) -> list[dict[str, Any]]:
    return Journal(folder / "journal.jsonl").read_new()


def tables_on_disk(folder: Path) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for path in sorted((folder / "query").glob("*.json")):
        if path.name != "meta.json":
            doc = json.loads(path.read_text(encoding="utf-8"))
            out[path.stem] = list(doc[path.stem].values())
    return out


def check_consistent(folder: Path, live: Workspace | None) -> None:
    """The journal verifies; live state (caught up), fresh open and fresh replay agree."""
    rep = Journal(folder / "journal.jsonl").verify()
    assert rep.ok, rep
    replay = Workspace(folder, use_snapshot=False)
    fresh = Workspace(folder)
    assert state(fresh) == state(replay)
    if live is not None:
        live.refresh()
        assert state(live) == state(replay)
    for w in (replay, fresh):
        w.close()


# -- the operations --------------------------------------------------------------------------------


Op = Callable[[Path, Any], Any]  # (the folder, the live workspace or None) -> result


def op_cli(folder: Path, ws: Workspace | None) -> Any:
    out, err = io.StringIO(), io.StringIO()
    args = ["act", "consent-1", "consent_driver", "--as", "Ana", "-w", str(folder)]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*args, "--request-id", "r-cli"])
    text = err.getvalue()
    assert "Traceback" not in text
    if code != 0:
        assert code == 2 and text.startswith("error: ") and text.count("\n") == 1, text
        raise CliFailed(text)
    assert "Recorded event" in out.getvalue()
    assert all(line.startswith("warning: ") for line in text.splitlines()), text
    if text:
        warnings.warn(DerivedStateWarning(text), stacklevel=1)  # what the command line showed
    return code


class CliFailed(S3Error):
    """The command line reported an error (exit code 2, one line)."""


def prepare_base(base: Path, dest: Path) -> None:
    shutil.copytree(base, dest)


def prepare_new(base: Path, dest: Path) -> None:
    """Nothing: the operation creates the workspace."""


def prepare_torn(base: Path, dest: Path) -> None:
    shutil.copytree(base, dest)
    with open(dest / "journal.jsonl", "ab") as fh:
        fh.write(b'{"seq": 99, "half')


def prepare_snapshotted(base: Path, dest: Path) -> None:
    shutil.copytree(base, dest)
    ws = Workspace(dest, clock=fixed_clock())
    assert snapshot.save(ws)
    ws.close()


OPS: dict[str, tuple[Callable[[Path, Path], None], Op, bool]] = {
    # name: (prepare the folder, the operation, open a live workspace first)
    "act": (
        prepare_base,
        lambda _, ws: ws.act("consent-1", "consent_driver", "Ana", request_id="r-act"),
        True,
    ),
    "start": (
        prepare_base,
        lambda _, ws: ws.start("tension", "Bo", tension="Bins", facilitator="Bo", request_id="r"),
        True,
    ),
    "start-new-workspace": (
        prepare_new,
        lambda _, ws: ws.start("consent", "Ana", request_id="r-new", **consent_fields()),
        True,
    ),
    "flush": (prepare_base, lambda _, ws: ws.flush(everything=True), True),
    # False (no snapshot) when the key could not be read
    "snapshot-save": (prepare_base, lambda _, ws: snapshot.save(ws), True),
    "repair": (prepare_torn, lambda folder, _: Journal(folder / "journal.jsonl").repair(), False),
    "open": (prepare_snapshotted, lambda folder, _: Workspace(folder), False),
    "cli-act": (prepare_base, op_cli, False),
}


def acknowledged(result: Any) -> dict[str, Any] | None:
    """The event an operation acknowledged (returned), if any."""
    if isinstance(result, dict) and "seq" in result:
        return result
    if isinstance(result, Process):
        return result.history[0]
    return None


def trial(base: Path, tmp: Path, faults: Faults, name: str, n: int, code: int, mode: str) -> bool:
    """Run one operation with call n failing; check everything; False when no fault fired."""
    prepare, op, live = OPS[name]
    folder = tmp / f"{name}-{code}-{mode}-{n}"
    prepare(base, folder)
    journal = folder / "journal.jsonl"
    before = journal.read_bytes() if journal.exists() else b""
    ws = Workspace(folder, clock=fixed_clock()) if live else None
    if ws is not None:
        ws.autoflush_seconds = 0
    result: Any = None
    error: S3Error | None = None
    faults.arm(n, code, mode)
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = op(folder, ws)
    except S3Error as exc:  # FileWriteError is an S3Error (and an OSError for old callers)
        error = exc
    except OSError as exc:  # pragma: no cover - the failure this suite exists to find
        pytest.fail(f"{name}: call {n} ({faults.fired}) raised a bare {exc!r}")
    fired = faults.disarm()
    TOTALS["trials"] += 1
    if not fired:
        assert error is None, (name, n, error)
        assert result is not False, (name, n)
        return False
    TOTALS["sites"].update(f.split(" ", 1)[1] for f in fired)
    after = journal.read_bytes() if journal.exists() else b""
    if error is not None:
        assert error.message and "Traceback" not in str(error)
    ack = acknowledged(result)
    late = [f for f in fired if "core/projection.py" in f and f.split()[0] in LATE_CALLS]
    if error is None and name in ("act", "start", "start-new-workspace", "cli-act") and late:
        # Writing the query tables failed after the event was recorded (a mkdir of a folder
        # that exists fails harmlessly, a short write is completed): the action is acknowledged,
        # with a warning that the derived tables will be rebuilt.
        said = [str(w.message) for w in caught if issubclass(w.category, DerivedStateWarning)]
        assert any("rebuilt" in w for w in said), (name, n, fired, said)
    if name == "repair":  # it may only cut the incomplete last line, never losing its bytes
        assert after in (before, before[: before.rfind(b"\n") + 1]), (n, fired)
        saved = [x.read_bytes() for x in folder.glob("journal.jsonl.torn-*")]
        assert saved == ([] if after == before else [before[len(after) :]]), (n, fired)
    else:
        # Nothing acknowledged is lost or changed: the bytes before still begin the journal.
        assert after.startswith(before), (name, n, fired)
        new = [e for e in events(folder) if e["seq"] > before.count(b"\n")]
        if ack is not None:
            assert ack in new, (name, n, fired)
        if error is not None:
            # Honest errors: an action written although an error was raised is only possible
            # when the message says so; the workspace key event alone is not the action.
            actions = [e for e in new if e["type"] != "workspace.key_added"]
            assert not actions or "may" in str(error), (name, n, fired, str(error))
        check_consistent(folder, ws)
    # The next command works: the same operation again, without faults.
    again = op(folder, ws)
    if ack is not None and acknowledged(again) is not None:
        assert acknowledged(again) == ack  # a retry returns what was recorded, never twice
    check_consistent(folder, ws)
    requests = [e.get("request") for e in events(folder) if e.get("request")]
    assert len(requests) == len(set(requests)), (name, n, "an action was recorded twice")
    # ... and the query tables on disk are rebuilt to match the journal.
    check = Workspace(folder, use_snapshot=False)
    check.flush()
    disk = tables_on_disk(folder)
    memory = {t: list(rows.values()) for t, rows in check.projection.tables.items()}
    assert disk == {t: rows for t, rows in memory.items() if rows or t in disk}, (name, n, fired)
    check.close()
    if ws is not None:
        ws.close()
    return True


@pytest.mark.parametrize("name", list(OPS))
def test_every_io_call_fails_in_turn(base: Path, tmp_path: Path, faults: Faults, name: str) -> None:
    points = 0
    modes = [(errno.EIO, "once"), (errno.EIO, "always"), (errno.ENOSPC, "once")]
    modes += [(errno.ENOSPC, "always"), (errno.ENOSPC, "short")]
    for code, mode in modes:
        n = 1
        while trial(base, tmp_path, faults, name, n, code, mode):
            n += 1
            assert n < 2000, "the operation never stops doing I/O"
        points += n - 1
    assert points > 0
    TOTALS["points"] += points
    TOTALS["ops"][name] = points


def test_a_line_that_cannot_be_hashed_is_damage_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"  # an escaped lone surrogate cannot be encoded to hash it
    Journal(path).append("a", "", "t.x", {})
    path.write_bytes(path.read_bytes().replace(b'"a"', b'"\\udcff"'))
    assert Journal(path).verify().first_bad_seq == 1
    with pytest.raises(CorruptJournalError, match="does not match its hash"):
        Journal(path).read_new()


# -- power loss ------------------------------------------------------------------------------------


def scenario(folder: Path, acked: dict[int, str], rng: random.Random) -> None:
    """Consent decisions with flushes and snapshots in between; records acknowledged events."""
    ws = Workspace(folder, clock=fixed_clock())
    ws.autoflush_seconds = 0
    for round_ in range(2):
        p = ws.start("consent", "Ana", request_id=f"s{round_}", **consent_fields())
        acked[p.history[0]["seq"]] = p.history[0]["hash"]
        steps = [("consent_driver", "Ana", {}), ("present_proposal", "Ana", {})]
        steps += [("start_responses", "Ana", {}), ("check_objections", "Ana", {})]
        steps += [("signal", who, {"signal": "no objection"}) for who in PEOPLE]
        for action, who, fields in steps:
            ev = p.act(action, who, **fields)
            acked[ev["seq"]] = ev["hash"]
            if rng.random() < 0.2:
                snapshot.save(ws)
            if rng.random() < 0.2:
                ws.flush(everything=True)
    ws.close()


def power_cut(path: Path, synced: bytes, rng: random.Random) -> None:
    """Keep what was fsynced, and of what was not, nothing, a part or everything."""
    current = path.read_bytes() if path.exists() else b""
    if current.startswith(synced):
        keep = current[: rng.randint(len(synced), len(current))]
    else:  # a cut (repair, undoing a failed write) that was not yet fsynced
        keep = rng.choice([synced, current])
    if path.exists():
        path.write_bytes(keep)


def test_power_loss_keeps_every_acknowledged_event(tmp_path: Path, faults: Faults) -> None:
    rng = random.Random(20260105)
    folder = tmp_path / "count"
    faults.arm_crash(10**9, folder / "journal.jsonl")  # count the calls of a whole run
    scenario(folder, {}, random.Random(0))
    total, at_journal = faults.calls, list(faults.journal_calls)
    faults.disarm()
    torn = 0
    for trial_no in range(POWER_TRIALS):
        folder = tmp_path / f"p{trial_no}"
        acked: dict[int, str] = {}
        # Half the crashes hit a write or fsync of the journal itself: the moments that matter.
        crash = rng.choice(at_journal) if trial_no % 2 else rng.randint(1, total)
        faults.arm_crash(crash, folder / "journal.jsonl")
        with contextlib.suppress(PowerLoss):
            scenario(folder, acked, random.Random(0))  # the same calls as the counted run
        synced = faults.synced
        faults.disarm()
        TOTALS["trials"] += 1
        power_cut(folder / "journal.jsonl", synced, rng)
        journal = Journal(folder / "journal.jsonl")
        rep = journal.verify()
        if not rep.ok:
            assert rep.torn_bytes > 0, rep  # the only damage a power loss may cause
            torn += 1
            journal.repair()
        assert Journal(folder / "journal.jsonl").verify().ok
        if not folder.exists():
            assert not acked
            continue
        on_disk = {e["seq"]: e["hash"] for e in events(folder)}
        assert all(on_disk.get(seq) == h for seq, h in acked.items()), trial_no
        check_consistent(folder, None)
        ws = Workspace(folder)  # the next command works
        ws.write("t", "", "test.tick", {"after": "power loss"})
        ws.close()
        check_consistent(folder, None)
    print(f"\npower loss: {POWER_TRIALS} trials over {total} I/O calls, {torn} torn tails repaired")


def test_report_totals() -> None:
    """Print what the suite covered (run after the sweeps, in file order)."""
    if not TOTALS["points"]:
        pytest.skip("run together with test_every_io_call_fails_in_turn")
    print(
        f"\nfault injection: {TOTALS['points']} injection points "
        f"({len(TOTALS['sites'])} distinct call sites in s3engine), {TOTALS['trials']} trials; "
        f"per operation: {TOTALS['ops']}"
    )
