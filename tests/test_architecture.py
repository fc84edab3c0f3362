"""Architecture rules: layers, no cycles, small modules, one explicit registry, fast import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from s3engine.core.registry import Registry, default_registry
from s3engine.core.workspace import Workspace
from s3engine.errors import UnknownProcessError

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("ipywidgets", "IPython", "jupyter_server", "jupyter_ext")
PACKAGES = ("s3engine", "jupyter_ext")
MAX_LINES = 500


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout


def test_import_linter_contracts_are_kept() -> None:
    res = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    assert "0 broken" in res.stdout


def test_no_import_cycles_between_modules() -> None:
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    modules = sorted(graph.modules)
    # A cycle exists iff some module reaches itself through another one.
    cycles = []
    for mod in modules:
        for imported in graph.find_modules_directly_imported_by(mod):
            if graph.chain_exists(importer=imported, imported=mod):
                cycles.append(tuple(sorted((mod, imported))))
    # Package __init__ modules "import" their submodules only lazily; direct pairs suffice here.
    assert sorted(set(cycles)) == []


def test_no_module_is_over_500_lines() -> None:
    long = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            n = len(path.read_text(encoding="utf-8").splitlines())
            if n > MAX_LINES:
                long[str(path.relative_to(ROOT))] = n
    assert long == {}


def test_every_package_says_what_it_holds_and_may_import() -> None:
    for init in (ROOT / "s3engine").rglob("__init__.py"):
        text = init.read_text(encoding="utf-8")
        assert text.startswith('"""'), init
        if init.parent.name != "s3engine":
            assert "Allowed imports:" in text, init


def test_engine_imports_no_jupyter_parts_even_when_fully_loaded() -> None:
    code = (
        "import sys, importlib, pkgutil, s3engine\n"
        "for m in pkgutil.walk_packages(s3engine.__path__, 's3engine.'):\n"
        "    if m.name != 's3engine.__main__': importlib.import_module(m.name)\n"
        f"print(sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r}))"
    )
    assert _run(code).strip() == "[]"


def test_nothing_is_registered_by_importing_a_module(tmp_path: Path) -> None:
    """Importing every module adds nothing anywhere: a workspace knows only its registry."""
    code = (
        "import importlib, pkgutil, sys, s3engine\n"
        "for m in pkgutil.walk_packages(s3engine.__path__, 's3engine.'):\n"
        "    if m.name != 's3engine.__main__': importlib.import_module(m.name)\n"
        "from s3engine.core.registry import Registry\n"
        "from s3engine.core.workspace import Workspace\n"
        f"ws = Workspace({str(tmp_path / 'ws')!r}, registry=Registry())\n"
        "print(len(ws.process_types), len(ws.handlers))"
    )
    assert _run(code).split() == ["0", "0"]


def test_default_registry_comes_from_the_entry_points() -> None:
    reg = default_registry()
    assert set(reg.process_types) == {
        "consent",
        "proposal-forming",
        "tension",
        "evaluate",
        "role-selection",
        "mits",
    }
    assert {"pattern.imported", "role.assigned", "domain.described"} <= set(reg.handlers)


def test_a_workspace_runs_exactly_the_kinds_of_its_registry(tmp_path: Path) -> None:
    consent = default_registry().process_types["consent"]
    only = Registry().with_entries(process_types={"consent": consent})
    ws = Workspace(tmp_path / "ws", registry=only)
    with pytest.raises(UnknownProcessError, match="Choose one of: consent"):
        ws.start("mits", "Ana", title="x")
    ws.close()


def test_engine_source_never_names_jupyter_modules() -> None:
    for path in (ROOT / "s3engine").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in FORBIDDEN:
            assert f"import {name}" not in text and f"from {name}" not in text, path


def test_import_s3engine_loads_nothing_heavy() -> None:
    """``import s3engine`` defers every heavy dependency until used (the benchmark times it)."""
    code = (
        "import sys, s3engine; heavy = ('transitions', 'tinydb', 'yaml', 'nbformat', "
        "'matplotlib', 'nh3', 'markdown_it', 'filelock'); "
        "print(sorted(n for n in sys.modules if n.split('.')[0] in heavy))"
    )
    assert _run(code).strip() == "[]"
