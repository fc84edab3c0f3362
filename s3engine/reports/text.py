"""Plain-text records for the terminal: an agreement, a driver, a role.

Allowed imports: standard library.
"""

from __future__ import annotations

from typing import Any


def format_agreement(a: dict[str, Any]) -> str:
    """A readable record of one agreement."""
    lines = [
        f"AGREEMENT {a['id']}  v{a['version']}  [{a['status']}]",
        f"  Title:        {a['title']}",
        f"  Agreed on:    {a['agreed_on'][:10]}   Review date: {a['review_date']}",
        f"  Driver:       {a['driver']}",
        f"  Requirement:  {a['requirement']}",
        f"  Agreed text:  {a['text']}",
    ]
    if a["responsibilities"]:
        lines.append("  Responsibilities:")
        lines += [f"    - {r}" for r in a["responsibilities"]]
    if a["evaluation_criteria"]:
        lines.append("  Evaluation criteria:")
        lines += [f"    - {c}" for c in a["evaluation_criteria"]]
    if a["concerns"]:
        lines.append("  Concerns:")
        lines += [
            f"    - {c['by']}: {c['text'] or '(signalled, not voiced)'}" for c in a["concerns"]
        ]
    if a["objections"]:
        lines.append("  Objections:")
        for o in a["objections"]:
            res = (o.get("resolution") or {}).get("amendment") or {}
            tail = f" -> resolved: {res.get('kind')}: {res.get('text')}" if res else ""
            lines.append(f'    - {o["objector"]}: "{o["argument"]}" ({o["verdict"]}){tail}')
    if a.get("deferred_objections"):
        lines.append("  Deferred objections:")
        lines += [_deferral(d) for d in a["deferred_objections"]]
    lines.append(
        f"  Facilitator:  {a['facilitator']}; participants: {', '.join(a['participants'])}"
    )
    if a["patterns"]:
        lines.append(f"  Patterns:     {', '.join(a['patterns'])}")
    if a.get("supersedes"):
        lines.append(f"  Supersedes:   {a['supersedes']}")
    if a.get("superseded_by"):
        lines.append(f"  Superseded by: {a['superseded_by']}")
    return "\n".join(lines)


def _deferral(d: dict[str, Any]) -> str:
    """One deferred objection: whose, what, who takes responsibility by when, what happens next."""
    about = " (to an amendment)" if d.get("subject") == "amendment" else ""
    line = f'    - {d.get("objector")}: "{d.get("objection")}"{about}'
    line += f" -> owner {d.get('owner') or '-'}, by {d.get('due') or '-'}"
    if d.get("next_step"):
        line += f"\n      Next step: {d['next_step']}"
    return line


def format_driver(d: dict[str, Any]) -> str:
    """A readable record of one driver: what it is, its status and where it went."""
    what = d.get("driver") or " ".join(
        x for x in (d.get("situation"), d.get("effect"), d.get("relevance")) if x
    )
    lines = [
        f"DRIVER {d['id']}  [{d.get('status', '-')}]",
        f"  Driver:       {what}",
    ]
    if d.get("requirement"):
        lines.append(f"  Requirement:  {d['requirement']}")
    if d.get("passed_to"):
        lines.append(
            f"  Passed on to: {d['passed_to']} on {str(d.get('passed_on') or '')[:10]}"
            + (f" by {d['passed_by']}" if d.get("passed_by") else "")
        )
        if d.get("reason"):
            lines.append(f"  Reason:       {d['reason']}")
    elif d.get("where"):
        lines.append(f"  Where:        {d['where']}")
    return "\n".join(lines)


def format_role(r: dict[str, Any]) -> str:
    """A readable record of a role and its current keeper."""
    lines = [
        f"ROLE {r['id']}  [{r['status']}]  {r['name']} ({r['kind']})",
        f"  Keeper:       {r['keeper'] or '-'}",
        f"  Selected on:  {r['selected_on']}   Term ends: {r['term_end']}   "
        f"Review: {r.get('review_date') or '-'}",
    ]
    if r.get("domain"):
        lines.append(f"  Domain:       {r['domain']} (description version {r['domain_version']})")
    if r.get("circle"):
        lines.append(f"  Circle:       {r['circle']}")
    if r.get("nominations"):
        lines.append("  Nominations:")
        for n in r["nominations"]:
            tail = (
                f" -> changed to {n['changed_to']}: {'; '.join(n['change_reasons'])}"
                if n.get("changed_to")
                else ""
            )
            what = {"pass": "passed", "no nomination": "gave no nomination"}.get(
                n["nominee"], f"nominated {'themself' if n.get('self') else n['nominee']}"
            )
            lines.append(
                f"    - {n['by']} {what}" + (f": {n['reason']}" if n.get("reason") else "") + tail
            )
    if len(r.get("holders", [])) > 1:
        lines.append(
            "  Holders:      "
            + ", ".join(
                f"{h['keeper']} ({h['selected_on']}..{h['ended_on'] or h['term_end']})"
                for h in r["holders"]
            )
        )
    return "\n".join(lines)
