"""Listings: what ``s3flow patterns list`` and ``search`` show of a pattern.

:func:`listing` is the plain-data entry of one pattern (the ``--json`` output of the read
commands); :class:`SearchResult` is one search hit with its pattern.

Allowed imports: standard library, ``s3engine.patterns.model``, ``s3engine.patterns.search``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from s3engine.patterns.model import Pattern
from s3engine.patterns.search import Hit


def listing(p: Pattern) -> dict[str, Any]:
    """The fields ``patterns list --json`` shows for one entry.

    Args:
        p: The entry.

    Returns:
        Its structured fields (without attribution), key, origin, revision, provenance and
        translations.
    """
    return {
        "id": p.id,
        "key": p.key,
        "name": p.name,
        "aliases": list(p.aliases),
        "kind": p.kind,
        "category": p.category,
        "category_2021": p.category_2021,
        "source": p.source,
        "source_url": p.source_url,
        "summary": p.summary,
        "related": list(p.related),
        "phases": list(p.phases),
        "tags": list(p.tags),
        "version": p.version,
        "license": p.license,
        "origin": p.origin,
        "revision": p.revision,
        "provenance": p.provenance,
        "translations": {t.lang: t.fields() for t in p.translations},
    }


@dataclass(frozen=True)
class SearchResult:
    """One search hit with its pattern.

    Attributes:
        pattern: The entry found.
        hit: Score, snippet and matched terms.
    """

    pattern: Pattern
    hit: Hit

    @property
    def snippet(self) -> str:
        """Why it matched (matches wrapped in ``**``)."""
        return self.hit.snippet

    @property
    def score(self) -> float:
        """BM25F score."""
        return self.hit.score

    def as_dict(self) -> dict[str, Any]:
        """The pattern's listing fields plus score, snippet and matched terms."""
        return {**listing(self.pattern), **self.hit.as_dict()}
