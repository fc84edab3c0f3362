"""Real JupyterLab / Voila servers and a real Chromium for the browser tests.

Servers run on a free loopback port with a fixed token, in a temporary folder holding copies of the
notebooks and a fresh workspace; Chromium is Debian's (/usr/bin/chromium) driven by Playwright.
Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("S3FLOW_CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
TOKEN = "s3flow-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bin_path(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else name


class Server:
    """A JupyterLab or Voila process on loopback."""

    def __init__(
        self,
        kind: str,
        root: Path,
        workspace: Path,
        notebook: str | None = None,
        extra_env: dict[str, str] | None = None,
        wait: bool = True,
        args: list[str] | None = None,
    ) -> None:
        self.kind = kind
        self.root = root
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        home = root.parent / "home"
        home.mkdir(exist_ok=True)
        env.update(
            {
                "S3FLOW_WORKSPACE": str(workspace),
                "JUPYTER_CONFIG_DIR": str(home / "cfg"),
                "JUPYTER_RUNTIME_DIR": str(home / "rt"),
                "IPYTHONDIR": str(home / "ipy"),
                "JUPYTERLAB_WORKSPACES_DIR": str(home / "lab-ws"),
                "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
            }
        )
        settings = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "notification.jupyterlab-settings").write_text(
            '{"fetchNews": "false", "checkForUpdates": false}'
        )
        env["JUPYTERLAB_SETTINGS_DIR"] = str(home / "lab-settings")
        env.update(extra_env or {})
        if kind == "lab":
            cmd = [
                bin_path("jupyter-lab"),
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={self.port}",
                f"--IdentityProvider.token={TOKEN}",
                f"--ServerApp.root_dir={root}",
                "--ServerApp.disable_check_xsrf=True",
                "--LabApp.news_url=",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                f"--LabApp.workspaces_dir={home / 'lab-ws'}",
            ]
            if os.geteuid() == 0:
                cmd.append("--allow-root")
            cmd += args or []  # e.g. what `s3flow lab` adds (s3engine.cli.jupyter.lab_settings)
        else:
            cmd = [
                bin_path("s3flow"),
                "app",
                str(root / (notebook or "")),
                "--workspace",
                str(workspace),
                f"--port={self.port}",
                "--Voila.ip=127.0.0.1",
                "--no-browser",
            ]
        self.log = root.parent / f"{kind}-{self.port}.log"
        # The server writes to its own copy of the descriptor; this one is closed once it started.
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=str(root), env=env, stdout=log, stderr=subprocess.STDOUT
            )
        if wait:  # else call ready() (e.g. after starting another server meanwhile)
            self._wait()

    def ready(self) -> None:
        """Wait until the server answers (for a server made with ``wait=False``)."""
        self._wait()

    def _wait(self, timeout: float = 90) -> None:
        url = f"{self.base}/api/status?token={TOKEN}" if self.kind == "lab" else self.base + "/"
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: " + self.log.read_text())
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200 or self.kind != "lab":
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.kind} did not start: " + self.log.read_text())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def prepare(tmp: Path) -> tuple[Path, Path]:
    """A folder with copies of the tutor notebooks, and a workspace path."""
    root = tmp / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    return root, tmp / "workspace"


def launch_browser(pw: Any) -> Any:
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def run_all_lab(page: Any, nb: str, base: str) -> None:
    """Open a notebook in JupyterLab and run all cells from the Run menu (retried once if the
    kernel was not ready yet)."""
    page.goto(f"{base}/lab/tree/{nb}?token={TOKEN}&reset")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    page.wait_for_timeout(500)  # dialogs (e.g. kernel choice) appear right after loading
    for attempt in range(3):
        dismiss_dialogs(page)
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
        try:
            page.wait_for_selector(
                ".s3-session, .s3-journal-view, .s3-pattern-browser", timeout=30_000
            )
            return
        except Exception as exc:
            if attempt == 2:
                shot(page, f"failed-run-{nb}")
                raise AssertionError(
                    "the widget did not appear; notebook text: "
                    + page.inner_text(".jp-Notebook")[-1500:]
                ) from exc


def dismiss_dialogs(page: Any) -> None:
    """Accept any JupyterLab dialog (kernel choice, file changed on disk ...) that would block
    clicks; a screenshot records what it said."""
    for n in range(3):
        dialog = page.query_selector(".jp-Dialog")
        if dialog is None:
            return
        shot(page, f"dialog-{n}")
        button = page.query_selector(".jp-Dialog .jp-mod-accept")
        if button is not None:
            button.click()
        else:
            page.keyboard.press("Escape")
        page.wait_for_timeout(500)


def select_actor(page: Any, name: str) -> None:
    """Choose who is acting and wait until the buttons for that person are shown."""
    if page.eval_on_selector(".s3-actor select", "s => s.options[s.selectedIndex].text") == name:
        return
    before = revision(page)
    page.select_option(".s3-actor select", label=name)
    page.wait_for_selector(f".s3-stepper .s3-rev-{before + 1}", state="attached")


def current_step(page: Any) -> str:
    return str(page.inner_text(".s3-current-step"))


def revision(page: Any) -> int:
    html = page.inner_html(".s3-stepper .s3-rev")
    return int(html.split("s3-rev-")[1].split("'")[0].split('"')[0])


def click_and_time(page: Any, selector: str) -> float:
    """Click and return the ms until the stepper has finished redrawing (its revision marker,
    updated last, has changed), i.e. the screen shows the new state."""
    before = revision(page)
    t0 = time.perf_counter()
    page.click(selector)
    try:
        page.wait_for_selector(
            f".s3-stepper .s3-rev-{before + 1}", state="attached", timeout=30_000
        )
    except Exception:
        shot(page, "failed-click")
        raise
    return (time.perf_counter() - t0) * 1000


def iter_notebooks() -> Iterator[Path]:
    yield from sorted((ROOT / "notebooks").glob("*.ipynb"))


# -- several screens at once (participants on their own links, the facilitator in Lab) ------------

_MARKER_JS = """() => {
  const r = document.querySelector('.s3-stepper .s3-rev');
  if (!r) return [0, 0];
  const rev = r.innerHTML.match(/s3-rev-(\\d+)/), seq = r.innerHTML.match(/s3-seq-(\\d+)/);
  return [rev ? +rev[1] : 0, seq ? +seq[1] : 0];
}"""


def marker(page: Any) -> tuple[int, int]:
    """The stepper's (revision, last journal event shown) on ``page``."""
    rev, seq = page.evaluate(_MARKER_JS)
    return int(rev), int(seq)


