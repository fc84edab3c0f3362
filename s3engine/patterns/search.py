"""Ranked full-text search over patterns (BM25F), with filters and "why it matched" snippets.

Text is folded (Unicode NFKD, accents dropped, case-folded) so Italian, Portuguese and Spanish words
match with or without accents, stop words of those languages and English are dropped, and every word
is cut to a simple stem (English plural and verb endings, a few Romance ones). Each document has the
fields name, aliases, tags, summary and body, weighted name > aliases > tags > summary > body.

All per-document work happens when documents are added: the index keeps, per term, the finished
BM25F contribution of every document holding it, so a query only walks the postings of its own terms
and then builds snippets for the few hits it returns. :func:`bench_search` measures the latency over
the shipped patterns and over 10,000 generated ones.

Allowed imports: standard library, s3engine (``pattern_db`` lazily, for the benchmark).
"""

from __future__ import annotations

import heapq
import math
import re
import time
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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
MARKS = ("**", "**")
SNIPPET_WORDS = 24
PREFIX_MIN = 4
PREFIX_MAX_TERMS = 12

WORD_RE = re.compile(r"[^\W_]+")
COMBINING_RE = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "down",
        "during",
        "each",
        "either",
        "else",
        "ever",
        "every",
        "few",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "getting",
        "go",
        "goes",
        "going",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "lets",
        "like",
        "make",
        "makes",
        "me",
        "might",
        "more",
        "most",
        "much",
        "must",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "one",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "per",
        "please",
        "same",
        "shall",
        "she",
        "should",
        "so",
        "some",
        "someone",
        "somebody",
        "something",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "thus",
        "to",
        "too",
        "under",
        "until",
        "up",
        "us",
        "very",
        "via",
        "want",
        "wants",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "yet",
        "you",
        "your",
        "yours",
        "il",
        "lo",
        "la",
        "i",
        "gli",
        "le",
        "un",
        "uno",
        "una",
        "di",
        "da",
        "del",
        "della",
        "dei",
        "delle",
        "degli",
        "al",
        "alla",
        "ai",
        "agli",
        "alle",
        "dal",
        "dalla",
        "nel",
        "nella",
        "nei",
        "nelle",
        "sul",
        "sulla",
        "con",
        "per",
        "tra",
        "fra",
        "che",
        "chi",
        "cui",
        "non",
        "come",
        "dove",
        "quando",
        "perche",
        "piu",
        "e",
        "ed",
        "o",
        "ma",
        "se",
        "anche",
        "ci",
        "si",
        "ne",
        "mi",
        "ti",
        "vi",
        "noi",
        "voi",
        "loro",
        "suo",
        "sua",
        "suoi",
        "sue",
        "nostro",
        "nostra",
        "questo",
        "questa",
        "questi",
        "queste",
        "quello",
        "quella",
        "sono",
        "essere",
        "ha",
        "hanno",
        "fare",
        "o",
        "os",
        "as",
        "um",
        "uma",
        "uns",
        "umas",
        "de",
        "do",
        "dos",
        "das",
        "em",
        "no",
        "nos",
        "na",
        "nas",
        "ao",
        "aos",
        "pelo",
        "pela",
        "pelos",
        "pelas",
        "com",
        "para",
        "por",
        "que",
        "quem",
        "qual",
        "quais",
        "nao",
        "mais",
        "mas",
        "ou",
        "se",
        "seu",
        "sua",
        "seus",
        "suas",
        "nosso",
        "nossa",
        "isso",
        "isto",
        "este",
        "esta",
        "esse",
        "essa",
        "ser",
        "sao",
        "tem",
        "como",
        "onde",
        "quando",
        "porque",
        "el",
        "los",
        "las",
        "unos",
        "unas",
        "del",
        "al",
        "en",
        "con",
        "para",
        "por",
        "que",
        "quien",
        "cual",
        "cuales",
        "cuando",
        "donde",
        "como",
        "pero",
        "mas",
        "y",
        "e",
        "ni",
        "su",
        "sus",
        "nuestro",
        "nuestra",
        "este",
        "esta",
        "estos",
        "estas",
        "ese",
        "esa",
        "es",
        "son",
        "ser",
        "hay",
        "muy",
        "sin",
        "sobre",
    ]
)

