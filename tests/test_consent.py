"""Consent Decision-Making with objection testing and resolution, driven through the contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import all_sign, run_to_check, start_consent

from s3engine.core.workspace import Workspace
from s3engine.errors import (
    ActionNotAllowedNow,
    InvalidField,
    NotAllowedForActor,
    S3Error,
    UnknownActionError,
)


def test_steps_follow_the_guide_and_agreement_is_recorded(ws: Workspace) -> None:
    p = start_consent(ws)
    assert p.state == "driver" and p.step.number == "1"
    names = {a.name for a in p.available_actions()}
    assert {
        "consent_driver",
        "clarify_driver",
        "defer",
        "pass_on",
        "discard",
        "object_to_requirement",
    } <= names
    run_to_check(p)
    assert p.state == "check"
    all_sign(p)
    assert p.state == "celebrate"
    p.act("celebrate", "Ana")
    p.act("record_agreement", "Ana")
    a = ws.projection.get("agreements", p.id)
    assert a is not None
    assert a["review_date"] == "2027-03-01" and a["evaluation_criteria"] == [
        "15 visitors per session"
    ]
    assert a["participants"][0] == "Ana" and a["facilitator"] == "Ana"


def test_hidden_round_stays_hidden_until_everyone_signalled(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    p.act("signal", "Ana", signal="no objection")
    p.act("signal", "Bruno", signal="possible objection")
    view = p.view(viewer="Carla")["round"]
    assert view["count"] == 2 and view["of"] == 4 and not view["revealed"]
    assert "signals" not in view and "mine" not in view
    assert p.view(viewer="Bruno")["round"]["mine"] == "possible objection"
    p.act("signal", "Carla", signal="no objection")
    p.act("signal", "Dario", signal="concern")
    view = p.view()["round"]
    assert view["revealed"] and view["signals"]["Bruno"] == "possible objection"
    assert p.state == "choose" and view["pending"] == ["Bruno"]


def test_signal_twice_changes_own_signal_only_before_reveal(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    p.act("signal", "Ana", signal="possible objection")
    p.act("signal", "Ana", signal="no objection")
    assert p.round_view("Ana")["mine"] == "no objection"
    assert "mine" not in p.round_view("Bruno") and "signals" not in p.round_view("Bruno")


def test_silence_is_never_consent_absent_people_are_recorded(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    p.act("signal", "Bruno", signal="no objection")
    with pytest.raises(NotAllowedForActor):
        p.act("close_round", "Bruno")
    before = ws.journal.path.read_bytes()
    with pytest.raises(ActionNotAllowedNow, match="still waiting for Ana, Carla, Dario"):
        p.act("close_round", "Ana")
    assert ws.journal.path.read_bytes() == before
    assert p.state == "check"
    p.act("mark_absent", "Ana", person="Dario")
    with pytest.raises(ActionNotAllowedNow, match="already signalled"):
        p.act("mark_absent", "Ana", person="Bruno")
    p.act("signal", "Ana", signal="no objection")
    p.act("signal", "Carla", signal="no objection")  # the last one present: revealed by itself
    assert p.state == "celebrate"
    assert p.round["signals"] == {
        "Ana": "no objection",
        "Bruno": "no objection",
        "Carla": "no objection",
        "Dario": "absent",
    }
    last = list(ws.events())[-1]
    assert last["type"] == "consent.close_round" and last["auth"]["via"] == "system"


def qualify_and_resolve(p, objector: str = "Bruno") -> None:  # type: ignore[no-untyped-def]
    p.act(
        "test_objection", "Ana", objector=objector, argument="Too few volunteers for two sessions."
    )
    assert p.state == "testing" and p.leaf().kind == "objection-test"
    p.act(
        "present_argument",
        objector,
        premises=["We have 3 volunteers"],
        conclusion="Therefore two sessions a month will burn them out.",
    )
    p.act("check_disagreement", "Ana")
    p.act("close_check", "Ana")
    assert p.state == "resolving" and p.leaf().kind == "resolution"


def test_qualified_objection_is_resolved_and_check_runs_again_on_amended_proposal(
    ws: Workspace,
) -> None:
    p = start_consent(ws)
    run_to_check(p)
    all_sign(p, Bruno="possible objection")
    qualify_and_resolve(p)
    with pytest.raises(ActionNotAllowedNow) as err:
        p.act(
            "propose_amendment",
            "Ana",
            kind="change the proposal",
            text="One session",
            **{"from": "objector"},
        )
    assert "amended text" in str(err.value)
    p.act(
        "propose_amendment",
        "Ana",
        kind="change the proposal",
        text="One session a month",
        **{"from": "objector"},
        amended_text="Open a help desk once a month.",
    )
    p.act("check_amendment", "Ana")
    all_sign(p)
    p.act("adopt_amendment", "Ana")
    assert p.state == "check" and p.data["proposal"] == "Open a help desk once a month."
    assert p.round["no"] == 2 and "version" in p.round["about"]
    all_sign(p)
    p.act("celebrate", "Ana")
    p.act("record_agreement", "Ana")
    a = ws.projection.get("agreements", p.id)
    assert a["text"] == "Open a help desk once a month."
    obj = a["objections"][0]
    assert obj["verdict"] == "objection" and obj["objector"] == "Bruno"
    assert obj["resolution"]["amendment"]["kind"] == "change the proposal"
    assert [v["text"] for v in a["proposal_versions"]][-1] == "Open a help desk once a month."


def test_argument_that_does_not_qualify_is_kept_as_concern(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    all_sign(p, Dario="possible objection")
    p.act("test_objection", "Ana", objector="Dario", argument="I prefer Thursdays.")
    p.act("present_argument", "Dario")
    p.act("check_disagreement", "Ana")
    p.act("disagree", "Carla", reason="A preference, not a harm.")
    p.act("close_check", "Ana")
    assert p.leaf().state == "investigate"
    with pytest.raises(NotAllowedForActor):
        p.act("explain_disagreement", "Bruno", counter_argument="x")
    p.act("explain_disagreement", "Carla", counter_argument="Nothing bad happens on Tuesdays.")
    p.act("counter_holds", "Ana")
    assert p.leaf().state == "integrate"
    p.act("drop_argument", "Dario", keep_as_concern=True)
    assert p.state == "check"
    all_sign(p)
    p.act("celebrate", "Ana")
    p.act("record_agreement", "Ana")
    a = ws.projection.get("agreements", p.id)
    assert a["objections"][0]["verdict"] == "not an objection"
    assert any(c["text"] == "I prefer Thursdays." for c in a["concerns"])
    assert ws.projection.all("concerns") and ws.projection.all("objections")


def test_recursive_disagreement_unwinds(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    all_sign(p, Bruno="possible objection")
    p.act("test_objection", "Ana", objector="Bruno", argument="A")
    p.act("present_argument", "Bruno")
    p.act("check_disagreement", "Ana")
    p.act("disagree", "Carla", reason="not A")
    p.act("close_check", "Ana")
    p.act("dispute_counter", "Dario", reason="not (not A)")
    assert len(p.leaf().stack) == 2
    p.act("counter_holds", "Ana")  # Dario's counter holds -> Carla's level remains
    assert p.leaf().state == "investigate" and len(p.leaf().stack) == 1
    p.act("counter_fails", "Ana")  # so Carla's counter fails -> back to the check
    assert p.leaf().state == "check_disagreement"
    p.act("close_check", "Ana")  # no disagreement left -> objection
    assert p.state == "resolving"


def test_objection_to_the_amendment_is_resolved_recursively(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    all_sign(p, Bruno="possible objection")
    qualify_and_resolve(p)
    p.act(
        "propose_amendment",
        "Ana",
        kind="change the proposal",
        text="Once a month",
        **{"from": "group"},
        amended_text="Once a month.",
    )
    p.act("check_amendment", "Ana")
    all_sign(p, Carla="possible objection")
    p.act("test_objection", "Ana", objector="Carla", argument="Once a month is too rare.")
    p.act("present_argument", "Carla")
    p.act("check_disagreement", "Ana")
    p.act("close_check", "Ana")
    inner = p.leaf()
    assert inner.kind == "resolution" and inner.parent.kind == "resolution"
    p.act(
        "propose_amendment",
        "Ana",
        kind="change the proposal",
        text="Three times a quarter",
        **{"from": "dialogue"},
        amended_text="Three times a quarter.",
    )
    p.act("check_amendment", "Ana")
    all_sign(p)
    p.act("adopt_amendment", "Ana")
    assert p.leaf().kind == "resolution" and p.leaf().state == "check"
    all_sign(p)
    p.act("adopt_amendment", "Ana")
    assert p.state == "check" and p.data["proposal"] == "Three times a quarter."


def test_deferral_amendment_records_owner_and_date(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    all_sign(p, Bruno="possible objection")
    qualify_and_resolve(p)
    with pytest.raises(ActionNotAllowedNow) as err:
        p.act(
            "propose_amendment",
            "Ana",
            kind="defer the objection",
            text="later",
            **{"from": "objector"},
        )
    assert "owner and a due date" in str(err.value)
    p.act(
        "propose_amendment",
        "Ana",
        kind="defer the objection",
        text="Check volunteer numbers",
        **{"from": "objector"},
        owner="Dario",
        due="2026-04-01",
        next_step="Report in April",
    )
    p.act("check_amendment", "Ana")
    all_sign(p)
    p.act("adopt_amendment", "Ana")
    assert p.data["deferred_objections"][0] == {
        "objector": "Bruno",
        "objection": "Too few volunteers for two sessions.",
        "owner": "Dario",
        "due": "2026-04-01",
        "next_step": "Report in April",
    }


@pytest.mark.parametrize(
    "action,kwargs",
    [
        ("defer", {"reason": "not a quick fix"}),
        ("pass_on", {"to": "Waste circle"}),
        ("discard", {"reason": "not an organizational driver"}),
    ],
)
def test_driver_branches_end_the_process(ws: Workspace, action: str, kwargs: dict) -> None:
    p = start_consent(ws)
    p.act(action, "Ana", **kwargs)
    assert p.finished and p.available_actions() == []
    assert ws.projection.get("agreements", p.id) is None


def test_objection_to_requirement_is_resolved_before_the_proposal(ws: Workspace) -> None:
    p = start_consent(ws)
    p.act("object_to_requirement", "Bruno", argument="Advice alone will not cut bills.")
    assert p.state == "req_testing"
    p.act("present_argument", "Bruno")
    p.act("check_disagreement", "Ana")
    p.act("close_check", "Ana")
    p.act(
        "propose_amendment",
        "Ana",
        kind="change the proposal",
        text="add follow-up",
        **{"from": "objector"},
        amended_text="Free advice and a follow-up visit.",
    )
    p.act("check_amendment", "Ana")
    all_sign(p)
    p.act("adopt_amendment", "Ana")
    assert p.state == "driver" and p.data["requirement"] == "Free advice and a follow-up visit."


def test_wrong_actor_state_and_fields_raise_and_write_nothing(ws: Workspace) -> None:
    p = start_consent(ws)
    before = ws.journal.path.read_bytes()
    cases = [
        (NotAllowedForActor, lambda: p.act("consent_driver", "Bruno")),
        (ActionNotAllowedNow, lambda: p.act("signal", "Bruno", signal="no objection")),
        (UnknownActionError, lambda: p.act("vote", "Ana")),
        (InvalidField, lambda: p.act("pass_on", "Ana")),
        (InvalidField, lambda: p.act("pass_on", "Ana", to="x", colour="red")),
        (NotAllowedForActor, lambda: p.act("consent_driver", "Mallory")),
    ]
    for exc, fn in cases:
        with pytest.raises(exc) as err:
            fn()
        assert isinstance(err.value, S3Error)
        assert str(err.value)
    assert ws.journal.path.read_bytes() == before and p.state == "driver"
    p.act("consent_driver", "Ana")
    with pytest.raises(ActionNotAllowedNow) as err2:
        p.act("consent_driver", "Ana")
    # people read titles; scripts get the names in parentheses (the CLI prints that form)
    assert "Possible now: Present the proposal," in str(err2.value)
    assert "present_proposal" not in str(err2.value) and "consent_driver" not in str(err2.value)
    assert "Present the proposal (present_proposal)" in err2.value.script_text()


def test_invalid_signal_and_date_values(ws: Workspace) -> None:
    p = start_consent(ws, review_date=None)
    p.act("consent_driver", "Ana")
    with pytest.raises(InvalidField, match="Review date is needed for “Present the proposal”"):
        p.act("present_proposal", "Carla")  # said next to the input that supplies it
    with pytest.raises(InvalidField, match="YYYY-MM-DD"):
        p.act("present_proposal", "Carla", review_date="next spring")
    p.act("present_proposal", "Carla", review_date="2027-01-31")
    p.act("start_responses", "Ana")
    p.act("check_objections", "Ana")
    with pytest.raises(InvalidField, match="possible objection"):
        p.act("signal", "Bruno", signal="maybe")


def test_start_field_errors(ws: Workspace) -> None:
    with pytest.raises(InvalidField, match="Participants"):
        ws.start(
            "consent",
            "Ana",
            title="x",
            facilitator="Ana",
            participants=["Ana"],
            driver="d",
            requirement="r",
        )
    with pytest.raises(InvalidField, match="Driver"):
        ws.start(
            "consent",
            "Ana",
            title="x",
            facilitator="Ana",
            participants=["Ana", "Bo"],
            requirement="r",
        )
    with pytest.raises(InvalidField, match="usable name"):
        ws.start(
            "consent",
            "Ana",
            title="x",
            facilitator="Ana",
            participants=["Ana", "B\x00o"],
            driver="d",
            requirement="r",
        )
    assert ws.journal.last_seq == 0


def test_replay_reproduces_every_process_exactly(ws: Workspace, tmp_path: Path) -> None:
    p = start_consent(ws)
    run_to_check(p)
    all_sign(p, Bruno="possible objection", Dario="concern")
    qualify_and_resolve(p)
    again = Workspace(ws.path)
    for pid, proc in ws.processes.items():
        twin = again.processes[pid]
        assert (twin.state, twin.data, len(twin.history)) == (
            proc.state,
            proc.data,
            len(proc.history),
        )
    assert again.processes[p.id].view() == p.view()
    assert again.projection.tables == ws.projection.tables


def test_two_workspace_objects_see_each_others_events(ws: Workspace) -> None:
    p = start_consent(ws)
    other = Workspace(ws.path)
    other.get(p.id).act("consent_driver", "Ana")
    # the first object catches up before validating: presenting is possible now
    p.act("present_proposal", "Carla")
    assert p.state == "understand"
    assert [e["seq"] for e in ws.events()] == [1, 2, 3, 4]  # the key, then the three
