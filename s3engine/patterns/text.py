"""Text analysis for pattern search: folding, stop words, stemming and index terms.

Text is folded (Unicode NFKD, accents dropped, case-folded) so Italian, Portuguese and Spanish words
match with or without accents, stop words of those languages and English are dropped, and every word
is cut to a simple stem (English plural and verb endings, a few Romance ones). The same analysis is
applied to documents and queries (:mod:`s3engine.patterns.search`), so it only has to be consistent.

Allowed imports: standard library.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: A word: letters and digits, no underscores.
WORD_RE = re.compile(r"[^\W_]+")
#: Combining marks left by NFKD (accents), removed when folding.
COMBINING_RE = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

_ENGLISH = (
    "a about above after again against all also am an and any are as at be because been before "
    "being below between both but by can could did do does doing done down during each either "
    "else ever every few for from further get gets getting go goes going got had has have "
    "having he her here hers him his how i if in into is it its itself just let lets like make "
    "makes me might more most much must my no nor not now of off on once one only or other our "
    "ours out over own per please same shall she should so some someone somebody something such "
    "than that the their them then there these they this those through thus to too under until "
    "up us very via want wants was we were what when where which while who whom why will with "
    "would yet you your yours"
)
_ITALIAN = (
    "il lo la i gli le un uno una di da del della dei delle degli al alla ai agli alle dal "
    "dalla nel nella nei nelle sul sulla con per tra fra che chi cui non come dove quando "
    "perche piu e ed o ma se anche ci si ne mi ti vi noi voi loro suo sua suoi sue nostro "
    "nostra questo questa questi queste quello quella sono essere ha hanno fare"
)
_PORTUGUESE = (
    "o os as um uma uns umas de do dos das em no nos na nas ao aos pelo pela pelos pelas com "
    "para por que quem qual quais nao mais mas ou se seu sua seus suas nosso nossa isso isto "
    "este esta esse essa ser sao tem como onde quando porque"
)
_SPANISH = (
    "el los las unos unas del al en con para por que quien cual cuales cuando donde como pero "
    "mas y e ni su sus nuestro nuestra este esta estos estas ese esa es son ser hay muy sin "
    "sobre"
)
#: Folded stop words of English, Italian, Portuguese and Spanish (dropped from the index).
STOPWORDS = frozenset(" ".join((_ENGLISH, _ITALIAN, _PORTUGUESE, _SPANISH)).split())

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
#: Suffix rules, longest suffix first (the first that applies is used).
_RULES = tuple(sorted(_RULES_BASE, key=lambda r: -len(r[0])))
_KEEP_S = ("ss", "us", "is")


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower-case ``text`` and drop accents (NFKD, combining marks removed).

    Args:
        text: Any text.

    Returns:
        The folded text, e.g. ``"Orçamento"`` gives ``"orcamento"``.
    """
    return COMBINING_RE.sub("", unicodedata.normalize("NFKD", text)).casefold()


@lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """A light stem of a folded word: common English and Romance endings are cut.

    The same function is applied to documents and queries, so it only has to be consistent:
    ``roles`` and ``role`` give ``rol``, ``meetings`` gives ``meet``, ``facilitator`` and
    ``facilitation`` give ``facilit``, ``partecipativo`` and ``partecipativa`` give
    ``partecipativ``.

    Args:
        word: One folded word (see :func:`fold`).

    Returns:
        The stem; words of three letters or fewer and words with digits are kept as they are.
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
    """The index term of one raw word, or None for stop words and single letters.

    Args:
        word: One word as found in a text (any case, accents allowed).

    Returns:
        The folded stem, or None when the word is not indexed.
    """
    f = fold(word)
    if (len(f) < 2 and not f.isdigit()) or f in STOPWORDS:
        return None
    return stem(f)


def terms(text: str) -> list[str]:
    """Index terms of a text, in order (stop words dropped).

    Args:
        text: Any text.

    Returns:
        One term per indexed word, repeats included.
    """
    out = []
    for w in WORD_RE.findall(text):
        t = term(w)
        if t is not None:
            out.append(t)
    return out


def query_terms(query: str) -> list[str]:
    """Distinct terms of a query; when it holds only stop words, those are used.

    Args:
        query: Free text typed by a user.

    Returns:
        The distinct terms in the order they first appear.
    """
    found = list(dict.fromkeys(terms(query)))
    if not found:
        found = list(dict.fromkeys(stem(fold(w)) for w in WORD_RE.findall(query)))
    return found
