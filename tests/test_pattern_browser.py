"""The pattern browser in the user's language: names, summaries, fallbacks and empty results."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import fixed_clock

from jupyter_ext import i18n
from jupyter_ext.pattern_browser import PatternBrowser
from s3engine.core.workspace import Workspace


@pytest.fixture(autouse=True)
def english_again() -> Iterator[None]:
    yield
    i18n.set_language("en")


@pytest.fixture
def browser(tmp_path: Path) -> PatternBrowser:
    i18n.set_language("en")
    return PatternBrowser(Workspace(tmp_path / "ws", clock=fixed_clock()))


def labels(b: PatternBrowser) -> list[str]:
    return [label for label, _key in b.results.options]


def test_nothing_found_clears_the_page_and_says_what_to_try(browser: PatternBrowser) -> None:
    b = browser
    b.box.value = "role selection"
    assert b.results.value == "role-selection" and "Role Selection" in b.page.value
    assert b.related.children
    b.box.value = "xylophone quasar"
    assert b.results.options == () and b.results.value is None
    assert b.page.value == "" and b.related.children == () and b.message.value == ""
    assert "Nothing found for “xylophone quasar”." in b.snippets.value
    assert "another language" in b.snippets.value and "s3-nothing-found" in b.snippets.value
    # In the user's language, and again results once the words match.
    i18n.set_language("it")
    b.box.value = "zzzz qqqq"
    assert "Nessun risultato per “zzzz qqqq”." in b.snippets.value
    assert "un&#x27;altra lingua" in b.snippets.value
    b.box.value = "decidere insieme"
    assert b.results.value is not None and "s3-nothing-found" not in b.snippets.value


def test_filters_that_match_nothing_say_so(browser: PatternBrowser) -> None:
    b = browser
    b.box.value = "world cafe"
    assert b.results.value == "world-cafe"
    b.kind.value = "s3"
    assert b.results.options == () and b.page.value == ""
    assert "Nothing found for “world cafe”." in b.snippets.value
    b.box.value = ""
    b.phase.value = "role-selection"
    b.category.value = "Meeting Formats"
    assert "No pattern matches these filters." in b.snippets.value


def test_names_and_summaries_come_in_the_users_language(browser: PatternBrowser) -> None:
    b = browser
    i18n.set_language("it")
    b.box.value = "come scegliere qualcuno per un ruolo"
    assert b.results.value == "role-selection"
    assert labels(b)[0].startswith("Selezione per un ruolo — ")
    page = b.page.value
    assert "Selezione per un ruolo" in page and "Role Selection" in page  # the original too
    assert "candidature scritte" in page  # the Italian summary
    assert "The full text of this pattern is in English." not in page
    assert "Il testo completo di questo pattern è in inglese." in page
    assert "lang='en'" in page and "lang='it'" in page
    assert "<b>Selezione per un ruolo</b>" in b.snippets.value
    assert any("Ruolo" in c.description for c in b.related.children)
    # Arabic: right to left where the text is Arabic, the body (English) left to right.
    i18n.set_language("ar")
    b.box.value = "اتخاذ القرار بالموافقة"
    assert b.results.value == "consent-decision-making"
    assert "اتخاذ القرار بالموافقة" in b.page.value and "dir='rtl'" in b.page.value
    assert "<div lang='en' dir='ltr'>" in b.page.value
    # English users see English, unmarked.
    i18n.set_language("en")
    b.box.value = "consent"
    assert labels(b)[0].startswith("Consent Decision-Making — ")
    assert "(in English)" not in b.page.value


def test_with_an_english_interface_a_query_in_another_language_shows_that_language(
    browser: PatternBrowser,
) -> None:
    b = browser
    b.box.value = "απόφαση με συναίνεση"
    assert b.results.value == "consent-decision-making"
    assert labels(b)[0].startswith("Λήψη αποφάσεων με συναίνεση — ")
    assert "The full text of this pattern is in English." in b.page.value
    b.box.value = "consent decision"
    assert labels(b)[0].startswith("Consent Decision-Making — ")


def test_an_untranslated_pattern_falls_back_to_english_marked(browser: PatternBrowser) -> None:
    b = browser
    p = dataclasses.replace(b.db.get("rounds"), translations=())
    i18n.set_language("pt")
    assert b.name(p) == "Rounds (em inglês)"
    assert b.name(b.db.get("rounds")) == "Rodadas"
    i18n.set_language("en")
    assert b.name(p) == "Rounds"


def test_patterns_for_a_step_are_named_in_the_users_language(browser: PatternBrowser) -> None:
    from jupyter_ext.pattern_browser import for_step_html

    i18n.set_language("it")
    assert "Selezione per un ruolo" in for_step_html(browser.ws, "role-selection")
    i18n.set_language("en")
    assert "Role Selection" in for_step_html(browser.ws, "role-selection")


def test_changing_the_language_redraws_the_open_page(browser: PatternBrowser) -> None:
    b = browser
    b.box.value = "role selection"
    assert b.results.value == "role-selection" and "<h2" in b.page.value
    b.language.value = "it"
    assert b.results.value == "role-selection"
    assert "Selezione per un ruolo" in b.page.value and "candidature scritte" in b.page.value
    b.language.value = "en"
    assert "Selezione per un ruolo" not in b.page.value
