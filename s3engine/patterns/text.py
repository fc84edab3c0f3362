"""Text analysis for pattern search: folding, stop words, stemming and index terms.

Text is folded (Unicode NFKD, accents dropped, case-folded; Greek tonos and final sigma; Arabic
short vowels, tatweel, hamza and alef forms, ta marbuta and alef maqsura) so words match with or
without accents, stop words of the supported languages are dropped, and every word is cut to a stem.
The language of a word in a query is unknown, so Latin-script words share one light stemmer
(English plural and verb endings, Romance endings) while Greek and Arabic words, whose language the
script tells, get the Snowball stemmer of their language (PyStemmer, the C build of Snowball).
The same analysis is applied to documents and queries (:mod:`s3engine.patterns.search`), so it only
has to be consistent.

Allowed imports: standard library, ``Stemmer`` (PyStemmer).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

#: A word: letters and digits, no underscores.
WORD_RE = re.compile(r"[^\W_]+")
#: Combining marks left by NFKD (accents), removed when folding.
COMBINING_RE = re.compile(
    r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    r"\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]"
)
#: Arabic letters folded to one form: ta marbuta to ha, alef maqsura to ya (NFKD already turns
#: hamza and madda carriers into their bare letters).
_ARABIC_FOLD = str.maketrans({"\u0629": "\u0647", "\u0649": "\u064a"})
GREEK_RE = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
ARABIC_RE = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")

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
_FRENCH = (
    "le la les un une des du de au aux et ou mais donc car ni ne pas plus en dans sur sous avec "
    "pour par chez vers entre qui que quoi dont ou comment quand pourquoi quel quelle quels "
    "quelles ce cet cette ces son sa ses leur leurs notre nos votre vos mon ma mes il elle ils "
    "elles nous vous on je tu se est sont etre avoir ont fait faire tres aussi comme si y"
)
_GREEK = (
    "και να το τα τη την της του των τον τους ο η οι σε στο στα στη στην στον στους με για απο "
    "που πως τι ποιος ποια ποιο ενα ενας μια μιας ενος ειναι θα δεν μη μην η αν οτι αυτο αυτη "
    "αυτοι αυτα εμεις εσεις μας σας τους ως ή οταν κατα μετα πριν"
)
_ARABIC = (
    "من في على الى إلى عن مع ان أن إن كيف ماذا ما هل هذا هذه ذلك تلك التي الذي الذين و او أو "
    "لا لم لن ثم كل بعد قبل عند لدى نحن هو هي هم انا أنا انت أنت كان يكون بين حتى اذا إذا لماذا "
    "متى اين أين قد لقد"
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
    ("are", ""),
    ("ere", ""),
    ("ire", ""),
    ("ar", ""),
    ("er", ""),
    ("ir", ""),
    ("sses", "ss"),
    ("es", ""),
    ("s", ""),
)
#: Suffix rules, longest suffix first (the first that applies is used).
_RULES = tuple(sorted(_RULES_BASE, key=lambda r: -len(r[0])))
#: The same rules looked up by suffix, and the suffix lengths, longest first.
_RULE_OF = dict(_RULES)
_RULE_LENGTHS = tuple(sorted({len(r[0]) for r in _RULES}, reverse=True))
_KEEP_S = ("ss", "us", "is")
#: Endings only cut from words whose remaining stem has at least four letters (Romance
#: infinitives: ``decidere``, ``decidir`` and ``decider`` all give ``decid``).
_LONG_BASE = frozenset({"are", "ere", "ire", "ar", "er", "ir"})
#: Snowball stemmers of the languages whose script tells them apart.
_SNOWBALL = {"el": Stemmer.Stemmer("greek"), "ar": Stemmer.Stemmer("arabic")}


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower-case ``text`` and drop accents (NFKD, combining marks removed).

    Args:
        text: Any text.

    Returns:
        The folded text, e.g. ``"Orçamento"`` gives ``"orcamento"``.
    """
    return (
        COMBINING_RE.sub("", unicodedata.normalize("NFKD", text)).casefold().translate(_ARABIC_FOLD)
    )


#: Folded stop words per language, also a hint of the language a query is written in.
LANGUAGE_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(fold(w) for w in words.split())
    for lang, words in (
        ("en", _ENGLISH),
        ("it", _ITALIAN),
        ("pt", _PORTUGUESE),
        ("es", _SPANISH),
        ("fr", _FRENCH),
        ("el", _GREEK),
        ("ar", _ARABIC),
    )
}
#: Folded stop words of every supported language (dropped from the index).
STOPWORDS: frozenset[str] = frozenset().union(*LANGUAGE_STOPWORDS.values())


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
    script = script_of(word)
    if script == "ar" and word.endswith("\u0647"):
        # Folding wrote a final ta marbuta as ha; the stemmer removes it (and a final ha, a
        # pronoun, the same way) only as ta marbuta.
        word = word[:-1] + "\u0629"
    if script != "latin":
        return fold(_SNOWBALL[script].stemWord(word))
    w = word
    for size in _RULE_LENGTHS:
        base = len(w) - size
        if base < 2:
            continue
        suffix = w[base:]
        repl = _RULE_OF.get(suffix)
        if repl is None or not (base >= 3 or (repl and base >= 2)):
            continue
        if suffix == "s" and w.endswith(_KEEP_S):
            continue
        if suffix in _LONG_BASE and base < 4:
            continue
        w = w[:base] + repl
        break
    if len(w) > 3 and w[-1] in "aeio":
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiou":
        w = w[:-1]
    return w


def script_of(word: str) -> str:
    """``"el"`` for a Greek word, ``"ar"`` for an Arabic one, else ``"latin"``.

    Args:
        word: One word (folded or not).

    Returns:
        The script, decided by the word's first letter of a non-Latin script.
    """
    if GREEK_RE.search(word):
        return "el"
    if ARABIC_RE.search(word):
        return "ar"
    return "latin"


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
    return [t for t in map(term, WORD_RE.findall(text)) if t is not None]


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
