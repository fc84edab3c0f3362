"""Where a process is: its step bar and the people's round, as HTML for the stepper.

Also what a keyboard or screen-reader user is told after an action: where the focus goes and
what the live region says (:func:`focus_after`).

Allowed imports: s3engine, jupyter_ext.i18n, jupyter_ext.assist.
"""

from __future__ import annotations

import html
from typing import Any

from s3engine.core.process import Process

from .assist import Assist
from .i18n import _

#: Where a process is: its running (innermost) process, that one's state, its round's progress.
Where = tuple[str, str, str]


def esc(value: Any) -> str:
    """HTML-escape anything shown in a widget (all user text is untrusted)."""
    return html.escape(str(value if value is not None else ""))


def step_bar(p: Process, nested: bool = False) -> str:
    """The numbered steps of a process, the current one named and highlighted."""
    seen: list[tuple[str, str]] = []
    for s in p.definition.steps:
        if s.number and s.number not in [n for n, _t in seen]:
            seen.append((s.number, s.title))
    cur = p.step.number
    chips = []
    for n, title in seen:
        on = n == cur and not p.finished
        chips.append(
            f"<span class='s3-chip{' s3-chip-current' if on else ''}' title='{esc(_(title))}'>"
            f"{esc(n)} {esc(_(title)) if on else ''}</span>"
        )
    label = f"{esc(_(p.definition.title))}: " if nested else ""
    return f"<div class='s3-stepbar{' s3-nested' if nested else ''}'>{label}{''.join(chips)}</div>"


def people_html(leaf: Process, person: str | None) -> str:
    """The participants, or the current round: who has signalled, and what once revealed.

    Args:
        leaf: The process whose round is shown.
        person: Who is signed in on this screen (a personal link), else None. Only such a
            screen shows that person's own hidden answer: on a shared screen "Acting as" would
            otherwise show anyone's before the reveal.
    """
    rnd = leaf.round_view(person)
    names = leaf.participants
    if not rnd:
        return f"<div class='s3-people'>{esc(_('Participants'))}: {esc(', '.join(names))}</div>"
    cells = []
    for n in names:
        if rnd["revealed"]:
            mark = esc(_(rnd["signals"].get(n, "")))
        elif n in rnd.get("absent", []):
            mark = esc(_("absent"))
        else:
            mark = "✔ " + esc(_("signalled")) if n in rnd["signalled"] else "…"
        by = rnd.get("recorded_by", {}).get(n)
        if by:
            mark += " (" + esc(_("recorded by")) + " " + esc(by) + ")"
        cells.append(f"<tr><td>{esc(n)}</td><td class='s3-signal'>{mark}</td></tr>")
    mine = rnd.get("mine")
    if mine:
        cells.append(
            f"<tr class='s3-mine'><td><b>{esc(_('Your signal'))}</b></td>"
            f"<td>{esc(_(mine))}</td></tr>"
        )
    head = esc(round_text(leaf, person))
    # names shown as typed (a round without a template, e.g. nominations: its text as it is)
    about = _(rnd.get("about_template", rnd["about"])).format(**rnd.get("about_values", {}))
    return (
        f"<div class='s3-people s3-round'><b>{head}</b> — {esc(about)}"
        f"<table>{''.join(cells)}</table></div>"
    )


def step_text(leaf: Process) -> str:
    """The current step as a sentence: "Step 3: Present the proposal"."""
    step = leaf.step
    return (f"{_('Step')} {step.number}: " if step.number else "") + _(step.title)


def round_text(leaf: Process, person: str | None) -> str:
    """How far the current round is ("Hidden round: 2 / 4 signalled"), or "" without a round."""
    rnd = leaf.round_view(person)
    if not rnd:
        return ""
    if rnd["revealed"]:
        return _("Signals revealed")
    return _("Hidden round") + f": {rnd['count']} / {rnd['of']} " + _("signalled")


def where(proc: Process, person: str | None) -> Where:
    """Where ``proc`` is now, as seen by ``person`` (None: a shared screen)."""
    leaf = proc.leaf()
    return leaf.id, leaf.state, round_text(leaf, person)


def focus_after(
    assist: Assist, proc: Process, person: str | None, before: Where, move: bool = True
) -> None:
    """Focus the new step's heading (same step: the first action) and say what changed.

    Args:
        assist: The panel's assistant.
        proc: The process shown.
        person: Who is signed in on the screen, else None.
        before: :func:`where` the process was before the action or redraw.
        move: False (a redraw after someone else's action) leaves the focus where the user is,
            unless the redraw removed the element they were on.
    """
    leaf = proc.leaf()
    rnd = round_text(leaf, person)
    if (leaf.id, leaf.state) != before[:2]:
        text = step_text(leaf) + (f". {rnd}" if rnd else "")
        assist.focus_on(".s3-current-step", announcement=text, move=move)
    else:
        assist.focus_on(
            ".s3-actions button",
            ".s3-actor select",
            ".s3-current-step",
            announcement=rnd if rnd != before[2] else "",
            move=move,
        )
