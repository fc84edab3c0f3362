"""Evaluation instruments: loading them from data files, and aggregating and comparing scores.

An instrument is a YAML file (schema below). The shipped ones live in ``s3engine/instruments/``; a
community adds its own as ``<workspace>/instruments/<id>.yaml`` or names a file by path. A bad file
raises :class:`InstrumentError` naming the file, the field and what was expected.

Schema::

    id: lowercase-id                # letters, digits, hyphens
    name: Human name
    version: 1                      # number or text
    source: Where the items come from (required: every instrument names its source)
    description: How to use it
    scale: {min: 1, max: 5, labels: {1: Strongly disagree, ..., 5: Strongly agree}}
    sections:
      - id: section-id
        name: Section name
        description: optional
        items:
          - {id: item-id, text: The statement to score}

Aggregation (:func:`aggregate`): per item and per section the mean, the (population) standard
deviation, the lowest and highest score and the number of answers; blanks are allowed and left out.
A section's figures pool every answer to every item of the section. :func:`compare` sets an
evaluation beside the baseline and the previous cycle's evaluation, per section and per item.

Allowed imports: standard library, ``yaml`` (imported lazily), s3engine.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3engine.errors import InstrumentError

SHIPPED_DIR = Path(__file__).resolve().parent / "instruments"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
TOP_KEYS = ("id", "name", "version", "source", "description", "scale", "sections")
SECTION_KEYS = ("id", "name", "description", "items")
ITEM_KEYS = ("id", "text", "help")
MAX_FILE_BYTES = 1_000_000

Score = int | float | None
Responses = Mapping[str, Mapping[str, Score]]


def instrument_error(file: str, field_: str, problem: str, expected: str) -> InstrumentError:
    """An :class:`InstrumentError` naming the file, the field and the expected value."""
    err = InstrumentError(
        f"Instrument file {file}, field '{field_}': {problem}.", f"Expected: {expected}."
    )
    err.file, err.field, err.expected = file, field_, expected  # type: ignore[attr-defined]
    return err


@dataclass(frozen=True)
class Item:
    """One statement to score."""

    id: str
    text: str
    help: str = ""


@dataclass(frozen=True)
class Section:
    """A group of items, compared as a whole between evaluations."""

    id: str
    name: str
    items: tuple[Item, ...]
    description: str = ""


@dataclass(frozen=True)
class Instrument:
    """A scored evaluation instrument (sections -> items -> one scale)."""

    id: str
    name: str
    version: str
    source: str
    description: str
    scale_min: int
    scale_max: int
    labels: dict[str, str]
    sections: tuple[Section, ...]
    origin: str = field(default="", compare=False)
    digest: str = field(default="", compare=False)

    @property
    def items(self) -> list[Item]:
        """Every item, in order."""
        return [i for s in self.sections for i in s.items]

    @property
    def item_section(self) -> dict[str, str]:
        """Section id of each item id."""
        return {i.id: s.id for s in self.sections for i in s.items}

    def section(self, sid: str) -> Section:
        """The section with id ``sid`` (KeyError when there is none)."""
        for s in self.sections:
            if s.id == sid:
                return s
        raise KeyError(sid)

    def as_dict(self) -> dict[str, Any]:
        """The instrument as plain JSON-ready data (what a journal event embeds)."""
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "description": self.description,
            "scale": {"min": self.scale_min, "max": self.scale_max, "labels": dict(self.labels)},
            "sections": [
                {
                    "id": s.id,
                    "name": s.name,
                    "description": s.description,
                    "items": [
                        {"id": i.id, "text": i.text, **({"help": i.help} if i.help else {})}
                        for i in s.items
                    ],
                }
                for s in self.sections
            ],
        }

    def check_score(self, item: str, value: Any) -> Score:
        """Return a valid score for ``item`` (None for a blank) or raise ValueError saying why."""
        if item not in self.item_section:
            raise ValueError(f"there is no item '{item}' in {self.name}")
        if value is None or (isinstance(value, str) and value.strip() in ("", "-", "blank")):
            return None
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a score")
        try:
            num = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} given for '{item}' is not a score") from None
        if num != num or not num.is_integer():
            raise ValueError(f"{value!r} given for '{item}' is not a whole number")
        if not self.scale_min <= num <= self.scale_max:
            raise ValueError(
                f"{value!r} given for '{item}' is outside the scale "
                f"{self.scale_min}-{self.scale_max}"
            )
        return int(num)


# -- loading --------------------------------------------------------------------------------------


def _text(file: str, where: str, value: Any, required: bool = True) -> str:
    if not required and (value is None or value == ""):
        return ""
    if not isinstance(value, str) or not value.strip():
        raise instrument_error(
            file,
            where,
            "is missing or empty" if value in (None, "") else f"{type(value).__name__} given",
            "a non-empty text",
        )
    return value.strip()


def _id(file: str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        raise instrument_error(
            file,
            where,
            f"{value!r} is not a usable id",
            "lowercase letters, digits and hyphens, like 'shared-priorities'",
        )
    return value


def _keys(file: str, where: str, obj: Any, allowed: Iterable[str]) -> dict[str, Any]:
    allowed = tuple(allowed)
    if not isinstance(obj, dict):
        raise instrument_error(
            file,
            where or "(top level)",
            f"is a {type(obj).__name__}, not a mapping",
            "a mapping with the keys " + ", ".join(allowed),
        )
    for key in obj:
        if key not in allowed:
            prefix = f"{where}." if where else ""
            raise instrument_error(
                file, f"{prefix}{key}", "is not a known field", "only " + ", ".join(allowed)
            )
    return obj


def from_dict(raw: Any, file: str = "<data>", origin: str = "") -> Instrument:
    """Validate instrument data (as read from YAML or from a journal event).

    Raises:
        InstrumentError: Naming the file, the field and the expected value.
    """
    d = _keys(file, "", raw, TOP_KEYS)
    for key in TOP_KEYS:
        if key not in d:
            raise instrument_error(file, key, "is missing", _EXPECTED[key])
    iid = _id(file, "id", d["id"])
    name = _text(file, "name", d["name"])
    version = d["version"]
    if (
        isinstance(version, bool)
        or not isinstance(version, (int, float, str))
        or str(version).strip() == ""
    ):
        raise instrument_error(
            file,
            "version",
            f"{version!r} is not a version",
            "a number or a short text such as 1 or 2024-05",
        )
    source = _text(file, "source", d["source"])
    description = _text(file, "description", d["description"])
    scale = _keys(file, "scale", d["scale"], ("min", "max", "labels"))
    lo, hi = scale.get("min"), scale.get("max")
    for key, val in (("min", lo), ("max", hi)):
        if isinstance(val, bool) or not isinstance(val, int):
            raise instrument_error(
                file,
                f"scale.{key}",
                f"{val!r} is not a whole number",
                "whole numbers with min < max, such as min: 1 and max: 5",
            )
    assert isinstance(lo, int) and isinstance(hi, int)
    if lo >= hi or hi - lo > 100:
        raise instrument_error(
            file,
            "scale.max",
            f"max {hi} is not above min {lo}"
            if lo >= hi
            else f"the scale {lo}-{hi} has over 100 steps",
            "whole numbers with min < max, such as min: 1 and max: 5",
        )
    labels_raw = scale.get("labels") or {}
    if not isinstance(labels_raw, dict):
        raise instrument_error(
            file,
            "scale.labels",
            "is not a mapping",
            "score: label pairs such as 1: Strongly disagree",
        )
    labels: dict[str, str] = {}
    for key, label in labels_raw.items():
        try:
            num = int(str(key))
        except ValueError:
            num = None
        if num is None or not lo <= num <= hi:
            raise instrument_error(
                file,
                f"scale.labels.{key}",
                "is not a score of the scale",
                f"a whole number from {lo} to {hi}",
            )
        labels[str(num)] = _text(file, f"scale.labels.{key}", label)
    sections_raw = d["sections"]
    if not isinstance(sections_raw, list) or not sections_raw:
        raise instrument_error(
            file,
            "sections",
            "is empty or not a list",
            "a list of sections, each with id, name and items",
        )
    sections: list[Section] = []
    seen_sections: set[str] = set()
    seen_items: set[str] = set()
    for n, sraw in enumerate(sections_raw):
        where = f"sections[{n}]"
        s = _keys(file, where, sraw, SECTION_KEYS)
        for key in ("id", "name", "items"):
            if key not in s:
                raise instrument_error(file, f"{where}.{key}", "is missing", _EXPECTED[key])
        sid = _id(file, f"{where}.id", s["id"])
        if sid in seen_sections:
            raise instrument_error(
                file,
                f"{where}.id",
                f"the section id '{sid}' is used twice",
                "a different id for every section",
            )
        seen_sections.add(sid)
        items_raw = s["items"]
        if not isinstance(items_raw, list) or not items_raw:
            raise instrument_error(
                file,
                f"{where}.items",
                "is empty or not a list",
                "a list of items, each with id and text",
            )
        items: list[Item] = []
        for m, iraw in enumerate(items_raw):
            iwhere = f"{where}.items[{m}]"
            i = _keys(file, iwhere, iraw, ITEM_KEYS)
            for key in ("id", "text"):
                if key not in i:
                    raise instrument_error(file, f"{iwhere}.{key}", "is missing", _EXPECTED[key])
            item_id = _id(file, f"{iwhere}.id", i["id"])
            if item_id in seen_items:
                raise instrument_error(
                    file,
                    f"{iwhere}.id",
                    f"the item id '{item_id}' is used twice",
                    "a different id for every item of the instrument",
                )
            seen_items.add(item_id)
            items.append(
                Item(
                    item_id,
                    _text(file, f"{iwhere}.text", i["text"]),
                    _text(file, f"{iwhere}.help", i.get("help"), required=False),
                )
            )
        sections.append(
            Section(
                sid,
                _text(file, f"{where}.name", s["name"]),
                tuple(items),
                _text(file, f"{where}.description", s.get("description"), required=False),
            )
        )
    inst = Instrument(
        iid, name, str(version), source, description, lo, hi, labels, tuple(sections), origin
    )
    digest = hashlib.sha256(json.dumps(inst.as_dict(), sort_keys=True).encode()).hexdigest()
    return Instrument(
        iid,
        name,
        str(version),
        source,
        description,
        lo,
        hi,
        labels,
        tuple(sections),
        origin,
        digest,
    )


_EXPECTED = {
    "id": "a lowercase id such as 'my-health-check'",
    "name": "a short human name",
    "version": "a number or a short text such as 1",
    "source": "where the items come from (every instrument names its source)",
    "description": "a few sentences on how to use the instrument",
    "scale": "a mapping with min, max and labels",
    "sections": "a list of sections, each with id, name and items",
    "items": "a list of items, each with id and text",
    "text": "the statement to score",
}


def load_file(path: str | os.PathLike[str], origin: str = "path") -> Instrument:
    """Read and validate one instrument file.

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
    """Folders searched for instruments: the workspace's own first, then the shipped ones."""
    dirs: list[tuple[str, Path]] = []
    if workspace is not None:
        dirs.append(("community", Path(workspace) / "instruments"))
    dirs.append(("shipped", SHIPPED_DIR))
    return dirs


