"""Live screens: every open view shows what any program appended to the journal within a second.

One watcher per workspace in this kernel looks at the journal file about every 0.2 s (one
``os.stat``; the journal only ever grows, so a change in size or modification time means new
events). When it changes, the watcher applies the new tail (the journal is the only authority) and
redraws every registered view that does not show the workspace's last event yet, whoever applied
it: the watcher, a button's action (which catches up before it writes) or an action s3flow took by
itself (:func:`~s3engine.core.schedule.run_due`, such as revealing a round). Views keep what their
user is typing; the widget updates travel on IOPub to every browser showing the view; a closed
view is dropped. This runs in JupyterLab and Voila kernels alike
(tests/test_participation_browser.py: a participant's click shows on the facilitator's screen in
about 0.2 s).

One thing at a time: the watcher is a task on the kernel's event loop, but JupyterLab (4.4 and
later, with ipykernel 7) hands widget messages to a kernel subshell, another thread, so a button's
callback could run while the watcher reads the journal. A workspace is not made for two threads at
once: a read during another thread's append counts the new line twice, and every later read of
that kernel fails. So every widget message is handled holding the kernel's :data:`LOCK`
(:func:`serialize_messages`), and the watcher looks only while it holds it too; while a callback
is busy it looks again at its next tick (tests/test_live.py).

A workspace in PostgreSQL has no file to look at: every committed append sends a notification
(``NOTIFY s3flow_journal`` with the workspace's name, :mod:`s3engine.journal.pg_store`), and the
watcher listens on a connection of its own (:class:`PgListener`); the event loop wakes it as soon
as the socket has something to read, so the new events are applied at once
(tests/test_hub_browser.py runs a whole hidden round this way, across JupyterHub users). If that
connection is lost, the watcher connects again (within about a second) and catches up.

Allowed imports: standard library, psycopg (lazily, for a PostgreSQL workspace), s3engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import threading
import weakref
from typing import Any, Protocol

from s3engine.core.schedule import run_due
from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error

INTERVAL_S = 0.2
DUE_EVERY = 25  # look for due actions (closing times) about every 5 s
LISTEN_EVERY = 5  # listen again to a database whose connection was lost, about every second
log = logging.getLogger(__name__)
#: Held while a widget handles a message from the browser and while the watcher looks and redraws
#: (reentrant: a callback may redraw, a redraw may catch up).
LOCK = threading.RLock()


class LiveView(Protocol):
    """A view that can redraw itself after new events (keeping what its user is typing).

    A view may also say which event it shows (``shown_head``, the workspace's ``head`` when it
    last drew); the watcher then leaves it alone when it shows the last event already.
    """

    def live_refresh(self) -> None:
        """Redraw from the (already caught-up) workspace."""


def serialize_messages(widget_class: Any) -> None:
    """Make every widget of ``widget_class`` handle its browser messages holding :data:`LOCK`.

    Called once when the widgets are loaded (:mod:`jupyter_ext.stepper`), before any is made: a
    widget hands its message handler to its comm when it opens. Calling it again does nothing.

    Args:
        widget_class: ``ipywidgets.Widget`` (every widget's base class).
    """
    handle = widget_class._handle_msg
    if getattr(handle, "s3flow_locked", False):
        return

    @functools.wraps(handle)
    def locked(self: Any, msg: Any) -> Any:
        with LOCK:
            return handle(self, msg)

    locked.s3flow_locked = True  # type: ignore[attr-defined]
    widget_class._handle_msg = locked


class PgListener:
    """``LISTEN`` for new events of one PostgreSQL workspace, on a connection of its own.

    Args:
        conninfo: The database's libpq URL (without s3flow's parameters).
        workspace: The workspace's name (notifications for other workspaces are ignored).
    """

    def __init__(self, conninfo: str, workspace: str) -> None:
        import psycopg

        from s3engine.journal.pg_store import CHANNEL

        self.workspace = workspace
        self.conn = psycopg.connect(conninfo, autocommit=True)
        self.conn.execute(f"LISTEN {CHANNEL}")

    def fileno(self) -> int:
        """The connection's socket (readable when a notification arrived)."""
        return int(self.conn.fileno())

    def pending(self) -> bool:
        """Read what arrived; True when some of it is about this workspace."""
        mine = False
        for note in self.conn.notifies(timeout=0):
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                mine = mine or json.loads(note.payload).get("workspace") == self.workspace
        return mine

    def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(Exception):
            self.conn.close()


