"""The command line's error cases: one line on stderr, exit code 2, no traceback, journal unchanged.

And the one case that is not an error: a failure after the event was recorded (the query tables
could not be written) is a warning, and the command succeeds.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3engine.cli.main import main
from s3engine.core.definition import MAX_TEXT
from s3engine.core.field_value import MAX_ITEMS, MAX_LINE

START = [
    "facilitator=Ana",
    "participants=Ana",
    "participants=Bo",
    "driver=Bikes block the pavement",
    "requirement=Safe bike parking",
    "proposal=Install racks",
    "review_date=2027-05-01",
]
# What must never reach a terminal raw: C0 controls but newline and tab, DEL, C1 controls.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*args: str | bytes) -> tuple[int, str, str]:
    """Run ``python -m s3engine`` as a real program (arguments may be raw bytes)."""
    res = subprocess.run([sys.executable, "-m", "s3engine", *args], capture_output=True)
    return (
        res.returncode,
        res.stdout.decode("utf-8", "replace"),
        res.stderr.decode("utf-8", "replace"),
    )


def journal_bytes(w: Path) -> bytes:
    return (w / "journal.jsonl").read_bytes()


def assert_refused(code: int, err: str) -> None:
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


@pytest.fixture
def w(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A workspace with one consent decision (consent-1) waiting for its first step."""
    folder = tmp_path / "W"
    code, _, err = run(
        capsys, "start", "consent", "-w", str(folder), "--as", "Ana", "title=Bikes", *START
    )
    assert code == 0, err
    return folder


