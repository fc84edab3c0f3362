"""The PostgreSQL journal store on a real server: URLs, many workspaces in one database, schema
versions, notifications, writers that skip the lock, secrets in the database, and the command line
from `s3flow demo` to an import into a folder (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from conftest import PEOPLE, run_to_check, start_consent
from pg_support import StoreCase, pg_rows

from s3engine.cli.main import main
from s3engine.core.workspace import Workspace, open_journal, resolve_path
from s3engine.errors import JournalWriteError, S3Error, WorkspaceError
from s3engine.journal import pg_schema
from s3engine.journal.pg_store import CHANNEL, PgJournal, PgTarget, parse_url

S3FLOW = str(Path(sys.executable).with_name("s3flow"))


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [S3FLOW, *args], capture_output=True, text=True, timeout=300, env=env or dict(os.environ)
    )


def test_url_names_the_workspace_and_hides_the_password(tmp_path: Path) -> None:
    t = parse_url("postgresql://ana:secret@db.example/region?sslmode=require")
    assert t.workspace == "default" and "workspace" not in t.conninfo
    assert "secret" not in str(t) and "sslmode=require" in str(t) and "workspace=default" in str(t)
    t = parse_url(f"postgres://s3@/r?host=/tmp&workspace=tor-bella&state={tmp_path}")
    assert (t.workspace, t.state) == ("tor-bella", tmp_path)
    assert "state" not in t.conninfo and parse_url(str(t)) == t  # the URL round-trips
    with pytest.raises(WorkspaceError, match="cannot name a workspace"):
        parse_url("postgresql://s3@/r?workspace=../../etc")
    # two workspaces never share a state folder by default
    a, b = parse_url("postgresql://s3@/r?workspace=a"), parse_url("postgresql://s3@/r?workspace=b")
    assert a.state != b.state and a.state.parent == b.state.parent


def test_workspace_variable_may_be_a_url(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3FLOW_WORKSPACE", pg_url)
    assert isinstance(resolve_path(None), PgTarget)
    ws = Workspace.open()
    ws.write("Ana", "", "workspace.created", {})
    assert isinstance(ws.journal, PgJournal) and ws.head[0] == 2  # the key, then the event


def test_many_workspaces_in_one_database_stay_apart(pg_url: str, tmp_path: Path) -> None:
    base = StoreCase("pg", pg_url, tmp_path / "pg-state")
    one, two = Workspace(base.another("one").location), Workspace(base.another("two").location)
    start_consent(one)
    for i in range(3):
        two.write("Bo", "", "test.tick", {"i": i})
    assert [e["seq"] for e in two.events()] == [1, 2, 3, 4]
    assert [p.id for p in one.roots()] == ["consent-1"] and two.roots() == []
    assert one.key_record != two.key_record  # each community has its own key
    assert one.path != two.path
    names = {r[0] for r in pg_rows(pg_url, "SELECT name FROM s3flow_workspaces")}
    assert {one.journal.describe(), two.journal.describe()} and len(names) >= 2
    assert (
        Workspace(base.another("one").location).get("consent-1").state == one.get("consent-1").state
    )


def test_opening_a_missing_workspace_without_create_is_refused(pg_url: str) -> None:
    with pytest.raises(WorkspaceError, match="No workspace"):
        Workspace(pg_url, create=False)
    assert main(["agreements", "-w", pg_url]) == 2


def test_schema_is_versioned_and_a_newer_one_is_refused(pg_url: str) -> None:
    Workspace(pg_url).write("Ana", "", "workspace.created", {})
    target = resolve_path(pg_url)
    assert isinstance(target, PgTarget)
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        assert pg_schema.current_version(conn) == pg_schema.VERSION
        assert pg_schema.migrate(conn) == pg_schema.VERSION  # nothing left to do
        with conn.transaction(force_rollback=True):
            conn.execute("UPDATE s3flow_schema SET version = %s", (pg_schema.VERSION + 1,))
            with pytest.raises(WorkspaceError, match=r"knows up to"):
                pg_schema.migrate(conn)


def test_every_append_is_notified_after_commit(pg_url: str) -> None:
    target = resolve_path(pg_url)
    assert isinstance(target, PgTarget)
    with psycopg.connect(target.conninfo, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        ws = Workspace(pg_url)
        ev = ws.write("Ana", "", "test.tick", {})
        got = [json.loads(n.payload) for n in listener.notifies(timeout=5, stop_after=2)]
    assert {"workspace": target.workspace, "seq": ev["seq"], "hash": ev["hash"]} in got


def test_a_writer_that_skips_the_lock_cannot_fork_the_chain(pg_url: str) -> None:
    a, b = open_journal(resolve_path(pg_url)), open_journal(resolve_path(pg_url))
    assert isinstance(a, PgJournal) and isinstance(b, PgJournal)
    a.append("a", "", "test.tick", {})
    b.read_new()
    a.append("a", "", "test.tick", {"n": 2})
    stale = b.make_event("b", "", "test.tick", {"n": "fork"})  # built on the old head
    b._locked = 1  # as a buggy program would: write without taking the lock
    with pytest.raises(JournalWriteError, match="changed unexpectedly"):
        b.append_locked(stale)
    b._locked = 0
    rep = a.verify()
    assert rep.ok and rep.events == 2


def test_removed_events_are_found_by_verify_and_by_a_checkpoint(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = StoreCase("pg", pg_url, tmp_path / "pg-state")
    ws = Workspace(pg_url)
    for i in range(5):
        ws.write("Ana", "", "test.tick", {"i": i})
    note = tmp_path / "cp.txt"
    assert main(["checkpoint", "-w", pg_url, "-o", str(note)]) == 0
    with psycopg.connect(parse_url(pg_url).conninfo, autocommit=True) as conn:
        conn.execute(  # a row deleted behind s3flow's back: the head row still says 6
            "DELETE FROM s3flow_events WHERE workspace = %s AND seq = 6",
            (parse_url(pg_url).workspace,),
        )
    rep = store.journal().verify()
    assert not rep.ok and rep.first_bad_seq == 6 and "head records 6" in rep.reason
    store.rewrite(store.lines())  # rows as they are ...
    ws2 = Workspace(pg_url)
    ws2.journal.close()
    with psycopg.connect(parse_url(pg_url).conninfo, autocommit=True) as conn:
        conn.execute(  # ... and the head row moved back too: only the checkpoint can tell
            "UPDATE s3flow_workspaces SET head_seq = 5, head_hash = %s WHERE name = %s",
            (json.loads(store.lines()[-1])["hash"], parse_url(pg_url).workspace),
        )
    assert store.journal().verify().ok
    capsys.readouterr()
    assert main(["verify", "--checkpoint", str(note), "-w", pg_url]) == 1
    assert "6" in capsys.readouterr().out


def test_hidden_answers_and_the_key_live_in_the_database(pg_url: str, tmp_path: Path) -> None:
    """Two programs with different local folders take part in one hidden round."""
    kitchen = Workspace(pg_url.replace(f"state={tmp_path / 'pg-state'}", f"state={tmp_path / 'a'}"))
    p = start_consent(kitchen)
    run_to_check(p)
    p.act("signal", PEOPLE[0], signal="no objection")
    hall = Workspace(pg_url.replace(f"state={tmp_path / 'pg-state'}", f"state={tmp_path / 'b'}"))
    assert hall.path != kitchen.path
    sealed = pg_rows(pg_url, "SELECT count(*) FROM s3flow_sealed WHERE workspace = %(ws)s")
    assert sealed[0][0] == 1  # the sealed answer is in the database, not in a folder
    assert not (kitchen.path / "sealed").exists() and not (kitchen.path / "keys").exists()
    q = hall.get(p.id)
    for who in PEOPLE[1:]:
        q.act("signal", who, signal="no objection")
    assert q.leaf().state != "check_objections"  # revealed by the second program
    assert pg_rows(pg_url, "SELECT count(*) FROM s3flow_sealed WHERE workspace = %(ws)s")[0][0] == 0
    kitchen.refresh()
    assert kitchen.get(p.id).state == hall.get(p.id).state


def test_unreachable_server_is_one_clear_line(tmp_path: Path) -> None:
    url = f"postgresql://s3@/x?host={tmp_path}&port=1&workspace=w"
    out = run("agreements", "-w", url)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "Cannot connect to the PostgreSQL workspace" in out.stderr
    assert out.stderr.count("\n") == 1


def test_demo_in_postgresql_exports_into_a_folder_with_identical_output(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Done-when 2 of issue 15: demo, export and import as real `s3flow` processes."""

    def out(*args: str) -> str:  # the same command in this process, its output
        capsys.readouterr()
        assert main(list(args)) == 0, args
        return capsys.readouterr().out

    env = dict(os.environ, S3FLOW_WORKSPACE="")
    assert run("demo", "--workspace", pg_url, env=env).returncode == 0
    assert out("verify", "--workspace", pg_url).startswith("OK: ")
    agreements = out("agreements", "--json", "--workspace", pg_url)
    roles = out("roles", "--json", "--workspace", pg_url)
    assert json.loads(agreements)
    note = tmp_path / "cp.txt"
    out("checkpoint", "-w", pg_url, "-o", str(note))
    file = tmp_path / "region.jsonl"
    assert run("export", "--workspace", pg_url, "-o", str(file)).returncode == 0
    folder = tmp_path / "folder"
    imported = run("import", str(file), "--workspace", str(folder))
    assert imported.returncode == 0 and "Checkpoint verified" in imported.stdout
    assert out("verify", "--workspace", str(folder)).startswith("OK: ")
    out("verify", "--checkpoint", str(note), "-w", str(folder))
    assert out("agreements", "--json", "--workspace", str(folder)) == agreements
    assert out("roles", "--json", "--workspace", str(folder)) == roles
    # the file journal is the database's lines, byte for byte
    assert (folder / "journal.jsonl").read_bytes() == file.read_bytes().split(b"\n", 1)[1]


