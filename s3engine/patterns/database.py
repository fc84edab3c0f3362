"""The pattern database: the shipped pattern files plus the patterns imported into a workspace.

:class:`PatternDB` reads ``patterns/<folder>/<id>.md`` incrementally (a cache keyed by file path
holds ``(mtime_ns, size)``; only changed files are parsed again), checks what no single file can
(unique ids, every ``related`` id resolves), keeps the related graph both ways, answers
"patterns for this step" and runs the search index (:mod:`s3engine.patterns.search`).

A workspace gets its database with :func:`attach`: shipped patterns are put into the query-side
table ``patterns`` (so they land in TinyDB on flush), and patterns imported from notebooks come from
the journal: each import is one ``pattern.imported`` event, applied by :func:`apply_imported` (which
registered for ``pattern.imported`` in the ``s3flow.event_handlers`` entry points) to the tables ``imported_patterns`` and
``patterns`` and to the attached database. When an id already exists, the import is kept as a new
revision (key ``<id>@<revision>``) next to it; nothing is ever overwritten.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3engine.core.registry import default_registry
from s3engine.core.workspace import Workspace
from s3engine.errors import PatternError, S3Error, UnknownPatternError
from s3engine.patterns.model import MITS_PHASES, PHASES, Pattern, make_pattern, parse_file
from s3engine.patterns.search import Hit, SearchIndex, fold
from s3engine.shipped import patterns_dir

#: Layout version of the rows this module writes to the query side.
SCHEMA = 1
EVENT = "pattern.imported"

Stamp = tuple[int, int]
#: Parsed pattern files shared by every database in this program: path -> (stamp, result).
_FILE_CACHE: dict[str, tuple[Stamp, Pattern | PatternError]] = {}


def default_root() -> Path:
    """The shipped pattern folder (see :mod:`s3engine.shipped`)."""
    return patterns_dir()


@dataclass(frozen=True)
class SearchResult:
    """One search hit with its pattern."""

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


def listing(p: Pattern) -> dict[str, Any]:
    """The fields ``patterns list --json`` shows for one entry."""
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
    }


class PatternDB:
    """Shipped and imported patterns, validated, searchable and linked.

    Args:
        root: The ``patterns`` folder (defaults to :func:`default_root`).
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.problems: list[PatternError] = []
        self.index = SearchIndex()
        self._files: dict[str, tuple[Stamp, Pattern | PatternError]] = {}
        self._shipped: dict[str, Pattern] = {}
        self._imported: dict[str, Pattern] = {}
        self._linked_from: dict[str, list[str]] = {}
        self._file_problems: list[PatternError] = []
        self._loaded = False
        self.parsed = 0

    # -- loading -------------------------------------------------------------------------------

    def source_name(self, path: str | Path) -> str:
        """How errors name a file: relative to the folder holding ``patterns/`` when possible."""
        p = Path(path)
        try:
            return p.relative_to(self.root.parent).as_posix()
        except ValueError:
            return str(p)

    def _scan(self) -> dict[str, Stamp]:
        if not self.root.is_dir():
            raise PatternError(
                str(self.root),
                "",
                "the pattern folder does not exist",
                "a folder with s3/ and toolbox/ holding <id>.md files",
            )
        found: dict[str, Stamp] = {}
        for sub in sorted(self.root.iterdir()):
            if not sub.is_dir() or sub.name.startswith((".", "_")):
                continue
            with os.scandir(sub) as it:
                for entry in it:
                    if entry.name.endswith(".md") and not entry.name.startswith("."):
                        st = entry.stat()
                        found[entry.path] = (st.st_mtime_ns, st.st_size)
        return dict(sorted(found.items()))

    def load(self, strict: bool = False) -> int:
        """Read new and changed pattern files; forget removed ones; check across files.

        Args:
            strict: Raise the first problem instead of only recording it in ``problems``.

        Returns:
            How many files were parsed (0 when nothing changed).

        Raises:
            PatternError: With ``strict``, the first problem (naming file, field, expectation).
        """
        stamps = self._scan()
        parsed = 0
        files: dict[str, tuple[Stamp, Pattern | PatternError]] = {}
        for path, stamp in stamps.items():
            old = self._files.get(path) or _FILE_CACHE.get(path)
            if old is not None and old[0] == stamp:
                files[path] = old
                continue
            try:
                result: Pattern | PatternError = parse_file(path, self.source_name(path))
            except PatternError as exc:
                result = exc
            files[path] = _FILE_CACHE[path] = (stamp, result)
            parsed += 1
        changed = parsed > 0 or files.keys() != self._files.keys() or not self._loaded
        self._files = files
        self.parsed = parsed
        self._loaded = True
        if changed:
            self._rebuild_shipped()
        if strict and self.problems:
            raise self.problems[0]
        return parsed

    refresh = load

    def _rebuild_shipped(self) -> None:
        shipped: dict[str, Pattern] = {}
        problems: list[PatternError] = []
        for path, (_stamp, result) in self._files.items():
            if isinstance(result, PatternError):
                problems.append(result)
                continue
            other = shipped.get(result.id)
            if other is not None:
                problems.append(
                    PatternError(
                        self.source_name(path),
                        "id",
                        f"'{result.id}' is also the id of {self.source_name(other.path or '')}",
                        "ids that are unique across all pattern folders",
                    )
                )
                continue
            shipped[result.id] = result
        for key in [k for k, p in self._shipped.items() if shipped.get(k) is not p]:
            self.index.remove(key)
        for key, p in shipped.items():
            if self._shipped.get(key) is not p:
                self._index(p)
        self._shipped = shipped
        self._file_problems = problems
        self._relink()

    def _index(self, p: Pattern) -> None:
        self.index.add(
            p.key,
            {
                "name": p.name,
                "aliases": p.aliases,
                "tags": p.tags,
                "summary": p.summary,
                "body": p.body,
            },
            {
                "category": p.category,
                "source": p.source,
                "kind": p.kind,
                "phases": p.phases,
                "tags": p.tags,
            },
        )

    def _relink(self) -> None:
        """Check every related id and rebuild the linked-from side of the graph."""
        problems = list(self._file_problems)
        linked: dict[str, list[str]] = {}
        for p in self.patterns():
            for rid in p.related:
                if not self.has(rid):
                    problems.append(
                        PatternError(
                            self._where(p),
                            "related",
                            f"'{rid}' is not a known pattern id",
                            "ids of existing patterns (see `s3flow patterns list`)",
                        )
                    )
                    continue
                if p.id not in linked.setdefault(rid, []):
                    linked[rid].append(p.id)
        self._linked_from = linked
        self.problems = problems

    def _where(self, p: Pattern) -> str:
        if p.path:
            return self.source_name(p.path)
        nb = (p.provenance or {}).get("notebook", "")
        return f"imported pattern {p.key}" + (f" (from {nb})" if nb else "")

    def _ensure(self) -> None:
        if not self._loaded:
            self.load()

    # -- imported patterns -------------------------------------------------------------------------

    def add_imported(self, p: Pattern) -> None:
        """Add an imported pattern entry (searchable at once)."""
        self._ensure()
        self._imported[p.key] = p
        self._index(p)
        self._relink()

    def next_revision(self, pid: str) -> tuple[int, list[Pattern]]:
        """The revision an import of ``pid`` gets, and the entries it will sit next to."""
        existing = self.versions(pid)
        return (max((p.revision for p in existing), default=0) + 1, existing)

    # -- queries -----------------------------------------------------------------------------------

    def patterns(
        self,
        category: str | None = None,
        source: str | None = None,
        kind: str | None = None,
        phase: str | None = None,
        tag: str | None = None,
    ) -> list[Pattern]:
        """Every entry (shipped first, then imported revisions), optionally filtered.

        ``category`` is matched exactly, ``source`` as contained text (both ignore case and
        accents), ``kind``, ``phase`` and ``tag`` exactly.
        """
        self._ensure()
        order = {"s3": 0, "toolbox": 1}
        entries = sorted(
            [*self._shipped.values(), *self._imported.values()],
            key=lambda p: (order.get(p.kind, 2), p.id, p.revision),
        )
        if category:
            entries = [p for p in entries if fold(p.category) == fold(category)]
        if source:
            entries = [p for p in entries if fold(source) in fold(p.source)]
        if kind:
            entries = [p for p in entries if p.kind == kind]
        if phase:
            entries = [p for p in entries if phase in p.phases]
        if tag:
            entries = [p for p in entries if fold(tag) in {fold(t) for t in p.tags}]
        return entries

    def has(self, pid: str) -> bool:
        """Whether a pattern with this id (or entry key) exists."""
        self._ensure()
        return (
            pid in self._shipped
            or pid in self._imported
            or any(p.id == pid for p in self._imported.values())
        )

    def get(self, pid: str) -> Pattern:
        """The pattern with this id: the shipped one, else the latest imported revision.

        ``<id>@<revision>`` selects one revision.

        Raises:
            UnknownPatternError: No such pattern.
        """
        self._ensure()
        found = self._shipped.get(pid) or self._imported.get(pid)
        if found is None:
            revs = [p for p in self._imported.values() if p.id == pid]
            if revs:
                found = max(revs, key=lambda p: p.revision)
        if found is None:
            raise UnknownPatternError(
                f"There is no pattern '{pid}'.", "Search with `s3flow patterns search WORDS`."
            )
        return found

    def versions(self, pid: str) -> list[Pattern]:
        """Every entry with this id: the shipped file and imported revisions, oldest first."""
        self._ensure()
        out = [self._shipped[pid]] if pid in self._shipped else []
        out += sorted((p for p in self._imported.values() if p.id == pid), key=lambda p: p.revision)
        return out

    def links_to(self, pid: str) -> list[Pattern]:
        """The patterns ``pid`` names as related (that exist)."""
        return [self.get(r) for r in self.get(pid).related if self.has(r)]

    def linked_from(self, pid: str) -> list[Pattern]:
        """The patterns naming ``pid`` as related."""
        p = self.get(pid)
        return [self.get(i) for i in self._linked_from.get(p.id, [])]

    def related(self, pid: str) -> dict[str, list[Pattern]]:
        """Both directions of the related graph."""
        return {"links_to": self.links_to(pid), "linked_from": self.linked_from(pid)}

    def search(
        self,
        query: str,
        limit: int = 10,
        category: str | None = None,
        source: str | None = None,
        phase: str | None = None,
        tag: str | None = None,
        kind: str | None = None,
    ) -> list[SearchResult]:
        """Ranked full-text search (see :meth:`s3engine.patterns.search.SearchIndex.search`)."""
        self._ensure()
        if phase and phase not in PHASES:
            raise PatternError(
                "search", "phase", f"'{phase}' is not a phase", "one of: " + ", ".join(PHASES)
            )
        hits = self.index.search(
            query, limit=limit, category=category, source=source, phase=phase, tag=tag, kind=kind
        )
        return [SearchResult(self._entry(h.key), h) for h in hits]

    def _entry(self, key: str) -> Pattern:
        return self._shipped.get(key) or self._imported[key]

    def for_step(self, step: Any) -> list[Pattern]:
        """Patterns suited to a process step or a MiTS phase.

        Args:
            step: A running process (its innermost step is used), ``"kind:state"`` such as
                ``"consent:resolving"``, a state name such as ``"resolving"``, a phase such as
                ``"role-selection"`` or ``"co-design"``, or a short phrase such as
                ``"resolving an objection"``.

        Returns:
            Per phase (the step's own first, then its process's), the patterns listing it: those
            the process type names first, toolbox patterns first for MiTS phases, then those
            listing the phase earliest.

        Raises:
            UnknownPatternError: The step cannot be matched to any phase.
        """
        self._ensure()
        phases, named = step_phases(step)
        out: list[Pattern] = []
        seen: set[str] = set()
        for phase in phases:
            matching = [p for p in self._defaults() if phase in p.phases and p.id not in seen]
            mits = phase in MITS_PHASES  # the toolbox describes the MiTS cycle's phases
            matching.sort(
                key=lambda p: (
                    p.id not in named,
                    not p.id.startswith(phase),
                    mits and p.kind != "toolbox",
                    p.phases.index(phase),
                    p.name,
                )
            )
            out += matching
            seen.update(p.id for p in matching)
        out += [self.get(pid) for pid in named if pid not in seen and self.has(pid)]
        return out

    def _defaults(self) -> list[Pattern]:
        """One entry per id (what :meth:`get` returns)."""
        ids = dict.fromkeys(p.id for p in self.patterns())
        return [self.get(i) for i in ids]

    # -- workspace ---------------------------------------------------------------------------------

    def used_in(self, ws: Workspace, pid: str) -> list[str]:
        """Ids of the records (decisions ...) that name pattern ``pid``."""
        row = ws.projection.get("patterns_used", self.get(pid).id) or {}
        return list(row.get("records", []))

    def project(self, ws: Workspace) -> None:
        """Put every entry into the query-side table ``patterns`` (only rows that changed)."""
        table = ws.projection.tables.get("patterns", {})
        keys = set()
        for p in self.patterns():
            keys.add(p.key)
            if p.origin != "shipped" and p.key in table:
                continue  # rows of imports are written by apply_imported, with who and when
            row = _row(p, self._files.get(p.path or "", ((0, 0), None))[0])
            if table.get(p.key) != row:
                ws.projection.put("patterns", p.key, row)
        for key in [k for k in table if k not in keys]:
            ws.projection.delete("patterns", key)

    def seed(self, ws: Workspace) -> int:
        """Reuse the rows of the workspace's TinyDB table ``patterns`` for unchanged files.

        A new program then parses only files changed since the table was written. Rows are checked
        against the schema again (cheap) and ignored when their file's stamp differs.

        Returns:
            How many files were taken from the table.
        """
        path = ws.projection.folder / "patterns.json"
        try:
            with open(path, encoding="utf-8") as fh:
                rows = json.load(fh).get("patterns", {}).values()
        except (OSError, ValueError, AttributeError):
            return 0
        used = 0
        memory = ws.projection.tables.setdefault("patterns", {})
        for row in rows:
            try:
                if row.get("schema") != SCHEMA or row.get("origin") != "shipped":
                    continue
                fpath = row["path"]
                if Path(fpath).parent.parent != self.root or fpath in _FILE_CACHE:
                    continue
                st = os.stat(fpath)
                stamp = (st.st_mtime_ns, st.st_size)
                if [stamp[0], stamp[1]] != row["stamp"]:
                    continue
                fields = {k: row[k] for k in _FIELD_KEYS if k in row}
                if fields.get("source_url") is None:
                    fields.pop("source_url", None)
                p = make_pattern(
                    fields, row["body"], self.source_name(fpath), stem=Path(fpath).stem, path=fpath
                )
            except (OSError, KeyError, TypeError, AttributeError, PatternError):
                continue
            _FILE_CACHE[fpath] = (stamp, p)
            memory.setdefault(p.key, row)
            used += 1
        return used


