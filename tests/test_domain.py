"""Domains, circles and roles: recorded through events, validated first, derived on replay."""

from __future__ import annotations

import pytest

from s3engine.core.workspace import Workspace
from s3engine.errors import InvalidField, S3Error
from s3engine.org import domain as org


def head(ws: Workspace) -> tuple[int, bytes]:
    path = ws.journal.path
    return ws.journal.last_seq, path.read_bytes() if path.exists() else b""


def describe(ws: Workspace, **over: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "id": "energy-desk",
        "name": "Energy desk",
        "purpose": "Free energy advice for residents.",
        "key_responsibilities": ["Open the desk", "Keep the rota"],
        "delegator": "Energy team",
        "delegatees": ["Desk host"],
        "review_date": "2026-06-30",
    }
    fields.update(over)
    return org.describe_domain(ws, "Ana", **fields)


def test_domain_versions_keep_unchanged_fields(ws: Workspace) -> None:
    ev = describe(ws)
    assert ev["type"] == "domain.described"
    d = ws.projection.get("domains", "energy-desk")
    assert d is not None and d["version"] == 1
    assert set(d["gaps"]) == {"customers_and_deliverables", "delegator_responsibilities"}
    org.describe_domain(
        ws,
        "Bruno",
        id="energy-desk",
        key_challenges=["Few volunteers"],
        customers_and_deliverables=["Households: advice"],
        note="Added challenges after the first month.",
    )
    d = ws.projection.get("domains", "energy-desk")
    assert d["version"] == 2 and d["purpose"] == "Free energy advice for residents."
    assert d["key_challenges"] == ["Few volunteers"]
    assert d["versions"][1]["changed"] == ["customers_and_deliverables", "key_challenges"]
    assert (
        d["versions"][1]["by"] == "Bruno"
        and d["versions"][0]["fields"].get("key_challenges") is None
    )
    assert d["gaps"] == ["delegator_responsibilities"]
    assert [x["id"] for x in org.domains(ws)] == ["energy-desk"]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"id": "x", "name": "X"}, "purpose"),
        ({"id": "Bad Id", "name": "X", "purpose": "p"}, "id"),
        ({"id": "x", "name": "X", "purpose": "p", "review_date": "soon"}, "review_date"),
        ({"id": "x", "name": "X", "purpose": "p", "circle": "nowhere"}, "circle"),
        ({"id": "x", "name": "X", "purpose": "p", "colour": "red"}, "colour"),
    ],
)
def test_invalid_domain_writes_nothing(
    ws: Workspace, fields: dict[str, object], field: str
) -> None:
    before = head(ws)
    with pytest.raises(InvalidField) as err:
        org.describe_domain(ws, "Ana", **fields)
    assert err.value.field == field
    assert head(ws) == before and ws.projection.all("domains") == []


def test_unchanged_domain_is_refused(ws: Workspace) -> None:
    describe(ws)
    before = head(ws)
    with pytest.raises(InvalidField, match="nothing changes"):
        org.describe_domain(ws, "Ana", id="energy-desk", name="Energy desk")
    assert head(ws) == before


def test_circles_form_and_change(ws: Workspace) -> None:
    org.form_circle(ws, "Ana", id="core", name="Core team", kind="team", members=["Ana", "Bruno"])
    with pytest.raises(InvalidField, match="already a circle"):
        org.form_circle(ws, "Ana", id="core", name="Again", members=["Ana"])
    org.change_circle(ws, "Ana", id="core", join=["Carla"], leave=["Bruno"], note="Rotation")
    c = ws.projection.get("circles", "core")
    assert c is not None and c["members"] == ["Ana", "Carla"] and len(c["history"]) == 2
    with pytest.raises(InvalidField, match="is not a member"):
        org.change_circle(ws, "Ana", id="core", leave=["Zed"])
    with pytest.raises(InvalidField, match="nothing changes"):
        org.change_circle(ws, "Ana", id="core")
    describe(ws, circle="core")
    assert org.holdings(ws, "Carla")["circles"] == ["core"]


