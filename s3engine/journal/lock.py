"""The workspace lock: one writer at a time, across programs, waiting in line instead of polling.

The lock is ``flock(2)`` on ``journal.jsonl.lock``, on a descriptor the program keeps open, so
taking and releasing it costs two system calls. A program that finds it taken blocks in the
kernel, which wakes it as soon as the holder releases it (the ``filelock`` package used before
polled every 50 ms: a waiting writer could miss its turn again and again and wait seconds). Older
s3flow versions took the same ``flock`` on the same file, so old and new programs still exclude
each other.

Waiting is bounded. In a program's main thread, when nothing else in it uses ``SIGALRM`` or the
real-time interval timer, the caller blocks in ``flock`` itself and a one-shot ``setitimer``
interrupts it after ``timeout`` seconds (the lock goes straight to the waiting thread: a helper
thread would add a thread start and a second wake-up to every turn, which halved the throughput of
eight writers). Elsewhere the blocking call runs on a helper thread (on its own descriptor) while
the caller waits at most ``timeout`` seconds for it; a helper that gets the lock after its caller
gave up releases it at once. The lock is reentrant within one program (a count, like ``filelock``).
If the lock file is removed or replaced while held, the next acquire opens the new file, so two
programs never lock different files.

Allowed imports: standard library.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import threading
from types import FrameType


class LockTimeout(Exception):
    """The lock was not obtained within the timeout (another program holds it)."""


class _Alarm(Exception):
    """The interval timer fired while waiting in ``flock``."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Alarm()


def _alarm_is_free() -> bool:
    """Whether this thread may borrow ``SIGALRM`` and the real-time timer for a wait."""
    return (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )


class WorkspaceLock:
    """An inter-process exclusive lock on one file, kept open between uses.

    Args:
        path: The lock file (created when missing).
    """

    def __init__(self, path: str) -> None:
        self.lock_file = path
        self._fd: int | None = None
        self._id = (0, 0)  # (device, inode) of the file self._fd is open on
        self._count = 0

    @property
    def is_locked(self) -> bool:
        """Whether this program holds the lock."""
        return self._count > 0

    def acquire(self, timeout: float) -> None:
        """Take the lock (or count one more use when already held).

        Args:
            timeout: Seconds to wait for another program to release it.

        Raises:
            LockTimeout: Another program held it for ``timeout`` seconds.
            OSError: The lock file cannot be opened or locked.
        """
        if self._count:
            self._count += 1
            return
        while True:
            fd = self._fd if self._fd is not None else self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fd = self._wait(timeout)
            if self._same_file(fd):
                self._count = 1
                return
            # The file was removed or replaced meanwhile: lock the one that now has the name.
            self._drop()

    def release(self) -> None:
        """Give one use back; the last one releases the lock (the descriptor stays open)."""
        if self._count == 0:
            return
        self._count -= 1
        if self._count == 0 and self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            except OSError:
                self._drop()  # closing the descriptor releases the lock too

    def close(self) -> None:
        """Close the descriptor (releasing the lock if held)."""
        self._count = 0
        self._drop()

    def __del__(self) -> None:
        try:  # noqa: SIM105 - at interpreter exit even ``contextlib`` may be gone already
            self.close()
        except Exception:
            pass

    def _open(self) -> int:
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        self._keep(fd)
        return fd

    def _keep(self, fd: int) -> None:
        """Use ``fd`` from now on (remembering which file it is open on)."""
        try:
            st = os.fstat(fd)
        except OSError:
            os.close(fd)
            raise
        self._fd, self._id = fd, (st.st_dev, st.st_ino)

    def _drop(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def _same_file(self, fd: int) -> bool:
        """Whether the lock file's name still leads to the file ``fd`` is open on."""
        try:
            st = os.stat(self.lock_file)
        except OSError:
            return False
        return fd == self._fd and (st.st_dev, st.st_ino) == self._id

    def _wait(self, timeout: float) -> int:
        """Block until the lock is ours; the descriptor now holding it (see the module doc)."""
        if self._fd is not None and _alarm_is_free():
            return self._wait_here(self._fd, timeout)
        return self._wait_on_helper(timeout)

    def _wait_here(self, fd: int, timeout: float) -> int:
        """Block in this (the main) thread, interrupted by ``SIGALRM`` after ``timeout`` s."""
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        try:
            try:
                signal.setitimer(signal.ITIMER_REAL, max(timeout, 1e-6))
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except _Alarm:
                # The timer fired, perhaps just after the lock became ours: taking it again
                # on the same descriptor succeeds if so (or if it is free now).
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise LockTimeout(self.lock_file) from None
        finally:
            signal.signal(signal.SIGALRM, previous)  # after the timer is off: it fires no more
        return fd

    def _wait_on_helper(self, timeout: float) -> int:
        """Block on a helper thread until the lock is ours; the descriptor now holding it."""
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        got = threading.Event()
        state: dict[str, object] = {"abandoned": False, "error": None}
        guard = threading.Lock()

        def block() -> None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as exc:
                state["error"] = exc
            with guard:
                if state["abandoned"]:
                    with contextlib.suppress(OSError):
                        os.close(fd)  # releases the lock nobody waits for any more
                    return
                got.set()

        threading.Thread(target=block, name="s3flow-lock-wait", daemon=True).start()
        if not got.wait(timeout):
            with guard:
                if not got.is_set():
                    state["abandoned"] = True
                    raise LockTimeout(self.lock_file)
        error = state["error"]
        if isinstance(error, OSError):
            with contextlib.suppress(OSError):
                os.close(fd)
            raise error
        self._drop()  # the waiting descriptor is the one holding the lock now: keep it
        self._keep(fd)
        return fd
