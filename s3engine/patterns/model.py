"""One pattern: the :class:`Pattern` record, parsing of pattern files and the schema check.

A pattern file is Markdown with a YAML front matter (see ``patterns/README.md``). The front matter
is read with ``yaml.safe_load`` only and checked field by field; every problem is a
:class:`~s3engine.errors.PatternError` naming the file (or notebook cell), the field and what is
expected. Pattern notebooks use :func:`check_fields` so both sources obey one schema.

Allowed imports: standard library, ``yaml`` (imported lazily), s3engine.errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3engine.errors import PatternError, describe

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}\Z")
URL_RE = re.compile(r"^https?://[^\s<>\"']+\Z")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TRAVERSAL_RE = re.compile(r"(^|[\\/])\.\.([\\/]|$)")

KINDS = ("s3", "toolbox")
MITS_PHASES = (
    "preparation",
    "team-formation",
    "evaluation",
    "co-design",
    "co-implementation",
    "review",
)
S3_PHASES = (
    "consent-decision",
    "objection-testing",
    "objection-resolution",
    "proposal-forming",
    "navigate-tension",
    "role-selection",
    "agreement-review",
    "governance",
    "meetings",
    "organising-work",
    "peer-development",
    "domains",
    "learning",
)
PHASES = MITS_PHASES + S3_PHASES

S3_CATEGORIES = (
    "Sense-Making and Decision-Making",
    "Evolving Organizations",
    "Peer Development",
    "Enablers of Co-Creation",
    "Building Organizations",
    "Bringing in S3",
    "Defining Agreements",
    "Meeting Formats",
    "Meeting Practices",
    "Organizing Work",
)
S3_CATEGORIES_2021 = (
    "Co-Creation and Evolution",
    "Peer Development",
    "Enablers of Collaboration",
    "Building Organizations",
    "Organizational Structure",
    "Bringing in S3",
    "Defining Agreements",
    "Focused Interactions",
    "Meeting Practices",
    "Organizing Work",
)
TOOLBOX_CATEGORIES = (
    "Facilitation",
    "Group Process and Social Technologies",
    "Co-Production",
    "Public Participation",
    "Collaborative Infrastructure",
    "MiTS Structures",
)
S3_LICENSE = "CC BY-SA 4.0"

#: Structured fields in file order (``source_url`` is the only optional one).
FIELDS = (
    "id",
    "name",
    "aliases",
    "kind",
    "category",
    "category_2021",
    "source",
    "source_url",
    "summary",
    "related",
    "phases",
    "tags",
    "version",
    "license",
    "attribution",
)
OPTIONAL = frozenset({"source_url"})
REQUIRED = tuple(f for f in FIELDS if f not in OPTIONAL)

MAX_FILE = 1_000_000
MAX_LINE = 400
MAX_TEXT = 4_000
MAX_BODY = 200_000
MAX_ITEMS = 100


@dataclass(frozen=True)
class Pattern:
    """One pattern: the structured fields of the front matter plus the Markdown body.

    Attributes:
        id: Stable slug, equal to the file name without ``.md``.
        name: Exact display name.
        aliases: Old or alternative names.
        kind: ``s3`` or ``toolbox``.
        category: S3 2024 category or toolbox category.
        category_2021: S3 2021-09-22 category, or None.
        source: The guide or document the pattern comes from.
        source_url: Optional web address of the source.
        summary: One line.
        related: Ids of related patterns.
        phases: MiTS phases and S3 processes the pattern helps with.
        tags: Lower-case search words.
        version: Version of the pattern text (1, 2, ...).
        license: Licence of the text.
        attribution: Credit line.
        body: Markdown sections.
        path: File the pattern was read from (None for imported patterns).
        origin: ``shipped`` (a pattern file) or ``imported`` (from a notebook).
        revision: Local revision among entries with the same id (the shipped file is 1).
        provenance: Where an imported pattern came from (community, author, date ...).
    """

    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str
    category: str
    category_2021: str | None
    source: str
    summary: str
    related: tuple[str, ...]
    phases: tuple[str, ...]
    tags: tuple[str, ...]
    version: int
    license: str
    attribution: str
    body: str
    source_url: str | None = None
    path: str | None = None
    origin: str = "shipped"
    revision: int = 1
    provenance: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def key(self) -> str:
        """Unique key of this entry: the id for a shipped file, ``<id>@<revision>`` for imports."""
        return self.id if self.origin == "shipped" else f"{self.id}@{self.revision}"

    def fields(self) -> dict[str, Any]:
        """The structured fields as plain data, in file order (``source_url`` only when set)."""
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if name in OPTIONAL and value is None:
                continue
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def as_dict(self, body: bool = True) -> dict[str, Any]:
        """Fields plus body and where the entry comes from, for JSON output and the query side."""
        out = self.fields()
        out.setdefault("source_url", None)
        if body:
            out["body"] = self.body
        out.update(
            key=self.key,
            origin=self.origin,
            revision=self.revision,
            path=self.path,
            provenance=self.provenance,
        )
        return out

    def to_markdown(self) -> str:
        """The pattern as a pattern file (front matter + body)."""
        import yaml

        front = yaml.safe_dump(self.fields(), sort_keys=False, allow_unicode=True, width=100)
        return f"---\n{front}---\n{self.body}"


def split_front_matter(text: str, source: str) -> tuple[str, str]:
    """Split a pattern file into (front matter text, body).

    Raises:
        PatternError: The text does not start with a ``---`` line or the closing line is missing.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise PatternError(
            source,
            "",
            "the file does not start with a YAML front matter",
            "a first line '---', the fields, then a line '---' before the body",
        )
    end = text.find("\n---\n", 3)
    if end == -1:
        if text.endswith("\n---"):
            end = len(text) - 4
        else:
            raise PatternError(
                source, "", "the front matter is not closed", "a line '---' after the fields"
            )
    return text[4 : end + 1], text[end + 5 :]


