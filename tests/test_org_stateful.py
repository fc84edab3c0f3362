"""Hypothesis drives role selections (with domain events) and MiTS cycles with random actions.

Invariants: a refused action raises an S3Error and changes neither the journal nor the state; the
journal always verifies; a fresh Workspace opened on the same folder (a full replay) gives exactly
the live state: every process, every role, domain and cycle, every query-side table.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import PEOPLE, fixed_clock
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error
from s3engine.org import domain as org
from s3engine.processes.mits.definition import PHASES
from s3engine.processes.mits.rules import ACTOR_TYPES

EXAMPLES = int(os.environ.get("S3FLOW_STATEFUL_EXAMPLES", "30"))
TEXTS = st.sampled_from(["ok", "A reason.", "", "  ", "x" * 3, "line\nbreak"])
DATES = st.sampled_from(["2027-06-30", "2026-01-01", "2025-12-31", "2028-02-29", "soon", ""])
ANY = st.one_of(
    TEXTS,
    DATES,
    st.booleans(),
    st.integers(-3, 130),
    st.none(),
    st.sampled_from(
        [
            *PEOPLE,
            "Mallory",
            "pass",
            "no objection",
            "possible objection",
            "change the role description",
            "propose another nominee",
            "objector",
            "a1",
            "alpha",
            "next cycle",
            "close",
            "continue",
            "tiny-check",
        ]
    ),
    st.lists(st.sampled_from([*PEOPLE, "alpha", "beta"]), max_size=3),
)


def state_of(ws: Workspace) -> Any:
    """Everything observable: every process's view and data, and every query-side table."""
    procs = {
        pid: (
            p.state,
            p.outcome,
            len(p.history),
            json.dumps(p.data, sort_keys=True, default=str),
            json.dumps(p.view(), sort_keys=True, default=str),
        )
        for pid, p in ws.processes.items()
    }
    return procs, json.dumps(ws.projection.tables, sort_keys=True, default=str)


class Base(RuleBasedStateMachine):
    """Shared attempt / invariant logic."""

    people: list[str] = PEOPLE

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="s3flow-org-"))
        self.ws = Workspace(self.tmp / "ws", clock=fixed_clock())

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def attempt(self, call: Callable[[], Any]) -> bool:
        path = self.ws.journal.path
        before_bytes = path.read_bytes() if path.exists() else b""
        before = state_of(self.ws)
        try:
            call()
        except S3Error:
            after = path.read_bytes() if path.exists() else b""
            assert after == before_bytes
            assert state_of(self.ws) == before
            return False
        assert len(path.read_bytes()) > len(before_bytes)
        return True

    def fill(self, data: st.DataObject, proc: Any, f: Any) -> Any:
        """A value for field ``f``: mostly plausible, sometimes wrong."""
        if data.draw(st.integers(0, 9)) == 0:
            return data.draw(ANY)
        special = self.special(data, proc, f)
        if special is not None:
            return special
        if f.type == "choice":
            return data.draw(st.sampled_from(f.choices)) if f.choices else "x"
        if f.type == "person":
            return data.draw(st.sampled_from(proc.participants))
        if f.type == "people":
            return data.draw(
                st.lists(st.sampled_from(proc.participants), min_size=1, max_size=2, unique=True)
            )
        if f.type == "date":
            return data.draw(DATES.filter(bool))
        if f.type == "bool":
            return data.draw(st.booleans())
        if f.type in ("int", "number"):
            return data.draw(st.integers(-2, 110))
        if f.type == "patterns":
            return data.draw(st.sampled_from([[], ["consent-decision-making"], ["logbook"]]))
        if f.type == "list":
            return data.draw(st.sampled_from([["item"], ["one", "two"]]))
        if f.type == "mapping":
            return {}
        return data.draw(st.sampled_from(["ok", "A reason to record."]))

    def special(self, data: st.DataObject, proc: Any, f: Any) -> Any:
        return None

    def valid_action(self, data: st.DataObject, root: Any) -> None:
        actions = root.available_actions()
        if not actions:
            return
        a = data.draw(st.sampled_from(actions))
        actor = data.draw(st.sampled_from(list(a.who) if a.who else self.people))
        leaf = root.leaf()
        fields = {
            f.name: self.fill(data, leaf, f)
            for f in a.fields
            if f.required or data.draw(st.booleans())
        }
        self.attempt(lambda: root.act(a.name, actor, **fields))

    @invariant()
    def journal_verifies(self) -> None:
        assert self.ws.journal.verify().ok

    @invariant()
    def replay_equals_live(self) -> None:
        again = Workspace(self.ws.path)
        assert state_of(again) == state_of(self.ws)


