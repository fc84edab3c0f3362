"""Snippets: the short passage of a search hit that shows why it matched.

A document is cut once into segments (sentences of the summary and of the body without Markdown
markup, then the aliases, the tags and the name, and the same for each translation), each with its
language, index terms and their positions. :func:`snippet` picks the segment holding most of the
matched terms in the language asked for (else in any language; earlier fields win ties) and marks
the matches in a window of about :data:`SNIPPET_WORDS` words.

Allowed imports: standard library, ``s3engine.patterns.text``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from s3engine.patterns.text import WORD_RE, term

#: Strings put before and after each matched word.
MARKS = ("**", "**")
#: Words shown around the first match.
SNIPPET_WORDS = 24

#: One segment: (field rank, text, [(start, end, term)], language, its terms); lower ranks are
#: preferred.
Segment = tuple[int, str, list[tuple[int, int, str]], str, frozenset[str]]

_MD_RE = re.compile(r"\*\*|__|`|^#+\s*|^\s*(?:[-*+]|\d+[.)])\s+", re.M)
_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_SENT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")


def plain(markdown: str) -> str:
    """Markdown without markup characters (links keep their text).

    Args:
        markdown: A pattern body or any Markdown text.

    Returns:
        The text without emphasis, code marks, headings and list markers.
    """
    return _MD_RE.sub("", _LINK_RE.sub(r"\1", markdown))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT_RE.split(text) if s and s.strip()]


def segments(
    texts: Mapping[str, str], translations: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Segment]:
    """Cut a document into the segments snippets are taken from.

    Args:
        texts: The document's field texts: ``name``, ``aliases``, ``tags``, ``summary`` and
            ``body`` (aliases and tags joined with ``", "``), in English.
        translations: Per language code, ``name``, ``summary`` and ``aliases`` (a list).

    Returns:
        The segments in field order, English first: summary sentences (rank 0), body sentences
        (1), aliases (2), tags (3), name (4); then per translation its summary (0), aliases (2)
        and name (4).
    """
    parts: list[tuple[int, str, str]] = []
    parts += [(0, s, "en") for s in _sentences(texts["summary"])]
    parts += [(1, s, "en") for s in _sentences(plain(texts["body"]))]
    if texts["aliases"]:
        parts.append((2, "Also called: " + texts["aliases"], "en"))
    if texts["tags"]:
        parts.append((3, "Tags: " + texts["tags"], "en"))
    parts.append((4, texts["name"], "en"))
    for lang, block in (translations or {}).items():
        parts += [(0, s, lang) for s in _sentences(str(block.get("summary") or ""))]
        aliases = block.get("aliases") or []
        if aliases:
            parts.append((2, ("، " if lang == "ar" else ", ").join(aliases), lang))
        parts.append((4, str(block.get("name") or ""), lang))
    segs: list[Segment] = []
    for rank, text, lang in parts:
        toks = []
        for m in WORD_RE.finditer(text):
            t = term(m.group())
            if t is not None:
                toks.append((m.start(), m.end(), t))
        segs.append((rank, text, toks, lang, frozenset(t for _s, _e, t in toks)))
    return segs


def snippet(
    segs: Sequence[Segment],
    fallback: str,
    found: Collection[str],
    marks: tuple[str, str] = MARKS,
    words: int = SNIPPET_WORDS,
    lang: str = "en",
) -> str:
    """The passage holding most of the matched terms, matches marked.

    Args:
        segs: The document's segments (see :func:`segments`).
        fallback: Shown (cut to 200 characters) when no segment holds a matched term; the
            summary.
        found: The matched index terms.
        marks: Strings put before and after each matched word.
        words: Length of the window, in indexed words.
        lang: Segments in this language are preferred to any other with a match.

    Returns:
        The passage, with ``…`` where it is cut.
    """
    best: tuple[bool, int, int, int] | None = None
    best_seg = None
    wanted = found if isinstance(found, (set, frozenset)) else set(found)
    for n, (rank, text, toks, seg_lang, seg_terms) in enumerate(segs):
        if seg_terms.isdisjoint(wanted):
            continue
        key = (seg_lang == lang, len(seg_terms & wanted), -rank, -n)
        if best is None or key > best:
            best, best_seg = key, (text, toks)
    if best_seg is None:
        return fallback[:200]
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
