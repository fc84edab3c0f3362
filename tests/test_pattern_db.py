"""The pattern database in a workspace: query side, related graph, steps, decisions using it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import all_sign, fixed_clock, run_to_check, start_consent

from s3engine.core.workspace import Workspace
from s3engine.errors import InvalidField, UnknownPatternError
from s3engine.patterns.database import PatternDB, attach, default_root
from s3engine.patterns.phase import step_phases


@pytest.fixture(scope="module")
def db() -> PatternDB:
    d = PatternDB()
    d.load()
    return d


def test_default_root_is_next_to_the_package() -> None:
    import s3engine

    assert default_root() == Path(s3engine.__file__).resolve().parent.parent / "patterns"
    assert (default_root() / "s3" / "consent-decision-making.md").is_file()


def test_get_has_and_unknown_ids(db: PatternDB) -> None:
    assert db.has("consent-decision-making") and not db.has("nope")
    assert db.get("consent-decision-making").name == "Consent Decision-Making"
    with pytest.raises(UnknownPatternError, match=r"no pattern 'nope'.*s3flow patterns search"):
        db.get("nope")


def test_related_graph_both_ways(db: PatternDB) -> None:
    to = [p.id for p in db.links_to("consent-decision-making")]
    assert "resolve-objections" in to and "test-arguments-qualify-as-objections" in to
    back = [p.id for p in db.linked_from("resolve-objections")]
    assert "consent-decision-making" in back
    for p in db.patterns():
        for q in db.links_to(p.id):
            assert p.id in [r.id for r in db.linked_from(q.id)]
    rel = db.related("participatory-budgeting")
    assert {p.id for p in rel["links_to"]} >= {
        "public-participation-core-values",
        "financial-transparency",
    }
    assert "participatory-budgeting" in [p.id for p in db.linked_from("financial-transparency")]


@pytest.mark.parametrize(
    "step, first, phase",
    [
        ("consent:resolving", "resolve-objections", "objection-resolution"),
        ("resolving", "resolve-objections", "objection-resolution"),
        ("consent:testing", "test-arguments-qualify-as-objections", "objection-testing"),
        ("consent:choose", "test-arguments-qualify-as-objections", "objection-testing"),
        ("role-selection:nominate", "role-selection", "role-selection"),
        ("choosing a role keeper", "role-selection", "role-selection"),
        ("resolving an objection", "resolve-objections", "objection-resolution"),
        ("co-design", None, "co-design"),
        ("co_implementation", None, "co-implementation"),
        ("the team-formation phase", None, "team-formation"),
        ("proposal-forming:tuners", "proposal-forming", "proposal-forming"),
    ],
)
def test_patterns_for_a_step(db: PatternDB, step: str, first: str | None, phase: str) -> None:
    pats = db.for_step(step)
    assert pats, step
    assert phase in step_phases(step)[0]
    assert phase in pats[0].phases
    if first:
        assert pats[0].id == first
    assert len({p.id for p in pats}) == len(pats)


def test_for_a_running_process_uses_its_innermost_step(ws: Workspace) -> None:
    db = attach(ws)
    p = start_consent(ws)
    run_to_check(p)
    all_sign(p, Bruno="possible objection")
    assert p.state == "choose"
    assert db.for_step(p)[0].id == "test-arguments-qualify-as-objections"


def test_unknown_step_says_what_to_give(db: PatternDB) -> None:
    with pytest.raises(UnknownPatternError, match="kind:state"):
        db.for_step("xyzzy")


def test_mits_phases_each_have_patterns(db: PatternDB) -> None:
    for phase in (
        "preparation",
        "team-formation",
        "evaluation",
        "co-design",
        "co-implementation",
        "review",
    ):
        assert len(db.for_step(phase)) >= 3, phase


def test_attach_projects_patterns_into_tinydb(ws: Workspace) -> None:
    db = attach(ws)
    assert ws.extensions["patterns"] is db
    assert attach(ws) is db
    rows = ws.projection.all("patterns")
    assert len(rows) == len(db.patterns()) >= 120
    ws.write("Ana", "", "workspace.created", {})
    ws.flush(everything=True)
    table = ws.projection.open_table("patterns")
    assert len(table) == len(rows)
    from tinydb import Query

    [row] = table.search(Query().id == "role-selection")
    assert row["name"] == "Role Selection" and row["origin"] == "shipped"


def test_a_new_program_reuses_the_tinydb_rows_for_unchanged_files(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "w", clock=fixed_clock())
    attach(ws)
    ws.write("Ana", "", "workspace.created", {})
    ws.flush(everything=True)
    before = (tmp_path / "w" / "query" / "patterns.json").stat().st_mtime_ns
    import s3engine.patterns.folder as mod

    saved = dict(mod._FILE_CACHE)
    mod._FILE_CACHE.clear()
    try:
        ws2 = Workspace(tmp_path / "w", clock=fixed_clock())
        db2 = attach(ws2)
        assert db2.parsed == 0 and len(db2.patterns()) >= 120
        assert db2.get("world-cafe").name == "World Café"
        ws2.flush()
        after = (tmp_path / "w" / "query" / "patterns.json").stat().st_mtime_ns
        assert after == before  # nothing changed, nothing rewritten
    finally:
        mod._FILE_CACHE.update(saved)


def test_decisions_name_patterns_and_patterns_list_their_decisions(ws: Workspace) -> None:
    db = attach(ws)
    with pytest.raises(InvalidField, match="no pattern 'made-up-pattern'"):
        start_consent(ws, patterns=["made-up-pattern"])
    p = start_consent(ws, patterns=["consent-decision-making", "timebox-activities"])
    run_to_check(p)
    all_sign(p)
    p.act("celebrate", "Ana")
    p.act("record_agreement", "Ana")
    assert db.used_in(ws, "timebox-activities") == [p.id]
    assert db.used_in(ws, "consent-decision-making") == [p.id]
    assert db.used_in(ws, "rounds") == []
    with pytest.raises(UnknownPatternError):
        db.used_in(ws, "nope")


def test_patterns_listing_filters(db: PatternDB) -> None:
    assert len(db.patterns(category="Meeting Formats")) == 5
    assert all(p.kind == "toolbox" for p in db.patterns(kind="toolbox"))
    assert [p.id for p in db.patterns(source="porto alegre")] == ["participatory-budgeting"]
    assert all("meetings" in p.phases for p in db.patterns(phase="meetings"))
    assert db.patterns(tag="consent")


def test_projection_rows_are_json(ws: Workspace) -> None:
    attach(ws)
    json.dumps(ws.projection.all("patterns"))
