"""The ``s3flow bench [--quick] [--json]`` command (see :mod:`s3engine.bench.runner`).

Allowed imports: standard library, ``s3engine.bench`` (lazily, inside the command).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmarks and print their rows as a table or JSON.

    Args:
        args: Parsed arguments: ``quick`` and ``json``.

    Returns:
        The exit code (0).
    """
    from s3engine.bench.row import table
    from s3engine.bench.runner import run

    rows = run(quick=args.quick, progress=lambda m: print(f"… {m}", file=sys.stderr, flush=True))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(table(rows))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``bench`` command.

    Args:
        sub: The sub-parsers of the ``s3flow`` parser.
        common: The parser holding the options every command takes.
    """
    p = sub.add_parser("bench", parents=[common], help="measure performance")
    p.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bench)