def test_direct_assignments_terms_history_and_queries(ws: Workspace) -> None:
    org.form_circle(ws, "Ana", id="core", name="Core team", members=["Ana", "Bruno", "Carla"])
    describe(ws)
    org.assign_role(
        ws,
        "Ana",
        role="Facilitator",
        kind="facilitator",
        circle="core",
        keeper="Bruno",
        selected_on="2026-01-10",
        term_end="2026-07-10",
    )
    org.assign_role(
        ws,
        "Ana",
        role="Representative",
        kind="representative",
        circle="core",
        keeper="Carla",
        selected_on="2026-01-10",
        term_end="2027-01-10",
        represents_in="the municipal council",
        domain="energy-desk",
    )
    rep = ws.projection.get("roles", "core.representative")
    assert rep is not None and rep["domain_version"] == 1 and rep["keeper"] == "Carla"
    due = org.roles(ws, expiring_before="2026-12-31")
    assert [r["id"] for r in due] == ["core.facilitator"]
    # Re-selection: the previous assignment ends when the new one starts.
    org.assign_role(
        ws,
        "Ana",
        role="Facilitator",
        kind="facilitator",
        circle="core",
        keeper="Ana",
        selected_on="2026-07-10",
        term_end="2027-07-10",
    )
    hist = org.role_history(ws, "core.facilitator")
    assert [(a["keeper"], a["status"], a["ended_on"]) for a in hist] == [
        ("Bruno", "ended", "2026-07-10"),
        ("Ana", "current", None),
    ]
    assert hist[0]["ended_reason"] == "succeeded by Ana"
    assert [r["name"] for r in org.holdings(ws, "Ana")["roles"]] == ["Facilitator"]
    assert org.holdings(ws, "Bruno")["roles"] == []
    org.release_role(
        ws, "Carla", role_id="core.representative", reason="Moving away", on="2026-09-01"
    )
    rep = ws.projection.get("roles", "core.representative")
    assert rep["status"] == "vacant" and rep["keeper"] is None
    assert org.role_history(ws, "core.representative")[0]["ended_reason"] == "Moving away"
    with pytest.raises(InvalidField, match="nobody holds"):
        org.release_role(ws, "Carla", role_id="core.representative", reason="again")
    with pytest.raises(S3Error, match="no role 'nope'"):
        org.role_history(ws, "nope")


def test_assignment_needs_a_term_after_selection(ws: Workspace) -> None:
    before = head(ws)
    with pytest.raises(InvalidField, match="Term end"):
        org.assign_role(ws, "Ana", role="Host", keeper="Bruno")
    with pytest.raises(InvalidField, match="not after the selection date"):
        org.assign_role(
            ws, "Ana", role="Host", keeper="Bruno", selected_on="2026-05-01", term_end="2026-04-01"
        )
    with pytest.raises(InvalidField, match="--expiring-before"):
        org.roles(ws, expiring_before="tomorrow")
    assert head(ws) == before


def test_replay_reproduces_domains_circles_and_roles(ws: Workspace) -> None:
    org.form_circle(ws, "Ana", id="core", name="Core team", members=["Ana", "Bruno"])
    describe(ws, circle="core")
    describe(ws, purpose="Free, independent energy advice.")
    org.assign_role(
        ws,
        "Ana",
        role="Host",
        keeper="Bruno",
        term_end="2027-01-01",
        domain="energy-desk",
        circle="core",
    )
    org.assign_role(
        ws,
        "Ana",
        role="Host",
        keeper="Ana",
        term_end="2028-01-01",
        domain="energy-desk",
        circle="core",
    )
    again = Workspace(ws.path)
    for table in ("domains", "circles", "roles", "role_assignments"):
        assert again.projection.tables[table] == ws.projection.tables[table], table
    ws.flush(everything=True)
    rows = ws.projection.open_table("role_assignments").all()
    assert {r["keeper"] for r in rows} == {"Ana", "Bruno"}
