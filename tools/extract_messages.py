"""Collect every interface text into jupyter_ext/locale/s3flow.pot and update the catalogues.

Texts come from two places: ``_("...")`` calls in jupyter_ext (Babel's extractor), and the engine's
process definitions (titles, step titles and guidance, action titles and guidance, field labels,
help and choices) plus the vocabularies widgets show (categories, phases, outcomes, statuses).

    python tools/extract_messages.py          # write the .pot and merge it into each .po
    python tools/extract_messages.py --check  # exit 1 if any catalogue lacks a translation
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LOCALE = ROOT / "jupyter_ext" / "locale"
LANGS = ("it", "pt", "es", "fr", "el", "ar")


def engine_texts() -> set[str]:
    import s3engine.processes
    from s3engine.core.process import Process
    from s3engine.core.registry import default_registry
    from s3engine.patterns.database import PatternDB
    from s3engine.patterns.model import PHASES
    from s3engine.processes.hidden_round import SIGNALS

    texts: set[str] = set(SIGNALS) | set(PHASES) | {"no signal"}
    default_registry()  # loads every registered process kind, so their definitions are known
    # Child process kinds (objection tests, resolutions) are spawned, not registered: import every
    # process module so their texts are found whatever the engine imports at module level.
    for mod in pkgutil.walk_packages(s3engine.processes.__path__, "s3engine.processes."):
        importlib.import_module(mod.name)
    todo = list(Process.__subclasses__())
    seen = set()
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        d = getattr(cls, "definition", None)
        if d is None or d.kind in seen:
            continue
        seen.add(d.kind)
        texts.add(d.title)
        for s in d.steps:
            texts.update({s.title, s.guidance})
        for a in d.actions:
            texts.update({a.title, a.guidance, a.confirm})
            for f in (*a.fields, *d.start_fields):
                texts.update({f.help, f.label or f.name.replace("_", " ").capitalize(), *f.choices})
        for f in d.start_fields:
            texts.update({f.help, f.name.replace("_", " ").capitalize(), *f.choices})
        for f in (*d.start_fields, *(x for a in d.actions for x in a.fields)):
            for c in f.columns:  # the columns of a table field (the MiTS actors)
                texts.update({c.help, c.label or c.name.replace("_", " ").capitalize(), *c.choices})
    texts.update(p.category for p in PatternDB().patterns())
    texts.update(
        {
            "agreed",
            "deferred",
            "passed on",
            "discarded",
            "objection",
            "not an objection",
            "being tested",
            "proposal",
            "requirement",
            "agreement",
            "amendment",
            "resolved",
            "in backlog",
            "handled directly",
            "described",
            "dissolved",
            "not an organizational driver",
            "proposal formed",
            "current",
            "anticipated",
            "keep",
            "drop",
            "evolve",
            "selected",
            "active",
            "done",
            "blocked",
            "planned",
            "closed",
            "information gathering",
            "generative",
        }
    )
    texts.update(error_texts())
    return {t for t in texts if t and t.strip()}


def error_texts() -> set[str]:
    """Engine error texts widgets show translated (see ``s3engine.errors.set_translator``).

    The sentence frames of the structured errors, and every literal problem and expected value
    given to ``InvalidField`` and every literal reason given to ``ActionNotAllowedNow``; and what
    each hidden round is about (``open_round``).
    """
    from s3engine.errors import TEMPLATES

    found: set[str] = set(TEMPLATES)
    for path in sorted((ROOT / "s3engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            exact = name in ("Phrase", "open_round")  # templates, looked up as they are
            if exact and node.args:
                first = node.args[0]
                args = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
            elif name == "InvalidField":
                args = [*node.args[1:3], *(k.value for k in node.keywords if k.arg != "label")]
            elif name == "ActionNotAllowedNow":
                args = [k.value for k in node.keywords if k.arg == "reason"]
            else:
                continue
            found.update(
                a.value if exact else a.value.rstrip(".")  # problems: shown with their own stop
                for a in args
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            )
    return found


def ui_texts() -> dict[str, tuple[str, int]]:
    """Every ``_("literal")`` and ``N_("literal")`` in jupyter_ext, also inside f-strings.

    Read from the syntax tree, so texts split over several lines (implicit concatenation) are
    found whole.
    """
    found: dict[str, tuple[str, int]] = {}
    for path in sorted((ROOT / "jupyter_ext").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"_", "N_"}
                and len(node.args) == 1
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and node.args[0].value
            ):
                found.setdefault(node.args[0].value, (rel, node.lineno))
    return found


def compile_mo(po_path: Path) -> Path:
    """Compile one catalogue into the .mo file shipped beside it (committed, checked by a test)."""
    with open(po_path, "rb") as fh:
        catalog = read_po(fh)
    mo = po_path.with_suffix(".mo")
    with open(mo, "wb") as fh:
        write_mo(fh, catalog, use_fuzzy=False)
    return mo


def build() -> Catalog:
    cat = Catalog(project="s3flow", version="0.1", charset="utf-8")
    for msg, loc in ui_texts().items():
        cat.add(msg, locations=[loc])
    for t in sorted(engine_texts()):
        if t not in cat:
            cat.add(t, locations=[("s3engine", 0)])
    return cat


def main() -> int:
    pot = build()
    if "--check" in sys.argv:
        bad = 0
        for lang in LANGS:
            with open(LOCALE / lang / "LC_MESSAGES" / "s3flow.po", "rb") as fh:
                po = read_po(fh, locale=lang)
            missing = [m.id for m in pot if m.id and (m.id not in po or not po[m.id].string)]
            if missing:
                bad += 1
                print(f"{lang}: {len(missing)} untranslated, e.g. {missing[:3]}")
        return 1 if bad else 0
    LOCALE.mkdir(parents=True, exist_ok=True)
    with open(LOCALE / "s3flow.pot", "wb") as fh:
        write_po(fh, pot, omit_header=False, sort_output=True)
    for lang in LANGS:
        path = LOCALE / lang / "LC_MESSAGES" / "s3flow.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with open(path, "rb") as fh:
                po = read_po(fh, locale=lang)
            kept = {m.id: m.string for m in po.obsolete.values() if m.string}
            po.update(pot, no_fuzzy_matching=True)
            for msg in po:  # a text that came back (e.g. reformatted code) keeps its translation
                if msg.id and not msg.string and msg.id in kept:
                    msg.string = kept[msg.id]
            for msg_id in [k for k in po.obsolete if k in po]:
                del po.obsolete[msg_id]
        else:
            po = Catalog(locale=lang, project="s3flow", charset="utf-8")
            po.update(pot, no_fuzzy_matching=True)
        po.fuzzy = False  # the header is reviewed: a fuzzy header makes `pybabel compile` skip it
        po.revision_date = datetime.now(UTC)
        po.last_translator = "s3flow translators"
        po.language_team = f"s3flow {lang}"
        with open(path, "wb") as fh:
            write_po(fh, po, sort_output=True)
        compile_mo(path)
    print(f"{len(pot)} messages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
