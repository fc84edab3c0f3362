"""What is being decided: the driver, the requirement, the proposal and the amendment on the table.

Every screen of a decision shows this panel, so nobody signals on a text they cannot see.

Allowed imports: s3engine, jupyter_ext.
"""

from __future__ import annotations

import html

from s3engine.core.process import Process

from .i18n import N_, _


def esc(value: object) -> str:
    """HTML-escape a value (all user text is untrusted)."""
    return html.escape(str(value if value is not None else ""))


#: (data key, label) in the order they are shown.
FIELDS = (
    ("tension", N_("Tension")),
    ("driver", N_("Driver")),
    ("requirement", N_("Requirement")),
    ("proposal", N_("Proposal")),
    ("description", N_("Role description")),
)


def decision_html(proc: Process) -> str:
    """The panel for ``proc`` (its root's content, plus the amendment being checked, if any)."""
    root = proc.root
    rows = []
    for key, label in FIELDS:
        value = root.data.get(key)
        if isinstance(value, str) and value.strip():
            rows.append(
                f"<dt style='font-weight:bold'>{esc(_(label))}</dt>"
                f"<dd style='margin:0'>{esc(value)}</dd>"
            )
    leaf = proc.leaf()
    argument = leaf.data.get("argument") if leaf.kind == "objection-test" else None
    if isinstance(argument, str) and argument:
        rows.append(
            f"<dt style='font-weight:bold'>{esc(_('Objection being tested'))}</dt>"
            f"<dd style='margin:0'>{esc(leaf.data.get('objector', ''))}: "
            f"{esc(argument)}</dd>"
        )
    amendment = getattr(leaf, "amendment", None) if leaf is not root else None
    if isinstance(amendment, dict) and amendment.get("text"):
        rows.append(
            f"<dt style='font-weight:bold'>{esc(_('Amendment under discussion'))}</dt>"
            f"<dd style='margin:0'>{esc(amendment['text'])}</dd>"
        )
    if not rows:
        return ""
    return (
        "<section class='s3-decision' aria-label='"
        + esc(_("What is being decided"))
        + "' style='border:1px solid #c8d6ce;border-radius:6px;padding:6px 10px;margin:6px 0'>"
        + f"<h3 style='margin:2px 0 6px 0;font-size:1.05em'>{esc(_('What is being decided'))}</h3>"
        + "<dl style='margin:0;display:grid;grid-template-columns:minmax(6em,max-content) 1fr;"
        + "gap:2px 10px'>"
        + "".join(rows)
        + "</dl></section>"
    )
