"""Hub users act as themselves; new events reach other kernels through PostgreSQL LISTEN/NOTIFY.

A real PostgreSQL (tests/pg_support.py) and real OS processes: another program appends, and a
watcher on this process's event loop (jupyter_ext.live, as in every kernel) applies the event and
redraws its views, woken by the database's notification (a PostgreSQL journal has no file to
look at).
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from jupyter_ext import live
from jupyter_ext.hub import hub_credential
from s3engine.core.credential import Credential
from s3engine.core.workspace import Workspace
from s3engine.errors import ImpersonationRefused

S3FLOW = str(Path(sys.executable).with_name("s3flow"))
DECISION = {
    "title": "Shared tool library",
    "facilitator": "ana",
    "participants": ["ana", "bo", "cy"],
    "proposers": ["ana"],
    "driver": "Tools lie unused in every garage",
    "requirement": "Lend tools easily",
    "proposal": "Open a tool library in the old school",
    "review_date": "2027-06-01",
}


def test_a_hub_user_acts_only_as_themself_unless_facilitating(pg_url: str) -> None:
    ws = Workspace.open(pg_url)
    ana, bo = Credential("ana", "hub"), Credential("bo", "hub")
    pid = ws.start("consent", "ana", credential=ana, **DECISION).id
    before = ws.head
    with pytest.raises(ImpersonationRefused, match=r"only ana \(facilitating\) can record"):
        ws.get(pid).act("object_to_requirement", "cy", credential=bo, argument="Too costly")
    assert ws.head == before  # nothing written
    event = ws.get(pid).act("object_to_requirement", "cy", credential=ana, argument="Too costly")
    assert event["actor"] == "cy" and event["auth"] == {"via": "hub", "by": "ana"}
    event = ws.get(pid).act("present_argument", "cy", credential=Credential("cy", "hub"))
    assert event["auth"] == {"via": "hub", "by": "cy"}
    ws.close()


def test_the_kernel_of_a_hub_user_is_that_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    assert hub_credential() is None  # JupyterLab or Voila outside a hub: the operator
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    assert hub_credential() == Credential("ana", "hub")
    # JupyterHub's user names are lower case; a decision may write the same person "Ana"
    assert hub_credential(["Bo", "Ana"]) == Credential("Ana", "hub")
    assert hub_credential(["Anaïs"]) == Credential("ana", "hub")


class View:
    """A view that records when the watcher redrew it."""

    def __init__(self) -> None:
        self.redrawn: list[float] = []

    def live_refresh(self) -> None:
        self.redrawn.append(time.time())


def test_events_of_another_program_arrive_by_notification(pg_url: str) -> None:
    ws = Workspace.open(pg_url)
    ana = Credential("ana", "hub")
    pid = ws.start("consent", "ana", credential=ana, **DECISION).id
    for action in ("consent_driver", "present_proposal", "start_responses"):
        ws.get(pid).act(action, "ana", credential=ana)
    other = pg_url.replace("workspace=", "workspace=other-")  # same database, other community
    Workspace.open(other).start("consent", "ana", **DECISION)
    steps = [
        (pg_url, "respond", "ana", ["response=Fine"]),
        (other, "consent_driver", "ana", []),  # another workspace's event: no redraw here
        (pg_url, "respond", "bo", ["response=Good"]),
    ]
    latencies: list[float] = []

    async def run() -> None:
        view = View()
        watcher = live.follow(view, ws)
        assert watcher.listener is not None  # listening on the database, not looking at a file
        try:
            for target, action, who, fields in steps:
                seen = len(view.redrawn)
                cmd = [S3FLOW, "act", pid, action, "--as", who, "--workspace", target, *fields]
                proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                while proc.poll() is None:  # the event loop runs meanwhile (the watcher too)
                    await asyncio.sleep(0.01)
                assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
                end = time.monotonic() + 2.0
                while time.monotonic() < end and len(view.redrawn) == seen:
                    await asyncio.sleep(0.002)
                if target == other:
                    assert len(view.redrawn) == seen, "redrawn for another workspace's event"
                else:
                    assert len(view.redrawn) == seen + 1, "the new event did not arrive in 2 s"
                    committed = datetime.fromisoformat(list(ws.events())[-1]["time"])
                    latencies.append((view.redrawn[-1] - committed.timestamp()) * 1000)
        finally:
            watcher.stop()
            live._WATCHERS.pop(id(ws), None)

    asyncio.run(run())
    assert ws.head[0] == 7  # the key, the start, three steps and the two responses
    print(
        f"\nLISTEN/NOTIFY: other program's commit -> view redrawn: p50 "
        f"{statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms over {len(latencies)}"
    )
    assert max(latencies) < 1000  # the live-screen goal: within one second
    ws.close()


def test_live_updates_survive_a_lost_database_connection(pg_url: str) -> None:
    ws = Workspace.open(pg_url)
    pid = ws.start("consent", "ana", **DECISION).id

    async def run() -> None:
        view = View()
        watcher = live.follow(view, ws)
        try:
            assert watcher.listener is not None
            backend = watcher.listener.conn.info.backend_pid
            with psycopg.connect(ws.target.conninfo, autocommit=True) as admin:
                admin.execute("select pg_terminate_backend(%s)", (backend,))
            await asyncio.sleep(0.5)
            assert watcher.listener is None  # the loss was noticed
            other = Workspace.open(pg_url)  # another program appends meanwhile
            other.get(pid).act("consent_driver", "ana")
            other.close()
            end = time.monotonic() + 10
            while time.monotonic() < end and not view.redrawn:
                await asyncio.sleep(0.05)
            assert view.redrawn, "the watcher did not listen again and catch up"
            assert watcher.listener is not None
        finally:
            watcher.stop()
            live._WATCHERS.pop(id(ws), None)

    asyncio.run(run())
    assert ws.head[0] == 3  # the key, the start and the other program's event, applied here
    ws.close()
