"""The search benchmark (P3): latency over the shipped patterns and 10,000 generated ones.

:func:`bench_search` times the shipped pattern database and a
:class:`~s3engine.patterns.search.SearchIndex` of generated documents (drawn from the shipped
patterns' vocabulary) with fixed and random queries, snippets included; :func:`search_rows` gives
the figures as rows for :mod:`s3engine.bench.runner`.

Allowed imports: standard library, ``s3engine.bench.row``, ``s3engine.patterns``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import Any

from s3engine.bench.row import Row, row
from s3engine.patterns.database import PatternDB
from s3engine.patterns.model import PHASES
from s3engine.patterns.search import SearchIndex
from s3engine.patterns.snippet import plain
from s3engine.patterns.text import WORD_RE, term

#: Questions people ask, in the supported languages (typos included).
BENCH_QUERIES = (
    "decidere insieme",
    "tomar decisões juntos",
    "prise de décision par consentement",
    "απόφαση με συναίνεση",
    "اتخاذ القرار بالموافقة",
    "objecton",
    "consnet",
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

    def pick(q: float) -> float:
        return s[min(len(s) - 1, int(q * len(s)))]

    return {
        "p50_ms": round(pick(0.5) * 1000, 3),
        "p95_ms": round(pick(0.95) * 1000, 3),
        "p99_ms": round(pick(0.99) * 1000, 3),
        "max_ms": round(s[-1] * 1000, 3),
    }


def _time_queries(
    index: SearchIndex, queries: Sequence[str], repeat: int
) -> tuple[list[float], list[float]]:
    """(first pass, later passes) query times; the first pass fills the stem and snippet caches."""
    clock = time.perf_counter
    cold: list[float] = []
    for q in queries:
        t0 = clock()
        index.search(q)
        cold.append(clock() - t0)
    samples: list[float] = []
    for _ in range(repeat):
        for q in queries:
            t0 = clock()
            index.search(q)
            samples.append(clock() - t0)
    return cold, samples


def generate_documents(
    count: int, seed: int = 3
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Synthetic pattern documents drawn from the shipped patterns' vocabulary.

    Args:
        count: How many documents.
        seed: Seed of the random generator (the same seed gives the same documents).

    Returns:
        ``(key, fields, meta)`` per document, as :meth:`SearchIndex.add` takes them.
    """
    db = PatternDB()
    db.load(strict=False)
    pats = db.patterns()
    rng = random.Random(seed)
    body_words = [w for p in pats for w in WORD_RE.findall(plain(p.body))]
    summary_words = [w for p in pats for w in WORD_RE.findall(p.summary)]
    name_words = [w for p in pats for w in WORD_RE.findall(p.name)]
    tag_pool = sorted({t for p in pats for t in p.tags})
    alias_pool = sorted({a for p in pats for a in p.aliases})
    categories = sorted({(p.kind, p.category) for p in pats})
    sources = sorted({p.source for p in pats})
    translated = sorted({t.lang for p in pats for t in p.translations})
    words_in = {
        lang: [
            w
            for p in pats
            for t in p.translations
            if t.lang == lang
            for w in WORD_RE.findall(f"{t.name} {t.summary}")
        ]
        for lang in translated
    }
    aliases_in = {
        lang: sorted({a for p in pats for t in p.translations if t.lang == lang for a in t.aliases})
        for lang in translated
    }

    def sentence(pool: list[str], lo: int, hi: int) -> str:
        words = rng.choices(pool, k=rng.randint(lo, hi))
        return " ".join(words).capitalize() + "."

    out: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
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
            "translations": {
                lang: {
                    "name": " ".join(rng.choices(words_in[lang], k=rng.randint(2, 4))),
                    "summary": sentence(words_in[lang], 12, 25),
                    "aliases": rng.sample(aliases_in[lang], k=min(3, len(aliases_in[lang]))),
                }
                for lang in translated
            },
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
    """Queries of 1-4 words drawn from the shipped patterns' text (accented words included).

    Args:
        count: How many queries.
        seed: Seed of the random generator.

    Returns:
        The queries.
    """
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


def bench_search(quick: bool = False, generated: int = 10_000) -> dict[str, Any]:
    """Measure search latency over the shipped patterns and over 10,000 generated patterns.

    Args:
        quick: Fewer repetitions (the generated corpus still has 10,000 patterns).
        generated: How many patterns to generate (tests use fewer; the benchmark 10,000).

    Returns:
        ``{"shipped": {...}, "generated": {...}}``, each with the number of documents (also as
        ``patterns``) and queries, the index build time and ``p50_ms``, ``p95_ms``, ``p99_ms``
        and ``max_ms`` per query (snippets included) once the caches are warm,
        ``first_pass_p50_ms`` for the first run of each query, plus the targets (2 ms at p50 over
        the shipped patterns, 20 ms at p99 over the generated ones).
    """
    t0 = time.perf_counter()
    db = PatternDB()
    db.load(strict=False)
    db.search("warm up")
    shipped_build = time.perf_counter() - t0
    queries = list(BENCH_QUERIES) + random_queries(15 if quick else 85)
    shipped_cold, shipped = _time_queries(db.index, queries, 3 if quick else 10)
    docs = generate_documents(generated)
    t0 = time.perf_counter()
    big = SearchIndex()
    for key, fields, meta in docs:
        big.add(key, fields, meta)
    big.search("warm up")
    big_build = time.perf_counter() - t0
    generated_cold, generated_warm = _time_queries(big, queries, 1 if quick else 3)
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
            "queries": len(generated_warm),
            "build_ms": round(big_build * 1000, 1),
            "target_p50_ms": 20.0,
            "target_p99_ms": 20.0,
            **_percentiles(generated_warm),
            "first_pass_p50_ms": _percentiles(generated_cold)["p50_ms"],
        },
    }


def search_rows(quick: bool) -> list[Row]:
    """P3: pattern search, as rows (measured by :func:`bench_search`).

    Args:
        quick: Fewer repetitions.

    Returns:
        p50 (with its goal) and p95 rows for the shipped and the generated patterns, and the p99
        row (with its goal) for the generated ones.
    """
    res = bench_search(quick)
    rows = []
    for key, goal in (("shipped", 2.0), ("generated", 20.0)):
        r = res.get(key) or {}
        if r:
            rows.append(
                row(
                    f"P3 search p50 over {r.get('patterns', '?')} {key} patterns",
                    r["p50_ms"],
                    "ms",
                    "",
                    None,
                    f"<= {goal:g} ms",
                    r["p50_ms"] <= goal,
                )
            )
            rows.append(
                row(
                    f"P3 search p95 over {r.get('patterns', '?')} {key} patterns", r["p95_ms"], "ms"
                )
            )
            if key == "generated" and "p99_ms" in r:
                rows.append(
                    row(
                        f"P3 search p99 over {r.get('patterns', '?')} {key} patterns",
                        r["p99_ms"],
                        "ms",
                        "",
                        None,
                        f"<= {goal:g} ms",
                        r["p99_ms"] <= goal,
                    )
                )
    return rows
