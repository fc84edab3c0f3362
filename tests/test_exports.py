"""Exports people take elsewhere: `s3flow minutes` (PDF, HTML, Markdown, notebook), `s3flow export
--csv` and `s3flow calendar`, read back by their standard parsers (csv, icalendar, pypdf) and
compared with the journal; and the command-line errors (typed, exit 2, nothing written)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path
from typing import Any

import icalendar
import pytest
from conftest import all_sign, fixed_clock, run_to_check, start_consent
from fontTools.ttLib import TTFont
from pypdf import PdfReader, PdfWriter

from s3engine.cli.main import main
from s3engine.core import trust
from s3engine.core.workspace import Workspace
from s3engine.journal.embedding import extract
from s3engine.reports import minutes, tables
from s3engine.reports.tables import COLUMNS

Cap = pytest.CaptureFixture[str]
GREEK = "Γραφείο ενέργειας στη βιβλιοθήκη"
ARABIC = "مكتب المساعدة للطاقة"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace after `s3flow demo` (consent, roles and MiTS scenarios)."""
    w = tmp_path_factory.mktemp("exports") / "ws"
    for scenario in ("consent", "roles", "mits"):
        assert main(["demo", "-w", str(w), "--scenario", scenario]) == 0
    return w


def agree(ws: Workspace, **fields: str) -> Any:
    """A consent decision among conftest's people, through to its recorded agreement."""
    p = start_consent(ws, **fields)
    run_to_check(p)
    all_sign(p)
    p.act("celebrate", "Ana")
    p.act("record_agreement", "Ana")
    return p


def fresh(w: Path) -> Workspace:
    """The workspace replayed from its journal alone (no snapshot, no query files)."""
    return Workspace(w, create=False, use_snapshot=False)


def run(capsys: Cap, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# -- CSV -------------------------------------------------------------------------------------------


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_csv_tables_read_back_match_the_journal(demo: Path, tmp_path: Path, capsys: Cap) -> None:
    out = tmp_path / "tables"
    code, text, _ = run(capsys, "export", "-w", str(demo), "--csv", str(out))
    assert code == 0 and "agreements.csv: 5 rows" in text
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in COLUMNS)
    assert (out / "agreements.csv").read_bytes().startswith(b"\xef\xbb\xbfid,title,status")
    ws = fresh(demo)
    for table, columns in COLUMNS.items():
        header, _rows = read_csv(out / f"{table}.csv")
        assert header == [c for c, _g in columns], table
    _, agreements = read_csv(out / "agreements.csv")
    journal = {a["id"]: a for a in ws.agreements(status=None)}
    assert [r["id"] for r in agreements] == sorted(journal) and len(journal) == 5
    for row in agreements:
        a = journal[row["id"]]
        assert row["title"] == a["title"] and row["agreement"] == a["text"]
        assert row["review_date"] == a["review_date"] and row["status"] == a["status"]
        assert row["version"] == str(a["version"]) and row["agreed_on"] == a["agreed_on"][:10]
        assert row["responsibilities"].split("\n") == (a["responsibilities"] or [""])
        assert row["participants"].split("\n") == a["participants"]
        assert row["objections"] == str(len(a["objections"]))
    _, roles = read_csv(out / "roles.csv")
    assert {(r["name"], r["keeper"], r["term_end"]) for r in roles} == {
        ("Energy desk host", "Sara", "2027-12-31"),
        ("LIT logbook keeper", "Nadia", "2027-06-30"),
    }
    _, domains = read_csv(out / "domains.csv")
    d = ws.projection.get("domains", domains[0]["id"])
    assert domains[0]["purpose"] == d["purpose"] and domains[0]["version"] == str(d["version"])
    assert domains[0]["key_responsibilities"].split("\n") == d["key_responsibilities"]
    _, backlog = read_csv(out / "backlog.csv")
    drivers = ws.projection.all("drivers")
    assert [(b["id"], b["status"], b["requirement"]) for b in backlog] == [
        (x["id"], x["status"], x["requirement"]) for x in drivers
    ]
    _, concerns = read_csv(out / "concerns.csv")
    assert [(c["agreement"], c["by"], c["concern"]) for c in concerns] == [
        ("consent-1", "Luis (energy coop)", "Volunteer motivation may fade after a few months.")
    ]


