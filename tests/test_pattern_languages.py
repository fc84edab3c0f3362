"""Patterns in seven languages: translations in the schema, cross-language search, typos."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from s3engine.errors import PatternError
from s3engine.patterns.database import PatternDB
from s3engine.patterns.file import parse_text
from s3engine.patterns.model import TRANSLATED
from s3engine.patterns.reader import settled
from s3engine.patterns.text import fold, terms

OBJECTION = ["test-arguments-qualify-as-objections", "resolve-objections"]

# Questions people ask in each language, each with the pattern(s) of which at least one must be
# among the first three results. Written as a tutor or resident would say them, not copied from
# the aliases.
QUESTIONS: dict[str, list[tuple[str, list[str]]]] = {
    "en": [
        ("how do we decide together", ["consent-decision-making"]),
        ("choose a person for a role", ["role-selection"]),
        ("somebody has an objection", OBJECTION),
        ("the meeting always runs late", ["timebox-activities"]),
        ("residents decide the budget", ["participatory-budgeting"]),
        ("write the proposal together", ["co-create-proposals", "proposal-forming"]),
        ("when do we review the agreement", ["evaluate-and-evolve-agreements"]),
        ("everyone speaks in turn", ["rounds", "talking-circles"]),
        ("exchange hours of help between neighbours", ["time-banks"]),
        ("something feels wrong in how we work", ["navigate-via-tension"]),
    ],
    "it": [
        ("decidere insieme", ["consent-decision-making"]),
        ("come scegliere qualcuno per un ruolo", ["role-selection"]),
        ("c'è un'obiezione alla proposta", OBJECTION),
        ("la riunione dura troppo", ["timebox-activities"]),
        ("i cittadini decidono come spendere il bilancio del comune", ["participatory-budgeting"]),
        ("scrivere la proposta insieme", ["co-create-proposals", "proposal-forming"]),
        ("quando rivediamo l'accordo", ["evaluate-and-evolve-agreements"]),
        ("tutti parlano a turno", ["rounds", "talking-circles"]),
        ("banca del tempo nel quartiere", ["time-banks"]),
        ("sento una tensione nel gruppo", ["navigate-via-tension"]),
        ("chi prepara l'ordine del giorno", ["prepare-for-meetings", "meeting-host"]),
    ],
    "pt": [
        ("tomar decisões juntos", ["consent-decision-making"]),
        ("como escolher alguém para um papel", ["role-selection"]),
        ("alguém tem uma objeção", OBJECTION),
        ("a reunião demora demais", ["timebox-activities"]),
        ("os moradores decidem o orçamento da prefeitura", ["participatory-budgeting"]),
        ("escrever a proposta juntos", ["co-create-proposals", "proposal-forming"]),
        ("quando revemos o acordo", ["evaluate-and-evolve-agreements"]),
        ("cada um fala na sua vez", ["rounds", "talking-circles"]),
        ("trocar horas de ajuda entre vizinhos", ["time-banks"]),
        ("sinto uma tensão na equipe", ["navigate-via-tension"]),
        ("quem faz a ata da reunião", ["logbook-keeper", "record-agreements"]),
    ],
    "es": [
        ("decidir juntos", ["consent-decision-making"]),
        ("cómo elegir a alguien para un rol", ["role-selection"]),
        ("alguien tiene una objeción", OBJECTION),
        ("la reunión se alarga demasiado", ["timebox-activities"]),
        ("los vecinos deciden el presupuesto municipal", ["participatory-budgeting"]),
        ("redactar la propuesta entre todos", ["co-create-proposals", "proposal-forming"]),
        ("cuándo revisamos el acuerdo", ["evaluate-and-evolve-agreements"]),
        ("todos hablan por turno", ["rounds", "talking-circles"]),
        ("banco de tiempo entre vecinos", ["time-banks"]),
        ("siento una tensión en el equipo", ["navigate-via-tension"]),
        ("mapa de actores del territorio", ["service-and-actor-mapping"]),
    ],
    "fr": [
        ("prise de décision par consentement", ["consent-decision-making"]),
        ("comment choisir quelqu'un pour un rôle", ["role-selection"]),
        ("quelqu'un a une objection", OBJECTION),
        ("la réunion dure trop longtemps", ["timebox-activities"]),
        ("les habitants décident du budget de la commune", ["participatory-budgeting"]),
        ("rédiger la proposition ensemble", ["co-create-proposals", "proposal-forming"]),
        ("quand revoir l'accord", ["evaluate-and-evolve-agreements"]),
        ("chacun parle à son tour", ["rounds", "talking-circles"]),
        ("banque de temps entre voisins", ["time-banks"]),
        ("je ressens une tension dans l'équipe", ["navigate-via-tension"]),
        ("forum ouvert", ["open-space-unconference"]),
    ],
    "el": [
        ("απόφαση με συναίνεση", ["consent-decision-making"]),
        ("πώς επιλέγουμε κάποιον για έναν ρόλο", ["role-selection"]),
        ("κάποιος έχει ένσταση", OBJECTION),
        ("η συνάντηση τραβάει πολύ", ["timebox-activities"]),
        ("οι κάτοικοι αποφασίζουν για τον προϋπολογισμό του δήμου", ["participatory-budgeting"]),
        ("γράφουμε την πρόταση μαζί", ["co-create-proposals", "proposal-forming"]),
        ("πότε αναθεωρούμε τη συμφωνία", ["evaluate-and-evolve-agreements"]),
        ("μιλάμε με τη σειρά", ["rounds", "talking-circles"]),
        ("τράπεζα χρόνου στη γειτονιά", ["time-banks"]),
        ("νιώθω ένταση στην ομάδα", ["navigate-via-tension"]),
        ("ΣΥΝΑΙΝΕΣΗ", ["consent-decision-making"]),
    ],
    "ar": [
        ("اتخاذ القرار بالموافقة", ["consent-decision-making"]),
        ("كيف نختار شخصا لدور", ["role-selection"]),
        ("لدي اعتراض على المقترح", OBJECTION),
        ("الاجتماع يطول كثيرا", ["timebox-activities"]),
        ("السكان يقررون ميزانية البلدية", ["participatory-budgeting"]),
        ("نكتب المقترح معا", ["co-create-proposals", "proposal-forming"]),
        ("متى نراجع الاتفاق", ["evaluate-and-evolve-agreements"]),
        ("نتكلم بالدور", ["rounds", "talking-circles"]),
        ("بنك الوقت بين الجيران", ["time-banks"]),
        ("أشعر بتوتر في الفريق", ["navigate-via-tension"]),
        ("الموازنة التشاركيّة", ["participatory-budgeting"]),
    ],
}

# Typos people make, each with the pattern that must still come first or among the first three.
TYPOS = [
    ("objecton", OBJECTION),
    ("consnet decision", ["consent-decision-making"]),
    ("facilitaton", ["facilitate-meetings", "facilitation-responsibilities"]),
    ("partecipatvo bilancio", ["participatory-budgeting"]),
    ("retrospectve", ["retrospective"]),
    ("governace meeting", ["governance-meeting"]),
    ("décission par consentemnt", ["consent-decision-making"]),
    ("συναίνσηση", ["consent-decision-making"]),
    ("obiezone", OBJECTION),
    ("obiezzione", OBJECTION),
    ("cosenso", ["consent-decision-making"]),
    ("ενστση", OBJECTION),
    ("اعتراظ", OBJECTION),
    ("presupesto participativo", ["participatory-budgeting"]),
]


@pytest.fixture(scope="module")
def db() -> PatternDB:
    d = PatternDB()
    d.load(strict=True)
    return d


def top(db: PatternDB, query: str, n: int = 3, lang: str | None = None) -> list[str]:
    return [r.pattern.id for r in db.search(query, limit=n, lang=lang)]


CASES = [(lang, q, exp) for lang, qs in QUESTIONS.items() for q, exp in qs]


def test_at_least_ten_questions_in_each_of_the_seven_languages() -> None:
    assert set(QUESTIONS) == {"en", *TRANSLATED}
    assert all(len(qs) >= 10 for qs in QUESTIONS.values())


@pytest.mark.parametrize("lang, question, expected", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_question_finds_the_pattern_in_the_top_3(
    db: PatternDB, lang: str, question: str, expected: list[str]
) -> None:
    found = top(db, question)
    assert set(found) & set(expected), f"{question!r} -> {found}"


@pytest.mark.parametrize("question, expected", TYPOS, ids=[q for q, _ in TYPOS])
def test_typos_are_tolerated(db: PatternDB, question: str, expected: list[str]) -> None:
    found = top(db, question)
    assert set(found) & set(expected), f"{question!r} -> {found}"


def test_a_typo_says_which_words_it_was_read_as(db: PatternDB) -> None:
    [r] = db.search("objecton", limit=1)
    assert r.hit.corrected and r.hit.corrected[0][0] == "objecton"
    assert "**objection**" in r.snippet.lower()
    # A correct word is no correction, and gibberish still finds nothing.
    assert db.search("objection", limit=1)[0].hit.corrected == ()
    assert db.search("xylophone quasar") == []
    assert db.search("zzzzqqqq") == []


def test_hits_come_in_the_language_of_the_query(db: PatternDB) -> None:
    for query, lang in (
        ("come scegliere qualcuno per un ruolo", "it"),
        ("tomar decisões juntos", "pt"),
        ("prise de décision par consentement", "fr"),
        ("απόφαση με συναίνεση", "el"),
        ("اتخاذ القرار بالموافقة", "ar"),
        ("how do we pick someone for this role", "en"),
    ):
        hit = db.search(query, limit=1)[0].hit
        assert hit.lang == lang, (query, hit.lang)
    r = db.search("απόφαση με συναίνεση", limit=1)[0]
    assert "**απόφαση**" in r.snippet and r.pattern.id == "consent-decision-making"


def test_the_users_language_decides_when_the_query_fits_several(db: PatternDB) -> None:
    # "facilitador" is Portuguese and Spanish: the user's language breaks the tie.
    assert db.index.language_of("facilitador") is None
    assert db.index.language_of("facilitador", prefer="pt") == "pt"
    assert db.index.language_of("facilitador", prefer="es") == "es"
    assert db.search("facilitador", limit=1, lang="pt")[0].hit.lang == "pt"
    assert db.search("facilitador", limit=1, lang="es")[0].hit.lang == "es"
    assert db.index.language_of("consenso", prefer="es") == "es"
    # A word of one language only is that language's.
    assert db.index.language_of("obiezione", prefer="pt") == "it"
    # The script tells Greek and Arabic, whatever the interface language.
    assert db.index.language_of("ρόλος", prefer="it") == "el"
    assert db.index.language_of("دور", prefer="fr") == "ar"
    assert db.index.language_of("come scegliere un ruolo", prefer="en") == "it"


def test_greek_and_arabic_are_normalised() -> None:
    # Greek: accents (tonos, dialytika), case and final sigma; inflections share a stem.
    assert terms("ΣΥΝΑΊΝΕΣΗ") == terms("συναίνεση") == terms("συναινεσης")
    assert terms("ρόλος") == terms("ρόλου") == terms("Ρόλο")
    assert terms("προϋπολογισμός") == terms("προυπολογισμος")
    # Arabic: short vowels, tatweel, hamza forms of alef, ta marbuta, the article.
    assert fold("التشاركيّة") == fold("التشاركية")
    assert terms("الموازنة") == terms("الموازنه") == terms("موازنة")
    assert terms("القـرار") == terms("القرار")
    assert fold("أدوار") == fold("ادوار") == fold("إدوار")
    assert terms("مسؤولية") == terms("مسوولية")
    # Stop words of every language are dropped.
    assert terms("come per un") == [] and terms("de la les") == []
    assert terms("και να το") == [] and terms("من في على") == []


def test_every_shipped_pattern_has_all_six_translations(db: PatternDB) -> None:
    pats = db.patterns()
    assert len(pats) >= 120
    for p in pats:
        assert [t.lang for t in p.translations] == list(TRANSLATED), p.id
        for t in p.translations:
            assert t.name.strip() and t.summary.strip(), (p.id, t.lang)
            assert len(t.aliases) >= 2, (p.id, t.lang)
            assert t.name != p.name or p.id in {"world-cafe", "mits-tutor"}, (p.id, t.lang)
    # Greek and Arabic texts are in their scripts (not English left in place).
    for p in pats:
        el, ar = p.translation("el"), p.translation("ar")
        assert el is not None and any("\u0370" <= c <= "\u03ff" for c in el.summary), p.id
        assert ar is not None and any("\u0600" <= c <= "\u06ff" for c in ar.summary), p.id


FRONT = """---
id: giro
name: Giro
aliases: []
kind: toolbox
category: Facilitation
category_2021: null
source: s3flow
summary: One line.
related: []
phases: [meetings]
tags: [round, turn]
version: 1
license: CC BY-SA 4.0
attribution: s3flow
{extra}---
## What to do

