"""The interface languages s3flow supports, defined once for the engine, the CLI and the widgets.

Each language is a code (ISO 639-1), its name in itself (as a language menu shows it) and its
writing direction. Translations live with the widgets (``jupyter_ext/locale``); the engine only
needs to know which codes a workspace may be configured with.

Allowed imports: standard library.
"""

from __future__ import annotations

#: Code -> the language's own name, in the order a menu lists them.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "it": "Italiano",
    "pt": "Português",
    "es": "Español",
    "fr": "Français",
    "el": "Ελληνικά",
    "ar": "العربية",
}

#: Languages written right to left.
RIGHT_TO_LEFT = frozenset({"ar"})


def direction(lang: str) -> str:
    """The writing direction of ``lang``: ``"rtl"`` or ``"ltr"`` (the HTML ``dir`` values)."""
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"


class Phrase(str):
    """An English text the engine made from a template and values, translatable by a front end.

    It is a ``str`` (the English, as the CLI and reports show it) that also keeps its
    ``template`` (a catalogue entry, e.g. ``"step {step}: nobody asked a clarifying
    question"``) and its ``values`` (names, numbers and ids, shown as they are; a value that is
    itself a phrase is translated too). A front end shows ``gettext(template).format(**values)``.
    ``tools/extract_messages.py`` collects the templates of every ``Phrase("...")`` in the engine.
    """

    template: str
    values: dict[str, str]

    def __new__(cls, template: str, **values: object) -> Phrase:
        """Make the English text ``template.format(**values)``, keeping both."""
        # A value that is a phrase stays one, so that it is translated too.
        shown = {k: v if isinstance(v, str) else str(v) for k, v in values.items()}
        text = super().__new__(cls, template.format(**shown))
        text.template = template
        text.values = shown
        return text
