"""Writing the MiTS cycle report to files: HTML, a Jupyter notebook, Markdown or JSON.

:func:`export` gathers the report (:func:`~s3engine.reports.cycle_report.cycle_report`), saves the
chart as PNG and SVG next to the file (left out, with a note, when matplotlib is missing) and
writes the file its name asks for: a self-contained HTML page with the SVG embedded
(:func:`to_html`), a validated nbformat v4 notebook with the PNG as output (:func:`to_notebook`),
Markdown linking the PNG (:func:`to_markdown`) or the report's data as JSON.

Allowed imports: standard library, ``nbformat`` (lazily), ``s3engine.core``, ``s3engine.errors``,
``s3engine.reports.cycle_report``.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from s3engine.core.workspace import Workspace
from s3engine.errors import MissingExtraError, S3Error
from s3engine.reports.cycle_report import DASH, cycle_report, section_table, write_chart


def to_markdown(rep: dict[str, Any], chart: str | None = None) -> str:
    """The report as Markdown.

    Args:
        rep: A report, as :func:`~s3engine.reports.cycle_report.cycle_report` returns it.
        chart: The chart image to link, if any (a path relative to the Markdown file).

    Returns:
        The Markdown text.
    """
    out = [
        f"# {rep['title']}: cycle {rep['cycle']}",
        "",
        f"Community: **{rep['community']}** · process `{rep['process']}` · now in {rep['phase']}",
        "",
    ]
    if rep["sections"]:
        rows = section_table(rep)
        out.append("| " + " | ".join(rows[0]) + " |")
        out.append("|" + "|".join("---" for _ in rows[0]) + "|")
        out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        out.append("")
    else:
        out += ["No completed evaluation yet.", ""]
    if chart:
        out += [f"![Baseline vs now]({chart})", ""]
    if rep["actions"]:
        out += [
            "## Actions",
            "",
            "| Action | Cycle | Status | Progress | Owner | Milestones |",
            "|---|---|---|---|---|---|",
        ]
        out += [
            f"| {a['id']} {a['title']} | {a['cycle']} | {a['status']} | {a['progress']}% | "
            f"{a['owner'] or DASH} | {a['milestones']} |"
            for a in rep["actions"]
        ]
        out.append("")
    if rep["decisions"]:
        out += ["## Decisions", ""]
        out += [
            f"- {d['agreed_on']} {d['kind']}: {d['id']} {d['title']} ({d['purpose']})"
            for d in rep["decisions"]
        ]
        out.append("")
    out += ["## Roles", ""]
    out += [
        f"- {r['role']}: {r['keeper'] or DASH}"
        + (f" (term ends {r['term_end']})" if r["term_end"] else "")
        for r in rep["roles"]
    ]
    return "\n".join(out) + "\n"


def to_html(rep: dict[str, Any], svg: Path | None = None) -> str:
    """The report as one self-contained HTML page (the SVG chart embedded).

    Args:
        rep: A report, as :func:`~s3engine.reports.cycle_report.cycle_report` returns it.
        svg: The chart to embed, if it exists.

    Returns:
        The HTML page.
    """
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(rep['title'])}: cycle {rep['cycle']}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}"
        "td.n{text-align:right}</style></head><body>",
        f"<h1>{e(rep['title'])}: cycle {rep['cycle']}</h1>",
        f"<p>Community <b>{e(rep['community'])}</b>, process <code>{e(rep['process'])}"
        f"</code>, now in {e(rep['phase'])}.</p>",
    ]
    if rep["sections"]:
        rows = section_table(rep)
        parts.append("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in rows[0]) + "</tr>")
        for r in rows[1:]:
            parts.append(
                "<tr><td>"
                + e(r[0])
                + "</td>"
                + "".join(f'<td class="n">{e(c)}</td>' for c in r[1:])
                + "</tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>No completed evaluation yet.</p>")
    if svg is not None and svg.exists():
        data = base64.b64encode(svg.read_bytes()).decode()
        parts.append(
            f'<p><img alt="Baseline vs now per section" src="data:image/svg+xml;base64,{data}"></p>'
        )
    if rep["actions"]:
        parts.append(
            "<h2>Actions</h2><table><tr><th>Action</th><th>Cycle</th><th>Status</th>"
            "<th>Progress</th><th>Owner</th><th>Milestones</th></tr>"
        )
        for a in rep["actions"]:
            parts.append(
                f"<tr><td>{e(a['id'])} {e(a['title'])}</td><td>{a['cycle']}</td>"
                f'<td>{e(a["status"])}</td><td class="n">{a["progress"]}%</td>'
                f"<td>{e(a['owner'] or DASH)}</td><td>{e(a['milestones'])}</td></tr>"
            )
        parts.append("</table>")
    if rep["decisions"]:
        parts.append("<h2>Decisions</h2><ul>")
        parts += [
            f"<li>{e(d['agreed_on'])} {e(d['kind'])}: {e(d['id'])} {e(d['title'])} "
            f"({e(d['purpose'])})</li>"
            for d in rep["decisions"]
        ]
        parts.append("</ul>")
    parts.append("<h2>Roles</h2><ul>")
    parts += [
        f"<li>{e(r['role'])}: {e(r['keeper'] or DASH)}"
        + (f" (term ends {e(r['term_end'])})" if r["term_end"] else "")
        + "</li>"
        for r in rep["roles"]
    ]
    parts.append("</ul></body></html>")
    return "\n".join(parts) + "\n"


def to_notebook(rep: dict[str, Any], workspace: Path, png: Path | None = None) -> Any:
    """The report as a Jupyter notebook (nbformat v4, deterministic cell ids, validated).

    Args:
        rep: A report, as :func:`~s3engine.reports.cycle_report.cycle_report` returns it.
        workspace: The workspace folder the notebook's code cell reopens.
        png: The chart to show as the output of a cell, if it exists.

    Returns:
        The notebook (an nbformat ``NotebookNode``).
    """
    import nbformat  # lazily: heavy
    from nbformat import v4

    # nbformat ships py.typed but leaves its v4 constructors and write() unannotated, so each
    # call to them is ignored for no-untyped-call (and only for that).
    md = to_markdown(rep)
    cells = [v4.new_markdown_cell(md)]  # type: ignore[no-untyped-call]
    code = v4.new_code_cell(  # type: ignore[no-untyped-call]
        "from s3engine.core.workspace import Workspace\n"
        "from s3engine.reports.cycle_report import cycle_report, format_text\n"
        f"ws = Workspace.open({str(workspace)!r})\n"
        f"print(format_text(cycle_report(ws, {rep['process']!r}, {rep['cycle']})))"
    )
    cells.append(code)
    if png is not None and png.exists():
        chart = v4.new_code_cell("# The chart as exported with the report")  # type: ignore[no-untyped-call]
        chart.outputs = [
            v4.new_output(  # type: ignore[no-untyped-call]
                "display_data",
                data={
                    "image/png": base64.b64encode(png.read_bytes()).decode(),
                    "text/plain": "<baseline vs now chart>",
                },
            )
        ]
        cells.append(chart)
    for n, cell in enumerate(cells, 1):
        cell["id"] = f"mits-report-{n}"
    nb = v4.new_notebook(  # type: ignore[no-untyped-call]
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "s3flow": {"report": "mits-cycle", "process": rep["process"], "cycle": rep["cycle"]},
        },
    )
    nbformat.validate(nb)
    return nb


def export(
    ws: Workspace, out: str | Path, pid: str | None = None, cycle: int | None = None
) -> dict[str, Any]:
    """Write the report to ``out`` (.html, .ipynb, .md or .json) and the chart next to it.

    Without matplotlib the report is written without its chart, and ``notes`` says how to add it.

    Args:
        ws: The workspace.
        out: The file to write; its suffix chooses the format.
        pid: The MiTS process (default: the most recently started one).
        cycle: The cycle (default: the current one).

    Returns:
        ``{"report": data, "files": [paths written], "notes": [what was left out]}``.

    Raises:
        S3Error: No such process or cycle, a suffix that is not a report format, or the file
            cannot be written.
    """
    rep = cycle_report(ws, pid, cycle)
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".ipynb", ".md", ".json"):
        raise S3Error(
            f"Cannot write a report as '{suffix or path.name}'.",
            "Use a file name ending in .html, .ipynb, .md or .json.",
        )
    png = path.with_name(f"{path.stem}-chart.png")
    svg = path.with_name(f"{path.stem}-chart.svg")
    notes: list[str] = []
    try:
        try:
            files = write_chart(rep, png, svg)
        except MissingExtraError as exc:
            files, notes = [], [f"No chart: {exc}"]
        if suffix in (".html", ".htm"):
            path.write_text(to_html(rep, svg), encoding="utf-8")
        elif suffix == ".ipynb":
            import nbformat

            nbformat.write(to_notebook(rep, ws.path, png), str(path))  # type: ignore[no-untyped-call]  # see to_notebook
        elif suffix == ".md":
            path.write_text(to_markdown(rep, png.name if files else None), encoding="utf-8")
        else:
            path.write_text(
                json.dumps(rep, indent=1, ensure_ascii=False, default=str), encoding="utf-8"
            )
    except OSError as exc:
        raise S3Error(
            f"Cannot write the report {path}: {exc.strerror or exc}.",
            "Choose a folder you can write to with -o FILE.",
        ) from exc
    return {"report": rep, "files": [*files, path], "notes": notes}
