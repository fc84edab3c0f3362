"""Scripted demonstrations (``s3flow demo --scenario consent|roles|mits``).

The consent scenario runs a full consent decision: one possible objection is tested, qualifies and
is resolved by an amendment; another argument does not qualify and is kept as a concern; consent is
reached and the agreement is printed as a readable record.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from s3engine.core.workspace import Workspace

Out = Callable[[str], Any]


def consent(ws: Workspace, out: Out = print) -> str:
    """Run the consent scenario; return the agreement id."""
    people = [
        "Giulia (tutor)",
        "Marco (municipality)",
        "Sara (civil society)",
        "Luis (energy coop)",
    ]
    fac = people[0]
    p = ws.start(
        "consent",
        fac,
        title="Energy help desk at the library",
        facilitator=fac,
        participants=people,
        proposers=[people[2]],
        driver="Households ask the municipality for help with energy bills and retrofits, but "
        "nobody has time to answer; many give up.",
        requirement="Residents need one place where they get reliable, free energy advice.",
        proposal="Open an energy help desk at the public library two evenings a month, staffed "
        "by trained volunteers from the energy cooperative.",
        responsibilities=["Luis: volunteer rota", "Marco: library room and publicity"],
        review_date="2027-06-30",
        evaluation_criteria=[
            "At least 15 households advised per evening",
            "Follow-up survey shows action taken by half of them",
        ],
        patterns=["consent-decision-making", "resolve-objections"],
    )
    out(f"Started consent decision {p.id}: {p.title}")

    def step(action: str, actor: str, **f: Any) -> None:
        p.act(action, actor, **f)
        leaf = p.leaf()
        out(f"  {actor:<22} {action:<22} -> {leaf.definition.title}: {leaf.step.title}")

    step("consent_driver", fac)
    step("present_proposal", people[2])
    step(
        "ask_question",
        people[1],
        question="Who trains the volunteers?",
        answer="The cooperative's engineers, in two sessions.",
    )
    step("start_responses", fac)
    for who in people:
        step("respond", who, response="Sounds useful; I can help.")
    step("check_objections", fac)
    step("signal", people[0], signal="no objection")
    step("signal", people[1], signal="possible objection")
    step("signal", people[2], signal="no objection")
    step("signal", people[3], signal="possible objection")
    # Marco's argument qualifies: it is resolved by an amendment.
    step(
        "test_objection",
        fac,
        objector=people[1],
        argument="The library closes at 19:00 on weekdays; evening sessions would need a "
        "caretaker we cannot pay for.",
    )
    step(
        "present_argument",
        people[1],
        premises=["The library closes at 19:00 on weekdays", "No budget for a caretaker"],
        conclusion="Therefore the desk cannot run in the evening as proposed.",
    )
    step("check_disagreement", fac)
    step("close_check", fac)
    step(
        "propose_amendment",
        fac,
        kind="change the proposal",
        **{"from": "objector"},
        text="Hold the desk on Saturday mornings, when the library is staffed.",
        amended_text="Open an energy help desk at the public library two Saturday mornings a "
        "month, staffed by trained volunteers from the energy cooperative.",
    )
    step("check_amendment", fac)
    for who in people:
        step("signal", who, signal="no objection")
    step("adopt_amendment", fac)
    # The check runs again on the amended proposal.
    step("signal", people[0], signal="no objection")
    step("signal", people[1], signal="no objection")
    step("signal", people[2], signal="no objection")
    step("signal", people[3], signal="possible objection")
    # Luis's argument does not qualify: it is kept as a concern.
    step(
        "test_objection",
        fac,
        objector=people[3],
        argument="Volunteers may lose motivation after a few months.",
    )
    step("present_argument", people[3])
    step("check_disagreement", fac)
    step("disagree", people[2], reason="That is a guess; the rota and the review date cover it.")
    step("close_check", fac)
    step(
        "explain_disagreement",
        people[2],
        counter_argument="Nothing shows motivation will drop; the review in June will tell.",
    )
    step("counter_holds", fac)
    step(
        "drop_argument",
        people[3],
        keep_as_concern=True,
        concern="Volunteer motivation may fade after a few months.",
    )
    for who in people:
        step("signal", who, signal="no objection")
    step("celebrate", fac)
    step("record_agreement", fac)
    out("")
    from s3engine.reports.text import format_agreement

    agreement = ws.projection.get("agreements", p.id)
    assert agreement is not None
    out(format_agreement(agreement))
    return p.id


def _lazy(module: str, name: str) -> Callable[[Workspace, Out], Any]:
    def run(ws: Workspace, out: Out = print) -> Any:
        import importlib

        return getattr(importlib.import_module(module), name)(ws, out)

    return run


SCENARIOS: dict[str, Callable[[Workspace, Out], Any]] = {
    "consent": consent,
    "roles": _lazy("s3engine.demo.roles", "roles"),
    "mits": _lazy("s3engine.demo.mits", "mits"),
}
