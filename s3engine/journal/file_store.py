"""The file journal: the durable, append-only, hash-chained event log in one JSON Lines file.

File format: ``journal.jsonl``, one JSON object per line, human-readable, each an event as described
in :mod:`s3engine.journal.event`.

Appending: under an inter-process file lock (``journal.jsonl.lock``) the writer first reads any tail
written by other processes, then writes its line with one ``os.write`` on an ``O_APPEND`` descriptor
and ``os.fsync``s it. Only then is the event acknowledged (returned). If the write fails the file is
cut back to its previous length, so nothing is ever half-written; if even that fails, the error says
that the event may or may not be recorded (a retry with the same request id is always safe).

Reading: a reader remembers the byte offset it has read up to and reads only what follows. A last
line without its newline is either a write in progress or a torn tail left by a crash; the reader
checks again under the lock and raises :class:`TornTailError` if it is still incomplete. ``repair``
moves a torn tail to ``journal.jsonl.torn-<n>`` beside the journal and truncates it.

Allowed imports: standard library, ``orjson``, ``s3engine.journal``, ``s3engine.errors``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from s3engine.errors import JournalReadError, JournalWriteError, TornTailError
from s3engine.journal import codec, tail
from s3engine.journal.event import (
    GENESIS,
    Clock,
    VerifyReport,
    encode_line,
    shape_problem,
    utc_now,
)
from s3engine.journal.file_reads import FileReads
from s3engine.journal.lock import LockTimeout, WorkspaceLock
from s3engine.journal.store import build_event

LOCK_TIMEOUT_S = 60.0
BLOCK = 4 << 20  # bytes read at a time from a long journal


class Journal(FileReads):
    """Append-only, hash-chained event log stored in one JSON Lines file.

    Args:
        path: The journal file (``<workspace>/journal.jsonl``).
        clock: Function returning the event time; injected for deterministic demos and tests.
    """

    def __init__(self, path: Path, clock: Clock = utc_now) -> None:
        self.path = Path(path)
        self.lock = WorkspaceLock(str(self.path) + ".lock")
        self.clock = clock
        self.offset = 0
        self.last_seq = 0
        self.last_hash = GENESIS
        self._locked = 0
        self._fd: int | None = None  # kept open for appends (same inode as self.path)

    # -- reading ---------------------------------------------------------------------------------

    def start_at(self, offset: int, seq: int, last_hash: str) -> None:
        """Continue reading after a known, already verified prefix (used by snapshots)."""
        self.offset, self.last_seq, self.last_hash = offset, seq, last_hash

    def read_new(self) -> list[dict[str, Any]]:
        """Read and return the complete events appended since the last read.

        Each new event is checked to continue the chain (``seq`` and ``prev``); the full hash is
        recomputed by :meth:`verify`.

        Raises:
            TornTailError: The last line is incomplete and no writer is busy with it.
            CorruptJournalError: A line is not valid JSON or does not continue the chain.
        """
        data = self._read_tail()
        if not isinstance(data, bytes):  # a long, complete tail: read block by block
            return self._parse(data)
        if data and not data.endswith(b"\n"):
            if self._locked:
                raise TornTailError(
                    str(self.path),
                    self.offset + data.rfind(b"\n") + 1,
                    len(data) - data.rfind(b"\n") - 1,
                )
            # A writer may be in the middle of its write: look again while holding the lock.
            with self._lock():
                data = self._read_tail()
                if not isinstance(data, bytes):
                    return self._parse(data)
                if data and not data.endswith(b"\n"):
                    cut = data.rfind(b"\n") + 1
                    raise TornTailError(str(self.path), self.offset + cut, len(data) - cut)
        return self._parse(data)

    def _read_tail(self) -> bytes | Iterator[bytes]:
        """The bytes after what was read; a long tail ending with a newline as blocks."""
        try:
            st = os.stat(self.path)
            if not stat.S_ISREG(st.st_mode):
                raise _not_a_file(self.path)
            if st.st_size == self.offset:
                return b""  # nothing new: skip opening and reading the file
            if st.st_size - self.offset >= 2 * BLOCK:
                blocks = self._read_blocks()
                if blocks is not None:
                    return blocks
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                return fh.read()
        except FileNotFoundError:
            return b""
        except OSError as exc:
            raise _read_error(self.path, exc) from exc

    def _read_all(self) -> bytes | None:
        """The whole file (None when there is none yet), with typed errors."""
        try:
            if not stat.S_ISREG(os.stat(self.path).st_mode):
                raise _not_a_file(self.path)
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _read_error(self.path, exc) from exc

    def _read_blocks(self) -> Iterator[bytes] | None:
        """The tail in blocks of whole lines when it is long and complete (see :mod:`.tail`)."""
        return tail.blocks(self.path, self.offset, BLOCK)

    def _parse(self, data: bytes | Iterator[bytes]) -> list[dict[str, Any]]:
        try:
            events, pos, seq, prev = tail.parse(data, self.last_seq, self.last_hash)
        except OSError as exc:  # reading a block failed
            raise _read_error(self.path, exc) from exc
        self.offset += pos
        self.last_seq, self.last_hash = seq, prev
        return events

    # -- writing ---------------------------------------------------------------------------------

    @contextmanager
    def _lock(self) -> Iterator[None]:
        try:
            self.lock.acquire(LOCK_TIMEOUT_S)
        except LockTimeout as exc:
            raise JournalWriteError(
                f"Another program has held the workspace lock for {LOCK_TIMEOUT_S:.0f} s.",
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
        try:
            yield
        finally:
            self._locked -= 1
            self.lock.release()

    @contextmanager
    def transaction(self) -> Iterator[list[dict[str, Any]]]:
        """Hold the write lock; yield the events other processes appended since the last read.

        Callers validate against the caught-up state and then call :meth:`append_locked`.
        """
        with self._lock():
            yield self.read_new()

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
        return build_event(
            (self.last_seq, self.last_hash),
            self.clock(),
            actor,
            process,
            type_,
            data,
            auth,
            request,
        )

    def append_locked(self, event: dict[str, Any]) -> dict[str, Any]:
        """Write one event durably. The lock must be held (see :meth:`transaction`).

        Returns:
            The event, once it is on disk (after fsync).

        Raises:
            JournalWriteError: The disk refused the write; the file is left as it was.
        """
        if not self._locked:
            raise RuntimeError("append_locked() needs the journal lock")
        if event["seq"] != self.last_seq + 1 or event["prev"] != self.last_hash:
            raise RuntimeError("event does not continue the journal head")
        line = encode_line(event)
        new_file = self.offset == 0 and not self.path.exists()  # bytes were read: it exists
        fd = self._append_fd()
        try:
            size = os.fstat(fd).st_size
            if size != self.offset:  # bytes this reader has not seen: never write after them
                raise JournalWriteError(
                    f"The journal {self.path} changed unexpectedly ({size} bytes where "
                    f"{self.offset} were read). Nothing was written.",
                    "Run `s3flow verify`, then try again.",
                )
            if new_file:  # the new file's name must be durable before any event in it
                _fsync_dir(self.path.parent, strict=True)
            try:
                written = os.write(fd, line)
                if written != len(line):
                    raise OSError(errno.EIO, "short write")
                os.fsync(fd)
            except OSError as exc:
                raise self._undo(fd, size, exc) from exc
        except OSError as exc:
            self.close()
            raise JournalWriteError(
                f"The event could not be saved: {exc.strerror or exc}. Nothing was written.",
                "Free some disk space or fix the folder's permissions, then try again.",
            ) from exc
        except BaseException:
            self.close()
            raise
        self.offset += len(line)
        self.last_seq = event["seq"]
        self.last_hash = event["hash"]
        return event

    def _undo(self, fd: int, size: int, exc: OSError) -> JournalWriteError:
        """Cut the file back to ``size`` after a failed write; the error to raise."""
        try:  # leave nothing half-written
            os.ftruncate(fd, size)
            os.fsync(fd)
        except OSError:
            return JournalWriteError(
                f"The event could not be saved: {exc.strerror or exc}, and the journal could not "
                "be cut back; it may or may not hold the event.",
                "Run `s3flow verify` (and `s3flow repair` if it reports an incomplete line); "
                "retrying with the same --request-id never records an action twice.",
            )
        return JournalWriteError(
            f"The event could not be saved: {exc.strerror or exc}. Nothing was written.",
            "Free some disk space or fix the folder's permissions, then try again.",
        )

    def _append_fd(self) -> int:
        """The append descriptor, reopened if the journal file was replaced or removed."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                if os.fstat(self._fd).st_ino == os.stat(self.path).st_ino:
                    return self._fd
            self.close()
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise JournalWriteError(
                f"Cannot open the journal {self.path} for writing: {exc.strerror}.",
                "Use a workspace folder you can write to.",
            ) from exc
        return self._fd

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
        """Append one event (lock, catch up, write, fsync).

        Events read while catching up are lost to the caller, so stateful callers should use
        :meth:`transaction` instead.

        Returns:
            The event, once it is on disk.
        """
        with self.transaction():
            return self.append_locked(self.make_event(actor, process, type_, data))

    # -- checking and repairing ----------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Check the whole file: JSON, seq order, prev links and every hash.

        Raises:
            JournalReadError: The journal is not a file or cannot be read.
        """
        data = self._read_all()
        if data is None:
            return VerifyReport(True, 0)
        torn = 0
        if data and not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            torn = len(data) - cut
            data = data[:cut]
        prev, count = GENESIS, 0
        for n, raw in enumerate(data.splitlines(), start=1):
            try:
                ev, hash_ok = codec.checked(raw)
            except ValueError:
                return VerifyReport(False, count, n, "the line is not valid JSON", torn)
            why = shape_problem(ev)
            if why is None and ev["seq"] != n:
                why = f"seq is {ev['seq']!r} where {n} was expected (an event was removed, "
                why += "duplicated or moved)"
            elif why is None and ev["prev"] != prev:
                why = "prev does not match the previous event's hash (an event was removed, "
                why += "duplicated or moved)"
            elif why is None and not hash_ok:
                why = "its content does not match its hash (the event was changed)"
            if why:
                return VerifyReport(False, count, n, why, torn)
            prev = ev["hash"]
            count += 1
        return VerifyReport(
            torn == 0,
            count,
            None if torn == 0 else count + 1,
            "" if torn == 0 else f"incomplete last line ({torn} bytes)",
            torn,
        )

    def repair(self) -> tuple[int, Path | None]:
        """Cut an incomplete last line off the journal, saving it beside the journal.

        The saved copy (and its name) is durable before the journal is cut, and it is removed
        again only when the journal was not cut; after a failure ``repair`` can be run again.

        Returns:
            (number of bytes removed, path of the saved bytes or None when nothing was torn).

        Raises:
            JournalReadError: The journal is not a file or cannot be read.
            JournalWriteError: The copy could not be saved or the journal could not be cut.
        """
        with self._lock():
            data = self._read_all()
            if not data or data.endswith(b"\n"):
                return 0, None
            cut = data.rfind(b"\n") + 1
            n = 1
            while (saved := self.path.with_name(f"{self.path.name}.torn-{n}")).exists():
                n += 1
            try:
                _write_new(saved, data[cut:])
            except OSError as exc:
                raise JournalWriteError(
                    f"Cannot save the incomplete last line as {saved}: {exc.strerror or exc}. "
                    "The journal was not changed.",
                    "Free some disk space or fix the folder's permissions, then run "
                    "`s3flow repair` again.",
                ) from exc
            try:
                _cut(self.path, cut)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    if os.stat(self.path).st_size == len(data):  # not cut: no copy needed
                        os.unlink(saved)
                raise JournalWriteError(
                    f"Cannot cut the incomplete last line off {self.path}: "
                    f"{exc.strerror or exc}. Every complete event is still in it.",
                    "Fix the disk or the folder's permissions, then run `s3flow repair` again.",
                ) from exc
            return len(data) - cut, saved


def _not_a_file(path: Path) -> JournalReadError:
    return JournalReadError(
        f"The journal {path} is not a file (a folder or something else has its name).",
        f"Move {path} away and restore journal.jsonl from a backup or an export.",
    )


def _read_error(path: Path, exc: OSError) -> JournalReadError:
    if isinstance(exc, JournalReadError):
        return exc
    if isinstance(exc, IsADirectoryError):
        return _not_a_file(path)
    return JournalReadError(
        f"Cannot read the journal {path}: {exc.strerror or exc}.",
        "Check the folder's permissions and the disk, then try again.",
    )


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` holding ``data``, durably (content and name); removed on failure."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        _fsync_dir(path.parent, strict=True)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def _cut(path: Path, length: int) -> None:
    """Truncate ``path`` to ``length`` bytes, durably."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, length)
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path, strict: bool = False) -> None:
    """Fsync a directory so a newly created file's entry is durable (POSIX only).

    Args:
        path: The directory.
        strict: Raise the ``OSError`` when it fails (otherwise ignore it).
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if strict:
            raise
        return
    try:
        os.fsync(fd)
    except OSError:
        if strict:
            raise
    finally:
        os.close(fd)