# -- a failure after the event was recorded --------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["act", "consent-1", "consent_driver", "--as", "Ana"],
        ["start", "consent", "--as", "Ana", "title=Second", *START],
    ],
)
def test_a_failure_after_the_event_was_recorded_is_a_warning_not_an_error(
    w: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    before = journal_bytes(w)

    def disk_full(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", disk_full)  # the query tables cannot be written
    code, out, err = run(capsys, *command, "-w", str(w))
    monkeypatch.undo()
    assert code == 0, err
    assert ("Recorded event 3" if command[0] == "act" else "Started") in out
    lines = err.splitlines()
    assert lines and all(x.startswith("warning: ") for x in lines), err
    assert "No space left on device" in err and "rebuilt" in err and "Traceback" not in err
    after = journal_bytes(w)
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 1
    # The tables are rebuilt by the next command that flushes.
    code, out, err = run(capsys, "agreements", "-w", str(w))
    assert code == 0 and err == ""
    rows = json.loads((w / "query" / "processes.json").read_text(encoding="utf-8"))["processes"]
    assert len(rows) == (1 if command[0] == "act" else 2)
    if command[0] == "act":
        assert next(iter(rows.values()))["state"] == "present"


def test_rebuild_that_cannot_write_is_an_error(
    w: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = journal_bytes(w)

    def disk_full(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", disk_full)
    code, _, err = run(capsys, "rebuild", "-w", str(w))
    monkeypatch.undo()
    assert_refused(code, err)
    assert "No space left on device" in err
    assert journal_bytes(w) == before
    code, _, _ = run(capsys, "rebuild", "-w", str(w))
    assert code == 0


# -- arguments that are not valid UTF-8 ----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [b"start", b"consent", b"--as", b"Ana", b"title=\xff", *(x.encode() for x in START)],
        [b"act", b"consent-1", b"consent_driver", b"--as", b"An\xe9"],
        [b"status", b"consent-\xc3"],
    ],
)
def test_arguments_that_are_not_utf8_are_refused(w: Path, args: list[bytes]) -> None:
    before = journal_bytes(w)
    code, _, err = run_process(*args, b"-w", str(w).encode())
    assert_refused(code, err)
    assert "not valid UTF-8" in err
    assert journal_bytes(w) == before


# -- a read-only workspace -----------------------------------------------------------------------


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` read-only: chmod for normal users; as root (who ignores permissions) a
    read-only bind mount of the folder onto itself."""
    if os.geteuid() != 0:
        paths = [folder, *folder.rglob("*")]
        modes = {p: p.stat().st_mode for p in paths}
        for p in paths:
            p.chmod(modes[p] & ~0o222)
        try:
            yield
        finally:
            for p in reversed(paths):
                p.chmod(modes[p])
        return
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot make a read-only folder as root here (no bind mount)")
    try:
        remount = ["mount", "-o", "remount,ro,bind", str(folder)]
        if subprocess.run(remount, capture_output=True).returncode != 0:
            pytest.skip("cannot remount read-only here")
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_read_only_workspace_still_reads_and_rebuild_says_it_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = tmp_path / "W"
    assert run(capsys, "demo", "-w", str(w))[0] == 0
    run(capsys, "rebuild", "-w", str(w))
    before = journal_bytes(w)
    with read_only(w):
        with pytest.raises(OSError):
            (w / "probe").write_text("x")
        code, out, err = run_process("agreements", "-w", str(w))
        assert code == 0 and "AGREEMENT" in out and "Traceback" not in err, err
        code, out, err = run_process("status", "-w", str(w))
        assert code == 0 and "consent-1" in out and "Traceback" not in err, err
        code, out, err = run_process("status", "consent-1", "-w", str(w), "--json")
        assert code == 0 and json.loads(out)["id"] == "consent-1", err
        code, _, err = run_process("rebuild", "-w", str(w))
        assert_refused(code, err)
        assert "write" in err
        code, _, err = run_process("start", "tension", "tension=x", "--as", "Bo", "-w", str(w))
        assert_refused(code, err)
        assert journal_bytes(w) == before
    assert journal_bytes(w) == before


# -- the journal replaced by a folder ------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["log"],
        ["agreements"],
        ["verify"],
        ["repair"],
        ["rebuild"],
        ["act", "consent-1", "consent_driver", "--as", "Ana"],
        ["start", "tension", "tension=x", "--as", "Bo"],
    ],
)
def test_journal_that_is_a_folder_is_named_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    journal = tmp_path / "W" / "journal.jsonl"
    journal.mkdir(parents=True)
    (journal / "inside").write_text("x")
    code, _, err = run(capsys, *command, "-w", str(tmp_path / "W"))
    assert_refused(code, err)
    assert str(journal) in err and "not a file" in err
    assert [p.name for p in journal.iterdir()] == ["inside"]


# -- terminal control characters in user data ------------------------------------------------------


HOSTILE = "Bikes \x1b[31mRED\x1b[0m\x07 \x9b2J \x1b]0;owned\x07 \r end"


def assert_no_raw_controls(*texts: str) -> None:
    for text in texts:
        assert not RAW_CONTROL.search(text), repr(text)


def test_control_characters_in_user_data_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = str(tmp_path / "W")
    code, out, err = run(
        capsys, "start", "consent", "-w", w, "--as", "Ana", f"title={HOSTILE}", *START
    )
    assert code == 0, err
    assert_no_raw_controls(out, err)
    assert "\\u001b[31mRED" in out and "\\u0007" in out  # shown, visibly
    for command in (["status", "consent-1"], ["status"], ["log"], ["log", "--json"]):
        code, out, err = run(capsys, *command, "-w", w)
        assert code == 0, err
        assert_no_raw_controls(out, err)
    # JSON output stays valid and holds the value unchanged
    code, out, _ = run(capsys, "status", "consent-1", "-w", w, "--json")
    assert json.loads(out)["title"] == HOSTILE.strip()
    # ... and so do errors that quote user data, on one line
    before = journal_bytes(Path(w))
    code, out, err = run(capsys, "act", "consent-1\x1b[2J\nX", "go", "-w", w)
    assert_refused(code, err)
    assert_no_raw_controls(out, err)
    assert "\\u001b[2J\\u000aX" in err
    code, out, err = run(capsys, "act", "consent-1", "\x1b[5m\x07", "--as", "Ana", "-w", w)
    assert_refused(code, err)
    assert_no_raw_controls(out, err)
    assert journal_bytes(Path(w)) == before


def test_control_characters_in_a_real_terminal_stream(tmp_path: Path) -> None:
    w = str(tmp_path / "W")
    code, out, err = run_process(
        "start", "consent", "-w", w, "--as", "Ana", f"title={HOSTILE}", *START
    )
    assert code == 0, err
    assert_no_raw_controls(out, err)
    code, out, err = run_process("status", "consent-1", "-w", w)
    assert code == 0 and "\\u001b[31mRED" in out
    assert_no_raw_controls(out, err)


# -- field sizes -----------------------------------------------------------------------------------


def test_an_oversized_text_field_is_refused_naming_the_limit(
    w: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = journal_bytes(w)
    fields = [f for f in START if not f.startswith("driver=")]
    big = "x" * (MAX_TEXT + 1)
    code, _, err = run(
        capsys, "start", "consent", "-w", str(w), "--as", "Ana", "title=t", f"driver={big}", *fields
    )
    assert_refused(code, err)
    assert "Driver (driver) is" in err and str(MAX_TEXT) in err and big not in err
    assert journal_bytes(w) == before


def test_an_oversized_line_field_is_refused_naming_the_limit(
    w: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = journal_bytes(w)
    code, _, err = run(
        capsys,
        "start",
        "consent",
        "-w",
        str(w),
        "--as",
        "Ana",
        "title=" + "t" * (MAX_LINE + 1),
        *START,
    )
    assert_refused(code, err)
    assert "Title (title) is" in err and str(MAX_LINE) in err
    assert journal_bytes(w) == before


def test_a_list_with_too_many_items_is_refused_naming_the_limit(
    w: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = journal_bytes(w)
    many = [f"responsibilities=task {i}" for i in range(MAX_ITEMS + 1)]
    code, _, err = run(
        capsys, "start", "consent", "-w", str(w), "--as", "Ana", "title=t", *START, *many
    )
    assert_refused(code, err)
    assert "Responsibilities (responsibilities)" in err and str(MAX_ITEMS) in err
    assert journal_bytes(w) == before
