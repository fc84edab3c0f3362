"""The MiTS cycle: preparation rules, gates, evaluations, co-design, co-implementation, review."""

from __future__ import annotations

import math
from typing import Any

import pytest

from s3engine.core.workspace import Workspace
from s3engine.demo import mits as demo_mits
from s3engine.errors import (
    ActionNotAllowedNow,
    InstrumentError,
    InvalidField,
    MitsRuleError,
    NotAllowedForActor,
    S3Error,
)
from s3engine.reports.cycle_report import cycle_report, format_text

ACTORS = [
    "Town hall | local administration | Luca",
    "Transition group | civil-society organisation | Sara",
    "Energy coop | business | Ivo",
]
LIT = [("Luca", "Town hall"), ("Sara", "Transition group"), ("Ivo", "Energy coop")]
TINY = """\
id: tiny-check
name: Tiny check
version: 1
source: Written for the tests.
description: Two sections of two items.
scale: {min: 1, max: 5}
sections:
  - id: alpha
    name: Alpha
    items: [{id: a1, text: First}, {id: a2, text: Second}]
  - id: beta
    name: Beta
    items: [{id: b1, text: Third}, {id: b2, text: Fourth}]
"""
# Scores per evaluation (1 = baseline, 2 = review of cycle 1, 3 = review of cycle 2).
SCORES: dict[int, dict[str, dict[str, Any]]] = {
    1: {
        "Luca": {"a1": 2, "a2": 2, "b1": 4, "b2": 4},
        "Sara": {"a1": 2, "a2": 3, "b1": 3, "b2": None},
        "Ivo": {"a1": 1, "a2": None, "b1": 5, "b2": 4},
    },
    2: {
        "Luca": {"a1": 3, "a2": 3, "b1": 4, "b2": 4},
        "Sara": {"a1": 3, "a2": 4, "b1": 3, "b2": 3},
        "Ivo": {"a1": 2, "a2": 3, "b1": 4, "b2": 4},
    },
    3: {
        "Luca": {"a1": 4, "a2": 4, "b1": 4, "b2": 4},
        "Sara": {"a1": 4, "a2": 5, "b1": 3, "b2": 3},
        "Ivo": {"a1": 4, "a2": 3, "b1": 4, "b2": 5},
    },
}


def head(ws: Workspace) -> tuple[int, bytes]:
    path = ws.journal.path
    return ws.journal.last_seq, path.read_bytes() if path.exists() else b""


def start(ws: Workspace, **over: Any) -> Any:
    fields: dict[str, Any] = {
        "community": "Valverde",
        "facilitator": "Marta",
        "tutor": "Giulia",
        "actors": list(ACTORS),
    }
    fields.update(over)
    return ws.start("mits", "Marta", **fields)


def agree(
    ws: Workspace, m: Any, title: str = "LIT governance", cycle: Any = "same", finish: bool = True
) -> Any:
    p = ws.start(
        "consent",
        "Marta",
        title=title,
        facilitator="Marta",
        participants=["Marta", "Luca", "Sara", "Ivo"],
        driver="d",
        requirement="r",
        proposal=f"{title}: how we do it.",
        review_date="2027-06-30",
        **({"cycle": m.id if cycle == "same" else cycle} if cycle else {}),
    )
    if finish:
        for a in ("consent_driver", "present_proposal", "start_responses", "check_objections"):
            p.act(a, "Marta")
        for who in p.participants:
            p.act("signal", who, signal="no objection")
        p.act("celebrate", "Marta")
        p.act("record_agreement", "Marta")
    return p


def to_evaluation(ws: Workspace, m: Any) -> None:
    m.act("sign_gate", "Giulia")
    for member, actor in LIT:
        m.act("add_lit_member", "Marta", member=member, represents=actor)
    m.act("link_agreement", "Marta", agreement=agree(ws, m).id, purpose="LIT governance")
    m.act("sign_gate", "Giulia")
    assert m.state == "evaluation"


def tiny(ws: Workspace) -> None:
    (ws.path / "instruments").mkdir(parents=True, exist_ok=True)
    (ws.path / "instruments" / "tiny-check.yaml").write_text(TINY, encoding="utf-8")


