"""Review dates and role-term ends as an iCalendar file (RFC 5545), made with ``icalendar``.

``s3flow calendar -o FILE.ics`` and the journal view's download. Calendar programs (Thunderbird,
Outlook, Google Calendar, Apple Calendar, Nextcloud) import it as all-day events:

- the review date of every active agreement ("Review the agreement: Bike racks");
- the review date and the term end of every held role ("Role term ends: Host (Sara)");
- the review date of every domain description;
- the date by which someone took responsibility for a deferred objection.

Each item keeps its ``UID`` for good (``<kind>-<record>-<what>@<workspace id>``), so importing a
newer file updates the events instead of doubling them; ``SEQUENCE`` follows the agreement's or
domain's version. ``DTSTAMP`` is the time of the newest journal event, so the same journal always
gives the same file. Events are marked free time (``TRANSP:TRANSPARENT``): a review date is a
deadline, not a meeting.

Allowed imports: standard library, ``icalendar`` (lazily, the ``exports`` extra), s3engine.core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from s3engine.core.workspace import Workspace
from s3engine.reports.extra import need
from s3engine.version import __version__


@dataclass(frozen=True)
class Item:
    """One all-day calendar entry.

    Attributes:
        uid: Stable identifier of the entry.
        day: The date.
        summary: What it is, in plain words.
        description: The details (agreement text, who keeps the role ...).
        category: ``agreement review``, ``role review``, ``role term end``, ``domain review``
            or ``deferred objection``.
        sequence: Revision of the item (the record's version).
    """

    uid: str
    day: dt.date
    summary: str
    description: str
    category: str
    sequence: int = 0


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def items(ws: Workspace) -> list[Item]:
    """Every review date and role-term end in the workspace, by date."""
    from s3engine.core import trust

    ident = trust.identity(ws)
    domain = f"{ident.workspace_id if ident else ws.path.name}.s3flow"
    found = list(_items(ws, domain))
    return sorted(found, key=lambda i: (i.day, i.uid))


def _items(ws: Workspace, at: str) -> Iterator[Item]:
    for a in ws.agreements(status="active"):
        day = _date(a.get("review_date"))
        if day:
            lines = [f"Agreed (version {a['version']}): {a['text']}"]
            lines += [f"Responsible: {r}" for r in a.get("responsibilities") or []]
            lines += [f"Evaluation criterion: {c}" for c in a.get("evaluation_criteria") or []]
            yield Item(
                f"agreement-{a['id']}-review@{at}",
                day,
                f"Review the agreement: {a['title']}",
                "\n".join(lines),
                "agreement review",
                int(a.get("version") or 0),
            )
        for n, d in enumerate(a.get("deferred_objections") or [], start=1):
            due = _date(d.get("due"))
            if due:
                yield Item(
                    f"agreement-{a['id']}-deferral-{n}@{at}",
                    due,
                    f"Deferred objection due ({d.get('owner') or 'nobody'}): {a['title']}",
                    f"{d.get('objector')}: {d.get('objection')}\n"
                    + (f"Next: {d['next_step']}" if d.get("next_step") else ""),
                    "deferred objection",
                )
    for r in ws.projection.all("roles"):
        if r.get("status") != "held":
            continue
        who = f"{r['name']} ({r['keeper']})" if r.get("keeper") else str(r["name"])
        about = f"Role {r['name']}, kept by {r.get('keeper') or 'nobody'}"
        about += f" since {r['selected_on']}." if r.get("selected_on") else "."
        key = str(r.get("assignment") or r["id"]).replace("#", "-")
        for field, what, label in (
            ("review_date", "review", "Review the role"),
            ("term_end", "term-end", "Role term ends"),
        ):
            day = _date(r.get(field))
            if day:
                yield Item(
                    f"role-{key}-{what}@{at}",
                    day,
                    f"{label}: {who}",
                    about,
                    "role review" if what == "review" else "role term end",
                )
    for d in ws.projection.all("domains"):
        day = _date(d.get("review_date"))
        if day:
            yield Item(
                f"domain-{d['id']}-review@{at}",
                day,
                f"Review the domain description: {d.get('name') or d['id']}",
                str(d.get("purpose") or d.get("description") or ""),
                "domain review",
                int(d.get("version") or 0),
            )


def _stamp(ws: Workspace) -> dt.datetime:
    """The time of the newest journal event (UTC), else the epoch."""
    last = None
    for last in ws.events():  # noqa: B007  (only the last one is wanted)
        pass
    if last is None:
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(last["time"]).replace("Z", "+00:00")).replace(
        microsecond=0
    )


def to_ics(ws: Workspace, name: str | None = None) -> bytes:
    """The calendar file's bytes.

    Args:
        ws: The workspace.
        name: The calendar's name shown by calendar programs (default: the community's name).

    Raises:
        MissingExtraError: The ``icalendar`` package is not installed.
    """
    ical = need("icalendar", "The calendar")
    cal = ical.Calendar()
    cal.add("prodid", f"-//s3flow//s3flow {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    community = ws.settings.get("community") if isinstance(ws.settings, dict) else None
    cal.add("x-wr-calname", name or f"s3flow: {community or 'reviews and role terms'}")
    stamp = _stamp(ws)
    for it in items(ws):
        ev = ical.Event()
        ev.add("uid", it.uid)
        ev.add("dtstamp", stamp)
        ev.add("dtstart", it.day)
        ev.add("dtend", it.day + dt.timedelta(days=1))
        ev.add("summary", it.summary)
        ev.add("description", it.description)
        ev.add("categories", [it.category])
        ev.add("transp", "TRANSPARENT")
        ev.add("sequence", it.sequence)
        cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data
