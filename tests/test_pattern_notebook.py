"""Pattern notebooks: export, lossless round trip, safe import, versions, journal replay."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import fixed_clock

from s3engine.core.workspace import Workspace
from s3engine.errors import NotebookError, PatternError
from s3engine.patterns.database import PatternDB, attach
from s3engine.patterns.notebook import (
    check_imported,
    content_hash,
    export_notebook,
    export_patterns,
    import_notebook,
    import_notebooks,
    write_notebook,
)
from s3engine.patterns.reader import MAX_NOTEBOOK_BYTES, read_notebook, settled, unsafe_fields
from s3engine.patterns.sanitiser import sanitize_markdown


@pytest.fixture(scope="module")
def db() -> PatternDB:
    d = PatternDB()
    d.load()
    return d


def _export(db: PatternDB, tmp_path: Path, ids: list[str], name: str = "shared.ipynb") -> Path:
    return export_patterns(
        db,
        ids,
        tmp_path / name,
        community="Bologna in Transizione",
        author="Giulia",
        date="2026-01-05",
    )


def _edit(path: Path, change: Any) -> Path:
    """Apply ``change(nb_dict)`` to a notebook file (as plain JSON) and write it back."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    change(nb)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _pattern_cell(nb: dict[str, Any], n: int = 0) -> dict[str, Any]:
    return [c for c in nb["cells"] if "s3flow" in c["metadata"]][n]


def test_export_is_a_valid_deterministic_nbformat_45_notebook(
    db: PatternDB, tmp_path: Path
) -> None:
    pats = [db.get("role-selection"), db.get("participatory-budgeting")]
    nb = export_notebook(pats, community="Lisboa", author="Ana", date="2026-01-05")
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert [c.id for c in nb.cells] == [
        "s3flow-title-0",
        "role-selection-1",
        "participatory-budgeting-2",
    ]
    assert nb.cells[0].source.startswith("# Patterns: Role Selection, Participatory Budgeting")
    prov = nb.metadata["s3flow"]
    assert prov["community"] == "Lisboa" and prov["author"] == "Ana"
    assert prov["date"] == "2026-01-05" and prov["version"] == 1
    assert prov["s3flow_version"] == __import__("s3engine").__version__
    cell = nb.cells[1]
    assert cell.source.startswith("## Role Selection\n\n*Choose someone")
    assert cell.metadata["s3flow"]["pattern"] == pats[0].fields()
    a = write_notebook(nb, tmp_path / "a.ipynb").read_bytes()
    b = write_notebook(
        export_notebook(pats, community="Lisboa", author="Ana", date="2026-01-05"),
        tmp_path / "b.ipynb",
    ).read_bytes()
    assert a == b
    with pytest.raises(NotebookError, match=r"\.ipynb"):
        write_notebook(nb, tmp_path / "a.txt")


def test_round_trip_of_every_shipped_pattern_is_lossless(db: PatternDB, tmp_path: Path) -> None:
    pats = db.patterns()
    path = write_notebook(export_notebook(pats, date="2026-01-05"), tmp_path / "all.ipynb")
    got = read_notebook(path)
    assert got.code_cells == 0 and got.sanitised == []
    assert len(got.patterns) == len(pats)
    for item, p in zip(got.patterns, pats, strict=True):
        q = item["pattern"]
        assert q.fields() == p.fields(), p.id
        assert q.body == p.body, p.id


