"""Transitions: firing a trigger of a process type's ``transitions`` machine, cheaply.

The machine (:attr:`ProcessDef.machine`) stays the one description of every step change: which
trigger leads from which step to which, under which conditions, and which ``enter_<step>``
callbacks run. Going through ``Event.trigger`` for every event costs tens of microseconds
(partials, a processing queue, several logging calls per transition), which dominated opening a
large workspace. :func:`fire` reads the same machine once into a plan and then does exactly what
``transitions`` does for the machines s3flow builds (``send_event=True``, conditions, ``on_enter``
callbacks, no queue, no other callbacks): the first transition from the current step whose
conditions all hold moves the process to its destination and runs the destination's enter
callbacks; a trigger that is not valid from the current step raises ``MachineError``.

A machine with any other kind of callback is fired through ``transitions`` itself. Tests replay
journals both ways and compare every process (``tests/test_transition.py``).

Allowed imports: standard library, ``transitions``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from transitions import Machine, MachineError
from transitions.core import EventData

#: trigger -> source step -> [(destination or None, [(condition name, target)], enter callbacks)]
Plan = dict[str, dict[str, list[tuple[str | None, list[tuple[str, bool]], list[str]]]]]

_ATTR = "_s3flow_plan"
#: Tests set this to True to fire every trigger through ``transitions`` itself.
USE_MACHINE = False


def _plan(machine: Machine) -> Plan | None:
    """The machine as a plan, or None when it uses callbacks the plan does not cover."""
    if any(
        getattr(machine, name)
        for name in (
            "prepare_event",
            "before_state_change",
            "after_state_change",
            "finalize_event",
            "on_exception",
            "on_final",
        )
    ) or getattr(machine, "has_queue", False):
        return None
    states = machine.states
    if any(s.on_exit or getattr(s, "final", False) for s in states.values()):
        return None
    plan: Plan = {}
    for name, event in machine.events.items():
        by_source: dict[str, list[tuple[str | None, list[tuple[str, bool]], list[str]]]] = {}
        for source, transitions in event.transitions.items():
            steps = []
            for t in transitions:
                if t.prepare or t.before or t.after:
                    return None
                conds = []
                for c in t.conditions:
                    if not isinstance(c.func, str):
                        return None
                    conds.append((c.func, c.target))
                callbacks = list(states[t.dest].on_enter) if t.dest else []
                enter = [f for f in callbacks if isinstance(f, str)]
                if len(enter) != len(callbacks):
                    return None
                steps.append((t.dest, conds, enter))
            by_source[source] = steps
        plan[name] = by_source
    return plan


def fire(machine: Machine, model: Any, trigger: str, kwargs: dict[str, Any]) -> bool:
    """Fire ``trigger`` on ``model`` (whose ``state`` attribute is its step), as ``transitions``.

    Args:
        machine: The process type's machine.
        model: The process.
        trigger: The trigger (action or internal trigger) name.
        kwargs: The event's fields, passed to conditions and callbacks as ``EventData.kwargs``
            (a copy: they may change it).

    Returns:
        True when a transition was taken, False when no transition's conditions held.

    Raises:
        MachineError: The trigger is not valid from the current step.
        AttributeError: A condition names no method of the process.
    """
    try:
        plan = machine.__dict__[_ATTR]  # read once per machine, kept on it
    except KeyError:
        plan = machine.__dict__[_ATTR] = _plan(machine)
    if plan is None or USE_MACHINE:
        result: bool = machine.events[trigger].trigger(model, **kwargs)
        return result
    steps = plan[trigger].get(model.state)
    if steps is None:
        raise MachineError(f"Can't trigger event {trigger} from state {model.state}!")
    if len(steps) == 1 and not steps[0][1] and not steps[0][2]:
        dest = steps[0][0]  # no condition, no callback: what transitions would do, directly
        if dest is not None:
            model.state = dest
        return True
    states = machine.states
    event = machine.events[trigger]
    data = EventData(states[model.state], event, machine, model, (), dict(kwargs))
    for dest, conds, enter in steps:
        ok = True
        for name, target in conds:
            predicate: Callable[[EventData], Any] | None = getattr(model, name, None)
            if predicate is None:
                raise AttributeError(f"process has no guard or callback {name!r}")
            if predicate(data) != target:
                ok = False
                break
        if not ok:
            continue
        if dest is not None:
            model.state = dest
            data.state = states[dest]
            for name in enter:
                callback = getattr(model, name, None)
                if callback is not None:
                    callback(data)
        data.result = True
        return True
    return False
