"""The ``s3flow`` command line.

Every command opens the workspace (``--workspace DIR``, else ``$S3FLOW_WORKSPACE``, else
``./s3flow-workspace``). User errors print one line saying what went wrong and what to do, and exit
with code 2, never a traceback. ``verify`` exits 1 when the journal is damaged.

Other modules add their commands through ``PLUGINS`` (each has ``register(subparsers)``).

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sys
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from s3engine.cli import terminal
from s3engine.core.credential import Credential, operator, recorded_by
from s3engine.errors import ImpersonationRefused, S3Error
from s3engine.reports.text import format_agreement, format_driver
from s3engine.version import __version__

#: The modules under s3engine.cli that add commands, in this order (a missing one is skipped).
_PLUGIN_NAMES = "participation trust patterns org bench transfer jupyter exports hub"
PLUGINS = [f"s3engine.cli.{name}" for name in _PLUGIN_NAMES.split()]


def _ws(args: argparse.Namespace, create: bool = True) -> Any:
    from s3engine.core.workspace import Workspace

    return Workspace.open(args.workspace, create=create)


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True))


def cmd_init(args: argparse.Namespace) -> int:
    """Create the workspace (or report that it exists) and record its settings."""
    from s3engine.core.workspace import Workspace, resolve_path

    path = resolve_path(args.workspace)
    ws = Workspace(path)
    if ws.journal.last_seq == 0:
        ws.write(args.actor or "s3flow", "", "workspace.created", {"s3flow": __version__})
        print(f"Created the workspace {path}")
    else:
        print(f"The workspace {path} already exists ({ws.journal.last_seq} events).")
    settings = {k: v for k, v in (("language", args.language), ("community", args.community)) if v}
    if settings:
        ws.configure(args.actor or "s3flow", **settings)
    ws.flush(everything=True)
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    """Print the journal, optionally only one process and its children."""
    ws = _ws(args, create=False)
    events = list(ws.events())
    if args.process:
        events = [
            e
            for e in events
            if e["process"] == args.process
            or e["process"].startswith(args.process + ".")
            or (e["type"].endswith(".started") and args.process == e["data"].get("id"))
        ]
    if args.json:
        _print_json(events)
        return 0
    for e in events:
        data = json.dumps(e["data"], ensure_ascii=False)
        if len(data) > 90:
            data = data[:87] + "..."
        print(
            f"{e['seq']:>6}  {e['time'][:19]}  {e['actor']:<12.12} {e['process'] or '-':<16.16} "
            f"{e['type']:<28.28} {data}"
        )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Check the whole hash chain; exit code 1 when the journal is damaged."""
    from s3engine.core.workspace import open_journal, resolve_path

    if args.checkpoint:
        from s3engine.cli.trust import verify_checkpoint

        return verify_checkpoint(
            resolve_path(args.workspace),
            args.checkpoint,
            dict(args.witness or []),
            as_json=args.json,
        )

    journal = open_journal(resolve_path(args.workspace))
    rep = journal.verify()
    if args.json:
        _print_json(
            {
                "ok": rep.ok,
                "events": rep.events,
                "first_bad_seq": rep.first_bad_seq,
                "reason": rep.reason,
                "torn_bytes": rep.torn_bytes,
            }
        )
    elif rep.ok:
        print(f"OK: {rep.events} events, hash chain intact ({journal.describe()}).")
    else:
        print(
            f"DAMAGED: event {rep.first_bad_seq}: {rep.reason}. "
            f"{rep.events} events before it are intact."
        )
        if rep.torn_bytes:
            print("Run `s3flow repair` to set the incomplete last line aside.")
    return 0 if rep.ok else 1


