"""What a picker offers for a field: the values the engine knows, each with the label people read.

A field names where its choices come from (``Field.choices_from``: ``agreements``, ``patterns``,
``domains``, ``cycles``, ``proposals``, ``circles``, ``roles``; a ``patterns`` field offers the
patterns by itself). A process may offer its own sources (the sections of a MiTS instrument, the
actions of a cycle ...) with a method ``choices_<source>()``; those are asked first. Front ends
show the labels and send the values: no id needs to be typed, and no rule lives in a widget.

An empty list means nothing is known yet: the front end then offers free text, so that nobody
meets a dead end.

Allowed imports: standard library, ``s3engine.core.definition``, ``s3engine.languages``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from s3engine.core.definition import Field
from s3engine.languages import Phrase

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.core.process import Process
    from s3engine.core.workspace import Workspace

Option = tuple[str, str]  # (value sent to the engine, label shown)


def source_of(f: Field) -> str:
    """Where the choices of ``f`` come from ("" for a field typed freely)."""
    return f.choices_from or ("patterns" if f.type == "patterns" else "")


def options(ws: Workspace, f: Field, proc: Process | None = None) -> list[Option]:
    """The values a picker offers for field ``f``, with their labels, in the order shown.

    Args:
        ws: The workspace.
        f: The field.
        proc: The process whose action the field belongs to (None for a start form).

    Returns:
        ``(value, label)`` pairs; empty when nothing is known (type freely then).
    """
    source = source_of(f)
    if not source:
        return []
    own = getattr(proc, f"choices_{source}", None) if proc is not None else None
    if callable(own):
        found: list[Option] = own()
        return found
    fn = SOURCES.get(source)
    return fn(ws) if fn else []


def _short(text: Any, n: int = 60) -> str:
    t = " ".join(str(text or "").split())
    return t if len(t) <= n else t[: n - 1] + "…"


def agreements(ws: Workspace) -> list[Option]:
    """Active agreements: their title and review date."""
    rows = sorted(ws.projection.all("agreements"), key=lambda r: str(r.get("title", "")))
    return [
        (
            str(r["id"]),
            Phrase(
                "{title} (review {date})" if r.get("review_date") else "{title}",
                title=_short(r.get("title") or r.get("text")),
                date=r.get("review_date") or "",
            ),
        )
        for r in rows
        if r.get("status", "active") == "active"
    ]


def patterns(ws: Workspace) -> list[Option]:
    """Every pattern of the pattern database attached to the workspace, by name."""
    db = ws.extensions.get("patterns")
    if db is None or not hasattr(db, "patterns"):
        return []
    seen: dict[str, str] = {}
    for p in db.patterns():
        seen.setdefault(p.id, p.name)
    return sorted(seen.items(), key=lambda kv: kv[1].casefold())


def domains(ws: Workspace) -> list[Option]:
    """Described domains: the name and the start of the purpose."""
    out = []
    for d in sorted(ws.projection.all("domains"), key=lambda r: str(r["id"])):
        purpose = _short(d.get("purpose"), 50)
        out.append((str(d["id"]), str(d["id"]) + (f" — {purpose}" if purpose else "")))
    return out


def cycles(ws: Workspace) -> list[Option]:
    """MiTS processes still running: the community, the cycle number and the phase."""
    return [
        (
            str(c["id"]),
            Phrase(
                "{community}, cycle {cycle} ({phase})",
                community=c.get("community") or c.get("title"),
                cycle=c.get("cycle", 1),
                phase=Phrase(str(c.get("phase"))),  # a step title: translated
            ),
        )
        for c in ws.projection.all("cycles")
        if not c.get("finished")
    ]


def proposals(ws: Workspace) -> list[Option]:
    """Formed proposals, by title."""
    return [
        (str(r["id"]), _short(r.get("title") or r.get("proposal")))
        for r in ws.projection.all("proposals")
    ]


def circles(ws: Workspace) -> list[Option]:
    """Circles and teams, by name."""
    return [(str(r["id"]), str(r.get("name") or r["id"])) for r in ws.projection.all("circles")]


def roles(ws: Workspace) -> list[Option]:
    """Roles, by name."""
    return [
        (str(r["id"]), str(r.get("name") or r.get("role") or r["id"]))
        for r in ws.projection.all("roles")
    ]


SOURCES: dict[str, Callable[[Workspace], list[Option]]] = {
    "agreements": agreements,
    "patterns": patterns,
    "domains": domains,
    "cycles": cycles,
    "proposals": proposals,
    "circles": circles,
    "roles": roles,
}
