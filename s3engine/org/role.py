"""Roles and their terms: keepers assigned, released and succeeded, and who held what when.

``role.assigned`` records a keeper for a role with a term (roles, representatives, facilitators,
coordinators ...); ``role.released`` records a keeper stepping down before the term ends. A
completed Role Selection records its assignment through the same :func:`record_assignment`, with
the nominations and their reasons. Everything lands in the query-side tables ``roles`` and
``role_assignments``. Queries: roles by term end (re-selection due) and a role's history.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``,
``s3engine.org.validation``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from s3engine.core.definition import Field
from s3engine.core.workspace import ID_RE, Workspace
from s3engine.errors import InvalidField, S3Error
from s3engine.org.validation import check_name, clean, require

ROLE_KINDS = (
    "role",
    "representative",
    "facilitator",
    "governance facilitator",
    "coordinator",
    "logbook keeper",
    "delegate",
    "tutor",
    "other",
)

ASSIGN_SPECS = (
    Field("role", "line", True, "The role's name."),
    Field("role_id", "line", False, "The role's id (made from the name when not given)."),
    Field("kind", "choice", False, "What kind of role.", ROLE_KINDS),
    Field("circle", "line", False, "The circle or team the role belongs to."),
    Field("domain", "line", False, "The id of the role's domain."),
    Field("keeper", "line", True, "Who holds the role."),
    Field("selected_on", "date", False, "When the keeper was chosen (default: today)."),
    Field("term_end", "date", True, "When the term ends and a new selection is due."),
    Field("review_date", "date", False, "When the role is reviewed."),
    Field("represents_in", "line", False, "For representatives and delegates: where."),
    Field("how", "line", False, "How the keeper was chosen (appointed, elected ...)."),
    Field("note", "text", False, "Anything worth keeping with the record."),
)
RELEASE_SPECS = (
    Field("role_id", "line", True, "The role's id."),
    Field("reason", "text", True, "Why the keeper steps down before the term ends."),
    Field("on", "date", False, "From when (default: today)."),
)


# -- ids and terms -------------------------------------------------------------------------------


def slug(text: str) -> str:
    """A lowercase id made from a name ("Energy Desk Host" -> "energy-desk-host")."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", norm.lower()).strip("-")
    return out[:80] or "role"


def role_id_for(name: str, circle: str | None = None) -> str:
    """The id of a role from its name and circle ("core-team.facilitator")."""
    return f"{circle}.{slug(name)}" if circle else slug(name)


def check_term(selected_on: str | None, term_end: str) -> None:
    """Refuse a term that ends on or before the selection date.

    Raises:
        InvalidField: ``term_end`` is not after ``selected_on``.
    """
    if selected_on and term_end <= selected_on:
        raise InvalidField(
            "term_end",
            f"{term_end} is not after the selection date {selected_on}",
            "a date after the selection (terms are limited, not empty)",
        )


def _day(event: dict[str, Any]) -> str:
    return str(event["time"])[:10]


# -- writers (validate, then write one event) ----------------------------------------------------


def assign_role(ws: Workspace, actor: str, **fields: Any) -> dict[str, Any]:
    """Record a keeper for a role with a term, without a selection process (``role.assigned``).

    Use it for keepers chosen elsewhere (an appointment by the delegator, an existing facilitator
    or representative); a Role Selection records its own assignment when it is celebrated.

    Returns:
        The event written.

    Raises:
        InvalidField: A field is missing or wrong, or the term is empty (nothing is written).
    """

    def check() -> dict[str, Any]:
        data = clean(ws, ASSIGN_SPECS, fields)
        check_name("keeper", data["keeper"])
        data["role_id"] = data.get("role_id") or role_id_for(data["role"], data.get("circle"))
        if not ID_RE.match(data["role_id"].replace(".", "-")):
            raise InvalidField(
                "role_id",
                f"{data['role_id']!r} is not a usable id",
                "lowercase letters, digits and hyphens",
            )
        data.setdefault("kind", "role")
        require(ws, "circles", data.get("circle"), "circle", "circle or team")
        require(ws, "domains", data.get("domain"), "domain", "domain")
        check_term(data.get("selected_on"), data["term_end"])
        return data

    return ws.write(actor, "", "role.assigned", {}, check)


def release_role(ws: Workspace, actor: str, **fields: Any) -> dict[str, Any]:
    """Record a keeper stepping down before the term ends (``role.released``).

    Returns:
        The event written.

    Raises:
        InvalidField: Nobody holds the role (nothing is written).
    """

    def check() -> dict[str, Any]:
        data = clean(ws, RELEASE_SPECS, fields)
        row = ws.projection.get("roles", data["role_id"])
        if row is None or row["status"] != "held":
            held = (
                ", ".join(
                    sorted(r["id"] for r in ws.projection.all("roles") if r["status"] == "held")
                )
                or "none"
            )
            raise InvalidField(
                "role_id",
                f"nobody holds a role '{data['role_id']}'",
                f"a role that is held: {held}",
            )
        return data

    return ws.write(actor, "", "role.released", {}, check)


