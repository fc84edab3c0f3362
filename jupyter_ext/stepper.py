"""The process stepper: one widget that steps a group through any process on the contract.

It shows where the process is (a step bar), the guide's advice for the current step, the people and
their signals (a hidden round shows only who has signalled until it is revealed; a screen signed in
with a personal link also shows that person's own signal, a shared screen nobody's), the actions
the person acting may take now as buttons, a form for actions that need input (with the engine's
message next to the wrong field), and, folded away, a process-specific board, the history and the
process diagram. All rules live in the engine: the widget only calls ``process.act`` and renders
``process.view()``. The screen follows events written by other kernels or the CLI by itself
(:mod:`jupyter_ext.live`), keeping what the user has typed in an open form; "Refresh" does the
same at once.

Allowed imports: ipywidgets, IPython.display, s3engine, jupyter_ext.
"""

from __future__ import annotations

import html
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from s3engine.core import choices
from s3engine.core.action_view import ActionView
from s3engine.core.credential import Credential
from s3engine.core.process import Process
from s3engine.core.workspace import Workspace
from s3engine.errors import InvalidField, S3Error

from . import boards
from .assist import Assist
from .content import decision_html
from .form import FieldForm
from .history import history_html
from .hub import hub_credential
from .i18n import _, say
from .language_menu import PageLanguage
from .live import follow, serialize_messages
from .progress import focus_after, people_html, step_bar, step_text, where

serialize_messages(w.Widget)  # one callback at a time, never during a live redraw (JupyterLab 4.4+)


