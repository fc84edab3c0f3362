"""Interface language for the widgets: gettext catalogues, writing direction, dates and numbers.

Catalogues are ``locale/<lang>/LC_MESSAGES/s3flow.po`` files; their compiled ``.mo`` files are
committed beside them (``tools/extract_messages.py`` writes both, a test checks they match), so the
interface needs only the standard library's gettext at run time. The language comes from the
notebook (``set_language``) or else the workspace setting (``s3flow init --language it``); English
is the fallback. Message ids are the English texts, so engine texts (step titles, guidance, action
names) translate the same way. The supported languages are defined once, in
:mod:`s3engine.languages`.

Dates and numbers are written the way the chosen language writes them (Babel's CLDR data):
``format_date("2027-05-01")`` is "1 mai 2027" in French and "1 مايو 2027" in Arabic.

Engine error messages shown in this kernel are translated too
(:func:`s3engine.errors.set_translator`): their sentence frames and literal problems are in the
catalogues; names, ids and what people typed are shown as they are.

Allowed imports: standard library, babel, s3engine.languages, s3engine.errors.
"""

from __future__ import annotations

import datetime as dt
import gettext
import weakref
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_percent

from s3engine.errors import set_translator
from s3engine.languages import LANGUAGES, direction

__all__ = [
    "LANGUAGES",
    "N_",
    "_",
    "format_date",
    "format_datetime",
    "format_number",
    "format_percent",
    "format_score",
    "language",
    "listen",
    "ngettext",
    "say",
    "set_language",
    "text_direction",
]

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "s3flow"

_current = {"lang": "en"}
#: Called with the new code after every language change (e.g. to set the page's lang and dir).
_listeners: weakref.WeakSet[Any] = weakref.WeakSet()


@lru_cache(maxsize=16)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``lang`` (NullTranslations for English or a missing catalogue)."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def set_language(lang: str) -> None:
    """Choose the interface language for this kernel.

    Args:
        lang: A language code of ``LANGUAGES`` (en, it, pt, es, fr, el, ar).

    Raises:
        ValueError: The language is not supported.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"Unsupported language {lang!r}; choose one of {', '.join(LANGUAGES)}.")
    _current["lang"] = lang
    # Engine messages shown in this kernel follow the language too; the CLI keeps English.
    set_translator(None if lang == "en" else translations(lang).gettext)
    for listener in list(_listeners):
        listener.language_changed(lang)


def listen(listener: Any) -> None:
    """Call ``listener.language_changed(code)`` after each language change (held weakly)."""
    _listeners.add(listener)


def language() -> str:
    """The current interface language code."""
    return _current["lang"]


def text_direction(lang: str | None = None) -> str:
    """``"rtl"`` or ``"ltr"``: the HTML ``dir`` of ``lang`` (default: the current language)."""
    return direction(lang or _current["lang"])


def _(text: str) -> str:
    """Translate an interface text into the current language."""
    if not text:
        return text
    return translations(_current["lang"]).gettext(text)


def N_(text: str) -> str:  # the gettext convention: "mark now, translate later"
    """Mark ``text`` for the catalogues without translating it now (``_()`` translates it later).

    For texts kept in tables at import time, before a language is chosen: board titles, column
    headings. ``tools/extract_messages.py`` collects ``N_("...")`` like ``_("...")``.
    """
    return text


def say(text: str) -> str:
    """Translate a text the engine made (a :class:`s3engine.languages.Phrase`), or any text.

    A phrase is translated by its template and filled with its values (names and numbers, shown
    as they are); a plain text is looked up as it is.
    """
    template = getattr(text, "template", None)
    if isinstance(template, str):
        values = getattr(text, "values", {})
        return _(template).format(
            **{k: say(v) if hasattr(v, "template") else v for k, v in values.items()}
        )
    return _(text)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with plural forms."""
    return translations(_current["lang"]).ngettext(singular, plural, n)


def _as_date(value: object) -> dt.date | dt.datetime | None:
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if len(text) <= 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def format_date(value: object, length: str = "long") -> str:
    """A date written the current language's way.

    Args:
        value: A ``date``/``datetime`` or an ISO text ("2027-05-01"); anything else (a text that
            is not a date, e.g. typed by a user) is shown as it is.
        length: Babel's format length: ``short``, ``medium``, ``long`` or ``full``.
    """
    d = _as_date(value)
    if d is None:
        return "" if value is None else str(value)
    day = d.date() if isinstance(d, dt.datetime) else d
    return babel_date(day, length, locale=_current["lang"])


def format_datetime(value: object, length: str = "short") -> str:
    """A moment (journal times are UTC) written the current language's way, in UTC.

    Args:
        value: A ``datetime`` or an ISO text ("2027-05-01T14:30:00Z"); a bare date is written as a
            date; anything else is shown as it is.
        length: Babel's format length: ``short``, ``medium``, ``long`` or ``full``.
    """
    d = _as_date(value)
    if d is None:
        return "" if value is None else str(value)
    if not isinstance(d, dt.datetime):
        return format_date(d)
    if d.tzinfo is not None:
        d = d.astimezone(dt.UTC).replace(tzinfo=None)
    return babel_datetime(d, length, locale=_current["lang"])


def format_number(value: float | int | str, digits: int = 2) -> str:
    """A number written the current language's way (decimal separator, grouping).

    Args:
        value: The number (a numeric text is accepted; anything else is shown as it is).
        digits: At most this many decimals.
    """
    try:
        number = float(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return format_decimal(number, format=pattern, locale=_current["lang"])


def format_score(value: float | None, signed: bool = False) -> str:
    """An evaluation score (two decimals, the language's separator), "—" when there is none.

    Args:
        value: The score or a difference of scores.
        signed: Show the sign (for differences).
    """
    if value is None:
        return "—"
    pattern = "+#,##0.00;-#,##0.00" if signed else "#,##0.00"
    return format_decimal(value, format=pattern, locale=_current["lang"])


def format_percent(value: float) -> str:
    """A share given in per cent (0 to 100), written the language's way ("40 %", "40%")."""
    return babel_percent(value / 100, locale=_current["lang"])
