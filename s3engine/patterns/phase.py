"""Steps and phases: which phases (and pattern ids) a process step stands for.

A step is matched to the phases patterns list (:data:`s3engine.patterns.model.PHASES`) by its
state, by its process kind, or by words of a short phrase; the process types also name the
patterns they use. :func:`patterns_for_phases` orders the patterns of those phases for
:meth:`s3engine.patterns.database.PatternDB.for_step`.

Allowed imports: standard library, ``s3engine.core.registry``, ``s3engine.errors``,
``s3engine.patterns.model``, ``s3engine.patterns.text``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from s3engine.core.registry import default_registry
from s3engine.errors import UnknownPatternError
from s3engine.patterns.model import MITS_PHASES, PHASES, Pattern
from s3engine.patterns.text import fold

#: Phase of each process kind.
KIND_PHASES = {
    "consent": "consent-decision",
    "objection-test": "objection-testing",
    "resolution": "objection-resolution",
    "proposal-forming": "proposal-forming",
    "tension": "navigate-tension",
    "evaluate": "agreement-review",
    "role-selection": "role-selection",
}
#: Phase of each step (state) name, for states that are not phases themselves.
STATE_PHASES = {
    "choose": "objection-testing",
    "testing": "objection-testing",
    "req_testing": "objection-testing",
    "concern_testing": "objection-testing",
    "present_argument": "objection-testing",
    "understand_argument": "objection-testing",
    "check_disagreement": "objection-testing",
    "investigate": "objection-testing",
    "resolving": "objection-resolution",
    "req_resolving": "objection-resolution",
    "concern_resolving": "objection-resolution",
    "amend": "objection-resolution",
    "nominate": "role-selection",
    "nominations": "role-selection",
    "reasons": "role-selection",
    "changes": "role-selection",
    "accept": "role-selection",
    "tuners": "proposal-forming",
    "ideas": "proposal-forming",
    "considerations": "proposal-forming",
    "agreement_review": "agreement-review",
    "driver_review": "agreement-review",
    "is_driver": "navigate-tension",
    "in_domain": "navigate-tension",
    "lit": "team-formation",
}
#: Words of a phrase (all of them, folded) that stand for a phase.
_KEYWORDS = (
    (("objection", "resolv"), "objection-resolution"),
    (("objection", "amend"), "objection-resolution"),
    (("resolv",), "objection-resolution"),
    (("objection",), "objection-testing"),
    (("role",), "role-selection"),
    (("nominat",), "role-selection"),
    (("proposal",), "proposal-forming"),
    (("tension",), "navigate-tension"),
    (("review", "agreement"), "agreement-review"),
    (("consent",), "consent-decision"),
)


def step_phases(step: Any) -> tuple[list[str], list[str]]:
    """Phases for a step and the pattern ids its process names.

    Args:
        step: A running process (its innermost step is used), ``"kind:state"``, a state name, a
            phase or a short phrase (see :meth:`s3engine.patterns.database.PatternDB.for_step`).

    Returns:
        ``(phases, named)``: the step's own phases first, then its process's; and the pattern ids
        the process types of the step (and of those phases) name.

    Raises:
        UnknownPatternError: Nothing matches.
    """
    named: list[str] = []
    if hasattr(step, "definition") and hasattr(step, "state"):
        leaf = step.leaf() if hasattr(step, "leaf") else step
        named = list(leaf.definition.patterns)
        if leaf is not step:
            named += [p for p in step.definition.patterns if p not in named]
        kind, state = leaf.kind, leaf.state
        outer = step.kind
    else:
        text = str(step).strip()
        kind, sep, state = text.partition(":")
        if not sep:
            kind, state = "", text
        outer = kind
        if kind in default_registry().process_types:
            named = list(default_registry().process_types[kind].definition.patterns)
    phases: list[str] = []

    def add(phase: str | None) -> None:
        if phase and phase in PHASES and phase not in phases:
            phases.append(phase)

    norm = fold(state).strip().replace("_", "-").replace(" ", "-")
    add(norm if norm in PHASES else None)
    add(STATE_PHASES.get(state) or STATE_PHASES.get(norm.replace("-", "_")))
    add(KIND_PHASES.get(kind))
    if outer != kind:
        add(KIND_PHASES.get(outer))
    if not phases:
        words = fold(str(step))
        for phase in PHASES:
            if phase in words or phase.replace("-", " ") in words:
                add(phase)
        for needles, phase in _KEYWORDS:
            if all(n in words for n in needles):
                add(phase)
    for kind_name, phase in KIND_PHASES.items():
        cls = default_registry().process_types.get(kind_name)
        if phase in phases and cls is not None:
            named += [p for p in cls.definition.patterns if p not in named]
    if not phases and not named:
        raise UnknownPatternError(
            f"No patterns are known for the step '{str(step)[:60]}'.",
            "Give a phase (" + ", ".join(PHASES) + "), a state such as 'resolving', or "
            "kind:state such as consent:testing.",
        )
    return phases, named


def patterns_for_phases(
    entries: Iterable[Pattern], phases: Sequence[str], named: Sequence[str]
) -> list[Pattern]:
    """The entries listing each phase, phase by phase (see :func:`step_phases`).

    Args:
        entries: One entry per pattern id.
        phases: The phases, the step's own first.
        named: Pattern ids the step's process types name.

    Returns:
        Per phase, the entries listing it that no earlier phase gave: those in ``named`` first,
        then those whose id begins with the phase, toolbox patterns first for MiTS phases (the
        toolbox describes the MiTS cycle's phases), then those listing the phase earliest, then
        by name.
    """
    pool = list(entries)
    out: list[Pattern] = []
    seen: set[str] = set()
    for phase in phases:
        matching = [p for p in pool if phase in p.phases and p.id not in seen]
        mits = phase in MITS_PHASES
        matching.sort(
            key=lambda p: (
                p.id not in named,
                not p.id.startswith(phase),
                mits and p.kind != "toolbox",
                p.phases.index(phase),
                p.name,
            )
        )
        out += matching
        seen.update(p.id for p in matching)
    return out
