r"""The command line's edge: safe output, one-line errors, warnings about derived data.

:func:`guard` runs a command so that the user sees errors as one ``error:`` line on stderr with
exit code 2, never a traceback (an ``S3Error``, an unforeseen ``OSError``, an argument that is not
valid UTF-8), and each :class:`~s3engine.errors.DerivedStateWarning` (query tables or snapshot not
written although the journal was) as one ``warning:`` line, without failing the command.

Output: user data never reaches the terminal as control sequences.

Names, titles and fields come from whoever can act in a workspace or send it a journal. Printed
raw, an escape sequence could recolour or clear the screen, retitle the window or hide text, a bell
could ring and a carriage return could overwrite a line. Everything the CLI prints goes through a
:class:`SafeStream`, which shows such characters as visible ``\uXXXX`` escapes: the escapes JSON
uses, so ``--json`` output stays valid JSON that decodes to the same values.

Neutralised: C0 controls except newline and tab, DEL, C1 controls, the Unicode line and paragraph
separators, the bidirectional embeddings, overrides and isolates (they reorder what is shown), and
lone surrogates (what Python makes of command-line bytes that are not valid UTF-8).

Allowed imports: standard library, ``s3engine.errors``.
"""

from __future__ import annotations

import io
import os
import re
import sys
import warnings
from collections.abc import Callable
from typing import Any, TextIO

from s3engine.errors import DerivedStateWarning, InvalidArgument, S3Error, describe

_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_RE = re.compile(f"[{_UNSAFE}]")
_UNSAFE_LINE_RE = re.compile(f"[\n{_UNSAFE}]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def safe_text(text: str, one_line: bool = False) -> str:
    r"""Return ``text`` with terminal control characters shown as visible ``\uXXXX`` escapes.

    Args:
        text: What is to be printed.
        one_line: Escape newlines too (for messages that must stay on one line).
    """
    return (_UNSAFE_LINE_RE if one_line else _UNSAFE_RE).sub(_escape, text)


def invalid_utf8(text: str) -> bool:
    """Whether ``text`` came from bytes that are not valid UTF-8 (it holds lone surrogates)."""
    return _SURROGATE_RE.search(text) is not None


class SafeStream(io.TextIOBase):
    """A text stream that passes everything written to it through :func:`safe_text`.

    Characters the underlying stream cannot encode are written as backslash escapes instead of
    failing. Other attributes (``buffer``, ``encoding`` ...) are those of the underlying stream.

    Args:
        raw: The stream written to (``sys.stdout`` or ``sys.stderr``).
    """

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, s: str, /) -> int:
        """Write ``s`` with control characters neutralised; return ``len(s)``."""
        text = safe_text(s)
        try:
            self.raw.write(text)
        except UnicodeEncodeError:
            enc = getattr(self.raw, "encoding", None) or "ascii"
            self.raw.write(text.encode(enc, "backslashreplace").decode(enc))
        return len(s)

    def flush(self) -> None:
        """Flush the underlying stream."""
        self.raw.flush()

    def isatty(self) -> bool:
        """Whether the underlying stream is a terminal."""
        return self.raw.isatty()

    def fileno(self) -> int:
        """The underlying stream's file descriptor."""
        return self.raw.fileno()

    def close(self) -> None:
        """Do nothing: the underlying stream belongs to the caller."""

    @property
    def encoding(self) -> str:  # type: ignore[override]  # read-only in io.TextIOBase too
        """The underlying stream's encoding."""
        return str(getattr(self.raw, "encoding", None) or "utf-8")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def guard(command: Callable[[list[str]], int], argv: list[str]) -> int:
    """Run ``command(argv)`` at the command line's edge; return its exit code.

    While it runs, ``sys.stdout`` and ``sys.stderr`` are :class:`SafeStream` s. Errors become one
    ``error:`` line and exit code 2; derived-data warnings are printed as ``warning:`` lines at
    the end (once each); other warnings are shown as usual.
    """
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(out), SafeStream(err)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DerivedStateWarning)
            code = _run(command, argv)
        shown: set[str] = set()
        for w in caught:
            if not issubclass(w.category, DerivedStateWarning):
                warnings.showwarning(w.message, w.category, w.filename, w.lineno, w.file, w.line)
            elif str(w.message) not in shown:
                shown.add(str(w.message))
                print(f"warning: {safe_text(str(w.message), one_line=True)}", file=sys.stderr)
        return code
    finally:
        sys.stdout, sys.stderr = out, err


def error_line(exc: S3Error) -> int:
    """Print ``exc`` as one ``error:`` line on stderr; return the exit code 2."""
    # titles for people, with the names scripts use in parentheses
    print(f"error: {safe_text(exc.script_text(), one_line=True)}", file=sys.stderr)
    return 2


def _run(command: Callable[[list[str]], int], argv: list[str]) -> int:
    try:
        bad = next((a for a in argv if invalid_utf8(a)), None)
        if bad is not None:
            raise InvalidArgument(
                f"The argument {describe(bad)} is not valid UTF-8 text.",
                "Give every argument as UTF-8 (check the encoding of the terminal or script).",
            )
        return command(argv)
    except S3Error as exc:
        return error_line(exc)
    except KeyboardInterrupt:
        print("error: interrupted; everything acknowledged so far is saved.", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # not foreseen by the command: still one line, never a traceback
        where = f"Cannot use {exc.filename}: " if exc.filename else "The disk failed: "
        return error_line(
            S3Error(
                f"{where}{exc.strerror or exc}.",
                "Check the disk and the workspace folder's permissions, then try again.",
            )
        )
