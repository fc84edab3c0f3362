"""A tutor who never types an id: clicking only, optional fields empty, in a real JupyterLab.

A consent decision, a role selection and a MiTS cycle's first phases (preparation, the Local
Implementation Team with its governance agreement, evaluation and diagnosis up to its signed gate)
are taken through the widgets alone, every optional start field left empty. On every screen the
page shows no internal id (``consent-1``, ``present_proposal``), no raw data structure and no
error. A notebook reopened after a server restart shows "run to start", never "Error displaying
widget", and running it leaves it unmodified. Screenshots: test-artifacts/screenshots/tutor-*.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    CHROMIUM,
    TOKEN,
    Server,
    current_step,
    dismiss_dialogs,
    launch_browser,
    marker,
    prepare,
    run_all_lab,
    select_actor,
    shot,
)

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():  # ./dev test installs it; locally say why
    pytest.skip(
        f"Chromium not found at {CHROMIUM}: run ./dev test to install it", allow_module_level=True
    )

from playwright.sync_api import sync_playwright

from s3engine.cli.jupyter import lab_settings

#: What a tutor must never meet on screen.
IDS = re.compile(r"\b(consent|mits|role-selection|proposal-forming|evaluate|tension)-\d+\b")
NAMES = re.compile(r"\b[a-z]+_[a-z_]+\b")  # action and field names (present_proposal, review_date)
DUMPS = re.compile(r"[{\[]\s*['\"]|['\"]\s*:\s*[\[{'\"]|\bNone\b|\bTrue\b|\bFalse\b")
PEOPLE = ["Giulia", "Marco", "Sara"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as pw:
        b = launch_browser(pw)
        yield b
        b.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path, Path]]:
    root, ws = prepare(tmp_path_factory.mktemp("tutor"))
    server = Server("lab", root, ws, args=lab_settings(ws))  # as `s3flow lab` runs it
    yield server, root, ws
    server.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1300, "height": 1000})
    pg = ctx.new_page()
    yield pg
    ctx.close()


class Steps:
    """Screenshots named in order, each screen checked for ids, dumps and errors first."""

    def __init__(self, page: Any, name: str) -> None:
        self.page, self.name, self.n = page, name, 0

    def check(self, what: str) -> None:
        text = self.page.inner_text(".s3-session")
        for pattern in (IDS, NAMES, DUMPS):
            found = pattern.search(text)
            assert found is None, f"{what}: {found.group()!r} on screen:\n{text[-1500:]}"
        assert "Error" not in text and "Traceback" not in text, f"{what}:\n{text[-1500:]}"
        if self.page.query_selector(".s3-session .s3-actions"):
            assert "not possible now" not in self.page.inner_text(".s3-session .s3-actions")

    def shot(self, what: str) -> None:
        self.check(what)
        self.n += 1
        shot(self.page, f"tutor-{self.name}-{self.n:02d}-{what}")


def fill(page: Any, scope: str, **values: str) -> None:
    """Type into the inputs named (text, text area, date) and choose in drop-downs by label."""
    for name, value in values.items():
        sel = f"{scope} .s3-field-{name}"
        if page.query_selector(f"{sel} select"):
            page.select_option(f"{sel} select", label=value)
        elif page.query_selector(f"{sel} textarea"):
            page.fill(f"{sel} textarea", value)
            page.press(f"{sel} textarea", "Tab")
        else:
            page.fill(f"{sel} input", value)
            page.press(f"{sel} input", "Tab")


def start(page: Any, **values: str) -> None:
    page.click(".s3-new")
    page.wait_for_selector(".s3-session .s3-start")
    fill(page, ".s3-session", **values)


def press_start(page: Any) -> None:
    page.click(".s3-start")
    try:
        page.wait_for_selector(".s3-stepper .s3-rev span", state="attached", timeout=30_000)
    except Exception as exc:
        shot(page, "tutor-failed-start")
        summary = page.query_selector(".s3-form-summary")
        raise AssertionError(summary.inner_text() if summary else "no stepper") from exc


def redrawn_after(page: Any, before: int, timeout: float = 30_000) -> None:
    try:
        _wait_rev(page, before, timeout)
    except Exception:
        shot(page, "tutor-failed-redraw")
        raise


def _wait_rev(page: Any, before: int, timeout: float) -> None:
    page.wait_for_function(
        "n => { const r = document.querySelector('.s3-stepper .s3-rev');"
        " const m = r && r.innerHTML.match(/s3-rev-(\\d+)/); return m && +m[1] > n; }",
        arg=before,
        timeout=timeout,
    )


def act(
    page: Any, action: str, actor: str | None = None, choice: str | None = None, **fields: str
) -> None:
    """Press an action's button as ``actor``; fill its form or confirm it; wait for the screen."""
    from jupyter_ext.stepper import slug

    if actor:
        select_actor(page, actor)
    button = f".s3-act-{action}" + (f"-{slug(choice)}" if choice else "")
    before = marker(page)[0]
    if page.query_selector(f"{button}.s3-needs-form"):
        page.click(button)
        page.wait_for_selector(".s3-open-form .s3-confirm")
        fill(page, ".s3-open-form", **fields)
        page.click(".s3-open-form .s3-confirm")
    else:
        page.click(button)
        page.wait_for_function(
            "n => document.querySelector('.s3-confirm-text') || (() => {"
            " const m = document.querySelector('.s3-stepper .s3-rev').innerHTML"
            ".match(/s3-rev-(\\d+)/); return m && +m[1] > n; })()",
            arg=before,
        )
        if page.query_selector(".s3-confirm-text") and marker(page)[0] == before:
            page.click(".s3-confirm")  # an irreversible step asks first
    redrawn_after(page, before)
    errors = page.query_selector_all(".s3-open-form .s3-error, .s3-message .s3-error")
    assert not errors, f"{action}: " + " / ".join(e.inner_text() for e in errors)