def slug(text: str) -> str:
    """A CSS-class-safe slug."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def esc(value: Any) -> str:
    """HTML-escape anything shown in a widget (all user text is untrusted)."""
    return html.escape(str(value if value is not None else ""))


def display(*objs: object) -> None:
    """Show objects in the current output area (``IPython.display.display``)."""
    from IPython.display import display as ipython_display

    # IPython.display has no type annotations.
    ipython_display(*objs)  # type: ignore[no-untyped-call]


def show_mermaid(proc: Process) -> None:
    """Display a process as a mermaid diagram, its current step highlighted."""
    from IPython.display import Markdown

    # IPython.display has no type annotations.
    display(Markdown(f"```mermaid\n{proc.definition.mermaid(proc.state)}\n```"))  # type: ignore[no-untyped-call]


class ProcessStepper(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """Step through one process.

    Args:
        ws: The workspace.
        pid: Id of a top-level process.
        actor: Who is acting at first (default: the facilitator).
    """

    def __init__(
        self,
        ws: Workspace,
        pid: str,
        actor: str | None = None,
        credential: Credential | None = None,
        live: bool = True,
    ) -> None:
        self.ws = ws
        self.proc: Process = ws.get(pid)
        #: Who is signed in on this screen (None: the operator, as the person acting). Under
        #: JupyterHub it is the hub user: they record for someone else only as the facilitator.
        if credential is None:
            credential = hub_credential([*self.proc.participants, *self.proc.facilitators()])
        self.credential = credential
        if actor is None and self.credential and self.credential.person in self.proc.participants:
            actor = self.credential.person
        self.on_change: list[Callable[[ProcessStepper], None]] = []
        self.header = w.HTML()
        self.steps = w.HTML()
        self.guidance = w.HTML()
        self.decision = w.HTML()
        self.people = w.HTML()
        self.actor = w.Dropdown(
            options=self.proc.participants,
            value=actor or self.proc.facilitator,
            description=_("Acting as"),
            style={"description_width": "initial"},
        )
        self.actor.add_class("s3-actor")
        self.actor.observe(lambda _c: self._actor_changed(), names="value")
        self._drawing = False  # render() is updating the menu itself
        self.buttons = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.buttons.add_class("s3-actions")
        self.others = w.HTML()
        self.form_box = w.VBox()
        self.message = w.HTML()
        self.message.add_class("s3-message")
        self.refresh_button = w.Button(
            description=_("Refresh"),
            icon="refresh",
            tooltip=_("Show what others have recorded meanwhile"),
        )
        self.refresh_button.add_class("s3-refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.board = w.HTML()
        self.history = w.HTML()
        self.diagram = w.Output()
        self.details = w.Accordion(
            children=[self.board, self.history, self.diagram], selected_index=None
        )
        # Folded panels are drawn only when opened: fewer messages per click (and mermaid
        # diagrams are costly to draw in the browser).
        self.details.observe(lambda _c: self.render_details(), names="selected_index")
        self._pool: dict[tuple[str, str, str], w.Button] = {}
        self._diagram_key: tuple[str, str] | None = None
        self.revision = 0
        #: The workspace's head when this screen was last drawn whole (the live watcher reads it).
        self.shown_head: tuple[int, str] | None = None
        self.rev = w.HTML()  # updated last in render(): tests wait for it to know the screen is new
        self.rev.add_class("s3-rev")
        #: Keyboard focus and screen-reader announcements after each action (jupyter_ext.assist).
        self.assist = Assist(".s3-stepper")
        self._form: FieldForm | None = None
        self._form_action: str | None = None
        self._form_process: str | None = None
        super().__init__(
            [
                self.header,
                self.steps,
                self.guidance,
                self.decision,
                self.people,
                w.HBox([self.actor, self.refresh_button]),
                self.buttons,
                self.others,
                self.form_box,
                self.message,
                self.details,
                self.assist,
                PageLanguage(),
                self.rev,
            ]
        )
        self.add_class("s3-stepper")
        self.render()
        if live:
            follow(self, ws)

    # -- rendering -------------------------------------------------------------------------------

    def render(self) -> None:
        """Redraw everything from the engine."""
        self.shown_head = self.ws.head
        p = self.proc
        leaf = p.leaf()
        options = self.actor_options()
        if list(self.actor.options) != options:  # someone joined (a tutor, a LIT member)
            acting = self.actor.value
            self._drawing = True  # no buttons (nor the "screen is new" marker) before the rest
            try:
                self.actor.options = options
                self.actor.value = acting if acting in options else p.facilitator
            finally:
                self._drawing = False
        self.details.set_title(0, _(boards.board_title(p)))
        self.details.set_title(1, _("History"))
        self.details.set_title(2, _("Process diagram"))
        state = " · " + _("finished") + f": {_(p.outcome or '')}" if p.finished else ""
        self.header.value = (
            # the id is for the command line only: a tooltip, never in the text people read
            "<div class='s3-header'><h2 class='s3-title'"
            + (f" title='s3flow {esc(p.id)}'" if self.credential is None else "")
            + f">{esc(p.title)}</h2><div>{esc(_(p.definition.title))} · "
            + f"{esc(_('Facilitator'))}: {esc(p.facilitator)}{esc(state)}</div></div>"
        )
        self.steps.value = step_bar(p) + (step_bar(leaf, nested=True) if leaf is not p else "")
        self.decision.value = decision_html(p)
        self.guidance.value = (
            f"<div class='s3-guidance'><h3 class='s3-current-step' tabindex='-1'>"
            f"{esc(step_text(leaf))}</h3><div>{esc(_(leaf.step.guidance))}</div></div>"
        )
        self.people.value = people_html(leaf, self._person())
        self.render_details()
        self.render_actions()

    def actor_options(self) -> list[str]:
        """Whom the person at this screen may choose to act as: everyone taking part."""
        return list(self.proc.participants)

    def _actor_changed(self) -> None:
        if not self._drawing:
            self.render_actions()

    def render_details(self) -> None:
        """Draw the open folded panel (board, history or diagram)."""
        p = self.proc
        leaf = p.leaf()
        index = self.details.selected_index
        if index == 0:
            self.board.value = boards.board_html(p)
        elif index == 1:
            self.history.value = history_html(self.ws, p)
        elif index == 2 and self._diagram_key != (leaf.id, leaf.state):
            self._diagram_key = (leaf.id, leaf.state)
            self.diagram.clear_output()
            with self.diagram:
                show_mermaid(leaf)

    def bump(self) -> None:
        """Mark the screen as fully updated (the marker is sent after everything else).

        The marker also names the last journal event the screen shows (``s3-seq-N``), so that
        whoever watches several screens can tell when each has caught up with an action.
        """
        self.revision += 1
        self.rev.value = (
            f"<span class='s3-rev-{self.revision}'></span>"
            f"<span class='s3-seq-{self.ws.head[0]}'></span>"
        )

    def render_actions(self) -> None:
        """Buttons for what the person acting may do now; others' actions listed below."""
        actor = self.actor.value
        mine: list[w.Button] = []
        others: list[str] = []
        for a in self.proc.available_actions():
            if a.who is not None and actor not in a.who:
                others.append(f"{esc(', '.join(a.who))}: {esc(_(a.title))}")
                continue
            mine += self._buttons_for(a)
        self.buttons.children = mine
        if not mine and not self.proc.finished and self.credential is not None:
            mine_txt = esc(
                _("Nothing for you to do now: the page changes by itself when it is your turn.")
            )
        elif not mine and not self.proc.finished:
            mine_txt = esc(_("Nothing for this person to do now; choose who is acting."))
        else:
            mine_txt = ""
        blocked = "".join(
            f"<div class='s3-blocked'>{esc(_(title))}: {esc(_('not possible now'))} — "
            f"{esc(say(reason))}</div>"
            for title, reason in self.proc.blocked()
        )
        self.others.value = (
            f"<div class='s3-others'>{mine_txt}{blocked}"
            + (
                f"<div>{esc(_('Others can now'))}: " + "; ".join(others) + "</div>"
                if others
                else ""
            )
            + "</div>"
        )
        if self._form_action and not any(
            a.name == self._form_action and a.process == self._form_process
            for a in self.proc.available_actions(actor)
        ):
            self.close_form()
        self.bump()

    def _button(self, a: ActionView, choice: str = "") -> w.Button:
        """A button for an action (or one choice of it), reused across redraws.

        Creating widgets is the slow part of a redraw.
        """
        key = (a.process, a.name, choice)
        b = self._pool.get(key)
        if b is None:
            b = w.Button(layout=w.Layout(width="auto"))
            b.add_class(f"s3-act-{a.name}")
            if choice:
                b.add_class(f"s3-act-{a.name}-{slug(choice)}")
            elif a.fields:
                b.add_class("s3-needs-form")
            b.on_click(lambda _b, k=key: self._pressed(k))
            self._pool[key] = b
        b.description = f"{_(a.title)}: {_(choice)}" if choice else _(a.title)
        b.tooltip = _(a.guidance)
        b.button_style = "success" if not a.fields else ""
        return b

    def _pressed(self, key: tuple[str, str, str]) -> None:
        _pid, name, choice = key
        action = next(
            (a for a in self.proc.available_actions(self.actor.value) if a.name == name), None
        )
        if action is None:
            self.refresh()
            return
        if choice:
            self.do(name, {action.fields[0].name: choice})
        elif action.fields:
            self.open_form(action)
        elif action.confirm:
            self.open_confirm(action)
        else:
            self.do(name, {})

    def _buttons_for(self, a: ActionView) -> list[w.Button]:
        choice_only = [f for f in a.fields if f.required]
        if (
            len(a.fields) == 1
            and choice_only
            and choice_only[0].type == "choice"
            and choice_only[0].choices
        ):
            return [self._button(a, c) for c in choice_only[0].choices]
        return [self._button(a)]

    # -- acting ------------------------------------------------------------------------------------

    def open_form(self, a: ActionView) -> None:
        """Show the form for an action that needs input."""
        if self._form_action == a.name and self._form_process == a.process and self._form:
            return
        leaf = self.proc.leaf()
        self._form = FieldForm(
            a.fields,
            self.proc.participants,
            lambda f: choices.options(self.ws, f, leaf),
            needs=a.needs,
        )
        self._form.prefill(self.proc.leaf().data)  # what the engine knows already
        self._form_action, self._form_process = a.name, a.process
        ok = w.Button(
            description=_("Confirm") + ": " + _(a.title),
            button_style="success",
            layout=w.Layout(width="auto"),
        )
        ok.add_class("s3-confirm")
        cancel = w.Button(description=_("Cancel"))
        cancel.add_class("s3-cancel")
        ok.on_click(lambda _b: self.submit())
        cancel.on_click(lambda _b: self.cancel_form())
        missing = (
            f"<div class='s3-missing' role='note'><b>{esc(_('To fill in'))}:</b> "
            f"{esc(a.missing)}</div>"
            if a.missing
            else ""
        )
        warn = (
            "<div class='s3-confirm-text' role='alert'><b>"
            + esc(_("This cannot be undone."))
            + f"</b> {esc(_(a.confirm))}</div>"
            if a.confirm
            else ""
        )
        guidance = w.HTML(f"<i>{esc(_(a.guidance))}</i>{missing}{warn}")
        # what went wrong shows right under the buttons (a summary; each field's message by it)
        self.form_box.children = [guidance, self._form, w.HBox([ok, cancel]), self._form.summary]
        self.form_box.add_class("s3-open-form")
        self.assist.focus_on(".s3-form input, .s3-form textarea, .s3-form select", ".s3-confirm")

    def open_confirm(self, a: ActionView) -> None:
        """Ask before an action that cannot be undone (what happens is said in plain words)."""
        self._form = None
        self._form_action, self._form_process = a.name, a.process
        yes = w.Button(
            description=_("Yes") + ": " + _(a.title),
            button_style="warning",
            layout=w.Layout(width="auto"),
        )
        yes.add_class("s3-confirm")
        no = w.Button(description=_("Cancel"))
        no.add_class("s3-cancel")
        yes.on_click(lambda _b: self.do(a.name, {}))
        no.on_click(lambda _b: self.cancel_form())
        text = w.HTML(
            "<div class='s3-confirm-text' role='alert'><b>"
            + esc(_("This cannot be undone."))
            + f"</b> {esc(_(a.confirm))}</div>"
        )
        self.form_box.children = [text, w.HBox([yes, no])]
        self.assist.focus_on(".s3-confirm")

    def close_form(self) -> None:
        """Close the open form."""
        self._form = None
        self._form_action = self._form_process = None
        self.form_box.children = []

    def cancel_form(self) -> None:
        """Close the open form without acting; focus goes back to the actions."""
        self.close_form()
        self.assist.focus_on(".s3-actions button", ".s3-current-step")

    def _person(self) -> str | None:
        return self.credential.person if self.credential else None

    def submit(self) -> None:
        """Send the open form's values to the engine."""
        if self._form is None or self._form_action is None:
            return
        self.do(self._form_action, self._form.values())

    def do(self, action: str, fields: dict[str, Any]) -> bool:
        """Act as the chosen person; show the engine's message on refusal.

        Args:
            action: Name of the action.
            fields: The action's field values.

        Returns:
            True when the engine recorded the action.
        """
        t0 = time.perf_counter()
        before = where(self.proc, self._person())
        try:
            self.proc.act(
                action,
                self.actor.value,
                credential=self.credential,
                request_id=uuid.uuid4().hex,
                **fields,
            )
        except InvalidField as err:
            if self._form and self._form.show_problems(err):
                field = f".s3-open-form .s3-field-{err.field}"
                self.assist.focus_on(
                    f"{field} input, {field} textarea, {field} select", announcement=str(err)
                )
            else:
                self._show_error(str(err))
            self.bump()
            return False
        except S3Error as err:
            if self._form is not None:  # next to the button pressed
                self._form.show_problems(err)
            else:
                self._show_error(str(err))
            self.bump()
            return False
        self.close_form()
        self.message.value = ""
        self.render()
        focus_after(self.assist, self.proc, self._person(), before)
        self.last_render_ms = (time.perf_counter() - t0) * 1000
        for cb in self.on_change:
            cb(self)
        return True

    def _show_error(self, text: str) -> None:
        self.message.value = f"<div class='s3-error'>{esc(text)}</div>"
        self.assist.focus_on(announcement=text, move=False)

    def refresh(self) -> None:
        """Pick up events from other programs; keep an open form and what was typed in it."""
        before = where(self.proc, self._person())
        try:
            self.ws.refresh()
        except S3Error as err:
            self._show_error(str(err))
            return
        self.render()
        focus_after(self.assist, self.proc, self._person(), before, move=False)

    def live_refresh(self) -> None:
        """Redraw after another program's events (the watcher applied them already)."""
        self.refresh()

    def click(self, action: str, choice: str | None = None) -> None:
        """Press an action button (used by tests and by the magics).

        Args:
            action: Name of the action.
            choice: For an action offered as one button per choice, the choice.

        Raises:
            LookupError: The person acting has no such button now.
        """
        cls = f"s3-act-{action}" + (f"-{slug(choice)}" if choice else "")
        for b in self.buttons.children:
            if cls in b._dom_classes:
                b.click()
                return
        raise LookupError(f"no button {cls!r} for {self.actor.value}")
