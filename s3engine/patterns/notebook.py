"""Pattern notebooks: export patterns to a Jupyter notebook and import them into a workspace.

Export writes the layout of :mod:`s3engine.patterns.layout` (the same patterns give the same
file). Import reads every notebook with :func:`s3engine.patterns.reader.read_notebook` (untrusted:
size-limited, validated, never executed, sanitised, schema-checked) and only when every pattern of
every notebook passes journals each one as a ``pattern.imported`` event (see
:mod:`s3engine.patterns.database`); a bad pattern anywhere means nothing is written. An id that
already exists is kept as a new revision next to the existing one, and the result says so; a
pattern whose content (fields and body, :func:`content_hash`) was imported already is not imported
again, so importing the same notebook twice changes nothing the second time. Patterns arriving
inside an imported journal are held to the same sanitiser (:func:`check_imported`).

Allowed imports: standard library, ``nbformat`` (imported lazily), ``s3engine.core``,
``s3engine.errors``, ``s3engine.version``, ``s3engine.patterns``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from s3engine.core.projection import atomic_write
from s3engine.errors import NotebookError, PatternError, S3Error
from s3engine.patterns.database import EVENT, PatternDB, attach
from s3engine.patterns.layout import NB_FORMAT, NB_FORMAT_VERSION, cell_header, cell_id
from s3engine.patterns.model import Pattern
from s3engine.patterns.reader import NotebookPatterns, read_notebook, unsafe_fields
from s3engine.patterns.row import pattern_from_event
from s3engine.version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.core.workspace import Workspace

#: ``progress(done, total, path)``, called after each notebook is read.
Progress = Callable[[int, int, str], Any]


# --- export ---------------------------------------------------------------------------------------


def export_notebook(
    patterns: Sequence[Pattern],
    community: str | None = None,
    author: str | None = None,
    date: str | None = None,
    title: str | None = None,
    version: int = 1,
) -> Any:
    """Build a pattern notebook.

    Args:
        patterns: The patterns, in cell order.
        community: Community sharing them (provenance).
        author: Who exports them (provenance).
        date: ISO date of the export (default: today).
        title: Title cell heading (default: from the pattern names).
        version: Version of this collection (provenance).

    Returns:
        An ``nbformat.NotebookNode`` (v4.5) that passes ``nbformat.validate``.

    Raises:
        NotebookError: No patterns are given.
    """
    import nbformat
    from nbformat import v4

    if not patterns:
        raise NotebookError("There are no patterns to export.", "Name at least one pattern id.")
    when = date or _date.today().isoformat()
    names = ", ".join(p.name for p in patterns)
    heading = title or (patterns[0].name if len(patterns) == 1 else f"Patterns: {names}")
    # nbformat ships py.typed but leaves its v4 constructors unannotated.
    nb = v4.new_notebook()  # type: ignore[no-untyped-call]
    nb.nbformat, nb.nbformat_minor = 4, 5
    prov = {
        "format": NB_FORMAT,
        "format_version": NB_FORMAT_VERSION,
        "community": community,
        "author": author,
        "date": when,
        "version": version,
        "s3flow_version": __version__,
        "patterns": [p.id for p in patterns],
    }
    nb.metadata["s3flow"] = prov
    shared = " by " + author if author else ""
    shared += f" ({community})" if community else ""
    licences = sorted({p.license for p in patterns})
    intro = (
        f"# {heading}\n\n{len(patterns)} pattern(s) shared{shared} on {when}, exported with "
        f"s3flow {__version__}. Import with `s3flow patterns import FILE.ipynb`.\n\n"
        f"Licence: {', '.join(licences)}; see each pattern's attribution."
    )
    nb.cells.append(_markdown_cell(intro, cell_id("s3flow-title", 0)))
    for pos, p in enumerate(patterns, 1):
        cell = _markdown_cell(cell_header(p.name, p.summary) + p.body, cell_id(p.id, pos))
        meta: dict[str, Any] = {"pattern": p.fields()}
        if p.provenance:
            meta["provenance"] = p.provenance
        cell.metadata["s3flow"] = meta
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def _markdown_cell(source: str, cid: str) -> Any:
    """A new Markdown cell with this source and id."""
    from nbformat import v4

    cell = v4.new_markdown_cell(source)  # type: ignore[no-untyped-call]  # unannotated in nbformat
    cell.id = cid
    return cell


def write_notebook(nb: Any, path: str | Path) -> Path:
    """Write a notebook atomically (temporary file, then rename).

    Args:
        nb: The notebook (an ``nbformat.NotebookNode``).
        path: The ``.ipynb`` file to write.

    Returns:
        The path written.

    Raises:
        NotebookError: The name does not end in ``.ipynb`` or the file cannot be written.
    """
    import nbformat

    out = Path(path)
    if out.suffix != ".ipynb":
        raise NotebookError(f"{out} does not end in .ipynb.", "Give a file name like shared.ipynb.")
    try:
        # nbformat ships py.typed but leaves writes() unannotated.
        text: str = nbformat.writes(nb)  # type: ignore[no-untyped-call]
        atomic_write(out, text + "\n")
    except OSError as exc:
        raise NotebookError(
            f"Cannot write {out}: {exc.strerror}.", "Choose a folder you can write to."
        ) from exc
    return out


def export_patterns(
    db: PatternDB,
    keys: Iterable[str],
    path: str | Path,
    community: str | None = None,
    author: str | None = None,
    date: str | None = None,
    checkpoint: str | None = None,
) -> Path:
    """Export the patterns with these ids (or ``id@revision`` keys) to a notebook file.

    Args:
        db: The pattern database holding them.
        keys: Pattern ids or entry keys, in cell order.
        path: The ``.ipynb`` file to write.
        community: Community sharing them (provenance).
        author: Who exports them (provenance).
        date: ISO date of the export (default: today).
        checkpoint: The signed checkpoint of the workspace's journal now, kept in the notebook's
            metadata (``s3flow.checkpoint``) so ``s3flow verify --checkpoint`` can read it later.

    Returns:
        The path written.

    Raises:
        UnknownPatternError: A key names no pattern.
        NotebookError: The file cannot be written.
    """
    pats = [db.get(k) for k in keys]
    nb = export_notebook(pats, community=community, author=author, date=date)
    if checkpoint:
        nb.metadata["s3flow"]["checkpoint"] = checkpoint
    return write_notebook(nb, path)


# --- import ---------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """The outcome of importing one notebook.

    Attributes:
        notebook: The file.
        imported: Per pattern: ``key``, ``id``, ``name``, ``revision``, ``conflicts`` (keys of the
            entries with the same id that are kept as well) and ``identical`` (the same text is
            already present as a shipped pattern).
        already: Per pattern imported before with the same content (not imported again): ``id``,
            ``name`` and ``key`` (the entry that holds it).
        code_cells: Code cells found and ignored (never executed, never stored).
        other_cells: Raw cells and Markdown cells without a pattern, ignored.
        sanitised: ``<cell>: <field>`` for every text the sanitiser changed.
        error: Why the notebook was not imported (only with ``keep_going``).
    """

    notebook: str
    imported: list[dict[str, Any]] = field(default_factory=list)
    already: list[dict[str, Any]] = field(default_factory=list)
    code_cells: int = 0
    other_cells: int = 0
    sanitised: list[str] = field(default_factory=list)
    error: str | None = None

    def lines(self) -> list[str]:
        """Human-readable report lines: what was imported, kept next to what, ignored, cleaned."""
        if self.error:
            return [f"{self.notebook}: not imported: {self.error}"]
        out = []
        for item in self.imported:
            line = f"{self.notebook}: imported {item['id']} as {item['key']}"
            if item["conflicts"]:
                line += (
                    f"; '{item['id']}' already existed ({', '.join(item['conflicts'])}): "
                    f"both are kept, this one is revision {item['revision']}"
                )
                if item["identical"]:
                    line += " (same text as an existing revision)"
            out.append(line)
        for item in self.already:
            out.append(
                f"{self.notebook}: {item['id']} is already imported as {item['key']} "
                "(same content): not imported again"
            )
        if self.already and not self.imported:
            out.append(f"{self.notebook}: nothing new to import")
        if self.code_cells:
            out.append(
                f"{self.notebook}: ignored {self.code_cells} code cell(s); "
                "they were not run and not stored"
            )
        if self.sanitised:
            out.append(f"{self.notebook}: unsafe markup removed in " + ", ".join(self.sanitised))
        return out

    def as_dict(self) -> dict[str, Any]:
        """Plain-data view, for JSON output."""
        return {
            "notebook": self.notebook,
            "imported": self.imported,
            "already": self.already,
            "code_cells": self.code_cells,
            "other_cells": self.other_cells,
            "sanitised": self.sanitised,
            "error": self.error,
        }


def _tick(progress: Any, done: int, total: int, label: str) -> None:
    if progress is None:
        return
    if hasattr(progress, "update"):  # a tqdm bar
        if getattr(progress, "total", None) in (None, 0):
            progress.total = total
        progress.update(1)
    else:
        progress(done, total, label)


def import_notebooks(
    ws: Workspace,
    paths: Sequence[str | Path],
    actor: str = "s3flow",
    progress: Progress | Any | None = None,
    keep_going: bool = False,
) -> list[ImportResult]:
    """Import pattern notebooks into a workspace (one journal event per pattern).

    Every pattern of every notebook is read, sanitised and checked first; nothing is written
    unless all of them pass (with ``keep_going`` a bad notebook is reported in its result and the
    others are imported). Related ids must resolve among the workspace's patterns and the
    notebooks being imported. A pattern whose content was imported before is reported in
    ``already`` and not journaled again (a re-run of the same import is a no-op).

    Args:
        ws: The workspace.
        paths: Notebook files.
        actor: Who imports (recorded in the journal).
        progress: ``progress(done, total, path)`` after each notebook is read, or a tqdm bar.
        keep_going: Import the good notebooks even when some are invalid.

    Returns:
        One :class:`ImportResult` per notebook, in order.

    Raises:
        NotebookError: A notebook cannot be read or is not a pattern notebook.
        PatternError: A pattern cell breaks the schema or names an unknown related id.
    """
    db = attach(ws)
    total = len(paths)
    checked: list[NotebookPatterns | ImportResult] = []
    for n, path in enumerate(paths, 1):
        try:
            checked.append(read_notebook(path))
        except S3Error as exc:
            if not keep_going:
                raise
            checked.append(ImportResult(Path(path).name, error=str(exc)))
        _tick(progress, n, total, str(path))
    batch_ids = {
        item["pattern"].id
        for c in checked
        if isinstance(c, NotebookPatterns)
        for item in c.patterns
    }
    for c in checked:
        if not isinstance(c, NotebookPatterns):
            continue
        try:
            for item in c.patterns:
                for rid in item["pattern"].related:
                    if not db.has(rid) and rid not in batch_ids:
                        raise PatternError(
                            item["where"],
                            "related",
                            f"'{rid}' is not a known pattern id",
                            "ids of patterns in this workspace or in the notebooks "
                            "imported together",
                        )
        except PatternError as exc:
            if not keep_going:
                raise
            checked[checked.index(c)] = ImportResult(Path(c.path).name, error=str(exc))
    results = []
    for c in checked:
        if isinstance(c, ImportResult):
            results.append(c)
            continue
        res = ImportResult(
            Path(c.path).name,
            code_cells=c.code_cells,
            other_cells=c.other_cells,
            sanitised=list(c.sanitised),
        )
        for item in c.patterns:
            p = item["pattern"]
            try:
                res.imported.append(_write(ws, db, p, actor, EVENT))
            except _Known as known:
                res.already.append({"id": p.id, "name": p.name, "key": known.key})
        results.append(res)
    return results


def content_hash(p: Pattern) -> str:
    """SHA-256 of a pattern's content: its structured fields and body (not its provenance)."""
    text = json.dumps([p.fields(), p.body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Known(Exception):
    """The pattern was imported before with the same content (internal)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _write(ws: Workspace, db: PatternDB, p: Pattern, actor: str, event_type: str) -> dict[str, Any]:
    """Journal one imported pattern; revision and duplicates are decided under the journal lock.

    Raises:
        _Known: An imported entry holds the same content already (nothing is written).
    """
    data: dict[str, Any] = {**p.fields(), "body": p.body, "provenance": p.provenance}
    info: dict[str, Any] = {}
    digest = content_hash(p)

    def check() -> dict[str, Any]:
        revision, existing = db.next_revision(p.id)
        for e in existing:
            if e.origin != "shipped" and content_hash(e) == digest:
                raise _Known(e.key)
        same = [e.key for e in existing if e.fields() == p.fields() and e.body == p.body]
        info.update(revision=revision, conflicts=[e.key for e in existing], identical=bool(same))
        return {**data, "revision": revision, "conflicts": info["conflicts"]}

    ws.write(actor, "", event_type, data, check=check)
    return {"id": p.id, "name": p.name, "key": f"{p.id}@{info['revision']}", **info}


def check_imported(ws: Workspace, event: dict[str, Any]) -> None:
    """Check a ``pattern.imported`` event of a journal from elsewhere (see ``s3flow import``).

    The pattern must pass the schema again, every text must be one the notebook sanitiser leaves
    unchanged (an event holding raw HTML, a script or a ``javascript:`` link was not made by a
    sanitising import), and its entry key must be new (an import never overwrites an entry).

    Args:
        ws: The workspace the journal is replayed into, before the event is applied.
        event: The event.

    Raises:
        PatternError: The event breaks one of these rules.
    """
    data = event["data"]
    try:
        p = pattern_from_event(event)
    except (KeyError, TypeError, ValueError) as exc:
        raise PatternError(
            "the imported pattern", "", f"cannot be read ({type(exc).__name__})", "a pattern"
        ) from exc
    where = f"the imported pattern {p.key}"
    unsafe = unsafe_fields(data)
    if unsafe:
        raise PatternError(
            where,
            unsafe[0],
            "holds markup the notebook sanitiser removes (raw HTML, a script or a "
            "javascript: link), so it was not imported through it",
            "texts that the sanitiser leaves unchanged",
        )
    conflicts = data.get("conflicts", [])
    if not isinstance(conflicts, list) or not all(isinstance(k, str) for k in conflicts):
        raise PatternError(where, "conflicts", "is not a list of entry keys", "entry keys")
    if ws.projection.get("imported_patterns", p.key) is not None:
        raise PatternError(
            where, "revision", f"{p.key} is imported already", "a new revision (none overwrites)"
        )


def import_notebook(ws: Workspace, path: str | Path, actor: str = "s3flow") -> ImportResult:
    """Import one pattern notebook (see :func:`import_notebooks`).

    Args:
        ws: The workspace.
        path: The notebook file.
        actor: Who imports (recorded in the journal).

    Returns:
        What was imported.
    """
    return import_notebooks(ws, [path], actor)[0]