_RULES_BASE: tuple[tuple[str, str], ...] = (
    ("izational", "iz"),
    ("isational", "iz"),
    ("ization", "iz"),
    ("isation", "iz"),
    ("izing", "iz"),
    ("ising", "iz"),
    ("ized", "iz"),
    ("ised", "iz"),
    ("ize", "iz"),
    ("ise", "iz"),
    ("ational", ""),
    ("ations", ""),
    ("ation", ""),
    ("ators", ""),
    ("ator", ""),
    ("ating", ""),
    ("ated", ""),
    ("ate", ""),
    ("azioni", ""),
    ("azione", ""),
    ("aciones", ""),
    ("acion", ""),
    ("acoes", ""),
    ("acao", ""),
    ("zioni", ""),
    ("zione", ""),
    ("ciones", ""),
    ("cion", ""),
    ("coes", ""),
    ("cao", ""),
    ("cisiones", "cid"),
    ("cisioni", "cid"),
    ("cisione", "cid"),
    ("cisoes", "cid"),
    ("cisao", "cid"),
    ("cisions", "cid"),
    ("cision", "cid"),
    ("ements", ""),
    ("ement", ""),
    ("mente", ""),
    ("ments", ""),
    ("ment", ""),
    ("ities", ""),
    ("ity", ""),
    ("ita", ""),
    ("idad", ""),
    ("idade", ""),
    ("ness", ""),
    ("ings", ""),
    ("ing", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ed", ""),
    ("ly", ""),
    ("sses", "ss"),
    ("es", ""),
    ("s", ""),
)
_RULES = tuple(sorted(_RULES_BASE, key=lambda r: -len(r[0])))
_KEEP_S = ("ss", "us", "is")


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower-case ``text`` and drop accents (NFKD, combining marks removed)."""
    return COMBINING_RE.sub("", unicodedata.normalize("NFKD", text)).casefold()


@lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """A light stem of a folded word: common English and Romance endings are cut.

    The same function is applied to documents and queries, so it only has to be consistent:
    ``roles`` and ``role`` give ``rol``, ``meetings`` gives ``meet``, ``facilitator`` and
    ``facilitation`` give ``facilit``, ``partecipativo`` and ``partecipativa`` give
    ``partecipativ``.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    w = word
    for suffix, repl in _RULES:
        base = len(w) - len(suffix)
        if w.endswith(suffix) and (base >= 3 or (repl and base >= 2)):
            if suffix == "s" and w.endswith(_KEEP_S):
                continue
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) > 3 and w[-1] in "aeio":
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiou":
        w = w[:-1]
    return w


@lru_cache(maxsize=1 << 17)
def term(word: str) -> str | None:
    """The index term of one raw word, or None for stop words and single letters."""
    f = fold(word)
    if (len(f) < 2 and not f.isdigit()) or f in STOPWORDS:
        return None
    return stem(f)


def terms(text: str) -> list[str]:
    """Index terms of a text, in order (stop words dropped)."""
    out = []
    for w in WORD_RE.findall(text):
        t = term(w)
        if t is not None:
            out.append(t)
    return out


def query_terms(query: str) -> list[str]:
    """Distinct terms of a query; when it holds only stop words, those are used."""
    found = list(dict.fromkeys(terms(query)))
    if not found:
        found = list(dict.fromkeys(stem(fold(w)) for w in WORD_RE.findall(query)))
    return found


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
        """Plain-data view."""
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
        self._segments: list[tuple[int, str, list[tuple[int, int, str]]]] | None = None

    def segments(self) -> list[tuple[int, str, list[tuple[int, int, str]]]]:
        """(field rank, text, [(start, end, term)]) for snippet building, computed once."""
        if self._segments is None:
            segs: list[tuple[int, str, list[tuple[int, int, str]]]] = []
            parts: list[tuple[int, str]] = []
            parts += [(0, s) for s in _sentences(self.texts["summary"])]
            parts += [(1, s) for s in _sentences(_plain(self.texts["body"]))]
            if self.texts["aliases"]:
                parts.append((2, "Also called: " + self.texts["aliases"]))
            if self.texts["tags"]:
                parts.append((3, "Tags: " + self.texts["tags"]))
            parts.append((4, self.texts["name"]))
            for rank, text in parts:
                toks = []
                for m in WORD_RE.finditer(text):
                    t = term(m.group())
                    if t is not None:
                        toks.append((m.start(), m.end(), t))
                segs.append((rank, text, toks))
            self._segments = segs
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
        if flt.tag is not None and flt.tag not in self.tags:
            return False
        return True


