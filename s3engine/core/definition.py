"""Process types as data: steps, actions, fields and roles, and the one state machine per type.

A process type is a :class:`ProcessDef`: its steps (states), its actions (each a ``transitions``
trigger with source, destination or conditional branches, the role that may take it, the fields it
needs and guidance a tutor can read aloud) and its start fields. :attr:`ProcessDef.machine` builds
the one ``transitions`` machine shared by every process of the type.

Allowed imports: standard library, ``transitions``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from transitions import Machine, State
from transitions.core import EventData

# Roles a participant can hold in a process.
FACILITATOR = "facilitator"
PARTICIPANT = "participant"
PROPOSER = "proposer"
OBJECTOR = "objector"
NOMINEE = "nominee"
TUTOR = "tutor"
ANYONE = "anyone"

FIELD_TYPES = (
    "text",
    "line",
    "person",
    "people",
    "date",
    "choice",
    "bool",
    "int",
    "number",
    "list",
    "patterns",
    "mapping",
    "rows",
)
MAX_TEXT = 20_000
NAME_RE = re.compile(r"^[^\x00-\x1f\x7f]{1,80}$")


@dataclass(frozen=True)
class Field:
    """One input of an action.

    Attributes:
        name: Key in the event data.
        type: One of FIELD_TYPES (``person`` must be a participant, ``people`` a list of them).
        required: Whether the field must be given.
        help: One sentence shown next to the input.
        choices: Allowed values for ``choice`` fields.
        label: Short label for forms (defaults to the name).
        choices_from: Where a picker finds the values to offer (``agreements``, ``domains``,
            ``cycles`` ...; see :mod:`s3engine.core.choices`); "" for free input.
        columns: For a ``rows`` field (a table the form lets people add rows to and remove rows
            from), the fields of one row.
    """

    name: str
    type: str = "text"
    required: bool = True
    help: str = ""
    choices: tuple[str, ...] = ()
    label: str = ""
    choices_from: str = ""
    columns: tuple[Field, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain-data view for front ends."""
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "help": self.help,
            "choices": list(self.choices),
            "label": self.label or self.name.replace("_", " "),
            "choices_from": self.choices_from,
            "columns": [c.as_dict() for c in self.columns],
        }


class Missing(str):
    """A guard's refusal that the action's own form can cure ("the review date is missing").

    Front ends still offer such an action, with the reason, so the group fills in what is
    missing instead of meeting a dead end; the guard is checked again with the fields given.

    Args:
        text: The reason, in words.
        fields: The action's fields that supply what is missing (each refused next to its input).
    """

    fields: tuple[str, ...]

    def __new__(cls, text: str, fields: tuple[str, ...] = ()) -> Missing:
        """A reason ``text`` that the inputs ``fields`` can cure."""
        obj = super().__new__(cls, text)
        obj.fields = fields
        return obj


@dataclass(frozen=True)
class Action:
    """One thing that can be done in a process.

    Attributes:
        name: Trigger name, also the journal event type suffix.
        title: Button label.
        source: Steps in which the action is possible.
        dest: Next step, None to stay in the step, or a tuple of (step, guard) branches tried in
            order (guard None = always).
        role: Who may take it (FACILITATOR, PARTICIPANT, PROPOSER, OBJECTOR, NOMINEE, TUTOR,
            ANYONE).
        fields: Inputs.
        guidance: What the tutor can say when offering this action.
        guard: Name of a method ``(fields) -> str | None`` returning why the action is refused now.
        confirm: For an action that cannot be undone, the sentence front ends show before taking
            it ("" for none).
    """

    name: str
    title: str
    source: tuple[str, ...]
    dest: str | tuple[tuple[str, str | None], ...] | None
    role: str
    fields: tuple[Field, ...] = ()
    guidance: str = ""
    guard: str | None = None
    confirm: str = ""


@dataclass(frozen=True)
class Step:
    """One step (state) of a process, with what the guide says happens in it."""

    name: str
    title: str
    guidance: str = ""
    number: str = ""
    final: bool = False
    waiting: bool = False


@dataclass(frozen=True)
class ProcessDef:
    """A process type as data."""

    kind: str
    title: str
    patterns: tuple[str, ...]
    steps: tuple[Step, ...]
    actions: tuple[Action, ...]
    start_fields: tuple[Field, ...] = ()
    internal: tuple[tuple[str, tuple[str, ...], str], ...] = ()  # (trigger, sources, dest)

    @cached_property
    def step_map(self) -> dict[str, Step]:
        """Steps by name."""
        return {s.name: s for s in self.steps}

    @cached_property
    def action_map(self) -> dict[str, Action]:
        """Actions by name."""
        return {a.name: a for a in self.actions}

    @cached_property
    def machine(self) -> Machine:
        """The one ``transitions`` machine shared by every process of this type."""
        states = [State(s.name, on_enter=[f"enter_{s.name}"]) for s in self.steps]
        transitions: list[dict[str, Any]] = []
        for a in self.actions:
            branches = a.dest if isinstance(a.dest, tuple) else ((a.dest, None),)
            for dest, guard in branches:
                t: dict[str, Any] = {"trigger": a.name, "source": list(a.source), "dest": dest}
                if guard:
                    t["conditions"] = [guard]
                transitions.append(t)
        for trig, sources, dest in self.internal:
            transitions.append({"trigger": trig, "source": list(sources), "dest": dest})
        return _SafeMachine(
            model=None,
            states=states,
            transitions=transitions,
            initial=self.steps[0].name,
            send_event=True,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )

    def mermaid(self, current: str | None = None) -> str:
        """Return the process as a mermaid state diagram, the current step highlighted."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.steps[0].name}"]
        for s in self.steps:
            lines.append(f"    {s.name} : {s.number + ' ' if s.number else ''}{s.title}")
        seen = set()
        for a in self.actions:
            branches = a.dest if isinstance(a.dest, tuple) else ((a.dest, None),)
            for dest, _ in branches:
                for src in a.source:
                    d = dest or src
                    if d == src or (src, d, a.name) in seen:
                        continue
                    seen.add((src, d, a.name))
                    lines.append(f"    {src} --> {d} : {a.name}")
        for trig, sources, dest in self.internal:
            for src in sources:
                lines.append(f"    {src} --> {dest} : {trig}")
        for s in self.steps:
            if s.final:
                lines.append(f"    {s.name} --> [*]")
        if current:
            lines.append("    classDef current fill:#f9d66b,stroke:#8a6d00,stroke-width:3px")
            lines.append(f"    class {current} current")
        return "\n".join(lines)


class _SafeMachine(Machine):
    """A machine that only calls methods of the process object, never imports dotted names."""

    @staticmethod
    def resolve_callable(func: Any, event_data: EventData) -> Callable[..., Any]:
        """Return the process method named ``func`` (or ``func`` itself when it is callable).

        A missing ``enter_<step>`` callback is a no-op; any other missing name is an error.

        Raises:
            AttributeError: The process has no such guard or callback.
        """
        if isinstance(func, str):
            fn: Callable[..., Any] | None = getattr(event_data.model, func, None)
            if fn is None:
                if func.startswith("enter_"):
                    return lambda *_a, **_k: None
                raise AttributeError(f"process has no guard or callback {func!r}")
            return fn
        resolved: Callable[..., Any] = func
        return resolved
