"""``s3flow export`` and ``s3flow import``: move a whole workspace as its journal.

The journal is the only authority, so a workspace travels as its journal. Export verifies the
whole chain and writes, under the journal lock, a first line ``{"s3flow_export": 1, "checkpoint":
"<note>"}`` (a checkpoint signed by the workspace key; left out, and said so, when the key is not
available here) followed by the journal's lines; the workspace key never travels. Import trusts
nothing in the file: it replays every event through the rules in a scratch folder, compares the
journal with the embedded checkpoint and only then puts it, all at once, into an empty workspace
folder (see :mod:`s3engine.core.importer`); importing the same file again changes nothing.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from s3engine.errors import S3Error

#: Seconds by which a link's expiry may precede its issue time plus whole days.
LINK_DRIFT_S = 120


def cmd_export(args: argparse.Namespace) -> int:
    """Verify the journal and write it, with a signed checkpoint, to the output file."""
    if args.csv:
        from s3engine.cli.exports import cmd_export_csv

        return cmd_export_csv(args)
    from s3engine.core import keyring, trust
    from s3engine.core.workspace import Workspace, open_journal, resolve_path

    out = Path(args.output)
    if out.exists() and not args.force:
        raise S3Error(f"{out} already exists.", "Choose another name or add --force.")
    where = resolve_path(args.workspace)
    _verified(open_journal(where))
    ws = Workspace(where, create=False)
    with ws.journal.transaction():  # nobody appends while the copy and its checkpoint are made
        rep = _verified(ws.journal)
        data = ws.journal.export_bytes() if rep.events else b""
        ident = trust.identity(ws)
        key = keyring.existing_key(ws.keys, vars(ident) if ident else None)
        note = trust.checkpoint(ws) if key is not None and data else None
    header: dict[str, Any] = {"s3flow_export": 1}
    if note is not None:
        header["checkpoint"] = note
    tmp = out.with_name(out.name + ".part")
    try:
        with open(tmp, "wb") as fh:
            fh.write(json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise S3Error(
            f"Cannot write {out}: {exc.strerror}.", "Choose a folder you can write to."
        ) from exc
    ws.close()
    print(f"Exported {rep.events} events to {out}.")
    if note is None:
        print(
            "No checkpoint was embedded: the workspace key (keys/workspace.key) is not available "
            "here, so whoever imports the file cannot check it against a signed checkpoint."
        )
    return 0


def _verified(journal: Any) -> Any:
    rep = journal.verify()
    if not rep.ok:
        raise S3Error(
            f"The journal is damaged at event {rep.first_bad_seq}: {rep.reason}.",
            "Run `s3flow verify` and `s3flow repair` before exporting.",
        )
    return rep


def handler_checks() -> dict[str, Any]:
    """The checks of the registry's handler events: each module's own rules."""
    from s3engine.core.revalidation import writer_check
    from s3engine.org import domain as org
    from s3engine.patterns.notebook import check_imported

    return {
        "invite.issued": _invite_issued,
        "invite.revoked": _invite_revoked,
        "pattern.imported": check_imported,
        "domain.described": writer_check(org.describe_domain),
        "circle.formed": writer_check(org.form_circle),
        "circle.changed": writer_check(org.change_circle),
        "role.assigned": writer_check(org.assign_role),
        "role.released": writer_check(org.release_role),
    }


def _invite_issued(ws: Any, ev: dict[str, Any]) -> None:
    """A personal link: issued by the facilitator to a participant, hash and expiry well-formed."""
    from s3engine.participation import invite

    d = ev["data"]
    if set(d) != {"process", "person", "link", "hash", "expires"} or not all(
        isinstance(v, str) for v in d.values()
    ):
        raise S3Error("a link record needs exactly a process, a person, a link, a hash, an expiry")
    if d["process"] != ev["process"]:
        raise S3Error(f"the link is for {d['process']} but recorded in {ev['process']}")
    if not re.fullmatch(r"[0-9a-f]{64}", d["hash"]) or d["link"] != d["hash"][:16]:
        raise S3Error("its link id is not the start of its token's SHA-256")
    try:
        until = datetime.strptime(d["expires"], "%Y-%m-%dT%H:%M:%SZ")
        now = datetime.strptime(ev["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError as exc:
        raise S3Error("its expiry or time is not a UTC time") from exc
    days = round((until - now).total_seconds() / 86400)
    made = invite.issue(ws, d["process"], ev["actor"], [d["person"]], days)  # checks, no write
    # The expiry is reckoned a moment before the event is timed (a lock may be waited for).
    drift = (datetime.strptime(made[0].expires, "%Y-%m-%dT%H:%M:%SZ") - until).total_seconds()
    if not 0 <= drift <= LINK_DRIFT_S:
        raise S3Error("its expiry is not a whole number of days after it was issued")


def _invite_revoked(ws: Any, ev: dict[str, Any]) -> None:
    """Revoking a link: by the facilitator, of someone holding an active link."""
    from s3engine.participation import invite

    d = ev["data"]
    if set(d) != {"process", "person"} or d.get("process") != ev["process"]:
        raise S3Error("a revocation names exactly its process (the event's) and a person")
    invite.revoke(ws, d["process"], ev["actor"], d["person"])  # checks, writes nothing here


def mits_start_fields(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The start fields that may have given a MiTS cycle's recorded start data.

    The cycle records its preparation rule resolved (name, levels, relaxations, reason), the other
    participants as ``others`` and everyone as ``participants``; this undoes that.
    """
    from s3engine.processes.mits.rules import RULE_KEYS, RULES

    rule = data.get("rule")
    if not isinstance(rule, dict):
        return []
    derived = ("id", "rule", "warnings", "others", "participants")
    base = {k: v for k, v in data.items() if k not in derived}
    if data.get("others"):
        base["participants"] = data["others"]
    if rule.get("reason"):
        base["rule_reason"] = rule["reason"]
    if rule.get("relaxed"):  # the start form's confirmation (not recorded itself)
        base["relax_rule"] = True
    if rule.get("name") in RULES:
        return [dict(base, rule=rule["name"])]
    levels = {k: rule[k] for k in RULE_KEYS if k in rule}
    return [dict(base, rule=name, **levels) for name in RULES]