def load_yaml(front: str, source: str) -> dict[str, Any]:
    """Read front matter text with ``yaml.safe_load``; anything but a mapping is a PatternError."""
    import yaml

    try:
        data = yaml.safe_load(front)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise PatternError(
            source,
            "",
            f"the front matter is not valid YAML{where}: {exc.problem or exc}",
            "YAML like the other pattern files",
        ) from None
    except Exception as exc:
        raise PatternError(
            source,
            "",
            f"the front matter is not valid YAML: {type(exc).__name__}",
            "YAML like the other pattern files",
        ) from None
    if not isinstance(data, dict):
        raise PatternError(
            source,
            "",
            f"the front matter is {type(data).__name__}, not a mapping",
            "one 'key: value' line per field",
        )
    return data


def parse_text(text: str, source: str, stem: str | None = None, path: str | None = None) -> Pattern:
    """Parse the text of a pattern file.

    Args:
        text: The whole file.
        source: How errors name the file.
        stem: The file name without ``.md``; the id must equal it (None: no check).
        path: Recorded as ``Pattern.path``.

    Raises:
        PatternError: Naming ``source``, the field and what is expected.
    """
    if not isinstance(text, str):
        raise PatternError(source, "", "the file is not text", "UTF-8 Markdown")
    if len(text) > MAX_FILE:
        raise PatternError(
            source, "", f"the file is {len(text)} characters long", f"at most {MAX_FILE}"
        )
    front, body = split_front_matter(text, source)
    data = load_yaml(front, source)
    return make_pattern(data, body, source, stem=stem, path=path)


def parse_file(path: str | Path, source: str | None = None) -> Pattern:
    """Read and parse one pattern file (the id must equal the file name without ``.md``)."""
    p = Path(path)
    src = source or str(p)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PatternError(
            src, "", f"the file cannot be read ({exc.strerror})", "a readable pattern file"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PatternError(src, "", "the file is not UTF-8 text", "UTF-8 Markdown") from None
    return parse_text(text, src, stem=p.stem, path=str(p))


def make_pattern(
    data: dict[str, Any],
    body: str,
    source: str,
    stem: str | None = None,
    path: str | None = None,
    **extra: Any,
) -> Pattern:
    """Check structured fields and body, and build the :class:`Pattern`."""
    clean = check_fields(data, source, stem)
    clean["body"] = check_body(body, source)
    return Pattern(**clean, path=path, **extra)


def check_body(body: Any, source: str) -> str:
    """The body must be non-empty Markdown text without control characters."""
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
    return out


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
}


def _line(data: dict[str, Any], key: str, source: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise PatternError(source, key, f"{describe(value)} is not text", _EXPECT[key])
    value = value.strip()
    if not value:
        raise PatternError(source, key, "is empty", _EXPECT[key])
    if "\n" in value or CONTROL_RE.search(value):
        raise PatternError(source, key, "is not a single line of text", "one line of text")
    if len(value) > MAX_LINE:
        raise PatternError(source, key, f"is {len(value)} characters long", f"at most {MAX_LINE}")
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


def _lines(data: dict[str, Any], key: str, source: str) -> tuple[str, ...]:
    value = data[key]
    if value is None:
        value = []
    if not isinstance(value, list):
        raise PatternError(source, key, f"{describe(value)} is not a list", _EXPECT[key])
    if len(value) > MAX_ITEMS:
        raise PatternError(source, key, f"has {len(value)} items", f"at most {MAX_ITEMS}")
    out = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise PatternError(source, key, f"the item {describe(item)} is not text", _EXPECT[key])
        item = item.strip()
        if "\n" in item or CONTROL_RE.search(item) or len(item) > MAX_LINE:
            raise PatternError(
                source, key, f"the item {describe(item)} is not a short line", _EXPECT[key]
            )
        out.append(item)
    return tuple(out)
