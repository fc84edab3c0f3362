"""Write the tutor notebooks in notebooks/ (deterministic: same input, same files).

Run: python tools/make_notebooks.py. Each notebook starts with a short note, in every supported
language, saying how to start it (Run > Run All Cells), then one code cell that shows the page's
explanation in the community's language (``jupyter_ext.intro``, translated through the
catalogues, following the language menu) and the panel. Nothing needs editing: run the notebook
and use the buttons.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jupyter_ext import i18n  # noqa: E402  # the checkout, not an installed copy
from jupyter_ext.intro import INTROS, PARTICIPANT_START, START  # noqa: E402
from jupyter_ext.notebook_save import placeholder  # noqa: E402
from s3engine.languages import LANGUAGES  # noqa: E402

OUT = ROOT / "notebooks"

#: Notebook name -> the code cell: the introduction in the chosen language, then the panel.
CODE = {
    "00-getting-started": "%s3flow journal",
    "consent-decision": "%s3flow start consent",
    "participant": "%s3flow participant",
    "role-selection": "%s3flow start role-selection",
    "proposal-forming": "%s3flow start proposal-forming",
    "navigate-via-tension": "%s3flow start tension",
    "evaluate-agreements": "%s3flow start evaluate",
    "mits-cycle": "%s3flow start mits",
    "pattern-browser": "%s3flow patterns",
}


def start_note(name: str) -> str:
    """The "how to start" note in every language (HTML paragraphs, each with its lang and dir)."""
    from markdown_it import MarkdownIt

    text = PARTICIPANT_START if name == "participant" else START
    md = MarkdownIt("commonmark")
    lines = []
    for lang, own_name in LANGUAGES.items():
        i18n.set_language(lang)
        body = md.renderInline(i18n._(text))
        lines.append(
            f'<p lang="{lang}" dir="{i18n.text_direction(lang)}" style="text-align: start">'
            f"<b>{own_name}</b> — {body}</p>"
        )
    i18n.set_language("en")
    return "\n".join(lines)


def build(name: str, code: str) -> nbformat.NotebookNode:
    """One notebook with deterministic cell ids."""
    title = INTROS[name][0]
    cells = [
        # The title is English whatever the page's direction (each note below carries its own).
        new_markdown_cell(
            f'<h1 lang="en" dir="ltr" style="text-align: start">{title}</h1>\n\n{start_note(name)}'
        ),
        new_code_cell(
            f"%load_ext jupyter_ext\n%s3flow intro {name}\n{code}",
            # "run to start" until run (a saved panel could only show "model not found")
            outputs=[nbformat.from_dict(placeholder())],
        ),
    ]
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
    for name, code in CODE.items():
        nbformat.write(build(name, code), str(OUT / f"{name}.ipynb"))


if __name__ == "__main__":
    main()