@dataclass(frozen=True)
class _Filters:
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
        return cls(
            fold(category) if category else None,
            fold(source) if source else None,
            phase or None,
            fold(tag) if tag else None,
            kind or None,
        )

    @property
    def active(self) -> bool:
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
        out = []
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
                Hit(d.key, score, snippet(d, terms_found, marks), tuple(sorted(found)), fields)
            )
        return out


_MD_RE = re.compile(r"\*\*|__|`|^#+\s*|^\s*(?:[-*+]|\d+[.)])\s+", re.M)
_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_SENT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")


def _plain(markdown: str) -> str:
    """Markdown without markup characters (for snippets)."""
    return _MD_RE.sub("", _LINK_RE.sub(r"\1", markdown))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT_RE.split(text) if s and s.strip()]


def snippet(
    doc: _Doc, found: set[str], marks: tuple[str, str] = MARKS, words: int = SNIPPET_WORDS
) -> str:
    """The passage of ``doc`` holding most of the matched terms, matches marked."""
    best: tuple[int, int, int] | None = None
    best_seg = None
    for n, (rank, text, toks) in enumerate(doc.segments()):
        hits = {t for _, _, t in toks if t in found}
        if not hits:
            continue
        key = (len(hits), -rank, -n)
        if best is None or key > best:
            best, best_seg = key, (text, toks)
    if best_seg is None:
        return doc.texts["summary"][:200]
    text, toks = best_seg
    first = next(k for k, tok in enumerate(toks) if tok[2] in found)
    start_tok = max(0, first - words // 4)
    end_tok = min(len(toks), start_tok + words)
    start = 0 if start_tok == 0 else toks[start_tok][0]
    end = len(text) if end_tok >= len(toks) else toks[end_tok - 1][1]
    pieces = ["…" if start > 0 else ""]
    pos = start
    for s, e, t in toks[start_tok:end_tok]:
        if t in found:
            pieces += [text[pos:s], marks[0], text[s:e], marks[1]]
            pos = e
    pieces.append(text[pos:end])
    if end < len(text):
        pieces.append("…")
    return "".join(pieces).strip()


# --- benchmark ------------------------------------------------------------------------------------

BENCH_QUERIES = (
    "how do we pick someone for this role",
    "someone disagrees with the proposal",
    "meeting keeps running over time",
    "bilancio partecipativo",
    "world cafe",
    "how to review an agreement",
    "too much work in progress",
    "involve residents in decisions",
    "orçamento participativo",
    "facilitator",
    "governance meeting agenda",
    "evaluate the pilot",
    "time bank",
    "peer feedback",
    "map the local actors",
)


def _percentiles(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    pick = lambda q: s[min(len(s) - 1, int(q * len(s)))]  # noqa: E731
    return {
        "p50_ms": round(pick(0.5) * 1000, 3),
        "p95_ms": round(pick(0.95) * 1000, 3),
        "max_ms": round(s[-1] * 1000, 3),
    }


def _time_queries(
    index: SearchIndex, queries: Sequence[str], repeat: int
) -> tuple[list[float], list[float]]:
    """(first pass, later passes) query times; the first pass fills the stem and snippet caches."""
    clock = time.perf_counter
    cold = []
    for q in queries:
        t0 = clock()
        index.search(q)
        cold.append(clock() - t0)
    samples = []
    for _ in range(repeat):
        for q in queries:
            t0 = clock()
            index.search(q)
            samples.append(clock() - t0)
    return cold, samples


def generate_documents(
    count: int, seed: int = 3
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """``count`` synthetic pattern documents drawn from the shipped patterns' vocabulary."""
    import random

    from s3engine.patterns.database import PatternDB

    db = PatternDB()
    db.load(strict=False)
    pats = db.patterns()
    rng = random.Random(seed)
    body_words = [w for p in pats for w in WORD_RE.findall(_plain(p.body))]
    summary_words = [w for p in pats for w in WORD_RE.findall(p.summary)]
    name_words = [w for p in pats for w in WORD_RE.findall(p.name)]
    tag_pool = sorted({t for p in pats for t in p.tags})
    alias_pool = sorted({a for p in pats for a in p.aliases})
    categories = sorted({(p.kind, p.category) for p in pats})
    sources = sorted({p.source for p in pats})
    from s3engine.patterns.model import PHASES

    def sentence(pool: list[str], lo: int, hi: int) -> str:
        words = rng.choices(pool, k=rng.randint(lo, hi))
        return " ".join(words).capitalize() + "."

    out = []
    for n in range(count):
        kind, category = rng.choice(categories)
        body = "\n\n".join(
            " ".join(sentence(body_words, 8, 20) for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(4, 7))
        )
        fields = {
            "name": " ".join(rng.choices(name_words, k=rng.randint(2, 4))).title(),
            "aliases": rng.sample(alias_pool, k=rng.randint(0, 1)) if alias_pool else [],
            "tags": rng.sample(tag_pool, k=rng.randint(3, 6)),
            "summary": sentence(summary_words, 12, 25),
            "body": body,
        }
        meta = {
            "category": category,
            "kind": kind,
            "source": rng.choice(sources),
            "phases": rng.sample(PHASES, k=rng.randint(1, 4)),
            "tags": fields["tags"],
        }
        out.append((f"generated-{n}", fields, meta))
    return out


def random_queries(count: int, seed: int = 5) -> list[str]:
    """Queries of 1-4 words drawn from the shipped patterns' text (accented words included)."""
    import random

    from s3engine.patterns.database import PatternDB

    db = PatternDB()
    pool = sorted(
        {
            w
            for p in db.patterns()
            for w in WORD_RE.findall(f"{p.summary} {p.body}")
            if term(w) is not None
        }
    )
    rng = random.Random(seed)
    return [" ".join(rng.choices(pool, k=rng.randint(1, 4))) for _ in range(count)]


def bench_search(quick: bool = False) -> dict[str, Any]:
    """Measure search latency over the shipped patterns and over 10,000 generated patterns.

    Args:
        quick: Fewer repetitions (the generated corpus still has 10,000 patterns).

    Returns:
        ``{"shipped": {...}, "generated": {...}}``, each with the number of documents (also as
        ``patterns``) and queries, the index build time and ``p50_ms``, ``p95_ms`` and ``max_ms``
        per query (snippets included) once the caches are warm, ``first_pass_p50_ms`` for the
        first run of each query, plus the targets (2 ms and 20 ms at p50).
    """
    from s3engine.patterns.database import PatternDB

    t0 = time.perf_counter()
    db = PatternDB()
    db.load(strict=False)
    db.search("warm up")
    shipped_build = time.perf_counter() - t0
    queries = list(BENCH_QUERIES) + random_queries(15 if quick else 85)
    shipped_cold, shipped = _time_queries(db.index, queries, 3 if quick else 10)
    docs = generate_documents(10_000)
    t0 = time.perf_counter()
    big = SearchIndex()
    for key, fields, meta in docs:
        big.add(key, fields, meta)
    big.search("warm up")
    big_build = time.perf_counter() - t0
    generated_cold, generated = _time_queries(big, queries, 1 if quick else 3)
    return {
        "shipped": {
            "documents": len(db.index),
            "patterns": len(db.index),
            "queries": len(shipped),
            "build_ms": round(shipped_build * 1000, 1),
            "target_p50_ms": 2.0,
            **_percentiles(shipped),
            "first_pass_p50_ms": _percentiles(shipped_cold)["p50_ms"],
        },
        "generated": {
            "documents": len(big),
            "patterns": len(big),
            "queries": len(generated),
            "build_ms": round(big_build * 1000, 1),
            "target_p50_ms": 20.0,
            **_percentiles(generated),
            "first_pass_p50_ms": _percentiles(generated_cold)["p50_ms"],
        },
    }