# -- role selection and domain events -----------------------------------------------------------

RS_ACTIONS = [
    "present_description",
    "nominate",
    "close_nominations",
    "give_reason",
    "start_information",
    "share_information",
    "start_changes",
    "change_nomination",
    "close_changes",
    "propose_nominee",
    "end_without_selection",
    "signal",
    "close_round",
    "test_objection",
    "present_argument",
    "check_disagreement",
    "close_check",
    "propose_amendment",
    "check_amendment",
    "adopt_amendment",
    "drop_argument",
    "accept",
    "decline",
    "celebrate",
    "bogus",
]
RS_FIELDS = [
    "nominee",
    "reason",
    "reasons",
    "information",
    "about",
    "signal",
    "objector",
    "argument",
    "kind",
    "text",
    "from",
    "amended_text",
    "term_end",
    "selected_on",
    "description",
    "how",
    "zzz",
]


class RoleSelectionMachine(Base):
    def __init__(self) -> None:
        super().__init__()
        org.form_circle(self.ws, "Ana", id="core", name="Core", members=PEOPLE)
        org.describe_domain(
            self.ws, "Ana", id="desk", name="Desk", purpose="Advice.", circle="core"
        )
        self.p = self.start()

    def start(self) -> Any:
        return self.ws.start(
            "role-selection",
            "Ana",
            role="Host",
            domain="desk",
            circle="core",
            facilitator="Ana",
            participants=PEOPLE,
            term_end="2027-06-30",
        )

    def special(self, data: st.DataObject, proc: Any, f: Any) -> Any:
        if f.name == "kind" and proc.kind == "resolution":
            return data.draw(
                st.sampled_from(
                    [
                        "propose another nominee",
                        "change the role description",
                        "leave unchanged but monitor",
                    ]
                )
            )
        return None

    @rule(data=st.data())
    def act_validly(self, data: st.DataObject) -> None:
        self.valid_action(data, self.p)

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """The next plausible steps of the selection (or of the child being run)."""
        for _ in range(data.draw(st.integers(1, 4))):
            move = self.next_move(data)
            if move is None:
                return
            name, actor, fields = move
            self.attempt(lambda n=name, a=actor, f=fields: self.p.act(n, a, **f))

    @rule(data=st.data())
    def advance_more(self, data: st.DataObject) -> None:
        self.advance(data)

    def next_move(self, data: st.DataObject) -> tuple[str, str, dict[str, Any]] | None:
        draw = data.draw
        leaf = self.p.leaf()
        s = leaf.state
        people = leaf.participants
        pick = st.sampled_from
        if leaf.kind == "objection-test":
            objector = leaf.data["objector"]
            if s == "present_argument":
                return "present_argument", objector, {}
            if s == "understand_argument":
                return "check_disagreement", "Ana", {}
            if s == "check_disagreement":
                if not leaf.disagreeing and draw(st.booleans()):
                    who = draw(pick([x for x in people if x != objector]))
                    return "disagree", who, {"reason": "It does not hold."}
                return "close_check", "Ana", {}
            if s == "investigate":
                if not leaf.stack[-1].get("counter"):
                    return (
                        "explain_disagreement",
                        leaf.stack[-1]["by"],
                        {"counter_argument": "Because."},
                    )
                return draw(pick(["counter_holds", "counter_fails"])), "Ana", {}
            if s == "integrate":
                if draw(st.booleans()):
                    return "drop_argument", objector, {"keep_as_concern": draw(st.booleans())}
                return "refine_argument", objector, {"argument": "Refined."}
            return None
        if s in ("check", "choose") and leaf.round is not None:
            waiting = [x for x in people if x not in leaf.round["signals"]]
            if s == "check" and waiting:
                sig = draw(pick(["no objection"] * 3 + ["possible objection", "concern"]))
                return "signal", waiting[0], {"signal": sig}
            if s == "check":
                return "close_round", "Ana", {}
            pending = leaf.round.get("pending", [])
            if pending:
                first = leaf.nominee if getattr(leaf, "nominee", None) in pending else pending[0]
                return "test_objection", "Ana", {"objector": first, "argument": "Risky."}
            return None
        if leaf.kind == "resolution":
            if s == "amend":
                kind = draw(
                    pick(
                        [
                            "propose another nominee",
                            "change the role description",
                            "leave unchanged but monitor",
                        ]
                    )
                )
                return (
                    "propose_amendment",
                    "Ana",
                    {
                        "kind": kind,
                        "text": "Amend.",
                        "from": "group",
                        "nominee": draw(pick(people)),
                        "amended_text": "A new description.",
                    },
                )
            if s == "understand":
                return "check_amendment", "Ana", {}
            if s == "celebrate":
                return "adopt_amendment", "Ana", {}
            return None
        if s == "present":
            return "present_description", "Ana", {}
        if s == "nominate":
            waiting = [x for x in people if x not in leaf.slips]
            if not waiting or draw(st.integers(0, 9)) == 0:
                return "close_nominations", "Ana", {}
            return "nominate", waiting[0], {"nominee": draw(pick([*people, "pass"]))}
        if s == "reasons":
            missing = [x for x in people if x not in leaf.reasons]
            if missing and draw(st.booleans()):
                return "give_reason", missing[0], {"reason": "Because."}
            return "start_information", "Ana", {}
        if s == "information":
            if draw(st.booleans()):
                return "share_information", draw(pick(people)), {"information": "Info."}
            return "start_changes", "Ana", {}
        if s == "changes":
            if draw(st.booleans()):
                who = draw(pick(people))
                options = [x for x in [*people, "pass"] if x != leaf.nomination(who)]
                return (
                    "change_nomination",
                    who,
                    {"nominee": draw(pick(options)), "reason": "Heard more."},
                )
            return "close_changes", "Ana", {}
        if s == "propose":
            declined = {d["nominee"] for d in leaf.declined}
            options = [x for x in people if x not in declined]
            if not options or draw(st.integers(0, 12)) == 0:
                return "end_without_selection", "Ana", {"reason": "Nobody fits."}
            fields: dict[str, Any] = {"reasons": "Strong reasons."}
            if not leaf.suggested or draw(st.booleans()):
                fields["nominee"] = draw(pick(options))
            return "propose_nominee", "Ana", fields
        if s == "accept":
            return draw(pick(["accept", "accept", "decline"])), leaf.nominee, {}
        if s == "celebrate":
            return "celebrate", "Ana", {}
        return None

    @rule(
        name=st.sampled_from(RS_ACTIONS),
        actor=st.sampled_from([*PEOPLE, "Mallory", ""]),
        fields=st.dictionaries(st.sampled_from(RS_FIELDS), ANY, max_size=4),
    )
    def act_randomly(self, name: str, actor: str, fields: dict[str, Any]) -> None:
        self.attempt(lambda n=name, a=actor, f=fields: self.p.act(n, a, **f))

    @precondition(lambda self: self.p.finished)
    @rule()
    def select_again(self) -> None:
        self.p = self.start()

    @rule(
        keeper=st.sampled_from([*PEOPLE, "", "x" * 90]),
        term=DATES,
        on=DATES,
        role=st.sampled_from(["Host", "Facilitator", ""]),
    )
    def assign_directly(self, keeper: str, term: str, on: str, role: str) -> None:
        self.attempt(
            lambda: org.assign_role(
                self.ws,
                "Ana",
                role=role,
                keeper=keeper,
                term_end=term,
                selected_on=on,
                circle="core",
            )
        )

    @rule(
        fields=st.dictionaries(
            st.sampled_from(
                [
                    "purpose",
                    "key_challenges",
                    "review_date",
                    "description",
                    "circle",
                    "name",
                    "bogus",
                ]
            ),
            ANY,
            max_size=3,
        )
    )
    def describe_domain(self, fields: dict[str, Any]) -> None:
        self.attempt(lambda: org.describe_domain(self.ws, "Ana", id="desk", **fields))

    @precondition(lambda self: self.ws.projection.get("roles", "core.host") is not None)
    @rule()
    def roles_are_consistent(self) -> None:
        role = self.ws.projection.get("roles", "core.host")
        current = [a for a in org.role_history(self.ws, "core.host") if a["status"] == "current"]
        assert len(current) <= 1
        if role["status"] == "held":
            assert current and current[0]["keeper"] == role["keeper"]


