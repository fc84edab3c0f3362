"""The journal view (headless ipywidgets): every agreement listed and filterable, the verify status
checked again on Refresh, and the minutes, tables and calendar offered as browser downloads
(``data:`` links), never as server paths."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")

import icalendar
from conftest import fixed_clock
from pypdf import PdfReader

from jupyter_ext import i18n, live
from jupyter_ext.journal_view import JournalView
from s3engine.core.workspace import Workspace
from s3engine.demo.consent import SCENARIOS


@pytest.fixture(autouse=True)
def english() -> None:
    i18n.set_language("en")


def demo(ws: Workspace) -> None:
    for name in ("consent", "roles", "mits"):
        SCENARIOS[name](ws, lambda _s: None)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """One workspace after the three demos, recorded on 2026-01-05 (read only in the tests)."""
    ws = Workspace(tmp_path_factory.mktemp("jv") / "ws", clock=fixed_clock())
    demo(ws)
    return ws


def titles(view: JournalView) -> list[str]:
    return re.findall(
        r"<tr class='s3-agreement[^>]*><td>[^<]*(?:<b[^>]*>[^<]*</b>)?</td><td>([^<]*)",
        view.agreements.value,
    )


def test_lists_every_agreement_also_those_far_from_today_and_filters(shared: Workspace) -> None:
    ws = shared  # agreed on 2026-01-05
    every = ws.agreements(status=None)
    assert len(every) == 5
    agreed = min(dt.date.fromisoformat(a["agreed_on"][:10]) for a in every)
    review = max(dt.date.fromisoformat(a["review_date"]) for a in every)
    assert (dt.date.today() - agreed).days > 90 and (review - dt.date.today()).days > 90
    v = JournalView(ws)  # 90 days ahead, as before
    assert sorted(titles(v)) == sorted(a["title"] for a in every)
    assert "5 of 5 agreements" in v.agreements.value and "due for review" not in v.agreements.value
    v.days.value = 730
    assert v.agreements.value.count("due for review") == 5
    v.words.value = "LIBRARY energy"
    assert titles(v) == ["Energy help desk at the library"]
    assert "1 of 5 agreements" in v.agreements.value
    v.words.value = ""
    v.status.value = "superseded"
    assert titles(v) == [] and "No agreement matches." in v.agreements.value
    v.status.value = "active"
    assert len(titles(v)) == 5
    assert "Energy desk host" in v.roles.value and "Sara" in v.roles.value
    shown = v.agreements.value + v.events.value  # titles and action titles, not internal ids
    assert not re.search(r"(consent|mits|role-selection)-\d", shown)
    assert "MiTS: Valverde" in v.events.value and "Sign the phase gate" in v.events.value
    v.language.value = "it"
    assert v.status.value == "active" and len(titles(v)) == 5
    assert v.refresh_button.description == i18n._("Refresh") != "Refresh"


def test_refresh_checks_the_chain_again_with_the_right_event_count(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.write("Ana", "", "workspace.created", {})
    first = len((tmp_path / "ws" / "journal.jsonl").read_text().splitlines())
    v = JournalView(ws)
    assert v.verify() and f"Intact: {first} events" in v.verify_status.value and first < 3
    other = Workspace(tmp_path / "ws")  # another program (the CLI, a participant's phone) writes
    demo(other)
    other.close()
    total = len((tmp_path / "ws" / "journal.jsonl").read_text().splitlines())
    assert total > 70
    v.refresh_button.click()
    assert f"Intact: {total} events" in v.verify_status.value
    assert f"{total} events" in v.summary.value and len(titles(v)) == 5
    again = Workspace(tmp_path / "ws")  # and live, without Refresh (the kernel's watcher looks)
    again.configure("Ana", community="Valverde")
    again.close()
    live.watcher(ws).poll()
    assert f"Intact: {total + 1} events" in v.verify_status.value
    lines = (tmp_path / "ws" / "journal.jsonl").read_text().splitlines()
    lines[3] = lines[3].replace('"actor": "', '"actor": "X', 1)
    (tmp_path / "ws" / "journal.jsonl").write_text("\n".join(lines) + "\n")
    assert not v.verify() and "Damaged at event 4" in v.verify_status.value
    v.language.value = "fr"  # redrawing a damaged journal says so instead of failing
    assert "damaged at event 4" in v.events.value
    v.language.value = "en"


def links(view: JournalView) -> dict[str, bytes]:
    """File name -> bytes of every download link the view shows."""
    found = re.findall(r"download='([^']+)' href='data:[^;]+;base64,([^']+)'", view.downloads.value)
    return {name: base64.b64decode(data) for name, data in found}


def test_downloads_are_data_links_in_every_format_not_server_paths(shared: Workspace) -> None:
    v = JournalView(shared)
    v.day.value = dt.date(2026, 1, 5)
    made = v.prepare_downloads()
    files = links(v)
    assert (
        sorted(files)
        == sorted(m.name for m in made)
        == [
            "minutes-2026-01-05.html",
            "minutes-2026-01-05.ipynb",
            "minutes-2026-01-05.md",
            "minutes-2026-01-05.pdf",
            "s3flow-calendar.ics",
            "s3flow-tables.zip",
        ]
    )
    assert str(shared.path) not in v.downloads.value
    pdf = PdfReader(io.BytesIO(files["minutes-2026-01-05.pdf"]))
    assert "Energy help desk at the library" in pdf.pages[0].extract_text()
    assert "Energy help desk at the library" in files["minutes-2026-01-05.md"].decode()
    with zipfile.ZipFile(io.BytesIO(files["s3flow-tables.zip"])) as zf:
        assert sorted(zf.namelist()) == [
            "agreements.csv",
            "backlog.csv",
            "concerns.csv",
            "domains.csv",
            "roles.csv",
        ]
        rows = list(csv.DictReader(io.StringIO(zf.read("agreements.csv").decode("utf-8-sig"))))
    assert len(rows) == 5
    cal = icalendar.Calendar.from_ical(files["s3flow-calendar.ics"])
    assert len(list(cal.walk("VEVENT"))) == 10
    v.day.value = dt.date(2026, 1, 6)  # the links no longer fit the chosen day
    assert links(v) == {} and "Prepare downloads" in v.downloads.value
    v.prepare_downloads()
    assert "minutes-2026-01-06.pdf" in links(v)
