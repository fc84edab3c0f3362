"""One pattern: the :class:`Pattern` record and the vocabulary its fields use.

The vocabulary (kinds, phases, categories, the field names in file order) is what pattern files
and pattern notebooks are checked against (:mod:`s3engine.patterns.schema`); pattern files are
read by :mod:`s3engine.patterns.file`.

Allowed imports: standard library, ``yaml`` (imported lazily), ``s3engine.languages``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from s3engine.languages import LANGUAGES

#: Pattern kinds: the S3 guide and the MiTS toolbox.
KINDS = ("s3", "toolbox")
#: The phases of the MiTS cycle.
MITS_PHASES = (
    "preparation",
    "team-formation",
    "evaluation",
    "co-design",
    "co-implementation",
    "review",
)
#: The S3 processes and areas a pattern can help with.
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
#: Every phase a pattern can list.
PHASES = MITS_PHASES + S3_PHASES

#: Categories of the S3 guide (2024), of its 2021-09-22 edition, and of the toolbox.
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
#: The licence of every S3 pattern text.
S3_LICENSE = "CC BY-SA 4.0"

#: Languages a pattern's name, summary and aliases are translated into (English is the original).
TRANSLATED = tuple(code for code in LANGUAGES if code != "en")
#: Keys of one translation; ``reviewed_by`` is optional.
TRANSLATION_KEYS = ("name", "summary", "aliases", "reviewed_by")

#: Structured fields in file order (``source_url`` and ``translations`` are optional).
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
    "translations",
)
OPTIONAL = frozenset({"source_url", "translations"})
#: Fields every pattern must have.
REQUIRED = tuple(f for f in FIELDS if f not in OPTIONAL)


@dataclass(frozen=True)
class Translation:
    """A pattern's name, summary and search aliases in one language.

    Attributes:
        lang: Language code (one of :data:`TRANSLATED`).
        name: The name in that language.
        summary: The one-line summary in that language.
        aliases: Words and phrases people type in that language to find the pattern.
        reviewed_by: Who checked it as a native speaker (None: written by the s3flow team,
            machine-assisted, not yet reviewed).
    """

    lang: str
    name: str
    summary: str
    aliases: tuple[str, ...]
    reviewed_by: str | None = None

    def fields(self) -> dict[str, Any]:
        """Plain data, as in the pattern file (``reviewed_by`` only when set)."""
        out: dict[str, Any] = {
            "name": self.name,
            "summary": self.summary,
            "aliases": list(self.aliases),
        }
        if self.reviewed_by is not None:
            out["reviewed_by"] = self.reviewed_by
        return out


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
        translations: Name, summary and aliases in other languages, in :data:`TRANSLATED` order.
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
    translations: tuple[Translation, ...] = ()

    @property
    def key(self) -> str:
        """Unique key of this entry: the id for a shipped file, ``<id>@<revision>`` for imports."""
        return self.id if self.origin == "shipped" else f"{self.id}@{self.revision}"

    def fields(self) -> dict[str, Any]:
        """The structured fields as plain data, in file order (``source_url`` only when set)."""
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if name in OPTIONAL and not value:
                continue
            if name == "translations":
                out[name] = {t.lang: t.fields() for t in self.translations}
            else:
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def translation(self, lang: str) -> Translation | None:
        """The translation into ``lang``, or None (also for English, the original)."""
        for t in self.translations:
            if t.lang == lang:
                return t
        return None

    def name_in(self, lang: str) -> tuple[str, str]:
        """The name in ``lang`` and the language it is really in (English when untranslated)."""
        t = self.translation(lang)
        return (t.name, lang) if t is not None else (self.name, "en")

    def summary_in(self, lang: str) -> tuple[str, str]:
        """The summary in ``lang`` and the language it is really in (English when untranslated)."""
        t = self.translation(lang)
        return (t.summary, lang) if t is not None else (self.summary, "en")

    def as_dict(self, body: bool = True) -> dict[str, Any]:
        """Fields plus body and where the entry comes from, for JSON output and the query side."""
        out = self.fields()
        out.setdefault("source_url", None)
        out.setdefault("translations", {})
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
