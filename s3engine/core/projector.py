"""The projector: bringing the query side up to date after events are applied.

Live, each applied event is projected at once: the root process's row of ``processes`` and the
records of every process in the chain from the root to the one that changed. While a workspace
catches up with many events (``Projection.before_read`` is set then), consecutive events of one
root process are projected once, when another root's event, an event of no process or a read of
the query side comes; that leaves the tables exactly as projecting after every event would
(tested by ``tests/test_transition.py`` and the hypothesis suites).

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from s3engine.core.history import slim

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.core.process import Process
    from s3engine.core.projection import Projection

#: The root whose events are applied but not yet projected, and those events' processes.
Pending = tuple["Process", dict[str, tuple["Process", dict[str, Any]]]]


class Projector:
    """Projects processes into the query-side tables (see the module docstring).

    Args:
        tables: The workspace's query side.
    """

    def __init__(self, tables: Projection) -> None:
        self.tables = tables
        self.pending: Pending | None = None

    def on_changed(self, proc: Process, event: dict[str, Any]) -> None:
        """Update the query side for the root of ``proc`` (while catching up: when settled)."""
        if self.tables.before_read is None:
            self.project(proc, event)
            return
        root = proc.root
        if self.pending is not None and self.pending[0] is not root:
            self.settle()
        if self.pending is None:
            self.pending = (root, {})
        touched = self.pending[1]
        touched.pop(proc.id, None)
        touched[proc.id] = (proc, event)

    def settle(self) -> None:
        """Project the root process whose events were applied but not yet projected."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        root, touched = pending
        # Each process is projected after the last event whose chain (root ... process) held it,
        # in the order those events came and root first within one chain: the order in which
        # projecting after every event would have written each table key the last time.
        order: dict[str, tuple[int, int, Process]] = {}
        last: dict[str, Any] = {}
        for n, (proc, event) in enumerate(touched.values()):
            if proc._event is event:  # (not if a read in its next event settles this)
                proc._event = slim(event)  # the event itself is not kept: its data can be large
            depth = 0
            p: Process | None = proc
            while p is not None:
                order[p.id] = (n, -depth, p)
                depth += 1
                p = p.parent
            last = event
        before = self.tables.before_read
        self.tables.before_read = None  # projecting reads the tables: no recursion
        try:
            self.tables.put("processes", root.id, root.summary_row(last))
            for _n, _d, p in sorted(order.values(), key=lambda x: (x[0], x[1])):
                for table, key, doc in p.project():
                    self.tables.put(table, key, doc)
        finally:
            self.tables.before_read = before

    def project(self, proc: Process, event: dict[str, Any]) -> None:
        """Project the root of ``proc`` and the chain from it to ``proc`` now."""
        if proc._event is event:
            proc._event = slim(event)  # the event itself is not kept: its data can be large
        root = proc.root
        row = root.summary_row(event)
        self.tables.put("processes", root.id, row)
        chain: list[Process] = []
        p: Process | None = proc
        while p is not None:
            chain.append(p)
            p = p.parent
        for p in reversed(chain):
            for table, key, doc in p.project():
                self.tables.put(table, key, doc)
