"""Appending to the file journal: the write lock, one line per event, and group commit.

:class:`FileAppends` is a base class of :class:`s3engine.journal.file_store.Journal`.

Appending: under the workspace lock (:mod:`s3engine.journal.lock`) the writer reads the tail other
programs wrote (:meth:`FileAppends.transaction`), checks that the file holds exactly the bytes it
has read (it never writes after bytes it has not seen), and writes its line with one ``os.write``
on an ``O_APPEND`` descriptor. It calls ``fsync`` right after releasing the lock, and only then
is the event acknowledged (the transaction ends, :meth:`FileAppends.append` returns). If the write
fails the file is cut back to its length before the transaction, so nothing is ever half-written;
if even that fails, the error says that the event may or may not be recorded (a retry with the
same request id is always safe).

Group commit: writers queue for the lock; while one waits for its ``fsync``, the next one already
writes, and one ``fsync`` (one commit of the file system's journal) covers the lines of several
writers. It is safe because:

* An event is acknowledged only after an ``fsync`` that its writer started after writing it, and
  ``fsync`` makes durable everything written to the file before it started, whoever wrote it. So
  when an event is acknowledged, every line before it is durable too: a power loss removes only
  unacknowledged lines at the end (perhaps leaving a torn last line, which readers report and
  ``repair`` cuts off). A killed program (``kill -9``) loses nothing it wrote: it is in the
  kernel's page cache, which every program reads.
* Other programs may read a line, and a writer build on it, before it is durable. They all see
  the same bytes; if the power fails first, that line vanishes, but only together with every line
  after it, none of which was acknowledged (their own ``fsync`` would have saved it first). Readers
  never took the lock, so they could always see a line a moment before its ``fsync``.
* A failed ``fsync``: the writer takes the lock again, writes its lines again in place and
  fsyncs them (after a write-back error Linux may have dropped the dirty pages); if that works
  the events are recorded. Otherwise it cuts its lines off if nobody wrote after them ("Nothing
  was written"), or says the events may or may not be recorded. Linux reports a write-back error
  to every descriptor open on the file at the time, and each writer keeps its descriptor open, so
  a writer that built on a lost line sees the error on its own ``fsync`` and acknowledges nothing.

Allowed imports: standard library, ``s3engine.journal``, ``s3engine.errors``.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from s3engine.errors import JournalWriteError
from s3engine.journal import codec
from s3engine.journal.event import Clock
from s3engine.journal.lock import LockTimeout, WorkspaceLock
from s3engine.journal.store import build_event_line


class _Unsynced:
    """The head before this program's first line not yet fsynced, and the lines since."""

    __slots__ = ("hash", "lines", "offset", "seq")

    def __init__(self, offset: int, seq: int, hash_: str) -> None:
        self.offset, self.seq, self.hash = offset, seq, hash_
        self.lines: list[bytes] = []


