"""Domains and their described versions, and the organisation queries built on them.

The S3 guide's Clarify and Develop Domains: ``domain.described`` records a new version of a domain
description, the eleven fields of the guide (purpose, key responsibilities, customers and
deliverables, dependencies, external constraints, key challenges, key resources, delegator
responsibilities, competencies, key metrics, evaluation schedule) plus the additional information
(name, delegator, delegatees, authors, the circle or team holding it, review date, a short
description). Fields not given are kept from the previous version. Versions land in the
query-side table ``domains``.

This module is also the face of ``s3engine.org``: the five event handlers named by the
``s3flow.event_handlers`` entry points are importable from here, and so are the circle and role
writers and queries (:mod:`s3engine.org.circle`, :mod:`s3engine.org.role`), so that callers need
one import (``from s3engine.org import domain as org``). Each writer validates against the
caught-up state before anything is written (an ``S3Error`` names the problem and the fix); the
handlers only apply.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``, ``s3engine.org.circle``,
``s3engine.org.role``, ``s3engine.org.validation``.
"""

from __future__ import annotations

from typing import Any

from s3engine.core.definition import Field
from s3engine.core.workspace import Workspace
from s3engine.errors import InvalidField
from s3engine.org.circle import (
    CIRCLE_CHANGE_SPECS,
    CIRCLE_KINDS,
    CIRCLE_SPECS,
    change_circle,
    circles,
    form_circle,
    on_circle_changed,
    on_circle_formed,
)
from s3engine.org.role import (
    ASSIGN_SPECS,
    RELEASE_SPECS,
    ROLE_KINDS,
    assign_role,
    check_term,
    on_role_assigned,
    on_role_released,
    record_assignment,
    release_role,
    role_history,
    role_id_for,
    roles,
    slug,
)
from s3engine.org.validation import check_id, clean, require

__all__ = [
    "ASSIGN_SPECS",
    "CIRCLE_CHANGE_SPECS",
    "CIRCLE_KINDS",
    "CIRCLE_SPECS",
    "DESCRIPTION_FIELDS",
    "DOMAIN_SPECS",
    "INFO_FIELDS",
    "MINIMUM",
    "RELEASE_SPECS",
    "ROLE_KINDS",
    "VERSIONED",
    "assign_role",
    "change_circle",
    "check_term",
    "circles",
    "clean",
    "describe_domain",
    "domains",
    "form_circle",
    "holdings",
    "on_circle_changed",
    "on_circle_formed",
    "on_domain_described",
    "on_role_assigned",
    "on_role_released",
    "record_assignment",
    "release_role",
    "revise_description",
    "role_history",
    "role_id_for",
    "roles",
    "slug",
    "summary",
]

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

DOMAIN_SPECS = (
    Field("id", "line", True, "A short id such as energy-desk."),
    *INFO_FIELDS,
    *DESCRIPTION_FIELDS,
    Field("note", "text", False, "What changed and why."),
)


# -- writers (validate, then write one event) ----------------------------------------------------


def describe_domain(ws: Workspace, actor: str, **fields: Any) -> dict[str, Any]:
    """Record a new version of a domain description (``domain.described``).

    The first version needs a name and a purpose; later versions change only the fields given.

    Returns:
        The event written.

    Raises:
        InvalidField: A field is missing or wrong, or nothing would change (nothing is written).
    """

    def check() -> dict[str, Any]:
        data = clean(ws, DOMAIN_SPECS, fields)
        check_id("id", data["id"])
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
        require(ws, "circles", data.get("circle"), "circle", "circle or team")
        return data

    return ws.write(actor, "", "domain.described", {}, check)


# -- applying (event handlers and the shared version function) -----------------------------------


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
    """Apply ``domain.described``: add the new version of the domain description."""
    data = event["data"]
    changes = {k: v for k, v in data.items() if k in VERSIONED}
    _add_version(ws, data["id"], changes, event, data.get("note", ""), f"event {event['seq']}")


def revise_description(
    ws: Workspace, did: str, text: str, event: dict[str, Any], source: str, note: str
) -> int:
    """Add a domain version whose description is ``text`` (a Role Selection amendment).

    Returns:
        The new version's number.
    """
    return _add_version(ws, did, {"description": text}, event, note, source)


# -- queries -------------------------------------------------------------------------------------


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


def summary(row: dict[str, Any]) -> str:
    """A domain's description as one text (its description, else purpose and responsibilities)."""
    if row.get("description"):
        return str(row["description"])
    parts = [str(row.get("purpose") or "")]
    if row.get("key_responsibilities"):
        parts.append("Key responsibilities: " + "; ".join(row["key_responsibilities"]))
    return "\n".join(p for p in parts if p)
