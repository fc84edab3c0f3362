"""Replay: step through a recorded process event by event, and compare a run with the guide.

``replay(ws, pid)`` rebuilds the process from the journal in a separate, in-memory workspace and
returns, for every event of the process (children included), who did what and the state after it.
``compare_with_guide`` checks a run against the guide's step order: steps skipped, steps done out of
order (outside the loops the guide allows), and steps passed through without the participation the
guide asks for (nobody asked questions, not everyone gave a brief response, a round closed before
everyone signalled, concerns signalled but never voiced).

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3engine.core.definition import ProcessDef
from s3engine.core.workspace import Workspace
from s3engine.languages import Phrase


@dataclass
class ReplayStep:
    """One event of a replayed process and the state after it."""

    seq: int
    time: str
    actor: str
    process: str
    action: str
    data: dict[str, Any]
    state: str
    step: str
    step_number: str
    active: str
    active_step: str
    view: dict[str, Any] = field(default_factory=dict)


def replay(ws: Workspace, pid: str) -> list[ReplayStep]:
    """Rebuild process ``pid`` from the journal, event by event."""
    ws.get(pid)  # raises UnknownProcessError
    shadow = Workspace(Path(ws.path) / ".replay-never-written")
    steps: list[ReplayStep] = []
    for ev in ws.events():
        shadow.apply(ev)
        mine = (
            ev["process"] == pid
            or ev["process"].startswith(pid + ".")
            or (ev["type"].endswith(".started") and ev["data"].get("id") == pid)
        )
        if not mine or pid not in shadow.processes:
            continue
        p = shadow.processes[pid]
        leaf = p.leaf()
        steps.append(
            ReplayStep(
                ev["seq"],
                ev["time"],
                ev["actor"],
                ev["process"],
                ev["type"].split(".", 1)[1],
                ev["data"],
                p.state,
                p.step.title,
                p.step.number,
                leaf.id,
                leaf.step.title,
                p.view(),
            )
        )
    return steps


@dataclass
class GuideComparison:
    """How a run compares with the guide."""

    visited: list[str]
    skipped: list[str]
    out_of_order: list[str]
    thin: list[str]

    @property
    def follows_guide(self) -> bool:
        """True when nothing was skipped, reordered or passed through without participation."""
        return not (self.skipped or self.out_of_order or self.thin)


# Loops the guide allows (from step -> to step), per process type.
ALLOWED_BACK = {
    "consent": {("6", "5"), ("7", "5")},
    "resolution": {("4", "3"), ("5", "3")},
    "objection-test": {("4", "3"), ("5", "3")},
    "role-selection": {("8", "6"), ("8", "7"), ("7", "6")},
    "proposal-forming": set(),
    "tension": {("3", "2")},
    "evaluate": set(),
    # MiTS: a new cycle goes back to evaluation, and any phase may be revisited with a reason.
    "mits": {(a, b) for a in "ABCDEF" for b in "ABCDEF" if b < a},
}


def _order(definition: ProcessDef) -> list[str]:
    seen: list[str] = []
    for s in definition.steps:
        if s.number and s.number not in seen:
            seen.append(s.number)
    return seen


# Steps the guide only runs when needed (testing and resolving happen only with objections).
OPTIONAL = {"consent": {"6", "7"}, "objection-test": {"4", "5"}, "resolution": {"4", "5"}}


def compare_sequence(
    definition: ProcessDef, visited: list[str], allowed_back: set[tuple[str, str]] | None = None
) -> GuideComparison:
    """Compare a sequence of visited step numbers with the guide's order."""
    optional = OPTIONAL.get(definition.kind, set())
    allowed = ALLOWED_BACK.get(definition.kind, set()) if allowed_back is None else allowed_back
    order = _order(definition)
    rank = {n: i for i, n in enumerate(order)}
    runs = [n for i, n in enumerate(visited) if n in rank and (i == 0 or visited[i - 1] != n)]
    out_of_order: list[str] = []
    highest = -1
    for prev, cur in zip([None, *runs], runs, strict=False):  # (None, first), (first, second)…
        r = rank[cur]
        if prev is not None and r < rank[prev] and (prev, cur) not in allowed:
            out_of_order.append(Phrase("step {step} after step {before}", step=cur, before=prev))
        highest = max(highest, r)
    skipped: list[str] = [
        Phrase("step {step}", step=n)
        for n in order[: highest + 1]
        if n not in runs and n not in optional
    ]
    return GuideComparison(runs, skipped, out_of_order, [])


def compare_with_guide(ws: Workspace, pid: str) -> GuideComparison:
    """Compare a recorded consent decision (or any process) with the guide's steps."""
    steps = replay(ws, pid)
    proc = ws.get(pid)
    visited = [s.step_number for s in steps if s.step_number]
    result = compare_sequence(proc.definition, visited)
    if proc.kind == "consent":
        result.thin = _thin_consent(proc, steps)
    return result


def _thin_consent(proc: Any, steps: list[ReplayStep]) -> list[str]:
    thin: list[str] = []
    people = set(proc.participants)
    entered = {s.step_number for s in steps}
    if "4" in entered and "5" in entered:
        if not any(s.action == "ask_question" for s in steps):
            thin.append(Phrase("step {step}: nobody asked a clarifying question", step=3))
        responded = {r["by"] for r in proc.responses}
        missing = sorted(people - responded)
        if missing:
            thin.append(
                Phrase(
                    "step {step}: no brief response from {names}", step=4, names=", ".join(missing)
                )
            )
    for r in proc.rounds:
        silent = sorted(p for p, s in r["signals"].items() if s == "no signal")
        if silent:
            thin.append(
                Phrase(
                    "step {step} (round {round}): closed before {names} signalled",
                    step=5,
                    round=r["no"],
                    names=", ".join(silent),
                )
            )
    unvoiced = sorted({c["by"] for c in proc.concerns if not c["text"]})
    if proc.finished and unvoiced:
        thin.append(
            Phrase(
                "step {step}: concerns of {names} were never voiced",
                step=9,
                names=", ".join(unvoiced),
            )
        )
    return thin
