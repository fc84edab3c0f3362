"""Interface language for the widgets: gettext catalogues (English, Italian, Portuguese, Spanish).

Catalogues are ``locale/<lang>/LC_MESSAGES/s3flow.po`` files compiled with Babel when first used
(no compiled files need to be committed). The language comes from the notebook (``set_language``)
or else the workspace setting (``s3flow init --language it``); English is the fallback. Message ids
are the English texts, so engine texts (step titles, guidance, action names) translate the same way.

Allowed imports: standard library, babel.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

LANGUAGES = {"en": "English", "it": "Italiano", "pt": "Português", "es": "Español"}
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "s3flow"

_current = {"lang": "en"}


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``lang`` (NullTranslations for English or a missing catalogue)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == "en" or not po.exists():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def set_language(lang: str) -> None:
    """Choose the interface language for this kernel."""
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
