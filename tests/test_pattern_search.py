"""Ranked search: tutor questions, accent folding, stemming, filters, snippets and speed."""

from __future__ import annotations

import time

import pytest

from s3engine.errors import PatternError
from s3engine.patterns.database import PatternDB
from s3engine.patterns.search import SearchIndex
from s3engine.patterns.text import fold, stem, terms

# Questions as a tutor asks them during a session, each with the pattern(s) of which at least one
# must be among the first three results. Chosen before looking at the ranking; the ranking (not
# the pattern tags) was improved where a reasonable question failed.
QUESTIONS = [
    ("how do we pick someone for this role", ["role-selection"]),
    (
        "someone disagrees with the proposal",
        ["test-arguments-qualify-as-objections", "resolve-objections"],
    ),
    ("bilancio partecipativo", ["participatory-budgeting"]),
    ("meeting keeps running over time", ["timebox-activities"]),
    ("how do we make a decision everyone can live with", ["consent-decision-making"]),
    ("an objection was raised, how do we change the proposal", ["resolve-objections"]),
    (
        "is this really an objection or just a personal preference",
        ["test-arguments-qualify-as-objections"],
    ),
    ("who writes the proposal", ["proposal-forming", "co-create-proposals"]),
    ("nobody remembers what we agreed last time", ["record-agreements", "logbook"]),
    ("when do we look at the agreement again", ["evaluate-and-evolve-agreements"]),
    ("people arrive distracted at the start of the meeting", ["check-in"]),
    ("everyone should get a turn to speak", ["rounds"]),
    ("how do we close a meeting and learn from it", ["evaluate-meetings"]),
    ("too many tasks started and nothing gets finished", ["limit-work-in-progress"]),
    ("where do we keep the list of things to do", ["backlog"]),
    ("residents decide how part of the municipal budget is spent", ["participatory-budgeting"]),
    ("orçamento participativo", ["participatory-budgeting"]),
    ("presupuesto participativo", ["participatory-budgeting"]),
    ("volunteers swap hours of help", ["time-banks"]),
    ("big group conversation at small tables", ["world-cafe"]),
    ("map all the organisations and services involved", ["service-and-actor-mapping"]),
    ("try the idea in one neighbourhood first", ["pilot-experiences"]),
    ("training council staff in collaborative governance", ["collaborative-governance-training"]),
    ("who accompanies the local team through the process", ["mits-tutor"]),
    ("towns learning from each other", ["communities-of-practice", "learning-platforms"]),
    ("how do two teams stay connected", ["double-linking", "linking"]),
    ("I feel a tension about how things work here", ["navigate-via-tension"]),
    ("who prepares the agenda", ["prepare-for-meetings", "meeting-host"]),
    ("I need support from someone with more skills", ["ask-for-help"]),
    ("feedback from colleagues on how I do my role", ["peer-feedback", "peer-review"]),
    ("share the accounts openly with members", ["financial-transparency"]),
    (
        "what does a facilitator look after in co-production",
        ["facilitation-responsibilities", "facilitator-three-dimensions"],
    ),
    ("agenda for the governance meeting", ["governance-meeting"]),
    ("open agenda event where participants set the sessions", ["open-space-unconference"]),
    ("what are the core values of public participation", ["public-participation-core-values"]),
    ("start a MiTS process in our town", ["local-startup-team"]),
    # Once known misses (the words differ from the pattern text); the patterns' search aliases
    # now hold what people type.
    ("measure the situation before we start", ["baseline-evaluation-diagnosis"]),
    ("explain why we need to act on this", ["describe-organizational-drivers"]),
    ("how will we know if the agreement works", ["evaluation-criteria"]),
    ("who should be at the table when we decide", ["involve-those-affected"]),
]


@pytest.fixture(scope="module")
def db() -> PatternDB:
    d = PatternDB()
    d.load()
    return d


def top(db: PatternDB, query: str, n: int = 3, **filters: str) -> list[str]:
    return [r.pattern.id for r in db.search(query, limit=n, **filters)]


def test_there_are_at_least_25_questions() -> None:
    assert len(QUESTIONS) >= 25


