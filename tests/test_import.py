"""``s3flow import`` re-runs every rule: forged-but-hashed journals are refused, nothing half-done.

A journal whose chain is intact can still be forged: anyone can edit events and recompute the
hashes. Every forgery here keeps a valid chain, so only the rules can catch it; the destination
must stay byte-identical and usable. Valid exports import losslessly, twice is a no-op, and a
SIGKILL at any moment leaves the destination empty or complete.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from conftest import PEOPLE, all_sign, fixed_clock, start_consent

from s3engine.cli.main import main
from s3engine.cli.transfer import handler_checks, mits_start_fields
from s3engine.core.revalidation import ImportRefused, check_journal
from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error
from s3engine.journal.event import GENESIS, encode_line, event_hash
from s3engine.journal.file_store import Journal
from s3engine.org import domain as org
from s3engine.participation import invite
from s3engine.patterns.database import PatternDB
from s3engine.patterns.notebook import export_patterns, import_notebooks

Events = list[dict[str, Any]]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


class Source(NamedTuple):
    ws: Path
    export: Path


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Source:
    """A workspace with settings, a circle, a domain, a role, personal links, a consent decision
    and an imported pattern."""
    root = tmp_path_factory.mktemp("source")
    ws = Workspace(root / "ws", clock=fixed_clock())
    ws.configure("Ana", language="en", community="Telheiras")
    org.form_circle(ws, "Ana", id="desk", name="Energy desk", members=PEOPLE)
    org.describe_domain(
        ws, "Ana", id="energy-desk", name="Energy desk", purpose="Free advice", circle="desk"
    )
    org.assign_role(
        ws,
        "Ana",
        role="Host",
        circle="desk",
        keeper="Bruno",
        selected_on="2026-01-05",
        term_end="2027-01-05",
    )
    p = start_consent(ws)
    invite.issue(ws, p.id, "Ana")
    invite.revoke(ws, p.id, "Ana", "Dario")
    p.act("consent_driver", "Ana", request_id="req-driver")
    run_to_check_rest(p)
    all_sign(p)
    p.act("celebrate", "Ana")
    p.act("record_agreement", "Ana")
    db = PatternDB()
    db.load()
    nb = export_patterns(db, ["rounds"], root / "rounds.ipynb", author="Rita", date="2026-01-05")
    import_notebooks(ws, [nb], actor="Rita")
    ws.close()
    export = root / "export.jsonl"
    code, out, _ = run("export", "-w", str(ws.path), "-o", str(export))
    assert code == 0 and "Exported" in out and "No checkpoint" not in out
    return Source(ws.path, export)


def run_to_check_rest(p: Any) -> None:
    """``run_to_check`` after ``consent_driver``, with one response."""
    p.act("present_proposal", "Carla")
    p.act("start_responses", "Ana")
    p.act("respond", "Bruno", response="Fine by me.")
    p.act("check_objections", "Ana")


def events_of(export: Path) -> Events:
    lines = export.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["s3flow_export"] == 1
    return [json.loads(line) for line in lines[1:]]


def rechain(events: Events) -> Events:
    """Renumber and rehash: a forger's journal has an intact chain."""
    prev = GENESIS
    for n, ev in enumerate(events, 1):
        ev["seq"], ev["prev"] = n, prev
        ev["hash"] = event_hash(ev)
        prev = ev["hash"]
    return events


def write(path: Path, events: Events, header: str | None = None) -> Path:
    body = b"".join(encode_line(e) for e in events)
    path.write_bytes((header.encode() + b"\n" if header else b"") + body)
    return path


