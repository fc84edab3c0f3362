"""Seven interface languages: full catalogues, no English left in a widget, lang/dir, formats.

- every supported language (``s3engine.languages``) has a catalogue the extractor checks, with every
  text translated and the same ``{placeholders}`` as the English;
- an AST scan of ``jupyter_ext`` finds no text literal reaching a widget (labels, descriptions,
  values, options, titles, HTML) without ``_()`` or ``N_()`` (a short allow-list says why);
- the consent and role-selection panels, drawn in Greek and in Arabic from a real workspace, show no
  English word (besides what people typed and names kept in every language);
- the panels carry the language and direction the browser needs (``dir="rtl"`` for Arabic), dates
  and numbers follow the locale (Babel), and notebook introductions follow the language menu.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from babel.messages.pofile import read_po
from conftest import fixed_clock
from lang_support import english_texts, journal_data, visible_texts

from jupyter_ext import i18n
from s3engine.core.workspace import Workspace
from s3engine.languages import LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "jupyter_ext" / "locale"
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)[sd]|%[sd]")


@pytest.fixture(autouse=True)
def english() -> object:
    i18n.set_language("en")
    yield
    i18n.set_language("en")


def _po(lang: str):  # type: ignore[no-untyped-def]
    with open(LOCALE / lang / "LC_MESSAGES" / "s3flow.po", "rb") as fh:
        return read_po(fh, locale=lang)


# -- catalogues ------------------------------------------------------------------------------------


def test_every_supported_language_has_a_catalogue_the_extractor_checks() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    import extract_messages

    assert set(extract_messages.LANGS) == set(TRANSLATED) == {"it", "pt", "es", "fr", "el", "ar"}
    assert {p.name for p in LOCALE.iterdir() if p.is_dir()} == set(TRANSLATED)


def test_no_text_is_left_untranslated_in_any_language() -> None:
    res = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "extract_messages.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_every_placeholder(lang: str) -> None:
    wrong = [
        (m.id, m.string)
        for m in _po(lang)
        if m.id
        and m.string
        and sorted(PLACEHOLDER.findall(str(m.id))) != sorted(PLACEHOLDER.findall(str(m.string)))
    ]
    assert wrong == []


@pytest.mark.parametrize("lang", ["fr", "el", "ar"])
def test_new_catalogues_are_in_their_own_script_and_use_the_s3_terms(lang: str) -> None:
    i18n.set_language(lang)
    expected = {
        "fr": ("objection", "préoccupation", "Prise de décision par consentement"),
        "el": ("αντίρρηση", "ανησυχία", "Λήψη αποφάσεων με συναίνεση"),
        "ar": ("اعتراض", "تحفّظ", "اتخاذ القرار بالموافقة"),
    }[lang]
    assert (i18n._("objection"), i18n._("concern"), i18n._("Consent Decision-Making")) == expected
    assert i18n._("Language") != "Language" and i18n._("Objection board") != "Objection board"


# -- no English literal in a widget ----------------------------------------------------------------

#: Keyword arguments and attributes whose text a reader sees.
TEXT_KEYWORDS = {"description", "tooltip", "placeholder", "value", "options", "titles"}
#: ipywidgets classes whose positional arguments are shown (HTML("..."), Label("...")).
SHOWN_POSITIONAL = {"HTML", "HTMLMath", "Label", "Button"}
TAG = re.compile(r"<[^<>]*>")
WORD = re.compile(r"[A-Za-z]{2,}")
#: Texts a widget may show as they are, with why (module, text).
ALLOWED = {
    ("stepper.py", "```mermaid\n"): "a mermaid code fence (the diagram's syntax), not a text",
    ("__init__.py", "Session"): "a class name in __all__ (the Python API), never shown",
}


def _translated_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"_", "N_", "ngettext", "esc", "escape"}
    )


def _pieces(node: ast.AST) -> list[ast.Constant]:
    """The string constants of an expression that are not translated (or escaped data)."""
    if _translated_call(node):
        return []
    if isinstance(node, ast.Constant):
        return [node] if isinstance(node.value, str) else []
    if isinstance(node, ast.Call):  # a call's arguments are its own business (e.g. ", ".join)
        return []
    if isinstance(node, ast.Subscript | ast.Compare | ast.Attribute):
        return []
    out: list[ast.Constant] = []
    for child in ast.iter_child_nodes(node):
        out += _pieces(child)
    return out


def _text_expressions(tree: ast.AST) -> list[ast.expr]:
    exprs: list[ast.expr] = []
    docstrings: set[int] = set()
    # A piece of a longer string expression is judged with the whole of it.
    inner = {
        id(c)
        for n in ast.walk(tree)
        if isinstance(n, ast.JoinedStr | ast.BinOp | ast.FormattedValue)
        for c in ast.iter_child_nodes(n)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            exprs += [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
            if name in SHOWN_POSITIONAL:
                exprs += node.args
            if name == "set_title" and len(node.args) == 2:
                exprs.append(node.args[1])
        elif isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Attribute) and t.attr in TEXT_KEYWORDS for t in node.targets):
                exprs.append(node.value)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            docstrings.add(id(node.value))
        elif (
            isinstance(node, ast.JoinedStr | ast.Constant | ast.BinOp)
            and _is_markup(node)
            and id(node) not in docstrings
            and id(node) not in inner
        ):
            exprs.append(node)  # an HTML fragment being built: its words are shown
    return exprs


#: A label kept in a table ("Objection board", "Role description") to be shown later.
LABEL = re.compile(r"^[A-Z][a-z]+(?: [A-Za-z][a-z']*)*[.:…]?$")


def _table_labels(tree: ast.AST) -> list[ast.Constant]:
    """Labels in list, tuple and dict-value literals that are not marked with ``N_()``."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            items = list(node.elts)
        elif isinstance(node, ast.Dict):
            items = list(node.values)
        else:
            continue
        for item in items:
            if (
                isinstance(item, ast.Constant)
                and isinstance(item.value, str)
                and LABEL.match(item.value)
            ):
                out.append(item)
    return out


