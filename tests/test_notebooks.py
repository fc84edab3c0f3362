"""Every tutor notebook is valid nbformat 4.5 and runs top to bottom in a fresh real kernel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
pytestmark = pytest.mark.notebooks


def test_notebooks_exist_and_are_generated_deterministically(tmp_path: Path) -> None:
    names = {p.stem for p in NOTEBOOKS}
    assert {
        "00-getting-started",
        "consent-decision",
        "role-selection",
        "proposal-forming",
        "navigate-via-tension",
        "evaluate-agreements",
        "mits-cycle",
        "pattern-browser",
    } <= names
    before = {p.name: p.read_bytes() for p in NOTEBOOKS}
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_notebooks.py")], check=True)
    assert {p.name: p.read_bytes() for p in NOTEBOOKS} == before


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_a_fresh_kernel(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    assert nb.cells[0].cell_type == "markdown" and len(nb.cells[0].source) > 200
    monkeypatch.setenv("S3FLOW_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    client = NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert views, f"{path.name} shows no widget"
    assert nb.metadata.get("widgets"), "widget state was not recorded"
