"""``s3flow export`` and ``s3flow import``: move a whole workspace as its journal.

The journal is the only authority, so a workspace travels as its journal file: export verifies the
whole chain and copies it; import verifies the file first and only fills an empty workspace, then
rebuilds everything else from it. Nothing is lost and nothing is reinterpreted.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path
from typing import Any

from s3engine.errors import S3Error


def cmd_export(args: argparse.Namespace) -> int:
    """Verify the journal and copy it to the output file."""
    from s3engine.core.workspace import resolve_path
    from s3engine.journal.file_store import Journal

    src = resolve_path(args.workspace) / "journal.jsonl"
    rep = Journal(src).verify()
    if not rep.ok:
        raise S3Error(
            f"The journal is damaged at event {rep.first_bad_seq}: {rep.reason}.",
            "Run `s3flow verify` and `s3flow repair` before exporting.",
        )
    out = Path(args.output)
    if out.exists() and not args.force:
        raise S3Error(f"{out} already exists.", "Choose another name or add --force.")
    tmp = out.with_name(out.name + ".part")
    shutil.copyfile(src, tmp)
    os.replace(tmp, out)
    print(f"Exported {rep.events} events to {out}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Verify an exported journal and rebuild an empty workspace from it."""
    from s3engine.core.workspace import Workspace, resolve_path
    from s3engine.journal.file_store import Journal

    src = Path(args.file)
    if not src.is_file():
        raise S3Error(
            f"No file {src}.", "Give the path of a journal exported with `s3flow export`."
        )
    rep = Journal(src).verify()
    if not rep.ok:
        raise S3Error(
            f"{src} is not an intact s3flow journal (event {rep.first_bad_seq}: {rep.reason}).",
            "Ask for a fresh export; nothing was imported.",
        )
    dest = resolve_path(args.workspace)
    if (dest / "journal.jsonl").exists() and (dest / "journal.jsonl").stat().st_size:
        raise S3Error(
            f"The workspace {dest} already has a journal.",
            "Import into a new, empty workspace folder (--workspace DIR).",
        )
    dest.mkdir(parents=True, exist_ok=True)
    tmp = dest / "journal.jsonl.part"
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest / "journal.jsonl")
    ws = Workspace(dest)
    ws.flush(everything=True)
    print(f"Imported {rep.events} events into {dest}; {len(ws.roots())} processes rebuilt.")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``export`` and ``import``."""
    p = sub.add_parser("export", parents=[common], help="export the whole workspace (journal)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.jsonl")
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("import", parents=[common], help="import an exported workspace")
    p.add_argument("file", metavar="FILE.jsonl")
    p.set_defaults(func=cmd_import)
