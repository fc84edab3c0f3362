"""``s3flow invite``: personal links (and QR codes) so that everyone takes part from their device.

    s3flow invite PID [--base-url URL] [--qr DIR] [--json] [--days N] [--only NAME ...]
    s3flow invite PID --revoke NAME
    s3flow invite PID --list

Allowed imports: standard library, ``segno``, s3engine.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

DEFAULT_BASE = "http://127.0.0.1:8866/"


def cmd_invite(args: argparse.Namespace) -> int:
    """Give out, list or revoke the personal links of a process."""
    from s3engine.core.workspace import Workspace
    from s3engine.participation import invite

    ws = Workspace.open(args.workspace, create=False)
    actor = args.actor or ws.get(args.process).root.facilitator
    if args.revoke:
        n = invite.revoke(ws, args.process, actor, args.revoke)
        print(f"Revoked {n} link{'s' if n != 1 else ''} of {args.revoke} for {args.process}.")
        return 0
    if args.list:
        rows = invite.links(ws, ws.get(args.process).root.id)
        if args.json:
            print(json.dumps(rows, indent=2, ensure_ascii=False))
        for r in rows if not args.json else []:
            print(f"{r['person']:<20} {r['status']:<9} link {r['link']}  until {r['expires'][:10]}")
        return 0
    made = invite.issue(ws, args.process, actor, args.only or None, args.days)
    base = args.base_url or DEFAULT_BASE
    if args.qr:
        _write_qr(made, base, Path(args.qr))
    if args.json:
        print(json.dumps([m.as_dict(base) for m in made], indent=2, ensure_ascii=False))
        return 0
    print(
        f"Personal links for {made[0].process} (they work until {made[0].expires[:10]}; "
        "give each person only their own):"
    )
    for m in made:
        print(f"  {m.person}: {m.url(base)}")
    if args.qr:
        print(f"QR codes: {args.qr}/<name>.png and .svg")
    return 0


def _write_qr(made: list[Any], base: str, folder: Path) -> None:
    import segno

    from s3engine.errors import S3Error

    try:
        folder.mkdir(parents=True, exist_ok=True)
        for m in made:
            code = segno.make(m.url(base), error="m")
            stem = "".join(c if c.isalnum() else "-" for c in m.person).strip("-") or "person"
            code.save(str(folder / f"{stem}.png"), scale=6, border=3)
            code.save(str(folder / f"{stem}.svg"), scale=6, border=3, title=f"s3flow: {m.person}")
    except OSError as exc:
        raise S3Error(
            f"Cannot write the QR codes into {folder}: {exc.strerror or exc}.",
            "Choose a folder you can write to with --qr DIR.",
        ) from exc


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``invite`` command."""
    p = sub.add_parser(
        "invite",
        parents=[common],
        help="personal links (and QR codes) for the participants of a process",
    )
    p.add_argument("process")
    p.add_argument(
        "--base-url",
        metavar="URL",
        help=f"address of the participant app (default {DEFAULT_BASE}; "
        "`s3flow app participant --lan` prints the right one)",
    )
    p.add_argument("--qr", metavar="DIR", help="also write a QR code per person into DIR")
    p.add_argument("--days", type=int, default=30, help="how long the links work (default 30)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="links only for these people")
    p.add_argument("--revoke", metavar="NAME", help="revoke NAME's links for this process")
    p.add_argument("--list", action="store_true", help="list the links and their status")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_invite)