def find(ref: str, workspace: str | os.PathLike[str] | None = None) -> Instrument:
    """Load an instrument by id (community first, then shipped) or by file path.

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
    """(id, origin) of every instrument file found, community ones first (bad files included)."""
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


# -- aggregation ----------------------------------------------------------------------------------


def stats(values: Iterable[Score]) -> dict[str, Any]:
    """Mean, population standard deviation, min, max and count of the non-blank values."""
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return {"mean": None, "sd": None, "min": None, "max": None, "count": 0}
    mean = math.fsum(vals) / len(vals)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in vals) / len(vals))
    return {"mean": mean, "sd": sd, "min": min(vals), "max": max(vals), "count": len(vals)}


def aggregate(inst: Instrument, responses: Responses) -> dict[str, Any]:
    """Aggregate every respondent's scores per item and per section.

    Args:
        inst: The instrument.
        responses: ``{respondent: {item_id: score or None}}``; blanks and missing items are
            left out.

    Returns:
        ``{"respondents": n, "items": {item: stats}, "sections": {section: stats},
        "overall": stats}``.
    """
    items: dict[str, Any] = {}
    sections: dict[str, Any] = {}
    every: list[Score] = []
    for s in inst.sections:
        pooled: list[Score] = []
        for i in s.items:
            vals = [r.get(i.id) for r in responses.values()]
            items[i.id] = stats(vals)
            pooled += vals
        sections[s.id] = stats(pooled)
        every += pooled
    return {
        "respondents": len(responses),
        "items": items,
        "sections": sections,
        "overall": stats(every),
    }


def _delta(now: Any, then: Any) -> float | None:
    if now is None or then is None:
        return None
    return float(now) - float(then)


def compare(
    inst: Instrument,
    now: Mapping[str, Any],
    baseline: Mapping[str, Any] | None,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Set aggregated results beside the baseline and the previous cycle, per section and item.

    Returns:
        ``{"sections": [row], "items": [row]}``; each row has id, name (or text), section,
        ``now``, ``baseline``, ``previous`` (means, None when missing), ``delta_baseline`` and
        ``delta_previous`` (None when either side has no answers), and the answer counts.
    """

    def row(kind: str, key: str) -> dict[str, Any]:
        n = now[kind].get(key, {})
        b = (baseline or {}).get(kind, {}).get(key, {}) if baseline else {}
        p = (previous or {}).get(kind, {}).get(key, {}) if previous else {}
        return {
            "now": n.get("mean"),
            "baseline": b.get("mean"),
            "previous": p.get("mean"),
            "delta_baseline": _delta(n.get("mean"), b.get("mean")),
            "delta_previous": _delta(n.get("mean"), p.get("mean")),
            "sd": n.get("sd"),
            "count": n.get("count", 0),
            "baseline_count": b.get("count", 0),
            "previous_count": p.get("count", 0),
        }

    sections = [{"id": s.id, "name": s.name, **row("sections", s.id)} for s in inst.sections]
    items = [
        {"id": i.id, "text": i.text, "section": s.id, **row("items", i.id)}
        for s in inst.sections
        for i in s.items
    ]
    return {"sections": sections, "items": items}


def weakest_sections(inst: Instrument, agg: Mapping[str, Any], n: int = 3) -> list[str]:
    """Ids of the ``n`` sections with the lowest mean (sections without answers left out)."""
    rows = [
        (agg["sections"][s.id]["mean"], k, s.id)
        for k, s in enumerate(inst.sections)
        if agg["sections"].get(s.id, {}).get("mean") is not None
    ]
    return [sid for _m, _k, sid in sorted(rows)[:n]]