def test_import_journals_each_pattern_and_keeps_provenance(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    path = _export(db, tmp_path, ["world-cafe"])
    res = import_notebook(ws, path, actor="Giulia")
    [item] = res.imported
    assert item["key"] == "world-cafe@2" and item["conflicts"] == ["world-cafe"]
    events = [e for e in ws.events() if e["type"] == "pattern.imported"]
    assert len(events) == 1 and events[0]["actor"] == "Giulia"
    data = events[0]["data"]
    assert data["body"] == db.get("world-cafe").body
    assert {k: data[k] for k in db.get("world-cafe").fields()} == db.get("world-cafe").fields()
    prov = data["provenance"]
    assert prov["community"] == "Bologna in Transizione" and prov["author"] == "Giulia"
    assert prov["date"] == "2026-01-05" and prov["notebook"] == "shared.ipynb"
    assert len(prov["sha256"]) == 64
    row = ws.projection.get("imported_patterns", "world-cafe@2")
    assert row["provenance"]["community"] == "Bologna in Transizione"


def test_same_id_import_keeps_both_versions_and_says_so(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    wsdb = attach(ws)
    path = _export(db, tmp_path, ["check-in"])

    def change(nb: dict[str, Any]) -> None:
        cell = _pattern_cell(nb)
        cell["metadata"]["s3flow"]["pattern"]["version"] = 2
        cell["metadata"]["s3flow"]["pattern"]["summary"] = "Our own take on checking in."
        cell["source"] = "## Check In\n\nA short round of how everyone is, in our words.\n"

    res = import_notebook(ws, _edit(path, change))
    [item] = res.imported
    assert item["revision"] == 2 and item["conflicts"] == ["check-in"] and not item["identical"]
    assert "both are kept" in res.lines()[0]
    versions = wsdb.versions("check-in")
    assert [(v.key, v.origin, v.version) for v in versions] == [
        ("check-in", "shipped", 1),
        ("check-in@2", "imported", 2),
    ]
    assert wsdb.get("check-in").origin == "shipped"  # the shipped file is not overwritten
    assert wsdb.get("check-in@2").summary == "Our own take on checking in."
    assert wsdb.get("check-in@2").provenance["author"] == "Giulia"
    # The shipped text again (a new notebook): a third entry, marked as the shipped text.
    res2 = import_notebook(ws, _export(db, tmp_path, ["check-in"], "plain.ipynb"))
    assert res2.imported[0]["key"] == "check-in@3"
    assert res2.imported[0]["conflicts"] == ["check-in", "check-in@2"]
    assert res2.imported[0]["identical"]
    keys = [p.key for p in wsdb.patterns() if p.id == "check-in"]
    assert keys == ["check-in", "check-in@2", "check-in@3"]


def test_imported_patterns_are_searchable_at_once(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    wsdb = attach(ws)
    path = _export(db, tmp_path, ["rounds"])

    def change(nb: dict[str, Any]) -> None:
        cell = _pattern_cell(nb)
        fields = cell["metadata"]["s3flow"]["pattern"]
        fields.update(
            id="giro-di-parola",
            name="Giro di parola",
            related=["rounds"],
            kind="toolbox",
            category="Facilitation",
            category_2021=None,
            tags=["parola", "turno"],
        )
        fields.pop("source_url", None)
        cell["source"] = "## Giro di parola\n\nOgnuno parla a turno, ogni mercoledì.\n"

    import_notebook(ws, _edit(path, change))
    [r] = wsdb.search("mercoledi", limit=1)
    assert r.pattern.key == "giro-di-parola@1" and "**mercoledì**" in r.snippet
    assert wsdb.has("giro-di-parola") and wsdb.get("giro-di-parola").name == "Giro di parola"
    assert "giro-di-parola" in [p.id for p in wsdb.linked_from("rounds")]
    # Decisions may now name the imported pattern.
    ws.check_pattern_ids(["giro-di-parola"], "patterns")


def test_replaying_the_journal_restores_imported_patterns(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    path = _export(db, tmp_path, ["rounds", "check-in"])
    import_notebook(ws, path)
    fresh = Workspace(ws.path, clock=fixed_clock())
    assert {r["key"] for r in fresh.projection.all("imported_patterns")} == {
        "rounds@2",
        "check-in@2",
    }
    db2 = attach(fresh)
    assert db2.get("rounds@2").provenance["community"] == "Bologna in Transizione"
    assert db2.get("rounds@2").body == db.get("rounds").body
    assert any(r.pattern.key == "rounds@2" for r in db2.search("rounds"))
    fresh.flush(everything=True)
    rows = json.loads((ws.path / "query" / "imported_patterns.json").read_text())
    assert len(rows["imported_patterns"]) == 2


def test_a_code_cell_that_would_create_a_file_creates_nothing(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    target = tmp_path / "pwned.txt"
    path = _export(db, tmp_path, ["rounds"])
    code = (
        f"open({str(target)!r}, 'w').write('x')\n"
        f"import pathlib; pathlib.Path({str(target)!r}).touch()"
    )

    def change(nb: dict[str, Any]) -> None:
        nb["cells"].insert(
            1,
            {
                "cell_type": "code",
                "id": "evil",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": code,
            },
        )

    res = import_notebook(ws, _edit(path, change))
    assert not target.exists()
    assert res.code_cells == 1 and "not run" in " ".join(res.lines())
    events = [e for e in ws.events() if e["type"] == "pattern.imported"]
    assert "pwned" not in json.dumps(events)


XSS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))")


@pytest.mark.parametrize("attack", XSS)
def test_sanitiser_removes_scripts_handlers_and_javascript_links(attack: str) -> None:
    out = sanitize_markdown(f"Before {attack} after")
    low = out.lower()
    assert "<script" not in low and "onerror" not in low and "javascript:" not in low
    assert out.startswith("Before") and out.endswith("after")


@pytest.mark.parametrize(
    "attack",
    [
        "<SCRIPT SRC=//x.js></SCRIPT>",
        "<svg/onload=alert(1)>",
        "<a href='JaVaScRiPt:alert(1)'>x</a>",
        "[x](java&#115;cript:alert(1))",
        "[x]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "![i](data:text/html;base64,PHNjcmlwdD4=)",
        "<iframe src=x></iframe>",
        "<img src=x onerror=alert(1)//",
        "<scr<script>ipt>alert(1)</script>",
        '<a href="x" onmouseover="alert(1)">x</a>',
        "[x](%6Aavascript:alert(1))",
        "[x](<javascript:alert(1)>)",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_sanitiser_handles_obfuscated_attacks(attack: str) -> None:
    low = sanitize_markdown(attack).lower()
    for bad in (
        "<script",
        "onerror",
        "onload",
        "onmouseover",
        "javascript:",
        "<iframe",
        "data:text/html",
        "<svg",
    ):
        assert bad not in low, (attack, low)


@pytest.mark.parametrize(
    "text",
    [
        "Plain text with a < b & c > d, and -> arrows.",
        "## Heading\n\n1. **Bold** step\n2. *Italic* step\n\n- item\n\n> quote\n",
        "A [link](https://example.org/a_(b)) and <https://example.org> and <ana@example.org>.",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode <b>\n```\n",
        "<details>\n<summary>More</summary>\n\nText.\n</details>\n",
        "Emoji 🌱, accents àèìòù çãõ ñ, dash – and «quotes».",
    ],
)
def test_sanitiser_does_not_change_ordinary_markdown(text: str) -> None:
    assert sanitize_markdown(text) == text


def test_imported_text_is_sanitised_before_it_is_stored(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    path = _export(db, tmp_path, ["rounds"])

    def change(nb: dict[str, Any]) -> None:
        cell = _pattern_cell(nb)
        cell["source"] += "\n" + " ".join(XSS) + "\n"
        f = cell["metadata"]["s3flow"]["pattern"]
        f["summary"] = "Rounds <img src=x onerror=alert(1)> for all"
        f["aliases"] = ["[go](javascript:alert(1))"]
        f["attribution"] += " <script>alert(2)</script>"

    res = import_notebook(ws, _edit(path, change))
    assert {"cell 1: summary", "cell 1: aliases", "cell 1: attribution", "cell 1: body"} <= set(
        res.sanitised
    )
    p = attach(ws).get(res.imported[0]["key"])
    stored = json.dumps([e["data"] for e in ws.events() if e["type"] == "pattern.imported"])
    for text in (p.body, p.summary, p.attribution, *p.aliases, stored):
        low = text.lower()
        assert "<script" not in low and "onerror" not in low and "javascript:" not in low
    assert p.summary == "Rounds  for all"


def test_schema_errors_in_a_notebook_name_notebook_cell_and_field(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    path = _export(db, tmp_path, ["rounds"])
    _edit(
        path,
        lambda nb: _pattern_cell(nb)["metadata"]["s3flow"]["pattern"].update(phases=["dancing"]),
    )
    with pytest.raises(PatternError) as info:
        import_notebook(ws, path)
    assert info.value.field == "phases"
    assert "shared.ipynb, cell 1 (rounds-1)" in str(info.value)
    assert not [e for e in ws.events() if e["type"] == "pattern.imported"]


@pytest.mark.parametrize(
    "bad_id", ["../../etc/passwd", "a/b", "..", "Rounds", "x" * 90, "", "rounds\n", 7]
)
def test_path_traversal_and_non_slug_ids_are_rejected(
    db: PatternDB, ws: Workspace, tmp_path: Path, bad_id: Any
) -> None:
    path = _export(db, tmp_path, ["rounds"])
    _edit(path, lambda nb: _pattern_cell(nb)["metadata"]["s3flow"]["pattern"].update(id=bad_id))
    with pytest.raises(PatternError, match="field 'id'"):
        import_notebook(ws, path)


def test_name_that_looks_like_a_path_is_rejected(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    path = _export(db, tmp_path, ["rounds"])
    _edit(
        path,
        lambda nb: _pattern_cell(nb)["metadata"]["s3flow"]["pattern"].update(name="../../secret"),
    )
    with pytest.raises(PatternError, match="field 'name'"):
        import_notebook(ws, path)


def test_unknown_related_id_is_refused_unless_imported_together(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    a = _export(db, tmp_path, ["rounds"], "a.ipynb")

    def new_pattern(nb: dict[str, Any], pid: str, related: list[str]) -> None:
        f = _pattern_cell(nb)["metadata"]["s3flow"]["pattern"]
        f.update(id=pid, related=related)

    _edit(a, lambda nb: new_pattern(nb, "local-rounds", ["local-circle"]))
    with pytest.raises(PatternError, match="'local-circle' is not a known pattern id"):
        import_notebooks(ws, [a])
    b = _export(db, tmp_path, ["circle"], "b.ipynb")
    _edit(b, lambda nb: new_pattern(nb, "local-circle", ["local-rounds"]))
    seen: list[tuple[int, int, str]] = []
    results = import_notebooks(ws, [a, b], progress=lambda d, t, p: seen.append((d, t, p)))
    assert [r.imported[0]["key"] for r in results] == ["local-rounds@1", "local-circle@1"]
    assert [(d, t) for d, t, _ in seen] == [(1, 2), (2, 2)]


def test_progress_accepts_a_tqdm_like_bar(db: PatternDB, ws: Workspace, tmp_path: Path) -> None:
    class Bar:
        total = None
        n = 0

        def update(self, k: int) -> None:
            self.n += k

    bar = Bar()
    paths = [_export(db, tmp_path, [pid], f"{pid}.ipynb") for pid in ("rounds", "check-in")]
    import_notebooks(ws, paths, progress=bar)
    assert bar.total == 2 and bar.n == 2


def test_keep_going_imports_the_good_notebooks(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    good = _export(db, tmp_path, ["rounds"], "good.ipynb")
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(NotebookError, match=r"bad\.ipynb is not a readable notebook"):
        import_notebooks(ws, [good, bad])
    assert not [e for e in ws.events() if e["type"] == "pattern.imported"]
    results = import_notebooks(ws, [good, bad], keep_going=True)
    assert results[0].imported and results[1].error and "not imported" in results[1].lines()[0]


def test_notebook_errors(db: PatternDB, ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(NotebookError, match="Cannot read"):
        read_notebook(tmp_path / "missing.ipynb")
    big = tmp_path / "big.ipynb"
    big.write_bytes(b" " * (MAX_NOTEBOOK_BYTES + 1))
    with pytest.raises(NotebookError, match="larger than"):
        read_notebook(big)
    plain = tmp_path / "plain.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# Hello"))
    nbformat.write(nb, plain)
    with pytest.raises(NotebookError, match="not an s3flow pattern notebook"):
        read_notebook(plain)
    invalid = _export(db, tmp_path, ["rounds"], "invalid.ipynb")
    _edit(invalid, lambda d: d["cells"][1].update(cell_type="picture"))
    with pytest.raises(NotebookError, match="not a valid notebook"):
        read_notebook(invalid)
    empty = _export(db, tmp_path, ["rounds"], "empty.ipynb")
    _edit(empty, lambda d: d["cells"][1]["metadata"].clear())
    with pytest.raises(NotebookError, match="no pattern cells"):
        read_notebook(empty)
    dup = _export(db, tmp_path, ["rounds"], "dup.ipynb")
    _edit(dup, lambda d: d["cells"].append(dict(copy.deepcopy(d["cells"][1]), id="again")))
    with pytest.raises(PatternError, match="also the id of cell 1"):
        read_notebook(dup)


def test_edited_heading_still_gives_the_body(db: PatternDB, tmp_path: Path) -> None:
    path = _export(db, tmp_path, ["rounds"])
    _edit(path, lambda nb: _pattern_cell(nb).update(source="## Rounds, our version\n\nBody.\n"))
    assert read_notebook(path).patterns[0]["pattern"].body == "Body.\n"


def test_imported_patterns_are_applied_when_a_workspace_opens(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    """The registry knows the pattern.imported handler at open time: no attach needed first."""
    import_notebook(ws, _export(db, tmp_path, ["rounds"]))
    ws.close()
    fresh = Workspace(ws.path, clock=fixed_clock(), use_snapshot=False)
    assert [r["key"] for r in fresh.projection.all("imported_patterns")] == ["rounds@2"]
    assert attach(fresh).get("rounds@2").origin == "imported"


def _imported(ws: Workspace) -> list[dict[str, Any]]:
    return [e for e in ws.events() if e["type"] == "pattern.imported"]


def test_importing_the_same_notebook_again_is_a_no_op_that_says_so(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    path = _export(db, tmp_path, ["rounds", "check-in"])
    first = import_notebook(ws, path)
    assert [i["key"] for i in first.imported] == ["rounds@2", "check-in@2"]
    raw = ws.journal.path.read_bytes()
    again = import_notebook(ws, path)
    assert again.imported == [] and ws.journal.path.read_bytes() == raw
    assert [(a["id"], a["key"]) for a in again.already] == [
        ("rounds", "rounds@2"),
        ("check-in", "check-in@2"),
    ]
    text = "\n".join(again.lines())
    assert "already imported as rounds@2 (same content)" in text and "nothing new" in text
    assert again.as_dict()["already"] == again.already
    # The same content under another file name (other provenance) is the same pattern too.
    copy_path = tmp_path / "copy.ipynb"
    copy_path.write_bytes(path.read_bytes())
    assert import_notebook(ws, copy_path).imported == []
    # A fresh workspace replayed from the journal knows what was imported.
    fresh = Workspace(ws.path, clock=fixed_clock(), use_snapshot=False)
    assert import_notebook(fresh, path).imported == []
    assert len(_imported(fresh)) == 2


def test_content_hash_ignores_provenance_but_not_text(db: PatternDB, tmp_path: Path) -> None:
    a = read_notebook(_export(db, tmp_path, ["rounds"], "a.ipynb")).patterns[0]["pattern"]
    b_path = export_patterns(db, ["rounds"], tmp_path / "b.ipynb", author="Someone else")
    b = read_notebook(b_path).patterns[0]["pattern"]
    assert a.provenance != b.provenance and content_hash(a) == content_hash(b)
    c_path = _edit(
        _export(db, tmp_path, ["rounds"], "c.ipynb"),
        lambda nb: _pattern_cell(nb).update(source="## Rounds\n\nOur own words.\n"),
    )
    c = read_notebook(c_path).patterns[0]["pattern"]
    assert content_hash(c) != content_hash(a)


@pytest.mark.parametrize("bad_at", [0, 1, 2])
def test_a_partly_bad_batch_imports_nothing(
    db: PatternDB, ws: Workspace, tmp_path: Path, bad_at: int
) -> None:
    paths = [_export(db, tmp_path, [pid], f"{pid}.ipynb") for pid in ("rounds", "check-in")]
    bad = _edit(
        _export(db, tmp_path, ["world-cafe", "circle"], "bad.ipynb"),
        lambda nb: _pattern_cell(nb, 1)["metadata"]["s3flow"]["pattern"].update(phases=["x"]),
    )
    paths.insert(bad_at, bad)
    raw = ws.journal.path.read_bytes() if ws.journal.path.exists() else b""
    with pytest.raises(PatternError, match=r"bad\.ipynb, cell 2"):
        import_notebooks(ws, paths)
    assert not _imported(ws)
    assert (ws.journal.path.read_bytes() if ws.journal.path.exists() else b"") == raw
    # Once the bad notebook is fixed, everything is imported, and a re-run adds nothing.
    paths.remove(bad)
    results = import_notebooks(ws, paths)
    assert [r.imported[0]["key"] for r in results] == ["rounds@2", "check-in@2"]
    assert all(not r.imported for r in import_notebooks(ws, paths))


def test_sanitising_settles_so_stored_text_passes_again(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    nested = "<<script>script>alert(1)<</script>/script> and <scr<script>ipt>x"
    once = sanitize_markdown(nested)
    assert sanitize_markdown(once) != once  # one pass is not enough for this text
    assert sanitize_markdown(settled(nested, True)) == settled(nested, True)
    path = _export(db, tmp_path, ["rounds"])

    def change(nb: dict[str, Any]) -> None:
        cell = _pattern_cell(nb)
        cell["source"] += "\n" + nested + "\n"
        cell["metadata"]["s3flow"]["pattern"]["summary"] = "Rounds " + nested

    res = import_notebook(ws, _edit(path, change))
    [event] = _imported(ws)
    assert unsafe_fields(event["data"]) == []
    assert "cell 1: body" in res.sanitised and "<script" not in json.dumps(event["data"])


def test_check_imported_accepts_sanitised_events_and_refuses_unsafe_ones(
    db: PatternDB, ws: Workspace, tmp_path: Path
) -> None:
    import_notebook(ws, _export(db, tmp_path, ["rounds"]))
    [event] = _imported(ws)
    scratch = Workspace(tmp_path / "scratch", clock=fixed_clock())
    check_imported(scratch, event)  # a new entry key, every text safe
    scratch.apply(event)
    with pytest.raises(PatternError, match="imported already"):
        check_imported(scratch, event)
    for key, value in (
        ("body", event["data"]["body"] + "\n<script>alert(1)</script>\n"),
        ("summary", "[x](javascript:alert(1))"),
        ("aliases", ["<img src=x onerror=alert(1)>"]),
    ):
        bad = copy.deepcopy(event)
        bad["data"][key] = value
        with pytest.raises(PatternError, match=f"field '{key}': holds markup"):
            check_imported(Workspace(tmp_path / key, clock=fixed_clock()), bad)
    bad = copy.deepcopy(event)
    bad["data"]["provenance"]["author"] = "<b>Rita</b>"
    with pytest.raises(PatternError, match=r"provenance\.author"):
        check_imported(Workspace(tmp_path / "prov", clock=fixed_clock()), bad)
    bad = copy.deepcopy(event)
    bad["data"]["phases"] = ["dancing"]
    with pytest.raises(PatternError, match="phases"):
        check_imported(Workspace(tmp_path / "schema", clock=fixed_clock()), bad)


def test_patterns_import_command_says_a_re_run_is_a_no_op(
    db: PatternDB, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from s3engine.cli.main import main

    path, w = str(_export(db, tmp_path, ["rounds"])), str(tmp_path / "w")
    assert main(["patterns", "import", path, "--as", "Rita", "-w", w]) == 0
    assert "imported rounds as rounds@2" in capsys.readouterr().out
    raw = (tmp_path / "w" / "journal.jsonl").read_bytes()
    assert main(["patterns", "import", path, "--as", "Rita", "-w", w]) == 0
    out = capsys.readouterr().out
    assert "rounds is already imported as rounds@2" in out and "nothing new" in out
    assert (tmp_path / "w" / "journal.jsonl").read_bytes() == raw
