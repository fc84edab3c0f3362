"""Architecture rules: the engine never imports Jupyter parts, and imports fast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("ipywidgets", "IPython", "jupyter_server", "jupyter_ext")


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout


def test_engine_imports_no_jupyter_parts_even_when_fully_loaded() -> None:
    code = (
        "import sys, importlib, pkgutil, s3engine\n"
        "for m in pkgutil.walk_packages(s3engine.__path__, 's3engine.'):\n"
        "    if m.name != 's3engine.__main__': importlib.import_module(m.name)\n"
        "from s3engine.core.workspace import Workspace\n"
        f"print(sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r}))"
    )
    assert _run(code).strip() == "[]"


def test_engine_source_never_names_jupyter_modules() -> None:
    for path in (ROOT / "s3engine").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in FORBIDDEN:
            assert f"import {name}" not in text and f"from {name}" not in text, path


def test_import_s3engine_loads_nothing_heavy() -> None:
    """``import s3engine`` defers every heavy dependency until it is used (the benchmark times it)."""
    code = (
        "import sys, s3engine; heavy = ('transitions', 'tinydb', 'yaml', 'nbformat', "
        "'matplotlib', 'nh3', 'markdown_it', 'filelock'); "
        "print(sorted(n for n in sys.modules if n.split('.')[0] in heavy))"
    )
    assert _run(code).strip() == "[]"