@pytest.mark.parametrize("question, expected", QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_tutor_question_finds_the_pattern_in_the_top_3(
    db: PatternDB, question: str, expected: list[str]
) -> None:
    found = top(db, question)
    assert set(found) & set(expected), f"{question!r} -> {found}"


def test_accents_are_folded_both_ways(db: PatternDB) -> None:
    assert fold("Orçamento Participativo, Café, àèìòù") == "orcamento participativo, cafe, aeiou"
    assert top(db, "orcamento participativo", 1) == ["participatory-budgeting"]
    assert top(db, "ORÇAMENTO PARTICIPATIVO", 1) == ["participatory-budgeting"]
    assert top(db, "world cafe", 1) == ["world-cafe"]
    assert top(db, "wörld cäfé", 1) == ["world-cafe"]


def test_stemming_joins_plurals_verb_forms_and_romance_endings() -> None:
    assert stem("roles") == stem("role")
    assert stem("meetings") == stem("meeting") == "meet"
    assert stem("facilitator") == stem("facilitation") == stem("facilitating")
    assert stem("decision") == stem("decide") == stem("decisions")
    assert stem("partecipativo") == stem("partecipativa") == stem("partecipativi")
    assert stem("organisation") == stem("organization") == stem("organizing")
    assert stem("processes") == stem("process")
    assert terms("How do we pick someone for THIS role?") == ["pick", "rol"]


def test_filters(db: PatternDB) -> None:
    for r in db.search("meeting", category="Meeting Practices"):
        assert r.pattern.category == "Meeting Practices"
    assert db.search("meeting", category="meeting practices")  # case ignored
    for r in db.search("decide", kind="toolbox"):
        assert r.pattern.kind == "toolbox"
    for r in db.search("objection", phase="objection-resolution"):
        assert "objection-resolution" in r.pattern.phases
    assert top(db, "budget", 5, source="Porto Alegre") == ["participatory-budgeting"]
    assert top(db, "money", 5, tag="orçamento participativo") == ["participatory-budgeting"]
    assert db.search("role", kind="s3", phase="role-selection")
    assert db.search("role", category="No Such Category") == []
    with pytest.raises(PatternError, match="phase"):
        db.search("role", phase="dancing")


def test_empty_query_lists_filtered_patterns_by_name(db: PatternDB) -> None:
    res = db.search("", category="Meeting Formats", limit=20)
    assert len(res) == 5 and all(r.score == 0 for r in res)
    names = [r.pattern.name for r in res]
    assert names == sorted(names, key=str.casefold)


def test_snippet_shows_the_matched_word(db: PatternDB) -> None:
    [r] = db.search("timebox", limit=1)
    assert r.pattern.id == "timebox-activities"
    assert "**" in r.snippet and "timebox" in r.snippet.lower()
    r = db.search("bilancio partecipativo", limit=1)[0]
    assert "**bilancio**" in r.snippet and "**partecipativo**" in r.snippet
    r = db.search("nominations", limit=1)[0]
    assert "**nominations**" in r.snippet.lower()
    assert r.hit.matched == ("nomin",) and "summary" in r.hit.fields
    assert len(r.snippet) < 260


def test_prefix_of_a_word_still_finds_it(db: PatternDB) -> None:
    assert "facilitate-meetings" in top(db, "facilit meet", 5)


def test_unknown_words_find_nothing(db: PatternDB) -> None:
    assert db.search("xylophone quasar") == []


def test_index_add_remove_and_rank() -> None:
    idx = SearchIndex()
    idx.add(
        "a",
        {"name": "Energy Desk", "summary": "Advice on energy bills", "body": "x"},
        {"kind": "toolbox", "phases": ["co-design"], "tags": ["energy"]},
    )
    idx.add("b", {"name": "Other", "summary": "Nothing about it", "body": "energy once"})
    assert [h.key for h in idx.search("energy")] == ["a", "b"]
    idx.remove("a")
    assert [h.key for h in idx.search("energy")] == ["b"]
    assert idx.search("energy", kind="toolbox") == []


def test_search_is_fast_over_the_shipped_patterns(db: PatternDB) -> None:
    questions = [q for q, _ in QUESTIONS]
    for q in questions:
        db.search(q)
    samples = []
    for q in questions * 5:
        t0 = time.perf_counter()
        db.search(q)
        samples.append(time.perf_counter() - t0)
    samples.sort()
    assert samples[len(samples) // 2] < 0.002


def test_bench_search_reports_both_cases() -> None:
    from s3engine.bench.search import bench_search

    # The figures and their goals are `s3flow bench`'s (10,000 generated patterns); here the
    # report's shape, on fewer, multilingual generated patterns.
    rep = bench_search(quick=True, generated=1_000)
    assert rep["shipped"]["documents"] >= 100 and rep["generated"]["documents"] == 1_000
    for case in ("shipped", "generated"):
        r = rep[case]
        assert 0 < r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"] <= r["max_ms"]
    assert rep["generated"]["target_p99_ms"] == 20.0