def tree(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` -> SHA-256 of its bytes ("dir" for a folder)."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): "dir"
        if p.is_dir()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
    }


def at(events: Events, type_: str, last: bool = False) -> int:
    found = [i for i, e in enumerate(events) if e["type"] == type_]
    return found[-1] if last else found[0]


def fresh(ev: dict[str, Any], **over: Any) -> dict[str, Any]:
    out = copy.deepcopy(ev)
    out.pop("request", None)
    out.update(over)
    return out


# --- forgeries: each edits the events and returns the index of the event to be refused ---------


def mallory_signals(evs: Events) -> int:
    i = at(evs, "consent.signal")
    evs.insert(i + 1, fresh(evs[i], actor="Mallory", auth={"via": "operator", "by": "Mallory"}))
    return i + 1


def second_signal_after_the_count(evs: Events) -> int:
    i = at(evs, "consent.celebrate")
    evs.insert(i, fresh(evs[at(evs, "consent.signal", last=True)]))
    return i


def veto(evs: Events) -> int:
    i = at(evs, "consent.signal")
    evs[i]["data"] = {"signal": "veto"}
    return i


def reveal_unlike_the_commitment(evs: Events) -> int:
    i = at(evs, "consent.close_round")
    revealed = evs[i]["data"]["revealed"]
    person = sorted(revealed)[0]
    revealed[person]["value"] = "possible objection"
    return i


def never_started(evs: Events) -> int:
    i = at(evs, "consent.consent_driver")
    evs[i]["process"] = "consent-9"
    return i


def impossible_transition(evs: Events) -> int:
    i = at(evs, "consent.consent_driver")
    evs.insert(i, fresh(evs[i], type="consent.record_agreement", data={}))
    return i


def without_the_role(evs: Events) -> int:
    i = at(evs, "consent.consent_driver")
    evs[i].update(actor="Bruno", auth={"via": "operator", "by": "Bruno"})
    return i


def recorded_for_someone_else(evs: Events) -> int:
    i = at(evs, "consent.consent_driver")
    evs[i]["auth"] = {"via": "operator", "by": "Mallory"}
    return i


def reused_request_id(evs: Events) -> int:
    i = at(evs, "consent.present_proposal")
    evs[i]["request"] = "req-driver"
    return i


def pattern_with_script_link(evs: Events) -> int:
    i = at(evs, "pattern.imported")
    evs[i]["data"]["body"] += "\n[click](javascript:alert(1))\n"
    return i


def pattern_with_raw_html(evs: Events) -> int:
    i = at(evs, "pattern.imported")
    evs[i]["data"]["summary"] = "Rounds <script>alert(1)</script>"
    return i


def empty_role_term(evs: Events) -> int:
    i = at(evs, "role.assigned")
    evs[i]["data"]["term_end"] = "2020-01-01"
    return i


def link_from_a_stranger(evs: Events) -> int:
    i = at(evs, "invite.issued")
    evs[i].update(actor="Bruno", auth={"via": "operator", "by": "Bruno"})
    return i


def unknown_event(evs: Events) -> int:
    evs.append(fresh(evs[-1], type="bench.tick", process="", data={"i": 1}))
    return len(evs) - 1


def second_workspace_key(evs: Events) -> int:
    evs.insert(1, fresh(evs[0]))
    return 1


FORGERIES: dict[str, tuple[Callable[[Events], int], tuple[str, ...]]] = {
    "ballot stuffing: a non-participant signals": (mallory_signals, ("Mallory", "participant")),
    "ballot stuffing: a second signal after the count": (
        second_signal_after_the_count,
        ("'Give my signal' is not possible",),
    ),
    "a veto signal": (veto, ("veto", "signal")),
    "ballot stuffing: a reveal unlike the commitment": (
        reveal_unlike_the_commitment,
        ("does not match their commitment",),
    ),
    "a process that never started": (never_started, ("consent-9", "never started")),
    "an impossible transition": (
        impossible_transition,
        ("'Record the agreement' is not possible",),
    ),
    "an action without the role": (without_the_role, ("Bruno", "facilitator")),
    "recorded for someone else": (recorded_for_someone_else, ("Mallory", "record")),
    "a reused request id": (reused_request_id, ("req-driver",)),
    "a pattern with a script link": (pattern_with_script_link, ("body", "sanitiser")),
    "a pattern with raw HTML": (pattern_with_raw_html, ("summary", "sanitiser")),
    "an empty role term": (empty_role_term, ("Term end", "not after")),
    "an unknown event type": (unknown_event, ("bench.tick", "not an event")),
    "a personal link not given by the facilitator": (link_from_a_stranger, ("facilitator",)),
    "a second workspace key": (second_workspace_key, ("key", "already")),
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_forged_but_hashed_journal_is_refused_and_destination_untouched(
    name: str, source: Source, tmp_path: Path
) -> None:
    forge, words = FORGERIES[name]
    evs = events_of(source.export)
    seq = forge(evs) + 1
    forged = write(tmp_path / "forged.jsonl", rechain(evs))
    assert Journal(forged).verify().ok  # the chain is intact: only the rules can tell
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "journal.jsonl.lock").write_bytes(b"")
    before, around = tree(dest), sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run("import", str(forged), "-w", str(dest))
    assert code == 2 and not out and err.startswith("error: ") and err.count("\n") == 1, err
    assert f"event {seq} (" in err, err
    for word in words:
        assert word in err, err
    assert "Nothing was imported" in err
    assert tree(dest) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == around
    code, out, _ = run("import", str(source.export), "-w", str(dest))  # still usable
    assert code == 0 and "Checkpoint verified" in out


def test_refusal_names_the_seq_and_the_rule(source: Source) -> None:
    evs = events_of(source.export)
    i = mallory_signals(evs)
    journal = b"".join(encode_line(e) for e in rechain(evs))
    with pytest.raises(ImportRefused) as info:
        check_journal(
            "x.jsonl", journal, handler_checks(), start_fields={"mits": mits_start_fields}
        )
    assert info.value.seq == i + 1 and "Mallory" in info.value.rule
    assert (
        f"event {i + 1} (consent.signal by Mallory): 'Mallory' cannot do 'Give my signal'"
        in str(info.value)
    )


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "is empty"),
        (b"\n\n", "is empty"),
        (b"hello\nworld\n", "line 1 is not JSON"),
        (b'{"s3flow_export": 1, "checkpoint": null}\n', "holds no events"),
        (b'{"s3flow_export": 7}\n{}\n', "version 7"),
    ],
)
def test_files_that_are_not_exports_are_refused(content: bytes, words: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)
    code, _, err = run("import", str(bad), "-w", str(tmp_path / "dest"))
    assert code == 2 and err.count("\n") == 1 and words in err, err
    assert not (tmp_path / "dest").exists()


def test_broken_hashes_are_refused_naming_the_event(source: Source, tmp_path: Path) -> None:
    text = source.export.read_text(encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(text.replace("Fine by me.", "Fine by me!"), encoding="utf-8")
    evs = events_of(source.export)
    seq = next(e["seq"] for e in evs if e["data"].get("response") == "Fine by me.")
    code, _, err = run("import", str(bad), "-w", str(tmp_path / "dest"))
    assert code == 2 and f"event {seq}: the hash chain is broken" in err, err
    assert not (tmp_path / "dest").exists()


def test_embedded_checkpoint_catches_a_forgery_the_rules_allow(
    source: Source, tmp_path: Path
) -> None:
    header = source.export.read_text(encoding="utf-8").splitlines()[0]
    evs = events_of(source.export)
    evs[at(evs, "consent.respond")]["data"]["response"] = "I object to everything."
    forged = write(tmp_path / "forged.jsonl", rechain(evs), header)
    code, _, err = run("import", str(forged), "-w", str(tmp_path / "dest"))
    assert code == 2 and "checkpoint does not vouch" in err, err
    assert not (tmp_path / "dest").exists()
    # Without the header the same journal passes the rules (a checkpoint is the only witness).
    code, out, _ = run(
        "import", str(write(tmp_path / "bare.jsonl", evs)), "-w", str(tmp_path / "d")
    )
    assert code == 0 and "carries no checkpoint" in out


def test_valid_export_imports_losslessly_and_verifies(source: Source, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    code, out, _ = run("import", str(source.export), "-w", str(dest))
    assert code == 0 and "Checked" in out and "processes rebuilt" in out
    assert "Checkpoint verified" in out
    for cmd in (["agreements", "--json"], ["roles", "--json"], ["log", "--json"]):
        one, two = run(*cmd, "-w", str(source.ws)), run(*cmd, "-w", str(dest))
        assert one == two and one[0] == 0
    assert json.loads(run("agreements", "--json", "-w", str(dest))[1])
    code, out, _ = run("verify", "-w", str(dest))
    assert code == 0 and out.startswith("OK")
    code, out, _ = run("verify", "--checkpoint", str(source.export), "-w", str(dest))
    assert code == 0 and "vouches for" in out
    assert not (dest / "keys").exists()  # the workspace key never travels
    # Importing the same file again is a no-op that says so.
    before = tree(dest)
    code, out, _ = run("import", str(source.export), "-w", str(dest))
    assert code == 0 and "already holds this journal" in out and "Nothing was imported" in out
    assert tree(dest) == before


def test_import_into_a_workspace_with_another_journal_is_refused(
    source: Source, tmp_path: Path
) -> None:
    dest = tmp_path / "dest"
    assert run("init", "-w", str(dest))[0] == 0
    before = tree(dest)
    code, _, err = run("import", str(source.export), "-w", str(dest))
    assert code == 2 and "already has a journal" in err
    assert tree(dest) == before
    assert run("verify", "-w", str(dest))[0] == 0
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = run("import", str(source.export), "-w", str(other))
    assert code == 2 and "is not empty" in err and "notes.txt" in err
    assert tree(other) == {"notes.txt": hashlib.sha256(b"mine").hexdigest()}


def test_export_never_carries_the_key_and_says_when_it_cannot_sign(
    source: Source, tmp_path: Path
) -> None:
    raw = (source.ws / "keys" / "workspace.key").read_bytes()
    data = source.export.read_bytes()
    assert raw not in data and base64.b64encode(raw) not in data
    keyless = tmp_path / "keyless"
    shutil.copytree(source.ws, keyless, ignore=shutil.ignore_patterns("keys", "snapshot.json"))
    out_file = tmp_path / "keyless.jsonl"
    code, out, _ = run("export", "-w", str(keyless), "-o", str(out_file))
    assert code == 0 and "No checkpoint was embedded" in out
    assert "checkpoint" not in json.loads(out_file.read_text(encoding="utf-8").splitlines()[0])
    assert out_file.read_bytes().split(b"\n", 1)[1] == (keyless / "journal.jsonl").read_bytes()
    code, out, _ = run("import", str(out_file), "-w", str(tmp_path / "dest"))
    assert code == 0 and "carries no checkpoint" in out


def _s3flow() -> str:
    return shutil.which("s3flow") or str(Path(sys.executable).with_name("s3flow"))


def test_sigkill_during_import_leaves_nothing_or_everything(source: Source, tmp_path: Path) -> None:
    n = len(events_of(source.export))
    started = time.monotonic()
    done = subprocess.run(
        [_s3flow(), "import", str(source.export), "-w", str(tmp_path / "probe")],
        capture_output=True,
        check=True,
    )
    took = time.monotonic() - started
    assert b"Checkpoint verified" in done.stdout
    rng = random.Random(17)
    outcomes = set()
    for trial in range(10):
        dest = tmp_path / f"dest-{trial}"
        proc = subprocess.Popen(
            [_s3flow(), "import", str(source.export), "-w", str(dest)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.2, 1.1) * took)
        with contextlib.suppress(ProcessLookupError):  # it may have finished already
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        journal = dest / "journal.jsonl"
        if journal.exists() and journal.stat().st_size:
            rep = Journal(journal).verify()
            assert rep.ok and rep.events == n, (trial, rep)
            outcomes.add("complete")
        else:
            assert not dest.exists() or not [p for p in dest.iterdir() if p.is_file()], trial
            outcomes.add("empty")
        code, _, _ = run("import", str(source.export), "-w", str(dest))  # finish or no-op
        assert code == 0 and Journal(journal).verify().events == n
    assert not [p for p in tmp_path.iterdir() if ".s3flow-import-" in p.name]
    assert outcomes  # which ones happened depends on the machine's speed


STARTS: dict[str, dict[str, Any]] = {
    "consent": {
        "title": "T",
        "facilitator": "Ana",
        "participants": PEOPLE,
        "driver": "d",
        "requirement": "r",
        "proposal": "p",
        "review_date": "2027-01-01",
    },
    "proposal-forming": {
        "title": "Garden",
        "facilitator": "Ana",
        "participants": PEOPLE,
        "driver": "d",
        "requirement": "r",
    },
    "tension": {"tension": "Bins overflow", "facilitator": "Ana", "participants": PEOPLE},
    "role-selection": {
        "role": "Host",
        "description": "Hosts the desk.",
        "term_end": "2027-06-01",
        "facilitator": "Ana",
        "participants": PEOPLE,
    },
}


def _value(f: Any, rng: random.Random) -> Any:
    return {
        "choice": lambda: rng.choice(f.choices) if f.choices else "x",
        "person": lambda: rng.choice(PEOPLE),
        "people": lambda: rng.sample(PEOPLE, rng.randint(1, 3)),
        "date": lambda: rng.choice(["2027-06-01", "2020-01-01"]),
        "bool": lambda: rng.random() < 0.5,
        "list": lambda: [rng.choice(["1", "x"])],
        "patterns": lambda: [],
        "int": lambda: rng.randint(-1, 3),
    }.get(f.type, lambda: rng.choice(["text", "<b>x</b>"]))()


@pytest.mark.parametrize("seed", range(8))
def test_whatever_the_live_rules_accept_is_imported(seed: int, tmp_path: Path) -> None:
    """No false refusals: random valid walks through each kind replay through the rules."""
    rng = random.Random(seed)
    kind = sorted(STARTS)[seed % len(STARTS)]
    ws = Workspace(tmp_path / "ws", clock=fixed_clock())
    p = ws.start(kind, "Ana", **STARTS[kind])
    for _ in range(40):
        acts = p.available_actions()
        if not acts:
            break
        a = rng.choice(acts)
        fields = {f.name: _value(f, rng) for f in a.fields if f.required or rng.random() < 0.5}
        with contextlib.suppress(S3Error):
            p.act(a.name, rng.choice(list(a.who) if a.who else PEOPLE), **fields)
    journal = ws.journal.path.read_bytes()
    events = check_journal(
        "walk", journal, handler_checks(), start_fields={"mits": mits_start_fields}
    )
    assert events == ws.journal.last_seq


def test_the_demos_replay_through_the_rules(tmp_path: Path) -> None:
    w = str(tmp_path / "demo")
    for scenario in ("consent", "roles", "mits"):
        assert run("demo", "--scenario", scenario, "-w", w)[0] == 0
    journal = (tmp_path / "demo" / "journal.jsonl").read_bytes()
    events = check_journal(
        "demo", journal, handler_checks(), start_fields={"mits": mits_start_fields}
    )
    assert events == journal.count(b"\n")


@pytest.mark.parametrize(
    "rule",
    [
        {
            "min_actors": 2,
            "civil_society": "optional",
            "rule_reason": "a small village",
            "relax_rule": True,
        },
        {
            "rule": "recommended",
            "min_actors": 2,
            "civil_society": "optional",
            "participants": ["Zoe"],
            "relax_rule": True,
        },
    ],
)
def test_a_mits_cycle_with_a_relaxed_rule_replays(rule: dict[str, Any], tmp_path: Path) -> None:
    """The cycle records its rule resolved; the importer finds the start fields that give it."""
    ws = Workspace(tmp_path / "ws", clock=fixed_clock())
    actors = ["Town hall | local administration | Luca", "Coop | business | Ivo"]
    m = ws.start("mits", "Marta", community="Valverde", facilitator="Marta", actors=actors, **rule)
    assert m.data["rule"]["name"] == "custom"
    journal = ws.journal.path.read_bytes()
    assert (
        check_journal("m", journal, handler_checks(), start_fields={"mits": mits_start_fields}) == 2
    )
    evs = [json.loads(line) for line in journal.splitlines()]
    evs[1]["data"]["rule"]["min_actors"] = 1  # a forged, more relaxed rule
    forged = b"".join(encode_line(e) for e in rechain(evs))
    with pytest.raises(ImportRefused, match="event 2"):
        check_journal("m", forged, handler_checks(), start_fields={"mits": mits_start_fields})
