"""Command-line commands for roles, domains and the MiTS cycle.

``s3flow roles [--expiring-before DATE] [--history ROLE] [--holder NAME] [--json]``,
``s3flow domains [--json]``, ``s3flow mits status [PROCESS] [--json]``,
``s3flow mits report [PROCESS] [--cycle N] [-o FILE]`` and ``s3flow mits instruments [--json]``.
Registered through ``s3engine.cli.PLUGINS``.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from s3engine.errors import S3Error


def _ws(args: argparse.Namespace) -> Any:
    from s3engine.core.workspace import Workspace

    return Workspace.open(args.workspace, create=False)


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True))


def cmd_roles(args: argparse.Namespace) -> int:
    """List roles, one role's history or what one person holds."""
    from s3engine.org import domain as org
    from s3engine.reports.text import format_role

    ws = _ws(args)
    if args.history:
        rows = org.role_history(ws, args.history)
        if args.json:
            _print_json(rows)
            return 0
        for a in rows:
            print(
                f"{a['id']}: {a['keeper']} from {a['selected_on']} "
                f"to {a['ended_on'] or a['term_end']} [{a['status']}]"
                + (f" ({a['ended_reason']})" if a.get("ended_reason") else "")
            )
        return 0
    if args.holder:
        held = org.holdings(ws, args.holder)
        if args.json:
            _print_json(held)
            return 0
        print(
            f"{args.holder} holds: "
            + (
                ", ".join(f"{r['name']} (until {r['term_end']})" for r in held["roles"])
                or "no role"
            )
        )
        for key, label in (
            ("delegatee_of", "Delegatee of"),
            ("delegator_of", "Delegator of"),
            ("circles", "Member of"),
        ):
            if held[key]:
                print(f"  {label}: {', '.join(held[key])}")
        return 0
    rows = org.roles(ws, expiring_before=args.expiring_before)
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print(
            "No roles"
            + (f" whose term ends before {args.expiring_before}" if args.expiring_before else "")
            + "."
        )
    for r in rows:
        print(format_role(r))
        print()
    return 0


def cmd_domains(args: argparse.Namespace) -> int:
    """List the domain descriptions with what is still to describe."""
    from s3engine.org import domain as org

    ws = _ws(args)
    rows = org.domains(ws)
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print("No domains described yet.")
    for d in rows:
        print(f"DOMAIN {d['id']}  v{d['version']}  {d.get('name') or ''}")
        for f in org.DESCRIPTION_FIELDS + org.INFO_FIELDS:
            value = d.get(f.name)
            if value in (None, "", []) or f.name == "name":
                continue
            label = f.name.replace("_", " ").capitalize()
            if isinstance(value, list):
                print(f"  {label}:")
                for v in value:
                    print(f"    - {v}")
            else:
                print(f"  {label}: {value}")
        if d["gaps"]:
            print(f"  Still to describe (minimum): {', '.join(d['gaps'])}")
        print(f"  Updated: {d['updated'][:10]} ({len(d['versions'])} versions)")
        print()
    return 0


def _status_row(m: Any) -> dict[str, Any]:
    row = dict(m.ws.projection.get("cycles", m.id) or {})
    row["gate_missing"] = [] if m.finished else m.gate_missing()
    row["available_actions"] = [a.name for a in m.available_actions()]
    row["proposed_critical_areas"] = m.proposed_critical_areas()
    return row


