"""Role Selection (S3 §3.5) driven through the process contract."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import PEOPLE

from s3engine.core.workspace import Workspace
from s3engine.errors import ActionNotAllowedNow, InvalidField, NotAllowedForActor, S3Error
from s3engine.org import domain as org

STEP_TITLES = [
    "Present Role Description",
    "Record Nominations",
    "Reasons for Nominations",
    "Information Gathering",
    "Nomination Changes",
    "Propose a nominee",
    "Check for Objections",
    "Address and Resolve Objections",
    "Celebrate",
]


def start(ws: Workspace, **over: Any) -> Any:
    fields: dict[str, Any] = {
        "role": "Desk host",
        "facilitator": "Ana",
        "participants": PEOPLE,
        "description": "Hosts the energy desk twice a month.",
        "term_end": "2027-06-30",
        "review_date": "2027-01-31",
    }
    fields.update(over)
    return ws.start("role-selection", "Ana", **fields)


def to_propose(p: Any, slips: dict[str, str] | None = None) -> None:
    slips = slips or {"Ana": "Carla", "Bruno": "Carla", "Carla": "Carla", "Dario": "pass"}
    p.act("present_description", "Ana")
    for who, nominee in slips.items():
        p.act("nominate", who, nominee=nominee)
    for who, nominee in slips.items():
        if nominee != "pass":
            p.act("give_reason", who, reason=f"{nominee} knows the topic.")
    p.act("start_information", "Ana")
    p.act("start_changes", "Ana")
    p.act("close_changes", "Ana")


def all_signal(p: Any, **special: str) -> None:
    for who in PEOPLE:
        p.act("signal", who, signal=special.get(who, "no objection"))


def head(ws: Workspace) -> tuple[int, bytes]:
    return ws.journal.last_seq, ws.journal.path.read_bytes()


def test_steps_are_the_guides(ws: Workspace) -> None:
    p = start(ws)
    titles = [s.title for s in p.definition.steps]
    for t in STEP_TITLES:
        assert t in titles
    assert [s.number for s in p.definition.steps if not s.final][:6] == list("123456")


def test_complete_selection_records_the_assignment(ws: Workspace) -> None:
    p = start(ws)
    assert p.state == "present"
    p.act("present_description", "Ana")
    p.act("nominate", "Ana", nominee="Carla")
    p.act("nominate", "Bruno", nominee="Dario")
    # Hidden: only the count shows, and a viewer sees their own slip.
    view = p.view("Bruno")["round"]
    assert view["revealed"] is False and view["count"] == 2 and view["mine"] == "Dario"
    assert "signals" not in view and "nominations" not in p.view()["details"]
    p.act("nominate", "Carla", nominee="Carla")
    p.act("nominate", "Dario", nominee="pass")
    assert p.state == "reasons"  # revealed together when the last slip is in
    assert p.view()["round"]["signals"] == {
        "Ana": "Carla",
        "Bruno": "Dario",
        "Carla": "Carla",
        "Dario": "pass",
    }
    p.act("give_reason", "Ana", reason="Carla knows tariffs.")
    p.act("give_reason", "Bruno", reason="Dario has time.")
    p.act("give_reason", "Carla", reason="I would like to learn.")
    p.act("start_information", "Ana")
    p.act("share_information", "Dario", information="I am away in May.", about="Dario")
    p.act("start_changes", "Ana")
    with pytest.raises(ActionNotAllowedNow, match="already nominates Carla"):
        p.act("change_nomination", "Ana", nominee="Carla", reason="same")
    p.act("change_nomination", "Bruno", nominee="Carla", reason="Dario is away in May.")
    p.act("close_changes", "Ana")
    assert p.view()["details"]["tally"] == {"Carla": 3}
    p.act("propose_nominee", "Ana", nominee="Carla", reasons="Three nominations.")
    all_signal(p)
    assert p.state == "accept"
    with pytest.raises(NotAllowedForActor):
        p.act("accept", "Bruno")
    p.act("accept", "Carla")
    p.act("celebrate", "Ana", selected_on="2026-01-06")
    assert p.finished and p.outcome == "selected"
    a = ws.projection.get("role_assignments", "desk-host#1")
    assert a is not None
    assert (a["role"], a["keeper"], a["selected_on"], a["term_end"], a["review_date"]) == (
        "Desk host",
        "Carla",
        "2026-01-06",
        "2027-06-30",
        "2027-01-31",
    )
    assert a["domain_version"] == 1 and a["selection"] == p.id
    by = {n["by"]: n for n in a["nominations"]}
    assert by["Carla"]["self"] is True and by["Dario"]["nominee"] == "pass"
    assert by["Bruno"]["nominee"] == "Dario" and by["Bruno"]["changed_to"] == "Carla"
    assert by["Bruno"]["reason"] == "Dario has time."
    assert by["Bruno"]["change_reasons"] == ["Dario is away in May."]
    role = ws.projection.get("roles", "desk-host")
    assert role["keeper"] == "Carla" and role["nominations"] == a["nominations"]


def test_facilitator_can_close_the_nominations(ws: Workspace) -> None:
    p = start(ws)
    p.act("present_description", "Ana")
    p.act("nominate", "Ana", nominee="Bruno")
    p.act("nominate", "Ana", nominee="Carla")  # a slip can be rewritten before the reveal
    assert p.round_view("Ana")["mine"] == "Carla" and "mine" not in p.round_view("Bruno")
    data = ws.journal.path.read_bytes()
    assert b'"Carla"' not in data.split(b"nominate", 1)[1]  # only commitments, no slip
    with pytest.raises(ActionNotAllowedNow, match="still waiting for Bruno, Carla, Dario"):
        p.act("close_nominations", "Ana")  # nobody's slip is assumed
    p.act("close_nominations", "Ana", absent=["Bruno", "Carla", "Dario"])
    assert p.state == "reasons"
    signals = p.view()["round"]["signals"]
    assert signals["Ana"] == "Carla" and signals["Bruno"] == "absent"
    with pytest.raises(ActionNotAllowedNow):
        p.act("nominate", "Bruno", nominee="Bruno")


def test_objection_leads_to_a_different_nominee(ws: Workspace) -> None:
    p = start(ws)
    to_propose(p)
    p.act("propose_nominee", "Ana", nominee="Carla", reasons="Most nominations.")
    all_signal(p, Bruno="possible objection", Carla="possible objection")
    assert p.state == "choose"
    # The nominee's own objection is handled first.
    with pytest.raises(ActionNotAllowedNow, match="nominee's own objection is handled first"):
        p.act("test_objection", "Ana", objector="Bruno", argument="Carla is too busy.")
    assert p.available_actions()[0].fields[0].choices[0] == "Carla"
    p.act(
        "test_objection",
        "Ana",
        objector="Carla",
        argument="I start a new job and cannot host the desk this year.",
    )
    p.act("present_argument", "Carla")
    p.act("check_disagreement", "Ana")
    p.act("close_check", "Ana")
    assert p.leaf().kind == "resolution"
    with pytest.raises(ActionNotAllowedNow, match="name the other nominee"):
        p.act(
            "propose_amendment",
            "Ana",
            kind="propose another nominee",
            text="Ask Dario instead.",
            **{"from": "group"},
        )
    p.act(
        "propose_amendment",
        "Ana",
        kind="propose another nominee",
        nominee="Dario",
        text="Ask Dario instead.",
        **{"from": "group"},
    )
    p.act("check_amendment", "Ana")
    all_signal(p)
    p.act("adopt_amendment", "Ana")
    assert p.state == "propose" and p.view()["details"]["suggested"] == "Dario"
    p.act("propose_nominee", "Ana", reasons="Proposed while resolving Carla's objection.")
    assert p.nominee == "Dario" and p.state == "check"
    all_signal(p)
    p.act("accept", "Dario")
    p.act("celebrate", "Ana")
    a = ws.projection.get("role_assignments", "desk-host#1")
    assert a["keeper"] == "Dario"
    assert a["withdrawn"][0]["nominee"] == "Carla"
    assert a["objections"][0]["verdict"] == "objection"
    assert a["objections"][0]["resolution"]["amendment"]["nominee"] == "Dario"


def test_nominee_declines_and_cannot_be_proposed_again(ws: Workspace) -> None:
    p = start(ws)
    to_propose(p)
    p.act("propose_nominee", "Ana", nominee="Carla", reasons="Most nominations.")
    all_signal(p)
    p.act("decline", "Carla", reason="Not this year.")
    assert p.state == "propose" and p.nominee is None
    before = head(ws)
    with pytest.raises(ActionNotAllowedNow, match="Carla declined"):
        p.act("propose_nominee", "Ana", nominee="Carla", reasons="Still the best.")
    assert head(ws) == before
    p.act("propose_nominee", "Ana", nominee="Bruno", reasons="Next strongest reasons.")
    all_signal(p)
    p.act("accept", "Bruno")
    p.act("celebrate", "Ana")
    a = ws.projection.get("role_assignments", "desk-host#1")
    assert a["keeper"] == "Bruno" and a["declined"][0]["nominee"] == "Carla"
    assert [x["nominee"] for x in a["proposals"]] == ["Carla", "Bruno"]


def test_changed_role_description_is_a_new_domain_version(ws: Workspace) -> None:
    org.form_circle(ws, "Ana", id="energy", name="Energy team", members=PEOPLE)
    org.describe_domain(
        ws,
        "Ana",
        id="desk",
        name="Energy desk",
        purpose="Free advice.",
        description="Hosts the desk twice a month.",
        circle="energy",
    )
    p = ws.start(
        "role-selection",
        "Ana",
        role="Desk host",
        domain="desk",
        circle="energy",
        facilitator="Ana",
        participants=PEOPLE,
        term_end="2027-06-30",
    )
    assert p.data["role_id"] == "energy.desk-host" and p.data["description"].startswith("Hosts")
    to_propose(p)
    p.act(
        "propose_nominee",
        "Ana",
        nominee="Carla",
        reasons="Most nominations.",
        term_end="2027-12-31",
    )
    all_signal(p, Dario="possible objection")
    p.act("test_objection", "Ana", objector="Dario", argument="No limit on hours: burnout.")
    p.act("present_argument", "Dario")
    p.act("check_disagreement", "Ana")
    p.act("close_check", "Ana")
    p.act(
        "propose_amendment",
        "Ana",
        kind="change the role description",
        text="Limit to three hours.",
        amended_text="Hosts the desk twice a month, three hours at most.",
        **{"from": "objector"},
    )
    p.act("check_amendment", "Ana")
    all_signal(p)
    p.act("adopt_amendment", "Ana")
    assert p.state == "check"  # checked again with the changed description
    all_signal(p)
    p.act("accept", "Carla")
    p.act("celebrate", "Ana")
    d = ws.projection.get("domains", "desk")
    assert d["version"] == 2 and d["description"].endswith("three hours at most.")
    assert d["versions"][1]["source"] == p.id
    role = ws.projection.get("roles", "energy.desk-host")
    assert role["domain_version"] == 2 and role["term_end"] == "2027-12-31"
    assert org.holdings(ws, "Carla")["roles"][0]["id"] == "energy.desk-host"


@pytest.mark.parametrize(
    "over, field",
    [
        ({"term_end": None}, "term_end"),
        ({"domain": "nope"}, "domain"),
        ({"circle": "nope"}, "circle"),
        ({"participants": ["Ana"]}, "participants"),
        ({"review_date": "2028-01-01"}, "review_date"),
    ],
)
def test_bad_start_writes_nothing(ws: Workspace, over: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidField) as err:
        start(ws, **over)
    assert err.value.field == field
    assert ws.journal.last_seq == 0 and not ws.journal.path.exists()


def test_end_without_selection_and_reselection(ws: Workspace) -> None:
    p = start(ws)
    to_propose(p)
    p.act("end_without_selection", "Ana", reason="Nobody has time; ask the coop.")
    assert p.outcome == "no selection" and ws.projection.get("roles", "desk-host") is None
    for keeper in ("Carla", "Bruno"):
        p = start(ws)
        to_propose(p)
        p.act("propose_nominee", "Ana", nominee=keeper, reasons="r")
        all_signal(p)
        p.act("accept", keeper)
        p.act("celebrate", "Ana")
    hist = org.role_history(ws, "desk-host")
    assert [(h["keeper"], h["status"]) for h in hist] == [("Carla", "ended"), ("Bruno", "current")]
    assert ws.projection.get("roles", "desk-host")["holders"][0]["ended_on"] is not None


def test_celebrate_refuses_a_term_that_already_ended(ws: Workspace) -> None:
    p = start(ws, term_end="2026-03-01", review_date=None)
    to_propose(p)
    p.act("propose_nominee", "Ana", nominee="Carla", reasons="r")
    all_signal(p)
    p.act("accept", "Carla")
    with pytest.raises(S3Error, match="not after the selection date"):
        p.act("celebrate", "Ana", selected_on="2026-04-01")


def test_replay_reproduces_the_selection(ws: Workspace) -> None:
    test_objection_leads_to_a_different_nominee(ws)
    again = Workspace(ws.path)
    for pid, proc in ws.processes.items():
        other = again.get(pid)
        assert (other.state, other.data, other.outcome) == (proc.state, proc.data, proc.outcome)
    assert again.projection.tables == ws.projection.tables


def test_presenting_uses_the_latest_domain_version(ws: Workspace) -> None:
    org.describe_domain(ws, "Ana", id="desk", name="Energy desk", purpose="Free advice.")
    p = ws.start(
        "role-selection",
        "Ana",
        role="Desk host",
        domain="desk",
        facilitator="Ana",
        participants=PEOPLE,
        term_end="2027-06-30",
    )
    org.describe_domain(ws, "Bruno", id="desk", purpose="Free, independent advice.")
    p.act("present_description", "Ana")
    assert p.data["description"] == "Free, independent advice."
    assert p.view()["details"]["description_version"] == 2
