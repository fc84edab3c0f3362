"""The package as a new user gets it: build the wheel, install it into a fresh virtual environment
in a folder outside the checkout, and run the README's commands there.

First with the core install only (commands needing an optional part must say which extra to
install), then with the ``jupyter`` and ``charts`` extras (JupyterLab and Voila serve the tutor
notebooks from the installed package).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time
import urllib.request
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.timeout(900)


def _git_files(*folders: str) -> set[str]:
    out = subprocess.run(
        ["git", "ls-files", *folders], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return {line for line in out.splitlines() if line}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--wheel",
            "--sdist",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    home = tmp_path_factory.mktemp("newuser")
    env_dir = home / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    wheel = next(dist.glob("s3flow-*.whl"))
    subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    yield {"home": home, "bin": env_dir / "bin", "wheel": wheel}


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "S3FLOW_WORKSPACE", "VIRTUAL_ENV")
    }
    env.update(
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / "jcfg"),
        JUPYTER_RUNTIME_DIR=str(home / "jrt"),
        JUPYTER_DATA_DIR=str(home / "jdata"),
    )
    return env


def _s3flow(inst: dict[str, Path], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(
        [str(inst["bin"] / "s3flow"), *args],
        cwd=inst["home"],
        capture_output=True,
        text=True,
        env=_env(inst["home"]),
        timeout=300,
    )
    if ok:
        assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return res


def test_wheel_carries_the_data_and_the_licences(dist: Path) -> None:
    import zipfile

    wheel = next(dist.glob("s3flow-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    patterns = {f"s3engine/_data/{f}" for f in _git_files("patterns")}
    notebooks = {f"s3engine/_data/{f}" for f in _git_files("notebooks")}
    assert patterns and patterns <= names
    assert notebooks and notebooks <= names
    for lang in ("it", "pt", "es"):
        assert f"jupyter_ext/locale/{lang}/LC_MESSAGES/s3flow.mo" in names
    assert any(n.startswith("s3engine/processes/mits/instruments/") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE-patterns") for n in names)
    assert "s3engine/py.typed" in names
    meta = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(meta).decode()
    assert "[s3flow.processes]" in text and "consent = " in text


def test_sdist_holds_everything_the_tests_need(dist: Path) -> None:
    sdist = next(dist.glob("s3flow-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    wanted = _git_files("tests", "patterns", "notebooks", "tools", "s3engine", "jupyter_ext")
    wanted |= {"pyproject.toml", "README.md", "LICENSE", "LICENSE-patterns", "dev"}
    assert sorted(wanted - names) == []


def test_core_install_runs_the_readme_commands(installed: dict[str, Path]) -> None:
    out = _s3flow(installed, "demo").stdout
    assert "AGREEMENT" in out
    assert _s3flow(installed, "verify").returncode == 0
    hits = json.loads(_s3flow(installed, "patterns", "search", "objection", "--json").stdout)
    assert hits and any("objection" in h["id"] for h in hits)
    assert "valid" in _s3flow(installed, "patterns", "validate").stdout.lower()
    # the MiTS report works without matplotlib; it says how to get the chart
    _s3flow(installed, "demo", "--scenario", "mits", "-w", "mitsws")
    rep = _s3flow(installed, "mits", "report", "-w", "mitsws")
    assert "Wrote" in rep.stdout and "s3flow[charts]" in rep.stderr
    assert "Traceback" not in rep.stderr


def test_core_install_runs_every_other_readme_command(installed: dict[str, Path]) -> None:
    """The README's command table, each command once, in the new user's folder."""
    w = ["-w", "every"]
    _s3flow(installed, "init", *w, "--language", "it")
    _s3flow(installed, "demo", *w)
    assert json.loads(_s3flow(installed, "agreements", "--json", *w).stdout)
    _s3flow(installed, "status", *w)
    _s3flow(installed, "status", "consent-1", *w)
    _s3flow(installed, "log", *w)
    cp = installed["home"] / "every.cp"
    _s3flow(installed, "checkpoint", *w, "-o", str(cp))
    assert "OK" in _s3flow(installed, "verify", *w, "--checkpoint", str(cp)).stdout
    _s3flow(installed, "repair", *w)
    _s3flow(installed, "rebuild", *w)
    _s3flow(installed, "roles", "--json", *w)
    _s3flow(installed, "domains", "--json", *w)
    links = json.loads(_s3flow(installed, "invite", "consent-1", *w, "--json").stdout)
    assert len(links) == 4 and all(x["token"] for x in links)
    _s3flow(installed, "patterns", "list")
    _s3flow(installed, "patterns", "show", "consent-decision-making")
    export = installed["home"] / "every.jsonl"
    _s3flow(installed, "export", "-o", str(export), *w)
    _s3flow(installed, "import", str(export), "-w", "copy")
    assert _s3flow(installed, "verify", "-w", "copy").returncode == 0
    _s3flow(installed, "minutes", *w, "-o", "every.md")  # no extra needed for Markdown and CSV
    assert "OK" in _s3flow(installed, "verify", *w, "--checkpoint", "every.md").stdout
    _s3flow(installed, "export", "--csv", "every-tables", *w)
    assert (installed["home"] / "every-tables" / "agreements.csv").is_file()
    bench = _s3flow(installed, "bench", "--quick", "--json")
    assert json.loads(bench.stdout)


def test_core_install_names_the_extra_a_command_needs(installed: dict[str, Path]) -> None:
    for cmd in (["lab", "--no-browser"], ["app", "consent-decision"]):
        res = _s3flow(installed, *cmd, ok=False)
        assert res.returncode == 2, res.stderr
        assert 'pip install "s3flow[jupyter]"' in res.stderr
        assert "Traceback" not in res.stderr
    _s3flow(installed, "demo", "-w", "extras")
    for cmd in (["minutes", "-o", "m.pdf"], ["calendar", "-o", "c.ics"]):
        res = _s3flow(installed, *cmd, "-w", "extras", ok=False)
        assert res.returncode == 2 and 'pip install "s3flow[exports]"' in res.stderr, res.stderr
        assert "Traceback" not in res.stderr and not (installed["home"] / cmd[-1]).exists()
    url = "postgresql://s3flow@dbhost/region?workspace=tor-bella"
    _s3flow(installed, "hub", "init", "region-hub", "--workspace", url, "--no-npm")
    assert url in (installed["home"] / "region-hub" / "jupyterhub_config.py").read_text()
    res = _s3flow(installed, "hub", "start", "region-hub", ok=False)
    assert res.returncode == 2 and 'pip install "s3flow[hub]"' in res.stderr, res.stderr


def _wait_json(url: str, tries: int = 240) -> object:
    for _ in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=3) as r:
                return json.load(r)
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"nothing served at {url}")


def _wait_text(url: str, tries: int = 240) -> str:
    for _ in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode("utf-8", "replace")
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"nothing served at {url}")


@pytest.fixture(scope="module")
def with_extras(installed: dict[str, Path]) -> dict[str, Path]:
    subprocess.run(
        [
            str(installed["bin"] / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            f"{installed['wheel']}[jupyter,charts]",
        ],
        check=True,
        capture_output=True,
    )
    return installed


def _serve(inst: dict[str, Path], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(inst["bin"] / "s3flow"), *args],
        cwd=inst["home"],
        env=_env(inst["home"]),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_installed_lab_serves_the_tutor_notebooks(with_extras: dict[str, Path]) -> None:
    port = free_port()
    proc = _serve(
        with_extras,
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        "--port",
        str(port),
        "--IdentityProvider.token=t0k",
    )
    try:
        listing = _wait_json(f"http://127.0.0.1:{port}/api/contents?token=t0k")
        assert isinstance(listing, dict)
        names = {c["name"] for c in listing["content"]}
        assert {"00-getting-started.ipynb", "consent-decision.ipynb"} <= names
        assert "JupyterLab" in _wait_text(f"http://127.0.0.1:{port}/lab?token=t0k")
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    # the notebooks were copied into the workspace, not opened inside the installed package
    assert (
        with_extras["home"] / "s3flow-workspace" / "notebooks" / "consent-decision.ipynb"
    ).is_file()


def test_installed_app_serves_a_tutor_notebook_by_name(with_extras: dict[str, Path]) -> None:
    port = free_port()
    proc = _serve(with_extras, "app", "consent-decision", "--port", str(port))
    try:
        page = _wait_text(f"http://127.0.0.1:{port}/")
        assert "voila" in page.lower()
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_installed_mits_report_has_its_chart(with_extras: dict[str, Path]) -> None:
    _s3flow(with_extras, "demo", "--scenario", "mits", "-w", "mitsws2")
    rep = _s3flow(with_extras, "mits", "report", "-w", "mitsws2")
    assert "-chart.png" in rep.stdout and rep.stderr.strip() == ""
