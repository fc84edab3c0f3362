"""The journal and agreements view: what is due, who holds what, what happened, is it intact.

Shows agreements due for review, roles whose term ends soon, the latest events, and the result of
verifying the hash chain; exports the minutes of a day as a notebook, HTML and Markdown (with a
progress bar, since exports read the whole journal).

Allowed imports: ipywidgets, s3engine, jupyter_ext, tqdm.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as w

from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error

from .i18n import _
from .language_menu import LanguageMenu
from .stepper import esc
from .workspace import workspace


class JournalView(w.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """Agreements due, roles ending, recent events, verification and minutes export.

    Args:
        ws: Workspace (default: this kernel's workspace).
        days_ahead: How far ahead to look for reviews and role terms ending, at first.
    """

    def __init__(self, ws: Workspace | None = None, days_ahead: int = 90) -> None:
        self.ws = ws or workspace()
        self.days = w.IntSlider(
            value=days_ahead,
            min=7,
            max=730,
            step=7,
            description=_("Days ahead"),
            continuous_update=False,
        )
        self.days.observe(lambda _c: self.render(), names="value")
        self.summary = w.HTML()
        self.due = w.HTML()
        self.roles = w.HTML()
        self.events = w.HTML()
        self.verify_status = w.HTML()
        self.verify_button = w.Button(description=_("Verify the journal"), icon="check")
        self.verify_button.add_class("s3-verify")
        self.verify_button.on_click(lambda _b: self.verify())
        self.refresh_button = w.Button(description=_("Refresh"), icon="refresh")
        self.refresh_button.on_click(lambda _b: self.render(refresh=True))
        self.day = w.DatePicker(description=_("Meeting day"), value=dt.date.today())
        self.export_button = w.Button(description=_("Export minutes"), icon="download")
        self.export_button.add_class("s3-export-minutes")
        self.export_button.on_click(lambda _b: self.export())
        self.export_status = w.HTML()
        self.language = LanguageMenu(self.render)
        super().__init__(
            [
                w.HBox([self.summary, self.language]),
                w.HBox([self.days, self.refresh_button]),
                self.due,
                self.roles,
                w.HBox([self.verify_button, self.verify_status]),
                self.events,
                w.HBox([self.day, self.export_button]),
                self.export_status,
            ]
        )
        self.add_class("s3-journal-view")
        self.render()

    def render(self, refresh: bool = False) -> None:
        """Redraw from the engine.

        Args:
            refresh: Read other programs' new events first.
        """
        if refresh:
            try:
                self.ws.refresh()
            except S3Error as err:
                self.summary.value = f"<b style='color:#b00020'>{html.escape(str(err))}</b>"
                return
        self.verify_button.description = _("Verify the journal")
        self.export_button.description = _("Export minutes")
        limit = (dt.date.today() + dt.timedelta(days=self.days.value)).isoformat()
        seq, _h = self.ws.head
        self.summary.value = (
            f"<h3 style='margin:4px 0'>{esc(_('Journal and agreements'))}</h3>"
            f"{seq} {esc(_('events'))} · {esc(self.ws.path)}"
        )
        rows = "".join(
            f"<tr><td>{esc(a['review_date'])}</td><td>{esc(a['title'])}</td>"
            f"<td><code>{esc(a['id'])}</code></td><td>v{a['version']}</td></tr>"
            for a in self.ws.agreements(due_before=limit)
        )
        self.due.value = f"<b>{esc(_('Agreements due for review'))}</b>" + (
            f"<table class='s3-due'>{rows}</table>"
            if rows
            else f"<div><i>{esc(_('None in this period.'))}</i></div>"
        )
        roles = [
            r
            for r in self.ws.projection.all("role_assignments")
            if r.get("term_end") and r["term_end"] <= limit and r.get("current", True)
        ]
        rrows = "".join(
            f"<tr><td>{esc(r['term_end'])}</td><td>{esc(r.get('role'))}</td>"
            f"<td>{esc(r.get('keeper'))}</td></tr>"
            for r in roles
        )
        self.roles.value = f"<b>{esc(_('Roles whose term ends'))}</b>" + (
            f"<table class='s3-roles-ending'>{rrows}</table>"
            if rrows
            else f"<div><i>{esc(_('None in this period.'))}</i></div>"
        )
        events = list(self.ws.events())[-25:]
        erows = "".join(
            f"<tr><td>{e['seq']}</td><td>{esc(e['time'][:16].replace('T', ' '))}</td>"
            f"<td>{esc(e['actor'])}</td><td>{esc(e['process'])}</td><td>{esc(e['type'])}</td>"
            f"</tr>"
            for e in reversed(events)
        )
        self.events.value = (
            f"<b>{esc(_('Latest events'))}</b><table class='s3-events'>{erows}</table>"
        )

    def verify(self) -> bool:
        """Check the whole chain and show the result; True when it is intact."""
        rep = self.ws.journal.verify()
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

    def export(self, folder: str | Path | None = None) -> list[Path]:
        """Write the minutes of the chosen day as .ipynb, .html and .md.

        Args:
            folder: Where to write them (default: ``exports`` in the workspace folder).

        Returns:
            The paths of the three files written.
        """
        import nbformat
        from tqdm.auto import tqdm  # type: ignore[import-untyped]  # tqdm ships no type information

        from s3engine.reports import minutes

        day = self.day.value.isoformat() if self.day.value else None
        out_dir = Path(folder) if folder else self.ws.path / "exports"
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = out_dir / f"minutes-{day or 'all'}"
        with tqdm(total=3, desc=_("Export minutes")) as bar:
            # nbformat's functions have no type annotations.
            nbformat.write(minutes.to_notebook(self.ws, day), str(stem) + ".ipynb")  # type: ignore[no-untyped-call]
            bar.update()
            Path(str(stem) + ".html").write_text(minutes.to_html(self.ws, day), encoding="utf-8")
            bar.update()
            Path(str(stem) + ".md").write_text(minutes.to_markdown(self.ws, day), encoding="utf-8")
            bar.update()
        written = [Path(str(stem) + s) for s in (".ipynb", ".html", ".md")]
        self.export_status.value = "<br>".join(esc(p) for p in written)
        return written
