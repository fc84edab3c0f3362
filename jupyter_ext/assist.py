"""Keyboard and screen-reader support for a panel: where focus goes, what is announced.

ipywidgets has no focus API, and a redraw replaces the elements a keyboard user was on, so focus
falls to the page body. One small front-end component (an ``anywidget``, which runs the same in
JupyterLab and Voila) sits in each panel and

- moves focus to what the widget asks for after an action (the new step's heading, the first
  input of a form that opened, the field the engine refused), and puts it back there when a
  redraw removed the focused element (``focus_on(..., move=False)`` only does the latter); once
  focus has settled it counts up ``document.body.dataset.s3Focused`` (what tests wait for);
- says what changed through a polite ARIA live region (``announce``): the new step, the
  progress of a round;
- makes the folded panels (ipywidgets ``Accordion`` headers are plain ``div`` elements) reachable
  with Tab and opened with Enter or Space, and tells assistive technology whether each is open;
  names each slider's handle after the slider's label (ipywidgets leaves it without a name).

No rule lives here: the widgets decide what to focus and what to say, this only does it.

Allowed imports: anywidget, traitlets, jupyter_ext.theme.
"""

from __future__ import annotations

import anywidget
import traitlets

from .theme import STYLESHEET

#: The front-end half (an ES module, see https://anywidget.dev).
_ESM = r"""
const HEADER = ".jupyter-widget-Collapse-header";
const visible = (e) => e.isConnected && e.getClientRects().length > 0;

function enhance(root) {
  for (const h of root.querySelectorAll(HEADER)) {
    if (!h.dataset.s3Keys) {
      h.dataset.s3Keys = "1";
      h.tabIndex = 0;
      h.setAttribute("role", "button");
      h.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); h.click(); }
      });
    }
    const open = h.parentElement.classList.contains("jupyter-widget-Collapse-open");
    if (h.getAttribute("aria-expanded") !== String(open)) {
      h.setAttribute("aria-expanded", String(open));
    }
  }
  // A slider's handle is what takes focus; its label (the widget's description) names it.
  for (const s of root.querySelectorAll(".noUi-handle")) {
    const label = s.closest(".widget-slider")?.querySelector(".widget-label")?.textContent;
    if (label && s.getAttribute("aria-label") !== label) s.setAttribute("aria-label", label);
  }
}

function render({ model, el }) {
  const live = document.createElement("div");
  live.className = "s3-live";
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");
  el.appendChild(live);
  let root = null, observer = null, timer = null, inside = false;
  const track = (ev) => { inside = !!root && root.contains(ev.target); };
  document.addEventListener("focusin", track);
  const panel = () => {
    if (!root || !root.isConnected) {
      root = el.closest(model.get("scope"));
      if (root) {
        observer?.disconnect();
        observer = new MutationObserver(() => enhance(root));
        observer.observe(root, { childList: true, subtree: true, attributes: true,
                                 attributeFilter: ["class"] });
        enhance(root);
      }
    }
    return root;
  };
  // Focus was on an element of this panel that a redraw removed.
  const lost = () => {
    const a = document.activeElement;
    return inside && (!a || a === document.body || !a.isConnected);
  };
  const request = () => {
    const wanted = model.get("focus"), move = model.get("move");
    const end = Date.now() + 3000;
    let done = !move, calm = move ? 0 : -1;
    clearInterval(timer);
    const step = () => {
      const r = panel();
      if (r && (!done || lost())) {
        for (const sel of wanted) {
          const target = [...r.querySelectorAll(sel)].find(visible);
          if (target) { target.focus(); done = inside = true; calm = 0; break; }
        }
      } else if (done && calm >= 0 && ++calm === 3) {
        // Focus has stayed put for three checks: count it (tests wait for this counter).
        const b = document.body.dataset;
        b.s3Focused = String(Number(b.s3Focused || 0) + 1);
      }
      if (Date.now() > end) clearInterval(timer);
    };
    timer = setInterval(step, 50);
    step();
  };
  const say = () => {
    live.textContent = "";
    setTimeout(() => { live.textContent = model.get("announcement"); }, 100);
  };
  model.on("change:request", () => { request(); if (model.get("announcement")) say(); });
  requestAnimationFrame(panel);
  return () => {
    observer?.disconnect();
    clearInterval(timer);
    document.removeEventListener("focusin", track);
  };
}
export default { render };
"""


class Assist(anywidget.AnyWidget):
    """Focus and announcements for the panel this widget is placed in.

    Args:
        scope: CSS selector of the panel (the closest ancestor matching it).
    """

    _esm = _ESM
    _css = STYLESHEET  # the look of every s3flow panel, loaded once per page
    scope = traitlets.Unicode(".s3-stepper").tag(sync=True)
    #: CSS selectors (inside the panel), tried in order: the first visible match is focused.
    focus = traitlets.List(traitlets.Unicode()).tag(sync=True)
    #: False: focus only if the focused element was removed (a redraw by someone else's action).
    move = traitlets.Bool(True).tag(sync=True)
    announcement = traitlets.Unicode("").tag(sync=True)
    #: Counts requests, so that the same request twice is carried out twice.
    request = traitlets.Int(0).tag(sync=True)

    def __init__(self, scope: str) -> None:
        super().__init__(scope=scope)
        self.add_class("s3-assist")

    def focus_on(self, *selectors: str, announcement: str = "", move: bool = True) -> None:
        """Focus the first visible element matching one of ``selectors``; say ``announcement``.

        Args:
            selectors: CSS selectors inside the panel, tried in order (none: focus nothing).
            announcement: Text for the live region ("" says nothing).
            move: False keeps the user's focus where it is unless a redraw removed it.
        """
        with self.hold_sync():
            self.focus = list(selectors)
            self.move = move
            self.announcement = announcement
            self.request += 1