# -- the MiTS cycle -------------------------------------------------------------------------------

TINY = """\
id: tiny-check
name: Tiny check
version: 1
source: Written for the tests.
description: Two sections of two items.
scale: {min: 1, max: 5}
sections:
  - {id: alpha, name: Alpha, items: [{id: a1, text: First}, {id: a2, text: Second}]}
  - {id: beta, name: Beta, items: [{id: b1, text: Third}, {id: b2, text: Fourth}]}
"""
ACTORS = [
    "Town hall | local administration | Luca",
    "Transition group | civil-society organisation | Sara",
    "Energy coop | business | Ivo",
]
MITS_PEOPLE = ["Marta", "Giulia", "Luca", "Sara", "Ivo", "Nadia"]
MITS_ACTIONS = [
    "sign_gate",
    "go_back",
    "assign_tutor",
    "commit_actor",
    "withdraw_actor",
    "add_lit_member",
    "remove_lit_member",
    "link_agreement",
    "choose_instrument",
    "save_scores",
    "submit_scores",
    "complete_evaluation",
    "map_project",
    "choose_critical_area",
    "design_action",
    "drop_action",
    "assign_owner",
    "add_milestone",
    "complete_milestone",
    "report_progress",
    "share_resource",
    "block_action",
    "unblock_action",
    "decide",
    "bogus",
]
MITS_FIELDS = [
    "to",
    "note",
    "phase",
    "reason",
    "tutor",
    "name",
    "type",
    "member",
    "represents",
    "agreement",
    "purpose",
    "action_id",
    "instrument",
    "scores",
    "project",
    "sections",
    "decision",
    "section",
    "title",
    "area",
    "description",
    "owner",
    "milestone",
    "progress",
    "status",
    "driver",
    "provided_by",
    "resource",
    "zzz",
]