def _is_markup(node: ast.AST) -> bool:
    texts = [c.value for c in _pieces(node)]
    return any(re.search(r"<\w", t) for t in texts)


def english_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each untranslated literal that reaches what a widget shows."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[tuple[int, str], None] = {}
    for expr in _text_expressions(tree):
        pieces = _pieces(expr)
        if not pieces:
            continue
        # Join the pieces of one expression so that a tag split over them is seen whole; the
        # markup is removed, keeping the separators, so that each piece's own words remain.
        joined = "\x00".join(p.value for p in pieces)
        bare = TAG.sub(lambda m: " " + "\x00" * m.group().count("\x00"), joined).split("\x00")
        for p, text in zip(pieces, bare, strict=True):
            if WORD.search(text) and (path.name, p.value) not in ALLOWED:
                found[(p.lineno, p.value)] = None
    for label in _table_labels(tree):
        if (path.name, label.value) not in ALLOWED:
            found[(label.lineno, label.value)] = None
    return sorted(found)


def test_the_scan_finds_an_english_literal_in_a_widget(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import ipywidgets as w\n"
        "from .i18n import _\n"
        "a = w.Button(description='Objection board')\n"
        "b = w.Button(description=_('Objection board'))\n"
        "c = w.HTML(f\"<b>{esc(_('Driver'))}</b>: Verdict {x}\")\n"
        "d = f\"<th style='text-align:start'>{esc(_(h))}</th>\"\n"
        "e.description = 'Language'\n"
        "TITLES = {'consent': 'Objection board', 'tension': N_('Driver')}\n"
        "COLUMNS = ['Who', N_('Answer')]\n",
        encoding="utf-8",
    )
    assert [t for _line, t in english_literals(bad)] == [
        "Objection board",
        "</b>: Verdict ",
        "Language",
        "Objection board",
        "Who",
    ]


def test_no_widget_shows_an_english_literal() -> None:
    found = {
        f"{p.relative_to(ROOT)}:{line}": text
        for p in sorted((ROOT / "jupyter_ext").rglob("*.py"))
        for line, text in english_literals(p)
    }
    assert found == {}


