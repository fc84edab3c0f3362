"""``s3flow bench [--quick] [--json]`` (see s3engine.bench.runner).

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def cmd_bench(args: argparse.Namespace) -> int:
    from s3engine.bench import runner as bench

    rows = bench.run(
        quick=args.quick, progress=lambda m: print(f"… {m}", file=sys.stderr, flush=True)
    )
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(bench.table(rows))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``bench`` command."""
    p = sub.add_parser("bench", parents=[common], help="measure performance")
    p.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bench)
