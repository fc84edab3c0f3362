"""The generic process contract and the machinery every S3 process shares.

A process type is *data*: a :class:`ProcessDef` listing its steps (states), its actions (each a
``transitions`` trigger with source, destination or conditional branches, the role that may take it,
the fields it needs and guidance a tutor can read aloud) plus small guard and effect methods on a
:class:`Process` subclass. One ``transitions`` machine is built per process type and shared by every
process object (the objects are never registered with it; events are triggered directly).

The contract, used by the CLI, the widgets and the tests alike:

* ``process.state`` — the current step;
* ``process.available_actions(actor=None)`` — what can be done now, by whom, with which fields;
* ``process.act(action, actor, **fields)`` — validate, journal, then apply;
* ``process.history`` — the events of this process.

State only ever changes in :meth:`Process.apply`, which is used both live and when the journal is
replayed, so a replayed process is exactly the live one. Nested S3 processes (testing an objection
inside a consent decision, resolving it, objections to an amendment ...) are child processes: the
parent waits in a step while its child runs, and the child's end moves the parent on.

Allowed imports: standard library, ``transitions``, ``s3engine.core``, ``s3engine.errors``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from transitions.core import EventData

from s3engine.errors import (
    ActionNotAllowedNow,
    InvalidField,
    NotAllowedForActor,
    UnknownActionError,
)

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.core.credential import Credential
    from s3engine.core.workspace import Workspace

from s3engine.core import field_value, transition
from s3engine.core.action_view import ActionView, Lazy
from s3engine.core.credential import SYSTEM
from s3engine.core.definition import (
    ANYONE,
    FACILITATOR,
    NAME_RE,
    PARTICIPANT,
    Action,
    Field,
    Missing,
    ProcessDef,
    Step,
)
from s3engine.core.history import History, slim


class Process:
    """Base class of every process: state, available actions, act, history, replay.

    Subclasses set ``definition``, ``setup(data)`` (start fields), effects ``do_<action>(actor,
    data, event)`` (before the state changes), guards named by actions and ``enter_<step>``.
    """

    definition: ClassVar[ProcessDef]
    #: Actions s3flow itself may take when their moment comes (see :meth:`follow_up`).
    system_actions: ClassVar[tuple[str, ...]] = ()
    state: str

    def __init__(
        self,
        ws: Workspace,
        pid: str,
        parent: Process | None,
        data: dict[str, Any],
        event: dict[str, Any],
    ) -> None:
        self.ws = ws
        self.id = pid
        self.parent = parent
        self.state = self.definition.steps[0].name
        self.history = History(ws.read_events)
        self.children: list[Process] = []
        self.waiting_on: Process | None = None
        self.started = event["time"]
        self.started_by = event["actor"]
        self.outcome: str | None = None
        self._event: dict[str, Any] = slim(event)
        self.setup(data)

    def __eq__(self, other: object) -> bool:
        return self is other  # identity equality (transitions de-duplicates with ==)

    __hash__ = object.__hash__

    @property
    def kind(self) -> str:
        """Process type name."""
        return self.definition.kind

    @property
    def root(self) -> Process:
        """The outermost process."""
        p: Process = self
        while p.parent is not None:
            p = p.parent
        return p

    @property
    def step(self) -> Step:
        """The current step's definition."""
        return self.definition.step_map[self.state]

    @property
    def finished(self) -> bool:
        """True once the process reached a final step."""
        return self.step.final

    def leaf(self) -> Process:
        """The innermost running process (the one whose actions are available)."""
        p: Process = self
        while p.waiting_on is not None:
            p = p.waiting_on
        return p

    # -- people --------------------------------------------------------------------------------

    @property
    def facilitator(self) -> str:
        """The facilitator of the outermost process."""
        return str(self.root.data["facilitator"])

    def facilitators(self) -> tuple[str, ...]:
        """Who may record actions for people without a device: the facilitator(s) in charge."""
        found: list[str] = []
        p: Process | None = self
        while p is not None:
            name = p.data.get("facilitator")
            if isinstance(name, str) and name not in found:
                found.append(name)
            p = p.parent
        return tuple(found)

    @property
    def participants(self) -> list[str]:
        """Everyone taking part (the facilitator included)."""
        return list(self.root.data["participants"])

    def people_for(self, role: str) -> tuple[str, ...] | None:
        """Who holds ``role`` here; None means anyone."""
        if role == FACILITATOR:
            return (self.facilitator,)
        if role == PARTICIPANT:
            return tuple(self.participants)
        if role == ANYONE:
            return None
        return self.role_holders(role)

    def role_holders(self, role: str) -> tuple[str, ...]:
        """Holders of process-specific roles (proposer, objector, nominee ...)."""
        return (self.facilitator,)

    # -- the contract -----------------------------------------------------------------------------

    def available_actions(self, actor: str | None = None) -> list[ActionView]:
        """Actions possible now in the innermost running process, optionally only for ``actor``."""
        leaf = self.leaf()
        out = []
        for a in leaf.definition.actions:
            if leaf.state not in a.source:
                continue
            refused = leaf.refusal(a, {})
            if refused is not None and not (isinstance(refused, Missing) and a.fields):
                continue
            who = leaf.people_for(a.role)
            if actor is not None and who is not None and actor not in who:
                continue
            out.append(
                ActionView(
                    leaf.id,
                    a.name,
                    a.title,
                    a.role,
                    who,
                    leaf.fields_for(a),
                    leaf.guidance_for(a),
                    a.confirm,
                    str(refused or ""),
                    getattr(refused, "fields", ()),
                )
            )
        return out

    def blocked(self) -> list[tuple[str, str]]:
        """Actions of the current step nobody can take now, with why: ``(title, reason)``.

        Front ends show these when nothing (or not what was expected) is possible, so a group is
        never stuck without knowing what is missing.
        """
        leaf = self.leaf()
        out = []
        for a in leaf.definition.actions:
            if leaf.state in a.source:
                reason = leaf.refusal(a, {})
                if (
                    reason
                    and not isinstance(reason, Missing)
                    and (reason != "its conditions are not met")
                ):
                    out.append((a.title, reason))
        return out

    def fields_for(self, action: Action) -> tuple[Field, ...]:
        """Fields of an action (subclasses may fill in choices from the process data)."""
        return action.fields

    def guidance_for(self, action: Action) -> str:
        """Guidance text of an action."""
        return action.guidance

    def act(
        self,
        action: str,
        actor: str,
        /,
        *,
        credential: Credential | None = None,
        request_id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Take an action in this process (or in its innermost running child).

        Args:
            action: The action's name.
            actor: On whose behalf.
            credential: Who is authenticated (see :meth:`Workspace.act`).
            request_id: The caller's id for this action (a retry is recognised).
            **fields: The action's fields.

        Returns:
            The journal event once it is durably written.

        Raises:
            S3Error: A subclass saying what is wrong and what is possible; nothing is written.
        """
        return self.ws.act(
            self.id, action, actor, credential=credential, request_id=request_id, **fields
        )

    def view(self, viewer: str | None = None) -> dict[str, Any]:
        """A plain-data picture of the process for front ends (hidden rounds stay hidden)."""
        leaf = self.leaf()
        return {
            "id": self.id,
            "kind": self.kind,
            "kind_title": self.definition.title,
            "title": self.title,
            "state": self.state,
            "step": self.step.title,
            "step_number": self.step.number,
            "finished": self.finished,
            "outcome": self.outcome,
            "facilitator": self.facilitator,
            "participants": self.participants,
            "active": leaf.id,
            "active_kind": leaf.kind,
            "active_state": leaf.state,
            "active_step": leaf.step.title,
            "guidance": leaf.step.guidance,
            "round": leaf.round_view(viewer),
            "details": self.details(),
        }

    @property
    def title(self) -> str:
        """Human title of this process instance."""
        return str(self.root.data.get("title") or self.definition.title)

    def details(self) -> dict[str, Any]:
        """Process-specific data worth showing (subclasses extend)."""
        return {}

    def round_view(self, viewer: str | None = None) -> dict[str, Any] | None:
        """The current hidden round as viewers may see it (None when there is no round)."""
        return None

    # -- validation ----------------------------------------------------------------------------

    def validate(self, name: str, actor: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Check an action completely without changing anything.

        Returns:
            The cleaned field values that will be journaled.
        """
        action = self.definition.action_map.get(name)
        allowed = Lazy(lambda: [a.title for a in self.available_actions()])
        ids = Lazy(lambda: [a.name for a in self.available_actions()])
        if action is None:
            waiting = self.parent
            while waiting is not None and name not in waiting.definition.action_map:
                waiting = waiting.parent
            if waiting is not None:  # an action of a process waiting for this one to end
                raise ActionNotAllowedNow(
                    name,
                    waiting.step.title,
                    allowed,
                    f"{waiting.definition.title} waits until its sub-process "
                    f"{self.definition.title} ends, which is now in step "
                    f"'{self.step.title}'",
                    title=waiting.definition.action_map[name].title,
                    allowed_ids=ids,
                )
            raise UnknownActionError(
                f"A {self.definition.title} has no action '{name}'.",
                "Possible now: "
                + (", ".join(f"{t} ({n})" for t, n in zip(allowed, ids, strict=False)) or "none")
                + ".",
            )
        if self.state not in action.source:
            raise ActionNotAllowedNow(
                name, self.step.title, allowed, title=action.title, allowed_ids=ids
            )
        if not isinstance(actor, str) or not actor.strip():
            raise InvalidField("actor", "nobody is named as acting", "the name of a participant")
        who = self.people_for(action.role)
        if (
            who is not None
            and actor not in who
            and not (actor == SYSTEM and name in self.system_actions)
        ):
            raise NotAllowedForActor(name, actor, action.role, ", ".join(who), title=action.title)
        clean = self.clean_fields(self.fields_for(action), fields)
        reason = self.refusal(action, clean)
        if isinstance(reason, Missing) and reason.fields:  # said next to the inputs to fill in
            raise field_value.needed(reason.fields, self.fields_for(action), action.title)
        if reason:
            raise ActionNotAllowedNow(
                name, self.step.title, allowed, reason, title=action.title, allowed_ids=ids
            )
        return clean

    def refuse(self, name: str, reason: str) -> ActionNotAllowedNow:
        """The error for action ``name`` refused now for ``reason`` (it names the action's title).

        Args:
            name: The action's name.
            reason: Why, in words.
        """
        action = self.definition.action_map.get(name)
        return ActionNotAllowedNow(
            name,
            self.step.title,
            Lazy(lambda: [a.title for a in self.available_actions()]),
            reason,
            title=action.title if action else name,
            allowed_ids=Lazy(lambda: [a.name for a in self.available_actions()]),
        )

    def refusal(self, action: Action, fields: dict[str, Any]) -> str | None:
        """Why ``action`` is refused now with these fields, or None."""
        if action.guard:
            reason: str | None = getattr(self, action.guard)(fields)
            if reason:
                return reason
        if isinstance(action.dest, tuple):
            ev = EventData(None, None, self.definition.machine, self, (), fields)
            for _dest, cond in action.dest:
                if cond is None or getattr(self, cond)(ev):
                    return None
            return "its conditions are not met"
        return None

    def clean_fields(self, specs: Iterable[Field], given: dict[str, Any]) -> dict[str, Any]:
        """Type-check and normalise field values; unknown or missing fields raise InvalidField."""
        return field_value.clean_all(specs, given, self.clean_value)

    def clean_value(self, f: Field, value: Any) -> Any:
        """Check one value against its field type (see :func:`s3engine.core.field_value.clean`)."""
        return field_value.clean(f, value, self.participants, self.ws.check_pattern_ids)

    @classmethod
    def validate_start(cls, ws: Workspace, fields: dict[str, Any]) -> dict[str, Any]:
        """Check the start fields; return the event data (with the new process id first)."""
        probe = cls.__new__(cls)
        probe.ws = ws
        probe.parent = None
        probe.data = {"participants": [], "facilitator": ""}
        data = probe.clean_fields(cls.definition.start_fields, fields)
        for key in ("facilitator", "participants"):
            names = data.get(key)
            for name in [names] if isinstance(names, str) else names or []:
                if not NAME_RE.match(name):
                    raise InvalidField(
                        key,
                        f"{name!r} is not a usable name",
                        "a name of 1 to 80 characters without control characters",
                    )
        cls.check_start(ws, data)
        kind = cls.definition.kind
        n = len(ws.roots(kind)) + 1
        while f"{kind}-{n}" in ws.processes:  # ids of s3flow 0.1 counted events, not processes
            n += 1
        return {"id": f"{kind}-{n}", **data}

    @classmethod
    def check_start(cls, ws: Workspace, data: dict[str, Any]) -> None:
        """Extra start checks (subclasses); may normalise ``data`` in place."""
        if "participants" in data and "facilitator" in data:
            if data["facilitator"] not in data["participants"]:
                data["participants"] = [data["facilitator"], *data["participants"]]
            data["participants"] = list(dict.fromkeys(data["participants"]))

    def follow_up(self) -> tuple[str, dict[str, Any]] | None:
        """An action s3flow takes by itself now (e.g. reveal a round everyone answered), or None.

        The workspace asks the innermost running process after each live action and takes the
        returned ``(action, fields)`` as the system (never during a replay).
        """
        return None

    def summary_row(self, event: dict[str, Any]) -> dict[str, Any]:
        """This (outermost) process's row of the query-side ``processes`` table after ``event``."""
        return {
            "id": self.id,
            "kind": self.kind,
            "kind_title": self.definition.title,
            "title": self.title,
            "state": self.state,
            "step": self.step.title,
            "active": self.leaf().id,
            "active_step": self.leaf().step.title,
            "finished": self.finished,
            "outcome": self.outcome,
            "started": self.started,
            "updated": event["time"],
            "facilitator": self.data.get("facilitator"),
            "events": len(self.history),
        }

    def project(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Query-side records derived from this (root) process: (table, key, document)."""
        return []

    # -- applying events (live and replay) -------------------------------------------------------

    def setup(self, data: dict[str, Any]) -> None:
        """Initialise from the start event's data."""
        self.data: dict[str, Any] = dict(data)

    def apply(self, event: dict[str, Any]) -> None:
        """Apply one of this process's action events. The only place state changes."""
        name = event["type"].partition(".")[2]
        definition = self.definition
        action = definition.action_map[name]
        self.history.append(event)
        self._event = event
        effect = getattr(self, "do_" + name, None)
        if effect is not None:
            effect(event["actor"], event["data"], event)
        if action.dest is not None:
            transition.fire(definition.machine, self, name, event["data"])
        self.ws.on_changed(self, event)  # (then only who, when and what is kept of the event)

    def fire(self, trigger: str, **kwargs: Any) -> None:
        """Fire a trigger of the shared machine on this process (see :mod:`.transition`)."""
        transition.fire(self.definition.machine, self, trigger, kwargs)

    def spawn(self, cls: type[Process], data: dict[str, Any]) -> Process:
        """Start a child process and wait for it (ids are deterministic: ``<parent>.<n>``)."""
        child = cls(self.ws, f"{self.id}.{len(self.children) + 1}", self, data, self._event)
        self.children.append(child)
        self.waiting_on = child
        self.ws.register(child)
        child.enter_start()
        return child

    def enter_start(self) -> None:
        """Hook run after a (child) process is created; may fire internal triggers."""

    def finish(self, outcome: str) -> None:
        """Record the outcome and tell the parent."""
        self.outcome = outcome
        if self.parent is not None:
            self.parent.waiting_on = None
            self.parent.child_done(self)

    def child_done(self, child: Process) -> None:
        """Called when a child process ends (subclasses move on)."""

    @property
    def last_time(self) -> str:
        """Time of the event being applied."""
        return str(self._event["time"])

    @property
    def last_actor(self) -> str:
        """Actor of the event being applied."""
        return str(self._event["actor"])
