"""The pattern browser: find the right pattern in seconds during a session.

A search box with results as you type (ranked by the engine's index, with the snippet that shows why
each matched), filters by kind, category and phase, a pattern page rendered from Markdown with
markdown-it and sanitised with nh3 (imported patterns come from other communities and are
untrusted), related patterns both ways as buttons, "patterns for the current step", and a button to
record that the current decision applies the pattern.

Allowed imports: ipywidgets, s3engine, jupyter_ext, markdown_it, nh3.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error
from s3engine.languages import direction as text_direction

from .assist import Assist
from .hub import hub_credential
from .i18n import N_, _, language
from .language_menu import LanguageMenu, PageLanguage
from .stepper import esc
from .workspace import workspace

ALLOWED_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "a",
    "br",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "mark",
    "span",
    "div",
}


def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to show.

    Raw HTML is escaped by markdown-it and the result is cleaned by nh3 (no scripts, no event
    handlers, no javascript: links).
    """
    import nh3
    from markdown_it import MarkdownIt

    raw = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").render(text)
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def marked(snippet: str) -> str:
    """A search snippet (matches between ``**``) as safe HTML with <mark>."""
    parts = html.escape(snippet).split("**")
    return "".join(f"<mark>{p}</mark>" if i % 2 else p for i, p in enumerate(parts))