def cmd_import(args: argparse.Namespace) -> int:
    """Check an export against every rule and rebuild an empty workspace from it."""
    from s3engine.core.importer import import_export
    from s3engine.core.workspace import Workspace, resolve_path

    src = Path(args.file)
    if not src.is_file():
        raise S3Error(
            f"No file {src}.", "Give the path of a journal exported with `s3flow export`."
        )
    dest = resolve_path(args.workspace)
    rep = import_export(src, dest, handler_checks(), start_fields={"mits": mits_start_fields})
    if rep.already:
        print(f"The workspace {dest} already holds this journal ({rep.events} events).")
        print("Nothing was imported: importing the same file again changes nothing.")
    else:
        ws = Workspace(dest)
        ws.flush(everything=True)
        ws.close()
        print(
            f"Checked {rep.events} events against s3flow's rules and imported them into {dest}; "
            f"{len(ws.roots())} processes rebuilt."
        )
    cp = rep.checkpoint
    if cp is None:
        print("The file carries no checkpoint: it was checked against the rules only.")
    elif cp.ok:
        print(
            f"Checkpoint verified: the journal holds the {cp.checkpoint.size} events it vouches "
            f"for, signed by {', '.join(cp.signatures.verified)}."
        )
    else:
        print("Checkpoint NOT verified: " + " ".join(cp.problems))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``export`` and ``import``."""
    p = sub.add_parser("export", parents=[common], help="export the journal, or tables as CSV")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("-o", "--output", metavar="FILE.jsonl", help="the whole journal")
    out.add_argument(
        "--csv",
        metavar="DIR",
        help="one CSV file per table: agreements, roles, domains, backlog, concerns",
    )
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("import", parents=[common], help="import an exported workspace")
    p.add_argument("file", metavar="FILE.jsonl")
    p.set_defaults(func=cmd_import)
