"""Accessibility in a real browser: axe-core on every screen, and a consent decision by keyboard.

axe-core (from the npm registry, pinned in ./dev) is injected by Playwright into Debian's Chromium
and run on the s3flow panels only (``browser_support.assert_accessible``): any violation of
impact critical or serious fails the test, naming the rule, the elements and the help text.

- A consent decision in the Voila app, walked with the keyboard only (Tab, Enter, typing): the
  start form, every step (a hidden round, an objection tested and resolved by an amendment, the
  round again), every form, the folded panels; after each action the focus must be inside the
  panel, and the live region must say where the process is. axe runs on every screen.
- Role selection and the MiTS cycle in JupyterLab: the scripted demos (``s3flow demo``) drive
  the engine, and after every step the tutor's screen (updated live) is checked, with each action
  form opened once, the folded panels, the MiTS scoring grid and chart.
- The pattern browser (search, a pattern, no result), the journal view and the start forms of
  the other tutor notebooks (proposal forming, tension, evaluation) in JupyterLab.
- The participant app (Voila) on a personal link through the consent demo, and the refusal page.

One JupyterLab and two Voila servers for the module, started together; one workspace.
Screenshots: test-artifacts/screenshots/a11y-*.png (and a11y-<screen>.png on a failure).
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    AXE_MINOR,
    AXE_SECONDS,
    CHROMIUM,
    Server,
    assert_accessible,
    focus_moves,
    focused,
    launch_browser,
    prepare,
    run_all_lab,
    select_actor,
    shot,
    tab_to,
    texts,
    wait_focus_inside,
    wait_seq,
)

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():  # .ci/run installs it; locally say why
    pytest.skip(
        f"Chromium not found at {CHROMIUM}: run ./dev test to install it", allow_module_level=True
    )

from playwright.sync_api import sync_playwright

from s3engine.core.workspace import Workspace
from s3engine.demo.consent import consent as consent_demo
from s3engine.demo.mits import mits as mits_demo
from s3engine.demo.roles import roles as roles_demo
from s3engine.participation import invite


@dataclass
class Servers:
    lab: Server
    app: Server  # the consent notebook as a Voila app
    participant: Server  # the participant app
    ws_path: Path


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    root, ws_path = prepare(tmp_path_factory.mktemp("a11y"))
    Workspace(ws_path)  # created once, before three servers open it
    started = [
        Server("lab", root, ws_path, wait=False),
        Server("voila", root, ws_path, notebook="consent-decision.ipynb", wait=False),
        Server("voila", root, ws_path, notebook="participant.ipynb", wait=False),
    ]
    try:
        for s in started:
            s.ready()
        yield Servers(*started, ws_path=ws_path)
    finally:
        for s in started:
            s.stop()


@pytest.fixture(scope="module", autouse=True)
def summary() -> Iterator[None]:
    """Print how long axe took and the moderate or minor findings (they do not fail)."""
    yield
    print(f"\naxe: {len(AXE_SECONDS)} runs, {sum(AXE_SECONDS):.1f} s")
    for rule, screens in sorted(AXE_MINOR.items()):
        print(f"  not failing: {rule} on {len(screens)} screens, e.g. {sorted(screens)[0]}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as pw:
        b = launch_browser(pw)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1300, "height": 1000}, locale="en-US")
    yield ctx.new_page()
    ctx.close()


# -- the keyboard-only consent decision ---------------------------------------------------------

PANEL = ".s3-session"


def key_act(page: Any, button: str, what: str) -> None:
    """Reach ``button`` with Tab, press Enter, wait for the redraw and for focus in the panel."""
    tab_to(page, button)
    moves = focus_moves(page)
    page.keyboard.press("Enter")
    wait_focus_inside(page, PANEL, what, moves=moves)
    for sel in (".s3-message .s3-error", ".s3-open-form .s3-error"):
        err = page.query_selector(sel)
        assert err is None, f"{what}: {err.inner_text()}"


def luminance(rgb: str) -> float:
    """The relative luminance (WCAG 2.1) of a CSS ``rgb(r, g, b)`` colour."""
    parts = [int(x) / 255 for x in re.findall(r"[\d.]+", rgb)[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def focus_ring(page: Any) -> float:
    """The contrast of the focused element's outline against the panel's white background
    (0 when it has no visible outline of at least 2 px)."""
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; })()"
    )
    if style[0] in ("none", "hidden") or style[1] < 2:
        return 0.0
    ring = luminance(style[2])
    return 1.05 / (ring + 0.05)


def key_fill(page: Any, scope: str, **values: str) -> None:
    """Fill form fields with the keyboard: Tab to each, select what is there, type."""
    for name, value in values.items():
        field = f"{scope} .s3-field-{name}"
        tab_to(page, f"{field} input, {field} textarea, {field} select")
        if page.evaluate("document.activeElement.tagName") != "SELECT":
            page.keyboard.press("Control+A")
        page.keyboard.type(value)


def key_actor(page: Any, name: str) -> None:
    """Choose who is acting with the keyboard (Tab to the list, type the name)."""
    if page.eval_on_selector(".s3-actor select", "s => s.options[s.selectedIndex].text") == name:
        return
    tab_to(page, ".s3-actor select")
    before = page.inner_html(".s3-stepper .s3-rev")
    page.keyboard.type(name)
    page.wait_for_function(
        "b => document.querySelector('.s3-stepper .s3-rev').innerHTML !== b", arg=before
    )


def key_action(page: Any, action: str, actor: str | None = None, **fields: str) -> None:
    """Do ``action`` by keyboard (choose the actor, open and fill its form, confirm)."""
    if actor:
        key_actor(page, actor)
    key_act(page, f".s3-actions .s3-act-{action}", action)
    if page.evaluate("document.activeElement.closest('.s3-open-form') !== null"):
        assert_accessible(page, f"consent-form-{action}")  # its form opened, focus on it
        key_fill(page, ".s3-open-form", **fields)
        key_act(page, ".s3-open-form .s3-confirm", f"confirming {action}")
    else:
        assert not fields, f"{action}: no form opened (focus is on {focused(page)})"
    assert_accessible(page, f"consent-{action}")


def test_keyboard_only_consent_decision(servers: Servers, page: Any) -> None:
    page.goto(servers.app.base + "/")
    page.wait_for_selector(PANEL, timeout=120_000)
    page.wait_for_selector(".s3-assist .s3-live", state="attached", timeout=30_000)
    assert_accessible(page, "consent-open")
    key_act(page, ".s3-new", "Start a new one")
    assert page.evaluate("document.activeElement.closest('.s3-form') !== null"), focused(page)
    assert_accessible(page, "consent-start-form")
    # Starting with nothing filled in is refused: focus goes to the first field named, and the
    # live region reads the message.
    moves = focus_moves(page)
    tab_to(page, ".s3-start")
    page.keyboard.press("Enter")
    wait_focus_inside(page, ".s3-field-title", "a refused start", moves=moves)
    assert "Title" in page.inner_text(".s3-session .s3-live"), texts(page, ".s3-live")
    assert focus_ring(page) >= 3, "the focus ring of a text field"
    assert_accessible(page, "consent-start-refused")
    shot(page, "a11y-consent-start-refused")
    key_fill(
        page,
        PANEL,
        title="Library opening hours",
        facilitator="Ana",
        participants="Ana\nBo",
        driver="The library closes when people finish work.",
        requirement="Opening hours that working people can use.",
        proposal="Open until 21:00 on Thursdays.",
        review_date="06302027",
    )
    key_act(page, ".s3-start", "Start")
    assert page.evaluate("document.activeElement.matches('.s3-current-step')"), focused(page)
    assert_accessible(page, "consent-step-1")

    tab_to(page, ".s3-actions .s3-act-consent_driver")
    assert focus_ring(page) >= 3, "the focus ring of a button"
    key_action(page, "consent_driver", actor="Ana")
    assert "Step 2" in page.inner_text(".s3-live")  # the live region says where we are now
    key_action(page, "present_proposal", proposal="Open until 21:00 on Thursdays.")
    key_action(page, "start_responses")
    key_action(page, "check_objections")
    key_action(page, "signal-no-objection", actor="Ana")
    assert "1 / 2" in page.inner_text(".s3-live")  # round progress is announced
    key_action(page, "signal-possible-objection", actor="Bo")
    key_action(page, "test_objection", actor="Ana", objector="Bo", argument="Staff would be alone.")
    key_action(page, "present_argument", actor="Bo")
    key_action(page, "check_disagreement", actor="Ana")
    key_action(page, "close_check")
    key_action(
        page,
        "propose_amendment",
        kind="change the proposal",
        text="Two people on every late shift",
        **{"from": "objector"},
        amended_text="Open until 21:00 on Thursdays, two people on every late shift.",
    )

    # The folded panels: reached with Tab, opened with Enter, each checked by axe.
    headers = page.query_selector_all(".s3-stepper .jupyter-widget-Collapse-header")
    assert len(headers) == 3
    for n in range(3):
        header = (
            f".s3-stepper .jupyter-widget-Accordion-child:nth-child({n + 1})"
            " > .jupyter-widget-Collapse-header"
        )
        tab_to(page, header)
        page.keyboard.press("Enter")
        page.wait_for_selector(
            f".s3-stepper .jupyter-widget-Accordion-child:nth-child({n + 1})"
            ".jupyter-widget-Collapse-open",
        )
        page.wait_for_selector(f"{header}[aria-expanded='true']")
        assert focus_ring(page) >= 3, "the focus ring of a panel's title"
        page.wait_for_timeout(300)
        assert_accessible(page, f"consent-panel-{n + 1}")
        shot(page, f"a11y-consent-panel-{n + 1}")
    page.keyboard.press("Enter")  # and folded again

    key_action(page, "check_amendment")
    key_action(page, "signal-no-objection", actor="Ana")
    key_action(page, "signal-no-objection", actor="Bo")
    key_action(page, "adopt_amendment", actor="Ana")
    key_action(page, "signal-no-objection", actor="Ana")
    key_action(page, "signal-no-objection", actor="Bo")
    key_action(page, "celebrate", actor="Ana")
    key_action(page, "record_agreement")  # its form says first what cannot be undone
    assert "Agreement recorded" in page.inner_text(".s3-current-step")
    assert_accessible(page, "consent-agreed")
    shot(page, "a11y-consent-agreed-by-keyboard")

    # The same screens in every other language (Arabic right to left): no new violations.
    languages = page.eval_on_selector_all(".s3-language select option", "os => os.length")
    for n in range(1, languages):
        lang = page.get_attribute(PANEL, "lang")
        page.select_option(".s3-language select", index=n)
        page.wait_for_function(
            "([s, l]) => document.querySelector(s).getAttribute('lang') !== l", arg=[PANEL, lang]
        )
        page.wait_for_timeout(300)
        assert_accessible(page, f"consent-agreed-{page.get_attribute(PANEL, 'lang')}")
    shot(page, "a11y-consent-agreed-last-language")

    ws = Workspace(servers.ws_path)
    agreed = [a for a in ws.agreements() if a["title"] == "Library opening hours"]
    assert len(agreed) == 1
    assert agreed[0]["text"] == "Open until 21:00 on Thursdays, two people on every late shift."
    assert agreed[0]["objections"][0]["verdict"] == "objection"


# -- every screen of role selection and MiTS (scripted demos drive the engine) --------------------


class Walk:
    """The narration hook (``out``) of a scripted demo: after each step, check the new screen.

    A screen is new when the process (or its running child) is in a state not seen before; on it
    axe runs, and each action form not opened before is opened (as someone who may act), checked
    and cancelled.

    Args:
        name: Prefix of the screens' names.
        page: The browser page.
        ws: The workspace the demo writes to.
        kind: The process kind the demo starts.
        open_screen: Shows the process (its id) on ``page``.
        person: The person signed in on the page (a personal link), else None (a shared screen:
            the "Acting as" list is used).
        extra: Called on each new screen with the process (MiTS views ...).
    """

    def __init__(
        self,
        name: str,
        page: Any,
        ws: Workspace,
        kind: str,
        open_screen: Callable[[str], None],
        person: str | None = None,
        extra: Callable[[Any], None] | None = None,
    ) -> None:
        self.name, self.page, self.ws, self.kind = name, page, ws, kind
        self.open_screen, self.person, self.extra = open_screen, person, extra
        self.pid: str | None = None
        self.seen: list[tuple[str, str]] = []
        self.forms: set[str] = set()
        self.waited = 0.0  # seconds spent waiting for the screen to catch up with the demo

    def __call__(self, _line: str) -> None:
        if self.pid is None:
            roots = self.ws.roots(self.kind)
            if not roots:
                return
            self.pid = roots[-1].id
            self.open_screen(self.pid)
        self.visit()

    def visit(self) -> None:
        assert self.pid is not None
        proc = self.ws.get(self.pid)
        leaf = proc.leaf()
        key = (leaf.definition.title, leaf.state)
        if key in self.seen:
            if self.extra:
                self.extra(proc)
            return
        self.seen.append(key)
        t0 = time.perf_counter()
        wait_seq(self.page, self.ws.head[0])
        self.waited += time.perf_counter() - t0
        screen = f"{self.name}-{len(self.seen):02d}-{leaf.state}"
        assert_accessible(self.page, screen)
        for a in proc.available_actions():
            if not a.fields or a.name in self.forms:
                continue
            if self.person is None:
                select_actor(self.page, a.who[0] if a.who else proc.facilitator)
            elif a.who is not None and self.person not in a.who:
                continue
            button = f".s3-actions .s3-act-{a.name}.s3-needs-form"
            if not self.page.query_selector(button):
                continue
            self.forms.add(a.name)
            self.page.click(button)
            self.page.wait_for_selector(".s3-open-form .s3-confirm")
            assert_accessible(self.page, f"{screen}-form-{a.name}")
            self.page.click(".s3-open-form .s3-cancel")
            self.page.wait_for_selector(".s3-open-form .s3-confirm", state="detached")
        if self.extra:
            self.extra(proc)

    def panels(self) -> None:
        """Open each folded panel (board, history, diagram) in turn and check it."""
        for n in range(1, 4):
            child = f".s3-stepper .jupyter-widget-Accordion-child:nth-child({n})"
            self.page.click(f"{child} .jupyter-widget-Collapse-header")
            self.page.wait_for_selector(f"{child}.jupyter-widget-Collapse-open")
            self.page.wait_for_timeout(300)
            assert_accessible(self.page, f"{self.name}-panel-{n}")


def lab_opener(page: Any, server: Server, ws: Workspace, notebook: str) -> Callable[[str], None]:
    """Open ``notebook`` in JupyterLab and continue the process given (by its id) there."""

    def open_screen(pid: str) -> None:
        run_all_lab(page, notebook, server.base)
        # the newest first, each named by its title
        index = page.eval_on_selector(
            ".s3-choose select",
            "(s, t) => [...s.options].findIndex("
            "  o => o.text.replace(/\\u00a0/g, ' ').startsWith(t + ' — '))",
            ws.get(pid).title,
        )
        assert index > 0, f"{pid} is not offered to continue"
        page.select_option(".s3-choose select", index=index)
        page.click(".s3-open")
        page.wait_for_selector(".s3-stepper")

    return open_screen


def test_every_role_selection_and_mits_screen(servers: Servers, page: Any) -> None:
    ws = Workspace(servers.ws_path)
    roles = Walk(
        "roles",
        page,
        ws,
        "role-selection",
        lab_opener(page, servers.lab, ws, "role-selection.ipynb"),
    )
    roles_demo(ws, out=roles)
    roles.panels()
    shot(page, "a11y-roles-done")
    assert len(roles.seen) >= 8, roles.seen

    views: set[str] = set()

    def mits_views(m: Any) -> None:
        if "grid" not in views and m.open_evaluation() is not None:
            wait_seq(page, ws.head[0])
            views.add("grid")
            page.click(".s3-open-grid")
            page.wait_for_selector(".s3-evaluation-grid")
            assert_accessible(page, "mits-scoring-grid")
            shot(page, "a11y-mits-grid")
            page.click(".s3-open-cycle")  # the grid is large: axe need not see it again
            page.wait_for_selector(".s3-cycle-view")
        if "chart" not in views and m.completed():
            wait_seq(page, ws.head[0])
            views.add("chart")
            page.click(".s3-open-cycle")
            page.wait_for_selector(".s3-cycle-view img[alt]", timeout=30_000)
            assert_accessible(page, "mits-cycle-chart")
            shot(page, "a11y-mits-chart")

    mits = Walk(
        "mits",
        page,
        ws,
        "mits",
        lab_opener(page, servers.lab, ws, "mits-cycle.ipynb"),
        extra=mits_views,
    )
    mits_demo(ws, out=mits)
    mits.panels()
    print(
        f"roles: {len(roles.seen)} screens, {len(roles.forms)} forms, waited {roles.waited:.1f} s;"
        f" mits: {len(mits.seen)} screens, {len(mits.forms)} forms, waited {mits.waited:.1f} s"
    )
    shot(page, "a11y-mits-done")
    assert views == {"grid", "chart"}
    assert len(mits.seen) >= 6, mits.seen


def test_pattern_browser_journal_and_other_notebooks(servers: Servers, page: Any) -> None:
    run_all_lab(page, "pattern-browser.ipynb", servers.lab.base)
    assert_accessible(page, "patterns-open")
    page.fill(".s3-search input", "how do we pick someone for this role")
    page.wait_for_selector(".s3-snippets mark", timeout=30_000)
    assert_accessible(page, "patterns-results")
    page.fill(".s3-search input", "qqqzzzxxy")
    page.wait_for_timeout(1000)
    assert_accessible(page, "patterns-nothing-found")
    shot(page, "a11y-patterns")
    run_all_lab(page, "00-getting-started.ipynb", servers.lab.base)
    assert_accessible(page, "journal-open")
    page.click(".s3-verify")
    page.wait_for_selector(".s3-verify-ok, .s3-verify-bad", timeout=30_000)
    assert_accessible(page, "journal-verified")
    # the other tutor notebooks: their start forms (their steps use the same stepper)
    for notebook in ("proposal-forming", "navigate-via-tension", "evaluate-agreements"):
        run_all_lab(page, f"{notebook}.ipynb", servers.lab.base)
        page.click(".s3-new")
        page.wait_for_selector(".s3-start")
        assert_accessible(page, f"{notebook}-start-form")


# -- the participant app ------------------------------------------------------------------------


def test_every_participant_app_screen(servers: Servers, page: Any, browser: Any) -> None:
    ws = Workspace(servers.ws_path)
    person = "Marco (municipality)"

    def open_link(pid: str) -> None:
        link = invite.issue(ws, pid, "Giulia (tutor)", people=[person])[0]
        page.goto(link.url(servers.participant.base + "/"))
        page.wait_for_selector(".s3-participant", timeout=120_000)

    walk = Walk("participant", page, ws, "consent", open_link, person=person)
    consent_demo(ws, out=walk)
    walk.panels()
    shot(page, "a11y-participant-done")
    assert len(walk.seen) >= 8, walk.seen
    assert walk.forms, "no form was opened for the participant"

    refused = browser.new_page()
    token = secrets.token_urlsafe(32)
    refused.goto(f"{servers.participant.base}/?{invite.QUERY_KEY}={token}")
    refused.wait_for_selector(".s3-participant-refused", timeout=120_000)
    assert_accessible(refused, "participant-refused")
    assert re.search("does not work", refused.inner_text(".s3-participant-refused"))
    refused.close()
