"""Process-specific boards shown under the stepper.

They are the objection board, the proposal forming question board, the driver card, review
answers, nominations and MiTS status.

Everything is rendered as one HTML widget value (cheap in Voila) from ``process.details()`` and the
process's records; every user text is escaped.

Allowed imports: s3engine, jupyter_ext.
"""

from __future__ import annotations

import html
from typing import Any

from s3engine.core.process import Process

from .i18n import N_, _, format_date
from .mits_board import mits_board


def esc(value: Any) -> str:
    """HTML-escape anything shown on a board (all user text is untrusted)."""
    return html.escape(str(value if value is not None else ""))


TITLES = {
    "consent": N_("Objection board"),
    "proposal-forming": N_("Question board"),
    "tension": N_("Driver"),
    "evaluate": N_("Review"),
    "role-selection": N_("Nominations"),
    "mits": N_("Cycle"),
}


def board_title(p: Process) -> str:
    """The title of the board for this kind of process."""
    return TITLES.get(p.kind, N_("Details"))


def board_html(p: Process) -> str:
    """The board for process ``p``."""
    fn = {
        "consent": objection_board,
        "proposal-forming": question_board,
        "tension": driver_card,
        "evaluate": review_board,
        "role-selection": nominations_board,
        "mits": mits_board,
    }.get(p.kind, generic)
    return fn(p)


def _table(head: list[str], rows: list[list[Any]], cls: str) -> str:
    th = "".join(f"<th style='text-align:start;padding:2px 6px'>{esc(_(h))}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(f"<td style='padding:2px 6px;vertical-align:top'>{c}</td>" for c in r)
        + "</tr>"
        for r in rows
    )
    return f"<table class='{cls}'><tr>{th}</tr>{body}</table>"


def objection_board(p: Any) -> str:
    """Each possible objection, its test and its resolution; then the concerns."""
    rows = []
    for o in p.objections:
        res = (o.get("resolution") or {}).get("amendment") or {}
        test = o.get("test_record") or {}
        steps = "; ".join(
            f"{esc(f['by'])}: {esc(f['counter'])} ({_('holds') if f['holds'] else _('fails')})"
            for f in test.get("findings", [])
        )
        rows.append(
            [
                esc(o["objector"]),
                esc(o["argument"]),
                esc(_(o["subject"])),
                esc(_(o["verdict"]) if o["verdict"] else _("being tested")),
                steps,
                esc(_(res.get("kind", ""))) + (": " + esc(res.get("text", "")) if res else ""),
            ]
        )
    out = (
        _table(
            [
                N_("Objector"),
                N_("Argument"),
                N_("About"),
                N_("Verdict"),
                N_("Test"),
                N_("Resolution"),
            ],
            rows,
            "s3-objection-board",
        )
        if rows
        else f"<i>{esc(_('No objections raised yet.'))}</i>"
    )
    if p.concerns:
        out += (
            "<div><b>"
            + esc(_("Concerns"))
            + "</b><ul>"
            + "".join(
                f"<li>{esc(c['by'])}: {esc(c['text'] or _('(signalled, not voiced yet)'))}</li>"
                for c in p.concerns
            )
            + "</ul></div>"
        )
    d = p.data
    out += (
        f"<div><b>{esc(_('Proposal'))}</b> (v{len(p.proposal_versions)}): "
        f"{esc(d.get('proposal'))}<br><b>{esc(_('Review date'))}</b>: "
        f"{esc(format_date(d.get('review_date')))}<br><b>{esc(_('Patterns applied'))}</b>: "
        f"{esc(', '.join(d.get('patterns', [])))}</div>"
    )
    return out


def question_board(p: Any) -> str:
    """The two columns of considerations, ideas and the proposal."""
    cols = []
    for col, qs in p.board.items():
        items = "".join(
            f"<li>{esc(q['question'])}"
            + "".join(f"<br>→ {esc(a['answer'])}" for a in q["answers"])
            + "</li>"
            for q in qs
        )
        cols.append(f"<td style='vertical-align:top'><b>{esc(_(col))}</b><ol>{items}</ol></td>")
    ideas = "".join(f"<li>{esc(i['idea'])}</li>" for i in p.ideas)
    prop = p.proposal
    return (
        f"<table class='s3-question-board'><tr>{''.join(cols)}</tr></table>"
        f"<b>{esc(_('Ideas'))}</b><ul>{ideas}</ul>"
        + (f"<b>{esc(_('Proposal'))}</b>: {esc(prop['proposal'])}" if prop else "")
    )


def driver_card(p: Any) -> str:
    """The tension, findings and the described driver."""
    d = p.driver
    out = (
        f"<b>{esc(_('Tension'))}</b>: {esc(p.data['tension'])}<ul>"
        + "".join(f"<li>{esc(f['by'])}: {esc(f['finding'])}</li>" for f in p.findings)
        + "</ul>"
    )
    if d:
        out += (
            f"<b>{esc(_('Driver'))}</b>: {esc(d['situation'])} — {esc(d['effect'])} "
            f"({esc(_(d['effect_kind']))}). {esc(d['relevance'])}<br>"
            f"<b>{esc(_('Status'))}</b>: {esc(_(d['status']))} {esc(d['where'] or '')}"
        )
    return out


def review_board(p: Any) -> str:
    """Answers to the review questions and the decision."""
    a = p.agreement
    rows = [[esc(x["by"]), esc(_(x["question"])), esc(x["answer"])] for x in p.answers]
    return (
        f"<b>{esc(a.get('title'))}</b>: {esc(a.get('text'))}<br>"
        f"{esc(_('Evaluation criteria'))}: {esc('; '.join(a.get('evaluation_criteria', [])))}"
        + _table([N_("Who"), N_("Question"), N_("Answer")], rows, "s3-review-board")
        + f"<b>{esc(_('Decision'))}</b>: {esc(_(p.decision.get('outcome', '')))}"
    )


def nominations_board(p: Any) -> str:
    """Nominations and reasons (role selection), shown only once revealed."""
    det = p.details()
    noms = det.get("nominations") or {}
    if not noms:
        return f"<i>{esc(_('Nominations are hidden until everyone has nominated.'))}</i>"
    rows = []
    for who, n in noms.items():
        if isinstance(n, dict):
            rows.append([esc(who), esc(n.get("nominee", "")), esc(n.get("reason", ""))])
        else:
            rows.append([esc(who), esc(n), ""])
    return _table([N_("Who"), N_("Nominates"), N_("Reason")], rows, "s3-nominations")


def generic(p: Process) -> str:
    """Any process: its details as a definition list."""
    det = p.details()
    return (
        "<dl>"
        + "".join(
            f"<dt>{esc(_(k))}</dt><dd>{esc(v)}</dd>"
            for k, v in det.items()
            if not isinstance(v, (dict, list)) or v
        )
        + "</dl>"
    )
