"""Meeting minutes derived from the journal, as Markdown, HTML and a notebook.

Minutes cover the events of one day (or a time window): for every process touched, its title, what
happened and where it ended; agreements made with their review dates; concerns; objections and how
they were resolved. Text from the journal is escaped (HTML) so nothing a participant typed can run.

Allowed imports: standard library, s3engine, nbformat, markdown_it, nh3 (lazily).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from s3engine.core.credential import SYSTEM, recorded_by
from s3engine.core.workspace import Workspace
from s3engine.journal.embedding import embed_html, embed_text
from s3engine.version import __version__


def collect(ws: Workspace, day: str | None = None) -> dict[str, Any]:
    """Gather what happened on ``day`` (YYYY-MM-DD; None = the whole journal)."""
    events = [e for e in ws.events() if day is None or e["time"].startswith(day)]
    roots: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        pid = e["data"].get("id") if e["type"].endswith(".started") else e["process"]
        if not pid:
            continue
        root = pid.split(".")[0]
        if root in ws.processes:
            roots.setdefault(root, []).append(e)
    items = []
    for pid, evs in roots.items():
        p = ws.processes[pid]
        items.append(
            {
                "id": pid,
                "kind": p.definition.title,
                "title": p.title,
                "events": len(evs),
                "actors": sorted({e["actor"] for e in evs} - {SYSTEM}),
                "recorded_for": [
                    f"{e['actor']}, recorded by {recorded_by(e)}" for e in evs if recorded_by(e)
                ],
                "absent": sorted(_absent(evs)),
                "now": p.leaf().step.title,
                "outcome": p.outcome,
                "agreement": ws.projection.get("agreements", pid),
            }
        )
    return {
        "day": day,
        "items": items,
        "events": len(events),
        "first": events[0]["seq"] if events else None,
        "last": events[-1]["seq"] if events else None,
    }


def _absent(events: list[dict[str, Any]]) -> set[str]:
    """Who was recorded absent in the hidden rounds of these events."""
    out: set[str] = set()
    for e in events:
        if e["type"].endswith(".mark_absent"):
            out.add(str(e["data"].get("person")))
        elif e["type"].endswith((".close_round", ".close_nominations")):
            out.update(str(p) for p in e["data"].get("absent") or [])
    return out


def checkpoint_note(ws: Workspace) -> str | None:
    """The signed checkpoint of the journal now (None when this program cannot sign)."""
    from s3engine.core import trust
    from s3engine.errors import S3Error

    try:
        return trust.checkpoint(ws)
    except (S3Error, OSError):
        return None


def to_markdown(ws: Workspace, day: str | None = None, checkpoint: bool = True) -> str:
    """Minutes as Markdown (text from the journal is escaped for Markdown and HTML).

    Args:
        ws: The workspace.
        day: Only this day (YYYY-MM-DD); None for the whole journal.
        checkpoint: End with the signed checkpoint of the journal now.
    """
    m = collect(ws, day)
    out = [
        f"# Minutes{' of ' + day if day else ''}",
        "",
        f"{m['events']} journal events"
        + (f" (seq {m['first']}–{m['last']})" if m["first"] else "")
        + ".",
        "",
    ]
    for it in m["items"]:
        out += [
            f"## {_md(it['title'])}",
            "",
            f"*{it['kind']}* `{it['id']}` — now: {_md(it['now'])}"
            + (f" — outcome: **{_md(it['outcome'])}**" if it["outcome"] else ""),
            "",
            f"Taking part: {_md(', '.join(it['actors']))}",
            "",
        ]
        if it["absent"]:
            out += [f"Absent: {_md(', '.join(it['absent']))}", ""]
        if it["recorded_for"]:
            out += [
                f"Recorded for someone without a device: "
                f"{_md('; '.join(dict.fromkeys(it['recorded_for'])))}",
                "",
            ]
        a = it["agreement"]
        if a:
            out += [f"**Agreement** (review on {a['review_date']}): {_md(a['text'])}", ""]
            for r in a["responsibilities"]:
                out.append(f"- Responsible: {_md(r)}")
            for c in a["evaluation_criteria"]:
                out.append(f"- Evaluation criterion: {_md(c)}")
            for c in a["concerns"]:
                out.append(f"- Concern ({_md(c['by'])}): {_md(c['text'] or 'signalled')}")
            for o in a["objections"]:
                res = (o.get("resolution") or {}).get("amendment") or {}
                out.append(
                    f"- Objection ({_md(o['objector'])}): {_md(o['argument'])} — "
                    f"{o['verdict']}" + (f"; resolved: {_md(res.get('text', ''))}" if res else "")
                )
            for d in a.get("deferred_objections") or []:
                out.append(f"- Deferred objection ({_md(d.get('objector'))}): {_md(deferral(d))}")
            out.append("")
    out.append(f"*Generated by s3flow {__version__} from the workspace journal.*")
    note = checkpoint_note(ws) if checkpoint else None
    if note:
        # The signed checkpoint current when the minutes were made: `s3flow verify --checkpoint
        # MINUTES` later shows the journal still holds everything these minutes report.
        out += ["", "## Checkpoint", "", "```text", embed_text(note).rstrip("\n"), "```"]
    return "\n".join(out) + "\n"


def deferral(d: dict[str, Any]) -> str:
    """A deferred objection in words: what, who takes responsibility by when, what happens next."""
    text = f"{d.get('objection')} — {d.get('owner') or 'nobody'} takes responsibility"
    text += f" by {d['due']}" if d.get("due") else ""
    return text + (f"; next: {d['next_step']}" if d.get("next_step") else "")


def _md(text: Any) -> str:
    """Escape text for Markdown and HTML."""
    s = html.escape(str(text), quote=False)
    for ch in "\\`*_[]#|":
        s = s.replace(ch, "\\" + ch)
    return s


def to_html(ws: Workspace, day: str | None = None) -> str:
    """Minutes as a standalone, sanitised HTML page."""
    import nh3
    from markdown_it import MarkdownIt

    md = to_markdown(ws, day, checkpoint=False)
    body = nh3.clean(MarkdownIt("commonmark", {"html": False}).render(md))
    for tag in ("h1", "h2", "p", "li"):  # Arabic paragraphs run right to left, others left to right
        body = body.replace(f"<{tag}>", f'<{tag} dir="auto">')
    note = checkpoint_note(ws)
    if note:
        body += "<h2>Checkpoint</h2>\n" + embed_html(note)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Minutes</title></head>"
        f"<body>{body}</body></html>"
    )


def to_notebook(ws: Workspace, day: str | None = None) -> Any:
    """Minutes as an nbformat 4.5 notebook (Markdown cells only, deterministic ids)."""
    import nbformat
    from nbformat import v4

    # nbformat.v4's helpers have no annotations: name the types they take and return here.
    new_markdown_cell: Callable[[str], dict[str, Any]] = v4.new_markdown_cell
    new_notebook: Callable[..., dict[str, Any]] = v4.new_notebook
    md = to_markdown(ws, day)
    parts = md.split("\n## ")
    cells = [new_markdown_cell(parts[0])] + [new_markdown_cell("## " + p) for p in parts[1:]]
    for n, c in enumerate(cells):
        c["id"] = f"minutes-{day or 'all'}-{n}"
    nb = new_notebook(
        cells=cells, metadata={"s3flow": {"kind": "minutes", "day": day, "version": __version__}}
    )
    nbformat.validate(nb)
    return nb
