"""The history panel: the events of a process and its sub-processes, newest last.

Hidden-round answers show as sealed; the reveal lists every signal. Someone recorded for by the
facilitator shows as "Bo, recorded by Ana".

Allowed imports: s3engine, jupyter_ext.
"""

from __future__ import annotations

import html
from typing import Any

from s3engine.core.credential import recorded_by
from s3engine.core.process import Process
from s3engine.core.workspace import Workspace

from .i18n import _


def esc(value: Any) -> str:
    """HTML-escape anything shown (all user text is untrusted)."""
    return html.escape(str(value if value is not None else ""))


def _tree(p: Process) -> list[Process]:
    out = [p]
    for c in p.children:
        out += _tree(c)
    return out


def history_html(ws: Workspace, p: Process) -> str:
    """The last 40 events of ``p`` and its sub-processes as an HTML table."""
    rows = []
    events = [e for q in _tree(p) for e in q.history]
    events.sort(key=lambda e: e["seq"])
    for e in events[-40:]:
        name = e["type"].split(".", 1)[1]
        owner = ws.processes.get(e["process"] or e["data"].get("id", ""))
        action = owner.definition.action_map.get(name) if owner else None
        label = _(action.title) if action else _("Started") if name == "started" else name
        by = recorded_by(e)
        who = e["actor"] + (f", {_('recorded by')} {by}" if by else "")
        rows.append(
            f"<tr><td>{e['seq']}</td><td>{esc(e['time'][11:19])}</td>"
            f"<td>{esc(who)}</td><td>{esc(label)}"
            f"</td><td>{esc(_short(e['data']))}</td></tr>"
        )
    return (
        "<table class='s3-history'><tr><th>#</th><th>"
        + esc(_("Time"))
        + "</th><th>"
        + esc(_("Who"))
        + "</th><th>"
        + esc(_("Action"))
        + "</th><th></th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _short(data: dict[str, Any]) -> str:
    if "commitment" in data:  # a hidden-round answer: nothing to show before the reveal
        return _("sealed until the reveal")
    if isinstance(data.get("revealed"), dict):
        return "; ".join(f"{k}: {_(str(v.get('value')))}" for k, v in data["revealed"].items())
    parts = []
    for k, v in data.items():
        if k == "id":
            continue
        s = ", ".join(map(str, v)) if isinstance(v, list) else str(v)
        parts.append(f"{k}: {s[:60]}")
    return "; ".join(parts)[:160]