def score_all(m: Any, n: int) -> None:
    for who, scores in SCORES[n].items():
        m.act("submit_scores", who, scores=scores)
    m.act("complete_evaluation", "Marta")


def co_design_and_implement(ws: Workspace, m: Any, area: str = "alpha") -> str:
    m.act("choose_critical_area", "Marta", section=area)
    m.act(
        "design_action",
        "Sara",
        title=f"Act on {area}",
        area=area,
        description="Do it.",
        patterns=["consent-decision-making"],
        actors=["Town hall", "Transition group"],
    )
    aid = m.actions[-1]["id"]
    m.act(
        "link_agreement",
        "Marta",
        agreement=agree(ws, m, f"Adopt {aid}").id,
        purpose="action",
        action_id=aid,
    )
    m.act("sign_gate", "Giulia")
    m.act("assign_owner", "Marta", action_id=aid, owner="Action steward")
    m.act("report_progress", "Sara", action_id=aid, progress=50)
    m.act("sign_gate", "Giulia")
    assert m.state == "review"
    return str(aid)


# -- preparation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actors, missing",
    [
        (
            ["Town hall | local administration | Luca", "Transition group | cso | Sara"],
            ["at least 3 distinct actors (2 committed, 1 more needed)"],
        ),
        (
            [
                "Transition group | civil-society organisation | Sara",
                "Coop | business | Ivo",
                "Residents | citizen | Nadia",
            ],
            ["a local administration (an actor of type 'local administration')"],
        ),
        (
            [
                "Town hall | municipality | Luca",
                "Coop | business | Ivo",
                "Parents | informal group | Nadia",
            ],
            ["a civil-society organisation (an actor of type 'civil-society organisation')"],
        ),
        (
            ["Coop | business | Ivo"],
            [
                "at least 3 distinct actors (1 committed, 2 more needed)",
                "a local administration (an actor of type 'local administration')",
                "a civil-society organisation (an actor of type 'civil-society organisation')",
            ],
        ),
    ],
)
def test_preparation_rule_names_what_is_missing_and_writes_nothing(
    ws: Workspace, actors: list[str], missing: list[str]
) -> None:
    with pytest.raises(MitsRuleError) as err:
        start(ws, actors=actors)
    assert err.value.missing == missing
    for m in missing:
        assert m in str(err.value)
    assert "default preparation rule" in str(err.value) and "Nothing was written" in str(err.value)
    assert ws.journal.last_seq == 0 and not ws.journal.path.exists()
    assert ws.processes == {}


def test_relaxed_rules_are_recorded_as_such(ws: Workspace) -> None:
    no_la = [
        "Transition group | civil-society organisation | Sara",
        "Coop | business | Ivo",
        "Residents | citizen | Nadia",
    ]
    with pytest.raises(InvalidField, match="The relaxed rule is not confirmed: a local admin"):
        start(ws, actors=no_la, rule="recommended")  # never relaxed silently
    with pytest.raises(InvalidField, match="at least 2 actors instead of 3"):
        start(ws, actors=ACTORS[:2], min_actors="2")  # typing a number does not relax it either
    assert not ws.roots()
    m = start(
        ws,
        actors=no_la,
        rule="recommended",
        rule_reason="The council joins later.",
        relax_rule=True,
    )
    rule = m.data["rule"]
    assert rule["name"] == "recommended" and rule["relaxed"] is True
    assert rule["relaxations"] == ["a local administration is recommended, not required"]
    assert rule["reason"] == "The council joins later."
    assert m.data["warnings"] == [
        "no local administration among the actors (recommended, not "
        "required under the recommended rule)"
    ]
    row = ws.projection.get("cycles", m.id)
    assert row["rule"]["relaxed"] is True and row["warnings"]
    two = start(ws, actors=ACTORS[:2], min_actors=2, relax_rule="yes")
    assert two.data["rule"]["name"] == "custom"
    assert two.data["rule"]["relaxations"] == ["at least 2 actors instead of 3"]
    strict = start(ws)
    assert strict.data["rule"] == {
        "name": "default",
        "min_actors": 3,
        "local_administration": "required",
        "civil_society": "required",
        "relaxed": False,
        "relaxations": [],
        "reason": "",
    }
    with pytest.raises(InvalidField, match="not an actor type"):
        start(ws, actors=[*ACTORS, "Somebody | alien | X"])
    with pytest.raises(InvalidField, match="listed twice"):
        start(ws, actors=[*ACTORS, ACTORS[0]])


