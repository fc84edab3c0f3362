"""Where a process is: its step bar and the people's round, as HTML for the stepper.

Allowed imports: s3engine, jupyter_ext.i18n.
"""

from __future__ import annotations

import html
from typing import Any

from s3engine.core.process import Process

from .i18n import _


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
    head = (
        esc(_("Signals revealed"))
        if rnd["revealed"]
        else esc(_("Hidden round")) + f": {rnd['count']} / {rnd['of']} " + esc(_("signalled"))
    )
    return (
        f"<div class='s3-people s3-round'><b>{head}</b> — {esc(_(rnd['about']))}"
        f"<table>{''.join(cells)}</table></div>"
    )
