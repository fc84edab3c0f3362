"""The translation catalogues: compiled files match their sources and every tool accepts them."""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "jupyter_ext" / "locale"
LANGS = sorted(p.name for p in LOCALE.iterdir() if p.is_dir())


def _po(lang: str):  # type: ignore[no-untyped-def]
    with open(LOCALE / lang / "LC_MESSAGES" / "s3flow.po", "rb") as fh:
        return read_po(fh, locale=lang)


def test_there_are_catalogues() -> None:
    assert {"it", "pt", "es"} <= set(LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_committed_mo_matches_its_po(lang: str) -> None:
    catalog = _po(lang)
    with open(LOCALE / lang / "LC_MESSAGES" / "s3flow.mo", "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    translated = [m for m in catalog if m.id and m.string and not m.fuzzy]
    assert len(translated) > 600
    for m in translated:
        assert isinstance(m.id, str)
        assert mo.gettext(m.id) == m.string, (lang, m.id)


@pytest.mark.parametrize("lang", LANGS)
def test_headers_are_not_fuzzy_and_babel_finds_no_problem(lang: str) -> None:
    catalog = _po(lang)
    assert not catalog.fuzzy
    problems = [(m.id, errs) for m, errs in catalog.check() if errs]
    assert problems == []


def test_pybabel_compile_compiles_every_catalogue(tmp_path: Path) -> None:
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE, copy)
    for mo in copy.rglob("*.mo"):
        mo.unlink()
    res = subprocess.run(
        [
            Path(sys.executable).with_name("pybabel"),
            "compile",
            "-d",
            copy,
            "-D",
            "s3flow",
            "--statistics",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "fuzzy" not in res.stderr + res.stdout
    assert sorted(p.parent.parent.name for p in copy.rglob("s3flow.mo")) == LANGS


@pytest.mark.parametrize("lang", LANGS)
def test_msgfmt_check_is_clean(lang: str, tmp_path: Path) -> None:
    po = LOCALE / lang / "LC_MESSAGES" / "s3flow.po"
    assert shutil.which("msgfmt"), "GNU gettext's msgfmt is needed (./dev test installs it)"
    res = subprocess.run(
        ["msgfmt", "--check", "-o", tmp_path / "out.mo", po], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