def cmd_repair(args: argparse.Namespace) -> int:
    """Set an incomplete last line of the journal aside and re-check the chain."""
    from s3engine.core.workspace import open_journal, resolve_path

    journal = open_journal(resolve_path(args.workspace))
    removed, saved = journal.repair()
    if removed:
        print(f"Removed an incomplete last line of {removed} bytes; saved it as {saved}.")
    else:
        print("Nothing to repair: the journal ends with a complete event.")
    rep = journal.verify()
    print(
        f"The journal now holds {rep.events} complete events; chain "
        f"{'intact' if rep.ok else 'DAMAGED at event ' + str(rep.first_bad_seq)}."
    )
    return 0 if rep.ok else 1


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Delete the query side and the snapshot and rebuild them from the journal."""
    from s3engine.core.projection import Projection
    from s3engine.core.workspace import Workspace, resolve_path

    where = resolve_path(args.workspace)
    ws = Workspace(where, create=False, use_snapshot=False)
    ws.close()
    Projection(ws.path / "query").wipe()
    (ws.path / "snapshot.json").unlink(missing_ok=True)
    ws = Workspace(where, create=False, use_snapshot=False)
    ws.flush(everything=True)
    print(f"Rebuilt the query side from {ws.journal.last_seq} events.")
    return 0


def cmd_agreements(args: argparse.Namespace) -> int:
    """List agreements, optionally only those due for review before a date."""
    from tinydb import Query

    ws = _ws(args, create=False)
    ws.flush(everything=True)
    table = ws.projection.open_table("agreements")
    q = Query()
    cond = q.status.exists()
    if not args.all:
        cond = q.status == "active"
    if args.due_before:
        from s3engine.errors import InvalidField

        try:
            from datetime import date

            due = date.fromisoformat(args.due_before).isoformat()
        except ValueError as exc:
            raise InvalidField(
                "--due-before", f"{args.due_before!r} is not a date", "YYYY-MM-DD"
            ) from exc
        cond = cond & (q.review_date < due)
    rows = sorted(table.search(cond), key=lambda r: (r["review_date"], r["id"]))
    rows = [dict(r) for r in rows]
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print(
            "No agreements"
            + (" due for review before " + args.due_before if args.due_before else "")
            + "."
        )
    for r in rows:
        print(format_agreement(r))
        print()
    return 0


def _parse_fields(pairs: Sequence[str]) -> dict[str, Any]:
    from s3engine.errors import InvalidField

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidField(pair, "is not written as name=value", "name=value")
        if key in out:
            prev = out[key]
            out[key] = (prev if isinstance(prev, list) else [prev]) + [value]
        else:
            out[key] = value
    return out


def _who(args: argparse.Namespace, ws: Any, pid: str | None = None) -> tuple[str, Credential]:
    """(on whose behalf, who is authenticated) from ``--token``, ``--as`` and ``--for``.

    Raises:
        ImpersonationRefused: A personal link combined with ``--as``/``--for`` someone else.
        InviteError: The token is not a valid link (for this process).
    """
    if args.token:
        from s3engine.participation.invite import authenticate

        _, cred = authenticate(ws, args.token, pid)
        for other in (args.actor, args.for_person):
            if other and other != cred.person:
                raise ImpersonationRefused(
                    f"This personal link is {cred.person}'s: it cannot act as {other}.",
                    "Leave out --as and --for when you use your link.",
                )
        return cred.person, cred
    person = args.actor or "s3flow"
    return (args.for_person or person), operator(person)


def _request_id(args: argparse.Namespace) -> str:
    """The request id: ``--request-id`` to retry a command safely, else a new one."""
    return args.request_id or uuid.uuid4().hex


def cmd_start(args: argparse.Namespace) -> int:
    """Start a process of the given kind with ``name=value`` start fields."""
    ws = _ws(args)
    actor, cred = _who(args, ws)
    proc = ws.start(
        args.kind,
        actor,
        credential=cred,
        request_id=_request_id(args),
        **_parse_fields(args.fields),
    )
    print(f"Started {proc.definition.title} {proc.id}.")
    _show(proc)
    return 0


def cmd_act(args: argparse.Namespace) -> int:
    """Take an action in a process with ``name=value`` fields."""
    ws = _ws(args, create=False)
    proc = ws.get(args.process)
    actor, cred = _who(args, ws, proc.id)
    ev = proc.act(
        args.action,
        actor,
        credential=cred,
        request_id=_request_id(args),
        **_parse_fields(args.fields),
    )
    by = recorded_by(ev)
    print(
        f"Recorded event {ev['seq']}: {ev['type']} by {ev['actor']}"
        + (f", recorded by {by}" if by else "")
        + f" (request {ev.get('request')})."
    )
    _show(proc)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Show where one process is and what is possible, or list every process."""
    from s3engine.core.schedule import run_due

    ws = _ws(args, create=False)
    running = any(not row.get("finished") for row in ws.projection.all("processes"))
    for ev in run_due(ws) if running and ws.sealed.usable else []:  # e.g. a round's closing time
        print(f"Recorded event {ev['seq']}: {ev['type']} (due now).")
    if not args.process:  # from the query side: a workspace opened from its snapshot makes
        for row in ws.projection.all("processes"):  # no process object for this list
            kind = row.get("kind_title") or ws.process_types[row["kind"]].definition.title
            print(
                f"{row['id']:<18} {kind:<38.38} {row['active_step']:<40.40} {row['outcome'] or ''}"
            )
        return 0
    proc = ws.get(args.process)
    if args.json:
        view = proc.view()
        view["actions"] = [a.as_dict() for a in proc.available_actions()]
        _print_json(view)
        return 0
    _show(proc)
    return 0


