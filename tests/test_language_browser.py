"""The consent app in each of the seven languages, in a real Voila and Debian's Chromium.

One Voila server, one page: a consent decision with an objection under test is opened, then the
language menu is switched to each language in turn. For each, the panel's labels are the
catalogue's (the buttons, the menu, the folded panels, the process title, the step), the panel and
the page carry the language's ``lang`` and ``dir``, and in Greek and Arabic no Latin-script word
is left besides what people typed. In Arabic the layout is mirrored (the title on the right, the
menu on the left; text starts on the right); screenshot: test-artifacts/screenshots/lang-ar.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import CHROMIUM, Server, launch_browser, prepare, shot
from lang_support import english_words, journal_data

from jupyter_ext import i18n
from s3engine.core.workspace import Workspace
from s3engine.languages import LANGUAGES

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():  # .ci/run installs it; locally say why
    pytest.skip(
        f"Chromium not found at {CHROMIUM}: run ./dev test to install it", allow_module_level=True
    )

from playwright.sync_api import sync_playwright

PEOPLE = ["Ana", "Bo", "Cy"]
#: The labels every language must show, as the catalogue translates them.
LABELS = {
    ".s3-new": "Start a new one",
    ".s3-open": "Open",
    ".s3-refresh": "Refresh",
}


def _decision(ws_path: Path) -> str:
    """A consent decision whose possible objection is being tested."""
    ws = Workspace(ws_path)
    p = ws.start(
        "consent",
        "Ana",
        title="Bike racks",
        facilitator="Ana",
        participants=PEOPLE,
        driver="Bikes block the pavement at the school gate.",
        requirement="Parents need safe, tidy bike parking.",
        proposal="Install 20 racks by the gate.",
        review_date="2027-05-01",
    )
    for action, actor, fields in [
        ("consent_driver", "Ana", {}),
        ("present_proposal", "Ana", {}),
        ("start_responses", "Ana", {}),
        ("check_objections", "Ana", {}),
        ("signal", "Ana", {"signal": "no objection"}),
        ("signal", "Bo", {"signal": "possible objection"}),
        ("signal", "Cy", {"signal": "no objection"}),
    ]:
        p.act(action, actor, **fields)
    ws.close()
    return p.id


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path, str]]:
    root, ws = prepare(tmp_path_factory.mktemp("langs"))
    pid = _decision(ws)
    server = Server("voila", root, ws, notebook="consent-decision.ipynb")
    yield server, ws, pid
    server.stop()


@pytest.fixture(scope="module")
def page(app: tuple[Server, Path, str]) -> Iterator[Any]:
    server, _ws, _pid = app
    with sync_playwright() as pw:
        browser = launch_browser(pw)
        pg = browser.new_page(viewport={"width": 1280, "height": 2000})
        pg.goto(server.base + "/")
        pg.wait_for_selector(".s3-session .s3-choose select", timeout=120_000)
        pg.select_option(".s3-choose select", value=_option_value(pg, "Bike racks"))
        pg.click(".s3-open")
        pg.wait_for_selector(".s3-stepper .s3-current-step")
        yield pg
        browser.close()


def _option_value(pg: Any, title: str) -> str:
    """The <option> of the drop-down entry naming the decision ``title``."""
    for option in pg.query_selector_all(".s3-choose select option"):
        if option.inner_text().replace("\xa0", " ").startswith(title):
            return str(option.get_attribute("value"))
    offered = [o.inner_text() for o in pg.query_selector_all(".s3-choose select option")]
    raise AssertionError(f"{title} is not offered: {offered}")


def _attrs(pg: Any, selector: str) -> tuple[str, str]:
    return tuple(  # type: ignore[return-value]
        pg.eval_on_selector(selector, "e => [e.getAttribute('lang'), e.getAttribute('dir')]")
    )


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_panel_is_fully_translated_with_lang_and_dir(
    app: tuple[Server, Path, str], page: Any, lang: str
) -> None:
    _server, ws_path, _pid = app
    direction = "rtl" if lang == "ar" else "ltr"
    i18n.set_language(lang)
    expected = {"lang": lang, "dir": direction, "board": i18n._("Objection board")}
    page.select_option(".s3-language select", label=LANGUAGES[lang])
    # The stepper is drawn anew in the new language: wait until the new one is complete.
    page.wait_for_function(
        """(x) => {
          const s = document.querySelector('.s3-stepper');
          return s && s.getAttribute('lang') === x.lang && s.getAttribute('dir') === x.dir
            && document.documentElement.getAttribute('dir') === x.dir
            && s.innerText.includes(x.board) && s.querySelector('.s3-current-step');
        }""",
        arg=expected,
    )
    page.wait_for_timeout(300)
    try:
        assert _attrs(page, ".s3-session") == (lang, direction)
        assert _attrs(page, ".s3-stepper") == (lang, direction)
        assert _attrs(page, "html") == (lang, direction)  # Voila: the page is the app's own
        for selector, text in LABELS.items():
            assert page.inner_text(f".s3-session {selector}").strip() == i18n._(text), selector
        panel = page.inner_text(".s3-session")
        for text in (
            "Consent Decision-Making",
            "Language",
            "Acting as",
            "Objection board",
            "History",
            "Process diagram",
            "Test one possible objection",
            "What is being decided",
        ):
            assert i18n._(text) in panel, text
            assert lang == "en" or text not in panel, text
        if lang in ("el", "ar"):  # not written in Latin letters: any Latin word is English
            ws = Workspace(ws_path)
            left = english_words([panel], journal_data(ws))
            ws.close()
            lines = [ln for ln in panel.splitlines() if any(w in ln for w in left)]
            assert left == set(), lines
        if lang == "ar":
            _check_mirrored(page)
            shot(page, "lang-ar")
    finally:
        i18n.set_language("en")


def _check_mirrored(page: Any) -> None:
    """Right to left: the header's first item (the title) on the right, text aligned right."""
    title = page.eval_on_selector(".s3-session h2", "e => e.getBoundingClientRect().right")
    menu = page.eval_on_selector(".s3-language", "e => e.getBoundingClientRect().right")
    assert title > menu
    for selector in (".s3-guidance", ".s3-chip-current", ".s3-actions", ".s3-decision"):
        direction = page.eval_on_selector(selector, "e => getComputedStyle(e).direction")
        assert direction == "rtl", selector
    # Step 1 is the rightmost chip: the bar reads from right to left.
    xs = page.eval_on_selector_all(
        ".s3-stepbar .s3-chip", "es => es.map(e => e.getBoundingClientRect().x)"
    )
    assert xs == sorted(xs, reverse=True)
    # The start form: each field's label above its input, starting on the right.
    page.click(".s3-new")
    page.wait_for_selector(".s3-form .widget-label")
    label = page.query_selector(".s3-form .widget-inline-hbox > .widget-label")
    assert label.evaluate("e => getComputedStyle(e).textAlign") == "right"
    font = page.eval_on_selector(".s3-form textarea", "e => getComputedStyle(e).fontFamily")
    assert "mono" not in font.lower()  # Arabic letters stay joined