def test_actor_commitments_and_withdrawal_keep_the_rule(ws: Workspace) -> None:
    m = start(ws)
    before = head(ws)
    with pytest.raises(MitsRuleError) as err:
        m.act("withdraw_actor", "Marta", name="Town hall", reason="Elections.")
    assert err.value.missing == [
        "at least 3 distinct actors (2 committed, 1 more needed)",
        "a local administration (an actor of type 'local administration')",
    ]
    assert str(err.value).startswith("Withdrawing Town hall would break the default")
    assert head(ws) == before
    with pytest.raises(InvalidField, match="already committed"):
        m.act("commit_actor", "Marta", name="town hall", type="business")
    m.act("commit_actor", "Marta", name="Parents", type="informal group", representative="Nadia")
    m.act("withdraw_actor", "Marta", name="Energy coop", reason="Too busy.")
    assert [a["name"] for a in m.active_actors()] == ["Town hall", "Transition group", "Parents"]
    assert "Nadia" in m.participants and "Ivo" not in m.participants


# -- gates and phases ----------------------------------------------------------------------------


def test_gates_need_the_tutor_and_phases_are_not_skipped(ws: Workspace) -> None:
    m = start(ws, tutor=None)
    before = head(ws)
    with pytest.raises(NotAllowedForActor):
        m.act("sign_gate", "Marta")
    m.act("assign_tutor", "Marta", tutor="Giulia")
    with pytest.raises(NotAllowedForActor):
        m.act("sign_gate", "Marta")
    with pytest.raises(
        ActionNotAllowedNow,
        match="phases are not skipped: after Preparation comes Local Implementation Team",
    ):
        m.act("sign_gate", "Giulia", to="evaluation")
    m.act("sign_gate", "Giulia", to="lit")
    assert m.state == "lit"
    before = head(ws)
    with pytest.raises(ActionNotAllowedNow):
        m.act("choose_instrument", "Marta", instrument="collaborative-governance-health-check")
    with pytest.raises(ActionNotAllowedNow):
        m.act("design_action", "Marta", title="t", area="governance", description="d")
    with pytest.raises(ActionNotAllowedNow) as err:
        m.act("sign_gate", "Giulia")
    assert "Every local actor has someone in the LIT" in str(err.value)
    assert "The Local Implementation Team has members" in str(err.value)
    assert "The LIT's governance is agreed" in str(err.value)
    with pytest.raises(ActionNotAllowedNow, match="not earlier"):
        m.act("go_back", "Marta", phase="lit", reason="x")
    assert head(ws) == before
    m.act("go_back", "Marta", phase="preparation", reason="The school wants to join first.")
    assert m.state == "preparation"
    assert m.phase_log[-1]["via"] == "back" and m.phase_log[-1]["reason"].startswith("The school")
    m.act("sign_gate", "Giulia", note="Ready again.")
    assert [g["to"] for g in m.gates] == ["lit", "lit"]


def test_lit_needs_every_actor_and_a_linked_consent_agreement(ws: Workspace) -> None:
    m = start(ws)
    m.act("sign_gate", "Giulia")
    m.act("add_lit_member", "Marta", member="Luca", represents="Town hall")
    with pytest.raises(InvalidField, match="not a committed actor"):
        m.act("add_lit_member", "Marta", member="Zed", represents="Nobody Inc")
    with pytest.raises(ActionNotAllowedNow) as err:
        m.act("sign_gate", "Giulia")
    assert "nobody yet for Transition group, Energy coop" in str(err.value)
    m.act("add_lit_member", "Marta", member="Sara", represents="Transition group")
    m.act("add_lit_member", "Marta", member="Ivo", represents="Energy coop", role="treasurer")
    other = agree(ws, m, "Unrelated", cycle=None)
    pending = agree(ws, m, "LIT governance", finish=False)
    before = head(ws)
    with pytest.raises(ActionNotAllowedNow, match="does not belong to this cycle"):
        m.act("link_agreement", "Marta", agreement=other.id, purpose="LIT governance")
    with pytest.raises(ActionNotAllowedNow, match="has not reached agreement yet"):
        m.act("link_agreement", "Marta", agreement=pending.id, purpose="LIT governance")
    with pytest.raises(ActionNotAllowedNow, match="there is no agreement 'consent-999'"):
        m.act("link_agreement", "Marta", agreement="consent-999", purpose="LIT governance")
    assert head(ws) == before
    for a in ("consent_driver", "present_proposal", "start_responses", "check_objections"):
        pending.act(a, "Marta")
    for who in pending.participants:
        pending.act("signal", who, signal="no objection")
    pending.act("celebrate", "Marta")
    pending.act("record_agreement", "Marta")
    m.act("link_agreement", "Marta", agreement=pending.id, purpose="LIT governance")
    with pytest.raises(ActionNotAllowedNow, match="already linked"):
        m.act("link_agreement", "Marta", agreement=pending.id, purpose="other")
    assert m.governance["agreement"] == pending.id
    m.act("sign_gate", "Giulia")
    assert m.state == "evaluation"


