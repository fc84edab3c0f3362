"""Rows: one measured figure of ``s3flow bench``, and the table they are printed as.

A row holds the metric, its value and unit, what it is compared with and the ratio, the goal and
whether it is met (None when there is no goal).

Allowed imports: standard library.
"""

from __future__ import annotations

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


def table(rows: list[Row]) -> str:
    """Rows as an aligned text table.

    Args:
        rows: Rows from :func:`s3engine.bench.runner.run`.

    Returns:
        The table, with a header line.
    """
    head = ("metric", "value", "unit", "vs", "ratio", "goal", "met")
    lines = [
        [
            r["metric"],
            f"{r['value']:.3f}",
            r["unit"],
            r["comparison"],
            "" if r["ratio"] is None else f"{r['ratio']:.2f}x",
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
