"""The language menu every panel shows, and the page language every panel carries.

:class:`LanguageMenu` switches the interface language (for the whole kernel). :class:`PageLanguage`
is a tiny front-end component each top-level panel holds: it sets the ``lang`` and ``dir``
attributes of the panel's root element to the current language (``dir="rtl"`` for Arabic), so
that browsers, screen readers and the stylesheet's logical properties (``margin-inline-start``,
``text-align: start``) follow it; the flex rows of ipywidgets mirror by themselves. In Voila the
page is ours, so it sets them on the document (``<html>``) too; in JupyterLab it leaves the lab's
own page alone.

Allowed imports: anywidget, traitlets, ipywidgets, jupyter_ext.i18n.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import ipywidgets as w
import traitlets

from . import i18n
from .i18n import _

#: Every top-level s3flow panel: the element whose ``lang``/``dir`` a PageLanguage sets.
PANELS = (
    ".s3-session, .s3-stepper, .s3-pattern-browser, .s3-journal-view, .s3-replay, "
    ".s3-cycle-view, .s3-evaluation-grid, .s3-participant-refused, .s3-intro"
)

_ESM = r"""
function render({ model, el }) {
  let timer = null;
  const apply = () => {
    const lang = model.get("lang"), dir = model.get("dir");
    const scope = model.get("scope");
    const root = el.closest(scope);
    // This panel, the panels inside it, and the panels around it (a session around a stepper).
    const panels = root ? [root, ...root.querySelectorAll(scope)] : [];
    for (let up = root?.parentElement?.closest(scope); up; up = up.parentElement?.closest(scope)) {
      panels.push(up);
    }
    for (const e of panels) {
      if (e.getAttribute("lang") !== lang) e.setAttribute("lang", lang);
      if (e.getAttribute("dir") !== dir) e.setAttribute("dir", dir);
    }
    // A Voila page is the app's own; JupyterLab's page is the lab's, left alone.
    const ownPage = document.body.hasAttribute("data-voila") || !!document.getElementById(
      "rendered_cells");
    if (ownPage) {
      document.documentElement.setAttribute("lang", lang);
      document.documentElement.setAttribute("dir", dir);
    }
    return root;
  };
  // The panel's element exists only once this component is attached: try for a while.
  const start = Date.now();
  const retry = () => { if (apply() || Date.now() - start > 5000) clearInterval(timer); };
  timer = setInterval(retry, 50);
  apply();
  model.on("change:lang", apply);
  model.on("change:dir", apply);
  return () => clearInterval(timer);
}
export default { render };
"""

#: Mirroring that ipywidgets' own stylesheet does not do by itself (it was written for LTR).
_CSS = f"""
:is({PANELS})[dir="rtl"] .widget-inline-hbox .widget-label {{ text-align: left; }}
:is({PANELS})[dir="rtl"] .s3-form .widget-inline-hbox > .widget-label {{ text-align: right; }}
/* Monospace fonts draw Arabic letters unjoined: text boxes use the interface font there. */
:is({PANELS})[dir="rtl"] :is(textarea, input) {{
  font-family: var(--jp-ui-font-family, system-ui, sans-serif); }}
:is({PANELS})[dir="rtl"] .jupyter-button i.fa {{ margin-right: 0; margin-left: 4px; }}
:is({PANELS})[dir="rtl"] .widget-dropdown select {{ background-position: left 8px center;
  padding-left: 20px; padding-right: 8px; }}
:is({PANELS})[dir="rtl"] .s3-ltr {{ direction: ltr; unicode-bidi: isolate; }}
/* What people typed keeps its own direction (an English sentence's full stop stays at its end). */
:is({PANELS}) :is(dd, td, li, .s3-title) {{ unicode-bidi: plaintext; }}
:is({PANELS})[dir="rtl"] :is(dd, td, li, .s3-title):not([dir="ltr"] *) {{ text-align: right; }}
.s3-page-language {{ display: none !important; }}
"""


class PageLanguage(anywidget.AnyWidget):
    """Keeps ``lang``/``dir`` of the panel it is placed in (and of a Voila page) up to date."""

    _esm = _ESM
    _css = _CSS
    scope = traitlets.Unicode(PANELS).tag(sync=True)
    lang = traitlets.Unicode("en").tag(sync=True)
    dir = traitlets.Unicode("ltr").tag(sync=True)

    def __init__(self) -> None:
        super().__init__()
        self.add_class("s3-page-language")
        self.language_changed(i18n.language())
        i18n.listen(self)

    def language_changed(self, lang: str) -> None:
        """Follow a language change (called by :func:`jupyter_ext.i18n.set_language`)."""
        with self.hold_sync():
            self.lang = lang
            self.dir = i18n.text_direction(lang)


class LanguageMenu(w.Dropdown):  # type: ignore[misc]  # ipywidgets has no type information
    """Switch the interface language; calls ``on_change`` so views redraw.

    Args:
        on_change: Called with no arguments after the language has changed.
    """

    def __init__(self, on_change: Callable[[], object]) -> None:
        super().__init__(
            options=[(v, k) for k, v in i18n.LANGUAGES.items()],
            value=i18n.language(),
            description=_("Language"),
            layout=w.Layout(width="180px"),
        )
        self.add_class("s3-language")
        self._on_change = on_change
        i18n.listen(self)

        def changed(change: dict[str, Any]) -> None:
            if change["new"] != i18n.language():
                i18n.set_language(change["new"])
            on_change()

        self.observe(changed, names="value")

    def language_changed(self, lang: str) -> None:
        """Show the language chosen elsewhere (another menu, ``%s3flow language``)."""
        self.description = _("Language")
        if self.value != lang:  # type: ignore[has-type]  # an ipywidgets trait
            self.value = lang
