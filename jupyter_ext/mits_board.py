"""The MiTS cycle's board, in sentences and small tables, never raw data.

It shows the community, the cycle and phase, the preparation rule in words, the gate checklist as
ticks (what the tutor checks before signing the phase), the actors, the Local Implementation Team,
the governance agreement, the instrument and the co-designed actions. Everything comes from
``process.details()``; every user text is escaped.

Allowed imports: s3engine, jupyter_ext.
"""

from __future__ import annotations

import html
from typing import Any

from s3engine.core.process import Process

from .i18n import N_, _, say


def esc(value: Any) -> str:
    """HTML-escape a value (all user text is untrusted)."""
    return html.escape(str(value if value is not None else ""))


def checklist_html(items: list[dict[str, Any]]) -> str:
    """The gate checklist: a tick or an empty box before each sentence."""
    if not items:
        return ""
    box = (
        "display:inline-block;width:1.1em;height:1.1em;line-height:1.1em;text-align:center;"
        "border:1px solid #2f6f4f;border-radius:3px;margin-right:6px;color:#2f6f4f"
    )
    hidden = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)"
    rows = "".join(
        f"<li class='s3-check {'s3-done' if i['done'] else 's3-todo'}' style='list-style:none'>"
        f"<span aria-hidden='true' style='{box}'>{'✔' if i['done'] else ''}</span>"
        f"<span style='{hidden}'>{esc(_('done') if i['done'] else _('to do'))}: </span>"
        f"{esc(say(i['text']))}</li>"
        for i in items
    )
    return (
        f"<div class='s3-gate'><b>{esc(_('Before the tutor signs this phase'))}</b>"
        f"<ul style='padding-left:4px;margin:4px 0'>{rows}</ul></div>"
    )


def _table(head: list[str], rows: list[list[Any]], cls: str) -> str:
    if not rows:
        return ""
    th = "".join(f"<th style='text-align:left;padding:2px 6px'>{esc(_(h))}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:2px 6px'>{esc(c)}</td>" for c in r) + "</tr>"
        for r in rows
    )
    return f"<table class='{cls}'><tr>{th}</tr>{body}</table>"


def mits_board(p: Process) -> str:
    """The board of a MiTS process ``p``."""
    d = p.details()
    out = [
        f"<div><b>{esc(d['community'])}</b> — {esc(_('cycle'))} {esc(d['cycle'])}: "
        f"{esc(_(d['phase']))}"
        + (f" · {esc(_('Tutor'))}: {esc(d['tutor'])}" if d.get("tutor") else "")
        + "</div>",
        f"<div class='s3-rule'><b>{esc(_('Preparation rule'))}:</b> "
        f"{esc(say(d['rule_text']))}</div>",
    ]
    out += [f"<div class='s3-warning'>⚠ {esc(w)}</div>" for w in d.get("warnings", [])]
    out.append(checklist_html(d.get("gate_checklist", [])))
    out.append(
        _table(
            [N_("Actor"), N_("Type"), N_("Representative")],
            [[a["name"], _(a["type"]), a.get("representative") or "—"] for a in d["actors"]],
            "s3-actors",
        )
    )
    out.append(
        _table(
            [N_("LIT member"), N_("Represents"), N_("Role")],
            [[m["member"], m["actor"], m.get("role") or "—"] for m in d["lit"]],
            "s3-lit",
        )
    )
    gov = d.get("governance")
    if gov:
        row = p.ws.projection.get("agreements", gov["agreement"]) or {}
        out.append(
            f"<div><b>{esc(_('LIT governance'))}:</b> {esc(row.get('title') or _('agreement'))}"
            "</div>"
        )
    inst = d.get("instrument")
    if inst:
        out.append(
            f"<div><b>{esc(_('Instrument'))}:</b> {esc(inst.get('name') or inst.get('id'))}</div>"
        )
    out.append(
        _table(
            [N_("Action"), N_("Status"), N_("Progress")],
            [[a["title"], _(a["status"]), f"{int(a['progress'])}%"] for a in d["actions"]],
            "s3-cycle-actions",
        )
    )
    return "".join(x for x in out if x)