def cmd_mits_status(args: argparse.Namespace) -> int:
    """Show the phase, gate and actions of one or every MiTS process."""
    from s3engine.reports.cycle_report import find_cycle_process

    ws = _ws(args)
    procs = [find_cycle_process(ws, args.process)] if args.process else ws.roots("mits")
    if args.json:
        _print_json([_status_row(m) for m in procs])
        return 0
    if not procs:
        print("No MiTS process in this workspace.")
    for m in procs:
        rule = m.data["rule"]
        print(
            f"{m.id}  {m.title}  cycle {m.cycle}  phase: {m.step.title}"
            + (f"  [{m.outcome}]" if m.finished else "")
        )
        print(f"  Tutor: {m.data.get('tutor') or '-'}; facilitator: {m.data['facilitator']}")
        print(
            f"  Rule: {rule['name']}"
            + (" (relaxed: " + "; ".join(rule["relaxations"]) + ")" if rule["relaxed"] else "")
        )
        for w in m.data.get("warnings", []):
            print(f"  Warning: {w}")
        print("  Actors: " + ", ".join(f"{a['name']} ({a['type']})" for a in m.active_actors()))
        if m.lit:
            print("  LIT: " + ", ".join(f"{x['member']} ({x['actor']})" for x in m.lit))
        if m.governance:
            print(f"  Governance: {m.governance['agreement']} {m.governance.get('title', '')}")
        if m.data.get("instrument"):
            print(
                f"  Instrument: {m.data['instrument']['name']}; baseline: "
                f"{m.data.get('baseline') or '-'}"
            )
        for a in m.actions:
            print(f"  Action {a['id']} [{a['status']}, {a['progress']}%] {a['title']}")
        if not m.finished:
            missing = m.gate_missing()
            print(
                "  Gate: "
                + (
                    "ready for the tutor to sign"
                    if not missing
                    else "missing " + "; ".join(missing)
                )
            )
        print()
    return 0


def cmd_mits_report(args: argparse.Namespace) -> int:
    """Write the MiTS cycle report and its chart, and print it as text."""
    from s3engine.reports.cycle_export import export
    from s3engine.reports.cycle_report import cycle_report, find_cycle_process, format_text

    ws = _ws(args)
    m = find_cycle_process(ws, args.process)
    cycle = args.cycle or m.cycle
    out = Path(args.output) if args.output else ws.path / "reports" / f"{m.id}-cycle-{cycle}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    result = export(ws, out, m.id, cycle)
    print(format_text(cycle_report(ws, m.id, cycle)))
    print()
    print("Wrote " + ", ".join(str(p) for p in result["files"]))
    for note in result["notes"]:
        print(note, file=sys.stderr)
    return 0


def cmd_mits_instruments(args: argparse.Namespace) -> int:
    """List the evaluation instruments, flagging invalid ones."""
    from s3engine.processes.mits import instrument as instruments

    ws = _ws(args)
    rows = []
    for iid, origin in instruments.available(ws.path):
        try:
            inst = instruments.find(iid, ws.path)
            rows.append(
                {
                    "id": iid,
                    "origin": origin,
                    "name": inst.name,
                    "version": inst.version,
                    "sections": len(inst.sections),
                    "items": len(inst.items),
                    "scale": f"{inst.scale_min}-{inst.scale_max}",
                    "source": inst.source,
                    "error": None,
                }
            )
        except S3Error as exc:
            rows.append({"id": iid, "origin": origin, "error": str(exc)})
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        if r["error"]:
            print(f"{r['id']} ({r['origin']}): INVALID: {r['error']}")
        else:
            print(
                f"{r['id']} ({r['origin']}): {r['name']} v{r['version']}, {r['sections']} "
                f"sections, {r['items']} items, scale {r['scale']}"
            )
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the roles, domains and mits commands."""
    p = sub.add_parser("roles", parents=[common], help="roles, their keepers and terms")
    p.add_argument(
        "--expiring-before",
        metavar="DATE",
        help="only roles whose term ends before DATE (re-selection due)",
    )
    p.add_argument("--history", metavar="ROLE", help="every holder of one role")
    p.add_argument("--holder", metavar="NAME", help="what one person holds now")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_roles)
    p = sub.add_parser("domains", parents=[common], help="domain descriptions")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_domains)
    p = sub.add_parser("mits", help="the MiTS cycle: status and report")
    msub = p.add_subparsers(dest="mits_command", metavar="SUBCOMMAND")
    q = msub.add_parser("status", parents=[common], help="phase, gate and actions")
    q.add_argument("process", nargs="?", help="a MiTS process id (default: all)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_mits_status)
    q = msub.add_parser(
        "report",
        parents=[common],
        help="baseline vs now per section; writes the report and its chart",
    )
    q.add_argument("process", nargs="?", help="a MiTS process id (default: the latest)")
    q.add_argument("--cycle", type=int, help="the cycle (default: the latest)")
    q.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="report file (.html, .ipynb, .md, .json); the chart is written next to it",
    )
    q.set_defaults(func=cmd_mits_report)
    q = msub.add_parser("instruments", parents=[common], help="evaluation instruments")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_mits_instruments)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])
