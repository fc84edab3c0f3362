"""The workspace lock: waiting in line, bounded by a timeout, in the main thread and elsewhere."""

from __future__ import annotations

import fcntl
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3engine.journal.lock import LockTimeout, WorkspaceLock


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The lock file, and a descriptor holding the lock (as another program would)."""
    path = str(tmp_path / "journal.jsonl.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    yield path, fd
    os.close(fd)


def timer_is_off() -> bool:
    return signal.getsignal(signal.SIGALRM) == signal.SIG_DFL and signal.getitimer(
        signal.ITIMER_REAL
    ) == (0.0, 0.0)


def test_the_main_thread_waits_for_the_lock_and_gets_it_when_released(
    held: tuple[str, int],
) -> None:
    path, fd = held
    timer: list[float] = []

    def release() -> None:
        timer.append(signal.getitimer(signal.ITIMER_REAL)[0])
        fcntl.flock(fd, fcntl.LOCK_UN)

    threading.Timer(0.2, release).start()
    lock = WorkspaceLock(path)
    t = time.monotonic()
    lock.acquire(5)
    assert 0.15 < time.monotonic() - t < 4 and lock.is_locked
    assert 0 < timer[0] < 5  # it waited in flock itself, the timer set to end the wait
    assert timer_is_off()
    with pytest.raises(BlockingIOError):  # it is really ours
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    lock.close()


def test_the_main_thread_gives_up_after_the_timeout(held: tuple[str, int]) -> None:
    path, _ = held
    lock = WorkspaceLock(path)
    t = time.monotonic()
    with pytest.raises(LockTimeout):
        lock.acquire(0.3)
    assert 0.25 < time.monotonic() - t < 3 and not lock.is_locked
    assert timer_is_off()  # SIGALRM and the timer are given back
    lock.close()


def test_another_thread_waits_on_a_helper_and_gives_up_too(held: tuple[str, int]) -> None:
    path, fd = held
    lock = WorkspaceLock(path)
    out: list[object] = []

    def wait() -> None:
        try:
            lock.acquire(0.3)
            out.append("got it")
        except LockTimeout as exc:
            out.append(exc)

    worker = threading.Thread(target=wait)
    worker.start()
    worker.join(5)
    assert len(out) == 1 and isinstance(out[0], LockTimeout)
    fcntl.flock(fd, fcntl.LOCK_UN)
    worker = threading.Thread(target=wait)
    worker.start()
    worker.join(5)
    assert out[1] == "got it" and lock.is_locked
    lock.close()


def test_a_program_using_sigalrm_keeps_its_handler(held: tuple[str, int]) -> None:
    path, _ = held
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        lock = WorkspaceLock(path)
        with pytest.raises(LockTimeout):
            lock.acquire(0.3)  # waited on a helper thread instead
        assert fired == [] and signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, None)
        lock.close()
    finally:
        signal.signal(signal.SIGALRM, previous)
