"""Helpers for the language tests: every text a panel shows, and the English words left in it.

``visible_texts(widget)`` walks a real ipywidgets tree the way a reader sees it: labels and
descriptions, drop-down entries, button texts, tooltips, placeholders, folded-panel titles, and the
text of every HTML widget (with its ``aria-label`` and ``title`` attributes, which screen readers
say). ``english_words(texts, data)`` returns the words in Latin script that are neither user data
(what people typed, recorded in the journal) nor on the small allow-list of names that are the
same in every language.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import ipywidgets as w
from babel.messages.pofile import read_po

from s3engine.core.workspace import Workspace
from s3engine.languages import LANGUAGES

LOCALE = Path(__file__).resolve().parents[1] / "jupyter_ext" / "locale"

#: Names that stay as they are in every language, with why.
SAME_IN_EVERY_LANGUAGE = {
    "S3",  # Sociocracy 3.0, a name
    "MiTS",  # Municipalities in Transition, a name
    "LIT",  # the MiTS Local Implementation Team's name in its own guide (kept in it/fr/el)
    "UTC",  # the time zone of closing times
    "YAML",  # a file format
    "YYYY",  # the date format people type in (YYYY-MM-DD HH:MM)
    "MM",
    "DD",
    "HH",
    "s3flow",  # the program's name
    "cycle",  # cycle=<id>: a field name typed on the command line
    *(word for name in LANGUAGES.values() for word in name.split()),  # the language menu
}

TAG = re.compile(r"<(style|script)[^>]*>.*?</\1>|<[^>]+>", re.S)
ATTRS = re.compile(r"""(?:aria-label|title|alt)=(["'])(.*?)\1""")
LATIN_WORD = re.compile(r"[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ']+")


def _html_texts(value: str) -> Iterator[str]:
    for m in ATTRS.finditer(value):
        yield html.unescape(m.group(2))
    yield html.unescape(TAG.sub(" ", value))


def visible_texts(widget: Any) -> list[str]:
    """Every text ``widget`` and its children show (hidden widgets included: they may appear)."""
    out: list[str] = []

    def walk(x: Any) -> None:
        if isinstance(x, w.HTML | w.HTMLMath):
            out.extend(_html_texts(str(x.value)))
        elif isinstance(x, w.Label):
            out.append(str(x.value))
        for name in ("description", "tooltip", "placeholder"):
            value = getattr(x, name, None)
            if isinstance(value, str) and value:
                out.extend(_html_texts(value) if name == "description" else [value])
        labels = getattr(x, "_options_labels", None)
        if labels:
            out.extend(str(v) for v in labels)
        titles = getattr(x, "titles", None)
        if isinstance(titles, tuple | list):
            out.extend(str(t) for t in titles if t)
        for child in getattr(x, "children", ()) or ():
            walk(child)

    walk(widget)
    return [t for t in out if t.strip()]


def journal_data(ws: Workspace) -> set[str]:
    """What people typed or chose, as recorded in the journal (texts of 2+ characters)."""
    found: set[str] = set()

    def add(v: Any) -> None:
        if isinstance(v, str) and len(v) > 1:
            found.add(v)
        elif isinstance(v, dict):
            for x in v.values():
                add(x)
        elif isinstance(v, list | tuple):
            for x in v:
                add(x)

    for event in ws.events():
        add(event.get("actor"))
        add(event.get("process"))
        add(event.get("data"))
    return found


@lru_cache(maxsize=1)
def catalogue_ids() -> frozenset[str]:
    """Every interface text of the template catalogue (``jupyter_ext/locale/s3flow.pot``)."""
    with open(LOCALE / "s3flow.pot", "rb") as fh:
        return frozenset(str(m.id) for m in read_po(fh) if m.id)


def english_texts(texts: Iterable[str], data: Iterable[str] = ()) -> dict[str, set[str]]:
    """Like :func:`english_words`, by text: each text that still has English words, and them."""
    out: dict[str, set[str]] = {}
    for text in texts:
        words = english_words([text], data)
        if words:
            out[text] = words
    return out


def english_words(texts: Iterable[str], data: Iterable[str] = ()) -> set[str]:
    """Words in Latin script left in ``texts`` once user ``data`` and the allow-list are removed.

    Args:
        texts: What the panel shows (see :func:`visible_texts`).
        data: User data (names, titles, typed texts, ids) that may be in any script.
    """
    # A recorded value that is an interface text (a signal, an outcome) must be shown translated.
    texts_to_translate = catalogue_ids()
    values = sorted({d for d in data if d and d not in texts_to_translate}, key=len, reverse=True)
    # A long text may be shown shortened ("Residents get reliable, free…"): its words count too.
    typed = {w for v in values if " " in v for w in LATIN_WORD.findall(v)}
    words: set[str] = set()
    for text in texts:
        for value in values:
            if value in text:
                text = text.replace(value, " ")
        text = re.sub(r"\b[\w-]+-\d+\b", " ", text)  # process ids (consent-1), pattern ids
        text = re.sub(r"'[a-z_-]+'", " ", text)  # a value to type, quoted ('recommended')
        for word in LATIN_WORD.findall(text):
            if word in SAME_IN_EVERY_LANGUAGE or word in typed:
                continue
            if any(t.startswith(word) for t in typed):  # cut at a word's middle
                continue
            words.add(word)
    return words
