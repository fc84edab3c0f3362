"""Domains, circles and teams, and the roles held in them (S3 guide: Clarify and Develop Domains).

Everything here is recorded through workspace events and derived from the journal into the
query-side tables ``domains``, ``circles``, ``roles`` and ``role_assignments``:

* ``domain.described`` — a new version of a domain description: the eleven fields of the guide
  (purpose, key responsibilities, customers and deliverables, dependencies, external constraints,
  key challenges, key resources, delegator responsibilities, competencies, key metrics, evaluation
  schedule) plus the additional information (name, delegator, delegatees, authors, the circle or
  team holding it, review date, a short description). Fields not given are kept from the previous
  version.
* ``circle.formed`` / ``circle.changed`` — circles and teams with their members.
* ``role.assigned`` / ``role.released`` — a keeper for a role with a term (roles, representatives,
  facilitators, coordinators ...). A completed Role Selection records its assignment through the
  same :func:`record_assignment`, with the nominations and their reasons.

Each writer function validates against the caught-up state before anything is written (an
``S3Error`` names the problem and the fix); the handlers only apply. Queries: who holds what now,
roles whose term ends before a date (re-selection due), and the history of a role's holders.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from typing import Any

from s3engine.core.definition import NAME_RE, Field
from s3engine.core.process import Process
from s3engine.core.workspace import ID_RE, Workspace
from s3engine.errors import InvalidField, S3Error

#: The eleven fields of a domain description (S3 guide, Clarify and Develop Domains).
DESCRIPTION_FIELDS: tuple[Field, ...] = (
    Field("purpose", "text", False, "Why the domain exists: the primary driver it responds to."),
    Field("key_responsibilities", "list", False, "What the delegatees take care of, one a line."),
    Field("customers_and_deliverables", "list", False, "Who receives what, one a line."),
    Field("dependencies", "list", False, "Other domains this one depends on or serves."),
    Field(
        "external_constraints",
        "list",
        False,
        "Requirements from outside, with their anticipated impact.",
    ),
    Field("key_challenges", "list", False, "Situations and their effects to prepare for."),
    Field("key_resources", "list", False, "Money, people, tools, spaces available."),
    Field(
        "delegator_responsibilities",
        "list",
        False,
        "What the delegator keeps doing for the delegatees.",
    ),
    Field("competencies", "list", False, "Competencies, qualities and skills needed."),
    Field("key_metrics", "list", False, "Key metrics and how they are monitored."),
    Field(
        "evaluation_schedule",
        "list",
        False,
        "Frequency, activity, duration and participants of each review.",
    ),
)
#: The additional information kept with every version.
INFO_FIELDS: tuple[Field, ...] = (
    Field("name", "line", False, "The domain's name."),
    Field("description", "text", False, "A short description (used as a role description)."),
    Field("delegator", "line", False, "Who delegated the domain (person, circle, board ...)."),
    Field("delegatees", "list", False, "Who holds the domain (people, a role, a team)."),
    Field("authors", "list", False, "Who wrote this version."),
    Field("circle", "line", False, "The circle or team holding the domain."),
    Field(
        "review_date", "date", False, "When the design is next reviewed (review new domains early)."
    ),
)
MINIMUM = (
    "purpose",
    "key_responsibilities",
    "customers_and_deliverables",
    "delegator_responsibilities",
    "review_date",
)
VERSIONED = tuple(f.name for f in DESCRIPTION_FIELDS + INFO_FIELDS)

CIRCLE_KINDS = (
    "circle",
    "team",
    "delegate circle",
    "helping circle",
    "service circle",
    "local implementation team",
    "other",
)
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

DOMAIN_SPECS = (
    Field("id", "line", True, "A short id such as energy-desk."),
    *INFO_FIELDS,
    *DESCRIPTION_FIELDS,
    Field("note", "text", False, "What changed and why."),
)
CIRCLE_SPECS = (
    Field("id", "line", True, "A short id such as core-team."),
    Field("name", "line", True, "The circle's or team's name."),
    Field("kind", "choice", False, "What kind of group it is.", CIRCLE_KINDS),
    Field("purpose", "text", False, "What the group is for."),
    Field("domain", "line", False, "The id of the domain it holds."),
    Field("members", "list", True, "The members, one a line."),
    Field("parent", "line", False, "The id of the circle it belongs to."),
    Field("delegator", "line", False, "Who delegated its domain."),
)
CIRCLE_CHANGE_SPECS = (
    Field("id", "line", True, "The circle's id."),
    Field("join", "list", False, "New members."),
    Field("leave", "list", False, "Members leaving."),
    Field("purpose", "text", False, "A new purpose."),
    Field("domain", "line", False, "The id of the domain it now holds."),
    Field("note", "text", False, "Why."),
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


# -- helpers --------------------------------------------------------------------------------------


def slug(text: str) -> str:
    """A lowercase id made from a name ("Energy Desk Host" -> "energy-desk-host")."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", norm.lower()).strip("-")
    return out[:80] or "role"


