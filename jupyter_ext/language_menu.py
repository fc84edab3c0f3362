"""The language menu every panel shows.

Allowed imports: ipywidgets, jupyter_ext.i18n.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from . import i18n
from .i18n import _


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
            layout=w.Layout(width="160px"),
        )
        self.add_class("s3-language")

        def changed(change: dict[str, Any]) -> None:
            i18n.set_language(change["new"])
            on_change()

        self.observe(changed, names="value")
