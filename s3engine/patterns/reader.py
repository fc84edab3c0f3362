"""The reader of untrusted pattern notebooks: limits, nbformat validation, sanitising, schema.

A notebook to import is untrusted: it is size-limited, read and validated with nbformat, its code
and raw cells are never executed nor stored (only counted), every text is sanitised with nh3
(:mod:`s3engine.patterns.sanitiser`) until sanitising changes it no more (:func:`settled`; one pass
can leave markup a second pass removes) and the fields are checked with the pattern-file schema
(:mod:`s3engine.patterns.schema`). :func:`read_notebook` changes nothing; importing is
:func:`s3engine.patterns.notebook.import_notebooks`. :func:`unsafe_fields` names the texts of a
``pattern.imported`` event that sanitising would change (such an event was not made here).

Allowed imports: standard library, ``nbformat`` (imported lazily), ``s3engine.errors``,
``s3engine.patterns`` (layout, sanitiser, schema).
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3engine.errors import NotebookError, PatternError
from s3engine.patterns.layout import NB_FORMAT, PROVENANCE_KEYS, body_from_cell
from s3engine.patterns.sanitiser import sanitize_value
from s3engine.patterns.schema import CONTROL_RE, ID_RE, make_pattern

#: Largest notebook file accepted, in bytes.
MAX_NOTEBOOK_BYTES = 5 * 1024 * 1024
#: Most sanitising passes (each removes markup; a few passes always settle real texts).
MAX_PASSES = 20
#: Keys of a ``pattern.imported`` event's data that hold no text to sanitise.
_NOT_TEXT = ("revision", "conflicts")


@dataclass
class NotebookPatterns:
    """What a checked pattern notebook holds (nothing is written yet).

    Attributes:
        path: The notebook file.
        provenance: Notebook provenance: community, author, date, version, s3flow version, file
            name and SHA-256 of the file.
        patterns: Per pattern cell: ``pattern`` (the checked
            :class:`~s3engine.patterns.model.Pattern`) and ``where`` (notebook, cell number and id,
            for error messages).
        code_cells: Code cells found (ignored).
        other_cells: Raw cells and Markdown cells without a pattern (ignored).
        sanitised: ``cell <n>: <field>`` for every text the sanitiser changed.
    """

    path: str
    provenance: dict[str, Any]
    patterns: list[dict[str, Any]]
    code_cells: int = 0
    other_cells: int = 0
    sanitised: list[str] = field(default_factory=list)


def settled(value: Any, multiline: bool) -> Any:
    """Sanitise a field value until sanitising changes it no more.

    Args:
        value: A text, a list of texts or another value (left as it is).
        multiline: Keep safe HTML tags in a text (see
            :func:`~s3engine.patterns.sanitiser.sanitize_value`).

    Returns:
        A value that :func:`~s3engine.patterns.sanitiser.sanitize_value` leaves unchanged (an
        empty text in the unlikely case that it does not settle).
    """
    for _ in range(MAX_PASSES):
        clean = sanitize_value(value, multiline)
        if clean == value:
            return value
        value = clean
    return "" if isinstance(value, str) else [] if isinstance(value, list) else value


def unsafe_fields(data: dict[str, Any]) -> list[str]:
    """The texts of a ``pattern.imported`` event's data that sanitising would change.

    Args:
        data: The event data: the pattern's fields, ``body``, ``provenance`` (one-line texts,
            ``previous`` a mapping of them), ``revision`` and ``conflicts``.

    Returns:
        The names of the fields (``provenance.<key>`` for provenance) holding unsafe markup, such
        as raw HTML, a script or a ``javascript:`` link; empty when every text is safe.
    """
    out = []
    for key, value in data.items():
        if key in _NOT_TEXT:
            continue
        if key == "provenance" and isinstance(value, dict):
            for pk, pv in value.items():
                inner = pv.values() if isinstance(pv, dict) else [pv]
                if any(sanitize_value(v, False) != v for v in inner):
                    out.append(f"provenance.{pk}")
        elif sanitize_value(value, key in ("attribution", "body")) != value:
            out.append(key)
    return out


def _line(value: Any, limit: int = 200) -> str | None:
    if value is None:
        return None
    text = settled(str(value), multiline=False)
    text = CONTROL_RE.sub(" ", text).replace("\n", " ").strip()
    return settled(text[:limit], multiline=False).strip() or None


def read_notebook(path: str | Path) -> NotebookPatterns:
    """Read and check a pattern notebook without changing anything.

    Args:
        path: The ``.ipynb`` file.

    Returns:
        Its checked, sanitised patterns and what was ignored.

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
            clean[key] = settled(value, key == "attribution")
            if clean[key] != value:
                out.sanitised.append(f"cell {n}: {key}")
        source = cell.get("source", "")
        body = body_from_cell(source, fields)
        safe_body = settled(body, multiline=True) if isinstance(body, str) else body
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
            # nbformat ships py.typed but leaves reads() unannotated.
            nb = nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
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
