"""The MiTS cycle report: baseline vs now per section, actions, decisions and roles.

:func:`cycle_report` gathers the data of one cycle from the live workspace (everything in it is
derived from the journal). It can be printed as text (:func:`format_text`) and drawn as a chart
(:func:`write_chart`, matplotlib with the Agg canvas, imported lazily and without touching pyplot's
global backend). Files (HTML, notebook, Markdown, JSON) are written by
:mod:`s3engine.reports.cycle_export`.

Allowed imports: standard library, ``matplotlib`` (lazily), ``s3engine.core``, ``s3engine.errors``,
``s3engine.org``, ``s3engine.processes.mits``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from s3engine.core.workspace import Workspace
from s3engine.errors import MissingExtraError, S3Error
from s3engine.org import domain as org
from s3engine.processes.mits.aggregation import compare
from s3engine.processes.mits.cycle import MitsCycle

DASH = "-"


def find_cycle_process(ws: Workspace, pid: str | None = None) -> MitsCycle:
    """The MiTS process ``pid``, else the most recently started one.

    Args:
        ws: The workspace.
        pid: A process id, if any.

    Returns:
        The MiTS process.

    Raises:
        S3Error: There is no MiTS process (or none with that id).
    """
    if pid:
        proc = ws.get(pid)
        if proc.kind != "mits" or not isinstance(proc, MitsCycle):
            raise S3Error(
                f"{pid} is a {proc.definition.title}, not a MiTS process.",
                "Give the id of a MiTS process (`s3flow mits status`).",
            )
        return proc
    found = [p for p in ws.roots("mits") if isinstance(p, MitsCycle)]
    if not found:
        raise S3Error(
            "This workspace has no MiTS process yet.",
            "Start one with `s3flow start mits community=... facilitator=... "
            "actors=...` or run `s3flow demo --scenario mits`.",
        )
    return found[-1]


def _now_evaluation(m: MitsCycle, cycle: int) -> dict[str, Any] | None:
    done = m.completed()
    in_cycle = [e for e in done if e["cycle"] == cycle]
    if in_cycle:
        return in_cycle[-1]
    earlier = [e for e in done if e["cycle"] <= cycle]
    return earlier[-1] if earlier else None


def cycle_report(ws: Workspace, pid: str | None = None, cycle: int | None = None) -> dict[str, Any]:
    """Everything the report shows for one cycle (default: the latest) as plain data.

    Args:
        ws: The workspace.
        pid: The MiTS process (default: the most recently started one).
        cycle: The cycle number (default: the current one).

    Returns:
        The process, community, cycle and phase, the rule and actors, the instrument and its
        scale, summaries of the baseline, now and previous-cycle evaluations, the ``sections``
        and ``items`` compared, the actions, decisions (agreements, LIT decisions, gates),
        drivers, roles and critical areas.

    Raises:
        S3Error: No such MiTS process or cycle.
    """
    m = find_cycle_process(ws, pid)
    n = m.cycle if cycle is None else int(cycle)
    if not 1 <= n <= m.cycle:
        raise S3Error(f"{m.id} has no cycle {n}.", f"Choose a cycle from 1 to {m.cycle}.")
    base = m.baseline()
    now = _now_evaluation(m, n)
    prev = m.previous_cycle_evaluation(now) if now else None
    sections: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    if now is not None and base is not None:
        cmp = compare(
            m.inst, now["aggregate"], base["aggregate"], prev["aggregate"] if prev else None
        )
        sections, items = cmp["sections"], cmp["items"]
    agreements = {a["id"]: a for a in ws.projection.all("agreements") if a.get("cycle") == m.id}
    decisions = []
    for link in m.links:
        if link["cycle"] == n:
            a = agreements.get(link["agreement"], {})
            decisions.append(
                {
                    "kind": "agreement",
                    "id": link["agreement"],
                    "title": a.get("title") or link.get("title", ""),
                    "purpose": link["purpose"],
                    "action": link.get("action"),
                    "agreed_on": (a.get("agreed_on") or "")[:10],
                    "review_date": a.get("review_date"),
                    "status": a.get("status"),
                }
            )
    for d in m.decisions:
        if d["cycle"] == n:
            decisions.append(
                {
                    "kind": "LIT decision",
                    "id": "",
                    "title": d["decision"],
                    "purpose": d["reason"],
                    "action": None,
                    "agreed_on": d["time"][:10],
                    "review_date": None,
                    "status": "recorded",
                }
            )
    for g in m.gates:
        if g["cycle"] == n:
            decisions.append(
                {
                    "kind": "gate",
                    "id": "",
                    "title": f"{g['from']} -> {g['to']}",
                    "purpose": f"signed by {g['signed_by']}",
                    "action": None,
                    "agreed_on": g["time"][:10],
                    "review_date": None,
                    "status": "signed",
                }
            )
    actions = [
        {
            k: a[k]
            for k in ("id", "cycle", "title", "area", "status", "progress", "agreement", "patterns")
        }
        | {
            "owner": (a["owner"] or {}).get("name"),
            "keeper": (a["owner"] or {}).get("keeper"),
            "milestones": f"{sum(x['done'] for x in a['milestones'])}/{len(a['milestones'])}",
            "resources": [f"{r['resource']} ({r['actor']})" for r in a["resources"]],
        }
        for a in m.actions
        if a["cycle"] <= n and a["status"] != "dropped"
    ]
    roles = [
        {"role": "tutor", "keeper": m.data.get("tutor"), "term_end": None, "source": m.id},
        {"role": "facilitator", "keeper": m.data["facilitator"], "term_end": None, "source": m.id},
    ]
    roles += [
        {
            "role": f"LIT member ({x['actor']})",
            "keeper": x["member"],
            "term_end": None,
            "source": m.id,
        }
        for x in m.lit
    ]
    roles += [
        {"role": r["name"], "keeper": r["keeper"], "term_end": r["term_end"], "source": r["id"]}
        for r in org.roles(ws, held_only=True)
    ]
    return {
        "process": m.id,
        "community": m.data["community"],
        "title": m.title,
        "cycle": n,
        "cycles": m.cycle,
        "phase": m.step.title,
        "finished": m.finished,
        "rule": m.data["rule"],
        "actors": m.active_actors(),
        "instrument": m.data.get("instrument"),
        "scale": {"min": m.inst.scale_min, "max": m.inst.scale_max} if m.instrument else None,
        "baseline": _ev_summary(base),
        "now": _ev_summary(now),
        "previous": _ev_summary(prev),
        "sections": sections,
        "items": items,
        "actions": actions,
        "decisions": decisions,
        "drivers": [d for d in m.drivers if d["cycle"] == n],
        "roles": roles,
        "critical_areas": m.critical_areas(n),
    }


def _ev_summary(ev: dict[str, Any] | None) -> dict[str, Any] | None:
    if ev is None:
        return None
    return {
        "id": ev["id"],
        "cycle": ev["cycle"],
        "phase": ev["phase"],
        "completed": ev["completed"],
        "respondents": ev["aggregate"]["respondents"],
        "overall": ev["aggregate"]["overall"]["mean"],
    }


# -- text -----------------------------------------------------------------------------------------


def num(value: Any, signed: bool = False) -> str:
    """A score for display: two decimals, a sign for deltas, a dash when missing.

    Args:
        value: A score or a difference, or None.
        signed: Show the sign (for differences).

    Returns:
        The text.
    """
    if value is None:
        return DASH
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def section_table(rep: dict[str, Any]) -> list[list[str]]:
    """Rows of the baseline-vs-now table (header first).

    Args:
        rep: A report, as :func:`cycle_report` returns it.

    Returns:
        One list of texts per row: section, baseline, previous, now, the two differences, n.
    """
    rows = [["Section", "Baseline", "Previous", "Now", "vs baseline", "vs previous", "n"]]
    for s in rep["sections"]:
        rows.append(
            [
                s["name"],
                num(s["baseline"]),
                num(s["previous"]),
                num(s["now"]),
                num(s["delta_baseline"], True),
                num(s["delta_previous"], True),
                str(s["count"]),
            ]
        )
    return rows


def format_text(rep: dict[str, Any]) -> str:
    """The report as plain text (what ``s3flow mits report`` prints).

    Args:
        rep: A report, as :func:`cycle_report` returns it.

    Returns:
        The text, lines separated by newlines.
    """
    lines = [
        f"{rep['title']} ({rep['process']}) - cycle {rep['cycle']} of {rep['cycles']}, "
        f"now in: {rep['phase']}"
    ]
    inst = rep["instrument"] or {}
    if inst:
        lines.append(f"Instrument: {inst.get('name')} (version {inst.get('version')})")
    b, p, n = rep["baseline"], rep["previous"], rep["now"]
    if not rep["sections"]:
        lines.append("No completed evaluation yet: nothing to compare.")
    else:
        lines.append(
            f"Baseline: {b['id']} (cycle {b['cycle']});  previous cycle: "
            f"{p['id'] + ' (cycle ' + str(p['cycle']) + ')' if p else DASH};  now: "
            f"{n['id']} (cycle {n['cycle']}, {n['phase']})"
        )
        rows = section_table(rep)
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for k, r in enumerate(rows):
            lines.append(
                "  "
                + "  ".join(
                    c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)
                )
            )
            if k == 0:
                lines.append("  " + "  ".join("-" * w for w in widths))
        lines.append(
            f"  Overall: baseline {num(b['overall'])}, now {num(n['overall'])} "
            f"({num(_sub(n['overall'], b['overall']), True)})"
        )
    if rep["actions"]:
        lines.append("Actions:")
        for a in rep["actions"]:
            lines.append(
                f"  {a['id']} [{a['status']}, {a['progress']}%] {a['title']} "
                f"(cycle {a['cycle']}, area {a['area']}, owner {a['owner'] or DASH}, "
                f"milestones {a['milestones']})"
            )
    if rep["drivers"]:
        lines.append("Drivers raised:")
        lines += [f"  {d['id']} [{d['status']}] {d['driver']}" for d in rep["drivers"]]
    if rep["decisions"]:
        lines.append("Decisions in this cycle:")
        for d in rep["decisions"]:
            ref = f"{d['id']} " if d["id"] else ""
            lines.append(f"  {d['agreed_on']} {d['kind']}: {ref}{d['title']} ({d['purpose']})")
    lines.append("Roles:")
    lines += [
        f"  {r['role']}: {r['keeper'] or DASH}"
        + (f" (term ends {r['term_end']})" if r["term_end"] else "")
        for r in rep["roles"]
    ]
    return "\n".join(lines)


def _sub(a: Any, b: Any) -> float | None:
    return None if a is None or b is None else float(a) - float(b)


# -- chart -------------------------------------------------------------------------------------


def write_chart(rep: dict[str, Any], png: Path, svg: Path | None = None) -> list[Path]:
    """Draw baseline, previous cycle and now per section; save as PNG (and SVG).

    Uses matplotlib's object API with the Agg canvas, so pyplot's global backend (for example a
    notebook's inline backend) is left alone.

    Args:
        rep: A report, as :func:`cycle_report` returns it.
        png: Where to save the PNG (its folder is created).
        svg: Where to save an SVG as well, if anywhere.

    Returns:
        The files written.

    Raises:
        MissingExtraError: matplotlib is not installed (the ``charts`` extra).
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # lazily: heavy
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise MissingExtraError("The baseline-vs-now chart", "charts", "matplotlib") from exc

    rows = rep["sections"]
    names = [s["name"] for s in rows] or ["(no evaluation yet)"]
    fig = Figure(figsize=(9, 1.2 + 0.55 * len(names)), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    series = [
        ("Baseline", "baseline", "#9db4c0"),
        ("Previous cycle", "previous", "#f2c14e"),
        ("Now", "now", "#2e7d32"),
    ]
    height = 0.26
    for k, (label, key, colour) in enumerate(series):
        vals = [s[key] if s[key] is not None else 0.0 for s in rows] or [0.0]
        pos = [i + (k - 1) * height for i in range(len(names))]
        ax.barh(pos, vals, height=height, label=label, color=colour)
    ax.set_yticks(list(range(len(names))))
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    inst = rep.get("instrument") or {}
    scale = rep.get("scale") or {}
    if scale:
        ax.set_xlim(min(0, scale["min"]), scale["max"])
    ax.set_xlabel(
        f"Mean score ({inst.get('name', 'instrument')}"
        + (f", scale {scale['min']}-{scale['max']})" if scale else ")")
    )
    ax.set_title(f"{rep['community']}: cycle {rep['cycle']}, baseline vs now")
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.09 - 0.3 / len(names)),
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, format="png")
    out = [png]
    if svg is not None:
        fig.savefig(svg, format="svg")
        out.append(svg)
    return out