_FIELD_KEYS = (
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


def _row(p: Pattern, stamp: Stamp) -> dict[str, Any]:
    row = p.as_dict()
    row["schema"] = SCHEMA
    if p.origin == "shipped":
        row["stamp"] = [stamp[0], stamp[1]]
    return row


# --- steps -> phases -----------------------------------------------------------------------------

KIND_PHASES = {
    "consent": "consent-decision",
    "objection-test": "objection-testing",
    "resolution": "objection-resolution",
    "proposal-forming": "proposal-forming",
    "tension": "navigate-tension",
    "evaluate": "agreement-review",
    "role-selection": "role-selection",
}
STATE_PHASES = {
    "choose": "objection-testing",
    "testing": "objection-testing",
    "req_testing": "objection-testing",
    "concern_testing": "objection-testing",
    "present_argument": "objection-testing",
    "understand_argument": "objection-testing",
    "check_disagreement": "objection-testing",
    "investigate": "objection-testing",
    "resolving": "objection-resolution",
    "req_resolving": "objection-resolution",
    "concern_resolving": "objection-resolution",
    "amend": "objection-resolution",
    "nominate": "role-selection",
    "nominations": "role-selection",
    "reasons": "role-selection",
    "changes": "role-selection",
    "accept": "role-selection",
    "tuners": "proposal-forming",
    "ideas": "proposal-forming",
    "considerations": "proposal-forming",
    "agreement_review": "agreement-review",
    "driver_review": "agreement-review",
    "is_driver": "navigate-tension",
    "in_domain": "navigate-tension",
    "lit": "team-formation",
}
_KEYWORDS = (
    (("objection", "resolv"), "objection-resolution"),
    (("objection", "amend"), "objection-resolution"),
    (("resolv",), "objection-resolution"),
    (("objection",), "objection-testing"),
    (("role",), "role-selection"),
    (("nominat",), "role-selection"),
    (("proposal",), "proposal-forming"),
    (("tension",), "navigate-tension"),
    (("review", "agreement"), "agreement-review"),
    (("consent",), "consent-decision"),
)


def step_phases(step: Any) -> tuple[list[str], list[str]]:
    """Phases for a step (see :meth:`PatternDB.for_step`) and the pattern ids its process names.

    Raises:
        UnknownPatternError: Nothing matches.
    """
    named: list[str] = []
    if hasattr(step, "definition") and hasattr(step, "state"):
        leaf = step.leaf() if hasattr(step, "leaf") else step
        named = list(leaf.definition.patterns)
        if leaf is not step:
            named += [p for p in step.definition.patterns if p not in named]
        kind, state = leaf.kind, leaf.state
        outer = step.kind
    else:
        text = str(step).strip()
        kind, sep, state = text.partition(":")
        if not sep:
            kind, state = "", text
        outer = kind
        if kind in default_registry().process_types:
            named = list(default_registry().process_types[kind].definition.patterns)
    phases: list[str] = []

    def add(phase: str | None) -> None:
        if phase and phase in PHASES and phase not in phases:
            phases.append(phase)

    norm = fold(state).strip().replace("_", "-").replace(" ", "-")
    add(norm if norm in PHASES else None)
    add(STATE_PHASES.get(state) or STATE_PHASES.get(norm.replace("-", "_")))
    add(KIND_PHASES.get(kind))
    if outer != kind:
        add(KIND_PHASES.get(outer))
    if not phases:
        words = fold(str(step))
        for phase in PHASES:
            if phase in words or phase.replace("-", " ") in words:
                add(phase)
        for needles, phase in _KEYWORDS:
            if all(n in words for n in needles):
                add(phase)
    for kind_name, phase in KIND_PHASES.items():
        cls = default_registry().process_types.get(kind_name)
        if phase in phases and cls is not None:
            named += [p for p in cls.definition.patterns if p not in named]
    if not phases and not named:
        raise UnknownPatternError(
            f"No patterns are known for the step '{str(step)[:60]}'.",
            "Give a phase (" + ", ".join(PHASES) + "), a state such as 'resolving', or "
            "kind:state such as consent:testing.",
        )
    return phases, named


# --- workspace hook -------------------------------------------------------------------------------


def apply_imported(ws: Workspace, event: dict[str, Any]) -> None:
    """Apply a ``pattern.imported`` event (live and when the journal is replayed).

    The pattern goes to the query-side tables ``imported_patterns`` and ``patterns`` and, when
    the workspace has a pattern database attached, into it (searchable at once). An event that no
    longer passes the schema is kept in the journal and skipped here (noted in
    ``ws.extensions["pattern_import_problems"]``).
    """
    try:
        p = pattern_from_event(event)
    except (PatternError, KeyError, TypeError, ValueError) as exc:
        ws.extensions.setdefault("pattern_import_problems", []).append(
            f"event {event.get('seq')}: {exc}"
        )
        return
    row = _row(p, (0, 0))
    row.update(
        imported_by=event.get("actor"),
        imported_at=event.get("time"),
        seq=event.get("seq"),
        conflicts=list(event["data"].get("conflicts", [])),
    )
    ws.projection.put("imported_patterns", p.key, row)
    ws.projection.put("patterns", p.key, row)
    db = ws.extensions.get("patterns")
    if isinstance(db, PatternDB):
        db.add_imported(p)


def pattern_from_event(event: dict[str, Any]) -> Pattern:
    """Rebuild the imported pattern an event holds (checked against the schema again)."""
    data = dict(event["data"])
    body = data.pop("body")
    provenance = data.pop("provenance", None)
    revision = data.pop("revision", 1)
    data.pop("conflicts", None)
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        raise PatternError(
            f"journal event {event.get('seq')}",
            "revision",
            f"{revision!r} is not a revision",
            "a whole number from 1",
        )
    return make_pattern(
        data,
        body,
        f"journal event {event.get('seq')}",
        origin="imported",
        revision=revision,
        provenance=provenance if isinstance(provenance, dict) else None,
    )


def attach(
    ws: Workspace, root: str | os.PathLike[str] | None = None, strict: bool = False
) -> PatternDB:
    """Give a workspace its pattern database (``ws.extensions["patterns"]``) and project it.

    Args:
        ws: The workspace.
        root: The pattern folder (default: the shipped one).
        strict: Raise the first validation problem instead of recording it.

    Returns:
        The database: shipped patterns plus those imported into this workspace.
    """
    db = ws.extensions.get("patterns")
    if not isinstance(db, PatternDB) or (root is not None and Path(root) != db.root):
        db = PatternDB(root)
        db.seed(ws)
        db.load(strict=strict)
        for row in ws.projection.all("imported_patterns"):
            try:
                p = pattern_from_event(
                    {
                        "data": {
                            k: v
                            for k, v in row.items()
                            if k in _FIELD_KEYS or k in ("body", "provenance", "revision")
                        },
                        "seq": row.get("seq"),
                    }
                )
            except (PatternError, KeyError, TypeError):
                continue
            db._imported[p.key] = p
            db._index(p)
        db._relink()
        ws.extensions["patterns"] = db
    else:
        db.load(strict=strict)
    db.project(ws)
    return db


def validate_all(root: str | os.PathLike[str] | None = None) -> list[S3Error]:
    """Every problem of the pattern folder (an empty list when all is valid)."""
    db = PatternDB(root)
    try:
        db.load()
    except PatternError as exc:
        return [exc]
    return list(db.problems)
