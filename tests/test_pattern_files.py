"""The shipped pattern files: the 79 S3 patterns, the toolbox, and the schema check."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3engine.errors import PatternError
from s3engine.patterns.database import PatternDB, default_root
from s3engine.patterns.file import parse_file, parse_text
from s3engine.patterns.model import PHASES, TOOLBOX_CATEGORIES, Pattern

DATA = Path(__file__).parent / "data"
REFERENCE = yaml.safe_load((DATA / "s3_patterns_2024.yaml").read_text(encoding="utf-8"))

GOOD = """---
id: sample-pattern
name: Sample Pattern
aliases: [Old Sample]
kind: toolbox
category: Facilitation
category_2021: null
source: Test suite
summary: One line about the sample.
related: []
phases: [meetings]
tags: [sample, test]
version: 1
license: CC BY-SA 4.0
attribution: Written for the tests.
---
## Context

Some text.
"""


@pytest.fixture(scope="module")
def db() -> PatternDB:
    d = PatternDB()
    d.load()
    return d


def test_all_79_s3_patterns_exist_with_exact_names_and_2024_categories(db: PatternDB) -> None:
    ref = REFERENCE["patterns"]
    assert REFERENCE["s3_guide_version"] == "2024-04-18" and len(ref) == 79
    for item in ref:
        p = db.get(item["id"])
        assert p.kind == "s3", item["id"]
        assert p.name == item["name"], item["id"]
        assert p.category == item["category"], item["id"]
        assert p.category_2021 == item.get("category_2021"), item["id"]
        assert p.license == "CC BY-SA 4.0" and "Sociocracy 3.0" in p.attribution
    shipped_s3 = {p.id for p in db.patterns(kind="s3")}
    assert shipped_s3 == {item["id"] for item in ref}


def test_toolbox_has_at_least_30_patterns_with_sources(db: PatternDB) -> None:
    tools = db.patterns(kind="toolbox")
    assert len(tools) >= 30
    for p in tools:
        assert p.category in TOOLBOX_CATEGORIES and p.category_2021 is None
        assert len(p.source) > 5


def test_shipped_files_are_valid_and_every_related_link_resolves(db: PatternDB) -> None:
    assert db.problems == []
    for p in db.patterns():
        assert p.path and Path(p.path).stem == p.id
        assert set(p.phases) <= set(PHASES)
        for rid in p.related:
            assert db.has(rid), (p.id, rid)
        assert "## " in p.body


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "patterns"
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
    return root


def test_a_good_file_parses(tmp_path: Path) -> None:
    root = _folder(tmp_path, {"toolbox/sample-pattern.md": GOOD})
    p = parse_file(root / "toolbox" / "sample-pattern.md")
    assert isinstance(p, Pattern) and p.aliases == ("Old Sample",) and p.body.startswith("## ")
    assert p.fields()["tags"] == ["sample", "test"]


@pytest.mark.parametrize(
    "change, field, expected",
    [
        (("summary: One line about the sample.\n", ""), "summary", "is missing"),
        (("kind: toolbox", "kind: tool"), "kind", "s3 | toolbox"),
        (("phases: [meetings]", "phases: [dancing]"), "phases", "phases from"),
        (("category: Facilitation", "category: Cooking"), "category", "Facilitation"),
        (("tags: [sample, test]", "tags: [Sample, test]"), "tags", "lower-case"),
        (("tags: [sample, test]", "tags: [sample]"), "tags", "at least two"),
        (("version: 1", "version: one"), "version", "whole number"),
        (("id: sample-pattern", "id: other-name"), "id", "sample-pattern"),
        (("id: sample-pattern", "id: ../../etc/passwd"), "id", "slug"),
        (("related: []", "related: [sample-pattern]"), "related", "other patterns"),
        (("category_2021: null", "category_2021: Focused Interactions"), "category_2021", "null"),
        (("name: Sample Pattern", "name: 42"), "name", "exact pattern name"),
        (
            ("license: CC BY-SA 4.0\n", "license: CC BY-SA 4.0\ncolour: blue\n"),
            "colour",
            "only id, name",
        ),
    ],
)
def test_schema_errors_name_file_field_and_expectation(
    tmp_path: Path, change: tuple[str, str], field: str, expected: str
) -> None:
    root = _folder(tmp_path, {"toolbox/sample-pattern.md": GOOD.replace(*change)})
    with pytest.raises(PatternError) as info:
        parse_file(root / "toolbox" / "sample-pattern.md", "toolbox/sample-pattern.md")
    err = info.value
    assert err.source == "toolbox/sample-pattern.md" and err.field == field
    assert "toolbox/sample-pattern.md" in str(err) and f"'{field}'" in str(err)
    assert expected in str(err)


def test_bad_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    root = _folder(
        tmp_path,
        {"toolbox/sample-pattern.md": GOOD.replace("tags: [sample, test]", "tags: [sample, test")},
    )
    db = PatternDB(root)
    db.load()
    assert len(db.problems) == 1
    msg = str(db.problems[0])
    assert "patterns/toolbox/sample-pattern.md" in msg and "not valid YAML" in msg
    assert "line" in msg
    with pytest.raises(PatternError):
        db.load(strict=True)


def test_missing_front_matter_and_empty_body(tmp_path: Path) -> None:
    with pytest.raises(PatternError, match="does not start with a YAML front matter"):
        parse_text("# Just Markdown\n", "x.md")
    with pytest.raises(PatternError, match="field 'body'"):
        parse_text(GOOD.split("## Context")[0], "x.md")


def test_unknown_related_id_is_named_with_file_and_field(tmp_path: Path) -> None:
    bad = GOOD.replace("related: []", "related: [no-such-pattern]")
    root = _folder(tmp_path, {"toolbox/sample-pattern.md": bad})
    db = PatternDB(root)
    db.load()
    [err] = db.problems
    assert err.field == "related" and "no-such-pattern" in str(err)
    assert err.source == "patterns/toolbox/sample-pattern.md"
    assert db.get("sample-pattern").related == ("no-such-pattern",)


def test_duplicate_id_across_folders_is_reported(tmp_path: Path) -> None:
    s3 = GOOD.replace("kind: toolbox", "kind: s3").replace(
        "category: Facilitation", "category: Meeting Practices"
    )
    root = _folder(tmp_path, {"toolbox/sample-pattern.md": GOOD, "s3/sample-pattern.md": s3})
    db = PatternDB(root)
    db.load()
    [err] = db.problems
    assert err.field == "id" and "also the id of" in str(err)
    assert "sample-pattern.md" in err.source


def test_incremental_load_reparses_only_changed_files(tmp_path: Path) -> None:
    src = default_root()
    root = tmp_path / "patterns"
    shutil.copytree(src, root)
    db = PatternDB(root)
    assert db.load() == len(list(root.glob("*/*.md")))
    assert db.load() == 0
    f = root / "s3" / "check-in.md"
    f.write_text(
        f.read_text(encoding="utf-8").replace("version: 1", "version: 2"), encoding="utf-8"
    )
    assert db.load() == 1
    assert db.get("check-in").version == 2
    assert db.search("check in start meeting")[0].pattern.version == 2
    (root / "toolbox" / "world-cafe.md").unlink()
    assert db.load() == 0
    assert not db.has("world-cafe")
    assert any(e.field == "related" and "world-cafe" in str(e) for e in db.problems)
    assert not any(r.pattern.id == "world-cafe" for r in db.search("world cafe"))


FRONT = GOOD.split("---\n")[1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=300),
        st.lists(st.sampled_from(FRONT.splitlines()) | st.text(max_size=40), max_size=20).map(
            "\n".join
        ),
        st.builds(
            lambda a, b: FRONT.replace(a, b, 1),
            st.sampled_from(FRONT.split()),
            st.text(max_size=30),
        ),
    )
)
def test_fuzzed_front_matter_only_ever_raises_pattern_error(front: str) -> None:
    with contextlib.suppress(PatternError):
        parse_text(f"---\n{front}\n---\n## Body\n\nText.\n", "fuzz.md", stem="sample-pattern")
