"""Circles and teams with their members: recorded, applied and listed.

``circle.formed`` records a new circle or team with its members; ``circle.changed`` records members
joining or leaving, or a new purpose or domain. The writers validate against the caught-up state
before anything is written; the handlers (run on every replay) only apply, into the query-side
table ``circles``.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``,
``s3engine.org.validation``.
"""

from __future__ import annotations

from typing import Any

from s3engine.core.definition import Field
from s3engine.core.workspace import Workspace
from s3engine.errors import InvalidField
from s3engine.org.validation import check_id, check_name, clean, require

CIRCLE_KINDS = (
    "circle",
    "team",
    "delegate circle",
    "helping circle",
    "service circle",
    "local implementation team",
    "other",
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


# -- writers (validate, then write one event) ----------------------------------------------------


def form_circle(ws: Workspace, actor: str, **fields: Any) -> dict[str, Any]:
    """Record a new circle or team with its members (``circle.formed``).

    Returns:
        The event written.

    Raises:
        InvalidField: A field is missing or wrong, or the id is taken (nothing is written).
    """

    def check() -> dict[str, Any]:
        data = clean(ws, CIRCLE_SPECS, fields)
        check_id("id", data["id"])
        if ws.projection.get("circles", data["id"]) is not None:
            raise InvalidField(
                "id",
                f"there is already a circle or team '{data['id']}'",
                "a new id (change an existing one with circle.changed)",
            )
        for name in data["members"]:
            check_name("members", name)
        data["members"] = list(dict.fromkeys(data["members"]))
        data.setdefault("kind", "circle")
        require(ws, "domains", data.get("domain"), "domain", "domain")
        require(ws, "circles", data.get("parent"), "parent", "circle or team")
        return data

    return ws.write(actor, "", "circle.formed", {}, check)


def change_circle(ws: Workspace, actor: str, **fields: Any) -> dict[str, Any]:
    """Record members joining or leaving, or a new purpose or domain (``circle.changed``).

    Returns:
        The event written.

    Raises:
        InvalidField: The circle, a member or the domain is unknown, or nothing changes.
    """

    def check() -> dict[str, Any]:
        data = clean(ws, CIRCLE_CHANGE_SPECS, fields)
        require(ws, "circles", data["id"], "id", "circle or team")
        row = ws.projection.get("circles", data["id"]) or {}
        for name in data.get("join", []):
            check_name("join", name)
            if name in row["members"]:
                raise InvalidField("join", f"{name} is already a member", "new members only")
        for name in data.get("leave", []):
            if name not in row["members"]:
                raise InvalidField(
                    "leave", f"{name} is not a member", "members: " + ", ".join(row["members"])
                )
        require(ws, "domains", data.get("domain"), "domain", "domain")
        if not any(data.get(k) for k in ("join", "leave", "purpose", "domain")):
            raise InvalidField("fields", "nothing changes", "join, leave, purpose or domain")
        return data

    return ws.write(actor, "", "circle.changed", {}, check)


# -- applying (event handlers) -------------------------------------------------------------------


def on_circle_formed(ws: Workspace, event: dict[str, Any]) -> None:
    """Apply ``circle.formed``: store the new circle or team with its first history entry."""
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
    """Apply ``circle.changed``: update members, purpose and domain, and extend the history."""
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


# -- queries -------------------------------------------------------------------------------------


def circles(ws: Workspace) -> list[dict[str, Any]]:
    """Every circle and team, by id."""
    return sorted(ws.projection.all("circles"), key=lambda c: c["id"])
