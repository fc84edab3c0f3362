"""The pattern schema: checks of the structured fields and the body, and building a pattern.

Pattern files (:mod:`s3engine.patterns.file`) and pattern notebooks
(:mod:`s3engine.patterns.notebook`) both go through :func:`make_pattern`, so both sources obey one
schema. Every problem is a :class:`~s3engine.errors.PatternError` naming the file (or notebook
cell), the field and what is expected.

Allowed imports: standard library, ``s3engine.errors``, ``s3engine.patterns.model``.
"""

from __future__ import annotations

import re
from typing import Any

from s3engine.errors import PatternError, describe
from s3engine.patterns.model import (
    FIELDS,
    KINDS,
    PHASES,
    REQUIRED,
    S3_CATEGORIES,
    S3_CATEGORIES_2021,
    S3_LICENSE,
    TOOLBOX_CATEGORIES,
    TRANSLATED,
    TRANSLATION_KEYS,
    Pattern,
    Translation,
)

#: A pattern id: a slug of lower-case letters, digits and ``-`` (never a path).
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}\Z")
URL_RE = re.compile(r"^https?://[^\s<>\"']+\Z")
#: Control characters no text field may hold (tab and newline are allowed).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TRAVERSAL_RE = re.compile(r"(^|[\\/])\.\.([\\/]|$)")

#: Longest one-line field and list item, longest multi-line text field, longest body, most items.
MAX_LINE = 400
MAX_TEXT = 4_000
MAX_BODY = 200_000
MAX_ITEMS = 100


def make_pattern(
    data: dict[str, Any],
    body: str,
    source: str,
    stem: str | None = None,
    path: str | None = None,
    **extra: Any,
) -> Pattern:
    """Check structured fields and body, and build the :class:`Pattern`.

    Args:
        data: The structured fields (front matter or notebook cell metadata).
        body: The Markdown body.
        source: How errors name the file or cell.
        stem: When given, the id must equal it (the file name without ``.md``).
        path: Recorded as ``Pattern.path``.
        **extra: Further :class:`Pattern` attributes: ``origin``, ``revision``, ``provenance``.

    Returns:
        The pattern.

    Raises:
        PatternError: The first problem found, naming ``source`` and the field.
    """
    clean = check_fields(data, source, stem)
    clean["body"] = check_body(body, source)
    return Pattern(**clean, path=path, **extra)


def check_body(body: Any, source: str) -> str:
    """Check a pattern body: non-empty Markdown text without control characters.

    Args:
        body: The body as given.
        source: How errors name the file or cell.

    Returns:
        The body, unchanged.

    Raises:
        PatternError: The body is not text, empty, too long or holds control characters.
    """
    if not isinstance(body, str):
        raise PatternError(source, "body", f"{type(body).__name__} given", "Markdown text")
    if not body.strip():
        raise PatternError(
            source, "body", "is empty", "Markdown sections such as '## Context' and '## What to do'"
        )
    if len(body) > MAX_BODY:
        raise PatternError(source, "body", f"is {len(body)} characters long", f"at most {MAX_BODY}")
    if CONTROL_RE.search(body):
        raise PatternError(source, "body", "contains control characters", "plain Markdown text")
    return body


