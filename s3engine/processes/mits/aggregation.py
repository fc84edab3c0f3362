"""Aggregating and comparing the scores of an evaluation instrument.

:func:`aggregate`: per item and per section the mean, the (population) standard deviation, the
lowest and highest score and the number of answers; blanks are allowed and left out. A section's
figures pool every answer to every item of the section. :func:`compare` sets an evaluation beside
the baseline and the previous cycle's evaluation, per section and per item.
:func:`weakest_sections` ranks sections by their mean.

Allowed imports: standard library, ``s3engine.processes.mits.schema``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from s3engine.processes.mits.schema import Instrument, Score

Responses = Mapping[str, Mapping[str, Score]]


def stats(values: Iterable[Score]) -> dict[str, Any]:
    """Mean, population standard deviation, min, max and count of the non-blank values.

    Args:
        values: Scores; None (a blank) is left out.

    Returns:
        ``{"mean", "sd", "min", "max", "count"}``, all None (count 0) without values.
    """
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return {"mean": None, "sd": None, "min": None, "max": None, "count": 0}
    mean = math.fsum(vals) / len(vals)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in vals) / len(vals))
    return {"mean": mean, "sd": sd, "min": min(vals), "max": max(vals), "count": len(vals)}


def aggregate(inst: Instrument, responses: Responses) -> dict[str, Any]:
    """Aggregate every respondent's scores per item and per section.

    Args:
        inst: The instrument.
        responses: ``{respondent: {item_id: score or None}}``; blanks and missing items are
            left out.

    Returns:
        ``{"respondents": n, "items": {item: stats}, "sections": {section: stats},
        "overall": stats}``.
    """
    items: dict[str, Any] = {}
    sections: dict[str, Any] = {}
    every: list[Score] = []
    for s in inst.sections:
        pooled: list[Score] = []
        for i in s.items:
            vals = [r.get(i.id) for r in responses.values()]
            items[i.id] = stats(vals)
            pooled += vals
        sections[s.id] = stats(pooled)
        every += pooled
    return {
        "respondents": len(responses),
        "items": items,
        "sections": sections,
        "overall": stats(every),
    }


def _delta(now: Any, then: Any) -> float | None:
    if now is None or then is None:
        return None
    return float(now) - float(then)


def compare(
    inst: Instrument,
    now: Mapping[str, Any],
    baseline: Mapping[str, Any] | None,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Set aggregated results beside the baseline and the previous cycle, per section and item.

    Args:
        inst: The instrument.
        now: The aggregate (as :func:`aggregate` returns it) to compare.
        baseline: The baseline's aggregate, if any.
        previous: The previous cycle's aggregate, if any.

    Returns:
        ``{"sections": [row], "items": [row]}``; each row has id, name (or text), section,
        ``now``, ``baseline``, ``previous`` (means, None when missing), ``delta_baseline`` and
        ``delta_previous`` (None when either side has no answers), and the answer counts.
    """

    def row(kind: str, key: str) -> dict[str, Any]:
        n = now[kind].get(key, {})
        b = (baseline or {}).get(kind, {}).get(key, {}) if baseline else {}
        p = (previous or {}).get(kind, {}).get(key, {}) if previous else {}
        return {
            "now": n.get("mean"),
            "baseline": b.get("mean"),
            "previous": p.get("mean"),
            "delta_baseline": _delta(n.get("mean"), b.get("mean")),
            "delta_previous": _delta(n.get("mean"), p.get("mean")),
            "sd": n.get("sd"),
            "count": n.get("count", 0),
            "baseline_count": b.get("count", 0),
            "previous_count": p.get("count", 0),
        }

    sections = [{"id": s.id, "name": s.name, **row("sections", s.id)} for s in inst.sections]
    items = [
        {"id": i.id, "text": i.text, "section": s.id, **row("items", i.id)}
        for s in inst.sections
        for i in s.items
    ]
    return {"sections": sections, "items": items}


def weakest_sections(inst: Instrument, agg: Mapping[str, Any], n: int = 3) -> list[str]:
    """The sections with the lowest mean.

    Args:
        inst: The instrument.
        agg: An aggregate, as :func:`aggregate` returns it.
        n: How many sections.

    Returns:
        Up to ``n`` section ids, weakest first (ties in the instrument's order); sections without
        answers are left out.
    """
    rows = [
        (agg["sections"][s.id]["mean"], k, s.id)
        for k, s in enumerate(inst.sections)
        if agg["sections"].get(s.id, {}).get("mean") is not None
    ]
    return [sid for _m, _k, sid in sorted(rows)[:n]]
