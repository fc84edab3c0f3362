"""Sessions: the one widget a tutor notebook shows for a process type.

A session lets the tutor continue an existing process or start a new one from a form built from the
process type's start fields, and then shows the stepper. A language menu switches the interface
language for the whole notebook.

Allowed imports: ipywidgets, s3engine, jupyter_ext.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from s3engine.core import choices
from s3engine.core.workspace import Workspace
from s3engine.errors import InvalidField, S3Error

from .assist import Assist
from .form import FieldForm
from .hub import hub_credential
from .i18n import _, format_date
from .language_menu import LanguageMenu, PageLanguage
from .stepper import ProcessStepper, display, esc
from .workspace import workspace


class Session(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """Continue or start a process of one kind, then step through it.

    Args:
        kind: Process type (consent, proposal-forming, tension, evaluate, role-selection, mits).
        ws: Workspace (default: this kernel's workspace).
        pid: Open this process directly.
        actor: Who starts / acts first.
        **prefill: Values the start form is filled with (field name to value).
    """

    def __init__(
        self,
        kind: str,
        ws: Workspace | None = None,
        pid: str | None = None,
        actor: str | None = None,
        **prefill: Any,
    ) -> None:
        self.ws = ws or workspace()
        if kind not in self.ws.process_types:
            raise ValueError(f"unknown process kind {kind!r}")
        self.kind = kind
        self.cls = self.ws.process_types[kind]
        self.actor = actor
        self.prefill = prefill
        self.title = w.HTML()
        self.language = LanguageMenu(self.redraw)
        self.choose = w.Dropdown(
            description=_("Continue"),
            style={"description_width": "initial"},
            layout=w.Layout(width="60%"),
        )
        self.choose.add_class("s3-choose")
        self.open_button = w.Button(description=_("Open"))
        self.open_button.add_class("s3-open")
        self.open_button.on_click(lambda _b: self.open_process(self.choose.value, focus=True))
        self.new_button = w.Button(description=_("Start a new one"), button_style="primary")
        self.new_button.add_class("s3-new")
        self.new_button.on_click(lambda _b: self.show_start_form(focus=True))
        self.start_box = w.VBox()
        self.message = w.HTML()
        self.body = w.VBox()
        self.stepper: ProcessStepper | None = None
        self.assist = Assist(".s3-session")  # keyboard focus after each step (jupyter_ext.assist)
        super().__init__(
            [
                w.HBox([self.title, self.language, PageLanguage()]),
                w.HBox([self.choose, self.open_button, self.new_button]),
                self.start_box,
                self.message,
                self.body,
                self.assist,
            ]
        )
        self.add_class("s3-session")
        self.redraw()
        if pid:
            self.open_process(pid)

    def redraw(self) -> None:
        """Redraw texts (after a language change) and the list of processes."""
        self.title.value = f"<h2 style='margin:4px 0'>{esc(_(self.cls.definition.title))}</h2>"
        self.choose.description = _("Continue")
        self.open_button.description = _("Open")
        self.new_button.description = _("Start a new one")
        roots = self.ws.roots(self.kind)
        opts = [  # told apart by the day they started, not by an internal id
            (f"{p.title} — {_(p.leaf().step.title)} ({format_date(p.started[:10])})", p.id)
            for p in reversed(roots)
        ]
        self.choose.options = [(_("Choose one to continue…"), ""), *opts]
        self.choose.value = ""
        if self.start_box.children:
            self.show_start_form()
        if self.stepper is not None:
            self.open_process(self.stepper.proc.id)

    def show_start_form(self, focus: bool = False) -> None:
        """The form for starting a new process of this kind (``focus``: on its first input)."""
        form = FieldForm(
            self.cls.definition.start_fields, [], lambda f: choices.options(self.ws, f)
        )
        if self.prefill:
            form.set_values(self.prefill)
        go = w.Button(description=_("Start"), button_style="success")
        go.add_class("s3-start")
        cancel = w.Button(description=_("Cancel"))
        cancel.on_click(lambda _b: self.cancel_start())

        def start(_b: Any) -> None:
            values = form.values()
            me = hub_credential([str(values.get("facilitator") or "")])  # under JupyterHub
            actor = me.person if me else self.actor or values.get("facilitator") or "tutor"
            try:
                proc = self.ws.start(self.kind, actor, credential=me, **values)
            except InvalidField as err:
                form.show_problems(err)  # each next to its field, a summary by the button
                field = f".s3-field-{err.field}"
                self.assist.focus_on(
                    f"{field} input, {field} textarea, {field} select", announcement=str(err)
                )
                return
            except S3Error as err:
                form.show_problems(err)  # next to the button pressed
                return
            self.start_box.children = []
            self.message.value = ""
            self.redraw()
            self.open_process(proc.id, focus=True)

        go.on_click(start)
        self.form = form
        self.start_box.children = [
            w.HTML(f"<b>{esc(_('New'))}: {esc(_(self.cls.definition.title))}</b>"),
            form,
            # what went wrong shows by the buttons, wrapping under them when long
            w.HBox([go, cancel, form.summary], layout=w.Layout(flex_flow="row wrap")),
        ]
        if focus:
            self.assist.focus_on(".s3-form input, .s3-form textarea, .s3-form select")

    def cancel_start(self) -> None:
        """Close the start form; focus goes back to the button that opened it."""
        self.start_box.children = []
        self.assist.focus_on(".s3-new")

    def open_process(self, pid: str | None, focus: bool = False) -> None:
        """Show the stepper for process ``pid`` (``focus``: on its current step)."""
        if not pid:
            return
        try:
            if self.stepper is not None:
                self.stepper.close()  # stops its live updates too
            self.stepper = ProcessStepper(self.ws, pid, actor=self.actor)
        except S3Error as err:
            self.message.value = f"<b style='color:#b00020'>{html.escape(str(err))}</b>"
            return
        self.body.children = [self.stepper, *self.extras(pid)]
        if focus:
            self.assist.focus_on(".s3-stepper .s3-current-step")

    def extras(self, pid: str) -> list[w.Widget]:
        """Dedicated views for processes a generic stepper cannot show well (MiTS)."""
        if self.kind != "mits":
            return []
        out = w.Output()
        grid = w.Button(description=_("Scoring grid"), icon="table")
        grid.add_class("s3-open-grid")
        chart = w.Button(description=_("Baseline vs now"), icon="bar-chart")
        chart.add_class("s3-open-cycle")

        def show(which: str) -> None:
            from .mits_views import CycleView, EvaluationGrid, mits_cycle

            out.clear_output()
            with out:
                try:
                    if which == "grid":
                        if mits_cycle(self.ws, pid).instrument is None:
                            print(_("Choose the evaluation instrument first."))
                            return
                        display(EvaluationGrid(pid, self.ws))
                    else:
                        display(CycleView(pid, self.ws))
                except S3Error as err:
                    print(err)

        grid.on_click(lambda _b: show("grid"))
        chart.on_click(lambda _b: show("chart"))
        from .mits_board import checklist_html

        gate = w.HTML()
        gate.add_class("s3-gate-panel")

        def draw_gate(st: ProcessStepper) -> None:  # the checklist stays in view, ticked live
            gate.value = checklist_html(st.proc.details().get("gate_checklist", []))

        if self.stepper is not None:
            draw_gate(self.stepper)
            self.stepper.on_change.append(draw_gate)
        return [gate, w.HBox([grid, chart]), out]
