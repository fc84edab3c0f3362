"""The whole-file reads of the file journal that the store seam asks for.

:class:`FileReads` is a base class of :class:`s3engine.journal.file_store.Journal`: positions
(byte offsets) for snapshots, the raw lines for checkpoints and exports, a fresh verified read
from the first event. It only reads ``self.path``; appending stays in ``file_store``.

Allowed imports: standard library, ``s3engine.journal``, ``s3engine.errors``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from s3engine.errors import JournalReadError


class FileReads:
    """Reads of a JSON Lines journal file (mixed into the file journal)."""

    path: Path
    offset: int

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
        yield from fresh.read_new()  # type: ignore[attr-defined]  # provided by the journal
