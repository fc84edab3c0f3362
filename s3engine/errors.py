"""The one error hierarchy of s3flow.

Every error a user can cause is an :class:`S3Error` subclass whose message says what went wrong and
what to do instead. Front ends (CLI, widgets) catch ``S3Error`` at the boundary and show
``str(err)``; they never parse messages. Errors carry the data they talk about as attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Translate = Callable[[str], str]

#: How a front end's language translates messages (None: English, as the CLI shows them).
_translator: list[Translate | None] = [None]

#: The sentence frames of the structured errors below, for the translation catalogues.
TEMPLATES = (
    "'{title}' is not possible now (step '{state}').",
    "'{title}' is not possible now (step '{state}'): {reason}.",
    "Possible now: {allowed}.",
    "nothing (the process has ended)",
    "'{actor}' cannot do '{title}': only the {role} may.",
    "Ask the {role} to do it.",
    "{label}: {problem}.",
    "Expected: {expected}.",
    "{count} fields need attention:",
)


def _say(translate: Translate, text: str) -> str:
    """``text`` translated: by its template when it is a phrase made from one (its values kept)."""
    template = getattr(text, "template", None)
    if isinstance(template, str):
        return translate(template).format(**getattr(text, "values", {}))
    return translate(text.rstrip("."))


def set_translator(translate: Translate | None) -> None:
    """Show error messages through ``translate`` (a gettext function), or in English (None).

    A front end with an interface language calls this when the language changes; the messages'
    sentence frames are :data:`TEMPLATES` and the literal problems and hints of the engine, which
    the catalogues hold; what people typed, names and ids are never translated.
    """
    _translator[0] = translate


class S3Error(Exception):
    """Base class of every error s3flow raises on purpose.

    Args:
        message: What went wrong.
        hint: What the user can do about it.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}".strip() if hint else message)

    def __str__(self) -> str:
        translate = _translator[0]
        return self.localized(translate) if translate else super().__str__()

    def localized(self, translate: Translate) -> str:
        """The message in the language of ``translate`` (English where it has no translation)."""
        parts = [translate(self.message), translate(self.hint) if self.hint else ""]
        return " ".join(p for p in parts if p)

    def script_text(self) -> str:
        """The message for a command line: ``str(self)`` plus the internal ids scripts need.

        Subclasses that name an action by its title add its name in parentheses.
        """
        return str(self)


# --- workspace and journal ------------------------------------------------------------------------


class WorkspaceError(S3Error):
    """The workspace folder cannot be used (missing, not writable, not a workspace)."""


class SnapshotError(WorkspaceError):
    """A snapshot in use changed or cannot be read (it is derived: the journal is read instead)."""


class RegistryError(S3Error):
    """The process kinds and event handlers cannot be loaded (a broken or missing install)."""


class MissingExtraError(S3Error):
    """A command needs an optional dependency that is not installed."""

    def __init__(self, what: str, extra: str, module: str) -> None:
        self.extra = extra
        self.module = module
        super().__init__(
            f"{what} needs the optional package '{module}', which is not installed.",
            f'Install it with `pip install "s3flow[{extra}]"`.',
        )


class JournalError(S3Error):
    """Base class for problems with the journal file."""


class TornTailError(JournalError):
    """The journal's last line is incomplete, most likely a crash in the middle of a write."""

    def __init__(self, path: str, offset: int, length: int) -> None:
        self.path = path
        self.offset = offset
        self.length = length
        super().__init__(
            f"The journal {path} ends with an incomplete line ({length} bytes at byte {offset}), "
            "probably from a crash during a write.",
            "Run `s3flow repair` to set the incomplete line aside; every complete event is kept.",
        )


class CorruptJournalError(JournalError):
    """A journal line cannot be read or does not continue the hash chain."""

    def __init__(self, seq: int, reason: str) -> None:
        self.seq = seq
        self.reason = reason
        super().__init__(
            f"The journal is damaged at event {seq}: {reason}.",
            "Run `s3flow verify` for details; restore the journal from a backup or an export.",
        )


class JournalWriteError(JournalError):
    """An event could not be written durably (disk full, permission denied, read-only folder)."""


# --- processes ------------------------------------------------------------------------------------


class ProcessError(S3Error):
    """Base class for refused process actions. Nothing was written when one is raised."""


