"""Sealed hidden rounds: nothing reveals a signal before the reveal, and the record proves it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import PEOPLE, fixed_clock, run_to_check, start_consent
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from s3engine.cli.main import main
from s3engine.core import sealed, sections
from s3engine.core.credential import Credential, operator
from s3engine.core.workspace import Workspace
from s3engine.errors import ActionNotAllowedNow, ImpersonationRefused, S3Error

VALUES = ('"possible objection"', '"concern"')


def _files(root: Path) -> dict[str, bytes]:
    """Every file's bytes; a snapshot's sections also decoded (its processes are compressed)."""
    files = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    if "snapshot.json" in files:
        _seal, manifest, body = files["snapshot.json"].split(b"\n", 2)
        places = json.loads(manifest)["sections"]
        parts = sections.Sections(body, places)
        for name in places:
            files[f"snapshot.json:{name}"] = json.dumps(
                parts.read(name), ensure_ascii=False
            ).encode()
        assert "snapshot.json:processes" in files
    return files


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out + err


def test_mid_round_no_file_and_no_output_holds_a_signal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace(tmp_path / "ws", clock=fixed_clock())
    p = start_consent(ws)
    run_to_check(p)
    p.act("signal", "Bruno", signal="possible objection")
    p.act("signal", "Carla", signal="concern")
    ws.flush(everything=True)
    from s3engine.core import snapshot

    assert snapshot.save(ws)
    w = str(ws.path)
    status = json.loads(_cli(capsys, "status", p.id, "--json", "-w", w))
    status.pop("actions", None)  # the signal form lists the choices, of course
    outputs = [
        json.dumps(status),
        _cli(capsys, "log", "-w", w),
        _cli(capsys, "log", "--json", "-w", w),
        _cli(capsys, "export", "-o", str(tmp_path / "out.jsonl"), "-w", w),
        (tmp_path / "out.jsonl").read_text(encoding="utf-8"),
    ]
    files = _files(ws.path)
    assert any(name.startswith("sealed/") for name in files)  # the answers are kept, sealed
    for value in VALUES:
        for name, data in files.items():
            assert value.encode() not in data, name
        for text in outputs:
            assert value not in text
    assert _cli(capsys, "verify", "-w", w).startswith("OK")
    # each person sees their own signal, nobody else's
    assert p.round_view("Bruno")["mine"] == "possible objection"
    assert "mine" not in p.round_view("Ana")
    assert p.round_view("Ana")["count"] == 2 and p.round_view("Ana")["of"] == 4

    p.act("signal", "Ana", signal="no objection")
    p.act("signal", "Dario", signal="no objection")  # the round reveals itself
    assert p.state == "choose"
    reveal = list(ws.events())[-1]
    assert reveal["type"] == "consent.close_round" and reveal["auth"]["via"] == "system"
    committed = {
        e["actor"]: e["data"]["commitment"] for e in ws.events() if e["type"] == "consent.signal"
    }
    for person, opened in reveal["data"]["revealed"].items():
        assert sealed.check(opened, committed[person], person, p.id, 1) is None
    assert reveal["data"]["revealed"]["Bruno"]["value"] == "possible objection"
    assert not (ws.path / "sealed" / p.id / "round-1").exists()  # sealed files are gone
    assert "possible objection" in _cli(capsys, "log", "--json", "-w", w)


def test_a_changed_sealed_answer_blocks_the_reveal(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    for who in PEOPLE[:3]:
        p.act("signal", who, signal="no objection")
    sealed_file = next((ws.path / "sealed").rglob("*.bin"))
    data = bytearray(sealed_file.read_bytes())
    data[-1] ^= 1
    sealed_file.write_bytes(bytes(data))
    p.act("signal", "Dario", signal="no objection")  # recorded; the reveal cannot follow
    assert p.state == "check"
    before = ws.journal.path.read_bytes()
    with pytest.raises(S3Error, match="was changed"):
        p.act("close_round", "Ana")
    assert ws.journal.path.read_bytes() == before and p.state == "check"


def test_a_forged_reveal_is_refused(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    for who in PEOPLE[:3]:
        p.act("signal", who, signal="no objection")
    next((ws.path / "sealed").rglob("*.bin")).write_bytes(b"x" * 40)  # stops the own reveal
    p.act("signal", "Dario", signal="concern")
    assert p.state == "check"
    rnd = p.round
    fake = {who: {"value": "no objection", "salt": "0" * 32} for who in rnd["commitments"]}
    with pytest.raises(ActionNotAllowedNow, match="does not match their commitment"):
        p.act("close_round", "Ana", revealed=fake)


def test_recording_for_someone_is_only_for_the_facilitator_and_is_shown(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    before = ws.journal.path.read_bytes()
    with pytest.raises(ImpersonationRefused, match="only Ana"):
        p.act("signal", "Dario", credential=operator("Carla"), signal="concern")
    with pytest.raises(ImpersonationRefused, match="personal link"):
        p.act("signal", "Dario", credential=Credential("Carla", "link", "l1"), signal="concern")
    assert ws.journal.path.read_bytes() == before
    ev = p.act("signal", "Dario", credential=operator("Ana"), signal="no objection")
    assert ev["actor"] == "Dario" and ev["auth"] == {"via": "operator", "by": "Ana"}
    assert p.round_view("Ana")["recorded_by"] == {"Dario": "Ana"}


def test_retried_request_is_not_recorded_twice(ws: Workspace) -> None:
    p = start_consent(ws)
    first = p.act("consent_driver", "Ana", request_id="req-1")
    again = p.act("consent_driver", "Ana", request_id="req-1")
    assert again["seq"] == first["seq"]
    assert sum(e["type"] == "consent.consent_driver" for e in ws.events()) == 1
    with pytest.raises(S3Error, match="already used for another action"):
        p.act("present_proposal", "Carla", request_id="req-1")
    reopened = Workspace(ws.path)
    assert (
        reopened.get(p.id).act("consent_driver", "Ana", request_id="req-1")["seq"] == first["seq"]
    )


class SealedRounds(RuleBasedStateMachine):
    """Random interleavings of signals, changed signals, absences and reopening (a crash)."""

    def __init__(self) -> None:
        super().__init__()
        import tempfile

        self.dir = Path(tempfile.mkdtemp())
        self.ws = Workspace(self.dir / "ws", clock=fixed_clock())
        self.p = start_consent(self.ws)
        run_to_check(self.p)
        self.pid = self.p.id
        self.last: dict[str, str] = {}
        self.absent: set[str] = set()

    def proc(self) -> Any:
        return self.ws.get(self.pid)

    @precondition(lambda self: self.proc().state == "check")
    @rule(
        who=st.sampled_from(PEOPLE),
        value=st.sampled_from(sealed_values := ("no objection", "concern", "possible objection")),
    )
    def signal(self, who: str, value: str) -> None:
        self.proc().act("signal", who, signal=value)  # someone marked absent may arrive late
        self.absent.discard(who)
        self.last[who] = value

    @precondition(lambda self: self.proc().state == "check")
    @rule(who=st.sampled_from(PEOPLE[1:]))
    def absent_rule(self, who: str) -> None:
        try:
            self.proc().act("mark_absent", "Ana", person=who)
        except ActionNotAllowedNow:
            assert who in self.last or who in self.absent
            return
        self.absent.add(who)
        if self.proc().state != "check":  # the others had all signalled
            assert set(self.last) | self.absent == set(PEOPLE)

    @rule()
    def crash_and_reopen(self) -> None:
        self.ws.close()
        self.ws = Workspace(self.dir / "ws", clock=fixed_clock(), use_snapshot=False)

    @invariant()
    def nothing_leaks_before_the_reveal(self) -> None:
        p = self.proc()
        rnd = p.rounds[0]
        data = self.ws.journal.path.read_bytes()
        if not rnd["revealed"]:
            for value in ("possible objection", "concern"):
                assert f'"{value}"'.encode() not in data
            assert set(self.last) | self.absent != set(PEOPLE)  # silence is never consent
        else:
            assert {k: v for k, v in rnd["signals"].items() if v != "absent"} == self.last
            assert {k for k, v in rnd["signals"].items() if v == "absent"} == self.absent
            digest = hashlib.sha256(data).hexdigest()
            assert digest  # the journal verifies below
            assert Workspace(self.dir / "ws", use_snapshot=False).journal.last_seq > 0


SealedRounds.TestCase.settings = settings(
    max_examples=int(os.environ.get("S3FLOW_STATEFUL_EXAMPLES", "25")),
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_sealed_rounds_keep_their_invariants = SealedRounds.TestCase


def test_an_open_round_closes_at_its_time_by_the_recorded_rule(tmp_path: Path) -> None:
    now = {"t": "2026-03-02T18:00:00.000000Z"}
    ws = Workspace(tmp_path / "ws", clock=lambda: now["t"])
    p = start_consent(ws)
    run_to_check(p)
    from s3engine.core.schedule import run_due
    from s3engine.errors import InvalidField

    with pytest.raises(InvalidField, match="not in the future"):
        p.act(
            "set_closing_time",
            "Ana",
            closes_at="2026-03-01 09:00",
            when_silent="no answer = absent",
        )
    p.act("set_closing_time", "Ana", closes_at="2026-03-05 09:00", when_silent="no answer = absent")
    p.act("signal", "Bruno", signal="no objection")
    p.act("signal", "Carla", signal="concern")
    assert run_due(ws) == [] and p.state == "check"  # not yet
    assert p.round_view("Ana")["closes_at"] == "2026-03-05T09:00:00Z"
    now["t"] = "2026-03-05T09:00:01.000000Z"
    (event,) = run_due(ws)
    assert event["type"] == "consent.close_round" and event["auth"]["via"] == "system"
    assert sorted(event["data"]["absent"]) == ["Ana", "Dario"]
    assert p.state == "celebrate"
    assert p.round["signals"]["Dario"] == "absent" and p.round["signals"]["Carla"] == "concern"
    assert run_due(ws) == []  # done once


def test_minutes_show_absence_and_who_recorded_for_whom_and_carry_a_checkpoint(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from s3engine.reports.minutes import to_html, to_markdown

    p = start_consent(ws)
    run_to_check(p)
    p.act("mark_absent", "Ana", person="Dario")
    p.act("signal", "Bruno", credential=operator("Ana"), signal="no objection")
    p.act("signal", "Carla", signal="no objection")
    p.act("signal", "Ana", signal="no objection")
    md = to_markdown(ws)
    assert "Absent: Dario" in md and "Bruno, recorded by Ana" in md
    assert "Taking part: Ana, Bruno, Carla" in md  # s3flow itself is not a participant
    out = tmp_path / "minutes.md"
    out.write_text(md, encoding="utf-8")
    (tmp_path / "minutes.html").write_text(to_html(ws), encoding="utf-8")
    for name in ("minutes.md", "minutes.html"):
        assert main(["verify", "-w", str(ws.path), "--checkpoint", str(tmp_path / name)]) == 0
    capsys.readouterr()
