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

from .i18n import _, format_datetime


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
        label, said = describe(ws, e["process"] or e["data"].get("id", ""), name, e["data"])
        by = recorded_by(e)
        who = e["actor"] + (f", {_('recorded by')} {by}" if by else "")
        rows.append(
            f"<tr><td>{e['seq']}</td><td>{esc(format_datetime(e['time']))}</td>"
            f"<td>{esc(who)}</td><td>{esc(label)}"
            f"</td><td>{esc(said)}</td></tr>"
        )
    return (
        "<table class='s3-history'><tr><th>#</th><th>"
        + esc(_("Time"))
        + "</th><th>"
        + esc(_("Who"))
        + "</th><th>"
        + esc(_("Action"))
        + "</th><th>"
        + esc(_("Details"))
        + "</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def describe(ws: Workspace, pid: str, name: str, data: dict[str, Any]) -> tuple[str, str]:
    """An event in words, in the interface language: its action's title and what it recorded.

    Args:
        ws: The workspace.
        pid: The process the event belongs to.
        name: The action's name (``started`` for the start).
        data: What the event recorded.
    """
    owner = ws.processes.get(pid)
    action = owner.definition.action_map.get(name) if owner else None
    label = _(action.title) if action else _("Started") if name == "started" else name
    fields = action.fields if action else owner.definition.start_fields if owner else ()
    labels = {f.name: f.label or f.name.replace("_", " ").capitalize() for f in fields}
    chosen = {f.name for f in fields if f.choices}
    return label, _short(data, labels, chosen)


def _short(data: dict[str, Any], labels: dict[str, str], chosen: set[str]) -> str:
    """What an event recorded, in words: each field by its label, chosen values translated."""
    if "commitment" in data:  # a hidden-round answer: nothing to show before the reveal
        return _("sealed until the reveal")
    if isinstance(data.get("revealed"), dict):
        return "; ".join(f"{k}: {_(str(v.get('value')))}" for k, v in data["revealed"].items())
    parts = []
    for k, v in data.items():
        if k == "id":
            continue
        say = _ if k in chosen else str  # what people typed is shown as typed
        if isinstance(v, bool):
            s = _("Yes") if v else _("No")
        else:
            s = ", ".join(say(str(x)) for x in v) if isinstance(v, list) else say(str(v))
        parts.append(f"{_(labels.get(k, k.replace('_', ' ').capitalize()))}: {s[:60]}")
    return "; ".join(parts)[:160]
