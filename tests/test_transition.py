"""Replaying fast equals replaying the slow, obvious way.

Opening a workspace fires each process type's ``transitions`` machine through a plan read from
the machine (``s3engine.core.transition``) and projects the query side once per run of one root
process's events (``Workspace.settle``). Here every demo scenario's journal is replayed both ways:
through ``transitions`` itself and projecting after every event, one event at a time, exactly as
the live workspace did. Processes and tables must be identical.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from s3engine.cli.main import main
from s3engine.core import snapshot, transition
from s3engine.core.workspace import Workspace


def state(ws: Workspace) -> Any:
    procs = {
        pid: (type(p).__name__, snapshot._state(p), p.history.seqs())
        for pid, p in ws.processes.items()
    }
    tables = {t: list(rows.items()) for t, rows in ws.projection.tables.items() if rows}
    return json.dumps([procs, tables], default=str)  # the order of table rows counts too


@pytest.fixture(scope="module", params=["consent", "roles", "mits"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp(f"demo-{request.param}") / "ws"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["demo", "--scenario", request.param, "-w", str(folder)]) == 0
    return folder


def test_the_plan_fires_as_transitions_does(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = Workspace(demo, use_snapshot=False)
    monkeypatch.setattr(transition, "USE_MACHINE", True)
    slow = Workspace(demo, use_snapshot=False)
    assert len(fast.processes) > 1
    assert state(fast) == state(slow)


def test_projecting_once_per_run_equals_projecting_every_event(demo: Path, tmp_path: Path) -> None:
    replayed = Workspace(demo, use_snapshot=False)
    one_by_one = Workspace(tmp_path / "empty")  # outside catch_up: projected after every event
    for event in replayed.events():
        one_by_one.journal.start_at(0, event["seq"], event["hash"])
        one_by_one.apply(event)
    assert sum(len(rows) for rows in replayed.projection.tables.values()) > 3
    assert state(one_by_one) == state(replayed)
