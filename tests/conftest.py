"""Shared fixtures: workspaces in temporary folders with a deterministic clock."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# A real PostgreSQL server (one per session); ``store`` runs a test on both journal stores.
from pg_support import pg_server, pg_url, store  # noqa: F401  (pytest fixtures)

from s3engine.core.workspace import Workspace

PEOPLE = ["Ana", "Bruno", "Carla", "Dario"]


def fixed_clock() -> Callable[[], str]:
    """A clock that advances one second per event, starting 2026-01-05."""
    counter = itertools.count()

    def clock() -> str:
        n = next(counter)
        return f"2026-01-05T{9 + n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000000Z"

    return clock


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A fresh workspace with a fixed clock."""
    return Workspace(tmp_path / "ws", clock=fixed_clock())


def start_consent(ws: Workspace, **over: Any) -> Any:
    """Start a typical consent decision among PEOPLE (Ana facilitates, Carla proposes)."""
    fields: dict[str, Any] = {
        "title": "Library energy desk",
        "facilitator": "Ana",
        "participants": PEOPLE,
        "proposers": ["Carla"],
        "driver": "Residents cannot get energy advice.",
        "requirement": "One place for free, reliable energy advice.",
        "proposal": "Open a help desk twice a month.",
        "review_date": "2027-03-01",
        "responsibilities": ["Dario: rota"],
        "evaluation_criteria": ["15 visitors per session"],
    }
    fields.update(over)
    return ws.start("consent", "Ana", **fields)


def run_to_check(p: Any) -> None:
    """Drive a consent decision from step 1 to the hidden objection round."""
    p.act("consent_driver", "Ana")
    p.act("present_proposal", "Carla")
    p.act("start_responses", "Ana")
    p.act("check_objections", "Ana")


def all_sign(p: Any, signal: str = "no objection", **special: str) -> None:
    """Every participant signals (``special`` maps a name to its own signal)."""
    for who in PEOPLE:
        p.act("signal", who, signal=special.get(who, signal))
