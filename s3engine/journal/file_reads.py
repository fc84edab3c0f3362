"""The whole-file reads of the file journal that the store seam asks for.

:class:`FileReads` is a base class of :class:`s3engine.journal.file_store.Journal`: positions
(byte offsets) for snapshots, the raw lines for checkpoints and exports, a fresh verified read
from the first event. It only reads ``self.path``; appending stays in ``file_store``.

Allowed imports: standard library, ``s3engine.journal``, ``s3engine.errors``.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from s3engine.errors import CorruptJournalError, JournalReadError
from s3engine.journal import codec, hash_worker, tail


class FileReads:
    """Reads of a JSON Lines journal file (mixed into the file journal)."""

    path: Path
    offset: int
    last_seq: int
    last_hash: str
    #: Where the events read or written by this reader start: ``starts[seq - first]``.
    starts: array[int]
    first: int

    def note_start(self, seq: int, offset: int) -> None:
        """Remember that event ``seq`` starts at byte ``offset`` (events come in seq order)."""
        self.starts_from(seq)(offset)

    def starts_from(self, seq: int) -> Callable[[int], None]:
        """What records where events ``seq``, ``seq + 1`` ... start (after a gap: from anew)."""
        if seq != self.first + len(self.starts):
            self.starts, self.first = array("q"), seq
        return self.starts.append

    def replay_new(self) -> Iterator[dict[str, Any]]:
        """Yield the events appended since the last read one by one, for replaying them.

        Like :meth:`read_new`, but nothing is kept: each event is yielded once decoded and
        linked. A long tail's hashes are recomputed by a :mod:`.hash_worker` at the same time;
        its verdict comes before the generator ends, and a changed event raises
        :class:`CorruptJournalError` then, so the caller must not use what it applied before
        the generator is exhausted.

        Raises:
            TornTailError: The last line is incomplete and no writer is busy with it.
            CorruptJournalError: A line is not valid JSON, does not continue the chain, or does
                not match its hash.
        """
        try:
            end = os.stat(self.path).st_size
        except OSError:
            end = 0
        data, block = None, self.block_size()
        if end - self.offset >= 2 * block and hash_worker.worth_it(end - self.offset):
            data = tail.blocks(self.path, self.offset, block, end)
        if data is None:
            yield from self.read_new()
            return
        start_seq, count = self.last_seq, 0
        check = hash_worker.HashCheck(str(self.path), self.offset, end - self.offset)
        note = self.starts_from(start_seq + 1)  # one start per event, in order
        try:
            try:
                for ev, size in tail.stream(data, self.last_seq, self.last_hash, hashes=False):
                    note(self.offset)
                    self.offset += size
                    self.last_seq, self.last_hash = ev["seq"], ev["hash"]
                    count += 1
                    yield ev
            except CorruptJournalError:
                bad = check.verdict(None)  # a changed event before this one is reported first
                if bad is not None and bad < count:
                    raise _changed(start_seq + bad + 1) from None
                raise
            except OSError as exc:  # reading a block failed
                raise JournalReadError(
                    f"Cannot read the journal {self.path}: {exc.strerror or exc}.",
                    "Check the folder's permissions and the disk, then try again.",
                ) from exc
            bad = check.verdict(count)
            if bad is not None:
                raise _changed(start_seq + bad + 1)
        finally:
            check.stop()

    def read_new(self) -> list[dict[str, Any]]:
        """The verified events appended since the last read (provided by the journal)."""
        raise NotImplementedError

    def block_size(self) -> int:
        """Bytes read at a time from a long journal (provided by the journal)."""
        raise NotImplementedError

    def events_at(self, seqs: list[int]) -> list[dict[str, Any]]:
        """The events with these seqs, in the order given, read afresh and verified.

        Events whose start this reader remembers are read directly; otherwise the journal is
        read from the first event.

        Raises:
            CorruptJournalError: An event changed since it was read, or is missing.
            JournalReadError: The journal cannot be read.
        """
        first, starts = self.first, self.starts
        found: dict[int, dict[str, Any]] = {}
        if all(first <= s < first + len(starts) for s in seqs):
            try:
                with open(self.path, "rb") as fh:
                    for s in sorted(set(seqs)):
                        fh.seek(starts[s - first])
                        try:
                            ev, ok = codec.checked(fh.readline())
                        except ValueError:
                            ok = False
                        if not ok or not isinstance(ev, dict) or ev.get("seq") != s:
                            raise CorruptJournalError(s, "it changed after it was read")
                        found[s] = ev
            except OSError as exc:
                raise JournalReadError(
                    f"Cannot read the journal {self.path}: {exc.strerror or exc}.",
                    "Check the folder's permissions and the disk, then try again.",
                ) from exc
        else:
            wanted = set(seqs)
            for ev in self.all_events():
                if ev["seq"] in wanted:
                    found[ev["seq"]] = ev
        missing = [s for s in seqs if s not in found]
        if missing:
            raise CorruptJournalError(missing[0], "it is no longer in the journal")
        return [found[s] for s in seqs]

    @property
    def position(self) -> int:
        """The byte offset read up to."""
        return self.offset

    def describe(self) -> str:
        """The journal file's path."""
        return str(self.path)

    def event_ending_at(self, position: int) -> dict[str, Any] | None:
        """The event whose line ends at byte ``position`` (unchecked), None when there is none."""
        try:
            fh = open(self.path, "rb")  # noqa: SIM115 - closed below
        except OSError:
            return None
        with fh:
            size = fh.seek(0, 2)
            if position > size or position < 2:
                return None
            window = 4096
            while True:
                start = max(0, position - window)
                fh.seek(start)
                chunk = fh.read(position - start)
                if not chunk.endswith(b"\n"):
                    return None
                cut = chunk.rfind(b"\n", 0, len(chunk) - 1)
                if cut >= 0 or start == 0:
                    try:
                        ev = json.loads(chunk[cut + 1 :])
                    except ValueError:
                        return None
                    return ev if isinstance(ev, dict) else None
                window *= 4

    def export_bytes(self) -> bytes:
        """The complete lines of the file (an incomplete last line is left out)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return b""
        except OSError as exc:
            raise JournalReadError(
                f"Cannot read the journal {self.path}: {exc.strerror}.",
                "Check the folder's permissions.",
            ) from exc
        return data[: data.rfind(b"\n") + 1] if data and not data.endswith(b"\n") else data

    def raw_events(self) -> list[Any]:
        """Every complete line decoded (``None`` for a line that is not JSON), nothing checked."""
        events: list[Any] = []
        for raw in self.export_bytes().splitlines():
            try:
                events.append(json.loads(raw))
            except ValueError:
                events.append(None)
        return events

    def all_events(self) -> Iterator[dict[str, Any]]:
        """Every event from the first, read afresh and verified."""
        fresh = type(self)(self.path)  # type: ignore[call-arg]  # the journal's constructor
        yield from fresh.read_new()


def _changed(seq: int) -> CorruptJournalError:
    return CorruptJournalError(seq, "its content does not match its hash (the event was changed)")