class UnknownProcessError(ProcessError):
    """No process with this id (or of this type) exists."""


class UnknownActionError(ProcessError):
    """The process type has no action of this name."""


class ActionNotAllowedNow(ProcessError):
    """The action exists but cannot be taken in the current step.

    Args:
        action: The action's name (kept as :attr:`action` for scripts).
        state: The current step's title.
        allowed: Titles of what is possible now.
        reason: Why not, in words.
        title: The action's title, used in the message (default: ``action``).
        allowed_ids: Names of what is possible now, in the order of ``allowed`` (for scripts).
    """

    def __init__(
        self,
        action: str,
        state: str,
        allowed: Iterable[str],
        reason: str = "",
        title: str = "",
        allowed_ids: Iterable[str] = (),
    ) -> None:
        self.action = action
        self.title = title or action
        self.state = state
        self.allowed = list(allowed)
        self._allowed_ids = allowed_ids
        self.reason = reason
        super().__init__(*self._texts(False))

    def _texts(self, ids: bool) -> tuple[str, str]:
        titles = self.allowed
        if ids:
            names = list(self._allowed_ids)
            if len(names) == len(titles):
                titles = [f"{t} ({n})" for t, n in zip(titles, names, strict=True)]
        allowed_txt = ", ".join(titles) if titles else "nothing (the process has ended)"
        name = f"'{self.title}'" + (
            f" ({self.action})" if ids and self.title != self.action else ""
        )
        msg = f"{name} is not possible now (step '{self.state}')"
        msg += f": {self.reason}." if self.reason else "."
        return msg, f"Possible now: {allowed_txt}."

    def script_text(self) -> str:
        """The message with action names in parentheses (``'Sign' (signal) is not ...``)."""
        return " ".join(self._texts(True))

    def localized(self, translate: Translate) -> str:
        """The message in the language of ``translate``."""
        values = {"title": translate(self.title), "state": translate(self.state)}
        if self.reason:
            msg = translate(TEMPLATES[1]).format(
                reason=translate(self.reason.rstrip(".")), **values
            )
        else:
            msg = translate(TEMPLATES[0]).format(**values)
        allowed = ", ".join(translate(a) for a in self.allowed) or translate(TEMPLATES[3])
        return f"{msg} {translate(TEMPLATES[2]).format(allowed=allowed)}"


class NotAllowedForActor(ProcessError):
    """The person acting does not hold the role the action needs."""

    def __init__(self, action: str, actor: str, role: str, who: str = "", title: str = "") -> None:
        self.action = action
        self.title = title or action
        self.actor = actor
        self.role = role
        self.who = who
        super().__init__(*self._texts(False))

    def _texts(self, ids: bool) -> tuple[str, str]:
        extra = f" ({self.who})" if self.who else ""
        name = f"'{self.title}'" + (
            f" ({self.action})" if ids and self.title != self.action else ""
        )
        return (
            f"'{self.actor}' cannot do {name}: only the {self.role}{extra} may.",
            f"Ask the {self.role}{extra} to do it.",
        )

    def script_text(self) -> str:
        """The message with the action's name in parentheses."""
        return " ".join(self._texts(True))

    def localized(self, translate: Translate) -> str:
        """The message in the language of ``translate``."""
        role = translate(self.role) + (f" ({self.who})" if self.who else "")
        title = translate(self.title)
        return (
            translate(TEMPLATES[4]).format(actor=self.actor, title=title, role=role)
            + " "
            + translate(TEMPLATES[5]).format(role=role)
        )


class ImpersonationRefused(ProcessError):
    """Someone tried to act for another person without being allowed to record it for them."""


class DuplicateRequestError(ProcessError):
    """A request id was used again for a different action."""


