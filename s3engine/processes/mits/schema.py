"""The model of an evaluation instrument and the schema its data must follow.

An instrument is sections of items, every item scored on one scale. :func:`from_dict` checks data
(read from a YAML file, or embedded in a journal event) against the schema below and builds the
:class:`Instrument`; bad data raises :class:`InstrumentError` naming the file, the field and what
was expected. Files are found and read by :mod:`s3engine.processes.mits.instrument`.

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

Allowed imports: standard library, ``s3engine.errors``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from s3engine.errors import InstrumentError

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
TOP_KEYS = ("id", "name", "version", "source", "description", "scale", "sections")
SECTION_KEYS = ("id", "name", "description", "items")
ITEM_KEYS = ("id", "text", "help")

Score = int | float | None


def instrument_error(file: str, field_: str, problem: str, expected: str) -> InstrumentError:
    """An :class:`InstrumentError` naming the file, the field and the expected value.

    Args:
        file: The instrument file (or ``<data>``, ``journal``).
        field_: The field, as a path such as ``sections[0].items[2].id``.
        problem: What is wrong with it.
        expected: What would be right.

    Returns:
        The error to raise, with ``file``, ``field`` and ``expected`` set on it.
    """
    err = InstrumentError(
        f"Instrument file {file}, field '{field_}': {problem}.", f"Expected: {expected}."
    )
    # InstrumentError (s3engine.errors) declares no such fields; callers read them off the error.
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
        """The section with id ``sid``.

        Raises:
            KeyError: There is no such section.
        """
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
        """Check one score.

        Args:
            item: An item id of the instrument.
            value: The score given: a whole number on the scale, or a blank (None, ``""``, ``-``,
                ``blank``).

        Returns:
            The score as an int, or None for a blank.

        Raises:
            ValueError: Saying why: an unknown item, not a whole number, or off the scale.
        """
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


# -- validation ------------------------------------------------------------------------------------


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

    Args:
        raw: The data.
        file: Where it comes from, named in errors.
        origin: ``shipped``, ``community`` or ``path`` (kept on the instrument).

    Returns:
        The instrument, with the digest of its definition.

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