def role_id_for(name: str, circle: str | None = None) -> str:
    """The id of a role from its name and circle ("core-team.facilitator")."""
    return f"{circle}.{slug(name)}" if circle else slug(name)


def clean(ws: Workspace, specs: tuple[Field, ...], given: dict[str, Any]) -> dict[str, Any]:
    """Type-check fields with the same rules as process actions; return JSON-normal data."""
    probe = Process.__new__(Process)
    probe.ws = ws
    probe.parent = None
    probe.data = {"participants": [], "facilitator": ""}
    data = probe.clean_fields(specs, given)
    return json.loads(json.dumps(data))


def _check_id(field: str, value: str) -> None:
    if not ID_RE.match(value):
        raise InvalidField(
            field,
            f"{value!r} is not a usable id",
            "lowercase letters, digits and hyphens, such as energy-desk",
        )


def _check_name(field: str, value: str) -> None:
    if not NAME_RE.match(value):
        raise InvalidField(
            field,
            f"{value!r} is not a usable name",
            "a name of 1 to 80 characters without control characters",
        )


def _day(event: dict[str, Any]) -> str:
    return str(event["time"])[:10]


def _require(ws: Workspace, table: str, key: str | None, field: str, what: str) -> None:
    if key and ws.projection.get(table, key) is None:
        known = ", ".join(sorted(r["id"] for r in ws.projection.all(table))) or "none yet"
        raise InvalidField(field, f"there is no {what} '{key}'", f"one of: {known}")


# -- writers (validate, then write one event) ----------------------------------------------------


def describe_domain(ws: Workspace, actor: str, **fields: Any) -> dict[str, Any]:
    """Record a new version of a domain description (``domain.described``).

    The first version needs a name and a purpose; later versions change only the fields given.

    Raises:
        InvalidField: A field is missing or wrong, or nothing would change (nothing is written).
    """

    def check() -> dict[str, Any]:
        data = clean(ws, DOMAIN_SPECS, fields)
        _check_id("id", data["id"])
        old = ws.projection.get("domains", data["id"])
        if old is None:
            for key in ("name", "purpose"):
                if not data.get(key):
                    raise InvalidField(
                        key,
                        "is required for a new domain",
                        "the domain's name and purpose (add key responsibilities, "
                        "customers and deliverables, delegator responsibilities "
                        "and an early review date as soon as you can)",
                    )
        else:
            changed = [k for k in VERSIONED if k in data and data[k] != old.get(k)]
            if not changed:
                raise InvalidField(
                    "fields",
                    f"nothing changes in domain '{data['id']}'",
                    "at least one field with a new value",
                )
        _require(ws, "circles", data.get("circle"), "circle", "circle or team")
        return data

    return ws.write(actor, "", "domain.described", {}, check)


def form_circle(ws: Workspace, actor: str, **fields: Any) -> dict[str, Any]:
    """Record a new circle or team with its members (``circle.formed``)."""

    def check() -> dict[str, Any]:
        data = clean(ws, CIRCLE_SPECS, fields)
        _check_id("id", data["id"])
        if ws.projection.get("circles", data["id"]) is not None:
            raise InvalidField(
                "id",
                f"there is already a circle or team '{data['id']}'",
                "a new id (change an existing one with circle.changed)",
            )
        for name in data["members"]:
            _check_name("members", name)
        data["members"] = list(dict.fromkeys(data["members"]))
        data.setdefault("kind", "circle")
        _require(ws, "domains", data.get("domain"), "domain", "domain")
        _require(ws, "circles", data.get("parent"), "parent", "circle or team")
        return data

    return ws.write(actor, "", "circle.formed", {}, check)


