"""The tutor's screen speaks the tutor's language: every problem at once, labels not ids, pickers.

Engine side: every missing or wrong field of a form is reported at once, each named by the label
the form shows; refused actions are named by their titles (the CLI adds the names in parentheses
for scripts). Widget side: each message sits next to its field and next to the button pressed;
choices of agreements, patterns, domains, cycles and people are pickers showing names.
"""

from __future__ import annotations

import re
from pathlib import Path

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


def test_people_and_titles_in_refusals_of_a_person(ws: Workspace) -> None:
    p = start_consent(ws)
    p.act("consent_driver", "Ana")
    with pytest.raises(NotAllowedForActor) as err:
        p.act("present_proposal", "Bruno")
    assert str(err.value).startswith("'Bruno' cannot do 'Present the proposal': only the proposer")
    assert "Carla" in str(err.value) and PEOPLE[1] in str(err.value)
