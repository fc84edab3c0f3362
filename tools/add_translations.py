"""Add translations to the interface catalogues, then re-run the extractor.

Input: a JSON file ``{"it": {"English text": "testo italiano", ...}, "pt": {...}, ...}``.
Texts not yet in a catalogue are added; existing translations are replaced. The catalogues are
locked while this runs, so several contributors can add translations at the same time.

    python tools/add_translations.py translations.json
    python tools/add_translations.py --missing it     # print the untranslated texts of one language
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "jupyter_ext" / "locale"


def _po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "s3flow.po"


def add(table: dict[str, dict[str, str]]) -> None:
    """Merge ``table`` into the catalogues and rebuild them (the .pot, each .po and .mo)."""
    with FileLock(str(LOCALE / ".catalogues.lock")):
        # Bring every catalogue up to date first, so new texts exist as entries.
        subprocess.run([sys.executable, str(ROOT / "tools" / "extract_messages.py")], check=True)
        for lang, entries in table.items():
            path = _po_path(lang)
            with open(path, "rb") as fh:
                po = read_po(fh, locale=lang)
            for msgid, msgstr in entries.items():
                if msgid in po:
                    po[msgid].string = msgstr
                else:
                    po.add(msgid, msgstr)
            with open(path, "wb") as fh:
                write_po(fh, po, sort_output=True)
        subprocess.run([sys.executable, str(ROOT / "tools" / "extract_messages.py")], check=True)


def missing(lang: str) -> list[str]:
    """The texts of the template that ``lang`` has no translation for."""
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "extract_messages.py")],
        check=True,
        capture_output=True,
    )
    with open(LOCALE / "s3flow.pot", "rb") as fh:
        pot = read_po(fh)
    with open(_po_path(lang), "rb") as fh:
        po = read_po(fh, locale=lang)
    return [m.id for m in pot if m.id and (m.id not in po or not po[m.id].string)]


def main() -> int:
    """Command line entry."""
    if len(sys.argv) == 3 and sys.argv[1] == "--missing":
        print(json.dumps(missing(sys.argv[2]), ensure_ascii=False, indent=1))
        return 0
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    add(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