def change_circle(ws: Workspace, actor: str, **fields: Any) -> dict[str, Any]:
    """Record members joining or leaving, or a new purpose or domain (``circle.changed``)."""

    def check() -> dict[str, Any]:
        data = clean(ws, CIRCLE_CHANGE_SPECS, fields)
        _require(ws, "circles", data["id"], "id", "circle or team")
        row = ws.projection.get("circles", data["id"]) or {}
        for name in data.get("join", []):
            _check_name("join", name)
            if name in row["members"]:
                raise InvalidField("join", f"{name} is already a member", "new members only")
        for name in data.get("leave", []):
            if name not in row["members"]:
                raise InvalidField(
                    "leave", f"{name} is not a member", "members: " + ", ".join(row["members"])
                )
        _require(ws, "domains", data.get("domain"), "domain", "domain")
        if not any(data.get(k) for k in ("join", "leave", "purpose", "domain")):
            raise InvalidField("fields", "nothing changes", "join, leave, purpose or domain")
        return data

    return ws.write(actor, "", "circle.changed", {}, check)


def assign_role(ws: Workspace, actor: str, **fields: Any) -> dict[str, Any]:
    """Record a keeper for a role with a term, without a selection process (``role.assigned``).

    Use it for keepers chosen elsewhere (an appointment by the delegator, an existing facilitator
    or representative); a Role Selection records its own assignment when it is celebrated.
    """

    def check() -> dict[str, Any]:
        data = clean(ws, ASSIGN_SPECS, fields)
        _check_name("keeper", data["keeper"])
        data["role_id"] = data.get("role_id") or role_id_for(data["role"], data.get("circle"))
        if not ID_RE.match(data["role_id"].replace(".", "-")):
            raise InvalidField(
                "role_id",
                f"{data['role_id']!r} is not a usable id",
                "lowercase letters, digits and hyphens",
            )
        data.setdefault("kind", "role")
        _require(ws, "circles", data.get("circle"), "circle", "circle or team")
        _require(ws, "domains", data.get("domain"), "domain", "domain")
        check_term(data.get("selected_on"), data["term_end"])
        return data

    return ws.write(actor, "", "role.assigned", {}, check)


def release_role(ws: Workspace, actor: str, **fields: Any) -> dict[str, Any]:
    """Record a keeper stepping down before the term ends (``role.released``)."""

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


def check_term(selected_on: str | None, term_end: str) -> None:
    """Refuse a term that ends on or before the selection date."""
    if selected_on and term_end <= selected_on:
        raise InvalidField(
            "term_end",
            f"{term_end} is not after the selection date {selected_on}",
            "a date after the selection (terms are limited, not empty)",
        )


# -- applying (handlers and the shared record functions) -----------------------------------------


def _add_version(
    ws: Workspace, did: str, changes: dict[str, Any], event: dict[str, Any], note: str, source: str
) -> int:
    old = ws.projection.get("domains", did)
    versions = list(old["versions"]) if old else []
    current = (
        {k: old.get(k) for k in VERSIONED if old and old.get(k) not in (None, "", [])}
        if old
        else {}
    )
    changed = sorted(k for k, v in changes.items() if k in VERSIONED and current.get(k) != v)
    current.update({k: v for k, v in changes.items() if k in VERSIONED})
    version = len(versions) + 1
    versions.append(
        {
            "version": version,
            "fields": dict(current),
            "changed": changed,
            "updated": event["time"],
            "by": event["actor"],
            "note": note,
            "source": source,
        }
    )
    row = {
        "id": did,
        **{k: current.get(k) for k in VERSIONED},
        "version": version,
        "updated": event["time"],
        "created": versions[0]["updated"],
        "gaps": [k for k in MINIMUM if not current.get(k)],
        "versions": versions,
    }
    ws.projection.put("domains", did, row)
    return version