def test_consent_decision_by_clicking_only(lab: tuple[Server, Path, Path], page: Any) -> None:
    server, _root, ws_path = lab
    run_all_lab(page, "consent-decision.ipynb", server.base)
    steps = Steps(page, "consent")
    start(
        page,
        title="Energy help desk",
        facilitator="Giulia",
        participants="\n".join(PEOPLE),
        driver="Households cannot get energy advice.",
    )
    page.click(".s3-start")  # the requirement is missing: said next to it and by the button
    page.wait_for_selector(".s3-field-error .s3-error")
    assert "Requirement is required" in page.inner_text(".s3-session .s3-form")
    assert "Please check: Requirement" in page.inner_text(".s3-form-summary")
    steps.shot("start-form-problem")
    fill(page, ".s3-session", requirement="One place for free energy advice.")
    press_start(page)
    steps.shot("driver")
    act(page, "consent_driver")
    # the proposal was left empty at the start: no dead end, its form asks for it
    page.click(".s3-act-present_proposal")
    page.wait_for_selector(".s3-open-form .s3-confirm")
    steps.shot("proposal-to-fill-in")
    assert "To fill in" in page.inner_text(".s3-open-form")
    page.click(".s3-open-form .s3-confirm")  # still empty: every problem at once
    page.wait_for_selector(".s3-open-form .s3-form-summary .s3-error")
    steps.shot("proposal-problem")
    before = marker(page)[0]
    fill(
        page,
        ".s3-open-form",
        proposal="A desk at the library two evenings a month.",
        review_date="2027-06-30",
    )
    page.click(".s3-open-form .s3-confirm")
    redrawn_after(page, before)
    act(page, "start_responses")
    act(page, "check_objections")
    for who in PEOPLE:
        act(page, "signal", actor=who, choice="no objection")
    steps.shot("signals-revealed")
    act(page, "celebrate", actor="Giulia")
    page.click(".s3-act-record_agreement")
    page.wait_for_selector(".s3-confirm-text")
    steps.shot("confirm-record")
    before = marker(page)[0]
    page.click(".s3-confirm")
    redrawn_after(page, before)
    assert "Agreement recorded" in current_step(page)
    assert "A desk at the library" in page.inner_text(".s3-stepper")
    steps.shot("agreed")
    from s3engine.core.workspace import Workspace

    agreements = Workspace(ws_path).agreements()
    assert [a["title"] for a in agreements] == ["Energy help desk"]


