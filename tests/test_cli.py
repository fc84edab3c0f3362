"""The s3flow command line, including the Done-when checks of the engine core."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from s3engine.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_verify_and_agreements(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w = str(tmp_path / "W")
    code, out, _ = run(capsys, "demo", "--workspace", w)
    assert code == 0 and "AGREEMENT" in out and "Concerns:" in out
    code, out, _ = run(capsys, "verify", "--workspace", w)
    assert code == 0 and out.startswith("OK")
    code, out, _ = run(capsys, "agreements", "--workspace", w, "--json")
    rows = json.loads(out)
    assert len(rows) == 1
    a = rows[0]
    assert a["review_date"] == "2027-06-30" and len(a["evaluation_criteria"]) == 2
    assert a["concerns"][0]["text"].startswith("Volunteer motivation")
    verdicts = [o["verdict"] for o in a["objections"]]
    assert verdicts == ["objection", "not an objection"]
    assert a["objections"][0]["resolution"]["amendment"]["kind"] == "change the proposal"
    assert len(a["proposal_versions"]) == 2


def test_changed_character_in_data_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = tmp_path / "W"
    run(capsys, "demo", "--workspace", str(w))
    path = w / "journal.jsonl"
    good = path.read_text(encoding="utf-8").splitlines(keepends=True)
    with_data = [k for k, x in enumerate(good) if json.loads(x)["data"]]
    for k in (with_data[0], with_data[len(with_data) // 2], with_data[-1]):
        ev = json.loads(good[k])
        raw = json.dumps(ev["data"], ensure_ascii=False)
        lines = list(good)
        data_at = lines[k].index('"data": ') + len('"data": ')
        # change one character inside the data object (a digit or letter)
        pos = next(i for i in range(data_at + 1, data_at + len(raw)) if lines[k][i].isalnum())
        ch = lines[k][pos]
        lines[k] = lines[k][:pos] + ("Z" if ch != "Z" else "Y") + lines[k][pos + 1 :]
        path.write_text("".join(lines), encoding="utf-8")
        code, out, _ = run(capsys, "verify", "--workspace", str(w))
        assert code == 1 and f"event {k + 1}:" in out
    path.write_text("".join(good), encoding="utf-8")


def test_torn_tail_reported_then_repaired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = tmp_path / "W"
    run(capsys, "demo", "--workspace", str(w))
    path = w / "journal.jsonl"
    data = path.read_bytes()
    cut = data.rstrip(b"\n").rfind(b"\n") + 1 + 30
    path.write_bytes(data[:cut])
    code, _, err = run(capsys, "agreements", "--workspace", str(w))
    assert code == 2 and "incomplete" in err and "s3flow repair" in err
    assert err.count("\n") == 1
    code, out, _ = run(capsys, "repair", "--workspace", str(w))
    assert code == 0 and "Removed" in out
    code, out, _ = run(capsys, "verify", "--workspace", str(w))
    assert code == 0
    assert len(list(w.glob("journal.jsonl.torn-*"))) == 1


def test_rebuild_reproduces_identical_agreements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = tmp_path / "W"
    run(capsys, "demo", "--workspace", str(w))
    _, before, _ = run(capsys, "agreements", "--workspace", str(w), "--json")
    shutil.rmtree(w / "query")
    code, _, _ = run(capsys, "rebuild", "--workspace", str(w))
    assert code == 0 and (w / "query" / "agreements.json").exists()
    _, after, _ = run(capsys, "agreements", "--workspace", str(w), "--json")
    assert after == before
    _, due, _ = run(
        capsys, "agreements", "--workspace", str(w), "--json", "--due-before", "2027-01-01"
    )
    assert json.loads(due) == []


def test_walkthrough_start_act_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w = str(tmp_path / "W")
    code, out, _ = run(
        capsys,
        "start",
        "consent",
        "-w",
        w,
        "--as",
        "Ana",
        "title=Bike racks",
        "facilitator=Ana",
        "participants=Ana",
        "participants=Bo",
        "driver=Bikes block the pavement",
        "requirement=Safe bike parking",
        "proposal=Install racks",
        "review_date=2027-05-01",
    )
    assert code == 0 and "consent-1" in out and "consent_driver" in out
    code, out, _ = run(capsys, "act", "consent-1", "consent_driver", "-w", w, "--as", "Ana")
    assert code == 0 and "Present the Proposal" in out
    code, _, err = run(capsys, "act", "consent-1", "present_proposal", "-w", w, "--as", "Bo")
    assert code == 2 and err.startswith(
        "error: 'Bo' cannot do 'Present the proposal' (present_proposal)"
    )
    code, out, _ = run(capsys, "status", "consent-1", "-w", w, "--json")
    view = json.loads(out)
    assert view["state"] == "present" and view["actions"][0]["name"] == "present_proposal"
    code, out, _ = run(capsys, "log", "-w", w)
    assert code == 0 and "consent.started" in out


@pytest.mark.parametrize(
    "args",
    [
        ["act", "nope-1", "x"],
        ["agreements", "--due-before", "soon"],
        ["start", "vote"],
        ["start", "consent", "title"],
        ["demo", "--scenario", "zzz"],
        ["frobnicate"],
    ],
)
def test_errors_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    w = tmp_path / "W"
    run(capsys, "init", "-w", str(w))
    code, _, err = run(capsys, *args, "-w", str(w))
    assert code == 2
    assert "Traceback" not in err
    if args[0] != "frobnicate":
        assert err.startswith("error: ") and err.count("\n") == 1


def test_workspace_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("S3FLOW_WORKSPACE", str(tmp_path / "E"))
    code, _, _ = run(capsys, "init")
    assert code == 0 and (tmp_path / "E" / "journal.jsonl").exists()
    monkeypatch.delenv("S3FLOW_WORKSPACE")
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(capsys, "init")
    assert code == 0 and (tmp_path / "s3flow-workspace" / "journal.jsonl").exists()


def test_python_dash_m_and_console_script(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "s3engine", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("s3flow ")
    exe = shutil.which("s3flow") or str(Path(sys.executable).with_name("s3flow"))
    out = subprocess.run(
        [exe, "verify", "-w", str(tmp_path / "none")], capture_output=True, text=True
    )
    assert out.returncode == 0 and "0 events" in out.stdout
