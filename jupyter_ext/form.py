"""Forms built from the engine's field descriptions (the process contract's ``Field``).

One input widget per field, with its validation message shown right under it. Values are read back
as plain Python values for ``process.act(...)``; the engine does all checking.

Allowed imports: ipywidgets, traitlets, s3engine, jupyter_ext.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w
from traitlets import TraitError

from s3engine.core.choices import source_of
from s3engine.core.definition import Field
from s3engine.errors import InvalidField, InvalidFields, S3Error

from .i18n import _, say
from .pickers import MultiPicker, Option, picker
from .rows import RowsInput


class FieldForm(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """Inputs for a list of fields.

    Args:
        fields: The engine's field descriptions.
        participants: Names offered for person/people fields.
        options: What the engine offers for a field with a picker (``(value, label)`` pairs,
            :func:`s3engine.core.choices.options`); a field offered nothing is typed freely.
        needs: Optional fields the action needs now (``ActionView.needs``).
    """

    def __init__(
        self,
        fields: Sequence[Field],
        participants: Sequence[str],
        options: Callable[[Field], Sequence[Option]] | None = None,
        needs: Sequence[str] = (),
    ) -> None:
        self.fields = list(fields)
        self.inputs: dict[str, w.Widget] = {}
        self.errors: dict[str, w.HTML] = {}
        #: The label shown with each input (translated, with "(optional)" or "(needed now)").
        self.labels: dict[str, str] = {}
        #: What is wrong, in one line next to the button that sends the form (see show_problems).
        self.summary = w.HTML()
        self.summary.add_class("s3-form-summary")
        rows = []
        for f in self.fields:
            found = options(f) if options is not None and source_of(f) else []
            offered = [(value, say(label)) for value, label in found]  # engine labels translated
            widget = (
                picker(offered, multiple=f.type in ("list", "patterns"))
                if offered
                else self._input(f, participants)
            )
            widget.add_class(f"s3-field-{f.name}")
            self.inputs[f.name] = widget
            label = _(f.label or f.name.replace("_", " ").capitalize())
            if f.name in needs:  # optional in general, but what the action lacks now
                label += " " + _("(needed now)")
            elif not f.required:
                label += " " + _("(optional)")
            self.labels[f.name] = label
            help_txt = f"<div class='s3-help'>{html.escape(_(f.help))}</div>" if f.help else ""
            err = w.HTML("", layout=w.Layout(margin="0 0 4px 0"))
            err.add_class("s3-field-error")
            self.errors[f.name] = err
            # The description is the input's own <label> (screen readers read it with the input);
            # the stylesheet (jupyter_ext.theme) shows it above the input, in bold.
            widget.description = label
            boxed = isinstance(widget, (MultiPicker, RowsInput))  # no label of their own
            head = [w.HTML(f"<b>{html.escape(label)}</b>")] if boxed else []
            rows.append(
                w.VBox([*head, widget, w.HTML(help_txt), err] if help_txt else [*head, widget, err])
            )
        super().__init__(rows)
        self.add_class("s3-form")

    @staticmethod
    def _input(f: Field, participants: Sequence[str]) -> w.Widget:
        full = w.Layout(width="95%")
        # Typed text reaches the kernel once, when the field is left: sent key by key, the last
        # keys could arrive after a Confirm pressed right away (ipywidgets sends one message per
        # widget at a time and holds back the rest), and the action would get cut-off text.
        once = {"continuous_update": False}
        if f.type == "text":
            return w.Textarea(layout=w.Layout(width="95%", height="70px"), **once)
        if f.type == "line" or f.type == "patterns":
            return w.Text(
                layout=full,
                placeholder=_("comma-separated ids") if f.type == "patterns" else "",
                **once,
            )
        if f.type == "person":
            return w.Dropdown(options=[("—", None)] + [(p, p) for p in participants], value=None)
        if f.type == "people":
            return MultiPicker([(p, p) for p in participants])
        if f.type == "date":
            return w.DatePicker()
        if f.type == "choice":
            return w.Dropdown(options=[("—", None)] + [(_(c), c) for c in f.choices], value=None)
        if f.type == "bool":
            return w.Checkbox(value=False, indent=False)
        if f.type == "rows":
            return RowsInput(f.columns)
        if f.type == "mapping":  # given in a dedicated view (the MiTS scoring grid), not typed
            return w.HTML()
        if f.type in ("int", "number") and not f.required:
            # empty means "not given": a number box would start at 0 and send it
            return w.Text(placeholder=_("a number"), layout=w.Layout(width="10em"), **once)
        if f.type == "int":
            return w.IntText()
        if f.type == "number":
            return w.FloatText()
        if f.type == "list":
            return w.Textarea(
                layout=w.Layout(width="95%", height="60px"), placeholder=_("one per line"), **once
            )
        return w.Text(layout=full, **once)

    def values(self) -> dict[str, Any]:
        """The entered values (empty optional inputs are left out)."""
        out: dict[str, Any] = {}
        for f in self.fields:
            v = self.inputs[f.name].value
            if isinstance(v, dt.date):
                v = v.isoformat()
            elif isinstance(v, tuple):
                v = list(v)
            elif f.type == "list" and isinstance(v, str):
                v = [x.strip() for x in v.splitlines() if x.strip()]
            elif f.type == "patterns" and isinstance(v, str):
                v = [x.strip() for x in v.split(",") if x.strip()]
            elif f.type == "bool" and v is False:
                v = None
            if v in (None, "", []):
                continue
            out[f.name] = v
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill inputs (used by tests and to prefill forms)."""
        for name, v in values.items():
            f = next(x for x in self.fields if x.name == name)
            if isinstance(self.inputs[name], RowsInput):
                v = list(v)
            elif isinstance(self.inputs[name], MultiPicker):
                v = tuple([v] if isinstance(v, str) else v)
            elif f.type == "date" and isinstance(v, str):
                v = dt.date.fromisoformat(v)
            elif f.type in ("int", "number") and isinstance(self.inputs[name], w.Text):
                v = str(v)
            elif f.type == "list" and isinstance(v, list):
                v = "\n".join(v)
            elif f.type == "patterns" and isinstance(v, list):
                v = ", ".join(v)
            self.inputs[name].value = v

    def prefill(self, known: Mapping[str, Any]) -> None:
        """Fill the inputs the process already has a value for (the proposal, the review date ...).

        A value that does not fit its input is left out: the field stays empty to fill in.
        """
        for f in self.fields:
            value = known.get(f.name)
            if value in (None, "", []):
                continue
            with contextlib.suppress(ValueError, TypeError, KeyError, TraitError):
                self.set_values({f.name: value})

    def show_error(self, field: str | None, message: str) -> bool:
        """Show an engine message next to ``field``, clearing earlier messages.

        Args:
            field: Name of the field the message is about (None: about no field).
            message: The engine's message.

        Returns:
            False when the form has no such field (the caller shows the message elsewhere).
        """
        for e in self.errors.values():
            e.value = ""
        if field in self.errors:
            self.errors[
                field
            ].value = f"<span class='s3-error' style='color:#b00020'>{html.escape(message)}</span>"
            return True
        return False

    def show_problems(self, err: S3Error) -> bool:
        """Show an engine refusal: each field's message next to it, a summary by the button.

        A message about no field of this form is shown whole next to the button.

        Args:
            err: What the engine said.

        Returns:
            True when a message was placed next to a field (the first one is ``err.field``).
        """
        for e in self.errors.values():
            e.value = ""
        found = err.errors if isinstance(err, InvalidFields) else [err]
        placed = []
        for e in found:
            if isinstance(e, InvalidField) and e.field in self.errors:
                self.errors[
                    e.field
                ].value = f"<span class='s3-error' role='alert'>{html.escape(str(e))}</span>"
                placed.append(e)
        rest = [e for e in found if e not in placed]
        parts = []
        if placed:
            names = ", ".join(
                _(self._label(e.field)) for e in placed if isinstance(e, InvalidField)
            )
            parts.append(
                _("Please check: {fields} (see the message next to each).").format(fields=names)
            )
        parts += [str(e) for e in rest]
        self.summary.value = (
            f"<span class='s3-error' role='alert'>{html.escape(' '.join(parts))}</span>"
            if parts
            else ""
        )
        return bool(placed)

    def clear_problems(self) -> None:
        """Remove every message."""
        for e in self.errors.values():
            e.value = ""
        self.summary.value = ""

    def _label(self, name: str) -> str:
        f = next((x for x in self.fields if x.name == name), None)
        return (f.label if f and f.label else name.replace("_", " ").capitalize()) if f else name
