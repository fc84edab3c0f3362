"""Hostile and broken input: fuzzed CLI arguments, whole-workspace export/import, generic
stateful tests for the processes not covered elsewhere.

Export/import runs between every pair of journal stores (folder and PostgreSQL); the stateful
tests run on both stores (``tests/pg_support.py`` starts the real PostgreSQL server).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from conftest import PEOPLE, fixed_clock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pg_support import StoreCase

from s3engine.cli.main import main
from s3engine.core.workspace import Workspace, open_journal, resolve_path
from s3engine.errors import S3Error

EXAMPLES = int(os.environ.get("S3FLOW_STATEFUL_EXAMPLES", "60"))
WORDS = [
    "init",
    "demo",
    "log",
    "verify",
    "repair",
    "rebuild",
    "agreements",
    "start",
    "act",
    "status",
    "patterns",
    "search",
    "show",
    "import",
    "export",
    "roles",
    "mits",
    "report",
    "--json",
    "--due-before",
    "2027-01-01",
    "x",
    "../../etc/passwd",
    "-o",
    "=",
    "a=b",
    "consent",
    "consent-1",
    "signal",
    "--as",
    "Ana",
    "--scenario",
    "\x00",
    "é" * 50,
    "--workspace",
    "title=<script>alert(1)</script>",
    "participants=Ana",
]


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse --help
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@settings(
    max_examples=EXAMPLES * 2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    args=st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=6).filter(
        lambda a: not any(x in ("lab", "app", "bench") for x in a)
    )
)  # these start servers / run long
def test_fuzzed_cli_arguments_give_typed_errors_and_stay_in_the_workspace(args: list[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        ws = root / "ws"
        cwd = os.getcwd()
        os.chdir(root)
        try:
            code, _out, err = run(
                [*args, "--workspace", str(ws)] if "--workspace" not in args else args
            )
        finally:
            os.chdir(cwd)
        assert code in (0, 1, 2), (args, code)
        assert "Traceback" not in err
        outside = {p.name for p in root.iterdir()} - {"ws", "s3flow-workspace"}
        assert not {
            n
            for n in outside
            if not n.endswith((".ipynb", ".jsonl", ".html", ".md", ".json", ".png", ".svg"))
        }, outside


def _stored(location: str) -> int:
    """How many events the workspace at ``location`` holds."""
    return len(open_journal(resolve_path(location)).raw_events())


@pytest.mark.parametrize("route", ["file-file", "pg-file", "file-pg"])
def test_export_import_whole_workspace_is_lossless(
    route: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    def place(kind: str, name: str) -> str:
        if kind == "file":
            return str(tmp_path / name)
        pg = StoreCase("pg", request.getfixturevalue("pg_url"), tmp_path / "pg-state")
        return pg.another(name).location

    from_kind, to_kind = route.split("-")
    src = place(from_kind, "a")
    dest = {n: place(to_kind, n) for n in "bcd"}
    for scenario in ("consent", "roles", "mits"):
        assert main(["demo", "--scenario", scenario, "-w", src]) == 0
    ws = Workspace(src)
    tension = ws.start("tension", "Bo", tension="Bins overflow", facilitator="Bo")
    tension.act("assess", "Bo")
    ws.close()
    file = tmp_path / "export.jsonl"
    note = tmp_path / "checkpoint.txt"
    assert main(["checkpoint", "-w", src, "-o", str(note)]) == 0
    assert main(["export", "-w", src, "-o", str(file)]) == 0
    assert main(["import", str(file), "-w", dest["b"]]) == 0
    assert "Checkpoint verified" in capsys.readouterr().out
    assert main(["verify", "-w", dest["b"]]) == 0
    assert main(["verify", "--checkpoint", str(note), "-w", dest["b"]]) == 0  # still vouches
    capsys.readouterr()
    a, b = Workspace(src, use_snapshot=False), Workspace(dest["b"], use_snapshot=False)
    assert a.projection.tables == b.projection.tables
    assert {k: (p.state, p.data) for k, p in a.processes.items()} == {
        k: (p.state, p.data) for k, p in b.processes.items()
    }
    for cmd in (["agreements", "--json", "--all"], ["roles", "--json"], ["log", "--json"]):
        main([*cmd, "-w", src])
        one = capsys.readouterr().out
        main([*cmd, "-w", dest["b"]])
        assert capsys.readouterr().out == one
    # the journal itself travels byte for byte, whichever store holds it
    assert (
        open_journal(resolve_path(dest["b"])).export_bytes() == file.read_bytes().split(b"\n", 1)[1]
    )
    # importing the same file again is a no-op; into another journal, or a damaged file: refused
    assert main(["import", str(file), "-w", dest["b"]]) == 0
    assert main(["init", "-w", dest["d"]]) == 0
    assert main(["import", str(file), "-w", dest["d"]]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text(file.read_text().replace("Energy", "Enerxy", 1))
    assert main(["import", str(bad), "-w", dest["c"]]) == 2
    assert _stored(dest["c"]) == 0


STARTS: dict[str, dict[str, Any]] = {
    "proposal-forming": {
        "title": "Garden",
        "facilitator": "Ana",
        "participants": PEOPLE,
        "driver": "d",
        "requirement": "r",
    },
    "tension": {"tension": "Bins overflow", "facilitator": "Ana", "participants": PEOPLE},
    "evaluate": {"agreement": "consent-1", "facilitator": "Ana", "participants": PEOPLE},
}


def draw_value(f: Any, data: st.DataObject) -> Any:
    return {
        "choice": lambda: data.draw(st.sampled_from(f.choices)) if f.choices else "x",
        "person": lambda: data.draw(st.sampled_from(PEOPLE)),
        "people": lambda: data.draw(
            st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3, unique=True)
        ),
        "date": lambda: data.draw(st.sampled_from(["2027-06-01", "2020-01-01"])),
        "bool": lambda: data.draw(st.booleans()),
        "list": lambda: [data.draw(st.sampled_from(["1", "2", "x"]))],
        "patterns": lambda: [],
        "int": lambda: data.draw(st.integers(-1, 3)),
        "number": lambda: 1.5,
    }.get(f.type, lambda: data.draw(st.sampled_from(["text", "<b>x</b>"])))()


def fill(fields: Any, data: st.DataObject) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        if not f.required and data.draw(st.booleans()):
            continue
        out[f.name] = draw_value(f, data)
    return out


@pytest.mark.parametrize("kind", sorted(STARTS))
def test_stateful_generic_processes(kind: str, store: StoreCase) -> None:
    made = iter(range(10**6))

    class Machine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.tmp = Path(tempfile.mkdtemp())
            n = next(made)
            where = (
                str(self.tmp / "ws") if store.kind == "file" else store.another(f"m{n}").location
            )
            self.ws = Workspace(where, clock=fixed_clock())
            if kind == "evaluate":
                c = self.ws.start(
                    "consent",
                    "Ana",
                    title="T",
                    facilitator="Ana",
                    participants=PEOPLE,
                    driver="d",
                    requirement="r",
                    proposal="p",
                    review_date="2027-01-01",
                )
                c.act("consent_driver", "Ana")
                c.act("present_proposal", "Ana")
                c.act("start_responses", "Ana")
                c.act("check_objections", "Ana")
                for who in PEOPLE:  # the round reveals itself after the last signal
                    c.act("signal", who, signal="no objection")
                c.act("celebrate", "Ana")
                c.act("record_agreement", "Ana")
            self.p = self.ws.start(kind, "Ana", **STARTS[kind])

        def teardown(self) -> None:
            shutil.rmtree(self.tmp, ignore_errors=True)

        def state(self) -> Any:
            return {
                k: (p.state, repr(p.data), len(p.history)) for k, p in self.ws.processes.items()
            }

        @rule(data=st.data(), valid=st.booleans())
        def act(self, data: st.DataObject, valid: bool) -> None:
            acts = self.p.available_actions()
            if valid and acts:
                a = data.draw(st.sampled_from(acts))
                name, fields = a.name, fill(a.fields, data)
                actor = data.draw(st.sampled_from(list(a.who) if a.who else PEOPLE))
            else:
                name = data.draw(
                    st.sampled_from([a.name for a in self.p.leaf().definition.actions])
                )
                actor = data.draw(st.sampled_from([*PEOPLE, "Mallory"]))
                fields = fill(self.p.leaf().definition.action_map[name].fields, data)
            before, raw = self.state(), self.ws.journal.export_bytes()
            try:
                self.p.act(name, actor, **fields)
            except S3Error:
                assert self.state() == before and self.ws.journal.export_bytes() == raw

        @invariant()
        def replay_equals_live(self) -> None:
            assert self.ws.journal.verify().ok
            again = Workspace(self.ws.target)
            assert {
                k: (p.state, repr(p.data), len(p.history)) for k, p in again.processes.items()
            } == self.state()
            assert again.projection.tables == self.ws.projection.tables

    Machine.TestCase.settings = settings(
        max_examples=max(10, EXAMPLES // 3) if store.kind == "file" else max(5, EXAMPLES // 10),
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    Machine.TestCase().runTest()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    payload=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda c: (
                st.lists(c, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        [
                            "cells",
                            "metadata",
                            "nbformat",
                            "nbformat_minor",
                            "source",
                            "cell_type",
                            "s3flow",
                            "pattern",
                            "id",
                        ]
                    )
                    | st.text(max_size=5),
                    c,
                    max_size=5,
                )
            ),
            max_leaves=25,
        ).map(lambda o: json.dumps(o).encode()),
    )
)
def test_fuzzed_pattern_notebooks_raise_typed_errors_only(payload: bytes) -> None:
    from s3engine.patterns.notebook import import_notebooks

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.ipynb"
        path.write_bytes(payload)
        ws = Workspace(Path(d) / "ws")
        with contextlib.suppress(S3Error):
            import_notebooks(ws, [path], actor="fuzz")
        assert ws.journal.verify().ok
        assert sorted(p.name for p in Path(d).iterdir()) in (["ws", "x.ipynb"], ["x.ipynb"])
