"""The journal store seam: what the engine needs from wherever the journal lives.

Two stores implement :class:`JournalStore`: the file journal
(:class:`s3engine.journal.file_store.Journal`, one JSON Lines file in the workspace folder, the
default) and the PostgreSQL journal (:class:`s3engine.journal.pg_store.PgJournal`, many
workspaces in one database). Both keep the same events: the same JSON, the same ``seq`` without
gaps and the same hash chain (:mod:`s3engine.journal.event`), so an export of one imports into the
other unchanged.

The chain's rules are the same for both: :meth:`JournalStore.transaction` holds the store's write
lock (a file lock, or a PostgreSQL advisory lock per workspace) and yields the events other
programs appended meanwhile; the caller validates against that state, builds the next event with
:meth:`~JournalStore.make_event` and writes it with :meth:`~JournalStore.append_locked`. The event
is durable once the transaction has ended: PostgreSQL commits each event at once, the file journal
fsyncs right after releasing its lock (so writers queued behind it write meanwhile: group commit),
so callers acknowledge an event only after the ``with`` block. Reading is verified: every event's
hash is recomputed before it is returned.

A *position* is where a reader stands in the store (a byte offset in the file, the seq in
PostgreSQL); snapshots record it and check the event ending there before trusting themselves.

Allowed imports: standard library, ``s3engine.journal``, ``s3engine.errors``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from s3engine.errors import CorruptJournalError, JournalWriteError
from s3engine.journal import codec
from s3engine.journal.event import Clock, VerifyReport, event_hash, shape_problem

#: URL schemes naming a PostgreSQL workspace instead of a folder.
URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(target: object) -> bool:
    """True when ``target`` is a PostgreSQL URL rather than a folder."""
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


@runtime_checkable
class JournalStore(Protocol):
    """An append-only, hash-chained event log (see the module docstring).

    Attributes:
        clock: The time source of new events.
        last_seq: Seq of the last event read or written (0 for none).
        last_hash: Hash of that event (``GENESIS`` for none).
    """

    clock: Clock
    last_seq: int
    last_hash: str

    def read_new(self) -> list[dict[str, Any]]:
        """The verified events appended since the last read."""
        ...

    def transaction(self) -> AbstractContextManager[list[dict[str, Any]]]:
        """Hold the write lock; yield the events other programs appended since the last read."""
        ...

    def make_event(
        self,
        actor: str,
        process: str,
        type_: str,
        data: dict[str, Any],
        auth: dict[str, str] | None = None,
        request: str | None = None,
    ) -> dict[str, Any]:
        """Build (but do not write) the next event, chained to the current head."""
        ...

    def append_locked(self, event: dict[str, Any]) -> dict[str, Any]:
        """Write one event under the lock; it is durable when the transaction has ended."""
        ...

    def append(self, actor: str, process: str, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        """Lock, catch up, write one event, unlock."""
        ...

    def verify(self) -> VerifyReport:
        """Check the whole journal: seq order, prev links and every hash."""
        ...

    def repair(self) -> tuple[int, Any]:
        """Cut an incomplete last event off (a file can have one; a database never has)."""
        ...

    def close(self) -> None:
        """Release what the store holds open (it reopens on the next use)."""
        ...

    # -- positions (snapshots) and whole-journal reads (checkpoints, exports) --------------------

    @property
    def position(self) -> int:
        """Where this reader stands (see the module docstring)."""
        ...

    def start_at(self, offset: int, seq: int, last_hash: str) -> None:
        """Continue reading after a known, already verified prefix ending at ``offset``."""
        ...

    def event_ending_at(self, position: int) -> dict[str, Any] | None:
        """The event that ends at ``position`` as stored (unchecked), None when there is none."""
        ...

    def raw_events(self) -> list[Any]:
        """Every complete event as stored, decoded but not checked (None for an undecodable one).

        Checkpoints are compared with this, so a damaged journal can still be examined.
        """
        ...

    def all_events(self) -> Iterator[dict[str, Any]]:
        """Every event from the first, read afresh and verified."""
        ...

    def events_at(self, seqs: list[int]) -> list[dict[str, Any]]:
        """The events with these seqs, in the order given, read afresh and verified."""
        ...

    def export_bytes(self) -> bytes:
        """The journal as JSON Lines, exactly as stored (what ``s3flow export`` writes)."""
        ...

    def describe(self) -> str:
        """Where the journal is, for messages (a path, or a URL without its password)."""
        ...


def build_event_line(
    head: tuple[int, str],
    time: str,
    actor: str,
    process: str,
    type_: str,
    data: dict[str, Any],
    auth: dict[str, str] | None = None,
    request: str | None = None,
) -> tuple[dict[str, Any], bytes]:
    """The next event after ``head`` (seq, hash), hashed, and its journal line (``encode_line``).

    What every store's ``make_event`` builds; the hash and the line are made together.

    Args:
        head: The (seq, hash) of the store's last event.
        time: The event time.
        actor: On whose behalf the event is recorded.
        process: The process id ("" for none).
        type_: The event type.
        data: The event data.
        auth: How the person acting was authenticated (see :mod:`s3engine.journal.event`).
        request: The caller's id for this action (retries with the same id are recognised).

    Raises:
        JournalWriteError: The data cannot be hashed (e.g. text that is not valid UTF-8).
    """
    ev = _unhashed(head, time, actor, process, type_, data, auth, request)
    try:
        ev["hash"], line = codec.hash_and_line(ev)
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise _cannot_hash(exc) from exc
    return ev, line


def _unhashed(
    head: tuple[int, str],
    time: str,
    actor: str,
    process: str,
    type_: str,
    data: dict[str, Any],
    auth: dict[str, str] | None,
    request: str | None,
) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "seq": head[0] + 1,
        "time": time,
        "actor": actor,
        "process": process,
        "type": type_,
        "data": data,
        "prev": head[1],
    }
    if auth is not None:
        ev["auth"] = auth
    if request is not None:
        ev["request"] = request
    return ev


def _cannot_hash(exc: Exception) -> JournalWriteError:
    why = "text that is not valid UTF-8" if isinstance(exc, UnicodeError) else str(exc)
    return JournalWriteError(
        f"The event cannot be recorded: its data holds {why}. Nothing was written.",
        "Give every value as valid UTF-8 text.",
    )


def check_next(ev: Any, seq: int, prev: str) -> None:
    """Check that a decoded event continues the chain after (``seq``, ``prev``).

    Raises:
        CorruptJournalError: It is not the next event, does not link, or its hash is wrong.
    """
    if not isinstance(ev, dict) or ev.get("seq") != seq + 1:
        found = ev.get("seq") if isinstance(ev, dict) else "?"
        raise CorruptJournalError(seq + 1, f"expected seq {seq + 1}, found {found}")
    if ev.get("prev") != prev:
        raise CorruptJournalError(seq + 1, "it does not link to the previous event's hash")
    problem = shape_problem(ev)
    if problem:
        raise CorruptJournalError(seq + 1, problem)
    if safe_hash(ev) != ev["hash"]:
        raise CorruptJournalError(
            seq + 1, "its content does not match its hash (the event was changed)"
        )


def safe_hash(ev: dict[str, Any]) -> str | None:
    """The event's hash, or None when its text cannot be encoded (e.g. an escaped surrogate)."""
    try:
        return event_hash(ev)
    except ValueError:
        return None


def verify_events(events: list[Any], torn: int = 0) -> VerifyReport:
    """Check decoded events (None for an undecodable one) as ``verify`` reports it."""
    from s3engine.journal.event import GENESIS

    prev, count = GENESIS, 0
    for n, ev in enumerate(events, start=1):
        why = "the line is not valid JSON" if ev is None else shape_problem(ev)
        if why is None and ev["seq"] != n:
            why = f"seq is {ev['seq']!r} where {n} was expected (an event was removed, "
            why += "duplicated or moved)"
        elif why is None and ev["prev"] != prev:
            why = "prev does not match the previous event's hash (an event was removed, "
            why += "duplicated or moved)"
        elif why is None and safe_hash(ev) != ev["hash"]:
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
