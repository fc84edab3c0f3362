"""A consent decision with a hidden round on a real JupyterHub, everyone signed in as themself.

`s3flow hub init` + `s3flow hub start` run JupyterHub on loopback (try-out login with a fixed
password, SimpleLocalProcessSpawner: no system users). Ana, a tutor, gets JupyterLab, starts the
decision and steps it through; Bo, a participant, gets the participant app (the hub service) and
no server of his own. Both signal from their own browser context; each sees only their own signal
until the round is revealed, then both see every signal; the journal records the hub users as the
actors (``auth.via == "hub"``).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    CHROMIUM,
    SHOTS,
    current_step,
    dismiss_dialogs,
    press,
    select_actor,
    shot,
    texts,
    wait_seq,
)
from hub_support import Hub, log_in
from playwright.sync_api import sync_playwright

from s3engine.bench.pgserver import TempServer
from s3engine.core.workspace import Workspace

pytestmark = pytest.mark.browser

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "%load_ext jupyter_ext",
        },
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": (
                "from jupyter_ext.hub import hub_credential\n"
                "from jupyter_ext.stepper import ProcessStepper\n"
                "from jupyter_ext.workspace import workspace\n"
                "ws = workspace()\n"
                "me = hub_credential()\n"
                "proc = ws.start('consent', me.person, credential=me, request_id='hub-test',\n"
                "    title='Shared tool library',\n"
                "    facilitator='Ana', participants=['Ana', 'Bo', 'Cy'], proposers=['Ana'],\n"
                "    driver='Tools lie unused in every garage', requirement='Lend tools easily',\n"
                "    proposal='Open a tool library in the old school', review_date='2027-06-01')\n"
                "ProcessStepper(ws, proc.id)"
            ),
        },
    ],
    "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}
ANA_SIGNAL, BO_SIGNAL = "no objection", "possible objection"


@pytest.fixture(scope="module")
def hub(
    tmp_path_factory: pytest.TempPathFactory, pg_server: TempServer
) -> Iterator[tuple[Hub, str]]:
    if not Path(CHROMIUM).exists() or not shutil.which("node"):
        pytest.fail("Chromium and Node.js are needed (./dev test installs them)")
    tmp = tmp_path_factory.mktemp("hub")
    # The region's workspace in PostgreSQL; every process (hub app, Ana's kernel, this test)
    # opens it by URL, and live screens follow it by LISTEN/NOTIFY.
    url = pg_server.url("s3flow_tests", f"region-{os.getpid()}") + f"&state={tmp / 'state'}"
    home = tmp / "hub"
    (home / "tutors" / "ana").mkdir(parents=True)
    (home / "tutors" / "ana" / "hub-decision.ipynb").write_text(json.dumps(NOTEBOOK))
    h = Hub(home, url, tutors=["ana"], participants=["bo", "cy"])
    try:
        yield h, url
    finally:
        h.stop()


def head(ws_path: str) -> int:
    ws = Workspace.open(ws_path)
    try:
        return ws.head[0]
    finally:
        ws.close()


def count(page: Any, value: str) -> int:
    """How often ``value`` occurs anywhere in the page's DOM."""
    return int(page.evaluate("v => document.documentElement.outerHTML.split(v).length - 1", value))


def wait_text(page: Any, selector: str, text: str, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "([s, t]) => [...document.querySelectorAll(s)].some(e => e.innerText.includes(t))",
        arg=[selector, text],
        timeout=timeout,
        polling=50,
    )


