"""Interface language for the widgets: gettext catalogues (English, Italian, Portuguese, Spanish).

Catalogues are ``locale/<lang>/LC_MESSAGES/s3flow.po`` files; their compiled ``.mo`` files are
committed beside them (``tools/extract_messages.py`` writes both, a test checks they match), so the
interface needs only the standard library's gettext at run time. The language comes from the
notebook (``set_language``) or else the workspace setting (``s3flow init --language it``); English
is the fallback. Message ids are the English texts, so engine texts (step titles, guidance, action
names) translate the same way.

Allowed imports: standard library.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

LANGUAGES = {"en": "English", "it": "Italiano", "pt": "Português", "es": "Español"}
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "s3flow"

_current = {"lang": "en"}


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``lang`` (NullTranslations for English or a missing catalogue)."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def set_language(lang: str) -> None:
    """Choose the interface language for this kernel.

    Args:
        lang: A language code of ``LANGUAGES`` (en, it, pt, es).

    Raises:
        ValueError: The language is not supported.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"Unsupported language {lang!r}; choose one of {', '.join(LANGUAGES)}.")
    _current["lang"] = lang


def language() -> str:
    """The current interface language code."""
    return _current["lang"]


def _(text: str) -> str:
    """Translate an interface text into the current language."""
    if not text:
        return text
    return translations(_current["lang"]).gettext(text)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with plural forms."""
    return translations(_current["lang"]).ngettext(singular, plural, n)
