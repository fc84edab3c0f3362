"""``s3flow checkpoint`` and ``s3flow witness``: signed checkpoints of the journal, and witnesses.

``s3flow checkpoint`` prints (or writes with ``-o``) a checkpoint of the current head, signed with
the workspace key; ``s3flow checkpoint --cosign FILE --key KEYFILE --name NAME`` lets a witness
countersign one (creating the witness's key file on first use); ``s3flow witness add NAME KEY``
records a witness's public key in the journal. :func:`verify_checkpoint` serves
``s3flow verify --checkpoint FILE``: exit 0 when the journal holds the checkpoint's events unchanged
and a trusted signature vouches for it, 1 when events are missing or changed or a signature does not
verify, and a :class:`~s3engine.journal.checkpoint.CheckpointError` (exit 2) for a file holding no
readable checkpoint.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from s3engine.errors import S3Error
from s3engine.journal.pg_store import PgTarget

if TYPE_CHECKING:
    from s3engine.core.workspace import Workspace


def _ws(args: argparse.Namespace) -> Any:
    from s3engine.core.workspace import Workspace

    return Workspace.open(args.workspace, create=False)


def read_checkpoint_file(path: str | os.PathLike[str]) -> str:
    """Return the checkpoint note held by a file (bare, minutes, notebook or export).

    Raises:
        CheckpointError: The file is missing, not UTF-8 text, or holds no checkpoint.
    """
    from s3engine.journal.checkpoint import CheckpointError
    from s3engine.journal.embedding import extract

    file = Path(path)
    try:
        if file.suffix.lower() == ".pdf":  # PDF minutes carry it as an attached file
            from s3engine.reports.minutes_pdf import attached_checkpoint

            return extract(attached_checkpoint(file.read_bytes(), str(file)))
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckpointError(
            f"there is no file {file}", "Give the path of a checkpoint, minutes or export file."
        ) from None
    except UnicodeDecodeError:
        raise CheckpointError(f"{file} is not UTF-8 text") from None
    except OSError as exc:
        raise CheckpointError(f"{file} cannot be read ({exc.strerror})") from None
    return extract(text)


def _write_atomically(path: Path, text: str, force: bool = True) -> None:
    if path.exists() and not force:
        raise S3Error(f"{path} already exists.", "Choose another name or add --force.")
    tmp = path.with_name(path.name + ".part")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise S3Error(
            f"Cannot write {path}: {exc.strerror}.", "Choose a folder you can write to."
        ) from exc


def cmd_checkpoint(args: argparse.Namespace) -> int:
    """Print or write the current signed checkpoint, or countersign one (``--cosign``)."""
    if args.cosign:
        return _cosign(args)
    from s3engine.core import trust
    from s3engine.journal.checkpoint import parse

    ws = _ws(args)
    try:
        note = trust.checkpoint(ws)
        key = trust.workspace_key(ws)
    finally:
        ws.close()
    cp = parse(note)
    if args.output:
        _write_atomically(Path(args.output), note)
    if args.json:
        print(
            json.dumps(
                {
                    "origin": cp.origin,
                    "size": cp.size,
                    "head": cp.head,
                    "key_name": key.name,
                    "public_key": key.public_b64,
                    "checkpoint": note,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    elif args.output:
        print(f"Wrote the checkpoint of {cp.size} events to {args.output} (signed by {key.name}).")
    else:
        print(note, end="")
    return 0


def _cosign(args: argparse.Namespace) -> int:
    from s3engine.journal.checkpoint import cosign
    from s3engine.journal.signing import load_or_create

    if not args.key or not args.name:
        raise S3Error(
            "--cosign needs the witness's key file and key name.",
            "Add --key KEYFILE --name NAME (the key file is created when missing).",
        )
    note = read_checkpoint_file(args.cosign)
    key = load_or_create(Path(args.key), args.name)
    signed = cosign(note, key)
    info = sys.stdout if args.output else sys.stderr
    if key.created:
        print(f"Created the witness key {args.key} for {key.name}.", file=info)
    print(f"Public key of {key.name}: {key.public_b64}", file=info)
    if key.created:
        print(
            f"The workspace records it with: s3flow witness add {key.name} {key.public_b64}",
            file=info,
        )
    if args.output:
        _write_atomically(Path(args.output), signed)
        print(f"Wrote the countersigned checkpoint to {args.output}.")
    else:
        print(signed, end="")
    return 0


def cmd_witness_add(args: argparse.Namespace) -> int:
    """Record a witness's public key in the journal."""
    from s3engine.core import trust

    ws = _ws(args)
    try:
        ev = trust.add_witness(ws, args.actor or "s3flow", args.name, args.public_key)
    finally:
        ws.close()
    print(f"Recorded the witness {args.name} (key id {ev['data']['key_id']}) at event {ev['seq']}.")
    return 0