# -- what the panels show --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A consent decision (an objection resolved), a role selection, a MiTS cycle starting."""
    from s3engine.demo.consent import consent
    from s3engine.demo.roles import roles

    ws = Workspace(tmp_path_factory.mktemp("langs") / "ws", clock=fixed_clock())
    consent(ws, out=lambda _s: None)
    roles(ws, out=lambda _s: None)
    ws.start(  # a MiTS cycle in preparation: its gate checklist and rule are on screen
        "mits",
        "Marta",
        community="Valverde",
        facilitator="Marta",
        commitment="Run the MiTS process in Valverde for one year.",
        actors=[
            "Town hall of Valverde | local administration | Luca",
            "Valverde in Transition | civil-society organisation | Sara",
            "Sun Energy Cooperative | business | Ivo",
        ],
    )
    return ws


def _panels(ws: Workspace) -> list[object]:
    from jupyter_ext.session import Session
    from jupyter_ext.stepper import ProcessStepper

    out: list[object] = []
    for kind in ("consent", "role-selection", "mits"):
        s = Session(kind, ws=ws)
        s.show_start_form()
        out.append(s)
        for p in ws.roots(kind):
            st = ProcessStepper(ws, p.id, live=False)
            for index in (0, 1):  # the board and the history
                st.details.selected_index = index
            out.append(st)
    return out


@pytest.mark.parametrize("lang", ["el", "ar"])
def test_panels_show_no_english_in_greek_or_arabic(recorded: Workspace, lang: str) -> None:
    """Greek and Arabic are not written in Latin letters: any Latin word left is untranslated."""
    i18n.set_language(lang)
    data = journal_data(recorded)
    left = {}
    for panel in _panels(recorded):
        left.update(english_texts(visible_texts(panel), data))
    assert left == {}


# -- direction, page language, locale formats, introductions ---------------------------------------


def test_page_language_follows_every_language_change() -> None:
    from jupyter_ext.language_menu import LanguageMenu, PageLanguage

    page = PageLanguage()
    calls: list[str] = []
    menu = LanguageMenu(lambda: calls.append(i18n.language()))
    other = LanguageMenu(lambda: None)
    menu.value = "ar"
    assert (page.lang, page.dir) == ("ar", "rtl")
    assert other.value == "ar" and other.description == "اللغة" and calls == ["ar"]
    i18n.set_language("el")
    assert (page.lang, page.dir, menu.value) == ("el", "ltr", "el")


@pytest.mark.parametrize(
    ("lang", "date", "number"),
    [
        ("en", "May 1, 2027", "1,234.5"),
        ("it", "1 maggio 2027", "1.234,5"),
        ("pt", "1 de maio de 2027", "1.234,5"),
        ("es", "1 de mayo de 2027", "1.234,5"),
        ("fr", "1 mai 2027", "1\u202f234,5"),
        ("el", "1 Μαΐου 2027", "1.234,5"),
        ("ar", "1 مايو 2027", "1,234.5"),
    ],
)
def test_dates_and_numbers_follow_the_locale(lang: str, date: str, number: str) -> None:
    i18n.set_language(lang)
    assert i18n.format_date("2027-05-01") == date
    assert i18n.format_number(1234.5) == number
    assert i18n.format_date("not a date") == "not a date"  # typed text is shown as it is


def test_a_board_shows_the_review_date_in_the_chosen_language(recorded: Workspace) -> None:
    from jupyter_ext import boards

    i18n.set_language("fr")
    html = boards.board_html(recorded.roots("consent")[0])
    assert "30 juin 2027" in html and "Tableau" not in html  # the title is the panel's, not here
    assert "Personne qui objecte" in html


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_notebook_introductions_follow_the_language(lang: str) -> None:
    from jupyter_ext.intro import INTROS, Intro

    intro = Intro("consent-decision")
    i18n.set_language(lang)
    title = i18n._(INTROS["consent-decision"][0])
    assert f">{title}</h1>" in intro.text.value
    assert lang == "en" or title != INTROS["consent-decision"][0]


def test_every_notebook_says_how_to_start_in_every_language() -> None:
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        note = nb.cells[0].source
        for lang in LANGUAGES:
            direction = "rtl" if lang == "ar" else "ltr"
            assert f'<p lang="{lang}" dir="{direction}"' in note, (path.name, lang)
        assert f"%s3flow intro {path.stem}" in nb.cells[1].source


