"""Rows: one measured figure of ``s3flow bench``, and the table they are printed as.

A row holds the metric, its value and unit, what it is compared with and the ratio, the goal and
whether it is met (None when there is no goal). Rows made by :func:`figure` also hold the
repetitions (``runs``) and their ``spread`` (lowest and highest), the ``floor`` (what the work
cannot be faster than, e.g. a raw write+fsync of the same line) and every ``peer`` measured in the
same run, each with its value and the ratio of the figure to it.

Allowed imports: standard library.
"""

from __future__ import annotations

import statistics
from typing import Any

#: One result: metric, value, unit, comparison, ratio, goal, met.
Row = dict[str, Any]


def percentile(samples: list[float], q: float) -> float:
    """The ``q`` quantile of the samples (nearest rank).

    Args:
        samples: Measurements (at least one).
        q: From 0 to 1.

    Returns:
        The sample at that rank.
    """
    s = sorted(samples)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def row(
    metric: str,
    value: float,
    unit: str,
    comparison: str = "",
    ratio: float | None = None,
    goal: str = "",
    met: bool | None = None,
) -> Row:
    """One result row (value rounded to 3 decimals, ratio to 2).

    Args:
        metric: What was measured.
        value: The figure.
        unit: Its unit (``ms``, ``s``, ``MB``, ``x``).
        comparison: What ``ratio`` compares the figure with.
        ratio: The figure divided by the comparison.
        goal: The promise, such as ``<= 2 ms``.
        met: Whether the goal is met (None without a goal).

    Returns:
        The row.
    """
    return {
        "metric": metric,
        "value": round(value, 3),
        "unit": unit,
        "comparison": comparison,
        "ratio": None if ratio is None else round(ratio, 2),
        "goal": goal,
        "met": met,
    }


def figure(
    metric: str,
    samples: list[float],
    unit: str,
    *,
    floor: tuple[str, list[float]] | None = None,
    peers: dict[str, list[float]] | None = None,
    goal: str = "",
    met: bool | None = None,
) -> Row:
    """A row for repeated measurements: their median, spread, floor and peers.

    Args:
        metric: What was measured.
        samples: One value per repetition (at least one).
        unit: The unit.
        floor: (name, samples) of the floor; ``ratio`` is the figure over its median.
        peers: Name -> samples of each peer measured in the same run.
        goal: The promise it is judged against.
        met: Whether the goal is met (None without a goal).

    Returns:
        The row.
    """
    value = statistics.median(samples)
    out = row(metric, value, unit, goal=goal, met=met)
    out["runs"] = len(samples)
    out["spread"] = [round(min(samples), 3), round(max(samples), 3)]
    if floor is not None:
        base = statistics.median(floor[1])
        out["comparison"] = floor[0]
        out["floor"] = {"name": floor[0], "value": round(base, 3)}
        out["ratio"] = round(value / base, 2) if base else None
    out["peers"] = {
        name: {
            "value": round(statistics.median(vals), 3),
            "ratio": round(value / statistics.median(vals), 2) if statistics.median(vals) else None,
        }
        for name, vals in (peers or {}).items()
        if vals
    }
    return out


def table(rows: list[Row]) -> str:
    """Rows as an aligned text table.

    Args:
        rows: Rows from :func:`s3engine.bench.runner.run`.

    Returns:
        The table, with a header line.
    """
    head = ("metric", "value", "unit", "spread", "vs", "ratio", "peers", "goal", "met")
    lines = [
        [
            r["metric"],
            f"{r['value']:.3f}",
            r["unit"],
            "-".join(f"{x:g}" for x in r["spread"]) if r.get("spread") else "",
            r["comparison"],
            "" if r["ratio"] is None else f"{r['ratio']:.2f}x",
            ", ".join(
                f"{n} {p['value']:g}" + ("" if p["ratio"] is None else f" ({p['ratio']:.2f}x)")
                for n, p in (r.get("peers") or {}).items()
            ),
            r["goal"],
            {True: "yes", False: "NO", None: ""}[r["met"]],
        ]
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
        + [fmt.format(*map(str, ln)) for ln in lines]
    )
