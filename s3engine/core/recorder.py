"""Recording: how an action becomes one validated, authenticated, durable event.

Every change goes the same way: under the journal lock, catch up with other programs' events, let
the caller validate against that state (raising an ``S3Error`` and writing nothing when refused),
append one event — saying who acted, on whose behalf, and how they were authenticated — fsync it,
then apply it. A retried request (same request id) returns the event recorded the first time.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.journal``, ``s3engine.errors``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

from s3engine.core import keyring, request
from s3engine.core.credential import SYSTEM, SYSTEM_CREDENTIAL, Credential, operator
from s3engine.core.request import Draft
from s3engine.errors import InvalidField, S3Error

#: Operator credentials by person (see Recorder._operator).
_OPERATORS: dict[str, Credential] = {}

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from s3engine.core.process import Process
    from s3engine.core.registry import Registry
    from s3engine.core.workspace import Workspace
    from s3engine.journal.store import JournalStore


class Recorder:
    """The writing half of :class:`~s3engine.core.workspace.Workspace` (a mixin).

    The workspace provides the state and the reading half declared here.
    """

    path: Path
    journal: JournalStore
    keys: keyring.KeyVault
    registry: Registry
    processes: dict[str, Process]
    requests: dict[str, dict[str, Any] | int]
    key_record: dict[str, Any] | None
    _others_write = False  # whether other programs' events were caught up under the lock
    read_events: Callable[[list[int]], list[dict[str, Any]]]

    def apply(self, event: dict[str, Any]) -> None:
        """Apply one event (see :meth:`Workspace.apply`)."""
        raise NotImplementedError

    def get(self, pid: str) -> Process:
        """The process ``pid`` (see :meth:`Workspace.get`)."""
        raise NotImplementedError

    def events(self) -> Iterator[dict[str, Any]]:
        """Every event (see :meth:`Workspace.events`)."""
        raise NotImplementedError

    def ensure_folder(self) -> None:
        """Create the folder if needed (see :meth:`Workspace.ensure_folder`)."""
        raise NotImplementedError

    def maybe_flush(self) -> None:
        """Flush the query side when due (see :meth:`Workspace.maybe_flush`)."""
        raise NotImplementedError

    def write(
        self,
        actor: str,
        process: str,
        type_: str,
        data: dict[str, Any],
        check: Callable[[], dict[str, Any] | None] | None = None,
        credential: Credential | None = None,
    ) -> dict[str, Any]:
        """Append one event after ``check`` passed against the caught-up state, then apply it.

        Args:
            actor: Who acts.
            process: The id of the process the event belongs to ("" for none).
            type_: The event type (``<kind>.<action>``, ``workspace.configured`` ...).
            data: The event data.
            check: Validation run under the journal lock, after other programs' events have been
                applied, so it sees the real current state. It may return replacement data
                (cleaned fields); an ``S3Error`` it raises means nothing is written.
            credential: Who is authenticated (default: the operator, as ``actor``).

        Returns:
            The event, once it is durably in the journal and applied.
        """
        cred = credential or (
            SYSTEM_CREDENTIAL if actor == SYSTEM_CREDENTIAL.person else self._operator(actor)
        )

        def prepare() -> Draft:
            body = data
            if check is not None:
                cleaned = check()
                if cleaned is not None:
                    body = cleaned
            return Draft(actor, process, type_, body, cred.auth())

        return self._commit(prepare, add_key=type_ != keyring.KEY_EVENT)

    def _commit(
        self, prepare: Callable[[], Draft | dict[str, Any]], add_key: bool = True
    ) -> dict[str, Any]:
        """Under the journal lock: catch up, validate, append the event; then apply it.

        ``prepare`` validates against the caught-up state and returns the draft of the event (or
        the event recorded before for a retried request). Nothing is written when it raises.
        Events are applied once the transaction has ended, that is once they are durable (the
        file journal fsyncs after releasing its lock), and only those the journal kept. When other
        programs wrote meanwhile, a journal whose ``reads_ahead`` is true is caught up with before
        its lock is taken, too.
        """
        self.ensure_folder()
        if self._others_write and getattr(self.journal, "reads_ahead", False):
            # Others wrote meanwhile last time: catch up before taking the lock, which is then
            # held only to read what was written since (every writer in line waits for it).
            for ev in self.journal.read_new():
                self.apply(ev)
        written: list[dict[str, Any]] = []
        try:
            with self.journal.transaction() as new:
                self._others_write = bool(new)
                for ev in new:
                    self.apply(ev)
                event = self._record(prepare, add_key, written)
                if event is not None:
                    return event  # a retried request, recorded before: nothing new is written
        finally:
            # A write undone after a failure is not applied; one that may be in the journal all
            # the same is left to the next catch-up (the journal's head was moved back before it).
            kept = self.journal.last_seq
            for ev in written:
                if ev["seq"] <= kept:
                    self.apply(ev)
        self.maybe_flush()
        return written[-1]

    def _record(
        self,
        prepare: Callable[[], Draft | dict[str, Any]],
        add_key: bool,
        written: list[dict[str, Any]],
    ) -> dict[str, Any] | None:
        """Under the lock: validate and write the event (after the workspace key if it has none).

        Returns:
            The event recorded before for a retried request (nothing is written), else None: the
            events written are in ``written``.
        """
        first = None
        if self.key_record is None and add_key:
            # The workspace's key comes first (for a new workspace: event 1), so the record
            # vouches for all it holds, and hidden answers can be sealed with it. The action
            # is validated as if it followed the key event; nothing is written if refused.
            first = self.journal.make_event(
                SYSTEM_CREDENTIAL.person,
                "",
                keyring.KEY_EVENT,
                keyring.new_identity(self.keys),
                auth=SYSTEM_CREDENTIAL.auth(),
            )
            head = (self.journal.last_seq, self.journal.last_hash)
            self.journal.last_seq, self.journal.last_hash = first["seq"], first["hash"]
            self.key_record = first["data"]
            try:
                draft = prepare()
            finally:
                self.journal.last_seq, self.journal.last_hash = head
                self.key_record = None
        else:
            draft = prepare()
        if not isinstance(draft, Draft):
            return draft
        if first is not None:
            written.append(self.journal.append_locked(first))
        written.append(self.journal.append_locked(self.journal.make_event(*draft)))
        return None

    def start(
        self,
        kind: str,
        actor: str,
        /,
        *,
        credential: Credential | None = None,
        request_id: str | None = None,
        **fields: Any,
    ) -> Process:
        """Start a new top-level process of type ``kind``.

        Args:
            kind: The process kind (``consent``, ``role-selection`` ...).
            actor: Who starts it.
            credential: Who is authenticated (default: the operator, as ``actor``).
            request_id: The caller's id for this action: a retry with the same id returns the
                process started the first time instead of starting another.
            **fields: The start fields.

        Raises:
            UnknownProcessError: No such process type.
            InvalidField: A start field is missing or wrong (nothing is written).
        """
        cls = self.registry.process_type(kind)
        if not isinstance(actor, str) or not actor.strip():
            raise InvalidField("actor", "nobody is named as starting the process", "a name")
        cred = credential or operator(actor)
        type_ = f"{kind}.started"

        def prepare() -> Draft | dict[str, Any]:
            done = self._retried(request_id, type_, actor)
            if done is not None:
                return done
            cred.check_may_act_for(actor, (actor,))
            data = cls.validate_start(cast("Workspace", self), fields)
            return Draft(actor, "", type_, data, cred.auth(), request_id)

        event = self._commit(prepare)
        return self.processes[event["data"]["id"]]

    def act(
        self,
        pid: str,
        action: str,
        actor: str,
        /,
        *,
        credential: Credential | None = None,
        request_id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Take an action in process ``pid`` (or the child it is waiting on).

        Args:
            pid: The process.
            action: The action's name.
            actor: On whose behalf the action is taken.
            credential: Who is authenticated (default: the operator, as ``actor``). Someone else
                than ``actor`` may record the action only as an operator facilitating the process.
            request_id: The caller's id for this action: a retry with the same id (after a crash
                or a lost answer) returns the event recorded the first time.
            **fields: The action's fields.

        Returns:
            The recorded event.

        Raises:
            UnknownProcessError: No process ``pid``.
            ProcessError: The action is refused (unknown, not possible now, not for this actor, or
                a field is wrong); nothing is written.
            ImpersonationRefused: The credential may not act for ``actor``.
            DuplicateRequestError: ``request_id`` was used for a different action.
        """
        cred = credential or self._operator(actor)

        def prepare() -> Draft | dict[str, Any]:
            leaf = self.get(pid).leaf()
            done = self._retried(request_id, f".{action}", actor)
            if done is not None:
                return done
            if actor != cred.person:  # acting for someone else: only a facilitator may
                cred.check_may_act_for(actor, leaf.facilitators())
            data = leaf.validate(action, actor, fields)
            return Draft(actor, leaf.id, f"{leaf.kind}.{action}", data, cred.auth(), request_id)

        event = self._commit(prepare)
        follow = self.get(pid).leaf().follow_up() if pid in self.processes else None
        if follow is not None:  # e.g. the last answer of a hidden round: reveal it now
            # The action itself is recorded; a refused follow-up waits for the facilitator.
            with contextlib.suppress(S3Error):
                self.act(pid, follow[0], SYSTEM, credential=SYSTEM_CREDENTIAL, **follow[1])
        return event

    def _operator(self, person: str) -> Credential:
        """The operator's credential as ``person`` (made once per person: it is immutable)."""
        made = _OPERATORS.get(person)
        if made is None:
            made = operator(person)
            if len(_OPERATORS) < 1000:
                _OPERATORS[person] = made
        return made

    def _retried(self, request_id: str | None, type_: str, actor: str) -> dict[str, Any] | None:
        """The event already recorded for ``request_id`` (None when it is new)."""
        return request.retried(self.requests, request_id, type_, actor, self.read_events)