# -- evaluation -----------------------------------------------------------------------------------


def test_partial_evaluation_is_saved_and_resumed(ws: Workspace) -> None:
    m = start(ws)
    to_evaluation(ws, m)
    tiny(ws)
    m.act("choose_instrument", "Marta", instrument="tiny-check")
    m.act("save_scores", "Luca", scores={"a1": 2})
    m.act("save_scores", "Sara", scores="a1=2, a2=3")
    # Another program (or a restarted kernel) picks the draft up from the journal.
    ws2 = Workspace(ws.path)
    m2 = ws2.get(m.id)
    draft = m2.open_evaluation()["responses"]["Luca"]
    assert draft == {**draft, "scores": {"a1": 2}, "submitted": False, "saves": 1}
    m2.act("save_scores", "Luca", scores={"a2": 2, "b1": 3})
    m2.act("submit_scores", "Luca", scores={"b1": 4, "b2": 4})
    luca = m2.open_evaluation()["responses"]["Luca"]
    assert luca["scores"] == {"a1": 2, "a2": 2, "b1": 4, "b2": 4} and luca["submitted"]
    before = head(ws2)
    with pytest.raises(ActionNotAllowedNow, match="already submitted"):
        m2.act("save_scores", "Luca", scores={"a1": 5})
    with pytest.raises(InvalidField, match="outside the scale 1-5"):
        m2.act("save_scores", "Ivo", scores={"a1": 9})
    with pytest.raises(InvalidField, match="no item 'zz'"):
        m2.act("save_scores", "Ivo", scores={"zz": 1})
    with pytest.raises(NotAllowedForActor):
        m2.act("save_scores", "Marta", scores={"a1": 1})
    with pytest.raises(ActionNotAllowedNow, match="instrument is fixed"):
        m2.act("choose_instrument", "Marta", instrument="participatory-budgeting-criteria")
    assert head(ws2) == before
    m2.act("complete_evaluation", "Marta")  # Sara's draft is left out: not submitted
    ev = m2.completed()[0]
    assert ev["baseline"] and ev["not_submitted"] == ["Sara"]
    assert ev["aggregate"]["respondents"] == 1
    assert ev["aggregate"]["sections"]["alpha"]["mean"] == 2
    with pytest.raises(ActionNotAllowedNow, match="complete"):
        m2.act("submit_scores", "Sara")
    row = ws2.projection.get("evaluations", ev["id"])
    assert row["submitted"] == ["Luca"] and row["drafts"] == ["Sara"]


def test_bad_instruments_write_nothing(ws: Workspace) -> None:
    m = start(ws)
    to_evaluation(ws, m)
    (ws.path / "instruments").mkdir()
    (ws.path / "instruments" / "broken.yaml").write_text(
        TINY.replace("source: Written for the tests.\n", "")
    )
    before = head(ws)
    with pytest.raises(InstrumentError, match="field 'source'"):
        m.act("choose_instrument", "Marta", instrument="broken")
    with pytest.raises(InstrumentError, match="no instrument 'nope'"):
        m.act("choose_instrument", "Marta", instrument="nope")
    assert head(ws) == before and m.instrument is None


