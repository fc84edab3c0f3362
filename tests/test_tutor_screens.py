"""The tutor's screen speaks the tutor's language: every problem at once, labels not ids, pickers.

Engine side: every missing or wrong field of a form is reported at once, each named by the label
the form shows; refused actions are named by their titles (the CLI adds the names in parentheses
for scripts). Widget side: each message sits next to its field and next to the button pressed;
choices of agreements, patterns, domains, cycles and people are pickers showing names.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import PEOPLE, start_consent

from s3engine.cli.main import main
from s3engine.core.workspace import Workspace
from s3engine.errors import ActionNotAllowedNow, InvalidField, InvalidFields, NotAllowedForActor

ID_RE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # action or field names such as review_date


def test_every_missing_start_field_is_reported_at_once_by_its_label(ws: Workspace) -> None:
    before = ws.head
    with pytest.raises(InvalidFields) as err:
        ws.start("consent", "Ana", title="Bike racks", review_date="soon")
    fields = [e.field for e in err.value.errors]
    assert fields == ["facilitator", "participants", "driver", "requirement", "review_date"]
    msg = str(err.value)
    assert "5 fields need attention" in msg
    assert "Review date: 'soon' is not a date" in msg and "Driver is required" in msg
    assert not ID_RE.search(msg), msg
    assert isinstance(err.value, InvalidField) and err.value.field == "facilitator"
    assert ws.head == before and not ws.roots()


def test_refusals_name_titles_and_scripts_get_the_names(ws: Workspace) -> None:
    p = start_consent(ws)
    with pytest.raises(ActionNotAllowedNow) as err:
        p.act("check_objections", "Ana")
    msg = str(err.value)
    assert msg.startswith("'Check for possible objections' is not possible now")
    assert "Possible now: Consent to driver and requirement" in msg
    assert not ID_RE.search(msg), msg
    assert "Consent to driver and requirement (consent_driver)" in err.value.script_text()


def test_the_cli_adds_the_names_in_parentheses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "w")
    args = ["start", "consent", "--workspace", ws, "--as", "Ana", "title=T", "facilitator=Ana"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Participants (participants) is required" in err and "Driver (driver)" in err
    assert err.count("\n") == 1  # one line


def test_a_role_selection_starts_without_a_description_and_asks_for_it(ws: Workspace) -> None:
    r = ws.start(
        "role-selection",
        "Ana",
        role="Desk host",
        facilitator="Ana",
        participants=PEOPLE,
        term_end="2027-12-31",
    )
    [view] = [a for a in r.available_actions("Ana") if a.name == "present_description"]
    assert view.needs == ("description",) and "no description yet" in view.missing
    with pytest.raises(InvalidField, match="Description is needed for “Present the role"):
        r.act("present_description", "Ana")
    r.act("present_description", "Ana", description="Opens the desk twice a month.")
    assert r.state == "nominate" and r.data["description"] == "Opens the desk twice a month."
    assert [(d["version"], d["why"]) for d in r.descriptions] == [(1, "given when presented")]


def test_people_and_titles_in_refusals_of_a_person(ws: Workspace) -> None:
    p = start_consent(ws)
    p.act("consent_driver", "Ana")
    with pytest.raises(NotAllowedForActor) as err:
        p.act("present_proposal", "Bruno")
    assert str(err.value).startswith("'Bruno' cannot do 'Present the proposal': only the proposer")
    assert "Carla" in str(err.value) and PEOPLE[1] in str(err.value)


# -- widgets ------------------------------------------------------------------------------------

ipywidgets = pytest.importorskip("ipywidgets")

from jupyter_ext import i18n
from jupyter_ext.pickers import MultiPicker
from jupyter_ext.session import Session


@pytest.fixture
def english() -> None:
    i18n.set_language("en")


def start_button(s: Session) -> Any:
    return next(b for b in s.start_box.children[-1].children if "s3-start" in b._dom_classes)


def test_start_form_shows_every_problem_next_to_its_field_and_the_button(
    ws: Workspace, english: None
) -> None:
    s = Session("consent", ws=ws)
    s.show_start_form()
    s.form.set_values({"title": "Desk", "participants": ["Ana"]})
    start_button(s).click()
    errors = {k: v.value for k, v in s.form.errors.items() if v.value}
    assert set(errors) == {"facilitator", "driver", "requirement"}
    assert "Driver is required" in errors["driver"]
    summary = s.form.summary.value
    assert s.form.summary in s.start_box.children[-1].children  # by the Start button
    assert "Facilitator, Driver, Requirement" in summary and "review_date" not in summary
    assert not ws.roots()
    # fixing them all but one leaves one message; the rule about people is shown by the button
    s.form.set_values({"facilitator": "Ana", "driver": "No advice.", "requirement": "Advice."})
    start_button(s).click()
    assert [k for k, v in s.form.errors.items() if v.value] == ["participants"]
    assert "at least two people" in s.form.errors["participants"].value


def test_action_form_problems_sit_next_to_the_fields_and_the_confirm_button(
    ws: Workspace, english: None
) -> None:
    from jupyter_ext.stepper import ProcessStepper

    p = start_consent(ws)
    st = ProcessStepper(ws, p.id, live=False)
    st.click("pass_on")
    st.submit()
    form = st._form
    assert form is not None
    assert "To is required" in form.errors["to"].value
    assert st.form_box.children[-1] is form.summary and "Please check: To" in form.summary.value
    assert st.message.value == ""


def test_pickers_offer_names_and_send_ids(ws: Workspace, english: None) -> None:
    from s3engine.patterns import database as pattern_db

    pattern_db.attach(ws)
    p = start_consent(ws)
    from conftest import all_sign, run_to_check

    run_to_check(p)
    all_sign(p)
    p.act("celebrate", "Ana")
    p.act("record_agreement", "Ana")
    s = Session("consent", ws=ws)
    s.show_start_form()
    sup = s.form.inputs["supersedes"]
    assert isinstance(sup, ipywidgets.Dropdown)
    labels = [label for label, _v in sup.options]
    assert "Library energy desk (review 2027-03-01)" in labels
    assert not any(p.id in label for label in labels)  # names, not ids
    pats = s.form.inputs["patterns"]
    assert isinstance(pats, MultiPicker) and pats.search is not None  # many: a search box
    pats.search.value = "Consent Decision-Making"
    assert pats.value == ("consent-decision-making",) and pats.search.value == ""
    assert pats.chips.children[0].description.startswith("Consent Decision-Making")
    pats.chips.children[0].click()  # removed again
    assert pats.value == ()
    s.form.set_values({"patterns": ["rounds"], "supersedes": p.id})
    values = s.form.values()
    assert values["patterns"] == ["rounds"] and values["supersedes"] == p.id
    # nothing known yet: no picker, free text (no dead end)
    assert isinstance(s.form.inputs["domain"], ipywidgets.Text)


def test_people_are_ticked_not_ctrl_clicked(ws: Workspace, english: None) -> None:
    from jupyter_ext.stepper import ProcessStepper

    ws.start(
        "proposal-forming",
        "Ana",
        title="Desk",
        facilitator="Ana",
        participants=PEOPLE,
        driver="No advice.",
        requirement="Advice.",
    )
    p = ws.roots("proposal-forming")[0]
    st = ProcessStepper(ws, p.id, live=False)
    tuners = next(a for a in p.definition.actions if a.name == "choose_tuners")
    from jupyter_ext.form import FieldForm

    form = FieldForm(tuners.fields, p.participants)
    picker = form.inputs["tuners"]
    assert isinstance(picker, MultiPicker) and len(picker.ticks) == len(PEOPLE)
    picker.ticks["Bruno"].value = True
    picker.ticks["Carla"].value = True
    assert form.values()["tuners"] == ["Bruno", "Carla"]
    st.close()


# -- notebooks saved as shipped -------------------------------------------------------------------


def test_a_saved_tutor_notebook_is_the_shipped_one_again(tmp_path: Path) -> None:
    import copy
    import json

    from jupyter_ext.notebook_save import WIDGET_VIEW, pre_save_hook

    shipped = json.loads((Path(__file__).parents[1] / "notebooks" / "mits-cycle.ipynb").read_text())
    assert "".join(shipped["cells"][1]["outputs"][0]["data"]["text/plain"]).startswith("To start")
    ran = copy.deepcopy(shipped)
    ran["cells"][1]["outputs"] = [{"output_type": "display_data", "data": {WIDGET_VIEW: {}}}]
    ran["cells"][1]["execution_count"] = 4
    ran["cells"][1]["metadata"]["execution"] = {"iopub.status.idle": "2026-12-01"}
    ran["metadata"]["widgets"] = {"state": {}}
    ran["metadata"]["language_info"]["version"] = "3.11.2"
    model = {"type": "notebook", "content": ran}
    pre_save_hook(model, path="mits-cycle.ipynb")
    import nbformat

    assert nbformat.writes(nbformat.from_dict(model["content"])) == nbformat.writes(
        nbformat.from_dict(shipped)
    )
    cell = {"cell_type": "code", "execution_count": 4, "outputs": [], "metadata": {}}
    other = {"type": "notebook", "content": {"metadata": {}, "cells": [cell]}}
    pre_save_hook(other)
    assert other["content"]["cells"][0]["execution_count"] == 4  # not an s3flow notebook


def test_what_a_guard_misses_is_asked_next_to_its_inputs(ws: Workspace, english: None) -> None:
    from jupyter_ext.stepper import ProcessStepper

    p = start_consent(ws, proposal=None, review_date=None)
    p.act("consent_driver", "Ana")
    st = ProcessStepper(ws, p.id, live=False)
    st.click("present_proposal")
    form = st._form
    assert form is not None
    label = {n: form.labels[n] for n in ("proposal", "review_date", "responsibilities")}
    assert label == {
        "proposal": "Proposal (needed now)",
        "review_date": "Review date (needed now)",
        "responsibilities": "Responsibilities (optional)",
    }
    st.submit()
    assert "is needed for “Present the proposal”" in form.errors["proposal"].value
    assert "is needed for “Present the proposal”" in form.errors["review_date"].value
    assert "Proposal, Review date" in form.summary.value
    assert p.state == "present"


def test_mits_start_form_rows_and_an_explicit_relaxation(ws: Workspace, english: None) -> None:
    from jupyter_ext.mits_views import CycleView
    from jupyter_ext.rows import RowsInput

    s = Session("mits", ws=ws)
    s.show_start_form()
    f = s.form
    rows = f.inputs["actors"]
    assert isinstance(rows, RowsInput) and f.inputs["min_actors"].value == ""  # not 0
    assert "NAME | TYPE" not in " ".join(x.help for x in f.fields)
    f.set_values({"community": "Valverde", "facilitator": "Marta"})
    for n, (name, kind, rep) in enumerate(
        [("Town hall", "local administration", "Luca"), ("Coop", "business", "")]
    ):
        if n:
            rows.add.click()
        rows.rows[n]["name"].value, rows.rows[n]["type"].value = name, kind
        rows.rows[n]["representative"].value = rep
    rows.add.click()
    rows.remove_row(rows.rows[-1])  # an empty row added and removed again
    assert f.values()["actors"] == [
        {"name": "Town hall", "type": "local administration", "representative": "Luca"},
        {"name": "Coop", "type": "business"},
    ]
    f.inputs["min_actors"].value = "2"  # typing a number never relaxes the rule by itself
    start_button(s).click()
    assert "The relaxed rule is not confirmed: at least 2 actors instead of 3" in (
        f.errors["relax_rule"].value
    )
    assert not ws.roots()
    f.inputs["relax_rule"].value = True
    f.set_values({"civil_society": "optional", "rule_reason": "A small village."})
    start_button(s).click()
    [m] = ws.roots()
    assert m.data["rule"]["relaxed"] and s.stepper is not None
    s.stepper.details.selected_index = 0
    board = s.stepper.board.value
    assert "At least 2 local actors commit: the local administration must be among them." in board
    assert "The community relaxed the MiTS rule" in board and "{" not in board
    assert "A tutor is assigned" in board and "s3-todo" in board
    view = CycleView(m.id, ws)  # nothing evaluated yet: no chart, a sentence instead
    assert view.chart.layout.display == "none" and "appears once" in view.empty.value
