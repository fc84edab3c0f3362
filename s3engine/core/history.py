"""A process's history: the seqs of its events, the events read back from the journal on demand.

Keeping every event of every process in memory cost most of a large workspace's memory, and
hardly anyone looks at old events: the query side, the steps and the guards use the processes'
state, not their events. So a history keeps only seqs (a few bytes each) and reads the events from
the journal store — verified again, hash and seq — the first time someone iterates over it or
indexes it (the history panel, the step-by-step replay, tests). Reading back is quick: the file
journal remembers where each event it read or wrote starts.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

#: Reads events by seq, in the order given (``JournalStore.events_at``).
Reader = Callable[[list[int]], list[dict[str, Any]]]


class History:
    """The events of one process, in order, held as seqs.

    Args:
        read: Reads events by seq (the workspace's journal store).
        seqs: The seqs already known (from a snapshot).
    """

    __slots__ = ("_events", "_read", "_seqs")

    def __init__(self, read: Reader, seqs: list[int] | None = None) -> None:
        self._read = read
        self._seqs: list[int] = list(seqs or [])
        self._events: list[dict[str, Any]] | None = None

    def append(self, event: dict[str, Any]) -> None:
        """Add the event just applied."""
        self._seqs.append(event["seq"])
        if self._events is not None:
            self._events.append(event)

    def seqs(self) -> list[int]:
        """The seqs of the events, without reading them."""
        return list(self._seqs)

    def events(self) -> list[dict[str, Any]]:
        """The events, read from the journal once and then kept."""
        if self._events is None:
            self._events = self._read(self._seqs)
        return self._events

    def __len__(self) -> int:
        return len(self._seqs)

    def __bool__(self) -> bool:
        return bool(self._seqs)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.events())

    def __getitem__(self, i: Any) -> Any:
        return self.events()[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, History):
            return self._seqs == other._seqs
        return isinstance(other, list) and self.events() == other

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"History(seqs={self._seqs!r})"


def slim(event: dict[str, Any]) -> dict[str, Any]:
    """What a process keeps of the last event it applied: who, when, what (not its data)."""
    return {
        "seq": event.get("seq"),
        "time": event.get("time"),
        "actor": event.get("actor"),
        "process": event.get("process"),
        "type": event.get("type"),
    }