# From Bo's page: his kernel's websocket, an attempt to run code, and a kernel-info request.
_TRY_CODE = """async ([code]) => {
  const cfg = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const url = location.origin.replace(/^http/, 'ws') + cfg.baseUrl + 'api/kernels/'
    + cfg.kernelId + '/channels';
  const ws = new WebSocket(url);
  await new Promise((ok, bad) => { ws.onopen = ok; ws.onerror = bad; });
  const seen = [];
  ws.onmessage = (e) => { try { seen.push(JSON.parse(e.data).header.msg_type); } catch (x) {} };
  const msg = (type, content) => JSON.stringify({
    header: {msg_id: type + Math.random(), msg_type: type, username: 'bo', session: 'bo-tries',
             date: new Date().toISOString(), version: '5.3'},
    parent_header: {}, metadata: {}, content, channel: 'shell', buffers: []});
  ws.send(msg('execute_request', {code, silent: false, store_history: false,
                                  user_expressions: {}, allow_stdin: false, stop_on_error: true}));
  ws.send(msg('kernel_info_request', {}));
  await new Promise(r => setTimeout(r, 3000));
  ws.close();
  return seen;
}"""


# From Bo's page: open the websocket of another page's kernel ("open" or "refused").
_TRY_OTHER = """async ([kernelId]) => {
  const cfg = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + cfg.baseUrl
    + 'api/kernels/' + kernelId + '/channels');
  return await new Promise(done => {
    ws.onopen = () => { ws.close(); done('open'); };
    ws.onerror = () => done('refused');
  });
}"""
_KERNEL_ID = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


def run_notebook(page: Any, url: str) -> None:
    """Open a notebook in JupyterLab and run all its cells (again if the kernel was not ready)."""
    page.goto(url)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    page.wait_for_timeout(500)
    for attempt in range(3):
        dismiss_dialogs(page)
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
        try:
            page.wait_for_selector(".s3-stepper .s3-rev", state="attached", timeout=40_000)
            return
        except Exception as exc:
            if attempt == 2:
                shot(page, "hub-failed-lab")
                raise AssertionError(page.inner_text(".jp-Notebook")[-1500:]) from exc