class MitsMachine(Base):
    people = MITS_PEOPLE

    def __init__(self) -> None:
        super().__init__()
        self.m = self.ws.start(
            "mits",
            "Marta",
            community="Valverde",
            facilitator="Marta",
            tutor="Giulia",
            actors=ACTORS,
        )
        (self.ws.path / "instruments").mkdir()
        (self.ws.path / "instruments" / "tiny-check.yaml").write_text(TINY, encoding="utf-8")
        self.consents = 0

    def special(self, data: st.DataObject, proc: Any, f: Any) -> Any:
        m = self.m
        actors = [a["name"] for a in m.active_actors()] + ["Nobody"]
        options: dict[str, Any] = {
            "action_id": [a["id"] for a in m.actions] + ["a99"],
            "agreement": [p.id for p in self.ws.roots("consent")] + ["consent-999"],
            "section": ["alpha", "beta", "nope"],
            "area": ["alpha", "beta", "nope"],
            "instrument": ["tiny-check", "participatory-budgeting-criteria", "nope"],
            "represents": actors,
            "provided_by": actors,
            "name": [*actors, "Parents"],
            "member": ["Luca", "Sara", "Ivo", "Nadia"],
            "tutor": ["Giulia", "Pia"],
            "owner": ["Steward", "core.host"],
            "type": [*ACTOR_TYPES, "alien"],
            "milestone": ["M1", "M2"],
            "progress": [0, 50, 100, 130],
        }
        if f.name == "sections":
            return data.draw(
                st.lists(
                    st.sampled_from(["alpha", "beta", "nope"]), min_size=1, max_size=2, unique=True
                )
            )
        if f.name == "milestones":
            return ["M1"]
        if f.name == "scores":
            return data.draw(
                st.dictionaries(
                    st.sampled_from(["a1", "a2", "b1", "b2"]),
                    st.one_of(st.none(), st.integers(0, 6)),
                    min_size=1,
                    max_size=4,
                )
            )
        if f.name in options:
            return data.draw(st.sampled_from(options[f.name]))
        return None

    @rule(data=st.data())
    def act_validly(self, data: st.DataObject) -> None:
        self.valid_action(data, self.m)

    @rule(data=st.data())
    def act_validly_again(self, data: st.DataObject) -> None:
        self.valid_action(data, self.m)

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """The next plausible step of the cycle, so that runs get through every phase."""
        move = self.next_move(data)
        if move is not None:
            name, actor, fields = move
            self.attempt(lambda: self.m.act(name, actor, **fields))

    @rule(data=st.data())
    def advance_more(self, data: st.DataObject) -> None:
        self.advance(data)

    @rule(data=st.data())
    def advance_even_more(self, data: st.DataObject) -> None:
        self.advance(data)

    def agreed_for_cycle(self) -> str:
        """An agreement of this cycle not linked yet (run a consent decision if needed)."""
        linked = {x["agreement"] for x in self.m.links}
        for row in self.ws.projection.all("agreements"):
            if row.get("cycle") == self.m.id and row["id"] not in linked:
                return str(row["id"])
        self.consents -= 1
        self.consent_decision(True, True)
        return self.agreed_for_cycle()

    def next_move(self, data: st.DataObject) -> tuple[str, str, dict[str, Any]] | None:
        draw = data.draw
        pick = st.sampled_from
        m = self.m
        s = m.state
        if m.finished:
            return None
        if s != "preparation" and draw(st.integers(0, 30)) == 0:
            earlier = PHASES[: PHASES.index(s)]
            return "go_back", "Marta", {"phase": draw(pick(earlier)), "reason": "Look again."}
        missing = m.gate_missing()
        if s == "preparation":
            if not m.data.get("tutor"):
                return "assign_tutor", "Marta", {"tutor": "Giulia"}
        elif s == "lit":
            represented = {x["actor"] for x in m.lit}
            for a in m.active_actors():
                if a["name"] not in represented:
                    member = a["representative"] or "Nadia"
                    if any(x["member"] == member for x in m.lit):
                        member = f"{member} Jr"
                    return "add_lit_member", "Marta", {"member": member, "represents": a["name"]}
            if m.governance is None:
                return (
                    "link_agreement",
                    "Marta",
                    {"agreement": self.agreed_for_cycle(), "purpose": "LIT governance"},
                )
        elif s in ("evaluation", "review"):
            if m.instrument is None:
                return "choose_instrument", "Marta", {"instrument": "tiny-check"}
            ev = m.open_evaluation()
            done_here = any(e["status"] == "complete" for e in m._visit_evaluations())
            need = (s == "evaluation" and m.baseline() is None) or (
                s == "review"
                and not any(
                    e["status"] == "complete" and e["phase"] == "review" and e["cycle"] == m.cycle
                    for e in m.evaluations
                )
            )
            if not done_here and (need or ev is not None):
                members = [x["member"] for x in m.lit]
                todo = [
                    x for x in members if not (ev and ev["responses"].get(x, {}).get("submitted"))
                ]
                if todo and (
                    not ev
                    or not any(r["submitted"] for r in ev["responses"].values())
                    or draw(st.booleans())
                ):
                    scores = draw(
                        st.dictionaries(
                            pick(["a1", "a2", "b1", "b2"]),
                            st.one_of(st.none(), st.integers(1, 5)),
                            min_size=1,
                            max_size=4,
                        )
                    )
                    action = draw(pick(["save_scores", "submit_scores", "submit_scores"]))
                    return action, todo[0], {"scores": scores}
                return "complete_evaluation", "Marta", {}
            if s == "evaluation" and draw(st.integers(0, 3)) == 0:
                return (
                    "map_project",
                    "Marta",
                    {
                        "project": draw(pick(["Desk", "Garden"])),
                        "sections": draw(
                            st.lists(pick(["alpha", "beta"]), min_size=1, max_size=2, unique=True)
                        ),
                        "decision": draw(pick(["continue", "invest more", "stop"])),
                    },
                )
            if s == "review" and m.decision() is None:
                return (
                    "decide",
                    "Marta",
                    {
                        "decision": draw(
                            pick(["next cycle", "close"] if m.cycle < 3 else ["close"])
                        ),
                        "reason": "We agreed.",
                    },
                )
        elif s == "co_design":
            if not m.critical_areas():
                return "choose_critical_area", "Marta", {"section": draw(pick(["alpha", "beta"]))}
            mine = [a for a in m.actions if a["cycle"] == m.cycle]
            if not mine or draw(st.integers(0, 5)) == 0:
                return (
                    "design_action",
                    "Sara",
                    {
                        "title": "Act",
                        "area": draw(pick(m.critical_areas())),
                        "description": "Do it.",
                        "milestones": ["M1"],
                    },
                )
            designed = [a for a in mine if a["status"] == "designed"]
            if designed and not any(a["agreement"] for a in mine):
                return (
                    "link_agreement",
                    "Marta",
                    {
                        "agreement": self.agreed_for_cycle(),
                        "purpose": "action",
                        "action_id": designed[0]["id"],
                    },
                )
        elif s == "co_implementation":
            mine = [a for a in m.actions if a["cycle"] == m.cycle and a["agreement"]]
            for a in mine:
                if not a["owner"]:
                    return "assign_owner", "Marta", {"action_id": a["id"], "owner": "Steward"}
            live = [a for a in m.actions if a["status"] in ("adopted", "in progress", "blocked")]
            if live and (missing or draw(st.booleans())):
                a = draw(pick(live))
                if a["status"] == "blocked":
                    return "unblock_action", "Ivo", {"action_id": a["id"], "note": "Solved."}
                choice = draw(
                    pick(
                        [
                            "report_progress",
                            "report_progress",
                            "block_action",
                            "share_resource",
                            "complete_milestone",
                        ]
                    )
                )
                fields = {"action_id": a["id"]}
                if choice == "report_progress":
                    fields["progress"] = draw(st.integers(0, 100))
                elif choice == "block_action":
                    fields["driver"] = "Stuck."
                elif choice == "share_resource":
                    fields.update(resource="Room", provided_by="Town hall")
                else:
                    fields["milestone"] = "M1"
                return choice, "Ivo", fields
        return "sign_gate", "Giulia", {}

    @rule(
        name=st.sampled_from(MITS_ACTIONS),
        actor=st.sampled_from([*MITS_PEOPLE, "", "Zed"]),
        fields=st.dictionaries(st.sampled_from(MITS_FIELDS), ANY, max_size=4),
    )
    def act_randomly(self, name: str, actor: str, fields: dict[str, Any]) -> None:
        self.attempt(lambda: self.m.act(name, actor, **fields))

    @precondition(lambda self: self.consents < 4)
    @rule(own_cycle=st.booleans(), finish=st.booleans())
    def consent_decision(self, own_cycle: bool, finish: bool) -> None:
        """A consent decision for the cycle (or not), agreed (or left running)."""
        self.consents += 1
        extra = {"cycle": self.m.id} if own_cycle else {}
        p = self.ws.start(
            "consent",
            "Marta",
            title="T",
            facilitator="Marta",
            participants=["Marta", "Luca"],
            driver="d",
            requirement="r",
            proposal="p",
            review_date="2027-01-01",
            **extra,
        )
        if finish:
            for a in ("consent_driver", "present_proposal", "start_responses", "check_objections"):
                p.act(a, "Marta")
            for who in p.participants:
                p.act("signal", who, signal="no objection")
            p.act("celebrate", "Marta")
            p.act("record_agreement", "Marta")

    @invariant()
    def cycle_is_consistent(self) -> None:
        m = self.m
        done = m.completed()
        if done:
            assert done[0]["baseline"] and m.data["baseline"] == done[0]["id"]
            assert all(not e["baseline"] for e in done[1:])
        assert all(a["agreement"] for a in m.actions if a["status"] not in ("designed", "dropped"))
        row = self.ws.projection.get("cycles", m.id)
        assert row["state"] == m.state and row["cycle"] == m.cycle


SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
RoleSelectionMachine.TestCase.settings = SETTINGS
MitsMachine.TestCase.settings = SETTINGS
TestRoleSelectionStateful = RoleSelectionMachine.TestCase
TestMitsStateful = MitsMachine.TestCase