class FileAppends:
    """The writing half of the file journal (mixed into :class:`~.file_store.Journal`)."""

    #: Writers should catch up with what others appended before taking the lock too (reading
    #: a file is cheap, and every microsecond under the lock delays the writers queued for it).
    reads_ahead = True

    path: Path
    lock: WorkspaceLock
    clock: Clock
    offset: int
    last_seq: int
    last_hash: str
    _locked: int
    _fd: int | None  # kept open for appends
    _fd_id: tuple[int, int]  # (device, inode) of the file _fd is open on
    _unsynced: _Unsynced | None
    _where: str  # str(path)
    _hold: int  # counts the times the lock was taken (not counting re-entries)
    _seen: tuple[int, os.stat_result] | None  # the journal's stat by read_new, in which hold
    _made: tuple[dict[str, Any], bytes] | None = None  # the last event made, and its line

    if TYPE_CHECKING:  # provided by the journal class

        def read_new(self) -> list[dict[str, Any]]:
            """The events appended since the last read."""

        def note_start(self, seq: int, offset: int) -> None:
            """Remember where event ``seq`` starts."""

        def lock_timeout(self) -> float:
            """Seconds to wait for the lock."""

    def _take(self) -> None:
        """Take the write lock (counted: taking it again while held is free)."""
        timeout = self.lock_timeout()
        try:
            self.lock.acquire(timeout)
        except LockTimeout as exc:
            raise JournalWriteError(
                f"Another program has held the workspace lock for {timeout:.0f} s.",
                "Close the other s3flow programs using this workspace (a program that has ended "
                "never holds it), then try again.",
            ) from exc
        except PermissionError as exc:
            raise JournalWriteError(
                f"Cannot create the lock file {self.lock.lock_file}: permission denied.",
                "Use a workspace folder you can write to (--workspace DIR).",
            ) from exc
        except OSError as exc:
            raise JournalWriteError(
                f"Cannot lock the workspace ({self.lock.lock_file}): {exc.strerror or exc}. "
                "Nothing was written.",
                "Use a workspace folder on a writable disk with free space, then try again.",
            ) from exc
        self._locked += 1
        if self._locked == 1:
            self._hold += 1

    def _give(self) -> None:
        """Give the write lock back; once released, make this program's new lines durable.

        Raises:
            JournalWriteError: They could not be made durable (see :meth:`_synced`).
        """
        self._locked -= 1
        self.lock.release()
        if not self._locked and self._unsynced is not None:
            self._sync()

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self._take()
        try:
            yield
        finally:
            self._give()

    def transaction(self) -> AbstractContextManager[list[dict[str, Any]]]:
        """Hold the write lock; yield the events other processes appended since the last read.

        Callers validate against the caught-up state and then call :meth:`append_locked`. The
        events written are durable when the ``with`` block has ended (the ``fsync`` follows the
        release of the lock), so callers acknowledge them only then.
        """
        return _Transaction(self)

    def make_event(
        self,
        actor: str,
        process: str,
        type_: str,
        data: dict[str, Any],
        auth: dict[str, str] | None = None,
        request: str | None = None,
    ) -> dict[str, Any]:
        """Build (but do not write) the next event, chained to the current head.

        Args:
            actor: On whose behalf the event is recorded.
            process: The process id ("" for none).
            type_: The event type.
            data: The event data.
            auth: How the person acting was authenticated (see :mod:`s3engine.journal.event`).
            request: The caller's id for this action (retries with the same id are recognised).
        """
        head = (self.last_seq, self.last_hash)
        ev, line = build_event_line(head, self.clock(), actor, process, type_, data, auth, request)
        self._made = (ev, line)
        return ev

    def append_locked(self, event: dict[str, Any]) -> dict[str, Any]:
        """Write one event. The lock must be held (see :meth:`transaction`).

        The event is durable once the lock is released (see the module docstring). An event
        from :meth:`make_event` is written as it was made (its line was encoded with its hash);
        change nothing in it.

        Returns:
            The event, written.

        Raises:
            JournalWriteError: The disk refused the write; the file is left as it was before
                this transaction wrote anything.
        """
        if not self._locked:
            raise RuntimeError("append_locked() needs the journal lock")
        if event["seq"] != self.last_seq + 1 or event["prev"] != self.last_hash:
            raise RuntimeError("event does not continue the journal head")
        made, self._made = self._made, None
        line = made[1] if made is not None and made[0] is event else codec.line(event)
        fd, size, new_file = self._append_fd()
        if size != self.offset:  # bytes this reader has not seen: never write after them
            self.close()
            raise JournalWriteError(
                f"The journal {self.path} changed unexpectedly ({size} bytes where "
                f"{self.offset} were read). Nothing was written.",
                "Run `s3flow verify`, then try again.",
            )
        mark = self._unsynced or _Unsynced(self.offset, self.last_seq, self.last_hash)
        try:
            if new_file:  # the new file's name must be durable before any event in it
                _fsync_dir(self.path.parent)
            written = os.write(fd, line)
            if written != len(line):
                raise OSError(errno.EIO, "short write")
        except OSError as exc:
            raise self._undo(fd, mark, exc) from exc
        except BaseException:
            self._unsynced = mark if mark.lines else None
            self.close()
            raise
        mark.lines.append(line)
        self._unsynced = mark
        self.note_start(event["seq"], self.offset)
        self.offset += len(line)
        self.last_seq = event["seq"]
        self.last_hash = event["hash"]
        return event

    def _undo(self, fd: int, mark: _Unsynced, exc: OSError) -> JournalWriteError:
        """Cut the file back to the mark after a failed write (lock held); the error to raise."""
        self._rewind(mark)
        try:  # leave nothing half-written
            os.ftruncate(fd, mark.offset)
            os.fsync(fd)
        except OSError:
            self.close()
            return _may_hold(exc)
        self.close()
        return _nothing_written(exc)

    def _rewind(self, mark: _Unsynced) -> None:
        """Forget this program's unsynced lines: the next read finds whatever the file holds.

        (The journal's index of where events start drops the forgotten ones at the next event
        it notes, which no longer continues it.)
        """
        self.offset, self.last_seq, self.last_hash = mark.offset, mark.seq, mark.hash
        self._unsynced = None

    def _sync(self) -> None:
        """Fsync the lines written under the lock just released; recover if that fails."""
        mark = self._unsynced
        self._unsynced = None
        if mark is None:
            return
        try:
            if self._fd is None:
                raise OSError(errno.EBADF, "the journal was closed before its lines were saved")
            os.fsync(self._fd)
        except OSError as exc:
            self._synced(mark, exc)

    def _synced(self, mark: _Unsynced, exc: OSError) -> None:
        """After a failed fsync: under the lock again, save the lines again or take them back.

        Returns (the events are recorded) when writing them again in place and fsyncing worked.

        Raises:
            JournalWriteError: Nothing was written (the lines were cut off), or the events may
                or may not be recorded.
        """
        end = self.offset
        try:
            self._take()
        except JournalWriteError:
            self._rewind(mark)
            self.close()
            raise _may_hold(exc) from exc
        try:
            fd = self._fd
            try:
                st = os.stat(self.path)
                ours = fd is not None and (st.st_dev, st.st_ino) == self._fd_id
            except OSError:
                ours = False
            if ours and st.st_size >= end and _rewrite(self.path, mark) is None:
                return  # saved after all
            self._rewind(mark)
            if ours and st.st_size == end and fd is not None:  # nobody wrote after us
                try:
                    os.ftruncate(fd, mark.offset)
                    os.fsync(fd)
                except OSError:
                    pass
                else:
                    self.close()
                    raise _nothing_written(exc) from exc
            self.close()
            raise _may_hold(exc) from exc
        finally:
            self._locked -= 1
            self.lock.release()

    def _append_fd(self) -> tuple[int, int, bool]:
        """The append descriptor, the journal's size, and whether the file is new.

        The descriptor is reopened if the journal was replaced or removed.
        """
        seen, self._seen = self._seen, None
        st: os.stat_result | None = None
        if (
            seen is not None
            and seen[0] == self._hold
            and self._fd is not None
            and (seen[1].st_dev, seen[1].st_ino) == self._fd_id
        ):
            # The name still led to our file when read_new looked, under this same hold of the
            # lock; the size is taken now, right before the write (seeking to the end of an
            # O_APPEND descriptor changes nothing for its writes, and costs less than fstat).
            with contextlib.suppress(OSError):
                return self._fd, os.lseek(self._fd, 0, os.SEEK_END), False
        try:
            st = os.stat(self._where)
        except OSError:
            st = None
        if self._fd is not None:
            if st is not None and (st.st_dev, st.st_ino) == self._fd_id:
                return self._fd, st.st_size, False
            self.close()
        try:
            fd = os.open(self._where, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise JournalWriteError(
                f"Cannot open the journal {self.path} for writing: {exc.strerror}.",
                "Use a workspace folder you can write to.",
            ) from exc
        try:
            now = os.fstat(fd)
        except OSError as exc:
            os.close(fd)
            raise JournalWriteError(
                f"The event could not be saved: {exc.strerror or exc}. Nothing was written.",
                "Free some disk space or fix the folder's permissions, then try again.",
            ) from exc
        self._fd, self._fd_id = fd, (now.st_dev, now.st_ino)
        return fd, now.st_size, st is None and self.offset == 0

    def close(self) -> None:
        """Close the append descriptor (it is reopened on the next append)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        try:  # noqa: SIM105 - at interpreter exit even ``contextlib`` may be gone already
            self.close()
        except Exception:
            pass

    def append(self, actor: str, process: str, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        """Append one event (lock, catch up, write, unlock, fsync).

        Events read while catching up are lost to the caller, so stateful callers should use
        :meth:`transaction` instead.

        Returns:
            The event, once it is on disk.
        """
        with self.transaction():
            event = self.append_locked(self.make_event(actor, process, type_, data))
        return event


class _Transaction(AbstractContextManager[list[dict[str, Any]]]):
    """:meth:`FileAppends.transaction` (a class: cheaper than a generator-based one)."""

    __slots__ = ("journal",)

    def __init__(self, journal: FileAppends) -> None:
        self.journal = journal

    def __enter__(self) -> list[dict[str, Any]]:
        journal = self.journal
        journal._take()
        try:
            return journal.read_new()
        except BaseException:
            journal._give()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self.journal._give()


def _rewrite(path: Path, mark: _Unsynced) -> OSError | None:
    """Write the unsynced lines again where they are and fsync them; the error, if any."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as exc:
        return exc
    try:
        at = mark.offset
        for line in mark.lines:
            if os.pwrite(fd, line, at) != len(line):
                return OSError(errno.EIO, "short write")
            at += len(line)
        os.fsync(fd)
    except OSError as exc:
        return exc
    finally:
        os.close(fd)
    return None


def _nothing_written(exc: OSError) -> JournalWriteError:
    return JournalWriteError(
        f"The event could not be saved: {exc.strerror or exc}. Nothing was written.",
        "Free some disk space or fix the folder's permissions, then try again.",
    )


def _may_hold(exc: OSError) -> JournalWriteError:
    return JournalWriteError(
        f"The event could not be saved: {exc.strerror or exc}, and the journal could not be cut "
        "back; it may or may not hold the event.",
        "Run `s3flow verify` (and `s3flow repair` if it reports an incomplete line); "
        "retrying with the same --request-id never records an action twice.",
    )


def _fsync_dir(path: Path) -> None:
    """Fsync a directory so a newly created file's entry is durable (POSIX only).

    Raises:
        OSError: It could not be opened or fsynced.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
