"""Views for the MiTS cycle that a generic form cannot give.

They are the scoring grid for an evaluation, the baseline-vs-now chart per section (matplotlib),
and co-implementation progress.

The grid shows one section at a time (few widgets, quick in Voila): each item offers the scale's
values as toggle buttons plus "blank"; "Save draft" and "Submit" call the engine's ``save_scores``
and ``submit_scores`` for the LIT member chosen in "Acting as".

Allowed imports: ipywidgets, s3engine, jupyter_ext.
"""

from __future__ import annotations

import base64
import html
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import ipywidgets as w

from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error

from .hub import hub_credential
from .i18n import _, format_percent, format_score
from .language_menu import PageLanguage
from .stepper import esc
from .workspace import workspace

if TYPE_CHECKING:
    from s3engine.processes.mits.cycle import MitsCycle

BLANK = "–"


def mits_cycle(ws: Workspace, pid: str) -> MitsCycle:
    """The MiTS process ``pid`` of ``ws`` (these views are only opened for MiTS processes)."""
    return cast("MitsCycle", ws.get(pid))


class EvaluationGrid(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """Score the open evaluation of a MiTS process, one section at a time.

    Args:
        pid: Id of the MiTS process.
        ws: Workspace (default: this kernel's workspace).
        member: The LIT member scoring at first (default: the first one).
    """

    def __init__(self, pid: str, ws: Workspace | None = None, member: str | None = None) -> None:
        self.ws = ws or workspace()
        self.proc = mits_cycle(self.ws, pid)
        inst = self.proc.inst
        self.inst = inst
        members = [m["member"] for m in self.proc.lit] or self.proc.participants
        self.member = w.Dropdown(
            options=members, value=member or members[0], description=_("Acting as")
        )
        self.member.add_class("s3-grid-member")
        self.section = w.Dropdown(
            options=[(s.name, s.id) for s in inst.sections],
            description=_("Section"),
            layout=w.Layout(width="70%"),
        )
        self.section.add_class("s3-grid-section")
        self.items = w.VBox()
        self.message = w.HTML()
        self.progress = w.HTML()
        save = w.Button(description=_("Save draft"), icon="save")
        save.add_class("s3-grid-save")
        submit = w.Button(description=_("Submit my scores"), button_style="success")
        submit.add_class("s3-grid-submit")
        save.on_click(lambda _b: self.send("save_scores"))
        submit.on_click(lambda _b: self.send("submit_scores"))
        self.scale = [str(v) for v in range(inst.scale_min, inst.scale_max + 1)]
        self._values: dict[str, str] = {}
        self.section.observe(lambda _c: self.draw_section(), names="value")
        self.member.observe(lambda _c: self.load_draft(), names="value")
        super().__init__(
            [
                w.HTML(
                    f"<h4>{esc(_('Evaluation'))}: {esc(inst.name)}</h4>"
                    f"<div>{esc(inst.description)}</div>"
                ),
                w.HBox([self.member, self.section]),
                self.items,
                w.HBox([save, submit]),
                self.message,
                self.progress,
                PageLanguage(),
            ]
        )
        self.add_class("s3-evaluation-grid")
        self.load_draft()

    def load_draft(self) -> None:
        """Resume the chosen member's saved draft."""
        ev = self.proc.open_evaluation() or {}
        resp = (ev.get("responses") or {}).get(self.member.value) or {}
        self._values = {
            k: ("" if v is None else str(v)) for k, v in (resp.get("scores") or {}).items()
        }
        self.draw_section()
        self.show_progress()

    def draw_section(self) -> None:
        """Toggle buttons for every item of the chosen section."""
        sec = self.inst.section(self.section.value)
        labels = self.inst.as_dict()["scale"].get("labels", {})
        rows = []
        for item in sec.items:
            tb = w.ToggleButtons(
                options=[BLANK, *self.scale],
                value=self._values.get(item.id) or BLANK,
                tooltips=[_("blank")]
                + [str(labels.get(int(v), labels.get(v, v))) for v in self.scale],
                style={"button_width": "38px"},
            )
            tb.add_class(f"s3-item-{item.id}")
            tb.observe(
                lambda c, i=item.id: self._values.__setitem__(
                    i, "" if c["new"] == BLANK else c["new"]
                ),
                names="value",
            )
            rows.append(w.VBox([w.HTML(f"<div style='margin-top:6px'>{esc(item.text)}</div>"), tb]))
        for old in self.items.children:
            old.close()
        self.items.children = rows

    def send(self, action: str) -> None:
        """Save or submit the member's scores through the engine.

        Args:
            action: ``save_scores`` or ``submit_scores``.
        """
        scores = {k: (int(v) if v else None) for k, v in self._values.items()}
        fields: dict[str, Any] = {"scores": scores} if scores else {}
        try:
            me = hub_credential([self.member.value])  # under JupyterHub: the hub user
            self.proc.act(action, self.member.value, credential=me, **fields)
        except S3Error as err:
            self.message.value = f"<span style='color:#b00020'>{html.escape(str(err))}</span>"
            return
        self.message.value = esc(_("Saved.") if action == "save_scores" else _("Submitted."))
        self.show_progress()

    def show_progress(self) -> None:
        """Who has submitted, who has a draft."""
        ev = self.proc.open_evaluation()
        if not ev:
            self.progress.value = f"<i>{esc(_('Nobody has saved scores yet.'))}</i>"
            return
        sub = sorted(p for p, r in ev["responses"].items() if r["submitted"])
        drafts = sorted(p for p, r in ev["responses"].items() if not r["submitted"])
        self.progress.value = (
            f"{esc(_('Submitted'))}: {esc(', '.join(sub) or '—')} · "
            f"{esc(_('Drafts'))}: {esc(', '.join(drafts) or '—')}"
        )


class CycleView(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """Baseline vs now per section (table and chart), and co-implementation progress.

    Args:
        pid: Id of the MiTS process (default: the most recently started one).
        ws: Workspace (default: this kernel's workspace).
    """

    def __init__(self, pid: str | None = None, ws: Workspace | None = None) -> None:
        self.ws = ws or workspace()
        self.pid = pid
        self.table = w.HTML()
        # an <img> of our own: ipywidgets' Image cannot carry a text alternative
        self.chart = w.HTML(layout=w.Layout(display="none"))
        self.empty = w.HTML()
        self.actions = w.HTML()
        refresh = w.Button(description=_("Refresh"), icon="refresh")
        refresh.on_click(lambda _b: self.render(True))
        super().__init__(
            [refresh, self.table, self.empty, self.chart, self.actions, PageLanguage()]
        )
        self.add_class("s3-cycle-view")
        self.render()

    def render(self, refresh: bool = False) -> None:
        """Redraw from the engine's cycle report.

        Args:
            refresh: Read other programs' new events first.
        """
        from s3engine.reports import cycle_report as report

        if refresh:
            self.ws.refresh()
        try:
            rep = report.cycle_report(self.ws, self.pid)
        except S3Error as err:
            self.table.value = esc(err)
            return
        rows = "".join(
            f"<tr><td>{esc(s['name'])}</td><td>{format_score(s['baseline'])}</td>"
            f"<td>{format_score(s['previous'])}</td><td>{format_score(s['now'])}</td>"
            f"<td>{format_score(s.get('delta_baseline'), True)}</td></tr>"
            for s in rep["sections"]
        )
        self.table.value = (
            f"<h4>{esc(rep['community'])} — {esc(_('cycle'))} {rep['cycle']}: "
            f"{esc(_(rep['phase']))}</h4>"
            f"<table class='s3-cycle-table'><tr><th>{esc(_('Section'))}</th>"
            f"<th>{esc(_('Baseline'))}</th><th>{esc(_('Previous cycle'))}</th>"
            f"<th>{esc(_('Now'))}</th><th>Δ</th></tr>{rows}</table>"
        )
        # the chart only once there is something to draw (no broken image before that)
        has_data = any(s["baseline"] is not None or s["now"] is not None for s in rep["sections"])
        self.chart.layout.display = "" if has_data else "none"
        self.empty.value = (
            ""
            if has_data
            else f"<i>{esc(_('The chart appears once the first evaluation is completed.'))}</i>"
        )
        if has_data:
            with tempfile.TemporaryDirectory() as d:
                png = Path(d) / "chart.png"
                report.write_chart(rep, png)
                data = base64.b64encode(png.read_bytes()).decode()
            # the figures themselves are in the table above
            alt = _("Chart of the mean score per section: baseline, previous cycle, now")
            self.chart.value = (
                f"<img alt='{esc(alt)}' style='max-width:100%' src='data:image/png;base64,{data}'>"
            )
        acts = "".join(
            f"<tr><td>{esc(a['title'])}</td><td>{esc(a['owner'] or '')}</td>"
            f"<td>{esc(_(a['status']))}</td><td><progress max='100' value='{int(a['progress'])}'>"
            f"</progress> {format_percent(int(a['progress']))}</td>"
            f"<td>{esc(a['milestones'])}</td></tr>"
            for a in rep["actions"]
        )
        self.actions.value = (
            f"<b>{esc(_('Co-implementation'))}</b><table class='s3-progress'>{acts}</table>"
            if acts
            else ""
        )
