"""Pickers: choose agreements, patterns, domains, cycles and people by name, never by id.

The engine says what can be chosen (:mod:`s3engine.core.choices`: ``(value, label)`` pairs); a
picker shows the labels and gives back the values. One value: a drop-down. Several values: a tick
box per option when there are few, else a search box whose matches are added as removable chips
(the 120 patterns). No rule lives here.

Allowed imports: ipywidgets, traitlets, jupyter_ext.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as w
from traitlets import Tuple as TupleTrait

from .i18n import _

Option = tuple[str, str]
#: Up to this many options a multiple choice is a column of tick boxes.
TICKS_UP_TO = 12


def picker(options: Sequence[Option], multiple: bool) -> w.Widget:
    """A picker over ``options`` (value, label): a drop-down, or a multiple picker."""
    if multiple:
        return MultiPicker(options)
    dd = w.Dropdown(
        options=[("—", None), *[(label, value) for value, label in options]], value=None
    )
    dd.add_class("s3-picker")
    return dd


class MultiPicker(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """Choose several of ``options``; :attr:`value` is the tuple of chosen values.

    Args:
        options: ``(value, label)`` pairs in the order shown.
    """

    value = TupleTrait()

    def __init__(self, options: Sequence[Option]) -> None:
        self.options = list(options)
        self.labels = dict(self.options)
        self.ticks: dict[str, w.Checkbox] = {}
        self.search: w.Combobox | None = None
        self.chips = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        super().__init__()
        self.add_class("s3-picker")
        self.add_class("s3-multi-picker")
        if len(self.options) <= TICKS_UP_TO:
            for v, label in self.options:
                box = w.Checkbox(value=False, description=label, indent=False)
                box.add_class("s3-tick")
                box.observe(lambda _c: self._from_ticks(), names="value")
                self.ticks[v] = box
            self.children = list(self.ticks.values())
        else:
            self.search = w.Combobox(
                options=[label for _v, label in self.options],
                placeholder=_("Type to search, then choose"),
                ensure_option=True,
                layout=w.Layout(width="95%"),
            )
            self.search.add_class("s3-picker-search")
            self.search.observe(self._found, names="value")
            self.children = [self.search, self.chips]
        self.observe(lambda _c: self._show(), names="value")

    def _from_ticks(self) -> None:
        self.value = tuple(v for v, box in self.ticks.items() if box.value)

    def _found(self, change: dict[str, Any]) -> None:
        label = change["new"]
        value = next((v for v, lab in self.options if lab == label), None)
        if value is None or self.search is None:
            return
        if value not in self.value:
            self.value = (*self.value, value)
        self.search.value = ""

    def _remove(self, value: str) -> None:
        self.value = tuple(v for v in self.value if v != value)

    def _show(self) -> None:
        """Mirror :attr:`value` in the tick boxes or the chips."""
        if self.ticks:
            for v, box in self.ticks.items():
                if box.value != (v in self.value):
                    box.value = v in self.value
            return
        chips = []
        for v in self.value:
            b = w.Button(
                description=f"{self.labels.get(v, v)} ✕",
                tooltip=_("Remove"),
                layout=w.Layout(width="auto"),
            )
            b.add_class("s3-chip-remove")
            b.on_click(lambda _b, v=v: self._remove(v))
            chips.append(b)
        self.chips.children = chips
