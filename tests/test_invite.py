"""Personal links: each person acts as themselves; nobody acts for someone else through a link."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import PEOPLE, fixed_clock, start_consent

from s3engine.cli.main import main
from s3engine.core.workspace import Workspace
from s3engine.participation import invite
from s3engine.participation.invite import InviteError


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def decision(tmp_path: Path) -> tuple[Path, str]:
    ws = Workspace(tmp_path / "ws", clock=fixed_clock())
    p = start_consent(ws)
    ws.close()
    return tmp_path / "ws", p.id


def test_invite_lists_a_link_per_participant_and_keeps_only_hashes(
    decision: tuple[Path, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    w, pid = decision
    code, out, _ = _cli(
        capsys,
        "invite",
        pid,
        "-w",
        str(w),
        "--json",
        "--qr",
        str(tmp_path / "qr"),
        "--base-url",
        "http://10.0.0.5:8866/",
    )
    assert code == 0
    links = json.loads(out)
    assert sorted(x["person"] for x in links) == sorted(PEOPLE)
    for x in links:
        assert x["link"] == f"http://10.0.0.5:8866/?invite={x['token']}"
        assert len(x["token"]) >= 40
        assert (tmp_path / "qr" / f"{x['person']}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stored = b"".join(p.read_bytes() for p in w.rglob("*") if p.is_file())
    for x in links:
        assert x["token"].encode() not in stored  # never written in clear, anywhere
    code, out, _ = _cli(capsys, "invite", pid, "-w", str(w), "--list")
    assert code == 0 and out.count("active") == len(PEOPLE)


def test_a_link_acts_as_its_person_and_nobody_else(
    decision: tuple[Path, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    w, pid = decision
    _cli(capsys, "invite", pid, "-w", str(w), "--json")
    ws = Workspace(w)
    links = {x.person: x for x in invite.issue(ws, pid, "Ana")}
    ws.close()
    journal = w / "journal.jsonl"
    code, _, err = _cli(
        capsys, "act", pid, "consent_driver", "-w", str(w), "--token", links["Ana"].token
    )
    assert code == 0, err
    event = json.loads(journal.read_text().splitlines()[-1])
    assert event["actor"] == "Ana" and event["auth"] == {
        "via": "link",
        "by": "Ana",
        "link": links["Ana"].link,
    }

    before = journal.read_bytes()
    attempts = [
        ["--token", links["Bruno"].token, "--as", "Carla"],  # a link posing as someone else
        ["--token", links["Bruno"].token, "--for", "Carla"],  # or recording for someone else
        ["--token", "x" * 43],  # a forged token
        ["--token", links["Bruno"].token + "x"],  # a changed one
        ["--as", "Bruno", "--for", "Carla"],  # an operator who does not facilitate
    ]
    for extra in attempts:
        code, _, err = _cli(capsys, "act", pid, "present_proposal", "-w", str(w), *extra)
        assert code == 2, extra
        assert "Traceback" not in err and err.count("\n") == 1
        assert journal.read_bytes() == before
    # the proposer presents with her own link
    code, _, err = _cli(
        capsys, "act", pid, "present_proposal", "-w", str(w), "--token", links["Carla"].token
    )
    assert code == 0, err


def test_revoked_replaced_and_expired_links_are_refused(tmp_path: Path) -> None:
    now = {"t": "2026-03-02T18:00:00.000000Z"}
    ws = Workspace(tmp_path / "ws", clock=lambda: now["t"])
    p = start_consent(ws)
    first = {x.person: x for x in invite.issue(ws, p.id, "Ana", days=2)}
    second = {x.person: x for x in invite.issue(ws, p.id, "Ana", people=["Bruno"])}
    with pytest.raises(InviteError, match="replaced"):
        invite.authenticate(ws, first["Bruno"].token)
    assert invite.authenticate(ws, second["Bruno"].token)[1].person == "Bruno"
    invite.revoke(ws, p.id, "Ana", "Carla")
    with pytest.raises(InviteError, match="revoked"):
        invite.authenticate(ws, first["Carla"].token)
    now["t"] = "2026-03-05T18:00:00.000000Z"
    with pytest.raises(InviteError, match="expired"):
        invite.authenticate(ws, first["Dario"].token)
    with pytest.raises(InviteError, match="Only the facilitator"):
        invite.issue(ws, p.id, "Bruno")
    other = start_consent(ws, title="Another decision")
    with pytest.raises(InviteError, match="another decision"):
        invite.authenticate(ws, second["Bruno"].token, other.id)


def test_refusals_do_not_name_the_person(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws", clock=fixed_clock())
    p = start_consent(ws)
    links = {x.person: x for x in invite.issue(ws, p.id, "Ana")}
    invite.revoke(ws, p.id, "Ana", "Dario")
    with pytest.raises(InviteError) as err:
        invite.authenticate(ws, links["Dario"].token)
    assert "Dario" not in str(err.value) and err.value.status == "revoked"
