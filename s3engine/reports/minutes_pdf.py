"""Minutes as a PDF, made with fpdf2 (no browser, no TeX).

The PDF shows what the Markdown and HTML minutes show (:func:`s3engine.reports.minutes.collect`),
laid out as headings, paragraphs and lists in DejaVu Sans, which covers Latin, Greek and Arabic
letters. fpdf2 shapes text with HarfBuzz (``uharfbuzz``) and orders it with the Unicode
bidirectional algorithm, so Arabic is joined and runs right to left; a paragraph that starts with
a right-to-left letter is aligned to the right. The signed checkpoint of the journal now is printed
at the end and attached to the file as ``checkpoint.txt`` (uncompressed), so ``s3flow verify
--checkpoint MINUTES.pdf`` checks the journal against it.

The fonts come from Debian's ``fonts-dejavu-core`` (``/usr/share/fonts/truetype/dejavu``), from the
folder named by ``$S3FLOW_FONT_DIR``, or from the copy matplotlib ships.

Allowed imports: standard library, ``fpdf2`` and ``uharfbuzz`` (lazily, the ``exports`` extra),
s3engine.core, s3engine.journal, s3engine.reports.
"""

from __future__ import annotations

import io
import logging
import os
import unicodedata
from pathlib import Path
from typing import Any

from s3engine.core.workspace import Workspace
from s3engine.journal.embedding import embed_text
from s3engine.reports.extra import ExportError, need
from s3engine.reports.minutes import checkpoint_note, collect, deferral
from s3engine.version import __version__

#: Font files by style ("" regular, "B" bold, "I" italic, "M" monospace).
FONT_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "M": "DejaVuSansMono.ttf",
}
DEBIAN_FONTS = Path("/usr/share/fonts/truetype/dejavu")
CHECKPOINT_FILE = "checkpoint.txt"
FAMILY = "s3sans"
MONO = "s3mono"


def font_dir() -> Path:
    """The folder holding the DejaVu fonts.

    Raises:
        ExportError: No folder holds them.
    """
    places = [Path(p) for p in (os.environ.get("S3FLOW_FONT_DIR"),) if p]
    places.append(DEBIAN_FONTS)
    try:
        import matplotlib

        places.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:
        pass
    for place in places:
        if all((place / f).is_file() for f in FONT_FILES.values()):
            return place
    raise ExportError(
        "PDF minutes need the DejaVu fonts (Greek and Arabic letters); they are not installed.",
        "Install Debian's fonts-dejavu-core (`apt-get install fonts-dejavu-core`) or set "
        "S3FLOW_FONT_DIR to a folder holding DejaVuSans.ttf.",
    )


def right_to_left(text: str) -> bool:
    """Whether the first letter with a direction is written right to left (Arabic, Hebrew)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def needs_shaping(text: str) -> bool:
    """Whether ``text`` needs HarfBuzz: right-to-left letters or combining marks.

    Latin and Greek text in DejaVu looks the same without it, and shaping every paragraph makes a
    long day's minutes many times slower.
    """
    return any(
        unicodedata.bidirectional(ch) in ("R", "AL", "AN") or unicodedata.combining(ch)
        for ch in text
        if ord(ch) > 0x2FF
    )


class _Writer:
    """Paragraph-level layout on an ``FPDF`` document."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.missing: set[str] = set()  # characters the fonts cannot show

    def text(self, text: str, style: str = "", size: float = 10.5, indent: float = 0) -> None:
        pdf = self.pdf
        shaped = needs_shaping(text)
        if style == "I" and shaped:  # DejaVu's oblique face has no Arabic letters
            style = ""
        pdf.set_font(MONO if style == "M" else FAMILY, "" if style == "M" else style, size)
        shown = pdf.current_font.cmap
        self.missing.update(ch for ch in text if ord(ch) not in shown and not ch.isspace())
        pdf.set_text_shaping(shaped)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(
            0,
            size * 0.5,
            text,
            align="R" if right_to_left(text) else "L",
            new_x="LMARGIN",
            new_y="NEXT",
        )

    def heading(self, text: str, size: float) -> None:
        self.pdf.ln(2)
        self.pdf.set_text_color(0x1B, 0x3A, 0x5C)
        self.text(text, "B", size)
        self.pdf.set_text_color(0)
        self.pdf.ln(1)

    def bullet(self, label: str, text: str) -> None:
        self.text(f"• {label}: {text}" if label else f"• {text}", indent=4)

    def gap(self) -> None:
        self.pdf.ln(2)