def test_role_selection_by_clicking_only(lab: tuple[Server, Path, Path], page: Any) -> None:
    server, _root, ws_path = lab
    run_all_lab(page, "role-selection.ipynb", server.base)
    steps = Steps(page, "roles")
    start(
        page,
        role="Energy desk host",
        facilitator="Giulia",
        participants="\n".join(PEOPLE),
        term_end="2027-12-31",
    )
    press_start(page)
    steps.shot("started")
    page.click(".s3-act-present_description")
    page.wait_for_selector(".s3-open-form .s3-confirm")  # no description yet: asked for here
    before = marker(page)[0]
    fill(page, ".s3-open-form", description="Opens the energy desk twice a month.")
    page.click(".s3-open-form .s3-confirm")
    redrawn_after(page, before)
    steps.shot("description")
    for who, nominee in zip(PEOPLE, ["Sara", "Sara", "Marco"], strict=True):
        act(page, "nominate", actor=who, choice=nominee)
    steps.shot("nominations-revealed")
    for who in PEOPLE:
        act(page, "give_reason", actor=who, reason="Patient with people.")
    act(page, "start_information", actor="Giulia")
    act(page, "start_changes")
    act(page, "close_changes")
    act(page, "propose_nominee", nominee="Sara", reasons="Two nominations.")
    steps.shot("nominee-proposed")
    for who in PEOPLE:
        act(page, "signal", actor=who, choice="no objection")
    act(page, "accept", actor="Sara")
    act(page, "celebrate", actor="Giulia")
    steps.shot("selected")
    assert "Sara" in page.inner_text(".s3-stepper")
    from s3engine.core.workspace import Workspace

    rows = Workspace(ws_path).projection.all("role_assignments")
    assert [r["keeper"] for r in rows] == ["Sara"]


def open_existing(page: Any, nb: str, base: str) -> None:
    """Open a notebook, run it, and continue the process started before (the first listed)."""
    run_all_lab(page, nb, base)
    page.select_option(".s3-choose select", index=1)
    page.click(".s3-open")
    page.wait_for_selector(".s3-stepper .s3-rev span", state="attached", timeout=30_000)


def checklist(page: Any, ticks: list[bool] | None = None) -> list[tuple[bool, str]]:
    """The gate checklist (ticked?, sentence); with ``ticks``, once it shows those ticks."""
    if ticks is not None:  # the panel is redrawn just after the stepper
        page.wait_for_function(
            "t => JSON.stringify([...document.querySelectorAll('.s3-gate-panel .s3-check')]"
            ".map(i => i.classList.contains('s3-done'))) === JSON.stringify(t)",
            arg=ticks,
            timeout=15_000,
        )
    items = page.query_selector_all(".s3-gate-panel .s3-check")
    return [("s3-done" in (i.get_attribute("class") or ""), i.inner_text()) for i in items]