def test_csv_keeps_greek_arabic_and_disarms_formulas(tmp_path: Path, capsys: Cap) -> None:
    ws = Workspace(tmp_path / "ws", clock=fixed_clock())
    agree(ws, title='=HYPERLINK("http://x")', proposal=f"{ARABIC} — {GREEK}")
    ws.flush(everything=True)
    ws.close()
    code, _, _ = run(capsys, "export", "-w", str(tmp_path / "ws"), "--csv", str(tmp_path / "t"))
    assert code == 0
    _, rows = read_csv(tmp_path / "t" / "agreements.csv")
    assert rows[0]["title"] == '\'=HYPERLINK("http://x")'  # a spreadsheet shows it as text
    assert tables.unguard(rows[0]["title"]) == '=HYPERLINK("http://x")'
    assert rows[0]["agreement"] == f"{ARABIC} — {GREEK}"


# -- calendar --------------------------------------------------------------------------------------


def test_calendar_read_back_has_every_review_and_term_end(
    demo: Path, tmp_path: Path, capsys: Cap
) -> None:
    path = tmp_path / "reviews.ics"
    code, text, _ = run(capsys, "calendar", "-w", str(demo), "-o", str(path))
    assert code == 0 and "calendar entries" in text
    raw = path.read_bytes()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "lines are folded at 75 octets"
    cal = icalendar.Calendar.from_ical(raw)
    assert cal["VERSION"] == "2.0" and cal["PRODID"].startswith("-//s3flow//")
    events = list(cal.walk("VEVENT"))
    got = set()
    for ev in events:
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        assert type(start) is dt.date and end == start + dt.timedelta(days=1)  # all-day
        assert ev.decoded("DTSTAMP").tzinfo is not None  # a UTC time
        assert "consent-" not in str(ev["SUMMARY"])  # plain words, no internal id
        got.add((str(ev["CATEGORIES"].cats[0]), start.isoformat(), str(ev["SUMMARY"])))
    assert len({str(ev["UID"]) for ev in events}) == len(events)
    ws = fresh(demo)
    expected = {
        ("agreement review", a["review_date"], f"Review the agreement: {a['title']}")
        for a in ws.agreements()
    }
    for r in ws.projection.all("roles"):
        who = f"{r['name']} ({r['keeper']})"
        expected.add(("role term end", r["term_end"], f"Role term ends: {who}"))
        expected.add(("role review", r["review_date"], f"Review the role: {who}"))
    for d in ws.projection.all("domains"):
        expected.add(
            ("domain review", d["review_date"], f"Review the domain description: {d['name']}")
        )
    assert got == expected and len(expected) == 5 + 4 + 1
    again = tmp_path / "again.ics"
    assert run(capsys, "calendar", "-w", str(demo), "-o", str(again))[0] == 0
    assert again.read_bytes() == raw  # same journal, same file: calendar programs update in place


# -- minutes ---------------------------------------------------------------------------------------


