"""Hypothesis drives consent decisions with random valid and invalid actions.

Invariants: a refused action raises an S3Error and changes neither the journal nor the state; the
journal always verifies; replaying the journal in a fresh workspace gives the live state. The
machine runs on the folder store and (with fewer examples) on the PostgreSQL store.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from conftest import PEOPLE, fixed_clock
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from pg_support import StoreCase

from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error

EXAMPLES = int(os.environ.get("S3FLOW_STATEFUL_EXAMPLES", "60"))

TEXT = st.sampled_from(["ok", "Too costly", "Once a month.", "x" * 3, "", "2027-02-30"])
VALUES = st.one_of(
    TEXT,
    st.sampled_from(
        [
            *PEOPLE,
            "Mallory",
            "no objection",
            "possible objection",
            "concern",
            "change the proposal",
            "objector",
            "2027-05-01",
        ]
    ),
    st.booleans(),
    st.integers(-2, 5),
    st.lists(st.sampled_from(PEOPLE), max_size=3),
)


def snapshot(ws: Workspace) -> Any:
    return {pid: (p.state, repr(p.data), len(p.history)) for pid, p in ws.processes.items()}


class ConsentMachine(RuleBasedStateMachine):
    #: A PostgreSQL workspace to make each example's workspace beside (None: a folder).
    pg: StoreCase | None = None
    made = 0

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="s3flow-hyp-"))
        where = str(self.tmp / "ws")
        if self.pg is not None:
            ConsentMachine.made += 1
            where = self.pg.another(f"h{ConsentMachine.made}").location
        self.ws = Workspace(where, clock=fixed_clock())
        self.p = self.ws.start(
            "consent",
            "Ana",
            title="T",
            facilitator="Ana",
            participants=PEOPLE,
            proposers=["Carla"],
            driver="d",
            requirement="r",
            proposal="p",
            review_date="2027-01-01",
        )

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    @rule(data=st.data())
    def valid_action(self, data: st.DataObject) -> None:
        actions = self.p.available_actions()
        if not actions:
            return
        a = data.draw(st.sampled_from(actions))
        actor = data.draw(st.sampled_from(list(a.who) if a.who else PEOPLE))
        fields: dict[str, Any] = {}
        for f in a.fields:
            if not f.required and data.draw(st.booleans()):
                continue
            if f.type == "choice":
                fields[f.name] = data.draw(st.sampled_from(f.choices)) if f.choices else "x"
            elif f.type == "person":
                fields[f.name] = data.draw(st.sampled_from(PEOPLE))
            elif f.type == "people":
                fields[f.name] = data.draw(
                    st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3, unique=True)
                )
            elif f.type == "date":
                fields[f.name] = "2027-06-01"
            elif f.type == "bool":
                fields[f.name] = data.draw(st.booleans())
            elif f.type in ("list", "patterns"):
                fields[f.name] = [] if f.type == "patterns" else ["item"]
            elif f.type in ("int", "number"):
                fields[f.name] = 1
            else:
                fields[f.name] = "some text"
        self._attempt(a.name, actor, fields)

    @rule(
        name=st.sampled_from(
            [
                "consent_driver",
                "signal",
                "close_round",
                "test_objection",
                "present_argument",
                "close_check",
                "propose_amendment",
                "adopt_amendment",
                "celebrate",
                "record_agreement",
                "disagree",
                "counter_holds",
                "drop_argument",
                "bogus",
                "respond",
            ]
        ),
        actor=st.sampled_from([*PEOPLE, "Mallory", ""]),
        fields=st.dictionaries(
            st.sampled_from(
                [
                    "signal",
                    "objector",
                    "argument",
                    "kind",
                    "text",
                    "from",
                    "reason",
                    "keep_as_concern",
                    "to",
                    "amended_text",
                    "response",
                    "zzz",
                ]
            ),
            VALUES,
            max_size=4,
        ),
    )
    def random_action(self, name: str, actor: str, fields: dict[str, Any]) -> None:
        self._attempt(name, actor, fields)

    def _attempt(self, name: str, actor: str, fields: dict[str, Any]) -> None:
        before_bytes = self.ws.journal.export_bytes()
        before = snapshot(self.ws)
        try:
            self.p.act(name, actor, **fields)
        except S3Error:
            assert self.ws.journal.export_bytes() == before_bytes
            assert snapshot(self.ws) == before
        else:
            assert len(self.ws.journal.export_bytes()) > len(before_bytes)

    @invariant()
    def journal_verifies(self) -> None:
        assert self.ws.journal.verify().ok

    @precondition(lambda self: True)
    @invariant()
    def replay_equals_live(self) -> None:
        again = Workspace(self.ws.target)
        assert snapshot(again) == snapshot(self.ws)
        assert again.get(self.p.id).view() == self.p.view()
        assert again.projection.tables == self.ws.projection.tables


ConsentMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestConsentStateful = ConsentMachine.TestCase


class PgConsentMachine(ConsentMachine):
    """The same machine on the PostgreSQL journal store (a real server, tests/pg_support.py)."""


def test_consent_stateful_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    PgConsentMachine.pg = StoreCase("pg", pg_url, tmp_path / "pg-state")
    run_state_machine_as_test(
        PgConsentMachine,
        settings=settings(
            max_examples=max(6, EXAMPLES // 10),
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
