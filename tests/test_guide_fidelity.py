"""Records that must say what the S3 guide says they say (reference: s3-patterns.md §3, §4).

Each test names the guide's rule it checks: where a passed-on driver went, the version of an evolved
agreement, deferrals (owner, date, what happens next) also from nested resolutions, only others
disagree with an objector's argument, objections to a withdrawn nominee are kept, an evolved
agreement has proposers, agreement review judges dates by the journal's clock, and an action of a
waiting parent is "not possible now" while its sub-process runs.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import PEOPLE, all_sign, run_to_check, start_consent

from s3engine.cli.main import main
from s3engine.cli.transfer import handler_checks, mits_start_fields
from s3engine.core.revalidation import check_journal
from s3engine.core.workspace import Workspace
from s3engine.errors import ActionNotAllowedNow, NotAllowedForActor
from s3engine.reports.text import format_agreement, format_driver


def agree(p: Any) -> None:
    """Take a started consent decision to its agreement without objections."""
    run_to_check(p)
    all_sign(p)
    p.act("celebrate", "Ana")
    p.act("record_agreement", "Ana")


def to_resolution(p: Any, objector: str = "Bruno") -> None:
    """From the check round to resolving ``objector``'s qualified objection."""
    all_sign(p, **{objector: "possible objection"})
    p.act("test_objection", "Ana", objector=objector, argument="Too few volunteers.")
    p.act("present_argument", objector)
    p.act("check_disagreement", "Ana")
    p.act("close_check", "Ana")
    assert p.leaf().kind == "resolution"


def to_review(ws: Workspace, aid: str) -> Any:
    """An agreement review started and taken to step 4 (Review Agreement)."""
    e = ws.start("evaluate", "Ana", agreement=aid, facilitator="Ana", participants=PEOPLE)
    e.act("start_review", "Ana")
    e.act("review_driver", "Ana")
    e.act("driver_still_relevant", "Ana")
    assert e.state == "agreement_review"
    return e


def evolve_and_agree(e: Any, **extra: Any) -> Any:
    """Evolve the agreement under review and agree the new version; returns the child decision."""
    e.act(
        "evolve",
        "Ana",
        proposal="Open the desk once a month.",
        review_date="2027-09-01",
        reason="Too few visitors.",
        **extra,
    )
    child = e.leaf()
    assert child.kind == "consent"
    child.act("consent_driver", "Ana")
    child.act("present_proposal", "Ana")
    child.act("start_responses", "Ana")
    child.act("check_objections", "Ana")
    all_sign(child)
    child.act("celebrate", "Ana")
    child.act("record_agreement", "Ana")
    return child


def clock_in(year: int) -> Callable[[], str]:
    """A clock one second per event, on 5 January of ``year``."""
    counter = itertools.count()

    def clock() -> str:
        n = next(counter)
        return f"{year}-01-05T{9 + n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000000Z"

    return clock


def replayed(ws: Workspace) -> Workspace:
    """The same workspace replayed from its journal: replay == live (tables and views), and the
    journal passes the rules an import checks it against."""
    again = Workspace(ws.path)
    assert again.projection.tables == ws.projection.tables
    for pid, proc in ws.processes.items():
        assert again.processes[pid].view() == proc.view()
    journal = ws.journal.path.read_bytes()
    checked = check_journal(
        "w", journal, handler_checks(), start_fields={"mits": mits_start_fields}
    )
    assert checked == ws.journal.last_seq
    return again


# -- 1. Navigate via Tension §3.7 / Consent step 1: "REC: ... to whom it was passed" -------------


def test_consent_pass_on_records_where_the_driver_went(ws: Workspace) -> None:
    p = start_consent(ws)
    p.act("pass_on", "Ana", to="Waste circle", reason="They hold the recycling domain.")
    row = ws.projection.get("drivers", p.id)
    assert row is not None
    assert (row["status"], row["passed_to"], row["reason"]) == (
        "passed on",
        "Waste circle",
        "They hold the recycling domain.",
    )
    assert row["driver"] == "Residents cannot get energy advice."
    assert row["passed_on"] == p.history[-1]["time"]
    assert p.view()["details"]["passed_to"] == "Waste circle"
    assert ws.projection.get("processes", p.id)["passed_to"] == "Waste circle"
    assert "Waste circle" in format_driver(row)
    assert replayed(ws).projection.get("drivers", p.id) == row