def wait_seq(page: Any, seq: int, timeout: float = 30_000) -> None:
    """Wait until the stepper on ``page`` shows the journal up to event ``seq`` (live update)."""
    try:
        page.wait_for_function(
            f"n => ({_MARKER_JS})()[1] >= n", arg=seq, timeout=timeout, polling=20
        )
    except Exception:
        shot(page, f"failed-wait-seq-{seq}")
        raise


def wait_history(page: Any, seq: int, timeout: float = 30_000) -> None:
    """Wait until the open history panel on ``page`` lists event ``seq`` (its last row)."""
    page.wait_for_function(
        """n => { const rows = document.querySelectorAll('.s3-history tr');
                  const last = rows[rows.length - 1];
                  return rows.length > 1 && +last.cells[0].innerText >= n; }""",
        arg=seq,
        timeout=timeout,
        polling=10,
    )


def fill_form(page: Any, scope: str, **values: str) -> None:
    """Fill the fields of the form under ``scope`` (text, textarea, select, date)."""
    for name, value in values.items():
        sel = f"{scope} .s3-field-{name}"
        if page.query_selector(f"{sel} select"):
            page.select_option(f"{sel} select", label=value)
        elif page.query_selector(f"{sel} textarea"):
            page.fill(f"{sel} textarea", value)
        else:
            page.fill(f"{sel} input", value)
            page.press(f"{sel} input", "Tab")


def target(page: Any, action: str, choice: str | None = None, **fields: str) -> str:
    """The button that does ``action`` on ``page`` now: its own, or, for an action with a form,
    the form's Confirm button once the form is open and filled in with ``fields``."""
    from jupyter_ext.stepper import slug

    cls = f".s3-act-{action}" + (f"-{slug(choice)}" if choice else "")
    if not page.query_selector(f"{cls}.s3-needs-form"):
        return cls
    page.click(cls)
    page.wait_for_selector(".s3-open-form .s3-confirm")
    fill_form(page, ".s3-open-form", **fields)
    return ".s3-open-form .s3-confirm"


def check_no_error(page: Any, action: str) -> None:
    """Fail with the engine's message if ``page`` shows one."""
    for sel in (".s3-message .s3-error", ".s3-open-form .s3-error"):
        err = page.query_selector(sel)
        assert err is None, f"{action}: {err.inner_text()}"


def press(page: Any, action: str, choice: str | None = None, **fields: str) -> float:
    """Press an action button on ``page`` (filling and confirming its form if it has one), wait
    until the page has redrawn, fail on an error shown; return the ms from the deciding click.
    """
    ms = click_redrawn(page, target(page, action, choice, **fields))
    check_no_error(page, action)
    return ms


def click_redrawn(page: Any, selector: str) -> float:
    """Click ``selector`` and return the ms until the stepper on ``page`` has redrawn."""
    before = marker(page)[0]
    t0 = time.perf_counter()
    page.click(selector)
    try:
        page.wait_for_function(
            f"n => ({_MARKER_JS})()[0] > n", arg=before, timeout=30_000, polling=10
        )
    except Exception:
        shot(page, "failed-click-redrawn")
        raise
    return (time.perf_counter() - t0) * 1000


