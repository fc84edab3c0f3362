"""The journal and agreements view: every agreement, who holds what, what happened, is it intact.

Lists every agreement (filtered by status and by words in it), marking those due for review
within the chosen number of days; held roles with their term ends; the latest events; and the
result of verifying the hash chain, checked again on every Refresh. Offers the minutes of a day
(PDF, HTML, Markdown, notebook), the CSV tables and the review calendar as real browser downloads:
links holding the file as a ``data:`` URL, so nothing depends on where the server keeps files.

Allowed imports: ipywidgets, s3engine, jupyter_ext.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error
from s3engine.reports import download
from s3engine.reports.download import Download

from .assist import Assist
from .i18n import _, format_date, format_datetime
from .language_menu import LanguageMenu, PageLanguage
from .live import follow
from .stepper import esc
from .workspace import workspace

#: Room between table columns (both directions: the panel may run right to left).
_SPACED = " style='border-spacing:12px 2px'"
#: Fields of an agreement the text filter looks in.
SEARCHED = ("id", "title", "text", "driver", "requirement", "facilitator", "participants")


def _status_labels() -> dict[str, str]:
    return {"active": _("Active"), "superseded": _("Superseded"), "dropped": _("Dropped")}


def matches(agreement: dict[str, Any], status: str, words: str) -> bool:
    """Whether an agreement passes the view's filters (any status when ``status`` is empty)."""
    if status and agreement.get("status") != status:
        return False
    hay = " ".join(str(agreement.get(k) or "") for k in SEARCHED).casefold()
    return all(word in hay for word in words.casefold().split())


def link(item: Download, label: str) -> str:
    """An HTML link that makes the browser save ``item`` under its own file name."""
    data = base64.b64encode(item.data).decode("ascii")
    kind = item.name.rsplit(".", 1)[-1]
    return (
        f"<a class='s3-download s3-download-{kind}' download='{esc(item.name)}' "
        f"href='data:{item.media_type};base64,{data}' "
        "style='display:inline-block;margin:4px 10px 4px 0;padding:3px 10px;font-weight:600;"
        "color:#0b57d0;border:1px solid #0b57d0;border-radius:4px;text-decoration:none'>"
        f"<span aria-hidden='true'>⬇</span> {esc(label)}</a>"
    )