def _show(proc: Any) -> None:
    leaf = proc.leaf()
    print(f"{proc.title} — {proc.definition.title} ({proc.id})")
    where = f"step {leaf.step.number} " if leaf.step.number else ""
    print(
        f"  Now: {where}{leaf.step.title}"
        + (f"  [{leaf.definition.title} {leaf.id}]" if leaf is not proc else "")
    )
    if leaf.step.guidance:
        print(f"  Guidance: {leaf.step.guidance}")
    rnd = leaf.round_view()
    if rnd:
        if rnd["revealed"]:
            print(f"  Signals: {rnd['signals']}")
        else:
            print(
                f"  Hidden round: {rnd['count']} of {rnd['of']} signalled; waiting for "
                f"{', '.join(rnd['waiting_for'])}"
            )
    acts = proc.available_actions()
    if not acts:
        print(f"  Finished: {proc.outcome}")
    driver = proc.ws.projection.get("drivers", proc.id)
    if driver and driver.get("passed_to"):
        print("  " + format_driver(driver).replace("\n", "\n  "))
    for a in acts:
        who = ", ".join(a.who) if a.who is not None else "anyone"
        fields = " ".join(f"{f.name}={'…' if f.required else '[…]'}" for f in a.fields)
        print(f"  - {a.name} (by {who}) {fields}")


