"""What front ends are shown of an action: the action as possible now, for whom, with what.

Allowed imports: standard library, ``s3engine.core.definition``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from s3engine.core.definition import Field


class Lazy(list[str]):
    """A list computed only when an error message needs it (keeps validation cheap)."""

    def __init__(self, fn: Callable[[], list[str]]) -> None:
        super().__init__()
        self._fn: Callable[[], list[str]] | None = fn

    def _fill(self) -> None:
        if self._fn is not None:
            fn, self._fn = self._fn, None
            self.extend(fn())

    def __iter__(self) -> Iterator[str]:
        self._fill()
        return super().__iter__()

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def __bool__(self) -> bool:
        return len(self) > 0


@dataclass(frozen=True)
class ActionView:
    """An action available now, as front ends show it."""

    process: str
    name: str
    title: str
    role: str
    who: tuple[str, ...] | None
    fields: tuple[Field, ...]
    guidance: str
    confirm: str = ""
    #: What the form must supply before the action is possible ("" when nothing is missing).
    missing: str = ""
    #: The fields of the form that supply what is missing (shown as needed, not optional).
    needs: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain-data view."""
        return {
            "process": self.process,
            "name": self.name,
            "title": self.title,
            "role": self.role,
            "who": list(self.who) if self.who is not None else None,
            "fields": [f.as_dict() for f in self.fields],
            "guidance": self.guidance,
            "confirm": self.confirm,
            "missing": self.missing,
            "needs": list(self.needs),
        }
