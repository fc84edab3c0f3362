"""Evaluation instruments: finding and reading their files (shipped, community or by path).

The shipped instruments live in the ``instruments/`` folder next to this module; a community adds
its own as ``<workspace>/instruments/<id>.yaml`` (found before a shipped one with the same id) or
names a file by path. A file is YAML following the schema of :mod:`s3engine.processes.mits.schema`;
a missing, unreadable or bad file raises :class:`InstrumentError` naming the file, the field and
what was expected. Aggregating and comparing scores is :mod:`s3engine.processes.mits.aggregation`.

Allowed imports: standard library, ``yaml`` (imported lazily), ``s3engine.errors``,
``s3engine.processes.mits.schema``.
"""

from __future__ import annotations

import os
from pathlib import Path

from s3engine.errors import InstrumentError
from s3engine.processes.mits.schema import Instrument, from_dict, instrument_error

SHIPPED_DIR = Path(__file__).resolve().parent / "instruments"
MAX_FILE_BYTES = 1_000_000


def load_file(path: str | os.PathLike[str], origin: str = "path") -> Instrument:
    """Read and validate one instrument file.

    Args:
        path: The YAML file (at most 1 MB).
        origin: ``shipped``, ``community`` or ``path`` (kept on the instrument).

    Returns:
        The instrument.

    Raises:
        InstrumentError: The file is missing, is not YAML, or does not follow the schema.
    """
    import yaml  # lazily: keeps ``import s3engine`` fast

    p = Path(path)
    name = str(p)
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise instrument_error(
                name, "(file)", "is larger than 1 MB", "a small YAML file of sections and items"
            )
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstrumentError(
            f"There is no instrument file {name}.",
            "Give the id of a shipped or community instrument, or an existing "
            "YAML file (see `s3flow mits instruments`).",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise instrument_error(
            name, "(file)", f"cannot be read ({exc})", "a UTF-8 YAML file"
        ) from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise instrument_error(
            name,
            where,
            f"is not valid YAML ({getattr(exc, 'problem', exc)})",
            "valid YAML following the instrument schema",
        ) from exc
    return from_dict(raw, name, origin)


def search_dirs(workspace: str | os.PathLike[str] | None = None) -> list[tuple[str, Path]]:
    """Folders searched for instruments: the workspace's own first, then the shipped ones.

    Args:
        workspace: The workspace folder, if any.

    Returns:
        ``(origin, folder)`` pairs, ``community`` before ``shipped``.
    """
    dirs: list[tuple[str, Path]] = []
    if workspace is not None:
        dirs.append(("community", Path(workspace) / "instruments"))
    dirs.append(("shipped", SHIPPED_DIR))
    return dirs


def find(ref: str, workspace: str | os.PathLike[str] | None = None) -> Instrument:
    """Load an instrument by id (community first, then shipped) or by file path.

    Args:
        ref: An instrument id, or the path of a ``.yaml`` / ``.yml`` file (relative paths are
            tried in the workspace first).
        workspace: The workspace folder, if any.

    Returns:
        The instrument.

    Raises:
        InstrumentError: No such instrument, or its file is bad.
    """
    if not isinstance(ref, str) or not ref.strip():
        raise InstrumentError(
            "No instrument was named.",
            "Give an instrument id such as collaborative-governance-health-check"
            " or the path of a YAML file.",
        )
    ref = ref.strip()
    if ref.endswith((".yaml", ".yml")) or os.sep in ref or "/" in ref:
        path = Path(ref).expanduser()
        if not path.is_absolute() and workspace is not None and (Path(workspace) / path).exists():
            path = Path(workspace) / path
        return load_file(path, "path")
    for origin, folder in search_dirs(workspace):
        for suffix in (".yaml", ".yml"):
            candidate = folder / f"{ref}{suffix}"
            if candidate.exists():
                inst = load_file(candidate, origin)
                if inst.id != ref:
                    raise instrument_error(
                        str(candidate),
                        "id",
                        f"the file is named {ref} but its id is '{inst.id}'",
                        f"id: {ref}",
                    )
                return inst
    known = ", ".join(i for i, _ in available(workspace)) or "none"
    raise InstrumentError(
        f"There is no instrument '{ref}'.",
        f"Known instruments: {known}; or give the path of a YAML file.",
    )


def available(workspace: str | os.PathLike[str] | None = None) -> list[tuple[str, str]]:
    """Every instrument file found, community ones first (bad files included).

    Args:
        workspace: The workspace folder, if any.

    Returns:
        ``(id, origin)`` pairs; an id found in the workspace hides the shipped one.
    """
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for origin, folder in search_dirs(workspace):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.y*ml")):
            if path.stem not in seen:
                seen.add(path.stem)
                out.append((path.stem, origin))
    return out