def test_two_hub_users_take_part_in_one_hidden_round(hub: tuple[Hub, str]) -> None:
    h, ws_path = hub
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        ana = browser.new_context(viewport={"width": 1100, "height": 1400}).new_page()
        bo = browser.new_context(viewport={"width": 500, "height": 1100}).new_page()

        # Bo, a participant, lands on the participant app: no server, kernel or terminal of his.
        log_in(bo, h.base, "bo")
        bo.wait_for_url("**/services/s3flow/**", timeout=30_000)
        bo.wait_for_selector(".s3-hub-intro", timeout=90_000)
        assert "Nothing to decide for you now" in bo.inner_text(".s3-hub-intro")

        # Ana, a tutor, lands on her own JupyterLab and starts the decision there; it appears on
        # Bo's page by itself.
        log_in(ana, h.base, "ana")
        ana.wait_for_url("**/user/ana/lab**", timeout=90_000)
        run_notebook(ana, f"{h.base}/user/ana/lab/tree/hub-decision.ipynb?reset")
        bo.wait_for_selector(".s3-participant .s3-rev", state="attached", timeout=30_000)

        # His page's kernel takes widget messages only: code sent to it does not run.
        marker = h.home / "bo-ran-code"
        seen = bo.evaluate(_TRY_CODE, [f"open({str(marker)!r}, 'w').write('x')"])
        assert "kernel_info_reply" in seen, seen  # the socket does reach his page's kernel
        assert "execute_reply" not in seen and "execute_input" not in seen, seen
        assert not marker.exists()

        # Nor can he reach the kernel of someone else's page (here Ana's, on the same app).
        ana_app = ana.context.new_page()
        ana_app.goto(f"{h.base}/services/s3flow/")
        ana_app.wait_for_selector(".s3-participant .s3-rev", state="attached", timeout=90_000)
        assert "You take part as Ana" in ana_app.inner_text(".s3-you")
        assert bo.evaluate(_TRY_OTHER, [ana_app.evaluate(_KERNEL_ID)]) == "refused"
        assert bo.evaluate(_TRY_OTHER, [bo.evaluate(_KERNEL_ID)]) == "open"
        ana_app.close()
        assert "You take part as Bo" in bo.inner_text(".s3-you")  # hub user bo
        assert not bo.is_visible(".s3-actor")
        assert "Shared tool library" in bo.inner_text(".s3-header")
        for path in ("api/kernels", "api/terminals", "api/contents", "api/sessions"):
            url = f"{h.base}/services/s3flow/{path}"
            assert bo.request.post(url).status in (403, 404, 405), path  # no kernel of his own
            assert bo.request.get(url).status in (403, 404, 405), path

        for action in ("consent_driver", "present_proposal", "start_responses", "check_objections"):
            press(ana, action)
            wait_seq(bo, head(ws_path))  # Bo's page follows by itself
        assert "Hidden round" in bo.inner_text(".s3-people")
        ana_baseline = count(ana, BO_SIGNAL)

        # Bo signals from his browser; Ana's screen shows that he did, never what.
        seq = head(ws_path) + 1
        t0 = time.perf_counter()
        press(bo, "signal", BO_SIGNAL)
        wait_seq(ana, seq)  # by LISTEN/NOTIFY: the workspace is in PostgreSQL
        print(f"\nBo's click -> Ana's screen shows it: {(time.perf_counter() - t0) * 1000:.0f} ms")
        wait_text(ana, ".s3-people", "1 / 3")
        assert BO_SIGNAL in bo.inner_text(".s3-mine")
        assert count(ana, BO_SIGNAL) == ana_baseline
        assert BO_SIGNAL not in texts(ana, ".s3-people")
        bo_baseline = count(bo, ANA_SIGNAL)

        # Ana signals in JupyterLab; Bo's page shows that she did, never what.
        press(ana, "signal", ANA_SIGNAL)
        wait_seq(bo, head(ws_path))
        wait_text(bo, ".s3-people", "2 / 3")
        assert ANA_SIGNAL in ana.inner_text(".s3-mine")
        assert BO_SIGNAL not in ana.inner_text(".s3-mine")
        assert count(bo, ANA_SIGNAL) == bo_baseline
        assert count(ana, BO_SIGNAL) == ana_baseline
        for page, name in ((ana, "hub-ana-hidden-round"), (bo, "hub-bo-hidden-round")):
            page.eval_on_selector(".s3-stepper .s3-header", "e => e.scrollIntoView()")
            shot(page, name)

        # Cy has no device: Ana, facilitating, records Cy's signal; that reveals the round.
        select_actor(ana, "Cy")
        press(ana, "signal", ANA_SIGNAL)
        revealed = head(ws_path)
        wait_seq(bo, revealed)
        for page in (ana, bo):
            wait_text(page, ".s3-people", "Signals revealed")
            round_text = page.inner_text(".s3-people")
            assert BO_SIGNAL in round_text and ANA_SIGNAL in round_text, round_text
            assert "recorded by Ana" in round_text, round_text
        assert current_step(ana) == current_step(bo)
        shot(bo, "hub-bo-revealed")
        shot(ana, "hub-ana-revealed")

        # A participant cannot get a server of his own.
        bo.goto(f"{h.base}/hub/spawn")
        refused = bo.inner_text("body")
        assert "403" in refused and "Failed to start your server" in refused, refused
        assert bo.request.get(f"{h.base}/user/bo/api/status").status != 200
        browser.close()

    ws = Workspace.open(ws_path)
    events = list(ws.events())
    ws.close()
    mine = [
        e for e in events if e["process"].startswith("consent") or e["type"].endswith("started")
    ]
    by = {(e["actor"], e["auth"]["via"], e["auth"]["by"]) for e in mine if e["actor"] != "s3flow"}
    assert ("Ana", "hub", "Ana") in by  # the hub users ana and bo, named as the decision does
    assert ("Bo", "hub", "Bo") in by
    assert ("Cy", "hub", "Ana") in by  # recorded by the facilitator, and the record says so
    assert all(via == "hub" for _a, via, _b in by), by
    signals = [e for e in mine if e["type"].endswith(".signal")]
    assert {e["actor"] for e in signals} == {"Ana", "Bo", "Cy"}