def attached_checkpoint(data: bytes, name: str = "the PDF") -> str:
    """The text of the checkpoint attached to PDF minutes (its BEGIN/END block).

    Raises:
        CheckpointError: The file is not a PDF made by s3flow or carries no checkpoint.
        MissingExtraError: pypdf is not installed.
    """
    from s3engine.journal.checkpoint import CheckpointError

    pypdf = need("pypdf", "Reading the checkpoint of PDF minutes")
    log = logging.getLogger("pypdf")
    level, log.level = log.level, logging.CRITICAL  # its warnings would precede our one line
    try:
        files = pypdf.PdfReader(io.BytesIO(data)).attachments.get(CHECKPOINT_FILE) or []
    except (pypdf.errors.PdfReadError, ValueError, KeyError) as exc:
        raise CheckpointError(f"{name} cannot be read as a PDF ({exc})") from None
    finally:
        log.setLevel(level)
    if len(files) != 1:
        raise CheckpointError(
            f"{name} carries no checkpoint (no attached {CHECKPOINT_FILE})",
            "Check PDF minutes made by `s3flow minutes -o FILE.pdf`.",
        )
    return bytes(files[0]).decode("utf-8", "replace")


def to_pdf(ws: Workspace, day: str | None = None, checkpoint: bool = True) -> bytes:
    """Minutes as the bytes of a PDF file (see :func:`render`)."""
    return render(ws, day, checkpoint)[0]


def render(
    ws: Workspace, day: str | None = None, checkpoint: bool = True
) -> tuple[bytes, list[str]]:
    """Minutes as a PDF, and the characters its fonts could not show (left out, e.g. emoji).

    Args:
        ws: The workspace.
        day: Only this day (YYYY-MM-DD); None for the whole journal.
        checkpoint: Print and attach the signed checkpoint of the journal now.

    Raises:
        MissingExtraError: fpdf2 or uharfbuzz is not installed.
        ExportError: The fonts are missing.
    """
    fpdf = need("fpdf", "PDF minutes")
    need("uharfbuzz", "PDF minutes")
    folder = font_dir()
    title = f"Minutes{' of ' + day if day else ''}"

    class Document(fpdf.FPDF):  # type: ignore[misc,name-defined]  # fpdf2 is typed loosely
        def footer(self) -> None:
            self.set_text_shaping(False)
            self.set_y(-12)
            self.set_font(FAMILY, "", 8)
            self.cell(0, 6, f"{title} · {self.page_no()}/{{nb}}", align="C")

    pdf = Document(format="A4")
    for style, name in FONT_FILES.items():
        if style == "M":
            pdf.add_font(MONO, "", str(folder / name))
        else:
            pdf.add_font(FAMILY, style, str(folder / name))
    pdf.set_title(title)
    pdf.set_creator(f"s3flow {__version__}")
    pdf.set_lang("en")
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    out = _Writer(pdf)
    m = collect(ws, day)
    out.heading(title, 20)
    span = f" (seq {m['first']}–{m['last']})" if m["first"] else ""
    out.text(f"{m['events']} journal events{span}.")
    for it in m["items"]:
        out.heading(str(it["title"]), 14)
        now = f"{it['kind']} · {it['id']} · now: {it['now']}"
        out.text(now + (f" · outcome: {it['outcome']}" if it["outcome"] else ""), "I", 9.5)
        out.text(f"Taking part: {', '.join(it['actors'])}")
        if it["absent"]:
            out.text(f"Absent: {', '.join(it['absent'])}")
        if it["recorded_for"]:
            out.text(
                "Recorded for someone without a device: "
                + "; ".join(dict.fromkeys(it["recorded_for"]))
            )
        a = it["agreement"]
        if a:
            out.gap()
            out.text(f"Agreement (review on {a['review_date']}):", "B")
            out.text(str(a["text"]))
            for r in a["responsibilities"]:
                out.bullet("Responsible", str(r))
            for c in a["evaluation_criteria"]:
                out.bullet("Evaluation criterion", str(c))
            for c in a["concerns"]:
                out.bullet(f"Concern ({c['by']})", str(c["text"] or "signalled"))
            for o in a["objections"]:
                res = (o.get("resolution") or {}).get("amendment") or {}
                tail = f"; resolved: {res.get('text', '')}" if res else ""
                out.bullet(
                    f"Objection ({o['objector']})", f"{o['argument']} — {o['verdict']}{tail}"
                )
            for d in a.get("deferred_objections") or []:
                out.bullet(f"Deferred objection ({d.get('objector')})", deferral(d))
        out.gap()
    out.text(f"Generated by s3flow {__version__} from the workspace journal.", "I", 9)
    note = checkpoint_note(ws) if checkpoint else None
    if note:
        block = embed_text(note)
        out.heading("Checkpoint", 12)
        out.text(block.rstrip("\n"), "M", 6.5)
        pdf.embed_file(
            basename=CHECKPOINT_FILE,
            bytes=block.encode("utf-8"),
            desc="The signed checkpoint of the journal when these minutes were made",
            compress=False,
        )
    log = logging.getLogger("fpdf.output")  # it names missing glyphs by internal font names
    level, log.level = log.level, logging.ERROR
    try:
        data = bytes(pdf.output())
    finally:
        log.setLevel(level)
    return data, sorted(out.missing)
