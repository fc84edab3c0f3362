"""The registry: every process kind and every event handler a workspace knows.

A workspace learns what it can run from one :class:`Registry`, built when it is opened. The default
registry reads two entry-point groups of the installed packages (s3flow's own are declared in its
``pyproject.toml``; another package can add a process kind or an event handler the same way):

* ``s3flow.processes`` — ``kind = "package.module:ProcessClass"``;
* ``s3flow.event_handlers`` — ``"event.type" = "package.module:function"``, for events that do not
  belong to a process (imported patterns, domains, circles, role assignments).

Nothing is registered by importing a module: a module that is never named here is never run.

Allowed imports: standard library, ``s3engine.errors``, ``s3engine.core.process`` (types only).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from s3engine.errors import RegistryError, UnknownProcessError

if TYPE_CHECKING:  # pragma: no cover
    from importlib import metadata  # imported when the registry is first read (~25 ms)

    from s3engine.core.process import Process
    from s3engine.core.workspace import Workspace

PROCESS_GROUP = "s3flow.processes"
HANDLER_GROUP = "s3flow.event_handlers"

Handler = Callable[["Workspace", dict[str, Any]], None]


@dataclass(frozen=True)
class Registry:
    """Process kinds and event handlers, looked up by name.

    Attributes:
        process_types: Top-level process classes by kind (``consent``, ``mits`` ...).
        handlers: Appliers for events that belong to no process, by event type.
    """

    process_types: Mapping[str, type[Process]] = field(default_factory=dict)
    handlers: Mapping[str, Handler] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "process_types", MappingProxyType(dict(self.process_types)))
        object.__setattr__(self, "handlers", MappingProxyType(dict(self.handlers)))

    def process_type(self, kind: str) -> type[Process]:
        """The process class for ``kind``.

        Raises:
            UnknownProcessError: No such kind is registered.
        """
        cls = self.process_types.get(kind)
        if cls is None:
            raise UnknownProcessError(
                f"There is no process type '{kind}'.",
                f"Choose one of: {', '.join(sorted(self.process_types))}.",
            )
        return cls

    def with_entries(
        self,
        process_types: Mapping[str, type[Process]] | None = None,
        handlers: Mapping[str, Handler] | None = None,
    ) -> Registry:
        """A new registry with extra (or replaced) entries, e.g. for a test or an embedding app."""
        return Registry(
            {**self.process_types, **(process_types or {})}, {**self.handlers, **(handlers or {})}
        )


def _load(group: str, ep: metadata.EntryPoint) -> Any:
    try:
        return ep.load()
    except (ImportError, AttributeError) as exc:
        raise RegistryError(
            f"The {group} entry '{ep.name}' ({ep.value}) cannot be loaded: {exc}.",
            "Reinstall the package that provides it, or uninstall it.",
        ) from exc


def _load_group(group: str) -> dict[str, Any]:
    from importlib import metadata

    return {ep.name: _load(group, ep) for ep in metadata.entry_points(group=group)}


class _LazyHandler:
    """An event handler imported when its first event comes (opening imports less)."""

    def __init__(self, ep: metadata.EntryPoint) -> None:
        self.ep = ep
        self.fn: Handler | None = None

    def __call__(self, ws: Workspace, event: dict[str, Any]) -> None:
        if self.fn is None:
            self.fn = _load(HANDLER_GROUP, self.ep)
        self.fn(ws, event)


@functools.cache
def default_registry() -> Registry:
    """The registry of the installed packages (read once per program).

    Process kinds are imported now (snapshots name their classes); an event handler is imported
    when the first event it handles is applied.

    Raises:
        RegistryError: s3flow's own entry points are missing (it was not installed) or one of them
            cannot be loaded.
    """
    processes = _load_group(PROCESS_GROUP)
    if "consent" not in processes:
        raise RegistryError(
            "s3flow's process kinds are not registered: the package is not installed.",
            "Install it with `pip install s3flow` (or `pip install -e .` in a checkout).",
        )
    from importlib import metadata

    handlers = {ep.name: _LazyHandler(ep) for ep in metadata.entry_points(group=HANDLER_GROUP)}
    return Registry(processes, handlers)