def cmd_demo(args: argparse.Namespace) -> int:
    """Run a scripted demonstration scenario in the workspace."""
    from s3engine.demo.consent import SCENARIOS

    if args.scenario not in SCENARIOS:
        raise S3Error(
            f"There is no demo scenario '{args.scenario}'.",
            f"Choose one of: {', '.join(SCENARIOS)}.",
        )
    ws = _ws(args)
    SCENARIOS[args.scenario](ws, print)
    ws.flush(everything=True)
    return 0


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every command (only this module's when ``command`` is one)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace",
        "-w",
        metavar="DIR",
        help="workspace folder (default: $S3FLOW_WORKSPACE or ./s3flow-workspace)",
    )
    common.add_argument(
        "--as",
        dest="actor",
        default=None,
        metavar="NAME",
        help="who is acting (recorded in the journal)",
    )
    parser = argparse.ArgumentParser(
        prog="s3flow", description="Sociocracy 3.0 decisions with a tamper-evident journal."
    )
    parser.add_argument("--version", action="version", version=f"s3flow {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help="create a workspace")
    p.add_argument("--language", choices=("en", "it", "pt", "es", "fr", "el", "ar"))
    p.add_argument("--community", help="name of the community")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("demo", parents=[common], help="run a scripted example")
    p.add_argument("--scenario", default="consent", help="consent | roles | mits")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("log", parents=[common], help="show the journal")
    p.add_argument("--json", action="store_true")
    p.add_argument("--process", help="only this process and its children")
    p.set_defaults(func=cmd_log)
    p = sub.add_parser("verify", parents=[common], help="check the whole hash chain")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="also check the journal against a signed checkpoint (a checkpoint file, minutes, "
        "a pattern notebook or an export)",
    )
    p.add_argument(
        "--witness",
        nargs=2,
        action="append",
        metavar=("NAME", "PUBLIC_KEY"),
        help="also trust this witness key",
    )
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("repair", parents=[common], help="set an incomplete last line aside")
    p.set_defaults(func=cmd_repair)
    p = sub.add_parser("rebuild", parents=[common], help="rebuild the query side from the journal")
    p.set_defaults(func=cmd_rebuild)
    p = sub.add_parser("agreements", parents=[common], help="list agreements")
    p.add_argument("--due-before", metavar="DATE", help="only those to review before DATE")
    p.add_argument("--all", action="store_true", help="include superseded and dropped ones")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_agreements)
    acting = argparse.ArgumentParser(add_help=False)
    acting.add_argument(
        "--for",
        dest="for_person",
        metavar="NAME",
        help="record the action on behalf of NAME (only the facilitator may; the journal says so)",
    )
    acting.add_argument(
        "--token",
        metavar="TOKEN",
        help="act as the person whose personal link this is (see `s3flow invite`)",
    )
    acting.add_argument(
        "--request-id",
        metavar="ID",
        help="an id for this action: running the same command again with the same id "
        "(e.g. after a crash) never records it twice",
    )
    p = sub.add_parser(
        "start", parents=[common, acting], help="start a process: start KIND name=value…"
    )
    p.add_argument("kind")
    p.add_argument("fields", nargs="*", metavar="name=value")
    p.set_defaults(func=cmd_start)
    p = sub.add_parser(
        "act",
        parents=[common, acting],
        help="take an action: act PROCESS ACTION --as NAME name=value…",
    )
    p.add_argument("process")
    p.add_argument("action")
    p.add_argument("fields", nargs="*", metavar="name=value")
    p.set_defaults(func=cmd_act)
    p = sub.add_parser("status", parents=[common], help="where a process is and what is possible")
    p.add_argument("process", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)
    if command in sub.choices:  # one of these: the other modules' commands are not imported
        return parser
    for name in PLUGINS:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        mod.register(sub, common)
    return parser


#: Commands whose purpose is to write derived data: for them a failed flush is an error.
STRICT_FLUSH = ("rebuild",)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (errors and output: :func:`terminal.guard`)."""
    return terminal.guard(_main, list(sys.argv[1:] if argv is None else argv))


def _main(argv: list[str]) -> int:
    from s3engine.core.projection import best_effort  # (tinydb: not for --version)

    if argv and argv[0] in ("lab", "app") and not {"-h", "--help"} & set(argv):
        from s3engine.cli import jupyter as cli_jupyter

        with best_effort():
            return cli_jupyter.main(argv)
    parser = build_parser(argv[0] if argv else None)
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            if hasattr(args, "fields") and all("=" in x and not x.startswith("-") for x in extra):
                args.fields = [*args.fields, *extra]
            else:
                parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    func: Callable[[argparse.Namespace], int] = args.func
    with contextlib.nullcontext() if args.command in STRICT_FLUSH else best_effort():
        return func(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
