"""Live screens (jupyter_ext.live) when a click and the watcher share one kernel.

JupyterLab 4.4 and later hands widget messages to a kernel subshell, a thread of its own, while
the live watcher runs on the kernel's event loop. These tests play that: a click arrives through
the widget's comm on another thread and pauses between writing its event and acknowledging it
(the moment a read from elsewhere counted the new line twice, so that every later read of the
facilitator's kernel failed and their screen stopped following); another device appends through
a workspace of its own; and s3flow reveals a round by itself from the watcher. No browser and no
sleeping: each step waits for the other on an event.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import run_to_check, start_consent

from jupyter_ext import live
from jupyter_ext.participant import participant_app
from jupyter_ext.stepper import ProcessStepper
from s3engine.core.workspace import Workspace
from s3engine.participation import invite

CLICK = {"content": {"data": {"method": "custom", "content": {"event": "click"}}}, "buffers": []}


def button(st: ProcessStepper, action: str) -> Any:
    return next(b for b in st.buttons.children if f"s3-act-{action}" in b._dom_classes)


class View:
    """A view that counts its redraws."""

    def __init__(self, shown_head: tuple[int, str] | None = None) -> None:
        self.redrawn = 0
        self.shown_head = shown_head

    def live_refresh(self) -> None:
        self.redrawn += 1


def test_a_click_on_another_thread_and_the_watcher_never_read_the_journal_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path / "ws")
    p = start_consent(ws)
    device = Workspace(ws.path)  # another participant's kernel
    st = ProcessStepper(ws, p.id, live=False)
    st.details.selected_index = 1  # the history is open
    watcher = live.Watcher(ws)  # no event loop here: the test takes each look itself
    watcher.views.add(st)

    clicking = threading.Thread(target=button(st, "consent_driver").comm.handle_msg, args=[CLICK])
    written, go = threading.Event(), threading.Event()
    write = os.write

    def paused(fd: int, data: Any) -> int:  # the event is in the file, not yet acknowledged
        n = write(fd, data)
        journal = os.fstat(fd).st_ino == os.stat(ws.journal.path).st_ino
        if threading.current_thread() is clicking and journal and not written.is_set():
            written.set()
            assert go.wait(10)
        return n

    monkeypatch.setattr(os, "write", paused)
    before = ws.head
    clicking.start()
    try:
        assert written.wait(10), "the click did not write its event"
        assert ws.journal.path.stat().st_size > ws.journal.offset  # on disk, not acknowledged
        assert watcher.look() is False  # the click is being handled: the watcher waits
        assert ws.head == before
    finally:
        go.set()
        clicking.join(10)
    assert not clicking.is_alive()
    assert p.state == "present" and ws.head[0] == before[0] + 1
    assert ws.journal.offset == ws.journal.path.stat().st_size
    assert watcher.look() is True and st.message.value == ""  # its own action: nothing to redo

    device.get(p.id).act("present_proposal", "Carla")  # then a click on another device
    revision = st.revision
    assert watcher.look() is True
    assert st.message.value == "", st.message.value  # no "journal damaged"
    assert st.revision > revision and st.shown_head == ws.head == device.head
    assert "<td>Carla</td><td>Present the proposal</td>" in st.history.value
    assert p.state == "understand"
    ws.close()
    device.close()


def test_views_are_redrawn_whoever_caught_the_workspace_up(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    p = start_consent(ws)
    device = Workspace(ws.path)
    watcher = live.Watcher(ws)
    view, current = View(), View()
    watcher.views.add(view)
    watcher.views.add(current)
    device.get(p.id).act("consent_driver", "Ana")
    ws.refresh()  # e.g. an action on this screen caught up first
    current.shown_head = ws.head  # a view that drew the new event itself
    assert watcher.look() is True
    assert (view.redrawn, current.redrawn) == (1, 0)
    assert watcher.look() is True
    assert view.redrawn == 1  # nothing new
    ws.close()
    device.close()


def test_the_facilitators_screen_shows_a_round_s3flow_revealed_by_itself(tmp_path: Path) -> None:
    now = {"t": "2026-03-02T18:00:00.000000Z"}
    ws = Workspace(tmp_path / "ws", clock=lambda: now["t"])
    p = start_consent(ws)
    run_to_check(p)
    p.act("set_closing_time", "Ana", closes_at="2026-03-05 09:00", when_silent="no answer = absent")
    st = ProcessStepper(ws, p.id, live=False)
    watcher = live.Watcher(ws)
    watcher.views.add(st)
    device = Workspace(ws.path, clock=lambda: now["t"])
    for who in ("Bruno", "Carla"):  # their answers come from other devices
        device.get(p.id).act("signal", who, signal="no objection")
    now["t"] = "2026-03-05T09:00:01.000000Z"  # the closing time came
    for _ in range(live.DUE_EVERY):  # about 5 s of looks: the watcher takes what is due
        watcher.look()
    reveal = list(ws.events())[-1]
    assert reveal["type"] == "consent.close_round" and reveal["auth"]["via"] == "system"
    assert p.state == "celebrate"  # no objection: celebrate
    assert "Step 8: Celebrate!" in st.guidance.value, st.guidance.value  # past the round
    assert st.shown_head == ws.head
    ws.close()
    device.close()


def test_a_participants_page_says_it_is_new_only_once_all_of_it_is(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    p = start_consent(ws)
    (link,) = invite.issue(ws, p.id, "Ana", people=["Bruno"])
    page = participant_app(f"{invite.QUERY_KEY}={link.token}", ws)
    assert list(page.actor.options) == ["Bruno"]  # no one else to act as, ever
    watcher = live.Watcher(ws)
    watcher.views.add(page)
    sent: list[str] = []  # the order the browser gets the changes in
    page.guidance.observe(lambda c: sent.append("step: " + c["new"]), names="value")
    page.rev.observe(lambda _c: sent.append("marker"), names="value")
    device = Workspace(ws.path)  # the facilitator, in JupyterLab
    device.get(p.id).act("consent_driver", "Ana")
    assert watcher.look() is True
    assert len(sent) == 2 and "Present the Proposal" in sent[0] and sent[1] == "marker", sent
    assert list(page.actor.options) == ["Bruno"] and page.actor.value == "Bruno"
    ws.close()
    device.close()