def test_minutes_in_every_format_hold_the_journal_and_its_checkpoint(
    demo: Path, tmp_path: Path, capsys: Cap
) -> None:
    ws = fresh(demo)
    m = minutes.collect(ws)
    titles = [it["title"] for it in m["items"]]
    assert len(titles) == 7
    for suffix in (".pdf", ".html", ".md", ".ipynb"):
        path = tmp_path / f"minutes{suffix}"
        code, text, _ = run(capsys, "minutes", "-w", str(demo), "-o", str(path))
        assert code == 0 and f"({m['events']} events)" in text
        if suffix == ".pdf":
            reader = PdfReader(path)
            body = "\n".join(page.extract_text() for page in reader.pages)
            note = extract(reader.attachments["checkpoint.txt"][0].decode("utf-8"))
        else:
            body = path.read_text(encoding="utf-8")
            note = extract(body)
        assert trust.verify_against(ws, note).ok, suffix
        code, text, _ = run(capsys, "verify", "-w", str(demo), "--checkpoint", str(path))
        assert code == 0 and text.startswith("OK: the journal holds the"), suffix
        for title in titles:
            assert title in body, (suffix, title)
        agreement = ws.agreements()[0]
        assert " ".join(agreement["text"].split()[:6]) in " ".join(body.split()), suffix
    reader = PdfReader(tmp_path / "minutes.pdf")
    assert reader.metadata.title == "Minutes" and len(reader.pages) >= 2
    writer = PdfWriter()  # the same pages without the attached checkpoint
    for page in reader.pages:
        writer.add_page(page)
    with open(tmp_path / "bare.pdf", "wb") as fh:
        writer.write(fh)
    code, _, err = run(
        capsys, "verify", "-w", str(demo), "--checkpoint", str(tmp_path / "bare.pdf")
    )
    assert code == 2 and "carries no checkpoint" in err


def test_pdf_minutes_render_greek_and_arabic_shaped_right_to_left(
    tmp_path: Path, capsys: Cap
) -> None:
    ws = Workspace(tmp_path / "ws", clock=fixed_clock())
    agree(ws, title=ARABIC, proposal=f"{ARABIC}: يومين في الشهر")
    start_consent(ws, title=GREEK)
    ws.flush(everything=True)
    ws.close()
    path = tmp_path / "m.pdf"
    code, _, _ = run(
        capsys, "minutes", "-w", str(tmp_path / "ws"), "--day", "2026-01-05", "-o", str(path)
    )
    assert code == 0
    page = PdfReader(path).pages[0]
    found: dict[str, float] = {}

    def visit(text: str, cm: Any, tm: Any, *_: Any) -> None:
        for word in (ARABIC, GREEK):
            if word in text:
                found[word] = cm[4] + tm[4]

    assert ARABIC in page.extract_text(visitor_text=visit) and GREEK in page.extract_text()
    width = float(page.mediabox.width)
    assert found[GREEK] < width / 4 < width / 2 < found[ARABIC]  # Greek left, Arabic right
    glyphs: set[str] = set()
    for font in page["/Resources"]["/Font"].values():
        desc = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        data = desc.get_object()["/FontFile2"].get_object().get_data()
        glyphs.update(TTFont(io.BytesIO(data)).getGlyphOrder())
    # Shaped: joined forms (meem initial, kaf medial, teh marbuta final), not only isolated letters.
    assert {"uniFEE3", "uniFEDC", "uniFE94"} <= glyphs
    html_file = tmp_path / "m.html"
    assert run(capsys, "minutes", "-w", str(tmp_path / "ws"), "-o", str(html_file))[0] == 0
    assert f'<h2 dir="auto">{ARABIC}</h2>' in html_file.read_text(encoding="utf-8")


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["minutes", "--day", "2026-13-01", "-o", "{d}/m.pdf"], "is not a date"),
        (["minutes", "--day", "yesterday", "-o", "{d}/m.md"], "is not a date"),
        (["minutes", "-o", "{d}/m.docx"], "End the file name in .pdf, .html, .md, .ipynb"),
        (["minutes", "-o", "{d}/minutes"], "a file without a suffix"),
        (["minutes", "-o", "{d}/file.txt/m.pdf"], "is a file, not a folder"),
        (["minutes", "-o", "{d}/no/such/m.html"], "does not exist"),
        (["minutes", "-o", "{d}/folder.pdf"], "is a folder"),
        (["calendar", "-o", "{d}/c.txt"], "is written as an .ics file"),
        (["calendar", "-o", "{d}/file.txt/c.ics"], "is a file, not a folder"),
        (["export", "--csv", "{d}/file.txt"], "is a file, not a folder"),
        (["export", "--csv", "{d}/file.txt/t"], "is a file, not a folder"),
    ],
)
def test_export_errors_are_typed_exit_2_and_write_nothing(
    demo: Path, tmp_path: Path, capsys: Cap, argv: list[str], message: str
) -> None:
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "folder.pdf").mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    journal = (demo / "journal.jsonl").read_bytes()
    code, _out, err = run(capsys, *[a.format(d=tmp_path) for a in argv], "-w", str(demo))
    assert code == 2 and err.startswith("error: ") and message in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert (demo / "journal.jsonl").read_bytes() == journal