def cmd_witness_list(args: argparse.Namespace) -> int:
    """List the workspace key and the witnesses recorded in the journal."""
    from s3engine.core import trust
    from s3engine.core.workspace import resolve_path

    folder = resolve_path(args.workspace)
    ident = trust.identity(folder)
    keys = trust.trusted_keys(folder)
    if args.json:
        print(json.dumps(keys, indent=2, sort_keys=True))
        return 0
    if not keys:
        print("No keys recorded yet: `s3flow checkpoint` creates the workspace key.")
    for name, public in keys.items():
        role = "workspace key" if ident and name == ident.name else "witness"
        print(f"{name}  {public}  ({role})")
    return 0


def verify_checkpoint(
    ws: Workspace | str | os.PathLike[str] | PgTarget,
    path: str | os.PathLike[str],
    witnesses: Mapping[str, str] | None = None,
    as_json: bool = False,
) -> int:
    """Check the journal against a checkpoint file and print the verdict.

    Args:
        ws: The workspace, or its folder (a damaged journal does not open as a workspace).
        path: A bare checkpoint, minutes, a notebook or an export holding one.
        witnesses: Further trusted keys (name -> base64 public key).
        as_json: Print the verdict as JSON.

    Returns:
        0 when the journal matches and the signature verifies, 1 otherwise.

    Raises:
        CheckpointError: The file holds no readable checkpoint (exit code 2).
    """
    from s3engine.core import trust
    from s3engine.core.workspace import Workspace

    note = read_checkpoint_file(path)
    src = ws if isinstance(ws, (Workspace, PgTarget)) else Path(ws)
    rep = trust.verify_against(src, note, witnesses)
    cp, res = rep.checkpoint, rep.result
    if as_json:
        print(
            json.dumps(
                {
                    "ok": rep.ok,
                    "origin": cp.origin,
                    "size": cp.size,
                    "head": cp.head,
                    "events": res.events,
                    "problem": res.kind,
                    "first_bad_seq": res.first_bad_seq,
                    "last_bad_seq": res.last_bad_seq,
                    "vouched_by": list(rep.signatures.verified),
                    "failed": list(rep.signatures.failed),
                    "unknown": list(rep.signatures.unknown),
                    "problems": list(rep.problems),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0 if rep.ok else 1
    if not rep.ok:
        for problem in rep.problems:
            print(f"FAILED: {problem[0].upper()}{problem[1:]}")
        return 1
    added = res.events - cp.size
    print(
        f"OK: the journal holds the {cp.size} events of the checkpoint unchanged "
        f"(head {cp.head[:16]}…)"
        + (
            f"; {added} {'event was' if added == 1 else 'events were'} added since."
            if added
            else "."
        )
    )
    for name in rep.signatures.verified:
        role = "workspace key" if name == rep.workspace_key else "witness"
        print(f"  {name} ({role}) vouches for {cp.size} events, head {cp.head[:16]}…")
    for name in rep.signatures.unknown:
        print(f"  ignored: a signature by the unknown key {name}")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``checkpoint`` and ``witness``."""
    p = sub.add_parser(
        "checkpoint", parents=[common], help="a signed checkpoint of the journal's head"
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write it to FILE")
    p.add_argument("--json", action="store_true")
    p.add_argument("--cosign", metavar="FILE", help="countersign the checkpoint in FILE")
    p.add_argument("--key", metavar="KEYFILE", help="the witness's key file (with --cosign)")
    p.add_argument("--name", metavar="NAME", help="the witness's key name (with --cosign)")
    p.set_defaults(func=cmd_checkpoint)
    p = sub.add_parser("witness", help="witnesses who countersign checkpoints")
    wsub = p.add_subparsers(dest="witness_command", metavar="SUBCOMMAND")
    q = wsub.add_parser("add", parents=[common], help="record a witness's public key")
    q.add_argument("name", metavar="NAME")
    q.add_argument("public_key", metavar="PUBLIC_KEY")
    q.set_defaults(func=cmd_witness_add)
    q = wsub.add_parser("list", parents=[common], help="the recorded keys")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_witness_list)
