"""Signed checkpoints: format, signatures, cosignatures, tampering, embedding and key files."""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from s3engine.cli import trust as cli_trust
from s3engine.cli.main import main
from s3engine.core import trust
from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error
from s3engine.journal import checkpoint as cpm
from s3engine.journal import embedding as emb
from s3engine.journal.checkpoint import CheckpointError
from s3engine.journal.event import GENESIS, event_hash
from s3engine.journal.signing import (
    SigningKeyError,
    generate,
    load_or_create,
    verify_signature,
)

Cap = pytest.CaptureFixture[str]
Demo = tuple[Path, Path, list[str]]  # workspace folder, checkpoint file, journal lines


def cli(capsys: Cap, *argv: str) -> tuple[int, str, str]:
    """Run a command of s3engine.cli.trust the way s3flow's main() does."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", "-w")
    common.add_argument("--as", dest="actor", default="s3flow")
    parser = argparse.ArgumentParser(prog="s3flow")
    cli_trust.register(parser.add_subparsers(), common)
    args = parser.parse_args(list(argv))
    try:
        code = args.func(args)
    except S3Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 2
    out, err = capsys.readouterr()
    return code, out, err


def verify(capsys: Cap, folder: Path, cp_file: Path) -> tuple[int, str]:
    """What `s3flow verify --checkpoint FILE` does (exit 2 for an S3Error)."""
    try:
        code = cli_trust.verify_checkpoint(folder, cp_file)
    except S3Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 2
    out, err = capsys.readouterr()
    return code, out + err


def fake_events(n: int) -> list[dict[str, Any]]:
    """A valid hash chain of n events, built in memory."""
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        ev: dict[str, Any] = {
            "seq": seq,
            "time": f"2026-01-05T09:00:{seq % 60:02d}.000000Z",
            "actor": "Ana",
            "process": "",
            "type": "note.added",
            "data": {"n": seq},
            "prev": prev,
        }
        ev["hash"] = event_hash(ev)
        prev = ev["hash"]
        events.append(ev)
    return events


def rechain(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Recompute every prev link and hash, as someone rewriting the whole journal would."""
    prev = GENESIS
    out = []
    for ev in events:
        ev = {**ev, "prev": prev}
        ev["hash"] = event_hash(ev)
        prev = ev["hash"]
        out.append(ev)
    return out


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace and its checkpoint file, made once."""
    root = tmp_path_factory.mktemp("demo")
    assert main(["demo", "-w", str(root / "W")]) == 0
    ws = Workspace(root / "W")
    (root / "cp.txt").write_text(trust.checkpoint(ws), encoding="utf-8")
    ws.close()
    return root


@pytest.fixture
def demo(demo_master: Path, tmp_path: Path) -> Demo:
    shutil.copytree(demo_master / "W", tmp_path / "W")
    shutil.copy(demo_master / "cp.txt", tmp_path / "cp.txt")
    lines = (tmp_path / "W" / "journal.jsonl").read_text(encoding="utf-8").splitlines(True)
    return tmp_path / "W", tmp_path / "cp.txt", lines


def write_journal(folder: Path, events: list[Any]) -> None:
    text = "".join(e if isinstance(e, str) else json.dumps(e) + "\n" for e in events)
    (folder / "journal.jsonl").write_text(text, encoding="utf-8")


# -- format --------------------------------------------------------------------------------------


def test_format_round_trip() -> None:
    key = generate("s3flow.local/abc")
    events = fake_events(5)
    body = cpm.make("s3flow.local/abc", events)
    lines = body.splitlines()
    assert lines[:2] == ["s3flow.local/abc", "5"]
    assert base64.b64decode(lines[2]).hex() == events[-1]["hash"]
    assert lines[3].startswith("s3flow-waypoints 1 ")
    note = cpm.sign(body, key)
    assert note.startswith(body + "\n— s3flow.local/abc ") and note.endswith("\n")
    cp = cpm.parse(note)
    assert (cp.origin, cp.size, cp.head, cp.body) == (
        "s3flow.local/abc",
        5,
        events[-1]["hash"],
        body,
    )
    assert cp.waypoints is not None and cp.waypoints.step == 1
    assert cp.waypoints.prefixes == tuple(bytes.fromhex(e["hash"])[:4] for e in events)
    [sig] = cp.signatures
    assert sig.name == key.name and sig.key_id == key.key_id and len(sig.sig) == 64
    assert cpm.compare(cp, events).ok
    assert cpm.parse(emb.extract(emb.embed_text(note))) == cp
    empty = cpm.parse(cpm.sign(cpm.make("s3flow.local/abc", []), key))
    assert (empty.size, empty.head, empty.waypoints) == (0, GENESIS, None)


def test_waypoints_of_a_long_journal_wrap_and_thin_out() -> None:
    events = fake_events(1000)
    body = cpm.make("s3flow.local/x", events)
    way = [line for line in body.splitlines() if line.startswith("s3flow-waypoints ")]
    assert len(way) > 1 and all(len(line) <= 100 for line in way)
    assert {line.split()[1] for line in way} == {"4"}  # ceil(1000 / 256)
    cp = cpm.parse(cpm.sign(body, generate("s3flow.local/x")))
    assert cp.waypoints is not None and len(cp.waypoints.prefixes) == 250
    assert cpm.waypoint_seqs(10, 3) == [3, 6, 9, 10]


def test_key_id_is_the_c2sp_one_and_signatures_verify() -> None:
    key = generate("example.org/alice")
    expected = hashlib.sha256(b"example.org/alice\n\x01" + key.public_raw).digest()[:4]
    assert key.key_id == expected
    sig = key.sign(b"hello\n")
    assert verify_signature(key.name, key.public_b64, b"hello\n", sig)
    assert verify_signature(key.name, key.public_b64, b"hello\n", key.key_id + sig)
    assert not verify_signature("example.org/bob", key.public_b64, b"hello\n", key.key_id + sig)
    assert not verify_signature(key.name, key.public_b64, b"hellO\n", sig)
    assert not verify_signature(key.name, "not base64!", b"hello\n", sig)
    cp = cpm.parse(cpm.sign(cpm.make("s3flow.local/a", fake_events(3)), key))
    other = generate("example.org/alice")  # same name, other key: unknown, not failed
    assert cpm.verify_note(cp, {key.name: key.public_b64}).verified == (key.name,)
    check = cpm.verify_note(cp, {other.name: other.public_b64})
    assert check.verified == () and check.failed == () and len(check.unknown) == 1
    assert not check.ok


def test_a_cosignature_by_a_second_key_verifies() -> None:
    log, witness = generate("s3flow.local/w"), generate("witness.example/carla")
    note = cpm.sign(cpm.make("s3flow.local/w", fake_events(4)), log)
    both = cpm.cosign(note, witness)
    assert both.startswith(note)
    cp = cpm.parse(both)
    check = cpm.verify_note(cp, {log.name: log.public_b64, witness.name: witness.public_b64})
    assert check.verified == (log.name, witness.name) and check.ok
    with pytest.raises(CheckpointError, match="already signed by a key named witness"):
        cpm.cosign(both, witness)
    with pytest.raises(CheckpointError):
        cpm.cosign("garbage\n", witness)


# -- the command line and the workspace ------------------------------------------------------------


def test_checkpoint_cosign_witness_and_verify_commands(tmp_path: Path, capsys: Cap) -> None:
    w = tmp_path / "W"
    assert main(["init", "-w", str(w)]) == 0
    capsys.readouterr()
    code, out, _ = cli(capsys, "checkpoint", "-w", str(w), "-o", str(tmp_path / "cp.txt"))
    assert code == 0 and "checkpoint of 2 events" in out  # created + the key event
    assert oct((w / "keys" / "workspace.key").stat().st_mode & 0o777) == "0o600"
    assert oct((w / "keys").stat().st_mode & 0o777) == "0o700"
    key_file = tmp_path / "carla" / "witness.key"
    cosign = ["checkpoint", "--cosign", str(tmp_path / "cp.txt"), "--key", str(key_file)]
    cosign += ["--name", "witness.example/carla"]
    code, out, _ = cli(capsys, *cosign, "-o", str(tmp_path / "cp2.txt"))
    assert code == 0 and "Created the witness key" in out
    assert key_file.stat().st_mode & 0o777 == 0o600
    public = next(x.split(": ")[1] for x in out.splitlines() if x.startswith("Public key"))
    code, out, _ = cli(capsys, "witness", "add", "-w", str(w), "witness.example/carla", public)
    assert code == 0 and "at event 3" in out
    code, _, err = cli(capsys, "witness", "add", "-w", str(w), "witness.example/carla", public)
    assert code == 2 and "already recorded" in err
    code, out = verify(capsys, w, tmp_path / "cp2.txt")
    assert code == 0, out
    assert "witness.example/carla (witness) vouches for 2 events" in out
    assert "(workspace key) vouches for 2 events" in out and "1 event was added since" in out
    code, out, _ = cli(capsys, "checkpoint", "-w", str(w), "--json")
    doc = json.loads(out)
    assert doc["size"] == 3 and cpm.parse(doc["checkpoint"]).size == 3
    # A witness key given by the verifier (not recorded) counts too.
    cp = trust.verify_against(w, (tmp_path / "cp2.txt").read_text(), {"x.example/y": public})
    assert cp.ok and "witness.example/carla" in cp.signatures.verified
    # The same key file signs again without being re-created.
    code, out, err = cli(capsys, *cosign)
    assert code == 0 and "Created" not in err and out.count("\n— ") == 2


def test_the_first_key_event_is_the_workspace_identity(ws: Workspace) -> None:
    key = trust.workspace_key(ws)
    again = trust.workspace_key(ws)
    assert again.public_b64 == key.public_b64
    keyed = [e for e in ws.events() if e["type"] == trust.KEY_EVENT]
    assert len(keyed) == 1 and keyed[0]["data"]["public_key"] == key.public_b64
    ident = trust.identity(ws)
    assert ident is not None and key.name == ident.origin == "s3flow.local/" + ident.workspace_id
    (ws.path / "keys" / "workspace.key").unlink()
    with pytest.raises(trust.TrustError, match=r"key file .* is missing"):
        trust.checkpoint(ws)
    load_or_create(ws.path / "keys" / "workspace.key", key.name)  # a different key
    with pytest.raises(trust.TrustError, match="holds another key"):
        trust.checkpoint(ws)


def test_a_grown_journal_still_matches(demo: Demo, capsys: Cap) -> None:
    w, cp_file, _ = demo
    ws = Workspace(w)
    ws.configure("Ana", community="Bologna")
    ws.close()
    code, out = verify(capsys, w, cp_file)
    assert code == 0 and "1 event was added since" in out


# -- tampering -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [1, 3, 10])
def test_deleted_last_events_are_named(demo: Demo, capsys: Cap, cut: int) -> None:
    w, cp_file, lines = demo
    n = len(lines)
    write_journal(w, lines[:-cut])
    code, out = verify(capsys, w, cp_file)
    assert code == 1
    first = out.splitlines()[0]
    if cut == 1:
        assert first == f"FAILED: Event {n} is missing: the journal ends at event {n - 1}, " + (
            f"the checkpoint vouches for {n}."
        )
    else:
        assert first.startswith(f"FAILED: Events {n - cut + 1}..{n} are missing")


def test_an_emptied_journal_is_named(demo: Demo, capsys: Cap) -> None:
    w, cp_file, lines = demo
    write_journal(w, [])
    code, out = verify(capsys, w, cp_file)
    assert code == 1 and f"Events 1..{len(lines)} are missing: the journal is empty" in out
    assert "No signature by a trusted key" in out


def test_a_rewritten_journal_names_the_first_changed_event(demo: Demo, capsys: Cap) -> None:
    w, cp_file, lines = demo
    events = [json.loads(x) for x in lines]
    k = next(e["seq"] for e in events if e["seq"] > 10 and e["data"])
    events[k - 1]["data"] = {**events[k - 1]["data"], "forged": True}
    write_journal(w, rechain(events))
    assert main(["verify", "-w", str(w)]) == 0  # the bare chain cannot tell
    capsys.readouterr()
    code, out = verify(capsys, w, cp_file)
    assert code == 1
    assert out.splitlines()[0] == (
        f"FAILED: Event {k} differs from the event the checkpoint vouches for (it was changed, "
        "and the hashes after it were recomputed)."
    )


def test_a_rewritten_long_journal_names_the_range_of_the_first_change() -> None:
    events = fake_events(1000)  # step 4
    cp = cpm.parse(cpm.sign(cpm.make("s3flow.local/x", events), generate("s3flow.local/x")))
    forged = [dict(e) for e in events]
    forged[501 - 1]["data"] = {"n": "forged"}
    res = cpm.compare(cp, rechain(forged))
    assert not res.ok and not res.exact and (res.first_bad_seq, res.last_bad_seq) == (501, 504)
    assert "between seq 501 and 504" in res.reason and "cannot be known" in res.reason
    res = cpm.compare(cp, rechain(forged)[:700])  # rewritten and cut: the change comes first
    assert (res.first_bad_seq, res.last_bad_seq) == (501, 504)
    only_last = rechain([*events[:-1], {**events[-1], "data": {"n": "x"}}])
    res = cpm.compare(cp, only_last)
    assert (res.first_bad_seq, res.last_bad_seq) == (997, 1000)  # after waypoint 996


def test_swapped_events_are_named(demo: Demo, capsys: Cap) -> None:
    w, cp_file, lines = demo
    lines[9], lines[10] = lines[10], lines[9]
    write_journal(w, lines)
    code, out = verify(capsys, w, cp_file)
    assert code == 1
    assert out.splitlines()[0].startswith("FAILED: Event 10: seq is 11 where 10 was expected")


def test_an_event_edited_with_its_old_hash_kept_is_named(demo: Demo, capsys: Cap) -> None:
    w, cp_file, lines = demo
    ev = json.loads(lines[14])
    ev["actor"] = "Mallory"
    lines[14] = json.dumps(ev) + "\n"
    write_journal(w, lines)
    code, out = verify(capsys, w, cp_file)
    assert code == 1
    assert out.splitlines()[0] == (
        "FAILED: Event 15: its content does not match its hash (the event was changed)."
    )
    # Nor does the workspace sign such a journal.
    code, _, err = cli(capsys, "checkpoint", "-w", str(w))
    assert code == 2 and "damaged at event 15" in err


def test_damage_after_the_checkpoint_fails(demo: Demo, capsys: Cap) -> None:
    w, cp_file, lines = demo
    write_journal(w, [*lines, '{"seq": 999}\n'])
    code, out = verify(capsys, w, cp_file)
    assert code == 1 and f"Event {len(lines) + 1} (after the {len(lines)} events" in out


def test_a_forged_signature_fails(demo: Demo, capsys: Cap) -> None:
    w, cp_file, _ = demo
    cp = cpm.parse(cp_file.read_text(encoding="utf-8"))
    [s] = cp.signatures
    bad = bytes([s.sig[0] ^ 1]) + s.sig[1:]
    forged = cp.body + "\n— " + s.name + " " + base64.b64encode(s.key_id + bad).decode() + "\n"
    cp_file.write_text(forged, encoding="utf-8")
    code, out = verify(capsys, w, cp_file)
    assert code == 1 and f"FAILED: The signature by {s.name} does not verify" in out
    # Another head hash under the old signature: the signature fails and the head differs.
    lines = cp.body.splitlines()
    lines[2] = base64.b64encode(hashlib.sha256(b"forged").digest()).decode()
    body = "\n".join(lines) + "\n"
    sig_line = "— " + s.name + " " + base64.b64encode(s.key_id + s.sig).decode() + "\n"
    cp_file.write_text(body + "\n" + sig_line, encoding="utf-8")
    code, out = verify(capsys, w, cp_file)
    assert code == 1 and "does not verify" in out


def test_a_checkpoint_signed_by_an_unknown_key_fails(demo: Demo, capsys: Cap) -> None:
    w, cp_file, _ = demo
    cp = cpm.parse(cp_file.read_text(encoding="utf-8"))
    for impostor in (generate(cp.origin), generate("mallory.example/key")):
        cp_file.write_text(cpm.sign(cp.body, impostor), encoding="utf-8")
        code, out = verify(capsys, w, cp_file)
        assert code == 1 and "No signature by a trusted key" in out
        assert f"unknown keys: {impostor.name} (key id {impostor.key_id.hex()})" in out


def test_a_checkpoint_of_another_workspace_fails(demo: Demo, tmp_path: Path, capsys: Cap) -> None:
    _, cp_file, _ = demo
    other = Workspace(tmp_path / "other")
    trust.checkpoint(other)
    code, out = verify(capsys, tmp_path / "other", cp_file)
    assert code == 1 and "but this journal is s3flow.local/" in out


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[: len(t) // 2],  # truncated
        lambda t: t.split("\n\n")[0] + "\n",  # no signature
        lambda t: t.replace("\n", "\nextra line\n", 1),  # size moved to line 3
        lambda t: "\n".join(["s3flow.local/x", "4x", *t.split("\n")[2:]]),  # size not decimal
        lambda t: t.replace(t.split("\n")[2], "%%%not base64%%%"),  # bad head
        lambda t: t + "trailing garbage\n",
        lambda t: t.rstrip("\n") + "AAAA!\n",  # garbled signature
        lambda t: "s3flow.local/x\n3\n\n— x AAAAAAAA\n",  # too few lines
        lambda t: "",
        lambda t: "# Minutes\n\nNothing to see here.\n",
        lambda t: (
            '{"seq": 1, "time": "", "actor": "", "process": "", "type": "", '
            '"data": {}, "prev": "", "hash": ""}\n'
        ),
        lambda t: json.dumps({"cells": [], "metadata": {}}),
        lambda t: f"{emb.BEGIN}\n{t}",  # no END line
    ],
)
def test_a_malformed_checkpoint_is_a_typed_error(demo: Demo, capsys: Cap, mangle: Any) -> None:
    w, cp_file, _ = demo
    text = mangle(cp_file.read_text(encoding="utf-8"))
    cp_file.write_text(text, encoding="utf-8")
    with pytest.raises(CheckpointError):
        cpm.parse(emb.extract(text))
    code, out = verify(capsys, w, cp_file)
    assert code == 2 and out.startswith("error: The checkpoint cannot be read:")
    code, out = verify(capsys, w, cp_file.with_name("missing.txt"))
    assert code == 2 and "there is no file" in out


# -- embedding -----------------------------------------------------------------------------------


def test_checkpoints_are_found_in_minutes_notebooks_and_exports(demo: Demo, capsys: Cap) -> None:
    w, cp_file, lines = demo
    note = cp_file.read_text(encoding="utf-8")
    md = (
        "# Minutes of 2026-01-05\n\n## Decisions\n\n- Energy desk: consent.\n\n"
        "## Checkpoint\n\n```text\n" + emb.embed_text(note) + "```\n"
    )
    html_doc = "<html><body><h1>Minutes</h1>\n" + emb.embed_html(note) + "</body></html>\n"
    notebook = json.dumps({"cells": [], "metadata": {"s3flow": {"checkpoint": note}}})
    export = json.dumps({"s3flow_export": 1, "checkpoint": note}) + "\n" + "".join(lines)
    for name, text in [("m.md", md), ("m.html", html_doc), ("n.ipynb", notebook), ("e", export)]:
        path = w.parent / name
        path.write_text(text, encoding="utf-8")
        assert emb.extract(text) == note
        code, out = verify(capsys, w, path)
        assert code == 0, (name, out)
    indented = "\n".join("    " + x for x in emb.embed_text(note).splitlines())
    assert cpm.parse(emb.extract("Minutes\n\n" + indented + "\n")) == cpm.parse(note)
    with pytest.raises(CheckpointError, match="2 checkpoint blocks"):
        emb.extract(md + md)
    with pytest.raises(CheckpointError, match="export's first line holds no checkpoint"):
        emb.extract(json.dumps({"s3flow_export": 1}) + "\n")


# -- key files -----------------------------------------------------------------------------------


def test_key_files_are_private_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "k" / "a.key"
    key = load_or_create(path, "example.org/a")
    assert key.created and path.stat().st_size == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o700
    again = load_or_create(path, "example.org/a")
    assert not again.created and again.public_b64 == key.public_b64
    assert [p.name for p in path.parent.iterdir()] == ["a.key"]  # no temporary file left
    os.chmod(path, 0o644)
    with pytest.raises(SigningKeyError, match="readable by others"):
        load_or_create(path, "example.org/a")
    os.chmod(path, 0o600)
    path.write_bytes(b"x" * 31)
    with pytest.raises(SigningKeyError, match="holds 31 bytes"):
        load_or_create(path, "example.org/a")
    with pytest.raises(SigningKeyError, match="cannot be a key name"):
        load_or_create(tmp_path / "b.key", "has space")
    link = tmp_path / "link.key"
    link.symlink_to(path)
    with pytest.raises(SigningKeyError):
        load_or_create(link, "example.org/a")


def test_a_readable_workspace_key_is_refused(demo: Demo, capsys: Cap) -> None:
    w, _, _ = demo
    os.chmod(w / "keys" / "workspace.key", 0o644)
    code, _, err = cli(capsys, "checkpoint", "-w", str(w))
    assert code == 2 and "readable by others" in err and "chmod 600" in err


def test_programs_creating_one_key_at_once_share_it(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "keys" / "k.key"
    with ThreadPoolExecutor(8) as pool:
        keys = list(pool.map(lambda _: load_or_create(path, "example.org/k"), range(16)))
    assert len({k.public_b64 for k in keys}) == 1 and sum(k.created for k in keys) == 1
    assert [p.name for p in path.parent.iterdir()] == ["k.key"]


def test_a_key_recorded_meanwhile_by_another_program_wins(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = Workspace(ws.path)
    first = trust.workspace_key(other)  # recorded by "another program"
    real = trust.identity
    calls = iter([None])
    monkeypatch.setattr(trust, "identity", lambda src: next(calls, real(src)))
    key = trust.workspace_key(ws)  # saw no key at first, then found it under the lock
    assert key.public_b64 == first.public_b64 and key.name == first.name
    assert sum(e["type"] == trust.KEY_EVENT for e in ws.events()) == 1
