"""Scripted demonstration of a two-cycle MiTS run (``s3flow demo --scenario mits``).

One community's MiTS process through two cycles — preparation, the Local Implementation Team with
its governance consent decision, the baseline evaluation (one member's partial draft resumed
later), project mapping, co-design with actions adopted by consent, co-implementation with
progress and one blocked action raising a driver, review with a second evaluation, the next cycle,
a second review, and closing — then the cycle report is printed.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.org``, ``s3engine.processes.mits``,
``s3engine.reports``, ``s3engine.demo.steps``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from s3engine.core.workspace import Workspace
from s3engine.demo.steps import Out, stepper
from s3engine.org import domain as org
from s3engine.processes.mits.cycle import MitsCycle
from s3engine.processes.mits.schema import Instrument

TUTOR = "Giulia"
LIT = [
    ("Luca", "Town hall of Valverde"),
    ("Paolo", "Town hall of Valverde"),
    ("Sara", "Valverde in Transition"),
    ("Ivo", "Sun Energy Cooperative"),
    ("Nadia", "Parents of Via Roma school"),
]
INSTRUMENT = "collaborative-governance-health-check"
# Mean level per section at the baseline; the critical areas improve in later evaluations.
BASE = {
    "strategy": 3,
    "governance": 2,
    "outcomes-and-accountability": 3,
    "funding-and-commissioning": 2,
    "culture-change": 3,
    "delivery": 4,
    "data-and-evaluation": 2,
    "learning-platforms": 3,
    "communications": 3,
    "co-production-tier": 2,
    "good-governance": 3,
    "conditions-and-risks": 3,
}
GAIN = {
    2: {"governance": 1, "data-and-evaluation": 1, "funding-and-commissioning": 0},
    3: {
        "governance": 2,
        "data-and-evaluation": 1,
        "funding-and-commissioning": 1,
        "co-production-tier": 1,
    },
}


def scores(inst: Instrument, evaluation: int, member: int) -> dict[str, Any]:
    """Deterministic demo scores for one member (some items left blank).

    Args:
        inst: The instrument.
        evaluation: Which evaluation of the run (1 is the baseline; later ones score higher in
            the critical areas, see ``GAIN``).
        member: The member's position in the LIT.

    Returns:
        ``{item_id: score or None}``.
    """
    out: dict[str, Any] = {}
    k = 0
    for s in inst.sections:
        level = BASE.get(s.id, 3) + GAIN.get(evaluation, {}).get(s.id, 0)
        for item in s.items:
            k += 1
            if (k * 7 + member) % 13 == 0:
                out[item.id] = None
                continue
            out[item.id] = max(inst.scale_min, min(inst.scale_max, level + (k + member) % 3 - 1))
    return out


def _sections(m: MitsCycle) -> Callable[..., str]:
    """Section ids of the chosen instrument: the preferred one if it has it, else a weak one.

    Keeps the scenario running if the shipped instrument's sections are renamed.
    """
    ids = [s.id for s in m.inst.sections]

    def sec(preferred: str, critical: bool = False) -> str:
        if preferred in ids:
            return preferred
        chosen = set(m.critical_areas())
        weak: list[str] = [
            p["section"] for p in m.proposed_critical_areas() if p["section"] not in chosen
        ]
        return weak[0] if critical and weak else ids[0]

    return sec


def agree(
    ws: Workspace,
    fac: str,
    people: list[str],
    title: str,
    proposal: str,
    cycle: str,
    out: Out,
    **extra: Any,
) -> str:
    """Run a short consent decision for the cycle (no objections).

    Args:
        ws: The workspace.
        fac: The facilitator.
        people: The participants.
        title: The decision's title.
        proposal: The proposal consented to.
        cycle: The MiTS process the agreement belongs to.
        out: Where the narration goes.
        **extra: More start fields (driver, requirement, patterns, review_date ...).

    Returns:
        The agreement id (the consent process's id).
    """
    p = ws.start(
        "consent",
        fac,
        title=title,
        facilitator=fac,
        participants=people,
        cycle=cycle,
        review_date=extra.pop("review_date", "2027-06-30"),
        proposal=proposal,
        **extra,
    )
    p.act("consent_driver", fac)
    p.act("present_proposal", fac)
    p.act("start_responses", fac)
    p.act("check_objections", fac)
    for who in p.participants:
        p.act("signal", who, signal="no objection")
    p.act("celebrate", fac)
    p.act("record_agreement", fac)
    out(f"  consent decision {p.id} '{title}': {p.outcome}")
    return p.id


def evaluate(m: MitsCycle, n: int, out: Out, resume: bool = False) -> None:
    """Every LIT member scores, then the evaluation is completed.

    Args:
        m: The MiTS process.
        n: Which evaluation of the run (see :func:`scores`).
        out: Where the narration goes.
        resume: The first member saves half the items as a draft, and submits the rest after
            everyone else.
    """
    members = [x["member"] for x in m.lit]
    for j, who in enumerate(members):
        mine = scores(m.inst, n, j)
        if resume and j == 0:
            ids = list(mine)
            half = len(ids) // 2
            m.act(
                "save_scores",
                who,
                scores={i: mine[i] for i in ids[:half]},
                note="Saved half; the rest after asking colleagues.",
            )
            out(f"  {who:<8} save_scores            -> draft with {half} of {len(ids)} items")
            continue
        m.act("submit_scores", who, scores=mine)
    if resume:
        who = members[0]
        rest = scores(m.inst, n, 0)
        ids = list(rest)
        m.act("submit_scores", who, scores={i: rest[i] for i in ids[len(ids) // 2 :]})
        out(f"  {who:<8} submit_scores          -> draft resumed and submitted")
    m.act("complete_evaluation", "Marta")
    ev = m.completed()[-1]
    overall = ev["aggregate"]["overall"]["mean"]
    out(
        f"  evaluation {ev['id']} complete: {ev['aggregate']['respondents']} respondents, "
        f"overall mean {overall:.2f}" + (" (baseline)" if ev["baseline"] else "")
    )


def mits(ws: Workspace, out: Out = print) -> str:
    """Run the two-cycle MiTS scenario.

    Args:
        ws: The workspace.
        out: Where the narration goes.

    Returns:
        The id of the MiTS process.
    """
    fac = "Marta"
    m = ws.start(
        "mits",
        fac,
        community="Valverde",
        facilitator=fac,
        tutor=TUTOR,
        commitment="Run the MiTS process in Valverde for one year, meeting weekly for the "
        "first six months.",
        actors=[
            "Town hall of Valverde | local administration | Luca",
            "Valverde in Transition | civil-society organisation | Sara",
            "Sun Energy Cooperative | business | Ivo",
            "Parents of Via Roma school | informal group | Nadia",
        ],
    )
    assert isinstance(m, MitsCycle)
    out(f"Started {m.id}: {m.title} (rule: {m.data['rule']['name']})")
    step = stepper(m, out)

    def gate() -> None:
        step("sign_gate", TUTOR)

    gate()
    for member, actor in LIT:
        step("add_lit_member", fac, member=member, represents=actor)
    lit = [x for x, _ in LIT]
    gov = agree(
        ws,
        fac,
        [fac, *lit],
        "How the Valverde LIT works",
        "The LIT meets weekly for six months, then fortnightly; decisions by consent; "
        "Marta facilitates, Nadia keeps the logbook; agreements reviewed every six "
        "months.",
        m.id,
        out,
        driver="Five organisations start working together without agreed ways to decide.",
        requirement="Clear, fair ways to decide and keep track together.",
        patterns=["consent-decision-making", "governance-meeting", "logbook"],
    )
    step("link_agreement", fac, agreement=gov, purpose="LIT governance")
    org.assign_role(
        ws,
        fac,
        role="LIT logbook keeper",
        kind="logbook keeper",
        keeper="Nadia",
        term_end="2027-06-30",
        review_date="2027-01-31",
        how="agreed in the LIT governance decision",
    )
    gate()

    # -- cycle 1: evaluation and diagnosis
    step("choose_instrument", fac, instrument=INSTRUMENT)
    evaluate(m, 1, out, resume=True)
    sec = _sections(m)
    step(
        "map_project",
        fac,
        project="Energy help desk",
        sections=[sec("delivery"), sec("communications")],
        decision="continue",
    )
    step(
        "map_project",
        fac,
        project="School gardens",
        sections=[sec("culture-change")],
        decision="invest more",
    )
    step(
        "map_project",
        fac,
        project="Paper newsletter",
        sections=[sec("communications")],
        decision="stop",
        note="Few readers; replaced by the shared channel.",
    )
    proposed = m.proposed_critical_areas()
    out(
        "  proposed critical areas (weakest, lacking action): "
        + ", ".join(f"{p['section']} ({p['mean']:.2f})" for p in proposed)
    )
    gate()

    # -- co-design
    governance, data = sec("governance", True), sec("data-and-evaluation", True)
    step(
        "choose_critical_area",
        fac,
        section=governance,
        reason="Decisions are not written down where partners can find them.",
    )
    step("choose_critical_area", fac, section=data)
    step(
        "design_action",
        "Sara",
        title="Shared decision log",
        area=governance,
        description="Record every LIT decision with its reasons in one logbook open to all "
        "partners and residents.",
        patterns=["logbook", "record-agreements"],
        actors=["Valverde in Transition", "Town hall of Valverde"],
        milestones=["Logbook template agreed", "First 10 decisions recorded"],
    )
    step(
        "design_action",
        "Ivo",
        title="Energy data dashboard",
        area=data,
        description="Publish monthly energy use of public buildings with the cooperative's meters.",
        patterns=["data-and-evaluation"],
        actors=["Sun Energy Cooperative", "Town hall of Valverde"],
        milestones=["Meters installed", "First monthly report"],
    )
    for aid, title in (
        ("a1", "Adopt the shared decision log"),
        ("a2", "Adopt the energy data dashboard"),
    ):
        act = m.find_action(aid)
        assert act is not None
        agreement = agree(
            ws,
            fac,
            [fac, *lit],
            title,
            act["description"],
            m.id,
            out,
            driver=f"Critical area '{act['area']}' is weak at the baseline.",
            requirement="A first, small action the partners carry out together.",
            patterns=act["patterns"],
        )
        step("link_agreement", fac, agreement=agreement, purpose="action", action_id=aid)
    gate()

    # -- co-implementation
    step("assign_owner", fac, action_id="a1", owner="lit-logbook-keeper")
    step("assign_owner", fac, action_id="a2", owner="Energy data steward")
    step("complete_milestone", "Nadia", action_id="a1", milestone="Logbook template agreed")
    step(
        "report_progress",
        "Nadia",
        action_id="a1",
        progress=60,
        note="Template agreed; six decisions recorded.",
    )
    step(
        "share_resource",
        "Luca",
        action_id="a1",
        resource="Shared drive and meeting room",
        provided_by="Town hall of Valverde",
    )
    step("report_progress", "Ivo", action_id="a2", progress=20, note="Two meters installed.")
    step(
        "block_action",
        "Ivo",
        action_id="a2",
        driver="The town hall's IT rules forbid connecting outside meters to the network, so "
        "the dashboard has no data.",
        requirement="A safe way to read the meters that the IT office accepts.",
    )
    out(f"  driver raised: {m.drivers[-1]['id']}")
    gate()

    # -- review of cycle 1
    evaluate(m, 2, out)
    step(
        "decide",
        fac,
        decision="next cycle",
        reason="Governance improved; data and funding remain weak.",
    )
    gate()

    # -- cycle 2
    step(
        "map_project",
        fac,
        project="Shared decision log",
        sections=[governance],
        decision="continue",
    )
    gate()
    funding = sec("funding-and-commissioning", True)
    step("choose_critical_area", fac, section=funding)
    step(
        "design_action",
        "Paolo",
        title="Pooled small-grants fund",
        area=funding,
        description="The town hall and the cooperative pool a small fund for resident-led "
        "projects, decided by the LIT.",
        patterns=["funding-and-commissioning"],
        actors=["Town hall of Valverde", "Sun Energy Cooperative"],
        milestones=["Fund rules agreed", "First call for projects"],
    )
    fund = m.find_action("a3")
    assert fund is not None
    agreement = agree(
        ws,
        fac,
        [fac, *lit],
        "Adopt the pooled small-grants fund",
        fund["description"],
        m.id,
        out,
        driver="Funding is short-term and split between partners.",
        requirement="Shared, predictable money for small joint projects.",
        patterns=["funding-and-commissioning", "share-costs-and-gains"],
    )
    step("link_agreement", fac, agreement=agreement, purpose="action", action_id="a3")
    gate()
    step(
        "unblock_action",
        "Ivo",
        action_id="a2",
        note="The IT office agreed a read-only gateway for the meters.",
    )
    step("report_progress", "Ivo", action_id="a2", progress=70)
    step("report_progress", "Nadia", action_id="a1", progress=100, note="The log is routine now.")
    step("assign_owner", fac, action_id="a3", owner="Paolo (fund coordinator)")
    step("report_progress", "Paolo", action_id="a3", progress=30, note="Rules drafted.")
    gate()
    evaluate(m, 3, out)
    step(
        "decide",
        fac,
        decision="close",
        reason="The LIT runs on its own now; the tutor's support ends as planned.",
    )
    gate()
    out(f"{m.id} is {m.outcome} after {m.cycle} cycles.")
    out("")
    from s3engine.reports.cycle_report import cycle_report, format_text

    out(format_text(cycle_report(ws, m.id)))
    return str(m.id)
