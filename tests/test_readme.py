"""The README's command-line walk-through runs as pasted, in a new folder."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## A consent decision from the command line", 1)[1]
    block = section.split("```console", 1)[1].split("```", 1)[0]
    cmds: list[str] = []
    continued = False
    for line in block.splitlines():
        if line.startswith("$ "):
            cmds.append(line[2:])
        elif continued:
            cmds[-1] += " " + line.strip()
        else:
            continue  # output shown in the README
        continued = cmds[-1].endswith("\\")
        if continued:
            cmds[-1] = cmds[-1][:-1]
    cmds = [re.sub(r"\s+#.*$", "", c).strip() for c in cmds]
    return [c for c in cmds if c != "..."]


def test_the_walk_through_runs_as_pasted(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "S3FLOW_WORKSPACE"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmds = _commands()
    assert len(cmds) >= 14 and cmds[0] == "s3flow demo"
    for cmd in cmds:
        res = subprocess.run(
            shlex.split(cmd), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert res.returncode == 0, f"{cmd}\n{res.stdout[-800:]}{res.stderr[-800:]}"
        if cmd.startswith("s3flow start"):
            assert "Started Consent Decision-Making consent-2." in res.stdout
    assert (tmp_path / "s3flow-workspace" / "journal.jsonl").exists()