1. Speak in turn.
"""


def parse(extra: str) -> object:
    return parse_text(FRONT.format(extra=extra), "giro.md")


def test_the_schema_checks_translations() -> None:
    p = parse(
        "translations:\n  it:\n    name: Giro di parola\n    summary: Tutti a turno.\n"
        "    aliases: [a turno]\n    reviewed_by: Lucia (2026-11)\n"
    )
    assert p.name_in("it") == ("Giro di parola", "it")  # type: ignore[attr-defined]
    assert p.name_in("fr") == ("Giro", "en")  # type: ignore[attr-defined]
    assert p.translation("it").reviewed_by == "Lucia (2026-11)"  # type: ignore[attr-defined]
    for extra, field in (
        ("translations:\n  de:\n    name: X\n    summary: Y\n    aliases: []\n", "translations.de"),
        ("translations:\n  it:\n    name: X\n    aliases: []\n", "translations.it.summary"),
        ("translations:\n  it:\n    name: X\n    summary: Y\n", "translations.it.aliases"),
        ("translations:\n  it:\n    name: ''\n    summary: Y\n    aliases: []\n", "it.name"),
        ("translations:\n  it:\n    name: X\n    summary: Y\n    aliases: [1]\n", "it.aliases"),
        ("translations:\n  it:\n    nome: X\n    summary: Y\n    aliases: []\n", "it.nome"),
        ("translations: [it]\n", "translations"),
    ):
        with pytest.raises(PatternError, match=field.replace(".", r"\.")):
            parse(extra)


def test_translations_travel_with_exported_patterns_and_are_sanitised(tmp_path: Path) -> None:
    p = PatternDB().get("consent-decision-making")
    again = parse_text(p.to_markdown(), "x.md", stem="consent-decision-making")
    assert again.translations == p.translations
    evil = {"it": {"name": "<script>alert(1)</script>Decisione", "summary": "s", "aliases": ["a"]}}
    clean = settled(evil, multiline=False)
    assert "<script" not in clean["it"]["name"] and "Decisione" in clean["it"]["name"]


def test_imported_patterns_without_translations_still_search(db: PatternDB) -> None:
    p = dataclasses.replace(db.get("rounds"), translations=())
    assert p.name_in("it") == ("Rounds", "en") and p.summary_in("ar")[1] == "en"