# -- applying (event handlers and the shared record function) ------------------------------------


def record_assignment(ws: Workspace, rec: dict[str, Any]) -> dict[str, Any]:
    """Make ``rec`` the current assignment of its role; the previous keeper's term ends.

    ``rec`` needs role_id, role, keeper, selected_on and term_end; everything else it holds
    (nominations with reasons, the selection's id ...) is kept in ``role_assignments``.

    Returns:
        The stored assignment (with its id ``<role_id>#<n>``).
    """
    rid = rec["role_id"]
    role = ws.projection.get("roles", rid)
    holders = list(role["holders"]) if role else []
    if role and role["status"] == "held":
        prev = dict(ws.projection.get("role_assignments", role["assignment"]) or {})
        if prev:
            reason = (
                "re-selected"
                if prev["keeper"] == rec["keeper"]
                else f"succeeded by {rec['keeper']}"
            )
            prev.update(status="ended", ended_on=rec["selected_on"], ended_reason=reason)
            ws.projection.put("role_assignments", prev["id"], prev)
            holders = [
                dict(h, ended_on=rec["selected_on"]) if h["assignment"] == prev["id"] else h
                for h in holders
            ]
    aid = f"{rid}#{len(holders) + 1}"
    assignment = {
        "id": aid,
        "status": "current",
        "ended_on": None,
        "ended_reason": None,
        "nominations": [],
        "changes": [],
        "selection": None,
        **rec,
    }
    assignment["id"] = aid
    ws.projection.put("role_assignments", aid, assignment)
    holders.append(
        {
            "assignment": aid,
            "keeper": rec["keeper"],
            "selected_on": rec["selected_on"],
            "term_end": rec["term_end"],
            "ended_on": None,
            "selection": assignment.get("selection"),
        }
    )
    ws.projection.put(
        "roles",
        rid,
        {
            "id": rid,
            "name": rec["role"],
            "kind": rec.get("kind", "role"),
            "circle": rec.get("circle"),
            "domain": rec.get("domain"),
            "domain_version": rec.get("domain_version"),
            "status": "held",
            "keeper": rec["keeper"],
            "selected_on": rec["selected_on"],
            "term_end": rec["term_end"],
            "review_date": rec.get("review_date"),
            "assignment": aid,
            "selection": assignment.get("selection"),
            "nominations": list(assignment.get("nominations", [])),
            "changes": list(assignment.get("changes", [])),
            "holders": holders,
        },
    )
    return assignment


def on_role_assigned(ws: Workspace, event: dict[str, Any]) -> None:
    """Apply ``role.assigned``: record the assignment with the domain's current version."""
    d = dict(event["data"])
    d.setdefault("selected_on", _day(event))
    dom = ws.projection.get("domains", d["domain"]) if d.get("domain") else None
    d["domain_version"] = dom["version"] if dom else None
    d["source"] = "role.assigned"
    d["recorded_by"] = event["actor"]
    record_assignment(ws, d)


def on_role_released(ws: Workspace, event: dict[str, Any]) -> None:
    """Apply ``role.released``: end the current assignment and leave the role vacant."""
    d = event["data"]
    on = d.get("on") or _day(event)
    role = dict(ws.projection.get("roles", d["role_id"]) or {})
    prev = dict(ws.projection.get("role_assignments", role["assignment"]) or {})
    prev.update(status="ended", ended_on=on, ended_reason=d["reason"])
    ws.projection.put("role_assignments", prev["id"], prev)
    role["holders"] = [
        dict(h, ended_on=on) if h["assignment"] == prev["id"] else h for h in role["holders"]
    ]
    role.update(status="vacant", keeper=None)
    ws.projection.put("roles", role["id"], role)


# -- queries -------------------------------------------------------------------------------------


def _date(value: str, field: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise InvalidField(field, f"{value!r} is not a date", "YYYY-MM-DD") from exc


def roles(
    ws: Workspace, expiring_before: str | None = None, held_only: bool = False
) -> list[dict[str, Any]]:
    """Roles, by term end; with ``expiring_before`` only held roles whose term ends before it.

    Raises:
        InvalidField: ``expiring_before`` is not a date.
    """
    rows = ws.projection.all("roles")
    if expiring_before:
        cut = _date(expiring_before, "--expiring-before")
        rows = [r for r in rows if r["status"] == "held" and r["term_end"] < cut]
    elif held_only:
        rows = [r for r in rows if r["status"] == "held"]
    return sorted(rows, key=lambda r: (r["term_end"] or "9999", r["id"]))


def role_history(ws: Workspace, role_id: str) -> list[dict[str, Any]]:
    """Every assignment of a role, oldest first.

    Raises:
        S3Error: There is no such role.
    """
    role = ws.projection.get("roles", role_id)
    if role is None:
        raise S3Error(f"There is no role '{role_id}'.", "Run `s3flow roles` to see the role ids.")
    return [ws.projection.get("role_assignments", h["assignment"]) or {} for h in role["holders"]]
