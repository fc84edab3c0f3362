"""The roles, domains and mits commands, including the issue's Done-when checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s3engine.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def roles_ws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    w = str(tmp_path / "roles")
    code, out, _ = run(capsys, "demo", "--scenario", "roles", "-w", w)
    assert code == 0 and "ROLE energy-team.energy-desk-host" in out
    return w


@pytest.fixture
def mits_ws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    w = str(tmp_path / "mits")
    code, out, _ = run(capsys, "demo", "--scenario", "mits", "-w", w)
    assert code == 0 and "is closed after 2 cycles" in out
    return w


def test_roles_demo_then_roles_json(roles_ws: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "roles", "--json", "-w", roles_ws)
    assert code == 0
    rows = json.loads(out)
    role = next(r for r in rows if r["name"] == "Energy desk host")
    assert role["keeper"] == "Sara" and role["term_end"] == "2027-12-31"
    assert role["domain"] == "energy-desk-host" and role["domain_version"] == 2
    noms = {n["by"]: n for n in role["nominations"]}
    assert len(noms) == 5 and all(n["reason"] for n in noms.values())
    assert noms["Sara"]["self"] is True and noms["Ivo"]["nominee"] == "pass"
    assert noms["Nadia"]["changed_to"] == "Sara" and noms["Nadia"]["change_reasons"]
    code, out, _ = run(capsys, "verify", "-w", roles_ws)
    assert code == 0 and out.startswith("OK")


def test_roles_queries(roles_ws: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "roles", "--expiring-before", "2028-01-01", "-w", roles_ws)
    assert code == 0 and "Keeper:       Sara" in out and "Nadia nominated Luca" in out
    code, out, _ = run(capsys, "roles", "--expiring-before", "2027-01-01", "-w", roles_ws)
    assert code == 0 and "No roles whose term ends before 2027-01-01" in out
    code, out, _ = run(
        capsys, "roles", "--history", "energy-team.energy-desk-host", "--json", "-w", roles_ws
    )
    assert [a["keeper"] for a in json.loads(out)] == ["Sara"]
    code, out, _ = run(capsys, "roles", "--holder", "Sara", "-w", roles_ws)
    assert "Energy desk host (until 2027-12-31)" in out and "energy-team" in out
    code, out, _ = run(capsys, "domains", "--json", "-w", roles_ws)
    dom = json.loads(out)[0]
    assert dom["id"] == "energy-desk-host" and dom["version"] == 2
    assert "three hours" in dom["description"]
    code, out, _ = run(capsys, "domains", "-w", roles_ws)
    assert code == 0 and "DOMAIN energy-desk-host  v2" in out and "Purpose:" in out


def test_mits_demo_then_report(
    mits_ws: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "mits", "report", "-w", mits_ws)
    assert code == 0
    assert "cycle 2 of 2" in out
    assert "Baseline: mits-1/e1 (cycle 1)" in out and "now: mits-1/e3 (cycle 2, review)" in out
    # Every section's numbers are printed as the engine computed them from the journal.
    from s3engine.core.workspace import Workspace
    from s3engine.reports.cycle_report import cycle_report

    rep = cycle_report(Workspace.open(mits_ws), "mits-1")
    assert rep["cycle"] == 2 and len(rep["sections"]) >= 5
    lines = out.splitlines()
    for s in rep["sections"]:
        line = next(x for x in lines if x.strip().startswith(s["name"] + " "))
        assert line.split()[-6:] == [
            f"{s['baseline']:.2f}",
            f"{s['previous']:.2f}",
            f"{s['now']:.2f}",
            f"{s['delta_baseline']:+.2f}",
            f"{s['delta_previous']:+.2f}",
            str(s["count"]),
        ]
    gov = next(s for s in rep["sections"] if s["id"] == "governance")
    assert gov["delta_baseline"] > 0 and gov["now"] > gov["previous"] > gov["baseline"]
    reports = Path(mits_ws) / "reports"
    for name in ("mits-1-cycle-2.html", "mits-1-cycle-2-chart.png", "mits-1-cycle-2-chart.svg"):
        assert (reports / name).stat().st_size > 1000, name
    assert (reports / "mits-1-cycle-2-chart.png").read_bytes()[:4] == b"\x89PNG"
    html = tmp_path / "out" / "r.html"
    code, out, _ = run(capsys, "mits", "report", "-w", mits_ws, "-o", str(html))
    assert code == 0 and html.exists() and "data:image/svg+xml;base64," in html.read_text()
    assert (html.parent / "r-chart.png").exists() and (html.parent / "r-chart.svg").exists()
    nb_path = tmp_path / "out" / "r.ipynb"
    code, out, _ = run(
        capsys, "mits", "report", "mits-1", "--cycle", "1", "-w", mits_ws, "-o", str(nb_path)
    )
    assert code == 0 and "cycle 1 of 2" in out
    import nbformat

    nb = nbformat.read(str(nb_path), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["s3flow"]["cycle"] == 1 and nb.cells[0]["id"] == "mits-report-1"
    code, out, _ = run(capsys, "verify", "-w", mits_ws)
    assert code == 0 and out.startswith("OK")


def test_mits_status(mits_ws: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "mits", "status", "--json", "-w", mits_ws)
    assert code == 0
    row = json.loads(out)[0]
    assert row["state"] == "closed" and row["cycle"] == 2 and row["rule"]["name"] == "default"
    assert len(row["lit"]) == 5 and row["governance"]["purpose"] == "LIT governance"
    code, out, _ = run(capsys, "mits", "status", "mits-1", "-w", mits_ws)
    assert "phase: Closed" in out and "Action a2 [in progress, 70%]" in out
    code, out, _ = run(capsys, "mits", "instruments", "--json", "-w", mits_ws)
    assert {r["id"] for r in json.loads(out)} >= {
        "actors-actions-grid",
        "collaborative-governance-health-check",
        "participatory-budgeting-criteria",
    }


def test_starting_with_two_actors_fails_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = tmp_path / "w"
    code, _, err = run(
        capsys,
        "start",
        "mits",
        "-w",
        str(w),
        "community=Valverde",
        "facilitator=Marta",
        "actors=Town hall|local administration|Luca",
        "actors=Transition group|civil-society organisation|Sara",
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "at least 3 distinct actors (2 committed, 1 more needed)" in err
    assert not (w / "journal.jsonl").exists()
    code, _, err = run(
        capsys,
        "start",
        "mits",
        "-w",
        str(w),
        "community=Valverde",
        "facilitator=Marta",
        "actors=Coop|business|Ivo",
        "actors=Transition group|cso|Sara",
        "actors=Parents|informal group|Nadia",
    )
    assert code == 2 and "a local administration" in err
    assert not (w / "journal.jsonl").exists()
    code, out, _ = run(
        capsys,
        "start",
        "mits",
        "-w",
        str(w),
        "community=Valverde",
        "facilitator=Marta",
        "actors=Coop|business|Ivo",
        "actors=Transition group|cso|Sara",
        "actors=Parents|informal group|Nadia",
        "rule=recommended",
        "relax_rule=yes",
    )
    assert code == 0 and "Started MiTS cycle mits-1" in out


def test_errors_are_one_line(
    tmp_path: Path, roles_ws: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ("roles", "--expiring-before", "soon", "-w", roles_ws),
        ("mits", "report", "-w", roles_ws),
        ("roles", "--history", "nope", "-w", roles_ws),
        ("roles", "-w", str(tmp_path / "missing")),
    ):
        code, _, err = run(capsys, *args)
        assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1
