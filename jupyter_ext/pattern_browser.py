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

from .i18n import _
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
        kinds = [(_("All patterns"), ""), (_("S3 patterns"), "s3"), (_("Toolbox"), "toolbox")]
        self.kind = w.Dropdown(options=kinds, value="", layout=w.Layout(width="160px"))
        cats = sorted({p.category for p in self.db.patterns()})
        self.category = w.Dropdown(
            options=[(_("Any category"), "")] + [(_(c), c) for c in cats],
            value="",
            layout=w.Layout(width="240px"),
        )
        from s3engine.patterns.model import PHASES

        self.phase = w.Dropdown(
            options=[(_("Any phase"), "")] + [(_(p), p) for p in PHASES],
            value="",
            layout=w.Layout(width="180px"),
        )
        self.results = w.Select(options=[], rows=8, layout=w.Layout(width="100%"))
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
        for widget in (self.box, self.kind, self.category, self.phase):
            widget.observe(lambda _c: self.search(), names="value")
        self.results.observe(lambda c: self.show(c["new"]), names="value")
        super().__init__(
            [
                w.HBox(
                    [
                        w.HTML(f"<h3 style='margin:4px 0'>{esc(_('Pattern browser'))}</h3>"),
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
            ]
        )
        self.add_class("s3-pattern-browser")
        self.search()

    def redraw(self) -> None:
        """Texts after a language change."""
        self.use_button.description = _("Use this pattern in the current decision")
        self.search()

    def search(self) -> None:
        """Run the query with the filters; show results and snippets."""
        q = self.box.value.strip()
        flt = {
            "kind": self.kind.value or None,
            "category": self.category.value or None,
            "phase": self.phase.value or None,
        }
        try:
            if q:
                hits = self.db.search(q, limit=12, **flt)
                pats = [(h.pattern, h.snippet) for h in hits]
            else:
                pats = [(p, p.summary) for p in self.db.patterns(**flt)[:200]]
        except S3Error as err:
            self.snippets.value = f"<span style='color:#b00020'>{html.escape(str(err))}</span>"
            return
        self.results.options = [(f"{p.name} — {_(p.category)}", p.key) for p, _s in pats]
        self.snippets.value = (
            "".join(
                f"<div class='s3-hit'><b>{esc(p.name)}</b>: {marked(s)}</div>" for p, s in pats[:5]
            )
            if q
            else ""
        )
        if not pats:
            self.snippets.value = f"<i>{esc(_('No pattern matches; try other words.'))}</i>"
        elif self.results.value is None:
            self.results.value = pats[0][0].key

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
        self.page.value = (
            f"<div style='border:1px solid #ccd;padding:8px;border-radius:6px'>"
            f"<h2 style='margin-top:0'>{esc(p.name)}</h2>"
            f"<div><b>{esc(_(p.category))}</b> · {esc(p.source)} · "
            f"{esc(', '.join(_(x) for x in p.phases))}</div>{prov}"
            f"<p><i>{esc(p.summary)}</i></p>{render_markdown(p.body)}"
            f"<div style='color:#666;font-size:0.85em'>{esc(p.license)} — "
            f"{esc(p.attribution)}</div></div>"
        )
        buttons = []
        rel = self.db.related(p.id)
        for direction, label in (("links_to", "→"), ("linked_from", "←")):
            for r in rel[direction][:12]:
                b = w.Button(description=f"{label} {r.name}", layout=w.Layout(width="auto"))
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
            self.results.options = [(f"{p.name} — {_(p.category)}", key), *opts]
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
            proc.act("apply_patterns", proc.facilitator, patterns=[self.db.get(key).id])
        except S3Error as err:
            self.message.value = f"<span style='color:#b00020'>{html.escape(str(err))}</span>"
            return
        self.message.value = (
            f"<span class='s3-used'>{esc(self.db.get(key).name)} → {esc(proc.title)}</span>"
        )

    def _current_decision(self) -> str | None:
        running = [p for p in self.ws.roots("consent") if not p.finished]
        return running[-1].id if running else None


def for_step_html(ws: Workspace, proc: Any) -> str:
    """Suggested patterns for a process's current step, as HTML."""
    from s3engine.patterns import database as pattern_db

    try:
        pats = pattern_db.attach(ws).for_step(proc)[:5]
    except S3Error:
        return ""
    return ", ".join(esc(p.name) for p in pats)