def test_missing_exports_extra_is_named(
    demo: Path, tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fpdf", None)  # as if fpdf2 were not installed
    monkeypatch.setitem(sys.modules, "icalendar", None)
    code, _, err = run(capsys, "minutes", "-w", str(demo), "-o", str(tmp_path / "m.pdf"))
    assert code == 2 and 'pip install "s3flow[exports]"' in err and "PDF minutes" in err
    code, _, err = run(capsys, "calendar", "-w", str(demo), "-o", str(tmp_path / "c.ics"))
    assert code == 2 and "s3flow[exports]" in err
    assert list(tmp_path.iterdir()) == []


def test_deferred_objections_are_in_the_minutes_and_the_calendar(
    tmp_path: Path, capsys: Cap
) -> None:
    ws = Workspace(tmp_path / "ws", clock=fixed_clock())
    p = start_consent(ws)
    run_to_check(p)
    all_sign(p, Bruno="possible objection")
    p.act("test_objection", "Ana", objector="Bruno", argument="Too few volunteers.")
    p.act("present_argument", "Bruno")
    p.act("check_disagreement", "Ana")
    p.act("close_check", "Ana")
    p.act(
        "propose_amendment",
        "Ana",
        kind="defer the objection",
        text="Recruit volunteers first.",
        **{"from": "objector"},
        owner="Dario",
        due="2027-02-01",
        next_step="Dario reports on recruiting in February.",
    )
    p.act("check_amendment", "Ana")
    all_sign(p)
    p.act("adopt_amendment", "Ana")
    all_sign(p)
    p.act("celebrate", "Ana")
    p.act("record_agreement", "Ana")
    ws.flush(everything=True)
    ws.close()
    w = str(tmp_path / "ws")
    expected = (
        "Too few volunteers. — Dario takes responsibility by 2027-02-01; "
        "next: Dario reports on recruiting in February."
    )
    for name in ("m.md", "m.pdf"):
        assert run(capsys, "minutes", "-w", w, "-o", str(tmp_path / name))[0] == 0
    md = (tmp_path / "m.md").read_text(encoding="utf-8")
    assert f"- Deferred objection (Bruno): {expected}" in md
    pdf = " ".join(page.extract_text() for page in PdfReader(tmp_path / "m.pdf").pages)
    assert f"Deferred objection (Bruno): {expected}" in " ".join(pdf.split())
    assert run(capsys, "calendar", "-w", w, "-o", str(tmp_path / "c.ics"))[0] == 0
    cal = icalendar.Calendar.from_ical((tmp_path / "c.ics").read_bytes())
    due = [ev for ev in cal.walk("VEVENT") if "deferral" in str(ev["UID"])]
    assert [(ev.decoded("DTSTART"), str(ev["SUMMARY"])) for ev in due] == [
        (dt.date(2027, 2, 1), "Deferred objection due (Dario): Library energy desk")
    ]


def test_pdf_minutes_say_which_characters_their_fonts_cannot_show(
    tmp_path: Path, capsys: Cap
) -> None:
    ws = Workspace(tmp_path / "ws", clock=fixed_clock())
    start_consent(ws, title="Bike racks 🚲")
    ws.close()
    path = tmp_path / "m.pdf"
    code, out, err = run(capsys, "minutes", "-w", str(tmp_path / "ws"), "-o", str(path))
    assert code == 0 and "Note: The PDF's fonts have no sign for 🚲" in out
    assert "MPDFAA" not in err  # no library message naming internal fonts
    assert "Bike racks" in PdfReader(path).pages[0].extract_text()
    code, out, _ = run(capsys, "minutes", "-w", str(tmp_path / "ws"), "-o", str(tmp_path / "m.md"))
    assert code == 0 and "Note:" not in out and "Bike racks 🚲" in (tmp_path / "m.md").read_text()
