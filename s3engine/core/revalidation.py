"""Revalidation: a journal from elsewhere replayed through the rules, event by event.

A valid hash chain proves only that nobody changed a file after its hashes were computed; anyone can
write a journal, hash it and call it an export. So before a journal is imported every event is
checked against the state of a scratch workspace in a temporary folder (:class:`Replay`, never the
destination), then appended to it unchanged and applied, so the next event meets the true state:

- ``<kind>.started``: a registered kind whose ``validate_start`` accepts the start fields and gives
  the same id and data;
- an action: it names the running leaf of an existing process, ``leaf.validate`` accepts the
  recorded data as its fields and gives them back (see :func:`fit`);
- ``auth``, when present: the actor themself, or an operator who facilitates the process;
- a ``request`` id is recorded once;
- events of the registry's handlers: the checks the caller passes, each module's own rules (an
  ``s3engine.org`` writer judges its event through :func:`writer_check`);
- ``workspace.*`` events: the checks of the writers that make them (:data:`WORKSPACE_CHECKS`);
- anything else is refused.

The first refused event refuses the whole journal (:class:`ImportRefused` names its seq and the
rule). :mod:`s3engine.core.importer` reads exports and puts an accepted journal in place.

Allowed imports: standard library, s3engine.core, s3engine.journal, s3engine.errors.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from s3engine.core import request, trust
from s3engine.core.credential import SYSTEM, Credential
from s3engine.core.registry import Registry
from s3engine.core.workspace import Workspace
from s3engine.errors import S3Error
from s3engine.journal.checkpoint import ORIGIN_PREFIX
from s3engine.journal.event import encode_line, utc_now
from s3engine.journal.file_store import Journal
from s3engine.journal.signing import decode_public

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: The problem :meth:`Process.clean_fields` names for a field an action does not have.
UNKNOWN_FIELD = "this action has no such field"

#: A rule check of one event against the replayed state: raises an ``S3Error`` to refuse it.
Check = Callable[[Workspace, dict[str, Any]], None]
#: Further start fields that may have given a kind's recorded start data (derived data ...).
StartFields = Callable[[dict[str, Any]], list[dict[str, Any]]]
#: A writer of ``s3engine.org``-style: ``writer(ws, actor, **fields)`` calls ``ws.write`` once.
Writer = Callable[..., dict[str, Any]]


class ImportRefused(S3Error):
    """A file is not imported: it is not an export, its chain is broken or an event breaks a rule.

    Attributes:
        seq: The refused event (None when the file as a whole is refused).
        rule: The rule broken, in words.
    """

    def __init__(
        self, source: str, seq: int | None, rule: str, what: str = "", hint: str = ""
    ) -> None:
        self.seq = seq
        self.rule = rule
        where = "" if seq is None else f"event {seq}" + (f" ({what[:80]})" if what else "") + ": "
        text = _CONTROL.sub("?", f"{source} was not imported: {where}{rule.rstrip('.')}.")
        super().__init__(
            text,
            hint or "Nothing was imported; ask the workspace's keeper for a fresh `s3flow export`.",
        )


class Replay(Workspace):
    """A scratch workspace that checks each event against its state before taking it in.

    Writers run against it only validate: :meth:`write` runs their check and returns what they
    would journal, writing nothing, so a module's own writer can judge an event (see
    :func:`writer_check`). The clock reads the time of the event being checked, so rules about
    "today" judge it as on the day it was recorded.

    Args:
        path: A temporary folder (never the destination).
        checks: Checks of handler events, by event type.
        registry: The process kinds and handlers (default: those installed).
        start_fields: Per process kind, further start fields to try for recorded start data.

    Attributes:
        revalidating: Always True: rules that judge events of older versions differently (a
            signal recorded in clear by s3flow 0.1 ...) can tell a replay for an import from a
            live action by ``getattr(ws, "revalidating", False)``.
    """

    revalidating = True

    def __init__(
        self,
        path: Path,
        checks: Mapping[str, Check],
        registry: Registry | None = None,
        start_fields: Mapping[str, StartFields] | None = None,
    ) -> None:
        self.now = utc_now()
        self.checks = dict(checks)
        self.start_fields = dict(start_fields or {})
        self.seen: dict[int, dict[str, Any]] = {}
        super().__init__(path, clock=lambda: self.now, use_snapshot=False, registry=registry)
        atexit.unregister(self._exit_hook)  # nothing of a scratch workspace is ever flushed
        # The events checked are not in this workspace's journal: they are read back from here.
        self.read_events = lambda seqs: [self.seen[s] for s in seqs]

    def apply(self, event: dict[str, Any]) -> None:
        """Apply a checked event, keeping it for request ids and histories."""
        self.seen[event["seq"]] = event
        super().apply(event)

    def write(
        self,
        actor: str,
        process: str,
        type_: str,
        data: dict[str, Any],
        check: Callable[[], dict[str, Any] | None] | None = None,
        credential: Credential | None = None,
    ) -> dict[str, Any]:
        """Validate as the real write would, and return the would-be event (nothing is written)."""
        body = data
        if check is not None:
            cleaned = check()
            if cleaned is not None:
                body = cleaned
        return {"actor": actor, "process": process, "type": type_, "data": body}

    def take(self, event: dict[str, Any]) -> None:
        """Append a checked event unchanged to the scratch journal and apply it."""
        self.ensure_folder()
        line = encode_line(event)
        j = self.journal
        assert isinstance(j, Journal)  # a scratch workspace is always a folder
        with open(j.path, "ab") as fh:  # scratch: no fsync, it is thrown away
            fh.write(line)
        j.start_at(j.offset + len(line), event["seq"], event["hash"])
        self.apply(event)

    def check(self, ev: dict[str, Any]) -> None:
        """Check one event against the current state.

        Raises:
            S3Error: The event breaks a rule (the message says which).
        """
        type_, actor, pid, data = ev["type"], ev["actor"], ev["process"], ev["data"]
        if not all(isinstance(v, str) for v in (type_, actor, pid, ev["time"])):
            raise S3Error("its type, actor, process or time is not a text")
        if not actor.strip():
            raise S3Error("nobody is named as acting")
        if not isinstance(data, dict):
            raise S3Error("its data is not a mapping")
        self.now = ev["time"]
        kind, _, name = type_.partition(".")
        cred = _credential(ev)
        if name == "started" and kind in self.process_types:
            self._retry(ev, type_)
            if pid:
                raise S3Error(f"a start belongs to no process, this one names '{pid}'")
            if cred is not None:
                cred.check_may_act_for(actor, (actor,))
            cls = self.process_types[kind]
            names = (f.name for f in cls.definition.start_fields)
            fields = candidates(_without(data, "id"), names)
            if kind in self.start_fields:
                fields += self.start_fields[kind](data)
            fit(lambda f: cls.validate_start(self, f), fields, data, "the start")
        elif type_ in self.handlers:
            self._retry(ev, type_)
            check = self.checks.get(type_)
            if check is None:
                raise S3Error(f"no rule is known here to check a '{type_}' event")
            if cred is not None:
                cred.check_may_act_for(actor, ())
            check(self, ev)
        elif pid or kind in self.process_types:
            self._action(ev, cred)
        elif type_ in WORKSPACE_CHECKS:
            if cred is not None:
                cred.check_may_act_for(actor, ())
            WORKSPACE_CHECKS[type_](self, ev)
        else:
            raise S3Error(f"'{type_}' is not an event s3flow knows")

    def _action(self, ev: dict[str, Any], cred: Credential | None) -> None:
        pid, type_, actor = ev["process"], ev["type"], ev["actor"]
        proc = self.processes.get(pid)
        if proc is None:
            raise S3Error(f"there is no process '{pid}' (it was never started)")
        leaf = proc.root.leaf()
        if leaf is not proc:
            raise S3Error(f"process {pid} is not the one running now ({leaf.id} is)")
        kind, _, action = type_.partition(".")
        if kind != leaf.kind:
            raise S3Error(f"process {pid} is a {leaf.kind} process, not a {kind} process")
        self._retry(ev, f".{action}")
        if cred is not None:
            cred.check_may_act_for(actor, leaf.facilitators())
        data = ev["data"]
        spec = leaf.definition.action_map.get(action)
        names = [f.name for f in leaf.fields_for(spec)] if spec is not None else []
        fit(lambda f: leaf.validate(action, actor, f), candidates(data, names), data, f"'{action}'")

    def _retry(self, ev: dict[str, Any], type_: str) -> None:
        rid = ev.get("request")
        done = request.retried(self.requests, rid, type_, ev["actor"], self.read_events)
        if done is not None:
            raise S3Error(
                f"its request id {rid} was already recorded by event {done['seq']} "
                "(a retried action is recorded once)"
            )


def _credential(ev: dict[str, Any]) -> Credential | None:
    auth = ev.get("auth")
    if not isinstance(auth, dict):
        return None  # events of s3flow 0.1 carry no auth
    return Credential(str(auth["by"]), str(auth["via"]), auth.get("link"))


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


def candidates(data: dict[str, Any], declared: Iterable[str]) -> list[dict[str, Any]]:
    """The fields that may have given recorded data.

    The data themselves; then only the keys that are declared fields (validation may add derived
    data, such as an instrument's definition); then the data without one key each (a key the
    cleaning adds beside one it reads, such as the round of a sealed signal); then, for a declared
    field recorded as a mapping (a name resolved to its record), each text of the mapping.
    """
    names = set(declared)
    out = [dict(data), {k: v for k, v in data.items() if k in names}]
    out += [_without(data, k) for k in data]
    for key, value in data.items():  # a field resolved in place to a record (an owner role ...)
        if key in names and isinstance(value, dict):
            out += [{**out[1], key: v} for v in value.values() if isinstance(v, str)]
    unique: list[dict[str, Any]] = []
    for fields in out:
        if fields not in unique:
            unique.append(fields)
    return unique


def _normal(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False))


def fit(
    validate: Callable[[dict[str, Any]], dict[str, Any]],
    candidates: list[dict[str, Any]],
    recorded: dict[str, Any],
    what: str,
) -> None:
    """Accept recorded data that the rules make of one of the candidate fields.

    The recorded data of an action are its cleaned fields, sometimes with a key the cleaning adds
    (the round a sealed signal belongs to ...), so the data themselves are tried first, then the
    data without one key each. Whichever candidate is accepted must give back exactly the recorded
    data: then the live program, given those fields, would have recorded this event.

    Raises:
        S3Error: No candidate fits; the most telling refusal is raised (a broken rule rather than an
            unknown field).
    """
    errors: list[S3Error] = []
    for fields in candidates:
        try:
            same(validate(fields), recorded, what)
            return
        except S3Error as exc:
            errors.append(exc)
    telling = [e for e in errors if getattr(e, "problem", "") != UNKNOWN_FIELD]
    raise (telling or errors)[0]


def same(got: dict[str, Any], recorded: dict[str, Any], what: str) -> None:
    """Refuse recorded data that differ from what the rules make of them.

    Raises:
        S3Error: Names the first field that differs.
    """
    a, b = _normal(got), _normal(recorded)
    if a == b:
        return
    key = next(k for k in sorted(set(a) | set(b)) if a.get(k, ...) != b.get(k, ...))
    raise S3Error(
        f"the recorded data of {what} are not what the rules give (field '{key}': recorded "
        f"{json.dumps(b.get(key), ensure_ascii=False)[:60]}, the rules give "
        f"{json.dumps(a.get(key), ensure_ascii=False)[:60]})"
    )


def writer_check(writer: Writer) -> Check:
    """The check of an event made by ``writer(ws, actor, **fields)`` (an ``s3engine.org`` writer).

    The writer runs against the :class:`Replay` (which writes nothing) with the recorded data as
    its fields; the event must be what it would journal.
    """

    def check(ws: Workspace, ev: dict[str, Any]) -> None:
        got = writer(ws, ev["actor"], **ev["data"])
        if got.get("type") != ev["type"]:
            raise S3Error(f"its writer records '{got.get('type')}', not '{ev['type']}'")
        same(got["data"], ev["data"], f"'{ev['type']}'")

    return check


# --- workspace events ---------------------------------------------------------------------------


def _key_added(ws: Workspace, ev: dict[str, Any]) -> None:
    d = ev["data"]
    if ev["actor"] != SYSTEM:
        raise S3Error(f"only {SYSTEM} itself records the workspace key")
    if set(d) != {"name", "public_key", "workspace_id"} or not all(
        isinstance(v, str) for v in d.values()
    ):
        raise S3Error("the key record needs exactly a name, a public key and a workspace id")
    if d["name"] != ORIGIN_PREFIX + d["workspace_id"]:
        raise S3Error("the key is not named after the workspace id")
    decode_public(d["public_key"])
    if ws.key_record is not None:
        raise S3Error("the workspace key is recorded already; a workspace has one key")


def _witness_added(ws: Workspace, ev: dict[str, Any]) -> None:
    d = ev["data"]
    if set(d) != {"name", "public_key", "key_id"} or not all(
        isinstance(v, str) for v in d.values()
    ):
        raise S3Error("a witness record needs exactly a name, a public key and a key id")
    same(trust.add_witness(ws, ev["actor"], d["name"], d["public_key"])["data"], d, "the witness")


def _configured(ws: Workspace, ev: dict[str, Any]) -> None:
    same(ws.configure(ev["actor"], **ev["data"])["data"], ev["data"], "the settings")


def _created(ws: Workspace, ev: dict[str, Any]) -> None:
    d = ev["data"]
    if not all(isinstance(k, str) and isinstance(v, str) and len(v) < 80 for k, v in d.items()):
        raise S3Error("the creation record holds something else than short texts")


WORKSPACE_CHECKS: dict[str, Check] = {
    trust.KEY_EVENT: _key_added,
    trust.WITNESS_EVENT: _witness_added,
    "workspace.configured": _configured,
    "workspace.created": _created,
}


def check_journal(
    name: str,
    journal: bytes,
    checks: Mapping[str, Check],
    registry: Registry | None = None,
    start_fields: Mapping[str, StartFields] | None = None,
    folder: Path | None = None,
) -> int:
    """Verify an export's chain and replay every event through the rules, in a temporary folder.

    Args:
        name: The file's name (for messages).
        journal: The journal lines.
        checks: Checks of the registry's handler events, by event type.
        registry: The process kinds and handlers (default: those installed).
        start_fields: Per process kind, further start fields to try for recorded start data.
        folder: A new folder to work in (the caller removes it); default: a temporary one.

    Returns:
        The number of events, all accepted.

    Raises:
        ImportRefused: The chain is broken or an event breaks a rule (the first one is named).
    """
    with contextlib.ExitStack() as stack:
        tmp = folder or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="s3flow-")))
        copy = Path(tmp) / "copy" / "journal.jsonl"
        copy.parent.mkdir(parents=True)
        copy.write_bytes(journal)
        rep = Journal(copy).verify()
        if not rep.ok:
            raise ImportRefused(name, rep.first_bad_seq, f"the hash chain is broken: {rep.reason}")
        replay = Replay(Path(tmp) / "scratch", checks, registry, start_fields)
        events = Journal(copy).read_new()
        for ev in events:
            what = f"{ev['type']} by {ev['actor']}"
            try:
                replay.check(ev)
            except S3Error as exc:
                raise ImportRefused(name, ev["seq"], exc.message, what) from exc
            except Exception as exc:  # untrusted data: any failure of a rule is a refusal
                rule = f"its data do not fit the rules ({type(exc).__name__}: {exc})"
                raise ImportRefused(name, ev["seq"], rule[:200], what) from exc
            try:
                replay.take(ev)
            except Exception as exc:
                rule = f"applying it fails ({type(exc).__name__}: {exc})"
                raise ImportRefused(name, ev["seq"], rule[:200], what) from exc
        replay.journal.close()
        return len(events)
