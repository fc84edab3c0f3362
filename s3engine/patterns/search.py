"""The search index: ranked full-text search over patterns (BM25F), in every language, with filters.

Each document has the fields name, aliases, tags, summary and body, weighted name > aliases > tags >
summary > body, plus the name, aliases and summary of each translation (weighted like the English
ones); their words become index terms with :mod:`s3engine.patterns.text`. All per-document work
happens when documents are added: the index keeps, per term, the finished BM25F contribution of
every document holding it, so a query only walks the postings of its own terms and then builds
snippets (:mod:`s3engine.patterns.snippet`) for the few hits it returns.

A query term that is no index term matches the terms it begins (4+ letters), else the terms within
one or two edits (a typo: ``objecton``, ``consnet``; RapidFuzz's optimal string alignment
distance). The query's language is told by its script, its words and its stop words
(:meth:`SearchIndex.language_of`); documents whose text in that language (or the one asked for)
holds the query's words rank first, and each hit says which language matched. The benchmark lives
in :mod:`s3engine.bench.search`.

Allowed imports: standard library, ``rapidfuzz``, ``s3engine.languages``,
``s3engine.patterns`` (document, snippet, text).
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from s3engine.languages import LANGUAGES
from s3engine.patterns.document import FIELDS, Document, Filters
from s3engine.patterns.snippet import MARKS, snippet
from s3engine.patterns.text import (
    LANGUAGE_STOPWORDS,
    WORD_RE,
    fold,
    query_terms,
    script_of,
    term,
    terms,
)

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
#: Query terms of at least this many letters also match the index terms they begin.
PREFIX_MIN = 4
#: At most this many index terms per prefix.
PREFIX_MAX_TERMS = 12
#: Query terms of at least this many letters that match nothing are looked up as typos.
FUZZY_MIN = 5
#: From this length a typo may be two edits away (else one).
FUZZY_TWO_EDITS = 8
#: At most this many index terms per typo, and the weight of a match one or two edits away.
FUZZY_MAX_TERMS = 4
FUZZY_FACTOR = {1: 0.6, 2: 0.35}
#: How much a document gains when the query's words are in its text in the preferred language.
LANG_BOOST = 0.5
#: The factor for a document that has the whole query as a name or alias (in any language).
PHRASE_BOOST = 1.5


def _base(field: str) -> str:
    """The English field a (translated) field is weighted like: ``name.it`` gives ``name``."""
    return field.split(".", 1)[0]


@dataclass(frozen=True)
class Hit:
    """One search result.

    Attributes:
        key: Key of the document (a pattern key).
        score: BM25F score (higher is better; 0 for filter-only listings).
        snippet: A short passage showing why it matched, matches wrapped in ``**``.
        matched: The query terms found in the document.
        fields: The fields where they were found (``name.tr`` ... for translations).
        lang: The language whose text matched best (the snippet is in it).
        corrected: Query terms that matched only as typos, each with the words (or index terms)
            it was read as.
    """

    key: str
    score: float
    snippet: str
    matched: tuple[str, ...]
    fields: tuple[str, ...]
    lang: str = "en"
    corrected: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain-data view (the score rounded to 4 decimals), for JSON output."""
        return {
            "key": self.key,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "matched": list(self.matched),
            "fields": list(self.fields),
            "lang": self.lang,
            "corrected": {q: list(ts) for q, ts in self.corrected},
        }


