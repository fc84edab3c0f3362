"""A table input for a ``rows`` field: a line of inputs per entry, added and removed by buttons.

The engine's field names the columns (``Field.columns``): a line is a text box, a choice a drop-down
of its values. The MiTS start form enters its local actors this way (name, type, representative)
instead of a typed syntax. :attr:`RowsInput.value` is the list of rows filled in (wholly empty rows
are left out); the engine checks them.

Allowed imports: ipywidgets, traitlets, s3engine, jupyter_ext.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
from traitlets import List as ListTrait

from s3engine.core.definition import Field

from .i18n import _


class RowsInput(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """Rows of inputs for ``columns``, with "Add" and a remove button on each row.

    Args:
        columns: The fields of one row.
        rows: How many empty rows to show at first.
    """

    value = ListTrait()  # type: ignore[var-annotated]  # traitlets: no type parameters

    def __init__(self, columns: Sequence[Field], rows: int = 1) -> None:
        self.columns = list(columns)
        self.rows: list[dict[str, w.Widget]] = []
        self.table = w.VBox()
        self.add = w.Button(description=_("Add a row"), icon="plus", layout=w.Layout(width="auto"))
        self.add.add_class("s3-row-add")
        self.add.on_click(lambda _b: self.add_row())
        head = "".join(
            f"<span style='display:inline-block;width:30%'><b>{html.escape(_(self._label(c)))}"
            f"</b>{'' if c.required else ' ' + html.escape(_('(optional)'))}</span>"
            for c in self.columns
        )
        super().__init__([w.HTML(head), self.table, self.add])
        self.add_class("s3-rows")
        self._syncing = False
        for _n in range(rows):
            self.add_row()
        self.observe(self._from_value, names="value")

    @staticmethod
    def _label(c: Field) -> str:
        return c.label or c.name.replace("_", " ").capitalize()

    def add_row(self, values: dict[str, Any] | None = None) -> None:
        """Add a row of inputs (filled with ``values``)."""
        cells: dict[str, w.Widget] = {}
        n = len(self.rows) + 1
        for c in self.columns:
            if c.type == "choice":
                cell = w.Dropdown(
                    options=[("—", None), *[(_(x), x) for x in c.choices]],
                    value=None,
                    layout=w.Layout(width="30%"),
                )
            else:
                cell = w.Text(layout=w.Layout(width="30%"))
            cell.tooltip = f"{_(self._label(c))} {n}"  # its name for screen readers
            if c.type != "choice":
                cell.placeholder = _(self._label(c))
            cell.add_class(f"s3-cell-{c.name}")
            value = (values or {}).get(c.name)
            if value is not None and (c.type != "choice" or value in c.choices):
                cell.value = value
            cell.observe(lambda _c: self._to_value(), names="value")
            cells[c.name] = cell
        remove = w.Button(icon="trash", tooltip=_("Remove this row"), layout=w.Layout(width="40px"))
        remove.add_class("s3-row-remove")
        row = w.HBox([*cells.values(), remove])
        row.add_class("s3-row")
        remove.on_click(lambda _b: self.remove_row(cells))
        self.rows.append(cells)
        self.table.children = [*self.table.children, row]
        self._to_value()

    def remove_row(self, cells: dict[str, w.Widget]) -> None:
        """Remove the row made of ``cells``."""
        k = next(i for i, r in enumerate(self.rows) if r is cells)
        del self.rows[k]
        kids = list(self.table.children)
        kids.pop(k).close()
        self.table.children = kids
        self._to_value()

    def _to_value(self) -> None:
        if self._syncing:
            return
        out = []
        for cells in self.rows:
            row = {k: v.value for k, v in cells.items() if v.value not in (None, "")}
            if row:
                out.append(row)
        self._syncing = True
        try:
            self.value = out
        finally:
            self._syncing = False

    def _from_value(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            for cells in list(self.rows):
                self.remove_row(cells)
            for row in change["new"] or [{}]:
                self.add_row(row if isinstance(row, dict) else {})
        finally:
            self._syncing = False
        self._to_value()