def open_panel(page: Any, title: str) -> None:
    """Unfold a panel of the stepper (History, Process diagram ...) by its title."""
    page.click(f".s3-stepper .jupyter-widget-Collapse-header:has-text('{title}')")


def texts(page: Any, selector: str) -> str:
    """The text of every element matching ``selector``, joined (empty when there is none)."""
    return "\n".join(e.inner_text() for e in page.query_selector_all(selector))


# -- accessibility: axe-core (from the npm registry, installed by ./dev test) ----------------------

AXE = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
#: How long each axe run took (seconds), for the tests' summaries.
AXE_SECONDS: list[float] = []
#: Moderate and minor violations seen (rule -> screens), for the tests' summaries.
AXE_MINOR: dict[str, set[str]] = {}
#: Every s3flow panel a page can show (axe looks at these only, not at JupyterLab or Voila).
PANELS = [
    ".s3-session",
    ".s3-pattern-browser",
    ".s3-journal-view",
    ".s3-participant",
    ".s3-participant-refused",
]
_AXE_RUN = """async (panels) => {
  const include = panels.filter(s => document.querySelector(s)).map(s => [s]);
  if (!include.length) return null;
  const res = await axe.run({include}, {resultTypes: ['violations'], runOnly: {type: 'tag',
      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
  return res.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html,
                                summary: n.failureSummary}))}));
}"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the s3flow panels of ``page``: every violation found (any impact).

    Raises:
        AssertionError: axe-core is not installed, or the page shows no s3flow panel.
    """
    assert AXE.exists(), f"axe-core is missing ({AXE}): run ./dev test to install it"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(_AXE_RUN, PANELS)
    assert found is not None, "no s3flow panel on the page"
    return list(found)


def assert_accessible(page: Any, screen: str) -> None:
    """Fail when axe-core finds a critical or serious violation on the s3flow panels of ``page``.

    The message lists each violated rule with its impact, help text and the elements (targets);
    a screenshot of the screen goes to ``a11y-<screen>.png``.
    """
    t0 = time.perf_counter()
    found = axe_violations(page)
    AXE_SECONDS.append(time.perf_counter() - t0)
    bad = [v for v in found if v["impact"] in ("critical", "serious")]
    for v in found:
        if v not in bad:
            AXE_MINOR.setdefault(f"{v['id']} ({v['impact']})", set()).add(screen)
    if bad:
        shot(page, f"a11y-{screen}")
        lines = [f"{screen}: {len(bad)} critical/serious accessibility violation(s)"]
        for v in bad:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"][:5]:
                lines.append(f"    {node['target']}: {node['summary'].splitlines()[-1].strip()}")
                lines.append(f"      {node['html'][:160]}")
        raise AssertionError("\n".join(lines))


_FOCUS_JS = """(panel) => { const a = document.activeElement;
  return !!a && a !== document.body && !!a.closest(panel); }"""


def focused(page: Any) -> str:
    """What has the keyboard focus on ``page``: tag, classes and the first words of its text."""
    return str(
        page.evaluate(
            "(() => { const a = document.activeElement; if (!a) return 'nothing';"
            " return a.tagName.toLowerCase() + ' .' + [...a.classList].join('.') + ' '"
            " + (a.innerText || a.value || '').slice(0, 40).replace(/\\s+/g, ' '); })()"
        )
    )


def focus_moves(page: Any) -> int:
    """How often an s3flow panel has put the focus somewhere (``jupyter_ext.assist``)."""
    return int(page.evaluate("Number(document.body.dataset.s3Focused || 0)"))


def wait_focus_inside(
    page: Any, panel: str, after: str, moves: int | None = None, timeout: float = 20_000
) -> None:
    """Wait until the panel has moved the focus (when ``moves``, the count before, is given) and
    the focus is on an element inside ``panel``, not on the page body.

    Raises:
        AssertionError: Focus stayed outside, naming where it is and after which action.
    """
    try:
        if moves is not None:
            page.wait_for_function(
                "n => Number(document.body.dataset.s3Focused || 0) > n",
                arg=moves,
                timeout=timeout,
                polling=50,
            )
        page.wait_for_function(_FOCUS_JS, arg=panel, timeout=timeout, polling=50)
    except Exception as exc:
        shot(page, "a11y-focus-lost")
        said = texts(page, ".s3-error, .s3-live") or "nothing"
        raise AssertionError(
            f"after {after}: focus is on {focused(page)}, not in {panel} (the page says: {said})"
        ) from exc


def tab_to(page: Any, selector: str, limit: int = 80) -> int:
    """Press Tab until the focused element matches ``selector``; return how many presses.

    Raises:
        AssertionError: ``selector`` was not reached with the keyboard.
    """
    for n in range(limit):
        if page.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)", selector
        ):
            return n
        page.keyboard.press("Tab")
    buttons = texts(page, ".s3-actions button") or "none"
    shot(page, "a11y-tab-failed")
    raise AssertionError(
        f"{selector} cannot be reached with Tab (focus is on {focused(page)}; buttons: {buttons})"
    )