def test_mits_first_phases_by_clicking_only(lab: tuple[Server, Path, Path], page: Any) -> None:
    server, _root, ws_path = lab
    run_all_lab(page, "mits-cycle.ipynb", server.base)
    steps = Steps(page, "mits")
    start(page, community="Valverde", facilitator="Marta")
    actors = [
        ("Town hall", "local administration", "Luca"),
        ("Transition group", "civil-society organisation", "Sara"),
        ("Energy coop", "business", "Ivo"),
    ]
    for n, (name, kind, rep) in enumerate(actors, 1):
        if n > 1:
            page.click(".s3-field-actors .s3-row-add")
        row = f".s3-field-actors .s3-row:nth-child({n})"
        page.wait_for_selector(row)
        page.fill(f"{row} .s3-cell-name input", name)
        page.select_option(f"{row} .s3-cell-type select", label=kind)
        page.fill(f"{row} .s3-cell-representative input", rep)
        page.press(f"{row} .s3-cell-representative input", "Tab")
    text = page.inner_text(".s3-session .s3-form")
    assert "NAME | TYPE" not in text and "Fewest local actors (optional)" in text
    steps.shot("start-form")
    press_start(page)
    checklist(page, [False, True])  # the tutor is missing
    assert "At least 3 local actors commit" in checklist(page)[1][1]
    steps.shot("preparation")
    act(page, "assign_tutor", tutor="Giulia")
    checklist(page, [True, True])
    act(page, "sign_gate", actor="Giulia")
    assert "Local Implementation Team" in current_step(page)
    steps.shot("lit")
    for name, kind, rep in actors:  # whom each member represents: picked by name
        act(page, "add_lit_member", actor="Marta", member=rep, represents=f"{name} ({kind})")
    checklist(page, [True, True, False])  # the governance agreement is missing
    steps.shot("lit-members")

    # the LIT's governance: a consent decision for this cycle, chosen by name
    run_all_lab(page, "consent-decision.ipynb", server.base)
    gov = Steps(page, "mits-governance")
    start(
        page,
        title="How the LIT decides",
        facilitator="Marta",
        participants="Marta\nLuca",
        driver="The LIT needs a way to decide.",
        requirement="Clear, fair decisions.",
        cycle="Valverde, cycle 1 (Local Implementation Team)",
    )
    gov.shot("start")
    press_start(page)
    act(page, "consent_driver")
    act(page, "present_proposal", proposal="Consent decisions, monthly.", review_date="2027-06-01")
    act(page, "start_responses")
    act(page, "check_objections")
    for who in ("Marta", "Luca"):
        act(page, "signal", actor=who, choice="no objection")
    act(page, "celebrate", actor="Marta")
    act(page, "record_agreement")
    gov.shot("agreed")

    open_existing(page, "mits-cycle.ipynb", server.base)
    act(page, "link_agreement", agreement="How the LIT decides", purpose="LIT governance")
    checklist(page, [True, True, True])
    steps.shot("governance-linked")
    act(page, "sign_gate", actor="Giulia")
    assert "Evaluation and diagnosis" in current_step(page)
    act(
        page,
        "choose_instrument",
        actor="Marta",
        instrument="Participatory Budgeting Criteria Check",
    )
    steps.shot("instrument")
    page.click(".s3-open-grid")
    page.wait_for_selector(".s3-evaluation-grid")
    for n, member in enumerate(("Luca", "Sara", "Ivo"), 1):
        page.select_option(".s3-grid-member select", label=member)
        page.wait_for_timeout(300)  # the member's draft is loaded into the grid
        page.locator(".s3-evaluation-grid button.widget-toggle-button").nth(3).click()
        page.click(".s3-grid-submit")
        try:
            page.wait_for_function(
                "n => (document.querySelector('.s3-evaluation-grid').innerText"
                ".match(/Submitted: ([^·]*)/) || ['', ''])[1].split(',').length >= n",
                arg=n,
                timeout=15_000,
            )
        except Exception:
            shot(page, "tutor-failed-grid")
            raise
    assert "Submitted: Ivo, Luca, Sara" in page.inner_text(".s3-evaluation-grid")
    steps.shot("scores-submitted")
    before = marker(page)[0]
    page.click(".s3-refresh")
    redrawn_after(page, before)
    act(page, "complete_evaluation", actor="Marta")
    checklist(page, [True, True])
    steps.shot("evaluated")
    page.click(".s3-open-cycle")
    page.wait_for_selector(".s3-cycle-view img")
    steps.shot("baseline-chart")
    act(page, "sign_gate", actor="Giulia")
    assert "Co-design" in current_step(page)
    steps.shot("co-design")
    from s3engine.core.workspace import Workspace

    [cycle] = Workspace(ws_path).projection.all("cycles")
    assert [g["to"] for g in cycle["gates"]] == ["lit", "evaluation", "co_design"]


def test_a_reopened_notebook_shows_run_to_start_and_stays_unmodified(
    lab: tuple[Server, Path, Path], page: Any, tmp_path: Path
) -> None:
    server, root, ws_path = lab
    nb = "proposal-forming.ipynb"
    shipped = (root / nb).read_bytes()  # the working copy as it was shipped
    run_all_lab(page, nb, server.base)
    # saved a few seconds after the run (s3flow lab's autosave), as shipped: no "modified" mark
    page.wait_for_function(
        "() => document.querySelector('.jp-NotebookPanel') &&"
        " !document.querySelector('.lm-TabBar-tab.jp-mod-dirty')",
        timeout=30_000,
    )
    page.wait_for_timeout(1000)
    assert (root / nb).read_bytes() == shipped
    shot(page, "tutor-reopen-1-after-run")
    server.stop()  # the server restarts: the kernel and its widgets are gone
    again = Server("lab", root, ws_path, args=lab_settings(ws_path))
    try:
        page.goto(f"{again.base}/lab/tree/{nb}?token={TOKEN}&reset")
        page.wait_for_selector(".s3-placeholder", timeout=60_000)
        dismiss_dialogs(page)
        text = page.inner_text(".jp-Notebook")
        assert "Run All Cells" in text and "Error displaying widget" not in text
        assert "model not found" not in text
        shot(page, "tutor-reopen-2-after-restart")
    finally:
        again.stop()
    server.proc = again.proc  # the module fixture stops this one (already stopped)