def check_fields(data: Any, source: str, stem: str | None = None) -> dict[str, Any]:
    """Check the structured fields of one pattern against the schema.

    Args:
        data: The parsed front matter (or notebook cell metadata).
        source: How errors name the file or cell.
        stem: When given, the id must equal it.

    Returns:
        The fields, lists turned into tuples, ready for :class:`Pattern`.

    Raises:
        PatternError: The first problem found, naming ``source`` and the field.
    """
    if not isinstance(data, dict):
        raise PatternError(
            source,
            "",
            f"the fields are {type(data).__name__}, not a mapping",
            "one 'key: value' per field",
        )
    for key in data:
        if key not in FIELDS:
            raise PatternError(
                source, str(key)[:40], "is not a pattern field", "only " + ", ".join(FIELDS)
            )
    for key in REQUIRED:
        if key not in data:
            raise PatternError(source, key, "is missing", _EXPECT[key])
    out: dict[str, Any] = {}
    pid = data["id"]
    if not isinstance(pid, str) or not ID_RE.match(pid):
        raise PatternError(
            source,
            "id",
            f"{describe(pid)} is not a pattern id",
            "a slug of lower-case letters, digits and '-', like consent-decision-making",
        )
    if stem is not None and pid != stem:
        raise PatternError(
            source,
            "id",
            f"'{pid}' differs from the file name '{stem}.md'",
            f"id: {stem} (or rename the file to {pid}.md)",
        )
    out["id"] = pid
    out["name"] = _line(data, "name", source)
    if TRAVERSAL_RE.search(out["name"]):
        raise PatternError(
            source,
            "name",
            "looks like a file path ('..')",
            "a plain name such as Consent Decision-Making",
        )
    out["aliases"] = _lines(data, "aliases", source)
    kind = data["kind"]
    if not isinstance(kind, str) or kind not in KINDS:
        raise PatternError(
            source, "kind", f"{describe(kind)} is not a pattern kind", " | ".join(KINDS)
        )
    out["kind"] = kind
    category = _line(data, "category", source)
    allowed = S3_CATEGORIES if kind == "s3" else TOOLBOX_CATEGORIES
    if category not in allowed:
        raise PatternError(
            source,
            "category",
            f"'{category}' is not a {kind} category",
            "one of: " + ", ".join(allowed),
        )
    out["category"] = category
    c21 = data["category_2021"]
    if kind == "s3":
        if c21 is not None and (not isinstance(c21, str) or c21 not in S3_CATEGORIES_2021):
            raise PatternError(
                source,
                "category_2021",
                f"{describe(c21)} is not an S3 2021-09-22 category",
                "null (new in 2024) or one of: " + ", ".join(S3_CATEGORIES_2021),
            )
    elif c21 is not None:
        raise PatternError(
            source, "category_2021", f"{describe(c21)} given for a toolbox pattern", "null"
        )
    out["category_2021"] = c21
    out["source"] = _line(data, "source", source)
    url = data.get("source_url")
    if url is not None and (
        not isinstance(url, str) or not URL_RE.match(url) or len(url) > MAX_LINE
    ):
        raise PatternError(
            source,
            "source_url",
            f"{describe(url)} is not a web address",
            "an http:// or https:// address, or leave the field out",
        )
    out["source_url"] = url
    out["summary"] = _line(data, "summary", source)
    related = _lines(data, "related", source)
    for rid in related:
        if not ID_RE.match(rid):
            raise PatternError(
                source,
                "related",
                f"{describe(rid)} is not a pattern id",
                "ids of other patterns, like resolve-objections",
            )
        if rid == pid:
            raise PatternError(
                source, "related", "the pattern names itself", "ids of other patterns"
            )
    if len(set(related)) != len(related):
        raise PatternError(source, "related", "names a pattern twice", "each id once")
    out["related"] = related
    phases = _lines(data, "phases", source)
    if not phases:
        raise PatternError(source, "phases", "is empty", "at least one of: " + ", ".join(PHASES))
    for ph in phases:
        if ph not in PHASES:
            raise PatternError(
                source, "phases", f"'{ph}' is not a phase", "phases from: " + ", ".join(PHASES)
            )
    if len(set(phases)) != len(phases):
        raise PatternError(source, "phases", "names a phase twice", "each phase once")
    out["phases"] = phases
    tags = _lines(data, "tags", source)
    if len(tags) < 2:
        raise PatternError(source, "tags", f"has {len(tags)} tag(s)", "at least two tags")
    for tag in tags:
        if tag != tag.lower():
            raise PatternError(
                source,
                "tags",
                f"'{tag}' is not lower-case",
                f"lower-case words such as '{tag.lower()}'",
            )
    out["tags"] = tags
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version < 10**6:
        raise PatternError(
            source,
            "version",
            f"{describe(version)} is not a version number",
            "a whole number from 1",
        )
    out["version"] = version
    lic = _line(data, "license", source)
    if kind == "s3" and lic != S3_LICENSE:
        raise PatternError(
            source,
            "license",
            f"'{lic}' given for an S3 pattern",
            f"{S3_LICENSE} (the S3 guide's licence, share-alike)",
        )
    out["license"] = lic
    out["attribution"] = _text(data, "attribution", source)
    out["translations"] = check_translations(data.get("translations"), source)
    return out