def test_tension_pass_on_records_where_the_driver_went(ws: Workspace) -> None:
    t = ws.start("tension", "Bruno", tension="Bins overflow on Mondays.", facilitator="Bruno")
    t.act("assess", "Bruno")
    t.act(
        "describe_driver",
        "Bruno",
        situation="Bins overflow on Mondays.",
        effect="Litter in the yard.",
        effect_kind="current",
    )
    t.act("pass_on", "Bruno", to="Caretakers", note="Their domain.")
    row = ws.projection.get("drivers", t.id)
    assert (row["passed_to"], row["reason"], row["passed_on"]) == (
        "Caretakers",
        "Their domain.",
        t.history[-1]["time"],
    )
    assert t.view()["details"]["passed_to"] == "Caretakers"
    assert ws.projection.get("processes", t.id)["passed_to"] == "Caretakers"
    text = format_driver(row)
    assert "Caretakers" in text and "Their domain." in text
    replayed(ws)


# -- 2. Record Agreements §4: "creation date or version", "previous versions" --------------------


def test_evolved_agreement_is_version_two_in_the_query_side(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    p = start_consent(ws)
    agree(p)
    e = to_review(ws, p.id)
    child = evolve_and_agree(e)
    e.act("complete", "Ana")
    new = ws.projection.get("agreements", child.id)
    assert new["version"] == 2 and new["supersedes"] == p.id
    old = ws.projection.get("agreements", p.id)
    assert old["version"] == 1
    assert (old["status"], old["superseded_by"]) == ("superseded", child.id)
    ws.close()
    assert main(["agreements", "--workspace", str(ws.path), "--json", "--all"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[child.id]["version"] == 2 and rows[child.id]["supersedes"] == p.id
    assert replayed(ws).projection.get("agreements", child.id)["version"] == 2


# -- 3./4./6. Resolve Objections §3.3: defer = "who takes responsibility, by when, what next" -----


def test_deferral_in_a_nested_resolution_reaches_the_agreement(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    to_resolution(p)
    p.act(
        "propose_amendment",
        "Ana",
        kind="change the proposal",
        text="Once a month",
        **{"from": "objector"},
        amended_text="Open a help desk once a month.",
    )
    p.act("check_amendment", "Ana")
    to_resolution(p, objector="Carla")
    p.act(
        "propose_amendment",
        "Ana",
        kind="defer the objection",
        text="Look at the evening slots later.",
        **{"from": "objector"},
        owner="Dario",
        due="2027-02-01",
        next_step="Dario brings visitor numbers to the February meeting.",
    )
    p.act("check_amendment", "Ana")
    all_sign(p)
    p.act("adopt_amendment", "Ana")  # the inner resolution: the deferral
    all_sign(p)
    p.act("adopt_amendment", "Ana")  # the outer one: the changed proposal
    assert p.state == "check" and p.data["proposal"] == "Open a help desk once a month."
    all_sign(p)
    p.act("celebrate", "Ana")
    p.act("record_agreement", "Ana")
    deferred = ws.projection.get("agreements", p.id)["deferred_objections"]
    assert len(deferred) == 1
    d = deferred[0]
    assert (d["objector"], d["owner"], d["due"]) == ("Carla", "Dario", "2027-02-01")
    assert d["next_step"] == "Dario brings visitor numbers to the February meeting."
    assert d["objection"] == "Too few volunteers."
    replayed(ws)


def test_a_deferral_needs_what_happens_next(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    to_resolution(p)
    before = ws.journal.path.read_bytes()
    with pytest.raises(ActionNotAllowedNow, match="next_step") as err:
        p.act(
            "propose_amendment",
            "Ana",
            kind="defer the objection",
            text="Later.",
            **{"from": "objector"},
            owner="Dario",
            due="2027-02-01",
        )
    assert "what happens next" in str(err.value)
    assert ws.journal.path.read_bytes() == before


def test_agreement_text_shows_a_deferrals_owner_date_and_next_step(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    to_resolution(p)
    p.act(
        "propose_amendment",
        "Ana",
        kind="defer the objection",
        text="Recruit volunteers first.",
        **{"from": "objector"},
        owner="Dario",
        due="2027-02-01",
        next_step="Dario reports on recruiting in February.",
    )
    p.act("check_amendment", "Ana")
    all_sign(p)
    p.act("adopt_amendment", "Ana")
    all_sign(p)
    p.act("celebrate", "Ana")
    p.act("record_agreement", "Ana")
    text = format_agreement(ws.projection.get("agreements", p.id))
    assert "Deferred objections:" in text
    line = next(x for x in text.splitlines() if "Too few volunteers." in x and "Dario" in x)
    assert "2027-02-01" in line
    assert "Dario reports on recruiting in February." in text


# -- 5. Test Arguments §3.2 step 3: does anyone *else* disagree? ---------------------------------


def test_the_objector_cannot_disagree_with_their_own_argument(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    all_sign(p, Bruno="possible objection")
    p.act("test_objection", "Ana", objector="Bruno", argument="Too few volunteers.")
    p.act("present_argument", "Bruno")
    p.act("check_disagreement", "Ana")
    assert "disagree" not in {a.name for a in p.available_actions("Bruno")}
    assert "disagree" in {a.name for a in p.available_actions("Carla")}
    before = ws.journal.path.read_bytes()
    with pytest.raises(NotAllowedForActor, match="Bruno"):
        p.act("disagree", "Bruno", reason="Actually it is fine.")
    assert ws.journal.path.read_bytes() == before
    p.act("disagree", "Carla", reason="We have five volunteers.")
    assert p.leaf().disagreeing == [{"by": "Carla", "reason": "We have five volunteers."}]


# -- 7. Role Selection §3.5 step 7/8: objections are recorded --------------------------------------


def test_objections_to_a_withdrawn_nominee_are_kept(ws: Workspace) -> None:
    p = ws.start(
        "role-selection",
        "Ana",
        role="Desk host",
        facilitator="Ana",
        participants=PEOPLE,
        description="Hosts the energy desk.",
        term_end="2027-06-30",
    )
    p.act("present_description", "Ana")
    for who in PEOPLE:
        p.act("nominate", who, nominee="Carla")
    p.act("start_information", "Ana")
    p.act("start_changes", "Ana")
    p.act("close_changes", "Ana")
    p.act("propose_nominee", "Ana", nominee="Carla", reasons="Everyone nominated her.")
    for who in PEOPLE:
        p.act(
            "signal",
            who,
            signal="possible objection" if who in ("Bruno", "Carla") else "no objection",
        )
    p.act("test_objection", "Ana", objector="Carla", argument="I start a new job.")
    p.act("present_argument", "Carla")
    p.act("check_disagreement", "Ana")
    p.act("close_check", "Ana")
    p.act(
        "propose_amendment",
        "Ana",
        kind="propose another nominee",
        nominee="Dario",
        text="Ask Dario.",
        **{"from": "group"},
    )
    p.act("check_amendment", "Ana")
    for who in PEOPLE:
        p.act("signal", who, signal="no objection")
    p.act("adopt_amendment", "Ana")
    assert p.state == "propose"
    p.act("propose_nominee", "Ana", reasons="Proposed while resolving Carla's objection.")
    for who in PEOPLE:
        p.act("signal", who, signal="no objection")
    p.act("accept", "Dario")
    p.act("celebrate", "Ana")
    a = ws.projection.get("role_assignments", "desk-host#1")
    w = a["withdrawn"][0]
    assert w["nominee"] == "Carla" and w["objector"] == "Carla"
    others = w["other_objections"]
    assert [o["objector"] for o in others] == ["Bruno"]
    assert others[0]["status"] == "not tested: the nominee was withdrawn"
    assert p.view()["details"]["withdrawn"][0]["other_objections"] == others
    replayed(ws)


# -- 8. Consent step 2: the authors present the (evolved) proposal -------------------------------


def test_an_evolved_agreement_has_proposers(ws: Workspace) -> None:
    p = start_consent(ws)
    agree(p)
    e = to_review(ws, p.id)
    child = evolve_and_agree(e)
    assert child.data["proposers"] == ["Ana"]
    assert ws.projection.get("agreements", child.id)["proposers"] == ["Ana"]
    p2 = start_consent(ws, title="Second desk")
    agree(p2)
    e2 = to_review(ws, p2.id)
    child2 = evolve_and_agree(e2, proposers=["Carla", "Dario"])
    assert ws.projection.get("agreements", child2.id)["proposers"] == ["Carla", "Dario"]
    replayed(ws)


# -- 9. Evaluate And Evolve §3.10: "the next review date" is after the day of the review ----------


@pytest.mark.parametrize(
    "year,date,accepted",
    [(2001, "2001-06-01", True), (2001, "2000-06-01", False), (2090, "2080-01-01", False)],
)
def test_review_dates_are_judged_by_the_journal_clock(
    tmp_path: Path, year: int, date: str, accepted: bool
) -> None:
    ws = Workspace(tmp_path / "ws", clock=clock_in(year))
    p = start_consent(ws, review_date=f"{year + 1}-03-01")
    agree(p)
    e = to_review(ws, p.id)
    if accepted:
        e.act("keep", "Ana", next_review_date=date)
        e.act("complete", "Ana")
        assert ws.projection.get("agreements", p.id)["review_date"] == date
    else:
        with pytest.raises(ActionNotAllowedNow, match="after today"):
            e.act("keep", "Ana", next_review_date=date)


# -- 10. A waiting step: the parent's actions come back when the sub-process ends ---------------


def test_parent_action_while_a_sub_process_runs_is_not_possible_now(ws: Workspace) -> None:
    p = start_consent(ws)
    run_to_check(p)
    all_sign(p, Bruno="possible objection")
    p.act("test_objection", "Ana", objector="Bruno", argument="Too few volunteers.")
    before = ws.journal.path.read_bytes()
    with pytest.raises(ActionNotAllowedNow) as err:
        p.act("record_agreement", "Ana")
    msg = str(err.value)
    assert "Test If Arguments Qualify as Objections" in msg and p.leaf().id not in msg
    assert "Possible now: Present the argument" in msg and "present_argument" not in msg
    assert ws.journal.path.read_bytes() == before


# -- journals recorded before these rules still replay and import --------------------------------


def test_journals_from_before_the_new_rules_replay_and_import(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def as_before(action: str, actor: str, **fields: Any) -> None:
        """Record one action as s3flow 0.2 allowed it (the rules imports also apply)."""
        monkeypatch.setattr(ws, "revalidating", True, raising=False)
        try:
            p.act(action, actor, **fields)
        finally:
            monkeypatch.delattr(ws, "revalidating")

    p = start_consent(ws)
    run_to_check(p)
    all_sign(p, Bruno="possible objection")
    p.act("test_objection", "Ana", objector="Bruno", argument="Too few volunteers.")
    p.act("present_argument", "Bruno")
    p.act("check_disagreement", "Ana")
    as_before("disagree", "Bruno", reason="Second thoughts.")  # the objector disagrees
    p.act("close_check", "Ana")
    p.act("explain_disagreement", "Bruno", counter_argument="It may be fine.")
    p.act("counter_fails", "Ana")
    p.act("close_check", "Ana")
    as_before(  # a deferral without what happens next
        "propose_amendment",
        "Ana",
        kind="defer the objection",
        text="Later.",
        **{"from": "objector"},
        owner="Dario",
        due="2027-02-01",
    )
    p.act("check_amendment", "Ana")
    all_sign(p)
    p.act("adopt_amendment", "Ana")
    assert p.data["deferred_objections"][0]["next_step"] == ""
    assert b'"signal": "no objection"' not in ws.journal.path.read_bytes()  # sealed as usual
    replayed(ws)