def test_two_cycles_compared_by_hand(ws: Workspace) -> None:
    m = start(ws)
    to_evaluation(ws, m)
    tiny(ws)
    m.act("choose_instrument", "Marta", instrument="tiny-check")
    # The instrument is embedded in the journal: editing the file later changes nothing.
    score_all(m, 1)
    (ws.path / "instruments" / "tiny-check.yaml").write_text(TINY.replace("Alpha", "Changed"))
    base = m.baseline()
    assert base["aggregate"]["sections"]["alpha"]["mean"] == 2.0  # 2,2,2,3,1
    assert base["aggregate"]["sections"]["beta"]["mean"] == 4.0  # 4,4,3,5,4
    assert math.isclose(base["aggregate"]["sections"]["alpha"]["sd"], math.sqrt(0.4))
    assert base["aggregate"]["sections"]["beta"]["count"] == 5
    m.act("map_project", "Marta", project="Energy desk", sections=["beta"], decision="continue")
    assert [p["section"] for p in m.proposed_critical_areas()] == ["alpha"]
    m.act("sign_gate", "Giulia")
    assert m.gates[-1]["proposed_critical_areas"][0]["section"] == "alpha"
    with pytest.raises(InvalidField, match="not a critical area"):
        m.act("design_action", "Sara", title="t", area="alpha", description="d")
    co_design_and_implement(ws, m, "alpha")
    with pytest.raises(ActionNotAllowedNow, match="complete the review evaluation first"):
        m.act("decide", "Marta", decision="next cycle", reason="r")
    score_all(m, 2)
    e2 = m.completed()[-1]
    assert e2["phase"] == "review" and e2["cycle"] == 1
    alpha2 = e2["comparison"]["sections"][0]
    assert (alpha2["baseline"], alpha2["now"], alpha2["previous"]) == (2.0, 3.0, None)
    assert alpha2["delta_baseline"] == 1.0 and alpha2["delta_previous"] is None
    m.act("decide", "Marta", decision="next cycle", reason="Alpha improved.")
    m.act("sign_gate", "Giulia")
    assert (m.state, m.cycle) == ("evaluation", 2)
    m.act("sign_gate", "Giulia")  # cycle 2 starts from the latest evaluation
    co_design_and_implement(ws, m, "beta")
    score_all(m, 3)
    m.act("decide", "Marta", decision="close", reason="Done.")
    m.act("sign_gate", "Giulia")
    assert m.finished and m.outcome == "closed" and m.cycle == 2
    rep = cycle_report(ws, m.id)
    assert rep["cycle"] == 2 and rep["now"]["id"] == f"{m.id}/e3"
    assert rep["baseline"]["id"] == f"{m.id}/e1" and rep["previous"]["id"] == f"{m.id}/e2"
    alpha, beta = rep["sections"]
    assert (alpha["baseline"], alpha["previous"], alpha["now"]) == (2.0, 3.0, 4.0)
    assert (alpha["delta_baseline"], alpha["delta_previous"]) == (2.0, 1.0)
    assert beta["baseline"] == 4.0 and math.isclose(beta["previous"], 22 / 6)
    assert math.isclose(beta["now"], 23 / 6)
    assert math.isclose(beta["delta_baseline"], -1 / 6)
    assert math.isclose(beta["delta_previous"], 1 / 6)
    a1 = next(r for r in rep["items"] if r["id"] == "a1")
    assert math.isclose(a1["delta_baseline"], 4 - 5 / 3)
    assert math.isclose(a1["delta_previous"], 4 - 8 / 3)
    text = format_text(rep)
    assert "Alpha" in text and "+2.00" in text and "+1.00" in text and "-0.17" in text
    assert [a["id"] for a in rep["actions"]] == ["a1", "a2"]
    kinds = [d["kind"] for d in rep["decisions"]]
    assert "agreement" in kinds and "LIT decision" in kinds
    one = cycle_report(ws, m.id, 1)
    assert one["now"]["id"] == f"{m.id}/e2" and one["previous"] is None
    with pytest.raises(S3Error, match="no cycle 3"):
        cycle_report(ws, m.id, 3)
    row = ws.projection.get("cycles", m.id)
    assert row["state"] == "closed" and row["baseline"] == f"{m.id}/e1"
    assert [g["to"] for g in row["gates"]] == [
        "lit",
        "evaluation",
        "co_design",
        "co_implementation",
        "review",
        "evaluation",
        "co_design",
        "co_implementation",
        "review",
        "closed",
    ]