def check_translations(data: Any, source: str) -> tuple[Translation, ...]:
    """Check the optional ``translations`` block: per language its name, summary and aliases.

    Args:
        data: ``{lang: {name, summary, aliases, reviewed_by?}}`` as given (None: no translations).
        source: How errors name the file or cell.

    Returns:
        The translations in :data:`~s3engine.patterns.model.TRANSLATED` order.

    Raises:
        PatternError: A language is not supported or a translation lacks its name, summary or
            aliases (names the language and key).
    """
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise PatternError(
            source,
            "translations",
            f"{describe(data)} is not a mapping",
            "one block per language code, such as 'it:' with name, summary and aliases",
        )
    found: dict[str, Translation] = {}
    for lang, block in data.items():
        where = f"translations.{str(lang)[:12]}"
        if lang not in TRANSLATED:
            raise PatternError(
                source, where, "is not a supported language", "one of: " + ", ".join(TRANSLATED)
            )
        if not isinstance(block, dict):
            raise PatternError(
                source, where, f"{describe(block)} is not a mapping", "name, summary and aliases"
            )
        for key in block:
            if key not in TRANSLATION_KEYS:
                raise PatternError(
                    source,
                    f"{where}.{str(key)[:40]}",
                    "is not a translation field",
                    "only " + ", ".join(TRANSLATION_KEYS),
                )
        for key in ("name", "summary", "aliases"):
            if key not in block:
                raise PatternError(source, f"{where}.{key}", "is missing", _EXPECT[key])
        reviewed = block.get("reviewed_by")
        found[lang] = Translation(
            lang,
            _line(block, "name", source, where),
            _line(block, "summary", source, where),
            _lines(block, "aliases", source, where),
            None if reviewed is None else _line(block, "reviewed_by", source, where),
        )
    return tuple(found[lang] for lang in TRANSLATED if lang in found)


_EXPECT = {
    "id": "the file name without .md",
    "name": "the exact pattern name",
    "aliases": "a list of old names, [] when none",
    "kind": " | ".join(KINDS),
    "category": "an S3 2024 category or a toolbox category",
    "category_2021": "the S3 2021-09-22 category, or null",
    "source": "the guide or document the pattern comes from",
    "summary": "one line",
    "related": "a list of pattern ids, [] when none",
    "phases": "a list of phases",
    "tags": "a list of at least two lower-case words",
    "version": "a whole number such as 1",
    "license": f"a licence such as {S3_LICENSE}",
    "attribution": "who to credit",
    "reviewed_by": "the name of the native speaker who reviewed the translation",
}


def _line(data: dict[str, Any], key: str, source: str, prefix: str = "") -> str:
    field_name = f"{prefix}.{key}" if prefix else key
    value = data[key]
    if not isinstance(value, str):
        raise PatternError(source, field_name, f"{describe(value)} is not text", _EXPECT[key])
    value = value.strip()
    if not value:
        raise PatternError(source, field_name, "is empty", _EXPECT[key])
    if "\n" in value or CONTROL_RE.search(value):
        raise PatternError(source, field_name, "is not a single line of text", "one line of text")
    if len(value) > MAX_LINE:
        raise PatternError(
            source, field_name, f"is {len(value)} characters long", f"at most {MAX_LINE}"
        )
    return value


def _text(data: dict[str, Any], key: str, source: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise PatternError(source, key, f"{describe(value)} is not text", _EXPECT[key])
    if CONTROL_RE.search(value) or len(value) > MAX_TEXT:
        raise PatternError(
            source,
            key,
            "is not plain text of a sensible length",
            f"plain text of at most {MAX_TEXT} characters",
        )
    return value.strip()


def _lines(data: dict[str, Any], key: str, source: str, prefix: str = "") -> tuple[str, ...]:
    field_name = f"{prefix}.{key}" if prefix else key
    value = data[key]
    if value is None:
        value = []
    if not isinstance(value, list):
        raise PatternError(source, field_name, f"{describe(value)} is not a list", _EXPECT[key])
    if len(value) > MAX_ITEMS:
        raise PatternError(source, field_name, f"has {len(value)} items", f"at most {MAX_ITEMS}")
    out = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise PatternError(
                source, field_name, f"the item {describe(item)} is not text", _EXPECT[key]
            )
        item = item.strip()
        if "\n" in item or CONTROL_RE.search(item) or len(item) > MAX_LINE:
            raise PatternError(
                source, field_name, f"the item {describe(item)} is not a short line", _EXPECT[key]
            )
        out.append(item)
    return tuple(out)
