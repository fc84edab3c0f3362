"""The file journal: the durable, append-only, hash-chained event log in one JSON Lines file.

File format: ``journal.jsonl``, one JSON object per line, human-readable, each an event as described
in :mod:`s3engine.journal.event`.

Appending (:mod:`s3engine.journal.file_append`): under an inter-process file lock
(``journal.jsonl.lock``) the writer first reads any tail written by other processes, then writes its
line with one ``os.write`` on an ``O_APPEND`` descriptor; it fsyncs it right after releasing the
lock (so that writers queued behind it write meanwhile: group commit), and only then is the event
acknowledged. If the write fails the file is cut back, so nothing is ever half-written; if even
that fails, the error says that the event may or may not be recorded (a retry with the same request
id is always safe).

Reading: a reader remembers the byte offset it has read up to and reads only what follows. A last
line without its newline is either a write in progress or a torn tail left by a crash; the reader
checks again under the lock and raises :class:`TornTailError` if it is still incomplete. ``repair``
moves a torn tail to ``journal.jsonl.torn-<n>`` beside the journal and truncates it.

Allowed imports: standard library, ``orjson``, ``s3engine.journal``, ``s3engine.errors``.
"""

from __future__ import annotations

import contextlib
import os
import stat
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from s3engine.errors import JournalReadError, JournalWriteError, TornTailError
from s3engine.journal import codec, tail
from s3engine.journal.event import (
    GENESIS,
    Clock,
    VerifyReport,
    shape_problem,
    utc_now,
)
from s3engine.journal.file_append import FileAppends
from s3engine.journal.file_reads import FileReads
from s3engine.journal.lock import WorkspaceLock

LOCK_TIMEOUT_S = 60.0
BLOCK = 4 << 20  # bytes read at a time from a long journal


class Journal(FileReads, FileAppends):
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
        self.starts, self.first = array("q"), 1
        self.last_seq = 0
        self.last_hash = GENESIS
        self._locked = 0
        self._fd: int | None = None  # kept open for appends (same inode as self.path)
        self._fd_id = (0, 0)
        self._unsynced = None
        self._where = str(self.path)  # for system calls (a Path is converted at every call)
        self._hold, self._seen = 0, None

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
        if not data:  # nothing new (the common case for a writer)
            return []
        if not isinstance(data, bytes):  # a long, complete tail: read block by block
            return self._parse(data)
        if not data.endswith(b"\n"):
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
            st = os.stat(self._where)
            if self._locked:  # the writer checks the same stat before it appends
                self._seen = (self._hold, st)
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

    def block_size(self) -> int:
        """Bytes read at a time from a long journal."""
        return BLOCK

    def _read_blocks(self) -> Iterator[bytes] | None:
        """The tail in blocks of whole lines when it is long and complete (see :mod:`.tail`)."""
        return tail.blocks(self.path, self.offset, BLOCK)

    def _parse(self, data: bytes | Iterator[bytes]) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        sizes: list[int] = []
        try:  # all or nothing: the reader moves on only when the whole tail is good
            for ev, size in tail.stream(data, self.last_seq, self.last_hash):
                events.append(ev)
                sizes.append(size)
        except OSError as exc:  # reading a block failed
            raise _read_error(self.path, exc) from exc
        for ev, size in zip(events, sizes, strict=True):
            self.note_start(ev["seq"], self.offset)
            self.offset += size
        if events:
            self.last_seq, self.last_hash = events[-1]["seq"], events[-1]["hash"]
        return events

    # -- writing (see :mod:`.file_append`) ---------------------------------------------------

    def lock_timeout(self) -> float:
        """Seconds to wait for another program to release the write lock."""
        return LOCK_TIMEOUT_S

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
