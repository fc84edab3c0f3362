"""Write the tutor notebooks in notebooks/ (deterministic: same input, same files).

Run: python tools/make_notebooks.py. Each notebook starts with a short explanation for a tutor with
no programming background, then one code cell that loads s3flow and shows the widget. Nothing needs
editing: run the notebook (Run > Run All Cells) and use the buttons.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parents[1] / "notebooks"

HOW = (
    "**How to use this page:** choose *Run → Run All Cells* in the menu (or press the ▶▶ "
    "button). A panel appears below. You never need to change any code: everything happens "
    "with the buttons. Everything you record is saved at once in the community's journal, and "
    "nothing saved can be lost or changed afterwards without it being noticed."
)

NOTEBOOKS = {
    "00-getting-started": (
        "Getting started with s3flow",
        "s3flow helps your Local Implementation Team take decisions the Sociocracy 3.0 way and "
        "keeps a trustworthy record of them.\n\n"
        "* **Consent decision** — turn a proposal into an agreement by looking for objections.\n"
        "* **Role selection** — choose who takes care of a role, for a limited term.\n"
        "* **Proposal forming** — build a proposal together from a driver.\n"
        "* **Navigate via tension** — turn an uneasy feeling into a clear driver.\n"
        "* **Evaluate agreements** — review agreements when their review date comes.\n"
        "* **MiTS cycle** — evaluation, co-design, co-implementation and review.\n"
        "* **Pattern browser** — find the right pattern for the moment.\n\n"
        "Below you see what is due soon and can check that the journal is intact. The 🌐 menu "
        "switches the language (English, Italiano, Português, Español).",
        "%load_ext jupyter_ext\n%s3flow journal",
    ),
    "consent-decision": (
        "Consent decision-making",
        "Use this page in the meeting. Choose a decision to continue, or *Start a new one* and "
        "fill in the driver, the requirement and the proposal. The panel then shows the step you "
        "are in, what the guide advises you to say, and buttons for what can be done now.\n\n"
        "*Acting as* tells s3flow who is doing the next thing: for the check for objections, "
        "choose each person in turn and record their signal. Signals stay hidden until everyone "
        "has signalled. A possible objection is tested first; if it qualifies, the group resolves "
        "it by amending the proposal, and the check runs again.",
        "%load_ext jupyter_ext\n%s3flow start consent",
    ),
    "participant": (
        "Taking part",
        "This page is yours: you opened it with your personal link. It shows the decision your "
        "group is taking, what is being decided, and the buttons for what you can do now. What "
        "you choose is recorded as yours. In a hidden round nobody sees your signal until "
        "everyone has signalled. The page updates by itself when others act.",
        "%load_ext jupyter_ext\n%s3flow participant",
    ),
    "role-selection": (
        "Role selection",
        "Choose who takes care of a role. Present the role description, collect nominations "
        "(hidden until everyone has nominated), hear the reasons, allow changes, then propose a "
        "nominee and check for objections. The result records the role keeper, the term and the "
        "reasons given.",
        "%load_ext jupyter_ext\n%s3flow start role-selection",
    ),
    "proposal-forming": (
        "Proposal forming",
        "Build a proposal together: agree on the driver and requirement, ask questions, collect "
        "considerations and ideas, then choose two or three tuners who draft the proposal. The "
        "proposal can then be taken into a consent decision.",
        "%load_ext jupyter_ext\n%s3flow start proposal-forming",
    ),
    "navigate-via-tension": (
        "Navigate via tension",
        "Someone feels a tension. Look into the situation, decide whether an organisational "
        "driver lies behind it, describe it in two or three sentences, and put it in the right "
        "backlog or pass it on to those who hold the domain.",
        "%load_ext jupyter_ext\n%s3flow start tension",
    ),
    "evaluate-agreements": (
        "Evaluate and evolve agreements",
        "When an agreement reaches its review date, review it here: hear reports, check that the "
        "driver still matters, answer the three questions, then keep it (with a new review date), "
        "evolve it through a consent decision, or drop it.",
        "%load_ext jupyter_ext\n%s3flow start evaluate",
    ),
    "mits-cycle": (
        "The MiTS cycle",
        "Follow your community through the Municipalities in Transition cycle: preparation with "
        "the local actors, the Local Implementation Team, evaluation and diagnosis (the baseline), "
        "co-design, co-implementation and review. The tutor signs each phase.",
        "%load_ext jupyter_ext\n%s3flow start mits",
    ),
    "pattern-browser": (
        "Pattern browser",
        "Type what you need in your own words (for example *how do we choose someone for a role* "
        "or *bilancio partecipativo*). Results appear as you type; open one to read it, follow "
        "related patterns, and record that the current decision applies it.",
        "%load_ext jupyter_ext\n%s3flow patterns",
    ),
}


def build(name: str, title: str, text: str, code: str) -> nbformat.NotebookNode:
    """One notebook with deterministic cell ids."""
    # The participant page runs as an app (no code, no menu): it needs no "how to run" note.
    how = "" if name == "participant" else f"\n\n{HOW}"
    cells = [new_markdown_cell(f"# {title}\n\n{text}{how}"), new_code_cell(code)]
    for n, c in enumerate(cells):
        c["id"] = f"{name}-{n}"
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "s3flow": {"kind": "participant-app" if name == "participant" else "tutor-notebook"},
        },
    )
    nbformat.validate(nb)
    return nb


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, (title, text, code) in NOTEBOOKS.items():
        nbformat.write(build(name, title, text, code), str(OUT / f"{name}.ipynb"))


if __name__ == "__main__":
    main()
