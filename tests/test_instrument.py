"""Evaluation instruments: shipped, community and bad files; aggregation and comparison."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from s3engine.errors import InstrumentError, S3Error
from s3engine.processes.mits import instrument as I
from s3engine.processes.mits.aggregation import aggregate, compare, weakest_sections
from s3engine.processes.mits.schema import from_dict

SHIPPED = (
    "actors-actions-grid",
    "collaborative-governance-health-check",
    "participatory-budgeting-criteria",
)

SMALL = """\
id: tiny-check
name: Tiny check
version: 2
source: Written for the tests.
description: Two sections of two items.
scale:
  min: 1
  max: 5
  labels: {1: Low, 5: High}
sections:
  - id: alpha
    name: Alpha
    items:
      - {id: a1, text: First}
      - {id: a2, text: Second}
  - id: beta
    name: Beta
    items:
      - {id: b1, text: Third}
      - {id: b2, text: Fourth}
"""


def small(tmp_path: Path, text: str = SMALL, name: str = "tiny-check.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("iid", SHIPPED)
def test_shipped_instruments_load_and_name_their_source(iid: str) -> None:
    inst = I.find(iid)
    assert inst.id == iid and inst.origin == "shipped"
    assert inst.source and inst.description and inst.sections
    ids = [i.id for i in inst.items]
    assert len(ids) == len(set(ids)) and all(s.items for s in inst.sections)
    assert inst.scale_min < inst.scale_max
    assert set(inst.labels) <= {str(v) for v in range(inst.scale_min, inst.scale_max + 1)}
    # The embedded form round-trips (this is what a journal event holds).
    assert from_dict(inst.as_dict(), "journal") == inst


def test_health_check_covers_the_seed_documents() -> None:
    inst = I.find("collaborative-governance-health-check")
    text = " ".join(
        [s.name + " " + s.description for s in inst.sections]
        + [i.id + " " + i.text for i in inst.items]
    ).lower()
    for word in (
        "participat",
        "consensus",
        "accountab",
        "transparen",
        "responsive",
        "effective",
        "equitable",
        "rule-of-law",
        "compliance",
        "transformation",
        "design",
        "deliver",
        "risk",
        "obstacle",
    ):
        assert word in text, word
    budget = I.find("participatory-budgeting-criteria")
    assert len(budget.sections) == 5


def test_community_instrument_by_id_and_by_path(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "instruments").mkdir(parents=True)
    small(ws / "instruments")
    inst = I.find("tiny-check", ws)
    assert inst.origin == "community" and inst.version == "2" and len(inst.items) == 4
    assert ("tiny-check", "community") in I.available(ws)
    other = small(tmp_path, name="elsewhere.yaml")
    assert I.find(str(other)).id == "tiny-check"
    with pytest.raises(InstrumentError, match="There is no instrument 'nope'"):
        I.find("nope", ws)


@pytest.mark.parametrize(
    "change, field, expected",
    [
        (("version: 2\n", ""), "version", "a number or a short text"),
        (("source: Written for the tests.\n", ""), "source", "names its source"),
        (("  max: 5\n", "  max: 1\n"), "scale.max", "min < max"),
        (
            ("      - {id: b2, text: Fourth}\n", "      - {id: a1, text: Fourth}\n"),
            "sections[1].items[1].id",
            "a different id for every item",
        ),
        (
            ("      - {id: a2, text: Second}\n", "      - {id: a2}\n"),
            "sections[0].items[1].text",
            "the statement to score",
        ),
        (
            ("  labels: {1: Low, 5: High}\n", "  labels: {1: Low, 9: High}\n"),
            "scale.labels.9",
            "from 1 to 5",
        ),
        (("name: Tiny check\n", "name: Tiny check\ncolour: red\n"), "colour", "only id, name"),
        (("  - id: beta\n", "  - id: Beta Section\n"), "sections[1].id", "lowercase"),
    ],
)
def test_bad_files_name_file_field_and_expected_value(
    tmp_path: Path, change: tuple[str, str], field: str, expected: str
) -> None:
    old, new = change
    assert old in SMALL
    path = small(tmp_path, SMALL.replace(old, new, 1))
    with pytest.raises(InstrumentError) as err:
        I.load_file(path)
    msg = str(err.value)
    assert str(path) in msg and f"'{field}'" in msg and expected in msg
    assert err.value.field == field  # type: ignore[attr-defined]


def test_not_yaml_and_missing_file(tmp_path: Path) -> None:
    path = small(tmp_path, "id: [unclosed\n")
    with pytest.raises(InstrumentError, match="not valid YAML"):
        I.load_file(path)
    with pytest.raises(S3Error, match="There is no instrument file"):
        I.load_file(tmp_path / "missing.yaml")
    wrong = tmp_path / "ws" / "instruments"
    wrong.mkdir(parents=True)
    small(wrong, name="other-name.yaml")
    with pytest.raises(InstrumentError, match="its id is 'tiny-check'"):
        I.find("other-name", tmp_path / "ws")


def test_scores_are_checked_against_the_scale(tmp_path: Path) -> None:
    inst = I.load_file(small(tmp_path))
    assert inst.check_score("a1", "3") == 3 and inst.check_score("a1", 5.0) == 5
    assert inst.check_score("a1", "") is None and inst.check_score("a1", None) is None
    for bad in (0, 6, 2.5, "x", True):
        with pytest.raises(ValueError):
            inst.check_score("a1", bad)
    with pytest.raises(ValueError, match="no item 'zz'"):
        inst.check_score("zz", 3)


def test_aggregation_by_hand(tmp_path: Path) -> None:
    inst = I.load_file(small(tmp_path))
    responses = {
        "A": {"a1": 1, "a2": 5, "b1": 2},
        "B": {"a1": 3, "a2": None, "b1": 4},
        "C": {"a1": 5},
    }
    agg = aggregate(inst, responses)
    a1 = agg["items"]["a1"]
    assert a1["mean"] == 3 and a1["count"] == 3 and a1["min"] == 1 and a1["max"] == 5
    assert math.isclose(a1["sd"], math.sqrt(8 / 3))
    assert agg["items"]["a2"] == {"mean": 5, "sd": 0, "min": 5, "max": 5, "count": 1}
    assert agg["items"]["b2"]["count"] == 0 and agg["items"]["b2"]["mean"] is None
    alpha = agg["sections"]["alpha"]  # pooled answers 1, 3, 5, 5
    assert alpha["mean"] == 3.5 and alpha["count"] == 4
    assert math.isclose(alpha["sd"], math.sqrt(11 / 4))
    assert agg["sections"]["beta"]["mean"] == 3 and agg["overall"]["count"] == 6
    assert agg["respondents"] == 3
    assert weakest_sections(inst, agg, 1) == ["beta"]


def test_comparison_by_hand(tmp_path: Path) -> None:
    inst = I.load_file(small(tmp_path))
    base = aggregate(inst, {"A": {"a1": 2, "a2": 2, "b1": 4}})
    prev = aggregate(inst, {"A": {"a1": 3, "a2": 3, "b1": 4}})
    now = aggregate(inst, {"A": {"a1": 4, "a2": 5}, "B": {"a1": 4, "b1": 2}})
    cmp = compare(inst, now, base, prev)
    alpha, beta = cmp["sections"]
    assert (alpha["baseline"], alpha["previous"], alpha["now"]) == (2, 3, 13 / 3)
    assert math.isclose(alpha["delta_baseline"], 13 / 3 - 2)
    assert math.isclose(alpha["delta_previous"], 13 / 3 - 3)
    assert (beta["delta_baseline"], beta["delta_previous"]) == (-2, -2)
    items = {r["id"]: r for r in cmp["items"]}
    assert items["a1"]["delta_baseline"] == 2 and items["a2"]["delta_previous"] == 2
    assert items["b2"]["delta_baseline"] is None and items["b2"]["now"] is None
    no_prev = compare(inst, now, base, None)
    assert no_prev["sections"][0]["previous"] is None
    assert no_prev["sections"][0]["delta_previous"] is None
