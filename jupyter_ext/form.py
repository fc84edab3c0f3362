"""Forms built from the engine's field descriptions (the process contract's ``Field``).

One input widget per field, with its validation message shown right under it. Values are read back
as plain Python values for ``process.act(...)``; the engine does all checking.

Allowed imports: ipywidgets, traitlets, s3engine, jupyter_ext.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w
from traitlets import TraitError

from s3engine.core.definition import Field

from .i18n import _


class FieldForm(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """Inputs for a list of fields.

    Args:
        fields: The engine's field descriptions.
        participants: Names offered for person/people fields.
    """

    def __init__(self, fields: Sequence[Field], participants: Sequence[str]) -> None:
        self.fields = list(fields)
        self.inputs: dict[str, w.Widget] = {}
        self.errors: dict[str, w.HTML] = {}
        rows = []
        for f in self.fields:
            widget = self._input(f, participants)
            widget.add_class(f"s3-field-{f.name}")
            self.inputs[f.name] = widget
            label = _(f.label or f.name.replace("_", " ").capitalize())
            if not f.required:
                label += " " + _("(optional)")
            help_txt = f"<div class='s3-help'>{html.escape(_(f.help))}</div>" if f.help else ""
            err = w.HTML("", layout=w.Layout(margin="0 0 4px 0"))
            err.add_class("s3-field-error")
            self.errors[f.name] = err
            rows.append(w.VBox([w.HTML(f"<b>{html.escape(label)}</b>{help_txt}"), widget, err]))
        super().__init__(rows)
        self.add_class("s3-form")

    @staticmethod
    def _input(f: Field, participants: Sequence[str]) -> w.Widget:
        full = w.Layout(width="95%")
        if f.type == "text":
            return w.Textarea(layout=w.Layout(width="95%", height="70px"))
        if f.type == "line" or f.type == "patterns":
            return w.Text(
                layout=full, placeholder=_("comma-separated ids") if f.type == "patterns" else ""
            )
        if f.type == "person":
            return w.Dropdown(options=[("—", None)] + [(p, p) for p in participants], value=None)
        if f.type == "people":
            return w.SelectMultiple(options=list(participants), rows=min(6, len(participants)))
        if f.type == "date":
            return w.DatePicker()
        if f.type == "choice":
            return w.Dropdown(options=[("—", None)] + [(_(c), c) for c in f.choices], value=None)
        if f.type == "bool":
            return w.Checkbox(value=False, indent=False)
        if f.type == "int":
            return w.IntText()
        if f.type == "number":
            return w.FloatText()
        if f.type == "list":
            return w.Textarea(
                layout=w.Layout(width="95%", height="60px"), placeholder=_("one per line")
            )
        return w.Text(layout=full)

    def values(self) -> dict[str, Any]:
        """The entered values (empty optional inputs are left out)."""
        out: dict[str, Any] = {}
        for f in self.fields:
            v = self.inputs[f.name].value
            if isinstance(v, dt.date):
                v = v.isoformat()
            elif f.type == "people":
                v = list(v)
            elif f.type == "list":
                v = [x.strip() for x in v.splitlines() if x.strip()]
            elif f.type == "patterns":
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
            if f.type == "date" and isinstance(v, str):
                v = dt.date.fromisoformat(v)
            elif f.type == "list" and isinstance(v, list):
                v = "\n".join(v)
            elif f.type == "patterns" and isinstance(v, list):
                v = ", ".join(v)
            elif f.type == "people":
                v = tuple(v)
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
