"""The sanitiser: untrusted Markdown (from imported pattern notebooks) made safe to display.

Raw HTML is passed tag by tag through nh3, link and image targets with a scheme other than http,
https or mailto are replaced by ``#``, and Markdown without HTML is left exactly as it is (see
:func:`sanitize_markdown`).

Allowed imports: standard library, ``nh3`` (imported lazily).
"""

from __future__ import annotations

import html
import re
import urllib.parse
from typing import Any

#: The URL schemes links and images may use.
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_HTML_RE = re.compile(
    r"(?P<block><(script|style|iframe|object|embed|noscript|template|textarea|title|xmp|"
    r"noembed|noframes|plaintext|svg|math)\b.*?(?:</\2\s*>|$))"  # dangerous elements + content
    r"|(?P<comment><!--.*?(?:-->|$))"  # comments
    r"|(?P<decl><![A-Za-z\[].*?(?:>|$)|<\?.*?(?:>|$))"  # doctype, CDATA, <?...?>
    r"|(?P<auto><[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>)"  # autolinks <scheme:...>
    r"|(?P<email><[^\s<>@/]+@[^\s<>@]+\.[^\s<>@]+>)"  # e-mail autolinks
    r"|(?P<tag></?[A-Za-z][^<>]*>)"  # tags
    r"|(?P<open></?[A-Za-z][^<>]*$)",  # a tag left open at the end
    re.S | re.I,
)
_TAG_NAME_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_INLINE_LINK_RE = re.compile(r"(\]\(\s*)(<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)")
_REF_DEF_RE = re.compile(r"^( {0,3}\[[^\]\n]+\]:[ \t]*\n?[ \t]*)(<[^<>\n]*>|\S+)", re.M)
_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_SCRIPT_SCHEME_RE = re.compile(r"(?:java|vb|live)\s*script\s*:", re.I)
_SPACE_RE = re.compile(r"[\x00-\x20\x7f-\x9f]+")


def _unsafe_url(url: str) -> bool:
    """Whether a link target uses a scheme other than http, https or mailto."""
    u = url[1:-1] if url.startswith("<") and url.endswith(">") else url
    for _ in range(3):  # entities and percent-escapes can hide the scheme, even nested
        u = urllib.parse.unquote(html.unescape(u))
    u = _SPACE_RE.sub("", u).lower()
    m = _SCHEME_RE.match(u)
    return m is not None and m.group(1) not in URL_SCHEMES


def _clean_html(m: re.Match[str], allow_tags: bool) -> str:
    """One HTML-like segment of Markdown, made safe (or dropped)."""
    import nh3

    segment = m.group(0)
    if m.group("auto") is not None:
        return "" if _unsafe_url(segment[1:-1]) else segment
    if m.group("email") is not None:
        return segment
    if m.group("tag") is None or not allow_tags:
        return ""
    found = _TAG_NAME_RE.match(segment)
    if found is None:
        return ""
    closing, name = found.group(1), found.group(2).lower()
    if name not in nh3.ALLOWED_TAGS:
        return ""
    if closing:
        return f"</{name}>"
    end = f"</{name}>"
    cleaned = nh3.clean(segment + end, url_schemes=set(URL_SCHEMES))
    return cleaned[: -len(end)] if cleaned.endswith(end) else cleaned


def sanitize_markdown(text: str, allow_tags: bool = True) -> str:
    """Make untrusted Markdown safe to display, leaving ordinary Markdown unchanged.

    Raw HTML is passed tag by tag through nh3 (no ``script``/``style``/``iframe`` and their
    content, no ``on*`` attributes, only http, https and mailto URLs, no comments); link and image
    targets, reference definitions and autolinks with any other scheme (``javascript:``,
    ``data:`` ...) are replaced by ``#``. Text outside HTML is not touched, so ``a < b & c`` and
    every Markdown construct without HTML stay exactly as they are.

    Args:
        text: Untrusted Markdown.
        allow_tags: False removes every HTML tag (for one-line fields such as names).

    Returns:
        The safe Markdown.

    Raises:
        TypeError: ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    out = text
    if "<" in out:
        out = _HTML_RE.sub(lambda m: _clean_html(m, allow_tags), out)
    if "](" in out:
        out = _INLINE_LINK_RE.sub(
            lambda m: m.group(1) + ("#" if _unsafe_url(m.group(2)) else m.group(2)), out
        )
    if "]:" in out:
        out = _REF_DEF_RE.sub(
            lambda m: m.group(1) + ("#" if _unsafe_url(m.group(2)) else m.group(2)), out
        )
    if _SCRIPT_SCHEME_RE.search(out):
        out = _SCRIPT_SCHEME_RE.sub("blocked:", out)
    return out


def sanitize_value(value: Any, multiline: bool) -> Any:
    """Sanitise a field value: texts, texts in lists and in mappings; others are left as they are.

    Args:
        value: A structured field value from an untrusted source.
        multiline: Keep safe HTML tags in a text (list items never keep tags).

    Returns:
        The value with every text sanitised (see :func:`sanitize_markdown`).
    """
    if isinstance(value, str):
        return sanitize_markdown(value, allow_tags=multiline)
    if isinstance(value, list):
        return [sanitize_markdown(v, allow_tags=False) if isinstance(v, str) else v for v in value]
    if isinstance(value, dict):
        # Nested blocks (translations): every text inside, keys kept.
        return {k: sanitize_value(v, False) for k, v in value.items()}
    return value
