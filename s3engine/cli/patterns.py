"""The ``s3flow patterns`` command: list, search, show, related, for-step, export, import, validate.

Read commands show the shipped patterns plus those imported into the workspace (when it exists);
``export`` writes a pattern notebook, ``import`` journals the patterns of pattern notebooks, and
``validate`` checks every pattern file (exit 0 when all is valid, 1 otherwise). User errors are
``S3Error``s, printed on one line with exit code 2 by :func:`s3engine.cli.main`.

Allowed imports: standard library, s3engine (the pattern modules lazily, inside the commands).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from s3engine.languages import LANGUAGES

#: Language codes ``patterns search --lang`` accepts.
LANGUAGE_CODES = tuple(LANGUAGES)

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.core.workspace import Workspace
    from s3engine.patterns.database import PatternDB
    from s3engine.patterns.model import Pattern


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False))


def _open(args: argparse.Namespace) -> tuple[Workspace, PatternDB]:
    """The workspace (not created on disk until something is written) and its pattern database."""
    from s3engine.core.workspace import Workspace
    from s3engine.patterns.database import attach

    ws = Workspace.open(args.workspace)
    db = attach(ws, root=args.patterns_dir)
    if db.problems:
        print(
            f"warning: {len(db.problems)} pattern problem(s), e.g. {db.problems[0]} "
            "Run `s3flow patterns validate`.",
            file=sys.stderr,
        )
    return ws, db


def _close(ws: Workspace) -> None:
    if ws.path.exists():
        ws.flush()


def _origin(p: Pattern) -> str:
    if p.origin == "shipped":
        return ""
    prov = p.provenance or {}
    who = ", ".join(str(prov[k]) for k in ("community", "author", "date") if prov.get(k))
    return f"  [imported, revision {p.revision}{': ' + who if who else ''}]"


def cmd_list(args: argparse.Namespace) -> int:
    """``patterns list``: the entries passing the filters, as lines or JSON.

    Args:
        args: Parsed arguments: the filters, ``json``, ``workspace``, ``patterns_dir``.

    Returns:
        The exit code (0).
    """
    from s3engine.patterns.listing import listing

    ws, db = _open(args)
    pats = db.patterns(
        category=args.category, source=args.source, kind=args.kind, phase=args.phase, tag=args.tag
    )
    _close(ws)
    if args.json:
        _print_json([listing(p) for p in pats])
        return 0
    for p in pats:
        print(f"{p.key:<46} {p.kind:<7} {p.category:<34.34} {p.name}{_origin(p)}")
    counts = {k: sum(1 for p in pats if p.kind == k) for k in ("s3", "toolbox")}
    print(f"{len(pats)} patterns ({counts['s3']} S3, {counts['toolbox']} toolbox).")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """``patterns search``: ranked results with their snippets, or JSON.

    Args:
        args: Parsed arguments: ``query``, ``limit``, ``lang`` (names are shown in it; default
            the workspace language, or the query's when the workspace's is English), the
            filters, ``json``.

    Returns:
        The exit code (0, also when nothing matches).
    """
    ws, db = _open(args)
    lang = args.lang or db.index.display_language(
        args.query, str(ws.settings.get("language") or "en")
    )
    results = db.search(
        args.query,
        limit=args.limit,
        category=args.category,
        source=args.source,
        phase=args.phase,
        tag=args.tag,
        kind=args.kind,
        lang=lang,
    )
    _close(ws)
    if args.json:
        _print_json([r.as_dict() for r in results])
        return 0
    if not results:
        print(f"No pattern matches '{args.query}'. Try other or fewer words.")
    for n, r in enumerate(results, 1):
        p = r.pattern
        name, found = p.name_in(lang)
        english = " (English)" if found != lang and lang != "en" else ""
        print(f"{n:>2}. {name}{english} ({p.key}) — {p.category}{_origin(p)}")
        print(f"    {r.snippet}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """``patterns show``: one pattern in full, with where it is used and its other versions.

    Args:
        args: Parsed arguments: ``id`` (or ``id@revision``), ``lang``, ``json``.

    Returns:
        The exit code (0).
    """
    ws, db = _open(args)
    p = db.get(args.id)
    used = db.used_in(ws, p.id)
    others = [v for v in db.versions(p.id) if v.key != p.key]
    _close(ws)
    if args.json:
        from s3engine.patterns.listing import listing

        _print_json(
            {
                **listing(p),
                "attribution": p.attribution,
                "body": p.body,
                "used_in": used,
                "other_versions": [listing(v) for v in others],
            }
        )
        return 0
    print(f"{p.name}  ({p.key}, version {p.version}){_origin(p)}")
    print(f"  Kind:        {p.kind}")
    print(
        f"  Category:    {p.category}" + (f" (2021: {p.category_2021})" if p.category_2021 else "")
    )
    print(f"  Source:      {p.source}" + (f" <{p.source_url}>" if p.source_url else ""))
    print(f"  Summary:     {p.summary}")
    if p.aliases:
        print(f"  Also called: {', '.join(p.aliases)}")
    lang = args.lang or str(ws.settings.get("language") or "en")
    t = p.translation(lang)
    if t is not None:
        review = f"reviewed by {t.reviewed_by}" if t.reviewed_by else "not yet reviewed"
        print(f"  In {LANGUAGES[lang]} ({review}): {t.name}. {t.summary}")
        print(f"               {', '.join(t.aliases)}")
    print(f"  Phases:      {', '.join(p.phases)}")
    print(f"  Tags:        {', '.join(p.tags)}")
    if p.related:
        print(f"  Related:     {', '.join(p.related)}")
    if used:
        print(f"  Used in:     {', '.join(used)}")
    for v in others:
        print(f"  Also kept:   {v.key}{_origin(v) or '  [shipped]'}")
    print(f"  Licence:     {p.license}. {p.attribution}")
    print()
    print(p.body.strip())
    return 0


def cmd_related(args: argparse.Namespace) -> int:
    """``patterns related``: the patterns one links to and those linking to it.

    Args:
        args: Parsed arguments: ``id``, ``json``.

    Returns:
        The exit code (0).
    """
    ws, db = _open(args)
    rel = db.related(args.id)
    _close(ws)
    if args.json:
        _print_json({k: [q.id for q in v] for k, v in rel.items()})
        return 0
    p = db.get(args.id)
    print(f"{p.name} ({p.id})")
    for label, key in (("Links to", "links_to"), ("Linked from", "linked_from")):
        print(f"  {label}:")
        for q in rel[key]:
            print(f"    - {q.name} ({q.id})")
        if not rel[key]:
            print("    (none)")
    return 0


def cmd_for_step(args: argparse.Namespace) -> int:
    """``patterns for-step``: the patterns for a phase, a state, kind:state or a process id.

    Args:
        args: Parsed arguments: ``step``, ``limit``, ``json``.

    Returns:
        The exit code (0).
    """
    ws, db = _open(args)
    step: Any = args.step
    if step in ws.processes:
        step = ws.processes[step]
    pats = db.for_step(step)[: args.limit]
    _close(ws)
    if args.json:
        from s3engine.patterns.listing import listing

        _print_json([listing(p) for p in pats])
        return 0
    for p in pats:
        print(f"{p.key:<46} {p.name} — {p.summary}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """``patterns export``: write the named patterns to a pattern notebook.

    Args:
        args: Parsed arguments: ``ids``, ``output``, ``community``, ``author``, ``date``.

    Returns:
        The exit code (0).
    """
    from s3engine.core import trust
    from s3engine.errors import S3Error
    from s3engine.patterns.notebook import export_patterns

    ws, db = _open(args)
    try:
        note: str | None = trust.checkpoint(ws)
    except S3Error:  # e.g. a workspace whose key this program cannot read: export without it
        note = None
    path = export_patterns(
        db,
        args.ids,
        args.output,
        community=args.community,
        author=args.author,
        date=args.date,
        checkpoint=note,
    )
    _close(ws)
    print(f"Exported {len(args.ids)} pattern(s) to {path}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """``patterns import``: journal the patterns of pattern notebooks and report what happened.

    Args:
        args: Parsed arguments: ``files``, ``actor``, ``json``.

    Returns:
        The exit code (0).
    """
    from s3engine.patterns.notebook import import_notebooks

    ws, _db = _open(args)
    many = len(args.files) > 1

    def progress(done: int, total: int, path: str) -> None:
        if many:
            print(f"[{done}/{total}] checked {path}", file=sys.stderr)

    results = import_notebooks(ws, args.files, actor=args.actor or "s3flow", progress=progress)
    ws.flush()
    if args.json:
        _print_json([r.as_dict() for r in results])
        return 0
    for r in results:
        for line in r.lines():
            print(line)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``patterns validate``: check every pattern file and every related link.

    Args:
        args: Parsed arguments: ``patterns_dir``.

    Returns:
        0 when everything is valid, 1 otherwise.
    """
    from s3engine.patterns.database import PatternDB

    db = PatternDB(args.patterns_dir)
    db.load()
    if db.problems:
        for prob in db.problems:
            print(f"problem: {prob}")
        print(f"{len(db.problems)} problem(s) in {db.root}.")
        return 1
    pats = db.patterns()
    links = sum(len(p.related) for p in pats)
    counts = {k: sum(1 for p in pats if p.kind == k) for k in ("s3", "toolbox")}
    print(
        f"OK: {len(pats)} patterns ({counts['s3']} S3, {counts['toolbox']} toolbox) are "
        f"valid; all {links} related links resolve."
    )
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``patterns`` command and its sub-commands.

    Args:
        subparsers: The sub-parsers of the ``s3flow`` parser.
        common: The parser holding the options every command takes.
    """
    opts = argparse.ArgumentParser(add_help=False, parents=[common])
    opts.add_argument(
        "--patterns-dir",
        metavar="DIR",
        help="pattern folder (default: the patterns shipped with s3flow)",
    )
    top = subparsers.add_parser("patterns", help="the pattern-language database")
    sub = top.add_subparsers(dest="patterns_command", metavar="SUBCOMMAND")
    top.set_defaults(func=lambda _a: (top.print_help(), 0)[1])

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--category", help="only this category")
        p.add_argument("--source", help="only patterns whose source contains this text")
        p.add_argument("--kind", choices=("s3", "toolbox"))
        p.add_argument("--phase", help="only patterns for this phase")
        p.add_argument("--tag", help="only patterns with this tag")
        p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("list", parents=[opts], help="list patterns")
    filters(p)
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("search", parents=[opts], help="ranked full-text search")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument(
        "--lang",
        choices=LANGUAGE_CODES,
        help="show names in this language and rank it first (default: the workspace language, "
        "or the query's language when the workspace's is English)",
    )
    filters(p)
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("show", parents=[opts], help="one pattern in full")
    p.add_argument("id")
    p.add_argument(
        "--lang",
        choices=LANGUAGE_CODES,
        help="also show the name, summary and aliases in this language (default: the workspace's)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("related", parents=[opts], help="related patterns, both ways")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_related)
    p = sub.add_parser(
        "for-step",
        parents=[opts],
        help="patterns for a step: a phase, a state, kind:state or a process id",
    )
    p.add_argument("step")
    p.add_argument("--limit", type=int, default=15)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_for_step)
    p = sub.add_parser("export", parents=[opts], help="export patterns to a notebook")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("-o", "--output", required=True, metavar="FILE.ipynb")
    p.add_argument("--community", help="community sharing the patterns")
    p.add_argument("--author", help="who shares them")
    p.add_argument("--date", help="date of the export (YYYY-MM-DD, default today)")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("import", parents=[opts], help="import pattern notebooks")
    p.add_argument("files", nargs="+", metavar="FILE.ipynb")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("validate", parents=[opts], help="check every pattern file")
    p.set_defaults(func=cmd_validate)
