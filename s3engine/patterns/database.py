"""The pattern database: the shipped pattern files plus the patterns imported into a workspace.

:class:`PatternDB` reads the pattern folder incrementally (:mod:`s3engine.patterns.folder`: only
changed files are parsed again), checks what no single file can (unique ids, every ``related`` id
resolves), keeps the related graph both ways, answers "patterns for this step"
(:mod:`s3engine.patterns.phase`) and runs the search index (:mod:`s3engine.patterns.search`).

A workspace gets its database with :func:`attach`: shipped patterns are put into the query-side
table ``patterns`` (so they land in TinyDB on flush; see :mod:`s3engine.patterns.row`), and
patterns imported from notebooks come from the journal: each import is one ``pattern.imported``
event, applied by :func:`apply_imported` (registered for ``pattern.imported`` in the
``s3flow.event_handlers`` entry points) to the tables ``imported_patterns`` and ``patterns`` and to
the attached database. When an id already exists, the import is kept as a new revision (key
``<id>@<revision>``) next to it; nothing is ever overwritten.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``, ``s3engine.shipped``,
``s3engine.patterns``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from s3engine.core.workspace import Workspace
from s3engine.errors import PatternError, S3Error, UnknownPatternError
from s3engine.patterns.folder import PatternFolder
from s3engine.patterns.listing import SearchResult
from s3engine.patterns.model import PHASES, Pattern
from s3engine.patterns.phase import patterns_for_phases, step_phases
from s3engine.patterns.row import imported_from_row, pattern_from_event, row
from s3engine.patterns.search import SearchIndex
from s3engine.patterns.text import fold
from s3engine.shipped import patterns_dir

#: The journal event of one imported pattern.
EVENT = "pattern.imported"


def default_root() -> Path:
    """The shipped pattern folder (see :mod:`s3engine.shipped`)."""
    return patterns_dir()


class PatternDB:
    """Shipped and imported patterns, validated, searchable and linked.

    Args:
        root: The ``patterns`` folder (defaults to :func:`default_root`).

    Attributes:
        root: The pattern folder.
        problems: Every problem found by the last load (files, duplicate ids, unknown related
            ids), empty when all is valid.
        index: The search index over every entry.
        parsed: How many files the last load parsed.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.problems: list[PatternError] = []
        self.index = SearchIndex()
        self._folder = PatternFolder(self.root)
        self._shipped: dict[str, Pattern] = {}
        self._imported: dict[str, Pattern] = {}
        self._linked_from: dict[str, list[str]] = {}
        self._file_problems: list[PatternError] = []
        self._loaded = False
        self.parsed = 0

    # -- loading -------------------------------------------------------------------------------

    def source_name(self, path: str | Path) -> str:
        """How errors name a file: relative to the folder holding ``patterns/`` when possible."""
        return self._folder.source_name(path)

    def load(self, strict: bool = False) -> int:
        """Read new and changed pattern files; forget removed ones; check across files.

        Args:
            strict: Raise the first problem instead of only recording it in ``problems``.

        Returns:
            How many files were parsed (0 when nothing changed).

        Raises:
            PatternError: The pattern folder does not exist; with ``strict``, the first problem
                (naming file, field, expectation).
        """
        changed = self._folder.read() or not self._loaded
        self.parsed = self._folder.parsed
        self._loaded = True
        if changed:
            self._rebuild_shipped()
        if strict and self.problems:
            raise self.problems[0]
        return self.parsed

    refresh = load

    def _rebuild_shipped(self) -> None:
        shipped: dict[str, Pattern] = {}
        problems: list[PatternError] = []
        for path, (_stamp, result) in self._folder.files.items():
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
                "translations": {t.lang: t.fields() for t in p.translations},
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
        """Add an imported pattern entry (searchable at once; related ids are checked again)."""
        self._ensure()
        self._imported[p.key] = p
        self._index(p)
        self._relink()

    def next_revision(self, pid: str) -> tuple[int, list[Pattern]]:
        """The revision an import of ``pid`` gets, and the entries with that id it sits next to."""
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
        """Every entry (S3 first, then toolbox; by id, then revision), optionally filtered.

        Args:
            category: Only this category (exact, accents and case ignored).
            source: Only entries whose source contains this text (accents and case ignored).
            kind: Only ``s3`` or only ``toolbox``.
            phase: Only entries listing this phase.
            tag: Only entries with this tag (accents and case ignored).

        Returns:
            The entries.
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
        lang: str | None = None,
    ) -> list[SearchResult]:
        """Ranked search in every language, tolerating typos (see :meth:`SearchIndex.search`).

        Args:
            query: Free text; empty lists the filtered entries by name.
            limit: Maximum number of results.
            category: Only this category.
            source: Only entries whose source contains this text.
            phase: Only entries listing this phase.
            tag: Only entries with this tag.
            kind: Only ``s3`` or only ``toolbox``.
            lang: The user's language (preferred when the query's is unclear; ranks first).

        Returns:
            The results, best first.

        Raises:
            PatternError: ``phase`` is not a phase.
        """
        self._ensure()
        if phase and phase not in PHASES:
            raise PatternError(
                "search", "phase", f"'{phase}' is not a phase", "one of: " + ", ".join(PHASES)
            )
        hits = self.index.search(
            query,
            limit=limit,
            category=category,
            source=source,
            phase=phase,
            tag=tag,
            kind=kind,
            lang=lang,
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
        out = patterns_for_phases(self._defaults(), phases, named)
        seen = {p.id for p in out}
        out += [self.get(pid) for pid in named if pid not in seen and self.has(pid)]
        return out

    def _defaults(self) -> list[Pattern]:
        """One entry per id (what :meth:`get` returns)."""
        ids = dict.fromkeys(p.id for p in self.patterns())
        return [self.get(i) for i in ids]

    # -- workspace ---------------------------------------------------------------------------------

    def used_in(self, ws: Workspace, pid: str) -> list[str]:
        """Ids of the records (decisions ...) that name pattern ``pid``.

        Raises:
            UnknownPatternError: No such pattern.
        """
        found = ws.projection.get("patterns_used", self.get(pid).id) or {}
        return list(found.get("records", []))

    def project(self, ws: Workspace) -> None:
        """Put every entry into the query-side table ``patterns`` (only rows that changed)."""
        table = ws.projection.table("patterns", create=False)
        keys = set()
        for p in self.patterns():
            keys.add(p.key)
            if p.origin != "shipped" and p.key in table:
                continue  # rows of imports are written by apply_imported, with who and when
            new = row(p, self._folder.stamp(p.path or ""))
            if table.get(p.key) != new:
                ws.projection.put("patterns", p.key, new)
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
        memory = ws.projection.table("patterns")
        for saved in rows:
            p = self._folder.adopt(saved)
            if p is not None:
                memory.setdefault(p.key, saved)
                used += 1
        return used


# --- workspace hook -------------------------------------------------------------------------------


def apply_imported(ws: Workspace, event: dict[str, Any]) -> None:
    """Apply a ``pattern.imported`` event (live and when the journal is replayed).

    The pattern goes to the query-side tables ``imported_patterns`` and ``patterns`` and, when
    the workspace has a pattern database attached, into it (searchable at once). An event that no
    longer passes the schema is kept in the journal and skipped here (noted in
    ``ws.extensions["pattern_import_problems"]``).

    Args:
        ws: The workspace applying the event.
        event: The journal event.
    """
    try:
        p = pattern_from_event(event)
    except (PatternError, KeyError, TypeError, ValueError) as exc:
        ws.extensions.setdefault("pattern_import_problems", []).append(
            f"event {event.get('seq')}: {exc}"
        )
        return
    new = row(p, (0, 0))
    new.update(
        imported_by=event.get("actor"),
        imported_at=event.get("time"),
        seq=event.get("seq"),
        conflicts=list(event["data"].get("conflicts", [])),
    )
    ws.projection.put("imported_patterns", p.key, new)
    ws.projection.put("patterns", p.key, new)
    db = ws.extensions.get("patterns")
    if isinstance(db, PatternDB):
        db.add_imported(p)


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

    Raises:
        PatternError: The pattern folder does not exist; with ``strict``, the first problem.
    """
    db = ws.extensions.get("patterns")
    if not isinstance(db, PatternDB) or (root is not None and Path(root) != db.root):
        db = PatternDB(root)
        db.seed(ws)
        db.load(strict=strict)
        for saved in ws.projection.all("imported_patterns"):
            try:
                p = imported_from_row(saved)
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
    """Every problem of the pattern folder (an empty list when all is valid).

    Args:
        root: The pattern folder (default: the shipped one).

    Returns:
        The problems, each naming the file, the field and what is expected.
    """
    db = PatternDB(root)
    try:
        db.load()
    except PatternError as exc:
        return [exc]
    return list(db.problems)
