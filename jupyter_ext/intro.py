"""The introduction at the top of each tutor notebook, in the chosen language.

A notebook's Markdown cell is fixed text, so it cannot follow the language menu. Each notebook
therefore starts with a short "how to start" note in every supported language (written by
``tools/make_notebooks.py`` from :data:`START`), and its code cell shows :class:`Intro`: the
explanation of the page, drawn from the catalogues in the workspace's language and redrawn when
someone changes the language in the panel's menu.

Allowed imports: ipywidgets, s3engine, jupyter_ext.
"""

from __future__ import annotations

import ipywidgets as w

from . import i18n
from .i18n import N_, _
from .language_menu import PageLanguage
from .pattern_browser import render_markdown

#: The first thing everyone reads, in every language, before anything has run.
START = N_(
    "To begin, choose *Run → Run All Cells* in the menu (or press ▶▶). The explanation and the "
    "panel then appear below, in the language chosen for your community (the *Language* menu "
    "changes it)."
)

#: What the participant app says before anything has loaded (it shows no code and no menu).
PARTICIPANT_START = N_(
    "This page shows the decision your group is taking and the buttons for what you can do now."
)

HOW = N_(
    "**How to use this page:** a panel appears below. You never need to change any code: "
    "everything happens with the buttons. Everything you record is saved at once in the "
    "community's journal, and nothing saved can be lost or changed afterwards without it being "
    "noticed."
)

#: Notebook name -> (title, explanation in Markdown).
INTROS: dict[str, tuple[str, str]] = {
    "00-getting-started": (
        N_("Getting started with s3flow"),
        N_(
            "s3flow helps your Local Implementation Team take decisions the Sociocracy 3.0 way "
            "and keeps a trustworthy record of them.\n\n"
            "* **Consent decision** — turn a proposal into an agreement by looking for "
            "objections.\n"
            "* **Role selection** — choose who takes care of a role, for a limited term.\n"
            "* **Proposal forming** — build a proposal together from a driver.\n"
            "* **Navigate via tension** — turn an uneasy feeling into a clear driver.\n"
            "* **Evaluate agreements** — review agreements when their review date comes.\n"
            "* **MiTS cycle** — evaluation, co-design, co-implementation and review.\n"
            "* **Pattern browser** — find the right pattern for the moment.\n\n"
            "Below you see what is due soon and can check that the journal is intact. The "
            "*Language* menu switches the language of every panel."
        ),
    ),
    "consent-decision": (
        N_("Consent decision-making"),
        N_(
            "Use this page in the meeting. Choose a decision to continue, or *Start a new one* "
            "and fill in the driver, the requirement and the proposal. The panel then shows the "
            "step you are in, what the guide advises you to say, and buttons for what can be "
            "done now.\n\n"
            "*Acting as* tells s3flow who is doing the next thing: for the check for objections, "
            "choose each person in turn and record their signal. Signals stay hidden until "
            "everyone has signalled. A possible objection is tested first; if it qualifies, the "
            "group resolves it by amending the proposal, and the check runs again."
        ),
    ),
    "participant": (
        N_("Taking part"),
        N_(
            "This page is yours: you opened it with your personal link. It shows the decision "
            "your group is taking, what is being decided, and the buttons for what you can do "
            "now. What you choose is recorded as yours. In a hidden round nobody sees your "
            "signal until everyone has signalled. The page updates by itself when others act."
        ),
    ),
    "role-selection": (
        N_("Role selection"),
        N_(
            "Choose who takes care of a role. Present the role description, collect nominations "
            "(hidden until everyone has nominated), hear the reasons, allow changes, then "
            "propose a nominee and check for objections. The result records the role keeper, "
            "the term and the reasons given."
        ),
    ),
    "proposal-forming": (
        N_("Proposal forming"),
        N_(
            "Build a proposal together: agree on the driver and requirement, ask questions, "
            "collect considerations and ideas, then choose two or three tuners who draft the "
            "proposal. The proposal can then be taken into a consent decision."
        ),
    ),
    "navigate-via-tension": (
        N_("Navigate via tension"),
        N_(
            "Someone feels a tension. Look into the situation, decide whether an organisational "
            "driver lies behind it, describe it in two or three sentences, and put it in the "
            "right backlog or pass it on to those who hold the domain."
        ),
    ),
    "evaluate-agreements": (
        N_("Evaluate and evolve agreements"),
        N_(
            "When an agreement reaches its review date, review it here: hear reports, check that "
            "the driver still matters, answer the three questions, then keep it (with a new "
            "review date), evolve it through a consent decision, or drop it."
        ),
    ),
    "mits-cycle": (
        N_("The MiTS cycle"),
        N_(
            "Follow your community through the Municipalities in Transition cycle: preparation "
            "with the local actors, the Local Implementation Team, evaluation and diagnosis (the "
            "baseline), co-design, co-implementation and review. The tutor signs each phase."
        ),
    ),
    "pattern-browser": (
        N_("Pattern browser"),
        N_(
            "Type what you need in your own words (for example *how do we choose someone for a "
            "role* or *bilancio partecipativo*). Results appear as you type; open one to read "
            "it, follow related patterns, and record that the current decision applies it."
        ),
    ),
}


def intro_markdown(name: str) -> str:
    """The introduction of notebook ``name`` in the current language, as Markdown."""
    title, text = INTROS[name]
    how = "" if name == "participant" else f"\n\n{_(HOW)}"
    return f"# {_(title)}\n\n{_(text)}{how}"


class Intro(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """The introduction of one notebook; follows every language change.

    Args:
        name: The notebook's name (a key of :data:`INTROS`).
    """

    def __init__(self, name: str) -> None:
        if name not in INTROS:
            raise ValueError(f"no introduction {name!r}; choose one of {', '.join(INTROS)}")
        self.name = name
        self.text = w.HTML()
        super().__init__([self.text, PageLanguage()])
        self.add_class("s3-intro")
        self.language_changed(i18n.language())
        i18n.listen(self)

    def language_changed(self, _lang: str) -> None:
        """Redraw in the new language."""
        self.text.value = render_markdown(intro_markdown(self.name))
