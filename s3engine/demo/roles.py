"""Scripted demonstration of role selection (``s3flow demo --scenario roles``).

A circle and a domain are recorded, then a complete Role Selection runs — secret nominations
revealed together, reasons, information, one changed nomination, a proposal, one objection that
qualifies and is resolved by changing the role description — and the role assignment is printed
with its term and the nominations with their reasons.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.org``, ``s3engine.reports``,
``s3engine.demo.steps``.
"""

from __future__ import annotations

from s3engine.core.workspace import Workspace
from s3engine.demo.steps import Out, stepper
from s3engine.org import domain as org
from s3engine.reports.text import format_role

PEOPLE = ["Marta", "Luca", "Sara", "Ivo", "Nadia"]


def roles(ws: Workspace, out: Out = print) -> str:
    """Run the role selection scenario.

    Args:
        ws: The workspace (the circle and domain are recorded unless it has them already).
        out: Where the narration goes.

    Returns:
        The id of the role assigned.
    """
    fac = PEOPLE[0]
    if ws.projection.get("circles", "energy-team") is None:
        org.form_circle(
            ws,
            fac,
            id="energy-team",
            name="Energy team",
            kind="team",
            purpose="Help households cut energy use and bills.",
            members=PEOPLE,
        )
    if ws.projection.get("domains", "energy-desk-host") is None:
        org.describe_domain(
            ws,
            fac,
            id="energy-desk-host",
            name="Energy desk host",
            circle="energy-team",
            purpose="Residents get reliable, free energy advice in one place.",
            key_responsibilities=[
                "Open the desk twice a month",
                "Keep the volunteer rota",
                "Log questions and advice given",
            ],
            customers_and_deliverables=["Households: advice and follow-up"],
            delegator="Energy team",
            delegatees=["Energy desk host"],
            delegator_responsibilities=["Provide the room and publicity"],
            competencies=["Listening", "Basic knowledge of retrofits and tariffs"],
            key_metrics=["Households advised per session"],
            evaluation_schedule=["Monthly: look at the log with the team"],
            review_date="2027-03-31",
            authors=[fac],
        )
        out("Recorded the circle energy-team and the domain energy-desk-host (version 1).")
    p = ws.start(
        "role-selection",
        fac,
        role="Energy desk host",
        domain="energy-desk-host",
        circle="energy-team",
        facilitator=fac,
        participants=PEOPLE,
        term_end="2027-12-31",
        review_date="2027-06-30",
        role_kind="role",
    )
    out(f"Started role selection {p.id}: {p.title}")
    step = stepper(p, out)
    step("present_description", fac)
    slips = {"Marta": "Sara", "Luca": "Sara", "Sara": "Sara", "Ivo": "pass", "Nadia": "Luca"}
    for who, nominee in slips.items():
        step("nominate", who, nominee=nominee)
    reasons = {
        "Marta": "Sara already answers neighbours' energy questions and is patient.",
        "Luca": "Sara knows the tariffs and the retrofit grants.",
        "Sara": "I have time on Saturdays and want to learn more.",
        "Ivo": "I passed: I do not know everyone's availability.",
        "Nadia": "Luca works at the town hall and can reach households.",
    }
    for who, reason in reasons.items():
        step("give_reason", who, reason=reason)
    step("start_information", fac)
    step(
        "share_information",
        "Luca",
        about="Luca",
        information="I cannot be at the desk on Saturdays before June.",
    )
    step("start_changes", fac)
    step(
        "change_nomination",
        "Nadia",
        nominee="Sara",
        reason="Luca is not free on Saturdays; Sara is.",
    )
    step("close_changes", fac)
    step(
        "propose_nominee",
        fac,
        nominee="Sara",
        reasons="Four nominations with strong reasons: knowledge, patience and time.",
    )
    for who in PEOPLE:
        step("signal", who, signal="possible objection" if who == "Ivo" else "no objection")
    step(
        "test_objection",
        fac,
        objector="Ivo",
        argument="The description says twice a month but not how long a session is; the host "
        "could burn out.",
    )
    step("present_argument", "Ivo")
    step("check_disagreement", fac)
    step("close_check", fac)
    step(
        "propose_amendment",
        fac,
        kind="change the role description",
        **{"from": "objector"},
        text="Limit sessions to three hours and add a deputy.",
        amended_text="Residents get reliable, free energy advice in one place. The host opens "
        "the desk twice a month for at most three hours, with a deputy from the "
        "energy team, keeps the volunteer rota and logs questions and advice.",
    )
    step("check_amendment", fac)
    for who in PEOPLE:
        step("signal", who, signal="no objection")
    step("adopt_amendment", fac)
    for who in PEOPLE:
        step("signal", who, signal="no objection")
    step("accept", "Sara", note="Happy to, with a deputy.")
    step("celebrate", fac)
    role = ws.projection.get("roles", p.data["role_id"])
    assert role is not None
    out("")
    out(format_role(role))
    return str(role["id"])