class Watcher:
    """Watches one workspace's journal and redraws the views registered with it.

    Args:
        ws: The workspace.
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.views: weakref.WeakSet[Any] = weakref.WeakSet()
        self._seen = self._stamp()
        self._drawn = ws.head  # the last event the views were redrawn for
        self._missed = False  # a notification came while a widget was busy
        self._ticks = 0
        self.task: asyncio.Task[None] | None = None
        self.listener: PgListener | None = None
        self._warned = False
        self.loop: asyncio.AbstractEventLoop | None = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a plain script or a test): call poll() yourself
            return
        self.loop = loop
        self.listen()
        self.task = loop.create_task(self._run())

    def listen(self) -> None:
        """For a PostgreSQL workspace: listen for its notifications (again, after a loss)."""
        target: Any = getattr(self.ws, "target", None)
        if self.loop is None or not hasattr(target, "conninfo") or self.listener is not None:
            return
        try:
            self.listener = PgListener(target.conninfo, target.workspace)
        except Exception:  # the database is not reachable now: the next look tries again
            if not self._warned:
                log.warning("live updates: cannot listen to the database; trying again")
            self._warned = True
            return
        self._warned = False
        self.loop.add_reader(self.listener.fileno(), self._notified)
        self.poll()  # what was appended before listening started (or while it was lost)

    def _notified(self) -> None:
        listener = self.listener
        if listener is None:
            return
        try:
            mine = listener.pending()
        except Exception:  # the connection was lost: drop it, the next look listens again
            self._drop_listener()
            return
        if mine:
            self._missed = True
            if LOCK.acquire(blocking=False):  # else the next look, once the widget is done
                try:
                    self.poll()
                finally:
                    LOCK.release()

    def _drop_listener(self) -> None:
        if self.listener is not None:
            if self.loop is not None:
                with contextlib.suppress(Exception):
                    self.loop.remove_reader(self.listener.fileno())
            self.listener.close()
            self.listener = None

    def _stamp(self) -> tuple[int, int]:
        path = getattr(self.ws.journal, "path", None)  # a PostgreSQL journal has no file
        if path is None:
            return (self.ws.journal.position, 0)
        try:
            st = os.stat(path)
        except OSError:
            return (0, 0)
        return (st.st_size, st.st_mtime_ns)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(INTERVAL_S)
            self.look()

    def look(self) -> bool:
        """One look (the task takes one every ``INTERVAL_S``): catch up and redraw if needed.

        Returns:
            False when a widget was handling a message (nothing was read; look again later).
        """
        if not LOCK.acquire(blocking=False):
            return False
        try:
            self._ticks += 1
            if self._ticks % DUE_EVERY == 0:
                self.run_due()
            if self._ticks % LISTEN_EVERY == 0:
                self.listen()
            if self._missed or self._stamp() != self._seen or self.ws.head != self._drawn:
                self.poll()
        except Exception:  # never let one bad look end live updates for good
            log.exception("live update failed; trying again")
        finally:
            LOCK.release()
        return True

    def run_due(self) -> None:
        """Take what is due now (a round whose closing time came) when this kernel can."""
        if self.ws.sealed.usable:
            run_due(self.ws)

    def poll(self) -> None:
        """Apply new events now; redraw every view that does not show the last event yet."""
        with LOCK:
            self._missed = False
            self._seen = self._stamp()
            failed = False
            try:
                self.ws.refresh()
            except S3Error:
                failed = True  # the views show the error when they refresh
            head = self.ws.head
            if head == self._drawn and not failed:
                return
            self._drawn = head
            for view in list(self.views):
                if getattr(view, "comm", True) is None:  # a closed widget: nobody sees it now
                    self.views.discard(view)
                    continue
                if not failed and getattr(view, "shown_head", None) == head:
                    continue  # it drew the last event itself (after its own action)
                with contextlib.suppress(Exception):  # one broken view must not stop the others
                    view.live_refresh()

    def stop(self) -> None:
        """Stop watching."""
        if self.task is not None:
            self.task.cancel()
        self._drop_listener()


_WATCHERS: dict[int, Watcher] = {}


def watcher(ws: Workspace) -> Watcher:
    """The watcher of ``ws`` in this kernel (started on first use)."""
    found = _WATCHERS.get(id(ws))
    if found is None or found.ws is not ws:
        found = Watcher(ws)
        _WATCHERS[id(ws)] = found
    return found


def follow(view: LiveView, ws: Workspace) -> Watcher:
    """Keep ``view`` live: it is redrawn whenever any program appends to the journal."""
    w = watcher(ws)
    w.views.add(view)
    return w
