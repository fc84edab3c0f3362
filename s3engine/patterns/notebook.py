"""Pattern notebooks: export patterns to a Jupyter notebook and import them into a workspace.

A pattern notebook (nbformat 4.5) holds a title cell and one Markdown cell per pattern: the name as
a heading, the summary, then the body. The structured fields sit in the cell metadata under
``s3flow`` and the provenance (community, author, date, version, s3flow version) in the notebook
metadata under ``s3flow``. Cell ids are derived from the pattern id and the cell position, so the
same export gives the same file.

Importing treats the notebook as untrusted: it is size-limited, read and validated with nbformat,
its code and raw cells are never executed nor stored (only counted), every text is sanitised with
nh3 (:func:`sanitize_markdown`) and the fields are checked with the pattern-file schema. Each
pattern becomes one ``pattern.imported`` journal event (see :mod:`s3engine.patterns.database`); an id that
already exists is kept as a new revision next to the existing one, and the result says so.

Allowed imports: standard library, ``nbformat`` and ``nh3`` (both lazily), s3engine.
"""

from __future__ import annotations

import hashlib
import html
import re
import urllib.parse
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from s3engine.errors import NotebookError, PatternError, S3Error
from s3engine.patterns.model import CONTROL_RE, ID_RE, Pattern, make_pattern

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.core.workspace import Workspace
    from s3engine.patterns.database import PatternDB

MAX_NOTEBOOK_BYTES = 5 * 1024 * 1024
NB_FORMAT = "s3flow-patterns"
NB_FORMAT_VERSION = 1
URL_SCHEMES = frozenset({"http", "https", "mailto"})
PROVENANCE_KEYS = ("community", "author", "date", "version", "s3flow_version")
Progress = Callable[[int, int, str], Any]


# --- sanitising -----------------------------------------------------------------------------------

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
    return bool(m) and m.group(1) not in URL_SCHEMES


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


def _sanitize_value(value: Any, multiline: bool) -> Any:
    """Sanitise a field value: texts (and texts in lists); other values are left for the schema."""
    if isinstance(value, str):
        return sanitize_markdown(value, allow_tags=multiline)
    if isinstance(value, list):
        return [sanitize_markdown(v, allow_tags=False) if isinstance(v, str) else v for v in value]
    return value


# --- export ---------------------------------------------------------------------------------------


def cell_id(pattern_id: str, position: int) -> str:
    """The deterministic id of the cell at ``position`` holding ``pattern_id`` (nbformat 4.5)."""
    return f"{pattern_id[:56]}-{position}"