class SearchIndex:
    """A BM25F index over documents with the fields name, aliases, tags, summary and body.

    Args:
        weights: Field weights (defaults to :data:`FIELD_WEIGHTS`).
    """

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self.weights = dict(weights or FIELD_WEIGHTS)
        self._docs: dict[str, Document] = {}
        self._order: list[Document] = []
        self._postings: dict[str, dict[int, float]] = {}
        self._vocab: list[str] = []
        self._lang_vocab: dict[str, frozenset[str]] = {}
        self._word_terms: dict[str, str] = {}
        self._words: list[str] = []
        self._filtered: dict[Filters, frozenset[int]] = {}
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
            fields: ``name``, ``aliases`` (list), ``tags`` (list), ``summary``, ``body`` and
                ``translations`` (``{lang: {"name", "summary", "aliases"}}``).
            meta: Filter values: ``category``, ``source``, ``kind``, ``phases``, ``tags``.
        """
        self._docs[key] = Document(key, fields, meta or {})
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
        avg: dict[str, float] = {}
        for f in FIELDS:
            lengths = [d.lengths[f] for d in docs if f in d.lengths]
            avg[f] = (sum(lengths) / len(lengths) if lengths else 0.0) or 1.0
        df: Counter[str] = Counter()
        for d in docs:
            seen: set[str] = set()
            for counts in d.counts.values():
                seen.update(counts)
            df.update(seen)
        idf = {t: math.log(1.0 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        postings: dict[str, dict[int, float]] = {}
        weights = self.weights
        lang_vocab: dict[str, set[str]] = {}
        for i, d in enumerate(docs):
            acc: dict[str, float] = {}
            for f, counts in d.counts.items():
                if not counts:
                    continue
                base = _base(f)
                b = FIELD_B[base]
                k = K1 * (1.0 - b + b * d.lengths[f] / avg[f])
                wf = weights[base] * (K1 + 1.0)
                for t, c in counts.items():
                    acc[t] = acc.get(t, 0.0) + wf * c / (k + c)
            for t, tf in acc.items():
                w = idf[t] * tf
                p = postings.get(t)
                if p is None:
                    postings[t] = {i: w}
                else:
                    p[i] = w
            for lang, ts in d.lang_terms.items():
                lang_vocab.setdefault(lang, set()).update(ts)
        self._order = docs
        self._postings = postings
        self._vocab = sorted(postings)
        self._lang_vocab = {k: frozenset(v) for k, v in lang_vocab.items()}
        self._word_terms = {}
        self._words = []
        self._filtered = {}
        self._dirty = False

    def _allowed(self, flt: Filters) -> frozenset[int]:
        """Positions of the documents passing ``flt`` (cached until the next change)."""
        allowed = self._filtered.get(flt)
        if allowed is None:
            allowed = frozenset(i for i, d in enumerate(self._order) if d.matches(flt))
            if len(self._filtered) > 64:
                self._filtered.clear()
            self._filtered[flt] = allowed
        return allowed

    def _expand(self, t: str, raw: str = "") -> tuple[list[tuple[str, float]], tuple[str, ...]]:
        """Index terms for one query term, and the words or terms a typo was read as.

        The term itself when indexed; else (4+ letters) the terms it begins; else (5+ letters)
        a typo: the words of names, aliases, tags and summaries one edit away from the typed word
        ``raw`` (two from 8 letters; a transposition counts as one), else the index terms as far
        from the term.
        """
        if t in self._postings:
            return [(t, 1.0)], ()
        if len(t) < PREFIX_MIN:
            return [], ()
        vocab = self._vocab
        i = bisect_left(vocab, t)
        out: list[tuple[str, float]] = []
        while i < len(vocab) and vocab[i].startswith(t) and len(out) < PREFIX_MAX_TERMS:
            out.append((vocab[i], 0.7))
            i += 1
        if out or len(raw or t) < FUZZY_MIN:
            return out, ()
        if raw and not self._words:
            self._typo_words()
        for typed, choices in ((raw, self._words), (t, vocab)):
            if not typed or len(typed) < FUZZY_MIN:
                continue
            edits = 2 if len(typed) >= FUZZY_TWO_EDITS else 1
            found = process.extract(
                typed, choices, scorer=OSA.distance, score_cutoff=edits, limit=FUZZY_MAX_TERMS
            )
            if not found:
                continue
            best = min(int(d) for _v, d, _i in found)
            near = [v for v, d, _i in found if d == best]
            as_terms = [self._word_terms.get(v, v) for v in near]
            hits = list(dict.fromkeys(x for x in as_terms if x in self._postings))
            if hits:
                return [(x, FUZZY_FACTOR[best]) for x in hits], tuple(near)
        return [], ()

    def _typo_words(self) -> None:
        """The words typos are matched against, and their index terms (at the first typo)."""
        word_terms: dict[str, str] = {}
        for d in self._order:
            for word in d.words:
                if word not in word_terms:
                    word_terms[word] = term(word) or word
        self._word_terms = word_terms
        self._words = sorted(word_terms)

    def language_of(self, query: str, prefer: str | None = None) -> str | None:
        """The language a query is written in, when its script, words or stop words tell.

        Args:
            query: Free text.
            prefer: Chosen when it is among equally likely languages (e.g. the interface
                language for ``consenso``, which is Italian, Portuguese and Spanish).

        Returns:
            A language code, or None when the words fit several languages equally.
        """
        if self._dirty:
            self._build()
        words = WORD_RE.findall(query or "")
        for w in words:
            script = script_of(w)
            if script != "latin":
                return script
        folded = [fold(w) for w in words]
        qterms = query_terms(query or "")
        scores: dict[str, float] = {}
        for lang in LANGUAGES:
            vocab = self._lang_vocab.get(lang, frozenset())
            stops = LANGUAGE_STOPWORDS.get(lang, frozenset())
            score = sum(1.0 for t in qterms if t in vocab)
            score += sum(0.5 for w in folded if w in stops)
            if score:
                scores[lang] = score
        if not scores:
            return None
        best = max(scores.values())
        tied = [lang for lang, sc in scores.items() if sc == best]
        if len(tied) == 1:
            return tied[0]
        return prefer if prefer in tied else None

    def display_language(self, query: str, interface: str | None) -> str:
        """The language to show results in (the user's language).

        The interface language, unless it is English (the default) and the query is clearly in
        another language, which is then the user's.

        Args:
            query: The words searched for.
            interface: The interface language (None: English).

        Returns:
            A language code.
        """
        if interface and interface != "en":
            return interface
        return self.language_of(query) or "en"

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
        lang: str | None = None,
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
            lang: The user's language (the interface's): preferred when the query's own language
                is unclear; documents matching in the preferred language rank first.

        Returns:
            The hits, best first (ties in document order).
        """
        if self._dirty:
            self._build()
        flt = Filters.make(category, source, phase, tag, kind)
        qterms = query_terms(query or "")
        docs = self._order
        if not qterms:
            chosen = sorted((d for d in docs if d.matches(flt)), key=lambda d: d.sort_name)
            return [
                Hit(d.key, 0.0, d.summary(lang or "en"), (), (), lang or "en")
                for d in chosen[:limit]
            ]
        expanded: dict[str, list[str]] = {}
        corrected: list[tuple[str, tuple[str, ...]]] = []
        acc: dict[int, float] = {}
        typed: dict[str, str] = {}
        for w in WORD_RE.findall(query):
            t = term(w)
            if t is not None:
                typed.setdefault(t, fold(w))
        for qt in qterms:
            expanded[qt] = []
            found_terms, read_as = self._expand(qt, typed.get(qt, ""))
            if read_as:
                corrected.append((qt, read_as))
            for t, factor in found_terms:
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
        prefer = self.language_of(query, lang) or lang or "en"
        nq = len(qterms)
        postings = self._postings

        def held(i: int, vocab: frozenset[str] | None = None) -> int:
            """How many of the query's words document ``i`` holds (in ``vocab`` when given)."""
            return sum(
                1
                for ts in expanded.values()
                if any(i in postings[t] and (vocab is None or t in vocab) for t in ts)
            )

        phrase = " ".join(terms(query))
        # Prefer documents holding more of the query's words (coordination), holding them in the
        # preferred language, and having the query as one of their names or aliases, among the
        # best.
        top = heapq.nlargest(max(limit * 5, 50), items, key=itemgetter(1))
        candidates: Iterable[tuple[int, float]] = [
            (
                i,
                s
                * (0.5 + 0.5 * held(i) / nq if nq > 1 else 1.0)
                * (
                    1.0 + LANG_BOOST * held(i, docs[i].lang_terms.get(prefer)) / nq
                    if prefer != "en"
                    else 1.0
                )
                * (PHRASE_BOOST if phrase in docs[i].phrases else 1.0),
            )
            for i, s in top
        ]
        best = heapq.nlargest(limit, candidates, key=lambda kv: (kv[1], -kv[0]))
        out = []
        for i, score in best:
            d = docs[i]
            found = {qt for qt, ts in expanded.items() if any(i in postings[t] for t in ts)}
            terms_found = {t for qt in found for t in expanded[qt]}
            fields = tuple(
                f for f, counts in d.counts.items() if not counts.keys().isdisjoint(terms_found)
            )
            hit_lang = self._hit_language(d, terms_found, prefer)
            out.append(
                Hit(
                    d.key,
                    score,
                    snippet(d.segments(), d.summary(hit_lang), terms_found, marks, lang=hit_lang),
                    tuple(sorted(found)),
                    fields,
                    hit_lang,
                    tuple(c for c in corrected if c[0] in found),
                )
            )
        return out

    @staticmethod
    def _hit_language(d: Document, found: set[str], prefer: str) -> str:
        """The language whose text of ``d`` holds most of the matched terms (``prefer`` on ties)."""
        own = d.lang_terms.get(prefer, frozenset())
        best, best_n = prefer, sum(1 for t in found if t in own)
        for lang, vocab in d.lang_terms.items():
            n = sum(1 for t in found if t in vocab)
            if n > best_n:
                best, best_n = lang, n
        return best if best_n else "en"