def on_domain_described(ws: Workspace, event: dict[str, Any]) -> None:
    data = event["data"]
    changes = {k: v for k, v in data.items() if k in VERSIONED}
    _add_version(ws, data["id"], changes, event, data.get("note", ""), f"event {event['seq']}")


def revise_description(
    ws: Workspace, did: str, text: str, event: dict[str, Any], source: str, note: str
) -> int:
    """A new domain version whose description is ``text`` (a Role Selection amendment)."""
    return _add_version(ws, did, {"description": text}, event, note, source)


def on_circle_formed(ws: Workspace, event: dict[str, Any]) -> None:
    d = dict(event["data"])
    ws.projection.put(
        "circles",
        d["id"],
        {
            "id": d["id"],
            "name": d["name"],
            "kind": d.get("kind", "circle"),
            "purpose": d.get("purpose", ""),
            "domain": d.get("domain"),
            "parent": d.get("parent"),
            "delegator": d.get("delegator"),
            "members": list(d["members"]),
            "formed": event["time"],
            "history": [
                {
                    "time": event["time"],
                    "by": event["actor"],
                    "formed": True,
                    "members": list(d["members"]),
                }
            ],
        },
    )


def on_circle_changed(ws: Workspace, event: dict[str, Any]) -> None:
    d = event["data"]
    row = dict(ws.projection.get("circles", d["id"]) or {})
    members = [m for m in row["members"] if m not in d.get("leave", [])] + list(d.get("join", []))
    row.update(
        {
            "members": members,
            "history": [
                *row["history"],
                {"time": event["time"], "by": event["actor"], **{k: d[k] for k in d if k != "id"}},
            ],
        }
    )
    for key in ("purpose", "domain"):
        if d.get(key):
            row[key] = d[key]
    ws.projection.put("circles", d["id"], row)


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
    d = dict(event["data"])
    d.setdefault("selected_on", _day(event))
    dom = ws.projection.get("domains", d["domain"]) if d.get("domain") else None
    d["domain_version"] = dom["version"] if dom else None
    d["source"] = "role.assigned"
    d["recorded_by"] = event["actor"]
    record_assignment(ws, d)


def on_role_released(ws: Workspace, event: dict[str, Any]) -> None:
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


# -- queries -----------------------------------------------------------------------------------


def _date(value: str, field: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise InvalidField(field, f"{value!r} is not a date", "YYYY-MM-DD") from exc


def roles(
    ws: Workspace, expiring_before: str | None = None, held_only: bool = False
) -> list[dict[str, Any]]:
    """Roles, by term end; with ``expiring_before`` only held roles whose term ends before it."""
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


def holdings(ws: Workspace, person: str) -> dict[str, list[Any]]:
    """What ``person`` holds now: roles, domains (as delegatee or delegator), circles."""
    return {
        "roles": [r for r in roles(ws, held_only=True) if r["keeper"] == person],
        "delegatee_of": [
            d["id"] for d in ws.projection.all("domains") if person in (d.get("delegatees") or [])
        ],
        "delegator_of": [
            d["id"] for d in ws.projection.all("domains") if d.get("delegator") == person
        ],
        "circles": [c["id"] for c in ws.projection.all("circles") if person in c["members"]],
    }


def domains(ws: Workspace) -> list[dict[str, Any]]:
    """Every domain (current version first-level, every version in ``versions``), by id."""
    return sorted(ws.projection.all("domains"), key=lambda d: d["id"])


def circles(ws: Workspace) -> list[dict[str, Any]]:
    """Every circle and team, by id."""
    return sorted(ws.projection.all("circles"), key=lambda c: c["id"])


def summary(row: dict[str, Any]) -> str:
    """A domain's description as one text (its description, else purpose and responsibilities)."""
    if row.get("description"):
        return str(row["description"])
    parts = [str(row.get("purpose") or "")]
    if row.get("key_responsibilities"):
        parts.append("Key responsibilities: " + "; ".join(row["key_responsibilities"]))
    return "\n".join(p for p in parts if p)