def cell_header(name: str, summary: str) -> str:
    """The Markdown written before a pattern's body in its cell."""
    return f"## {name}\n\n*{summary}*\n\n"


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
    """
    import nbformat
    from nbformat import v4

    from s3engine import __version__

    if not patterns:
        raise NotebookError("There are no patterns to export.", "Name at least one pattern id.")
    when = date or _date.today().isoformat()
    names = ", ".join(p.name for p in patterns)
    heading = title or (patterns[0].name if len(patterns) == 1 else f"Patterns: {names}")
    nb = v4.new_notebook()
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
    title_cell = v4.new_markdown_cell(intro)
    title_cell.id = cell_id("s3flow-title", 0)
    nb.cells.append(title_cell)
    for pos, p in enumerate(patterns, 1):
        cell = v4.new_markdown_cell(cell_header(p.name, p.summary) + p.body)
        cell.id = cell_id(p.id, pos)
        meta: dict[str, Any] = {"pattern": p.fields()}
        if p.provenance:
            meta["provenance"] = p.provenance
        cell.metadata["s3flow"] = meta
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def write_notebook(nb: Any, path: str | Path) -> Path:
    """Write a notebook atomically (temporary file, then rename)."""
    import nbformat

    from s3engine.core.projection import atomic_write

    out = Path(path)
    if out.suffix != ".ipynb":
        raise NotebookError(f"{out} does not end in .ipynb.", "Give a file name like shared.ipynb.")
    try:
        atomic_write(out, nbformat.writes(nb) + "\n")
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
) -> Path:
    """Export the patterns with these ids (or ``id@revision`` keys) to a notebook file."""
    pats = [db.get(k) for k in keys]
    return write_notebook(
        export_notebook(pats, community=community, author=author, date=date), path
    )


# --- import ---------------------------------------------------------------------------------------


@dataclass
class NotebookPatterns:
    """What a checked pattern notebook holds (nothing is written yet)."""

    path: str
    provenance: dict[str, Any]
    patterns: list[dict[str, Any]]
    code_cells: int = 0
    other_cells: int = 0
    sanitised: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """The outcome of importing one notebook.

    Attributes:
        notebook: The file.
        imported: Per pattern: ``key``, ``id``, ``name``, ``revision``, ``conflicts`` (keys of the
            entries with the same id that are kept as well) and ``identical`` (the same text is
            already present).
        code_cells: Code cells found and ignored (never executed, never stored).
        other_cells: Raw cells and Markdown cells without a pattern, ignored.
        sanitised: ``<cell>: <field>`` for every text the sanitiser changed.
        error: Why the notebook was not imported (only with ``keep_going``).
    """

    notebook: str
    imported: list[dict[str, Any]] = field(default_factory=list)
    code_cells: int = 0
    other_cells: int = 0
    sanitised: list[str] = field(default_factory=list)
    error: str | None = None

    def lines(self) -> list[str]:
        """Human-readable report lines."""
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
        if self.code_cells:
            out.append(
                f"{self.notebook}: ignored {self.code_cells} code cell(s); "
                "they were not run and not stored"
            )
        if self.sanitised:
            out.append(f"{self.notebook}: unsafe markup removed in " + ", ".join(self.sanitised))
        return out

    def as_dict(self) -> dict[str, Any]:
        """Plain-data view."""
        return {
            "notebook": self.notebook,
            "imported": self.imported,
            "code_cells": self.code_cells,
            "other_cells": self.other_cells,
            "sanitised": self.sanitised,
            "error": self.error,
        }


def _line(value: Any, limit: int = 200) -> str | None:
    if value is None:
        return None
    text = sanitize_markdown(str(value), allow_tags=False)
    text = CONTROL_RE.sub(" ", text).replace("\n", " ").strip()
    return text[:limit] or None


def read_notebook(path: str | Path) -> NotebookPatterns:
    """Read and check a pattern notebook without changing anything.

    Raises:
        NotebookError: The file is missing, too large, not a valid notebook or not a pattern
            notebook.
        PatternError: A pattern cell breaks the schema (names the notebook, cell and field).
    """
    p = Path(path)
    name = p.name
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise NotebookError(
            f"Cannot read {p}: {exc.strerror}.", "Give the path of a .ipynb file."
        ) from exc
    if not p.is_file():
        raise NotebookError(f"{p} is not a file.", "Give the path of a .ipynb file.")
    if size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(
            f"{name} is {size} bytes, larger than the {MAX_NOTEBOOK_BYTES} "
            "bytes a pattern notebook may have.",
            "Split it into several notebooks or remove outputs.",
        )
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"{name} is not UTF-8 text.", "Give a .ipynb notebook file.") from exc
    nb = _parse(text, name)
    meta = nb.get("metadata", {}).get("s3flow")
    if not isinstance(meta, dict) or meta.get("format") != NB_FORMAT:
        raise NotebookError(
            f"{name} is not an s3flow pattern notebook (no 's3flow' notebook metadata).",
            "Import notebooks made with `s3flow patterns export`.",
        )
    prov: dict[str, Any] = {k: _line(meta.get(k)) for k in PROVENANCE_KEYS}
    version = meta.get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        prov["version"] = version
    prov["notebook"] = _line(name)
    prov["sha256"] = hashlib.sha256(raw).hexdigest()
    out = NotebookPatterns(str(p), prov, [])
    seen: dict[str, str] = {}
    for n, cell in enumerate(nb.cells):
        ctype = cell.get("cell_type")
        if ctype == "code":
            out.code_cells += 1
            continue
        smeta = cell.get("metadata", {}).get("s3flow")
        if ctype != "markdown" or not isinstance(smeta, dict) or "pattern" not in smeta:
            out.other_cells += 1
            continue
        cid = str(cell.get("id") or n)
        where = f"{name}, cell {n} ({_line(cid, 64)})"
        fields = smeta["pattern"]
        if not isinstance(fields, dict):
            raise PatternError(
                where,
                "",
                "the cell metadata 's3flow.pattern' is not a mapping",
                "the structured fields of one pattern",
            )
        pid = fields.get("id")
        if not isinstance(pid, str) or not ID_RE.match(pid):
            raise PatternError(
                where,
                "id",
                f"{str(pid)[:60]!r} is not a pattern id",
                "a slug of lower-case letters, digits and '-' (no paths)",
            )
        if pid in seen:
            raise PatternError(
                where,
                "id",
                f"'{pid}' is also the id of {seen[pid]}",
                "each pattern once per notebook",
            )
        seen[pid] = f"cell {n}"
        clean: dict[str, Any] = {}
        for key, value in fields.items():
            clean[key] = _sanitize_value(value, key == "attribution")
            if clean[key] != value:
                out.sanitised.append(f"cell {n}: {key}")
        source = cell.get("source", "")
        body = _body_from_cell(source, fields)
        safe_body = sanitize_markdown(body) if isinstance(body, str) else body
        if safe_body != body:
            out.sanitised.append(f"cell {n}: body")
        cell_prov = smeta.get("provenance")
        prov_here = dict(prov, cell=_line(cid, 64))
        if isinstance(cell_prov, dict):
            prov_here["previous"] = {
                str(k)[:40]: _line(v)
                for k, v in list(cell_prov.items())[:20]
                if not isinstance(v, (dict, list))
            }
        pattern = make_pattern(clean, safe_body, where, origin="imported", provenance=prov_here)
        out.patterns.append({"pattern": pattern, "where": where})
    if not out.patterns:
        raise NotebookError(
            f"{name} holds no pattern cells.",
            "Export patterns with `s3flow patterns export ID -o FILE.ipynb`.",
        )
    return out


def _parse(text: str, name: str) -> Any:
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
    except Exception as exc:
        raise NotebookError(
            f"{name} is not a readable notebook ({type(exc).__name__}).",
            "Give a .ipynb file saved by Jupyter or s3flow.",
        ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(nb)
    except Exception as exc:
        msg = str(getattr(exc, "message", exc)).splitlines()[0][:160]
        raise NotebookError(
            f"{name} is not a valid notebook: {msg}.",
            "Open and save it in Jupyter, or export it again.",
        ) from None
    return nb


def _body_from_cell(source: Any, fields: dict[str, Any]) -> Any:
    """The pattern body: the cell text without the heading and summary lines export writes."""
    if not isinstance(source, str):
        return source
    header = cell_header(str(fields.get("name", "")), str(fields.get("summary", "")))
    if source.startswith(header):
        return source[len(header) :]
    if source.startswith("## "):
        rest = source.split("\n", 1)[1] if "\n" in source else ""
        return rest.lstrip("\n")
    return source


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

    Every notebook is read and checked first; nothing is written unless all of them pass (with
    ``keep_going`` a bad notebook is reported in its result and the others are imported).
    Related ids must resolve among the workspace's patterns and the notebooks being imported.

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
    from s3engine.patterns.database import EVENT, attach

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
            res.imported.append(_write(ws, db, item["pattern"], actor, EVENT))
        results.append(res)
    return results


def _write(ws: Workspace, db: PatternDB, p: Pattern, actor: str, event_type: str) -> dict[str, Any]:
    """Journal one imported pattern; the revision is decided under the journal lock."""
    data: dict[str, Any] = {**p.fields(), "body": p.body, "provenance": p.provenance}
    info: dict[str, Any] = {}

    def check() -> dict[str, Any]:
        revision, existing = db.next_revision(p.id)
        same = [e.key for e in existing if e.fields() == p.fields() and e.body == p.body]
        info.update(revision=revision, conflicts=[e.key for e in existing], identical=bool(same))
        return {**data, "revision": revision, "conflicts": info["conflicts"]}

    ws.write(actor, "", event_type, data, check=check)
    return {"id": p.id, "name": p.name, "key": f"{p.id}@{info['revision']}", **info}


def import_notebook(ws: Workspace, path: str | Path, actor: str = "s3flow") -> ImportResult:
    """Import one pattern notebook (see :func:`import_notebooks`)."""
    return import_notebooks(ws, [path], actor)[0]