class PatternBrowser(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """Search, read and apply patterns.

    Args:
        ws: Workspace (default: this kernel's).
        query: Initial search words.
        process: Id of the decision that "use this pattern" records into.
    """

    def __init__(
        self, ws: Workspace | None = None, query: str = "", process: str | None = None
    ) -> None:
        from s3engine.patterns import database as pattern_db

        self.ws = ws or workspace()
        self.db = pattern_db.attach(self.ws)
        self.process = process
        self.box = w.Text(
            value=query,
            placeholder=_("What do you need? e.g. choose someone for a role"),
            continuous_update=True,
            layout=w.Layout(width="60%"),
        )
        self.box.add_class("s3-search")
        #: Each menu's choices as (English label, value): relabelled after a language change.
        self._choices: dict[str, list[tuple[str, str]]] = {
            "kind": [
                (N_("All patterns"), ""),
                (N_("S3 patterns"), "s3"),
                (N_("Toolbox"), "toolbox"),
            ]
        }
        kinds = [(_(label), value) for label, value in self._choices["kind"]]
        # Every list has a visible label that is also its accessible name (its description).
        wide = {"description_width": "initial"}
        self.kind = w.Dropdown(
            options=kinds,
            value="",
            description=_("Kind"),
            style=wide,
            layout=w.Layout(width="auto"),
        )
        cats = sorted({p.category for p in self.db.patterns()})
        self._choices["category"] = [(N_("Any category"), ""), *((c, c) for c in cats)]
        self.category = w.Dropdown(
            options=[(_(label), value) for label, value in self._choices["category"]],
            value="",
            description=_("Category"),
            style=wide,
            layout=w.Layout(width="auto"),
        )
        from s3engine.patterns.model import PHASES

        self._choices["phase"] = [(N_("Any phase"), ""), *((p, p) for p in PHASES)]
        self.phase = w.Dropdown(
            options=[(_(label), value) for label, value in self._choices["phase"]],
            value="",
            description=_("Phase"),
            style=wide,
            layout=w.Layout(width="auto"),
        )
        self.results = w.Select(
            options=[],
            rows=8,
            description=_("Patterns found"),
            style=wide,
            layout=w.Layout(width="100%"),
        )
        self.results.add_class("s3-results")
        self.snippets = w.HTML()
        self.snippets.add_class("s3-snippets")
        self.page = w.HTML()
        self.page.add_class("s3-pattern-page")
        self.related = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.use_button = w.Button(
            description=_("Use this pattern in the current decision"),
            button_style="info",
            layout=w.Layout(width="auto"),
        )
        self.use_button.add_class("s3-use-pattern")
        self.use_button.on_click(lambda _b: self.use())
        self.message = w.HTML()
        self.language = LanguageMenu(self.redraw)
        self.heading = w.HTML(f"<h2 style='margin:4px 0'>{esc(_('Pattern browser'))}</h2>")
        for widget in (self.box, self.kind, self.category, self.phase):
            widget.observe(lambda _c: self.search(), names="value")
        self.results.observe(lambda c: self.show(c["new"]), names="value")
        super().__init__(
            [
                w.HBox(
                    [
                        self.heading,
                        self.language,
                        PageLanguage(),
                    ]
                ),
                w.HBox([self.box, self.kind]),
                w.HBox([self.category, self.phase]),
                self.results,
                self.snippets,
                self.page,
                self.related,
                w.HBox([self.use_button]),
                self.message,
                Assist(".s3-pattern-browser"),  # the stylesheet and keyboard support
            ]
        )
        self.add_class("s3-pattern-browser")
        self.search()

    def redraw(self) -> None:
        """Texts after a language change."""
        self.use_button.description = _("Use this pattern in the current decision")
        self.heading.value = f"<h2 style='margin:4px 0'>{esc(_('Pattern browser'))}</h2>"
        self.box.placeholder = _("What do you need? e.g. choose someone for a role")
        for name, choices in self._choices.items():  # the same choices, relabelled
            menu = getattr(self, name)
            kept = menu.value
            menu.options = [(_(label), value) for label, value in choices]
            menu.value = kept
        self.kind.description = _("Kind")
        self.category.description = _("Category")
        self.phase.description = _("Phase")
        self.results.description = _("Patterns found")
        self.search()
        self.show(self.results.value)  # the open page too, in the new language

    def search(self) -> None:
        """Run the query with the filters; show results and snippets in the user's language.

        When nothing matches, the page, related patterns and message of an earlier search are
        cleared and a hint says what to try instead.
        """
        q = self.box.value.strip()
        lang = self.user_language()
        flt = {
            "kind": self.kind.value or None,
            "category": self.category.value or None,
            "phase": self.phase.value or None,
        }
        try:
            if q:
                hits = self.db.search(q, limit=12, lang=lang, **flt)
                pats = [(h.pattern, h.snippet, h.hit.lang) for h in hits]
            else:
                pats = [(p, *p.summary_in(lang)) for p in self.db.patterns(**flt)[:200]]
        except S3Error as err:
            self.snippets.value = f"<span style='color:#b00020'>{html.escape(str(err))}</span>"
            return
        self.results.options = [(self.label(p), p.key) for p, _s, _l in pats]
        if not pats:
            self.clear_page()
            said = (
                _("Nothing found for “{query}”.").format(query=q)
                if q
                else _("No pattern matches these filters.")
            )
            hint = _("Try other or fewer words, another language, or clear the filters.")
            self.snippets.value = (
                f"<div class='s3-nothing-found' role='status'><b>{esc(said)}</b> {esc(hint)}</div>"
            )
            return
        self.snippets.value = (
            "".join(
                f"<div class='s3-hit'><b>{esc(self.name(p))}</b>: "
                f"<span lang='{hl}' dir='{text_direction(hl)}'>{marked(s)}</span></div>"
                for p, s, hl in pats[:5]
            )
            if q
            else ""
        )
        if self.results.value is None:
            self.results.value = pats[0][0].key

    def user_language(self) -> str:
        """The language names and summaries are shown in.

        The interface's, or the query's when the interface is in English (the rule is
        ``SearchIndex.display_language``).
        """
        return str(self.db.index.display_language(self.box.value.strip(), language()))

    def name(self, p: Any) -> str:
        """A pattern's name in the user's language, marked when it is the English one instead."""
        lang = self.user_language()
        name, found = p.name_in(lang)
        return name if found == lang or lang == "en" else f"{name} {_('(in English)')}"

    def label(self, p: Any) -> str:
        """How the result list shows a pattern: its name and category."""
        return f"{self.name(p)} — {_(p.category)}"

    def clear_page(self) -> None:
        """Empty the pattern page, related patterns and message (no stale page stays)."""
        self.page.value = ""
        self.message.value = ""
        for old in self.related.children:
            old.close()
        self.related.children = ()

    def show(self, key: str | None) -> None:
        """Show one pattern's page and its related patterns.

        Args:
            key: The pattern's key (nothing happens without one).
        """
        if not key:
            return
        p = self.db.get(key)
        prov = ""
        if p.origin == "imported":
            pr = p.provenance or {}
            prov = (
                f"<div class='s3-provenance' style='color:#555'>{esc(_('Imported from'))} "
                f"{esc(pr.get('community', '?'))}, {esc(pr.get('author', '?'))} "
                f"({esc(pr.get('date', ''))}) — {esc(_('revision'))} {p.revision}</div>"
            )
        lang = self.user_language()
        name, name_lang = p.name_in(lang)
        summary, summary_lang = p.summary_in(lang)
        english = f" {_('(in English)')}" if lang != "en" else ""
        original = (
            f"<div class='s3-original-name' lang='en' dir='ltr'>{esc(p.name)}</div>"
            if name_lang != "en"
            else ""
        )
        note = (
            f"<p class='s3-english-note'>{esc(_('The full text of this pattern is in English.'))}"
            "</p>"
            if lang != "en"
            else ""
        )
        self.page.value = (
            f"<div style='border:1px solid #ccd;padding:8px;border-radius:6px'>"
            f"<h2 style='margin-top:0' lang='{name_lang}' dir='{text_direction(name_lang)}'>"
            f"{esc(name)}{esc(english if name_lang != lang else '')}</h2>{original}"
            f"<div><b>{esc(_(p.category))}</b> · {esc(p.source)} · "
            f"{esc(', '.join(_(x) for x in p.phases))}</div>{prov}"
            f"<p lang='{summary_lang}' dir='{text_direction(summary_lang)}'><i>{esc(summary)}</i>"
            f"{esc(english if summary_lang != lang else '')}</p>{note}"
            f"<div lang='en' dir='ltr'>{render_markdown(p.body)}</div>"
            f"<div style='color:#666;font-size:0.85em'>{esc(p.license)} — "
            f"{esc(p.attribution)}</div></div>"
        )
        buttons = []
        rel = self.db.related(p.id)
        for direction, label in (("links_to", "→"), ("linked_from", "←")):
            for r in rel[direction][:12]:
                b = w.Button(description=f"{label} {self.name(r)}", layout=w.Layout(width="auto"))
                b.add_class("s3-related")
                b.on_click(lambda _b, k=r.key: self.open_pattern(k))
                buttons.append(b)
        for old in self.related.children:
            old.close()
        self.related.children = buttons

    def open_pattern(self, key: str) -> None:
        """Open a pattern (e.g. a related one), listing it first in the results."""
        opts = list(self.results.options)
        if key not in [v for _l, v in opts]:
            p = self.db.get(key)
            self.results.options = [(self.label(p), key), *opts]
        self.results.value = key

    def use(self) -> None:
        """Record that the current decision applies the pattern on screen."""
        key = self.results.value
        if not key:
            return
        pid = self.process or self._current_decision()
        if pid is None:
            self.message.value = esc(_("Open or start a consent decision first."))
            return
        proc = self.ws.get(pid)
        try:
            me = hub_credential([proc.facilitator])  # under JupyterHub: the hub user
            proc.act(
                "apply_patterns", proc.facilitator, credential=me, patterns=[self.db.get(key).id]
            )
        except S3Error as err:
            self.message.value = f"<span style='color:#b00020'>{html.escape(str(err))}</span>"
            return
        self.message.value = (
            f"<span class='s3-used'>{esc(self.name(self.db.get(key)))} → {esc(proc.title)}</span>"
        )

    def _current_decision(self) -> str | None:
        running = [p for p in self.ws.roots("consent") if not p.finished]
        return running[-1].id if running else None


def for_step_html(ws: Workspace, proc: Any) -> str:
    """Suggested patterns for a process's current step, as HTML (names in the user's language)."""
    from s3engine.patterns import database as pattern_db

    try:
        pats = pattern_db.attach(ws).for_step(proc)[:5]
    except S3Error:
        return ""
    return ", ".join(esc(p.name_in(language())[0]) for p in pats)