def test_mid_round_the_database_holds_no_answer_in_clear(pg_url: str) -> None:
    ws = Workspace(pg_url)
    p = start_consent(ws)
    run_to_check(p)
    p.act("signal", "Bruno", signal="possible objection")
    rows = pg_rows(pg_url, "SELECT line FROM s3flow_events WHERE workspace = %(ws)s")
    blobs = pg_rows(pg_url, "SELECT blob FROM s3flow_sealed WHERE workspace = %(ws)s")
    assert len(blobs) == 1 and b"possible" not in bytes(blobs[0][0])
    assert not any("possible objection" in r[0] for r in rows)  # only a commitment so far


def test_a_changed_sealed_answer_in_the_database_blocks_the_reveal(pg_url: str) -> None:
    ws = Workspace(pg_url)
    p = start_consent(ws)
    run_to_check(p)
    for who in PEOPLE[:3]:
        p.act("signal", who, signal="no objection")
    with psycopg.connect(parse_url(pg_url).conninfo, autocommit=True) as conn:
        conn.execute(  # flip one bit of one sealed answer
            "UPDATE s3flow_sealed SET blob = overlay(blob placing "
            "set_byte(substring(blob from length(blob) for 1), 0, "
            "get_byte(blob, length(blob) - 1) # 1) from length(blob) for 1) "
            "WHERE workspace = %s AND commitment = (SELECT min(commitment) FROM s3flow_sealed "
            "WHERE workspace = %s)",
            (parse_url(pg_url).workspace, parse_url(pg_url).workspace),
        )
    p.act("signal", "Dario", signal="no objection")  # recorded; the reveal cannot follow
    assert p.state == "check"
    before = ws.journal.export_bytes()
    with pytest.raises(S3Error, match="was changed"):
        p.act("close_round", "Ana")
    assert ws.journal.export_bytes() == before and p.state == "check"