class InvalidField(ProcessError):
    """A field of an action is missing or has a wrong value.

    Args:
        field: The field's name (kept as :attr:`field` for front ends and scripts).
        problem: What is wrong ("is required", "'Zed' is not a participant").
        expected: What would be right.
        label: The field's label as forms show it, used in the message (default: the name in
            words).
    """

    def __init__(self, field: str, problem: str, expected: str = "", label: str = "") -> None:
        self.field = field
        self.label = label or field.replace("_", " ").capitalize()
        self.problem = problem
        self.expected = expected
        super().__init__(*self._texts(False))

    def _texts(self, ids: bool) -> tuple[str, str]:
        name = f"{self.label} ({self.field})" if ids else self.label
        sep = " " if self.problem.startswith(("is ", "must ", "has ", "names ")) else ": "
        return (
            f"{name}{sep}{self.problem}.",
            f"Expected: {self.expected.rstrip('.')}." if self.expected else "",
        )

    def script_text(self) -> str:
        """The message with the field's name in parentheses (``Review date (review_date) ...``)."""
        return " ".join(t for t in self._texts(True) if t)

    def localized(self, translate: Translate) -> str:
        """The message in the language of ``translate``: label, problem, what is expected."""
        msg = translate(TEMPLATES[6]).format(
            label=translate(self.label), problem=_say(translate, self.problem)
        )
        if self.expected:
            msg += " " + translate(TEMPLATES[7]).format(expected=_say(translate, self.expected))
        return msg


class InvalidFields(InvalidField):
    """Several fields of one action are missing or wrong; each is in :attr:`errors`.

    It is an :class:`InvalidField` about the first of them, so a front end that shows one field's
    message still shows something right; forms show every one next to its field.
    """

    def __init__(self, errors: list[InvalidField]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        InvalidField.__init__(self, first.field, first.problem, first.expected, first.label)
        ProcessError.__init__(
            self,
            f"{len(self.errors)} fields need attention: "
            + " ".join(e.message for e in self.errors),
            "",
        )

    def localized(self, translate: Translate) -> str:
        """Every field's message in the language of ``translate``."""
        head = translate(TEMPLATES[8]).format(count=len(self.errors))
        return " ".join([head, *(InvalidField.localized(e, translate) for e in self.errors)])

    def script_text(self) -> str:
        """Every field's message, each with the field's name in parentheses."""
        return f"{len(self.errors)} fields need attention: " + " ".join(
            e.script_text() for e in self.errors
        )


# --- patterns and notebooks -----------------------------------------------------------------------


class PatternError(S3Error):
    """A pattern file or pattern notebook is invalid."""

    def __init__(self, source: str, field: str, problem: str, expected: str = "") -> None:
        self.source = source
        self.field = field
        self.problem = problem
        self.expected = expected
        where = f"{source}, field '{field}'" if field else source
        super().__init__(f"{where}: {problem}.", f"Expected: {expected}." if expected else "")


class UnknownPatternError(S3Error):
    """No pattern with this id exists."""


class NotebookError(S3Error):
    """A notebook cannot be read, validated or imported."""


class InstrumentError(S3Error):
    """An evaluation instrument file is invalid."""


class MitsRuleError(ProcessError):
    """A MiTS cycle rule is not met (for example the preparation rule on local actors)."""

    def __init__(self, message: str, missing: list[str], hint: str = "") -> None:
        self.missing = missing
        super().__init__(message, hint)


def describe(value: Any) -> str:
    """Return a short, safe representation of a value for error messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- storage faults -------------------------------------------------------------------------------


class JournalReadError(JournalError):
    """The journal file cannot be read (it is a folder, unreadable, or the disk failed)."""


class FileWriteError(WorkspaceError, OSError):
    """A file beside the journal (query table, snapshot, saved copy) could not be written.

    It is also an ``OSError`` (with ``errno``, ``strerror`` and ``filename`` of the cause), so code
    that handles operating-system errors keeps working. Nothing is ever left half-written: files
    are written to a temporary name and moved into place.

    Args:
        message: What could not be written and why.
        hint: What to do about it.
        cause: The operating-system error.
    """

    def __init__(self, message: str, hint: str, cause: OSError) -> None:
        WorkspaceError.__init__(self, message, hint)
        self.errno = cause.errno
        self.strerror = cause.strerror
        self.filename = cause.filename

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip() if self.hint else self.message


class InvalidArgument(S3Error):
    """A command-line argument cannot be used (for example it is not valid UTF-8 text)."""


class DerivedStateWarning(UserWarning):
    """The query tables or the snapshot could not be updated; the journal is unaffected.

    They are derived from the journal and are written again at the next successful flush (or by
    ``s3flow rebuild``). Issued with :func:`warnings.warn`; the CLI prints it as one line.
    """