def test_blocked_action_raises_a_driver(ws: Workspace) -> None:
    m = start(ws)
    to_evaluation(ws, m)
    tiny(ws)
    m.act("choose_instrument", "Marta", instrument="tiny-check")
    score_all(m, 1)
    m.act("sign_gate", "Giulia")
    m.act("choose_critical_area", "Marta", section="alpha")
    m.act(
        "design_action",
        "Sara",
        title="Dashboard",
        area="alpha",
        description="d",
        milestones=["Meters in"],
    )
    m.act("go_back", "Marta", phase="lit", reason="A new member joins the LIT.")
    assert m.state == "lit" and m.phase_log[-1]["reason"] == "A new member joins the LIT."
    adopt = agree(ws, m, "Adopt a1")
    with pytest.raises(ActionNotAllowedNow, match="actions are adopted in the Co-design"):
        m.act("link_agreement", "Marta", agreement=adopt.id, purpose="action", action_id="a1")
    m.act("sign_gate", "Giulia")
    m.act("sign_gate", "Giulia")
    assert m.state == "co_design"
    m.act("link_agreement", "Marta", agreement=adopt.id, purpose="action", action_id="a1")
    assert m.find_action("a1")["status"] == "adopted"
    m.act("sign_gate", "Giulia")
    assert m.state == "co_implementation"
    with pytest.raises(ActionNotAllowedNow) as err:
        m.act("sign_gate", "Giulia")
    msg = str(err.value)
    assert "Every adopted action has an owning role (“Assign the owning role”): not yet" in msg
    assert "Every adopted action has reported progress (“Report progress”): not yet" in msg
    m.act("assign_owner", "Marta", action_id="a1", owner="Data steward")
    with pytest.raises(ActionNotAllowedNow, match="no action is blocked"):
        m.act("unblock_action", "Ivo", action_id="a1", note="n")
    m.act(
        "share_resource", "Luca", action_id="a1", resource="IT office time", provided_by="Town hall"
    )
    m.act("block_action", "Ivo", action_id="a1", driver="IT rules forbid outside meters.")
    driver = ws.projection.get("drivers", f"{m.id}/d1")
    assert driver["status"] == "in backlog" and driver["action"] == "a1"
    assert (
        driver["situation"] == "IT rules forbid outside meters." and driver["reported_by"] == "Ivo"
    )
    assert m.find_action("a1")["status"] == "blocked"
    with pytest.raises(ActionNotAllowedNow, match="is blocked"):
        m.act("block_action", "Ivo", action_id="a1", driver="again")
    m.act("unblock_action", "Ivo", action_id="a1", note="Read-only gateway agreed.")
    assert ws.projection.get("drivers", f"{m.id}/d1")["status"] == "addressed"
    m.act("complete_milestone", "Ivo", action_id="a1", milestone="Meters in")
    with pytest.raises(InvalidField, match="outside 0-100"):
        m.act("report_progress", "Ivo", action_id="a1", progress=120)
    m.act("report_progress", "Ivo", action_id="a1", progress=100)
    act = ws.projection.get("actions", f"{m.id}/a1")
    assert act["status"] == "done" and act["milestones"][0]["done"]
    assert act["resources"][0]["actor"] == "Town hall"
    with pytest.raises(ActionNotAllowedNow, match="no action is under way"):
        m.act("report_progress", "Ivo", action_id="a1", progress=90)


def test_whole_demo_run_replays_exactly(ws: Workspace) -> None:
    lines: list[str] = []
    pid = demo_mits.mits(ws, lines.append)
    m = ws.get(pid)
    assert m.outcome == "closed" and m.cycle == 2
    assert any("draft resumed" in line for line in lines)
    assert ws.journal.verify().ok
    again = Workspace(ws.path)
    for key, proc in ws.processes.items():
        other = again.get(key)
        assert (other.state, other.data, other.outcome, len(other.history)) == (
            proc.state,
            proc.data,
            proc.outcome,
            len(proc.history),
        )
    m2 = again.get(pid)
    assert m2.evaluations == m.evaluations and m2.actions == m.actions
    assert m2.phase_log == m.phase_log and m2.links == m.links
    assert again.projection.tables == ws.projection.tables
    assert len(ws.projection.all("drivers")) == 1
