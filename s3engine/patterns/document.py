"""Indexed documents: one pattern's field texts, term counts, languages and filter values.

A :class:`Document` is what :class:`~s3engine.patterns.search.SearchIndex` keeps per pattern: the
text and term counts of every field (the English fields and ``name.tr``, ``aliases.tr``,
``summary.tr`` over every translation), the terms of each language's text, its names and aliases as
phrases, the words people type for it (for typo matching), the filter values, and the snippet
segments (cut when first needed). :class:`Filters` are the filters of one search.

Allowed imports: standard library, ``s3engine.languages``, ``s3engine.patterns`` (snippet, text).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from s3engine.languages import LANGUAGES
from s3engine.patterns.snippet import Segment, segments
from s3engine.patterns.text import STOPWORDS, WORD_RE, fold, terms

#: The English fields of a document.
BASE_FIELDS = ("name", "aliases", "tags", "summary", "body")
#: Languages of translations (English is the original text).
TRANSLATED = tuple(code for code in LANGUAGES if code != "en")
#: Fields of a translation; each is indexed as one field over every language (``name.tr``,
#: weighted like ``name``), so a document has eight fields however many languages it holds.
TRANSLATED_FIELDS = ("name", "aliases", "summary")
#: Every indexed field: the English ones, then ``name.tr``, ``aliases.tr``, ``summary.tr``.
FIELDS = BASE_FIELDS + tuple(f"{f}.tr" for f in TRANSLATED_FIELDS)
#: Words of names, aliases, tags and summaries at least this long are kept for typo matching.
TYPO_WORD_MIN = 4
#: English fields whose words tell the document's English vocabulary (the body is left out).
_EN_LANG_FIELDS = ("name", "aliases", "tags", "summary")


def _text(value: Any) -> str:
    """A field value as text (lists joined with ``", "``)."""
    if not value:
        return ""
    return value if isinstance(value, str) else ", ".join(value)


class Document:
    """One indexed document: field texts, term counts, filter values, lazy snippet data."""

    __slots__ = (
        "_phrases",
        "_segments",
        "_words",
        "category",
        "counts",
        "key",
        "kind",
        "lang_terms",
        "lengths",
        "phases",
        "sort_name",
        "source",
        "tags",
        "texts",
        "translations",
    )

    def __init__(self, key: str, fields: Mapping[str, Any], meta: Mapping[str, Any]) -> None:
        self.key = key
        self.texts: dict[str, str] = {}
        self.counts: dict[str, Counter[str]] = {}
        self.lengths: dict[str, int] = {}
        raw = fields.get("translations") or {}
        self.translations: dict[str, Mapping[str, Any]] = {
            lang: raw[lang] for lang in TRANSLATED if isinstance(raw.get(lang), Mapping)
        }
        lang_terms: dict[str, set[str]] = {"en": set()}
        for name in BASE_FIELDS:
            text = _text(fields.get(name))
            self.texts[name] = text
            toks = terms(text)
            self.counts[name] = Counter(toks)
            self.lengths[name] = len(toks)
            if name in _EN_LANG_FIELDS:
                lang_terms["en"].update(toks)
        for base in TRANSLATED_FIELDS:
            all_toks: list[str] = []
            for lang, block in self.translations.items():
                text = _text(block.get(base))
                if not text:
                    continue
                self.texts[f"{base}.{lang}"] = text
                toks = terms(text)
                all_toks += toks
                lang_terms.setdefault(lang, set()).update(toks)
            if all_toks:
                self.counts[f"{base}.tr"] = Counter(all_toks)
                self.lengths[f"{base}.tr"] = len(all_toks)
        self.lang_terms = {k: frozenset(v) for k, v in lang_terms.items()}
        self._phrases: frozenset[str] | None = None
        self._words: frozenset[str] | None = None
        self.category = fold(str(meta.get("category") or ""))
        self.source = fold(str(meta.get("source") or ""))
        self.kind = str(meta.get("kind") or "")
        self.phases = frozenset(meta.get("phases") or ())
        self.tags = frozenset(fold(t) for t in meta.get("tags") or ())
        self.sort_name = fold(self.texts["name"])
        self._segments: list[Segment] | None = None

    def segments(self) -> list[Segment]:
        """The snippet segments (see :func:`s3engine.patterns.snippet.segments`), cut once."""
        if self._segments is None:
            self._segments = segments(self.texts, self.translations)
        return self._segments

    def _names(self) -> list[str]:
        """Names and aliases in every language."""
        names = [self.texts["name"], *self.texts["aliases"].split(", ")]
        for block in self.translations.values():
            names += [str(block.get("name") or ""), *(block.get("aliases") or ())]
        return [n for n in names if n]

    @property
    def phrases(self) -> frozenset[str]:
        """Each name and alias (every language) as its index terms joined by spaces (cut once)."""
        if self._phrases is None:
            self._phrases = frozenset(" ".join(terms(n)) for n in self._names())
        return self._phrases

    @property
    def words(self) -> frozenset[str]:
        """Folded words of names, aliases, tags and summaries, for typo matching (cut once)."""
        if self._words is None:
            own = [*self._names(), self.texts["summary"], self.texts["tags"]]
            own += [str(b.get("summary") or "") for b in self.translations.values()]
            self._words = frozenset(
                f
                for text in own
                for f in map(fold, WORD_RE.findall(text))
                if len(f) >= TYPO_WORD_MIN and f not in STOPWORDS
            )
        return self._words

    def summary(self, lang: str) -> str:
        """The summary in ``lang`` (English when there is no translation)."""
        return self.texts.get(f"summary.{lang}") or self.texts["summary"]

    def matches(self, flt: Filters) -> bool:
        """Whether the document passes the filters."""
        if flt.kind is not None and self.kind != flt.kind:
            return False
        if flt.category is not None and self.category != flt.category:
            return False
        if flt.source is not None and flt.source not in self.source:
            return False
        if flt.phase is not None and flt.phase not in self.phases:
            return False
        return flt.tag is None or flt.tag in self.tags


@dataclass(frozen=True)
class Filters:
    """The filters of one search, folded like the documents' values (hashable, so cached)."""

    category: str | None = None
    source: str | None = None
    phase: str | None = None
    tag: str | None = None
    kind: str | None = None

    @classmethod
    def make(
        cls,
        category: str | None = None,
        source: str | None = None,
        phase: str | None = None,
        tag: str | None = None,
        kind: str | None = None,
    ) -> Filters:
        """Filters from the arguments of :meth:`SearchIndex.search` (empty texts are no filter)."""
        return cls(
            fold(category) if category else None,
            fold(source) if source else None,
            phase or None,
            fold(tag) if tag else None,
            kind or None,
        )

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return any(
            v is not None for v in (self.category, self.source, self.phase, self.tag, self.kind)
        )