def test_engine_errors_are_shown_in_the_chosen_language_and_the_cli_keeps_english(
    recorded: Workspace,
) -> None:
    from s3engine.errors import ActionNotAllowedNow, InvalidField

    missing = InvalidField("review_date", "is required", label="Review date")
    assert str(missing) == "Review date is required."
    i18n.set_language("fr")
    assert str(missing) == "Date de révision : obligatoire."
    i18n.set_language("ar")
    p = recorded.roots("consent")[0]
    with pytest.raises(ActionNotAllowedNow) as refused:
        p.act("present_proposal", "Giulia (tutor)")
    message = str(refused.value)
    assert "غير ممكن الآن" in message and "عرض المقترح" in message, message
    i18n.set_language("en")
    assert "is not possible now" in str(refused.value)
    cli = subprocess.run(  # a program that never chose a language: English
        [
            sys.executable,
            "-c",
            "from s3engine.errors import InvalidField as F; print(F('x', 'is empty'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert cli.stdout.strip() == "X is empty."


def test_a_hidden_round_says_what_it_is_about_in_the_chosen_language(recorded: Workspace) -> None:
    p = recorded.roots("role-selection")[0]
    rounds = [r for r in p.rounds if r.get("about_template")]
    assert rounds and rounds[-1]["about_template"] == "{nominee} as {role}"
    i18n.set_language("el")
    assert (
        i18n._("{nominee} as {role}").format(**rounds[-1]["about_values"])
        == "Sara ως Energy desk host"
    )


def test_a_wrong_field_is_explained_in_the_chosen_language(tmp_path: Path) -> None:
    from s3engine.errors import InvalidField

    ws = Workspace(tmp_path / "ws", clock=fixed_clock())
    i18n.set_language("el")
    with pytest.raises(InvalidField) as wrong:
        ws.start(
            "consent",
            "Ana",
            title="Ράφια για ποδήλατα",
            facilitator="Ana",
            participants=["Ana", "Bo"],
            driver="Τα ποδήλατα κλείνουν το πεζοδρόμιο.",
            requirement="Ασφαλής στάθμευση.",
            proposal="Είκοσι ράφια.",
            review_date="σύντομα",
        )
    assert str(wrong.value) == (
        "Ημερομηνία αναθεώρησης: 'σύντομα': δεν είναι ημερομηνία. Αναμενόμενο: ΕΕΕΕ-ΜΜ-ΗΗ."
    )
    i18n.set_language("en")
    assert str(wrong.value) == "Review date: 'σύντομα' is not a date. Expected: YYYY-MM-DD."


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_workspace_can_be_set_to_each_language(tmp_path: Path, lang: str) -> None:
    ws = Workspace(tmp_path / "ws", clock=fixed_clock())
    ws.configure("Ana", language=lang)
    assert Workspace(tmp_path / "ws").settings["language"] == lang


def test_the_command_line_accepts_every_language(tmp_path: Path) -> None:
    s3flow = Path(sys.executable).with_name("s3flow")
    res = subprocess.run(
        [s3flow, "init", "--workspace", str(tmp_path / "ws"), "--language", "ar"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    assert Workspace(tmp_path / "ws").settings["language"] == "ar"
    bad = subprocess.run(
        [s3flow, "init", "--workspace", str(tmp_path / "ws2"), "--language", "de"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "ar" in bad.stderr  # argparse lists the choices, in English


def test_the_pattern_browser_relabels_its_title_and_menus_keeping_the_filters(
    recorded: Workspace,
) -> None:
    from jupyter_ext.pattern_browser import PatternBrowser

    browser = PatternBrowser(recorded, query="objection")
    browser.phase.value = "consent-decision"
    browser.language.value = "fr"
    assert "Navigateur de patterns" in browser.heading.value
    assert browser.kind.options[0] == ("Tous les patterns", "")
    assert browser.phase.value == "consent-decision"  # the filter chosen is kept
    assert browser.phase.options[0][0] == "Toute phase"