class JournalView(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """Every agreement, roles, recent events, verification and downloads.

    Args:
        ws: Workspace (default: this kernel's workspace).
        days_ahead: Reviews and role terms ending within this many days are marked as due.
    """

    def __init__(self, ws: Workspace | None = None, days_ahead: int = 90) -> None:
        self.ws = ws or workspace()
        wide = {"description_width": "initial"}
        self.days = w.IntSlider(
            value=days_ahead, min=7, max=730, step=7, continuous_update=False, style=wide
        )
        self.days.observe(lambda _c: self.render(), names="value")
        self.status = w.Dropdown(options=[("", "")], value="")
        self.status.add_class("s3-agreement-status")
        self.words = w.Text(continuous_update=True)
        self.words.add_class("s3-agreement-filter")
        for control in (self.status, self.words):
            control.observe(lambda _c: self.render_agreements(), names="value")
        self.summary = w.HTML()
        self.agreements = w.HTML()
        self.roles = w.HTML()
        self.events = w.HTML()
        self.verify_status = w.HTML()
        self.verify_button = w.Button(icon="check", layout=w.Layout(width="auto"))
        self.verify_button.add_class("s3-verify")
        self.verify_button.on_click(lambda _b: self.verify())
        self.refresh_button = w.Button(icon="refresh", layout=w.Layout(width="auto"))
        self.refresh_button.add_class("s3-refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.day = w.DatePicker(value=dt.date.today(), style=wide)
        self.day.observe(lambda _c: self._stale(), names="value")
        self.prepare_button = w.Button(icon="download", layout=w.Layout(width="auto"))
        self.prepare_button.add_class("s3-prepare-downloads")
        self.prepare_button.on_click(lambda _b: self.prepare_downloads())
        self.downloads = w.HTML()
        self.downloads.add_class("s3-downloads")
        self.language = LanguageMenu(self._relabel)
        super().__init__(
            [
                w.HBox([self.summary, self.language, PageLanguage()]),
                w.HBox([self.status, self.words]),
                self.agreements,
                w.HBox([self.days, self.refresh_button]),
                self.roles,
                w.HBox([self.verify_button, self.verify_status]),
                self.events,
                w.HBox([self.day, self.prepare_button]),
                self.downloads,
                Assist(".s3-journal-view"),  # the stylesheet and keyboard support
            ]
        )
        self.add_class("s3-journal-view")
        self._verified = False
        self._relabel()
        follow(self, self.ws)

    # -- drawing ---------------------------------------------------------------------------------

    def _relabel(self) -> None:
        """Set every label in the current language, then redraw."""
        self.days.description = _("Due within (days)")
        labels = _status_labels()
        current = self.status.value
        self.status.options = [(_("Every status"), ""), *[(v, k) for k, v in labels.items()]]
        self.status.value = current
        self.status.description = _("Status")
        self.words.description = _("Find")
        self.words.placeholder = _("words in the title, text or names")
        self.verify_button.description = _("Verify the journal")
        self.refresh_button.description = _("Refresh")
        self.day.description = _("Meeting day")
        self.prepare_button.description = _("Prepare downloads")
        self.render()
        if self._verified:
            self.verify()
        if self.downloads.value:
            self._stale()

    def render(self) -> None:
        """Redraw everything from the engine (without reading other programs' new events)."""
        seq, _h = self.ws.head
        self.summary.value = (
            f"<h2 style='margin:4px 0'>{esc(_('Journal and agreements'))}</h2>"
            f"<span class='s3-head'>{seq} {esc(_('events'))}</span>"
        )
        self.render_agreements()
        self.render_roles()
        try:
            events = list(self.ws.events())[-25:]
        except S3Error as err:  # a damaged journal: say so, keep showing what was read before
            self.events.value = f"<b class='s3-error' style='color:#b00020'>{esc(err)}</b>"
            return
        erows = "".join(
            f"<tr><td>{e['seq']}</td><td>{esc(format_datetime(e['time']))}</td>"
            f"<td>{esc(e['actor'])}</td>{self._what(e)}</tr>"
            for e in reversed(events)
        )
        self.events.value = (
            f"<b>{esc(_('Latest events'))}</b><table class='s3-events'{_SPACED}>{erows}</table>"
        )

    def _what(self, event: dict[str, Any]) -> str:
        """Two cells: which decision (its title) and what was done (the action's title)."""
        proc = self.ws.processes.get(event["process"] or "")
        name = str(event["type"]).rpartition(".")[2]
        if proc is None:
            return f"<td></td><td>{esc(event['type'])}</td>"
        root = self.ws.processes.get(proc.id.split(".")[0], proc)
        action = proc.definition.action_map.get(name)
        if action is not None:
            what = _(action.title)
        elif name == "started":
            what = _("Started") + f": {_(proc.definition.title)}"
        else:  # recorded by s3flow itself (a round closed, a sub-process finished ...)
            what = name.replace("_", " ")
        return f"<td>{esc(root.title)}</td><td>{esc(what)}</td>"

    def _limit(self) -> str:
        return (dt.date.today() + dt.timedelta(days=self.days.value)).isoformat()

    def render_agreements(self) -> None:
        """Redraw the agreement list with the current filters."""
        every = self.ws.agreements(status=None)
        shown = [a for a in every if matches(a, self.status.value, self.words.value)]
        limit, labels, due = self._limit(), _status_labels(), esc(_("due for review"))
        rows = "".join(
            f"<tr class='s3-agreement s3-status-{esc(a['status'])}'>"
            f"<td>{esc(format_date(a['review_date']))}"
            + (
                f" <b class='s3-due'>{due}</b>"
                if a["status"] == "active" and a["review_date"] <= limit
                else ""
            )
            + f"</td><td>{esc(a['title'])}</td>"
            f"<td>{esc(labels.get(a['status'], a['status']))}</td><td>{a['version']}</td></tr>"
            for a in shown
        )
        head = "".join(
            f"<th style='text-align:start'>{esc(h)}</th>"
            for h in (_("Review date"), _("Title"), _("Status"), _("Version"))
        )
        count = _("{shown} of {total} agreements").format(shown=len(shown), total=len(every))
        none = _("No agreement matches.") if every else _("No agreements yet.")
        self.agreements.value = (
            f"<b>{esc(_('Agreements'))}</b> <span class='s3-agreement-count'>{esc(count)}</span>"
            + (
                f"<table class='s3-agreements'{_SPACED}><tr>{head}</tr>{rows}</table>"
                if rows
                else f"<div><i>{esc(none)}</i></div>"
            )
        )

    def render_roles(self) -> None:
        """Redraw the held roles with their term ends (those ending soon marked)."""
        limit = self._limit()
        roles = sorted(
            (r for r in self.ws.projection.all("roles") if r.get("status") == "held"),
            key=lambda r: (str(r.get("term_end") or "9999"), str(r["id"])),
        )
        ending = esc(_("term ends soon"))
        rrows = "".join(
            f"<tr><td>{esc(format_date(r.get('term_end')) or '-')}"
            + (f" <b class='s3-due'>{ending}</b>" if (r.get("term_end") or "9") <= limit else "")
            + f"</td><td>{esc(r.get('name'))}</td><td>{esc(r.get('keeper'))}</td></tr>"
            for r in roles
        )
        self.roles.value = f"<b>{esc(_('Roles and their terms'))}</b>" + (
            f"<table class='s3-roles-ending'{_SPACED}>{rrows}</table>"
            if rrows
            else f"<div><i>{esc(_('No role is held.'))}</i></div>"
        )

    # -- actions ---------------------------------------------------------------------------------

    def live_refresh(self) -> None:
        """Redraw after other programs' events (the live watcher applied them already)."""
        self.render()
        if self._verified:
            self.verify()
        self._stale()

    def refresh(self) -> None:
        """Read other programs' new events, redraw, and check the chain again."""
        try:
            self.ws.refresh()
        except S3Error as err:
            self.summary.value = f"<b style='color:#b00020'>{html.escape(str(err))}</b>"
            return
        self.render()
        self.verify()
        self._stale()

    def verify(self) -> bool:
        """Check the whole chain and show the result; True when it is intact."""
        rep = self.ws.journal.verify()
        self._verified = True
        if rep.ok:
            self.verify_status.value = (
                f"<span class='s3-verify-ok' style='color:#1b5e20'>✔ "
                f"{esc(_('Intact'))}: {rep.events} {esc(_('events'))}"
                f"</span>"
            )
        else:
            self.verify_status.value = (
                f"<span class='s3-verify-bad' style='color:#b00020'>✘ "
                f"{esc(_('Damaged at event'))} {rep.first_bad_seq}: "
                f"{esc(rep.reason)}</span>"
            )
        return rep.ok

    def _stale(self) -> None:
        if self.downloads.value:
            self.downloads.value = f"<i>{esc(_('Press “Prepare downloads” again.'))}</i>"

    def prepare_downloads(self) -> list[Download]:
        """Make the day's minutes (every format), the tables and the calendar; link each.

        Returns:
            The files made (one that could not be made is shown as its error message instead).
        """
        day = self.day.value.isoformat() if self.day.value else None
        made: list[Download] = []
        parts: list[str] = []
        jobs: list[tuple[str, Callable[[], Download]]] = [
            (_("Minutes (PDF)"), lambda: download.minutes(self.ws, day, ".pdf")),
            (_("Minutes (web page)"), lambda: download.minutes(self.ws, day, ".html")),
            (_("Minutes (Markdown)"), lambda: download.minutes(self.ws, day, ".md")),
            (_("Minutes (notebook)"), lambda: download.minutes(self.ws, day, ".ipynb")),
            (_("Tables (CSV, zip)"), lambda: download.tables(self.ws)),
            (_("Calendar (.ics)"), lambda: download.calendar(self.ws)),
        ]
        self.prepare_button.disabled = True  # a PDF takes a moment: say so, and only once
        self.downloads.value = f"<i role='status'>{esc(_('Preparing the files…'))}</i>"
        try:
            for label, job in jobs:
                try:
                    item = job()
                except S3Error as err:
                    parts.append(f"<span class='s3-error' style='color:#b00020'>{esc(err)}</span>")
                    continue
                made.append(item)
                parts.append(link(item, label))
                parts += [f"<div class='s3-note'>{esc(n)}</div>" for n in item.notes]
        finally:
            self.prepare_button.disabled = False
        when = day or _("the whole journal")
        self.downloads.value = (
            f"<div>{esc(_('Minutes of {day}').format(day=when))}:</div><div>{''.join(parts)}</div>"
        )
        return made
