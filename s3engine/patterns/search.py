"""The search index: ranked full-text search over patterns (BM25F), with filters.

Each document has the fields name, aliases, tags, summary and body, weighted name > aliases > tags >
summary > body; their words become index terms with :mod:`s3engine.patterns.text`. All
per-document work happens when documents are added: the index keeps, per term, the finished BM25F
contribution of every document holding it, so a query only walks the postings of its own terms and
then builds snippets (:mod:`s3engine.patterns.snippet`) for the few hits it returns. The benchmark
lives in :mod:`s3engine.bench.search`.

Allowed imports: standard library, ``s3engine.patterns.text``, ``s3engine.patterns.snippet``.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from s3engine.patterns.snippet import MARKS, Segment, segments, snippet
from s3engine.patterns.text import fold, query_terms, terms

#: Field weights (BM25F) and length normalisation per field.
FIELD_WEIGHTS: dict[str, float] = {
    "name": 4.0,
    "aliases": 3.0,
    "tags": 2.5,
    "summary": 1.5,
    "body": 1.0,
}
FIELD_B: dict[str, float] = {"name": 0.4, "aliases": 0.4, "tags": 0.3, "summary": 0.6, "body": 0.75}
K1 = 1.2
FIELDS = tuple(FIELD_WEIGHTS)
#: Query terms of at least this many letters also match the index terms they begin.
PREFIX_MIN = 4
#: At most this many index terms per prefix.
PREFIX_MAX_TERMS = 12


@dataclass(frozen=True)
class Hit:
    """One search result.

    Attributes:
        key: Key of the document (a pattern key).
        score: BM25F score (higher is better; 0 for filter-only listings).
        snippet: A short passage showing why it matched, matches wrapped in ``**``.
        matched: The query terms found in the document.
        fields: The fields where they were found.
    """

    key: str
    score: float
    snippet: str
    matched: tuple[str, ...]
    fields: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """Plain-data view (the score rounded to 4 decimals), for JSON output."""
        return {
            "key": self.key,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "matched": list(self.matched),
            "fields": list(self.fields),
        }


class _Doc:
    """One indexed document: field texts, term counts, filter values, lazy snippet data."""

    __slots__ = (
        "_segments",
        "category",
        "counts",
        "key",
        "kind",
        "lengths",
        "phases",
        "sort_name",
        "source",
        "tags",
        "texts",
    )

    def __init__(self, key: str, fields: Mapping[str, Any], meta: Mapping[str, Any]) -> None:
        self.key = key
        self.texts: dict[str, str] = {}
        self.counts: dict[str, Counter[str]] = {}
        self.lengths: dict[str, int] = {}
        for name in FIELDS:
            value = fields.get(name) or ""
            text = value if isinstance(value, str) else ", ".join(value)
            self.texts[name] = text
            toks = terms(text)
            self.counts[name] = Counter(toks)
            self.lengths[name] = len(toks)
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
            self._segments = segments(self.texts)
        return self._segments

    def matches(self, flt: _Filters) -> bool:
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
class _Filters:
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
    ) -> _Filters:
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


class SearchIndex:
    """A BM25F index over documents with the fields name, aliases, tags, summary and body.

    Args:
        weights: Field weights (defaults to :data:`FIELD_WEIGHTS`).
    """

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self.weights = dict(weights or FIELD_WEIGHTS)
        self._docs: dict[str, _Doc] = {}
        self._order: list[_Doc] = []
        self._postings: dict[str, dict[int, float]] = {}
        self._vocab: list[str] = []
        self._filtered: dict[_Filters, frozenset[int]] = {}
        self._dirty = False

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, key: object) -> bool:
        return key in self._docs

    def add(
        self, key: str, fields: Mapping[str, Any], meta: Mapping[str, Any] | None = None
    ) -> None:
        """Add or replace one document.

        Args:
            key: Unique key.
            fields: ``name``, ``aliases`` (list), ``tags`` (list), ``summary``, ``body``.
            meta: Filter values: ``category``, ``source``, ``kind``, ``phases``, ``tags``.
        """
        self._docs[key] = _Doc(key, fields, meta or {})
        self._dirty = True

    def remove(self, key: str) -> None:
        """Remove a document if present."""
        if self._docs.pop(key, None) is not None:
            self._dirty = True

    def keys(self) -> list[str]:
        """Keys of every document."""
        return list(self._docs)

    def _build(self) -> None:
        """Compute every posting's BM25F contribution (after adds and removes)."""
        docs = list(self._docs.values())
        n = len(docs)
        avg = {f: (sum(d.lengths[f] for d in docs) / n if n else 0.0) or 1.0 for f in FIELDS}
        df: Counter[str] = Counter()
        for d in docs:
            seen: set[str] = set()
            for f in FIELDS:
                seen.update(d.counts[f])
            df.update(seen)
        idf = {t: math.log(1.0 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        postings: dict[str, dict[int, float]] = {}
        weights = self.weights
        for i, d in enumerate(docs):
            acc: dict[str, float] = {}
            for f in FIELDS:
                counts = d.counts[f]
                if not counts:
                    continue
                b = FIELD_B[f]
                k = K1 * (1.0 - b + b * d.lengths[f] / avg[f])
                wf = weights[f] * (K1 + 1.0)
                for t, c in counts.items():
                    acc[t] = acc.get(t, 0.0) + wf * c / (k + c)
            for t, tf in acc.items():
                w = idf[t] * tf
                p = postings.get(t)
                if p is None:
                    postings[t] = {i: w}
                else:
                    p[i] = w
        self._order = docs
        self._postings = postings
        self._vocab = sorted(postings)
        self._filtered = {}
        self._dirty = False

    def _allowed(self, flt: _Filters) -> frozenset[int]:
        """Positions of the documents passing ``flt`` (cached until the next change)."""
        allowed = self._filtered.get(flt)
        if allowed is None:
            allowed = frozenset(i for i, d in enumerate(self._order) if d.matches(flt))
            if len(self._filtered) > 64:
                self._filtered.clear()
            self._filtered[flt] = allowed
        return allowed

    def _expand(self, t: str) -> list[tuple[str, float]]:
        """Index terms for one query term: itself, else (for 4+ letters) terms it begins."""
        if t in self._postings:
            return [(t, 1.0)]
        if len(t) < PREFIX_MIN:
            return []
        vocab = self._vocab
        i = bisect_left(vocab, t)
        out: list[tuple[str, float]] = []
        while i < len(vocab) and vocab[i].startswith(t) and len(out) < PREFIX_MAX_TERMS:
            out.append((vocab[i], 0.7))
            i += 1
        return out

    def search(
        self,
        query: str,
        limit: int = 10,
        category: str | None = None,
        source: str | None = None,
        phase: str | None = None,
        tag: str | None = None,
        kind: str | None = None,
        marks: tuple[str, str] = MARKS,
    ) -> list[Hit]:
        """The best ``limit`` documents for ``query`` that pass the filters.

        Args:
            query: Free text in any of the supported languages; empty lists the filtered documents
                by name.
            limit: Maximum number of hits.
            category: Only this category (exact, accents and case ignored).
            source: Only documents whose source contains this text.
            phase: Only documents listing this phase.
            tag: Only documents with this tag.
            kind: ``s3`` or ``toolbox``.
            marks: Strings put before and after each matched word in snippets.

        Returns:
            The hits, best first (ties in document order).
        """
        if self._dirty:
            self._build()
        flt = _Filters.make(category, source, phase, tag, kind)
        qterms = query_terms(query or "")
        docs = self._order
        if not qterms:
            chosen = sorted((d for d in docs if d.matches(flt)), key=lambda d: d.sort_name)
            return [Hit(d.key, 0.0, d.texts["summary"], (), ()) for d in chosen[:limit]]
        expanded: dict[str, list[str]] = {}
        acc: dict[int, float] = {}
        for qt in qterms:
            expanded[qt] = []
            for t, factor in self._expand(qt):
                expanded[qt].append(t)
                p = self._postings[t]
                if not acc:
                    acc = {i: w * factor for i, w in p.items()} if factor != 1.0 else dict(p)
                    continue
                get = acc.get
                if factor == 1.0:
                    for i, w in p.items():
                        acc[i] = get(i, 0.0) + w
                else:
                    for i, w in p.items():
                        acc[i] = get(i, 0.0) + w * factor
        if not acc:
            return []
        items: Iterable[tuple[int, float]] = acc.items()
        if flt.active:
            allowed = self._allowed(flt)
            items = [(i, s) for i, s in items if i in allowed]
        if len(qterms) > 1:
            # Prefer documents holding more of the query's words (coordination), among the best.
            nq = len(qterms)
            postings = self._postings
            top = heapq.nlargest(max(limit * 5, 50), items, key=lambda kv: kv[1])
            candidates: Iterable[tuple[int, float]] = [
                (
                    i,
                    s
                    * (
                        0.5
                        + 0.5
                        * sum(1 for ts in expanded.values() if any(i in postings[t] for t in ts))
                        / nq
                    ),
                )
                for i, s in top
            ]
        else:
            candidates = items
        best = heapq.nlargest(limit, candidates, key=lambda kv: (kv[1], -kv[0]))
        out = []
        for i, score in best:
            d = docs[i]
            found = {qt for qt, ts in expanded.items() if any(i in self._postings[t] for t in ts)}
            terms_found = {t for qt in found for t in expanded[qt]}
            fields = tuple(f for f in FIELDS if any(t in d.counts[f] for t in terms_found))
            out.append(
                Hit(
                    d.key,
                    score,
                    snippet(d.segments(), d.texts["summary"], terms_found, marks),
                    tuple(sorted(found)),
                    fields,
                )
            )
        return out
