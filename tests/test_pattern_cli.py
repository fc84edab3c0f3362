"""``s3flow patterns ...`` through :func:`s3engine.cli.main`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from s3engine.cli.main import main
from s3engine.patterns.database import default_root

DATA = Path(__file__).parent / "data"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def w(tmp_path: Path) -> str:
    return str(tmp_path / "W")


def test_list_json_holds_all_s3_patterns_and_the_toolbox(
    w: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "patterns", "list", "--json", "-w", w)
    assert code == 0 and err == ""
    rows = json.loads(out)
    keys = {
        "id",
        "name",
        "aliases",
        "category",
        "category_2021",
        "source",
        "summary",
        "related",
        "phases",
        "tags",
        "version",
        "kind",
    }
    assert all(keys <= set(r) for r in rows)
    ref = yaml.safe_load((DATA / "s3_patterns_2024.yaml").read_text(encoding="utf-8"))
    by_id = {r["id"]: r for r in rows}
    for item in ref["patterns"]:
        assert by_id[item["id"]]["name"] == item["name"]
        assert by_id[item["id"]]["category"] == item["category"]
    tools = [r for r in rows if r["kind"] == "toolbox"]
    assert len(tools) >= 30 and all(r["source"] for r in tools)
    assert sum(r["kind"] == "s3" for r in rows) == 79


def test_list_filters_and_text(w: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "patterns", "list", "--category", "Meeting Formats", "-w", w)
    assert code == 0 and "governance-meeting" in out and "5 patterns (5 S3, 0 toolbox)" in out
    code, out, _ = run(
        capsys,
        "patterns",
        "list",
        "--kind",
        "toolbox",
        "--source",
        "porto alegre",
        "--json",
        "-w",
        w,
    )
    assert [r["id"] for r in json.loads(out)] == ["participatory-budgeting"]


def test_search(w: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "patterns", "search", "how do we pick someone for this role", "-w", w
    )
    assert code == 0 and out.startswith(" 1. Role Selection (role-selection)")
    assert "**role**" in out
    code, out, _ = run(capsys, "patterns", "search", "bilancio partecipativo", "--json", "-w", w)
    hits = json.loads(out)
    assert hits[0]["id"] == "participatory-budgeting" and "**bilancio**" in hits[0]["snippet"]
    code, out, _ = run(
        capsys,
        "patterns",
        "search",
        "meeting",
        "--category",
        "Meeting Formats",
        "--phase",
        "governance",
        "--json",
        "-w",
        w,
    )
    assert code == 0 and all(h["category"] == "Meeting Formats" for h in json.loads(out))


def test_search_in_the_users_language(w: str, capsys: pytest.CaptureFixture[str]) -> None:
    # The query's language, when the workspace speaks English.
    code, out, _ = run(
        capsys, "patterns", "search", "come scegliere qualcuno per un ruolo", "-w", w
    )
    assert code == 0 and out.startswith(" 1. Selezione per un ruolo (role-selection)")
    # The language asked for; typos tolerated.
    code, out, _ = run(capsys, "patterns", "search", "objecton", "--lang", "ar", "-w", w)
    assert code == 0 and "(test-arguments-qualify-as-objections)" in out.splitlines()[0]
    assert "اختبار ما إذا كانت الحجج اعتراضات" in out and "**objection**" in out.lower()
    code, out, _ = run(capsys, "patterns", "search", "consnet", "--json", "-w", w)
    hit = json.loads(out)[0]
    assert hit["id"] == "consent-decision-making" and hit["corrected"] == {"consnet": ["consent"]}
    assert hit["translations"]["el"]["name"] == "Λήψη αποφάσεων με συναίνεση"
    code, out, err = run(capsys, "patterns", "search", "x", "--lang", "de", "-w", w)
    assert code == 2 and "--lang" in err
    code, out, _ = run(capsys, "patterns", "show", "rounds", "--lang", "el", "-w", w)
    assert code == 0 and "In Ελληνικά (not yet reviewed): Γύροι. " in out
    code, out, _ = run(capsys, "patterns", "show", "rounds", "-w", w)
    assert code == 0 and "not yet reviewed" not in out  # an English workspace
    code, out, _ = run(capsys, "patterns", "search", "xylophone", "-w", w)
    assert code == 0 and "No pattern matches" in out


def test_show_related_and_for_step(w: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "patterns", "show", "consent-decision-making", "-w", w)
    assert code == 0 and out.startswith("Consent Decision-Making  (consent-decision-making")
    assert "## What to do" in out and "CC BY-SA 4.0" in out
    code, out, _ = run(capsys, "patterns", "related", "resolve-objections", "--json", "-w", w)
    rel = json.loads(out)
    assert "consent-decision-making" in rel["linked_from"]
    assert "reasoned-decision-making" in rel["links_to"]
    code, out, _ = run(capsys, "patterns", "for-step", "consent:resolving", "-w", w)
    assert code == 0 and out.startswith("resolve-objections")
    code, _, err = run(capsys, "patterns", "show", "no-such-pattern", "-w", w)
    assert code == 2 and err.count("\n") == 1 and "no pattern 'no-such-pattern'" in err
    code, _, err = run(capsys, "patterns", "for-step", "xyzzy", "-w", w)
    assert code == 2 and "kind:state" in err


def test_export_import_and_listing_both_versions(
    w: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nb = str(tmp_path / "share.ipynb")
    code, out, _ = run(
        capsys,
        "patterns",
        "export",
        "rounds",
        "world-cafe",
        "-o",
        nb,
        "--community",
        "Telheiras",
        "--author",
        "Rita",
        "--date",
        "2026-02-01",
        "-w",
        w,
    )
    assert code == 0 and "Exported 2 pattern(s)" in out and Path(nb).is_file()
    code, out, _ = run(capsys, "patterns", "import", nb, "--as", "Rita", "-w", w)
    assert code == 0
    assert "imported rounds as rounds@2" in out and "both are kept" in out
    code, out, _ = run(capsys, "patterns", "list", "--json", "-w", w)
    rounds = [r for r in json.loads(out) if r["id"] == "rounds"]
    assert [(r["origin"], r["revision"]) for r in rounds] == [("shipped", 1), ("imported", 2)]
    assert rounds[1]["provenance"]["community"] == "Telheiras"
    code, out, _ = run(capsys, "patterns", "list", "-w", w)
    assert "rounds@2" in out and "imported, revision 2: Telheiras, Rita, 2026-02-01" in out
    code, out, _ = run(capsys, "patterns", "show", "rounds", "-w", w)
    assert "Also kept:   rounds@2" in out
    code, out, _ = run(capsys, "log", "-w", w)
    assert out.count("pattern.imported") == 2
    assert (Path(w) / "query" / "imported_patterns.json").is_file()


def test_import_errors_exit_2_with_one_line(
    w: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{}", encoding="utf-8")
    code, _, err = run(capsys, "patterns", "import", str(bad), "-w", w)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    code, _, err = run(
        capsys, "patterns", "export", "rounds", "-o", str(tmp_path / "x.txt"), "-w", w
    )
    assert code == 2 and ".ipynb" in err


def test_validate_ok_and_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "patterns", "validate")
    assert code == 0 and out.startswith("OK: ") and "related links resolve" in out
    root = tmp_path / "patterns"
    shutil.copytree(default_root(), root)
    f = root / "s3" / "rounds.md"
    f.write_text(f.read_text(encoding="utf-8").replace("phases:", "phasez:"), encoding="utf-8")
    (root / "toolbox" / "world-cafe.md").unlink()
    code, out, _ = run(capsys, "patterns", "validate", "--patterns-dir", str(root))
    assert code == 1
    assert "problem: patterns/s3/rounds.md, field 'phasez': is not a pattern field" in out
    assert "field 'related': 'world-cafe' is not a known pattern id" in out
    assert "problem(s) in" in out


def test_patterns_without_subcommand_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "patterns")
    assert code == 0 and "for-step" in out


def test_an_exported_pattern_notebook_carries_a_checkpoint(tmp_path: Path) -> None:
    import json

    from s3engine.cli.main import main

    w = str(tmp_path / "w")
    assert main(["demo", "-w", w]) == 0
    out = tmp_path / "shared.ipynb"
    assert main(["patterns", "export", "consent-decision-making", "-o", str(out), "-w", w]) == 0
    note = json.loads(out.read_text())["metadata"]["s3flow"]["checkpoint"]
    assert note.startswith("s3flow.local/")
    assert main(["verify", "-w", w, "--checkpoint", str(out)]) == 0
