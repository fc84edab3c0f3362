"""The hash worker: a second program recomputing a long journal's hashes while it is applied.

Opening a workspace without a snapshot reads every event, checks that it continues the chain
(``seq`` and ``prev``), recomputes its SHA-256 hash and applies it. Recomputing the hashes is about
half of that work and needs nothing from the rest, so for a long tail it runs in a separate Python
process on another processor core, over exactly the same bytes, while the opening program decodes,
links and applies the events. The opening program trusts nothing before the worker's verdict: it
waits for it before the workspace is handed to anyone, and when the worker reports a changed event
the open fails with the same :class:`~s3engine.errors.CorruptJournalError` a sequential check
raises (the earliest problem found by either wins). Side effects outside memory are put off until
then (see :meth:`s3engine.core.workspace.Workspace.after_replay`).

The worker is a fresh interpreter (``python -m s3engine.journal.hash_worker PATH OFFSET LENGTH``),
not a fork, so it is safe in programs with threads (Jupyter kernels). It imports only the line
codec. When it cannot be started, or dies, the caller checks the hashes itself: verification is
never skipped.

Allowed imports: standard library, ``s3engine.journal``.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import subprocess

#: Tails shorter than this are checked in the opening program (starting a worker costs ~30 ms).
MIN_BYTES = 4 << 20
_BLOCK = 4 << 20


def worth_it(length: int) -> bool:
    """Whether a tail of ``length`` bytes is checked by a worker (long, and a second core)."""
    return length >= MIN_BYTES and (os.cpu_count() or 1) >= 2


class HashCheck:
    """A running worker checking the hashes of ``length`` bytes of ``path`` from ``offset``.

    Args:
        path: The journal file.
        offset: Where the lines to check start (a line start).
        length: How many bytes (whole lines) to check.
    """

    def __init__(self, path: str, offset: int, length: int) -> None:
        self.path, self.offset, self.length = path, offset, length
        import subprocess  # (only a long journal needs it)

        self._proc: subprocess.Popen[bytes] | None = None
        try:
            self._proc = subprocess.Popen(
                # -P: the current folder is not searched first (it could hold other modules)
                [sys.executable, "-P", "-m", __name__, path, str(offset), str(length)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._proc = None

    def verdict(self, lines: int | None) -> int | None:
        """Wait for the worker: the 0-based index of the first line whose hash is wrong, or None.

        Args:
            lines: How many lines the caller read from those bytes; a worker that checked a
                different number is not believed (None: the caller stopped early, any number).

        When the worker could not run or did not finish properly, the lines are checked here.
        """
        proc = self._proc
        out = b""
        if proc is not None:
            try:
                out, _ = proc.communicate()
            except BaseException:
                self.stop()
                raise
        text = out.decode("ascii", "replace").strip()
        word, _, number = text.partition(" ")
        if proc is not None and proc.returncode == 0 and number.isdigit():
            if word == "bad":
                return int(number)
            if word == "ok" and (lines is None or int(number) == lines):
                return None
        bad, count = first_bad(self.path, self.offset, self.length)
        return bad if bad is not None or lines is None or count == lines else count

    def stop(self) -> None:
        """Stop the worker (when the open failed or was interrupted)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()


def first_bad(path: str, offset: int, length: int) -> tuple[int | None, int]:
    """Check the lines of those bytes: ``(index of the first wrong one or None, lines checked)``.

    A line that is not JSON or not an event with a text hash counts as wrong; the index is
    0-based. Checking stops at the first wrong line or where the file ends.
    """
    from s3engine.journal import codec

    index = 0
    with open(path, "rb") as fh:
        fh.seek(offset)
        left, carry = length, b""
        while left > 0:
            chunk = fh.read(min(_BLOCK, left))
            if not chunk:
                break
            left -= len(chunk)
            data, carry = carry + chunk, b""
            if left > 0:
                cut = data.rfind(b"\n") + 1
                data, carry = data[:cut], data[cut:]
            for raw in data.splitlines():
                try:
                    _ev, ok = codec.checked(raw)
                except ValueError:
                    ok = False
                if not ok:
                    return index, index
                index += 1
    return None, index


def main(argv: list[str]) -> int:
    """The worker: print ``ok`` or ``bad <index>`` for the given bytes of the journal."""
    path, offset, length = argv[0], int(argv[1]), int(argv[2])
    bad, count = first_bad(path, offset, length)
    sys.stdout.write(f"ok {count}\n" if bad is None else f"bad {bad}\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a separate program by HashCheck
    sys.exit(main(sys.argv[1:]))
