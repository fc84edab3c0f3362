"""The README's main job: ``s3flow lab`` starts a real JupyterLab on the tutor notebooks with the
workspace set, passing further options through to JupyterLab."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_support import free_port


def test_s3flow_lab_serves_the_tutor_notebooks(tmp_path: Path) -> None:
    port = free_port()
    exe = str(Path(sys.executable).with_name("s3flow"))
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"),
    )
    proc = subprocess.Popen(
        [
            exe,
            "lab",
            "--workspace",
            str(tmp_path / "ws"),
            "--no-browser",
            "--ip=127.0.0.1",
            "--port",
            str(port),
            "--IdentityProvider.token=t0k",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        names: list[str] = []
        for _ in range(120):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/contents?token=t0k", timeout=2
                ) as r:
                    names = [c["name"] for c in json.load(r)["content"]]
                    break
            except OSError:
                time.sleep(0.5)
        assert {"00-getting-started.ipynb", "consent-decision.ipynb"} <= set(names)
        assert (tmp_path / "ws" / "journal.jsonl").exists()  # the workspace was set up
        # Lab opens working copies in the workspace, never the shipped notebooks
        assert (tmp_path / "ws" / "notebooks" / "consent-decision.ipynb").is_file()
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0]
    assert "Starting JupyterLab" in out and str(tmp_path / "ws") in out


def test_app_listens_on_loopback_unless_lan_and_prints_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import fixed_clock, start_consent

    from s3engine.cli import jupyter as cli_jupyter
    from s3engine.core.workspace import Workspace

    ws = Workspace(tmp_path / "ws", clock=fixed_clock())
    pid = start_consent(ws).id
    ws.close()
    seen: list[list[str]] = []

    def fake_exec(path: str, cmd: list[str], env: dict[str, str]) -> None:
        seen.append(cmd)

    monkeypatch.setattr(cli_jupyter.os, "execve", fake_exec)
    base = ["app", "participant", "--workspace", str(tmp_path / "ws")]
    cli_jupyter.main([*base, "--port", "9911"])
    assert "--Voila.ip=127.0.0.1" in seen[-1] and "--port" in seen[-1]
    assert "--VoilaExecutor.iopub_timeout=60" in seen[-1]  # a busy computer: the whole page
    cli_jupyter.main([*base, "--lan", "--process", pid])
    assert "--Voila.ip=0.0.0.0" in seen[-1] and "--port=8866" in seen[-1]
    out = capsys.readouterr().out
    assert "every network interface" in out
    for person in ("Ana", "Bruno", "Carla", "Dario"):
        assert f"{person}: http://" in out and "?invite=" in out
    assert "█" in out or "▀" in out  # the QR codes, drawn in the terminal
