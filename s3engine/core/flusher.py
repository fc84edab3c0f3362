"""The flusher: a large workspace's derived files written after its program ends, not before.

A program that replayed a long journal (a first open, or one after many new events) would spend
seconds at its end writing the query tables and the snapshot, after it has given its answer. Those
files are derived — the journal is the authority and they are rebuilt when missing or stale — so
when a program ends with much to write, it hands the writing to a detached copy of itself (a
double ``fork``): the copy writes the files with a lower priority and ends; the program ends at
once. Nothing acknowledged depends on it: every event is durable in the journal before it is
applied.

A fork is used only where it is safe and worth it: on POSIX, with a single thread (a program with
threads, such as a Jupyter kernel, writes the files itself), for a folder workspace (a PostgreSQL
workspace's connection cannot be shared with a copy), and when there is much to write
(:data:`DETACH_AT` processes or more). Whoever writes derived files holds
``<workspace>/derived.lock`` (:func:`derived_lock`) and never replaces files reflecting a later
journal head, so a slow detached writer cannot overwrite fresher files of a program started after
it.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from s3engine.journal.file_store import Journal

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.core.workspace import Workspace

#: Workspaces with at least this many processes write their derived files detached at exit.
DETACH_AT = 500
LOCK_NAME = "derived.lock"


@contextlib.contextmanager
def derived_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of the derived files of the workspace in ``folder`` (waiting for it).

    When the lock file cannot be created (a read-only folder) or locked, nothing is held: each
    file is still replaced atomically, only the order of two writers is then not guaranteed.
    """
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):  # unlocked, files are still replaced atomically
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def detach(ws: Workspace) -> bool:
    """Write ``ws``'s derived files in a detached process, if that is safe and worth it.

    Returns:
        True when a detached process took the writing over (or there was nothing to write);
        False when the caller must write them itself.
    """
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    if not isinstance(ws.journal, Journal):  # a database connection must not be shared
        return False
    if len(ws.loaded_processes()) < DETACH_AT:  # (a snapshot's unmade processes: unchanged)
        return False
    try:
        pid = os.fork()
    except OSError:
        return False
    if pid:  # the program: wait for the intermediate copy only (it ends at once)
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)
        return True
    try:  # the intermediate copy: its child is adopted by init, so no zombie is left behind
        if os.fork():
            os._exit(0)
        os.setsid()  # not stopped by the terminal's Ctrl-C or hang-up
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # never holds the program's pipes open
            os.dup2(null, fd)
        with contextlib.suppress(OSError):
            os.nice(10)
        ws.close()
    finally:
        os._exit(0)
