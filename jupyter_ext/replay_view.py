"""Replay for debriefs and tutor training.

Step through a recorded process event by event, and compare the run with the guide's steps.

Allowed imports: ipywidgets, s3engine, jupyter_ext.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from s3engine.core.workspace import Workspace
from s3engine.reports.replay import compare_with_guide, replay

from .history import describe
from .i18n import _, format_datetime, say
from .language_menu import PageLanguage
from .stepper import esc
from .workspace import workspace


class ReplayView(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """A slider over the events of one process with the state after each.

    Args:
        pid: Id of the recorded process.
        ws: Workspace (default: this kernel's workspace).
    """

    def __init__(self, pid: str, ws: Workspace | None = None) -> None:
        self.ws = ws or workspace()
        self.pid = pid
        self.steps = replay(self.ws, pid)
        self.slider = w.IntSlider(
            min=1,
            max=max(1, len(self.steps)),
            value=1,
            description=_("Event"),
            continuous_update=True,
            layout=w.Layout(width="90%"),
        )
        self.slider.add_class("s3-replay-slider")
        self.now = w.HTML()
        self.comparison = w.HTML(self._comparison())
        self.slider.observe(lambda _c: self.show(), names="value")
        super().__init__(
            [
                w.HTML(f"<h3>{esc(_('Replay'))}: {esc(self.ws.get(pid).title)}</h3>"),
                self.slider,
                self.now,
                self.comparison,
                PageLanguage(),
            ]
        )
        self.add_class("s3-replay")
        self.show()

    def show(self) -> None:
        """Show the event under the slider and the state after it."""
        if not self.steps:
            self.now.value = f"<i>{esc(_('No events.'))}</i>"
            return
        s = self.steps[self.slider.value - 1]
        label, data = describe(self.ws, s.process or s.data.get("id", ""), s.action, s.data)
        when = format_datetime(s.time, "medium")
        self.now.value = (
            f"<div class='s3-replay-now'><b>#{s.seq}</b> {esc(when)} — "
            f"<b>{esc(s.actor)}</b>: {esc(label)} <span style='color:#555'>{esc(data)}</span><br>"
            f"{esc(_('After it'))}: {esc(_('Step'))} {esc(s.step_number)} {esc(_(s.step))}"
            + (f" → {esc(_(s.active_step))}" if s.active != self.pid else "")
            + "</div>"
        )

    def _comparison(self) -> str:
        c = compare_with_guide(self.ws, self.pid)
        items: list[Any] = []
        items += [f"{esc(_('Skipped'))}: {esc(say(x))}" for x in c.skipped]
        items += [f"{esc(_('Out of order'))}: {esc(say(x))}" for x in c.out_of_order]
        items += [f"{esc(_('Thin'))}: {esc(say(x))}" for x in c.thin]
        head = esc(_("Compared with the guide"))
        if c.follows_guide:
            return (
                f"<div class='s3-guide-ok'><b>{head}</b>: "
                f"{esc(_('every step was followed in order.'))}</div>"
            )
        return (
            f"<div class='s3-guide-issues'><b>{head}</b><ul>"
            + "".join(f"<li>{i}</li>" for i in items)
            + "</ul></div>"
        )
