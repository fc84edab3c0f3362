"""Headless widget tests: real ipywidgets objects (no kernel: the comm is a dummy), driven by
``click()`` and value changes exactly as the front end would."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")

from conftest import PEOPLE, fixed_clock

from jupyter_ext import i18n
from jupyter_ext.pattern_browser import PatternBrowser, render_markdown
from jupyter_ext.replay_view import ReplayView
from jupyter_ext.session import Session
from jupyter_ext.stepper import ProcessStepper
from s3engine.core.workspace import Workspace


@pytest.fixture(autouse=True)
def english() -> None:
    i18n.set_language("en")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws", clock=fixed_clock())


def new_consent(ws: Workspace) -> ProcessStepper:
    s = Session("consent", ws=ws)
    s.show_start_form()
    s.form.set_values(
        {
            "title": "Desk",
            "facilitator": "Ana",
            "participants": PEOPLE,
            "driver": "No advice.",
            "requirement": "Advice.",
            "proposal": "A desk.",
            "review_date": "2027-01-31",
        }
    )
    s.start_box.children[-1].children[0].click()
    assert s.stepper is not None
    return s.stepper


def test_session_start_form_reports_field_errors(ws: Workspace) -> None:
    s = Session("consent", ws=ws)
    s.show_start_form()
    s.form.set_values(
        {
            "title": "Desk",
            "facilitator": "Ana",
            "participants": ["Ana"],
            "driver": "d",
            "requirement": "r",
        }
    )
    s.start_box.children[-1].children[0].click()
    assert s.stepper is None and ws.journal.last_seq == 0
    assert "at least two people" in s.form.errors["participants"].value


def test_stepper_runs_a_consent_decision_by_clicks(ws: Workspace) -> None:
    st = new_consent(ws)
    assert "Consent to Driver and Requirement" in st.guidance.value
    st.click("consent_driver")
    st.click("present_proposal")  # opens the form (all fields optional now)
    assert st._form is not None
    st.submit()
    st.click("start_responses")
    st.click("check_objections")
    for who in PEOPLE:
        st.actor.value = who
        st.click("signal", "possible objection" if who == "Bruno" else "no objection")
        if who == "Ana":
            assert "1 / 4" in st.people.value and "possible" not in st.people.value
    assert "possible objection" in st.people.value  # revealed
    st.actor.value = "Ana"
    st.click("test_objection")
    st._form.set_values({"objector": "Bruno", "argument": "Too costly."})
    st.submit()
    assert st.proc.leaf().kind == "objection-test"
    assert "Test If Arguments Qualify as Objections" in st.steps.value
    st.actor.value = "Bruno"
    st.click("present_argument")
    st.submit()
    st.actor.value = "Ana"
    st.click("check_disagreement")
    st.click("close_check")
    st.click("propose_amendment")
    st._form.set_values(
        {
            "kind": "change the proposal",
            "text": "Cheaper",
            "from": "objector",
            "amended_text": "A cheaper desk.",
        }
    )
    st.submit()
    st.click("check_amendment")
    for who in PEOPLE:
        st.actor.value = who
        st.click("signal", "no objection")
    st.actor.value = "Ana"
    st.click("adopt_amendment")
    for who in PEOPLE:
        st.actor.value = who
        st.click("signal", "no objection")
    st.actor.value = "Ana"
    st.click("celebrate")
    st.click("record_agreement")
    st.submit()
    assert st.proc.outcome == "agreed"
    st.details.selected_index = 0
    assert "Too costly." in st.board.value and "objection" in st.board.value
    st.details.selected_index = 1
    assert "Adopt the amendment" in st.history.value
    assert ws.agreements()[0]["text"] == "A cheaper desk."


def test_engine_messages_show_next_to_the_field(ws: Workspace) -> None:
    st = new_consent(ws)
    st.click("pass_on")
    before = ws.journal.last_seq
    st.submit()
    assert "is required" in st._form.errors["to"].value and ws.journal.last_seq == before
    st.actor.value = "Bruno"
    # at step 1 Bruno may only object to the requirement; the facilitator's actions are listed
    assert [b.description for b in st.buttons.children] == ["Object to the requirement"]
    assert "Ana: Consent to driver and requirement" in st.others.value


def test_refresh_shows_other_programs_events_and_keeps_typed_text(ws: Workspace) -> None:
    st = new_consent(ws)
    st.click("clarify_driver")
    st._form.inputs["note"].value = "typed but not sent"
    other = Workspace(ws.path)
    other.get(st.proc.id).act("apply_patterns", "Ana", patterns=["rounds"])
    st.refresh()
    assert st._form is not None and st._form.inputs["note"].value == "typed but not sent"
    assert st.proc.data["patterns"] == ["rounds"]


def test_untrusted_text_is_escaped_everywhere(ws: Workspace) -> None:
    evil = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    s = Session("consent", ws=ws)
    p = ws.start(
        "consent",
        "Ana",
        title=evil,
        facilitator="Ana",
        participants=["Ana", evil[:40]],
        driver=evil,
        requirement=evil,
        proposal=evil,
        review_date="2027-01-01",
    )
    s.open_process(p.id)
    st = s.stepper
    st.details.selected_index = 0
    st.details.selected_index = 1
    for html_widget in (st.header, st.people, st.board, st.history, s.choose):
        text = str(getattr(html_widget, "value", "")) + str(getattr(html_widget, "options", ""))
        assert "<img" not in text and "<script" not in text
    assert "&lt;img" in st.header.value


def test_pattern_browser_search_page_related_and_use(ws: Workspace) -> None:
    p = ws.start(
        "consent",
        "Ana",
        title="T",
        facilitator="Ana",
        participants=PEOPLE,
        driver="d",
        requirement="r",
    )
    b = PatternBrowser(ws)
    b.box.value = "how do we choose someone for this role"
    assert b.results.value == "role-selection"
    assert "<mark>" in b.snippets.value
    assert "Role Selection" in b.page.value and b.related.children
    b.related.children[0].click()
    assert b.results.value != "role-selection"
    b.results.value = "role-selection"
    b.use()
    assert "role-selection" in p.data["patterns"]
    b.box.value = "bilancio partecipativo"
    assert b.results.value == "participatory-budgeting"
    b.kind.value = "s3"
    assert all("toolbox" not in str(o) for o in b.results.options)


def test_render_markdown_removes_scripts() -> None:
    out = render_markdown(
        "<img src=x onerror=alert(1)> [x](javascript:alert(1)) "
        "<script>alert(1)</script> **ok** [y](https://example.org)"
    )
    assert (
        "<img" not in out
        and "<script" not in out
        and "javascript:" not in out.replace("[x](javascript:alert(1))", "")
    )
    assert "<strong>ok</strong>" in out and 'href="https://example.org"' in out


def test_replay_view_steps_and_compares(ws: Workspace) -> None:
    from s3engine.demo.consent import consent

    pid = consent(ws, lambda _s: None)
    r = ReplayView(pid, ws)
    assert r.slider.max == len(ws.get(pid).history) + sum(
        len(c.history) for c in ws.get(pid).children for c in [c, *c.children]
    )
    r.slider.value = 1
    assert "Consent to Driver and Requirement" in r.now.value
    r.slider.value = r.slider.max
    assert "Agreement recorded" in r.now.value
    assert "Compared with the guide" in r.comparison.value


def test_italian_interface(ws: Workspace) -> None:
    s = Session("consent", ws=ws)
    s.language.value = "it"
    assert s.new_button.description == "Avvia una nuova"
    assert "Processo decisionale a consenso" in s.title.value
    st = new_consent(ws)
    assert st.actor.description == "Agisce come"


def test_workspace_language_setting_is_used(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyter_ext import workspace as kernel_ws

    ws.configure("Ana", language="es")
    monkeypatch.setattr(kernel_ws, "_WS", {})
    w2 = kernel_ws.workspace(str(ws.path))
    assert i18n.language() == "es" and w2.settings["language"] == "es"


def test_mits_grid_and_cycle_view(ws: Workspace) -> None:
    from jupyter_ext.mits_views import CycleView
    from s3engine.demo.mits import mits

    mits(ws, lambda _s: None)
    pid = ws.roots("mits")[0].id
    v = CycleView(pid, ws)
    assert "Governance" in v.table.value
    # the chart is an image with a text alternative
    img = re.fullmatch(r"<img alt='([^']+)' .*src='data:image/png;base64,([^']+)'>", v.chart.value)
    assert img and "baseline" in img[1] and base64.b64decode(img[2])[:4] == b"\x89PNG"
    assert "progress" in v.actions.value


def test_magics_register_and_show_widgets(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from IPython.testing.globalipapp import get_ipython

    from jupyter_ext import workspace as kernel_ws

    monkeypatch.setenv("S3FLOW_WORKSPACE", str(ws.path))
    monkeypatch.setattr(kernel_ws, "_WS", {})
    ip = get_ipython()
    ip.run_line_magic("load_ext", "jupyter_ext")
    out = ip.run_line_magic("s3flow", "start consent")
    assert isinstance(out, Session)
    assert ip.run_line_magic("s3flow", "open nope-1") is None
    assert "No process with id" in capsys.readouterr().out
    assert ip.run_line_magic("s3flow", "journal").__class__.__name__ == "JournalView"


def test_every_interface_text_is_translated() -> None:
    """Each text the widgets and processes show has an Italian, Portuguese and Spanish entry."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    res = subprocess.run(
        [sys.executable, str(root / "tools" / "extract_messages.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    for lang, word in (("it", "Obiezione"), ("pt", "Objeção"), ("es", "Objeción")):
        i18n.set_language(lang)
        assert i18n._("Objector") != "Objector"
        assert i18n._("objection").capitalize() == word
    i18n.set_language("en")


def test_evaluation_grid_saves_a_draft_resumes_and_submits(ws: Workspace) -> None:
    from test_mits import LIT, start, to_evaluation

    from jupyter_ext.mits_views import EvaluationGrid

    m = start(ws)
    to_evaluation(ws, m)
    m.act("choose_instrument", "Marta", instrument="participatory-budgeting-criteria")
    member = LIT[0][0]
    g = EvaluationGrid(m.id, ws, member=member)
    first = g.items.children[0].children[1]
    first.value = "4"
    g.send("save_scores")
    assert "Saved" in g.message.value and member in g.progress.value
    again = EvaluationGrid(m.id, Workspace(ws.path), member=member)  # another kernel resumes
    assert again.items.children[0].children[1].value == "4"
    g.items.children[1].children[1].value = "2"
    g.send("submit_scores")
    ev = m.open_evaluation()
    assert ev["responses"][member]["submitted"]
    item_ids = [i.id for i in g.inst.section(g.section.value).items]
    assert ev["responses"][member]["scores"][item_ids[0]] == 4
    g.send("submit_scores")  # a second submission is refused with the engine's message
    assert "already submitted" in g.message.value


def test_an_irreversible_step_asks_first_and_the_decision_is_on_screen(ws: Workspace) -> None:
    from conftest import run_to_check, start_consent

    p = start_consent(ws)
    st = ProcessStepper(ws, p.id, live=False)
    assert "What is being decided" in st.decision.value and "energy advice" in st.decision.value
    run_to_check(p)
    for who in PEOPLE[:3]:
        p.act("signal", who, signal="no objection")
    next((ws.path / "sealed").rglob("*.bin")).write_bytes(b"x" * 40)  # the own reveal fails
    p.act("signal", "Dario", signal="no objection")
    st.refresh()
    before = ws.journal.path.read_bytes()
    st.click("close_round")
    assert ws.journal.path.read_bytes() == before  # nothing happens on the first press
    text = st.form_box.children[0].value
    assert "cannot be undone" in text and "nobody can change theirs" in text
    st.form_box.children[1].children[1].click()  # Cancel
    assert st.form_box.children == ()
    st.click("close_round")
    st.form_box.children[1].children[0].click()  # Yes: the engine is asked, and says why not
    assert "was changed" in st.message.value and ws.journal.path.read_bytes() == before


def test_no_dead_end_when_the_proposal_was_left_empty(ws: Workspace) -> None:
    p = ws.start(
        "consent",
        "Ana",
        title="T",
        facilitator="Ana",
        participants=PEOPLE,
        proposers=["Carla"],
        driver="d",
        requirement="r",
    )
    p.act("consent_driver", "Ana")
    st = ProcessStepper(ws, p.id, actor="Carla", live=False)
    st.click("present_proposal")  # offered although the proposal is missing: the form supplies it
    assert "the proposal text and its review date are missing" in st.form_box.children[0].value
    st._form.set_values({"proposal": "A desk twice a month.", "review_date": "2027-01-01"})
    st.submit()
    assert p.state == "understand"


def test_forms_start_from_what_the_engine_knows(ws: Workspace) -> None:
    from conftest import start_consent

    p = start_consent(ws)
    p.act("consent_driver", "Ana")
    st = ProcessStepper(ws, p.id, actor="Carla", live=False)
    st.click("present_proposal")
    values = st._form.values()
    assert values["proposal"] == "Open a help desk twice a month."
    assert values["review_date"] == "2027-03-01"
