"""Signed checkpoints: a journal head anchored outside the journal file.

A hash chain shows any change in the middle of the journal, but not the loss of its last events or a
rewrite of the whole file with every hash recomputed. A checkpoint records the head so that a copy
kept elsewhere (in the minutes, in a notebook, by a witness) can prove what the journal held.

Format: a C2SP signed note (c2sp.org/signed-note) whose text is a tlog-checkpoint
(c2sp.org/tlog-checkpoint)::

    s3flow.local/<workspace id>           origin: which workspace
    <size>                                number of events, decimal
    <base64 of the 32-byte head hash>     hash of event <size> (zero bytes if none)
    s3flow-waypoints <step> <base64...>   extension lines (see below)

    — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>

The signed message is the text up to and including its final newline; more signature lines (of
witnesses) may follow. The ``s3flow-waypoints`` lines hold the first 4 bytes of the hashes of the
events at seq ``step``, ``2*step``, ... and of the last event, where
``step = max(1, ceil(size / 256))``, base64 wrapped over several lines of at most 100 characters.
They let a verifier name the first changed event exactly in journals of up to 256 events, and
within ``step`` events beyond.

Embedding a checkpoint in minutes, notebooks and exports: :mod:`s3engine.journal.embedding`.

Allowed imports: standard library, ``s3engine.errors``, ``s3engine.journal``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from s3engine.errors import S3Error
from s3engine.journal.event import GENESIS, event_hash, shape_problem
from s3engine.journal.signing import (
    ORIGIN_PREFIX as ORIGIN_PREFIX,  # re-exported: used by trust and revalidation
)
from s3engine.journal.signing import (
    SigningKey,
    decode_public,
    key_id,
    verify_signature,
)

WAYPOINT_TAG = "s3flow-waypoints"
MAX_WAYPOINTS = 256
LINE_WIDTH = 100
SIG_PREFIX = "\u2014 "
MAX_SIGNATURES = 100
MAX_NOTE_CHARS = 200_000
_DECIMAL = re.compile(r"(0|[1-9][0-9]{0,18})\Z")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class CheckpointError(S3Error):
    """A checkpoint (or the file meant to hold one) cannot be read.

    Args:
        problem: What is wrong with it.
        hint: What to do instead.
    """

    def __init__(self, problem: str, hint: str = "") -> None:
        self.problem = problem
        super().__init__(
            f"The checkpoint cannot be read: {problem}.",
            hint
            or "Use the checkpoint exactly as `s3flow checkpoint` wrote it; "
            "a cut or edited copy cannot be checked.",
        )


class Signature(NamedTuple):
    """One signature line: key name, 4-byte key id, signature bytes (without the key id)."""

    name: str
    key_id: bytes
    sig: bytes


@dataclass(frozen=True)
class Waypoints:
    """Hash prefixes of every ``step``-th event (and of the last one).

    Attributes:
        step: Distance between waypoints.
        prefixes: First 4 bytes of the hash of each event of :func:`waypoint_seqs`.
    """

    step: int
    prefixes: tuple[bytes, ...]


@dataclass(frozen=True)
class Checkpoint:
    """A parsed signed checkpoint.

    Attributes:
        origin: The workspace it is about (``s3flow.local/<workspace id>``).
        size: Number of events it vouches for.
        head: Hex hash of event ``size`` (64 zeros for an empty journal).
        waypoints: The waypoint hash prefixes, or None when the note has none.
        signatures: The signature lines, in order.
        body: The signed text (ending in a newline).
        extensions: Other extension lines, kept as they are.
    """

    origin: str
    size: int
    head: str
    waypoints: Waypoints | None
    signatures: tuple[Signature, ...]
    body: str
    extensions: tuple[str, ...] = ()


def waypoint_step(size: int) -> int:
    """Return the waypoint distance for a journal of ``size`` events."""
    return max(1, -(-size // MAX_WAYPOINTS))


def waypoint_seqs(size: int, step: int) -> list[int]:
    """Return the seqs whose hash prefixes are recorded: ``step``, ``2*step``, ... and ``size``."""
    seqs = list(range(step, size + 1, step))
    if size and (not seqs or seqs[-1] != size):
        seqs.append(size)
    return seqs


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CheckpointError(f"{what} is not valid base64") from exc


def _hash_bytes(event: Any) -> bytes:
    try:
        return bytes.fromhex(event["hash"])
    except (TypeError, KeyError, ValueError):
        return b""


def _check_origin(origin: str) -> str:
    if not origin or "+" in origin or any(ch.isspace() or ord(ch) < 0x20 for ch in origin):
        raise CheckpointError(f"the origin {origin!r} is empty or holds a space or '+'")
    return origin


# -- writing -----------------------------------------------------------------------------------


def make(origin: str, events: Sequence[dict[str, Any]]) -> str:
    """Return the checkpoint text (unsigned body) for ``events``, the whole journal in order.

    Raises:
        CheckpointError: The origin is invalid or an event has no proper hash.
    """
    _check_origin(origin)
    size = len(events)
    head = bytes.fromhex(GENESIS)
    if events:
        head = _hash_bytes(events[-1])
        if len(head) != 32:
            raise CheckpointError(f"event {size} has no SHA-256 hash")
    lines = [origin, str(size), _b64(head)]
    if size:
        step = waypoint_step(size)
        prefixes = b""
        for seq in waypoint_seqs(size, step):
            h = _hash_bytes(events[seq - 1])
            if len(h) != 32:
                raise CheckpointError(f"event {seq} has no SHA-256 hash")
            prefixes += h[:4]
        lead = f"{WAYPOINT_TAG} {step} "
        width = (LINE_WIDTH - len(lead)) // 4 * 4
        text = _b64(prefixes)
        lines += [lead + text[i : i + width] for i in range(0, len(text), width)]
    return "\n".join(lines) + "\n"


def _signature_line(body: str, key: SigningKey) -> str:
    sig = key.sign(body.encode("utf-8"))
    return f"{SIG_PREFIX}{key.name} {_b64(key.key_id + sig)}\n"


def sign(body: str, key: SigningKey) -> str:
    """Return the signed note: ``body``, a blank line and the signature line of ``key``.

    Raises:
        CheckpointError: ``body`` is not a checkpoint text.
    """
    _parse_body(body)
    return body + "\n" + _signature_line(body, key)


def cosign(note_text: str, key: SigningKey) -> str:
    """Return ``note_text`` with a signature line of ``key`` (a witness) added.

    Raises:
        CheckpointError: The note is malformed, or already holds a signature by this key name.
    """
    cp = parse(note_text)
    if any(s.name == key.name for s in cp.signatures):
        raise CheckpointError(
            f"it is already signed by a key named {key.name}",
            "Each witness signs a checkpoint once; use another --name for another witness.",
        )
    sigs = "".join(f"{SIG_PREFIX}{s.name} {_b64(s.key_id + s.sig)}\n" for s in cp.signatures)
    return cp.body + "\n" + sigs + _signature_line(cp.body, key)


# -- reading -----------------------------------------------------------------------------------


def parse(text: str) -> Checkpoint:
    """Parse a signed checkpoint note.

    Raises:
        CheckpointError: Anything malformed: not a checkpoint, a wrong number of lines, bad
            base64, a size that is not decimal, no signature, garbage after the signatures.
    """
    if not isinstance(text, str):
        raise CheckpointError("it is not text")
    if len(text) > MAX_NOTE_CHARS:
        raise CheckpointError(f"it is {len(text)} characters long, far more than a checkpoint")
    text = text.replace("\r\n", "\n").rstrip("\n") + "\n"
    if _CONTROL.search(text):
        raise CheckpointError("it holds control characters (it is not a text checkpoint)")
    if not text.strip():
        raise CheckpointError("the file is empty")
    cut = text.rfind("\n\n")
    if cut < 0 and (text.startswith(SIG_PREFIX) or "\n" + SIG_PREFIX in text):
        raise CheckpointError("there is no blank line between the text and the signatures")
    if cut < 0 or not text[cut + 2 :].startswith(SIG_PREFIX):
        first = text.split("\n", 1)[0][:60]
        raise CheckpointError(
            f"no signature lines follow its last blank line (it starts with {first!r}): "
            "it was cut, or it is not a checkpoint"
        )
    body, sig_text = text[: cut + 1], text[cut + 2 :]
    origin, size, head, waypoints, extensions = _parse_body(body)
    sigs: list[Signature] = []
    body_lines = body.count("\n") + 1
    for n, line in enumerate(sig_text[:-1].split("\n"), start=body_lines + 1):
        if not line.startswith(SIG_PREFIX):
            raise CheckpointError(f"line {n} is neither a signature line nor part of the text")
        name, sep, b64 = line[len(SIG_PREFIX) :].partition(" ")
        if not sep or not name or " " in b64 or "+" in name:
            raise CheckpointError(f"line {n} is not a signature line ('— NAME BASE64')")
        raw = _unb64(b64, f"the signature on line {n}")
        if len(raw) < 5:
            raise CheckpointError(f"the signature on line {n} is too short")
        sigs.append(Signature(name, raw[:4], raw[4:]))
    if len(sigs) > MAX_SIGNATURES:
        raise CheckpointError(f"it holds {len(sigs)} signatures, more than {MAX_SIGNATURES}")
    return Checkpoint(origin, size, head, waypoints, tuple(sigs), body, extensions)


def _parse_body(
    body: str,
) -> tuple[str, int, str, Waypoints | None, tuple[str, ...]]:
    if not body.endswith("\n"):
        raise CheckpointError("the text does not end with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError(
            f"the text has {len(lines)} line(s); a checkpoint has at least 3 "
            "(origin, size, head hash)"
        )
    if any(not line for line in lines):
        raise CheckpointError("the text holds an empty line")
    origin = _check_origin(lines[0])
    if not _DECIMAL.match(lines[1]):
        raise CheckpointError(f"line 2 should be the number of events, not {lines[1][:40]!r}")
    size = int(lines[1])
    head = _unb64(lines[2], "the head hash (line 3)")
    if len(head) != 32:
        raise CheckpointError(f"the head hash (line 3) holds {len(head)} bytes, not 32")
    steps: set[str] = set()
    chunks: list[str] = []
    others: list[str] = []
    for line in lines[3:]:
        tag, _, rest = line.partition(" ")
        if tag != WAYPOINT_TAG:
            others.append(line)
            continue
        step, _, data = rest.partition(" ")
        if not _DECIMAL.match(step) or not data:
            raise CheckpointError(f"the waypoint line {line[:40]!r}... is malformed")
        steps.add(step)
        chunks.append(data)
    waypoints = None
    if chunks:
        if len(steps) != 1 or int(next(iter(steps))) < 1:
            raise CheckpointError("the waypoint lines disagree on their step")
        step_n = int(next(iter(steps)))
        raw = _unb64("".join(chunks), "the waypoint lines")
        count = -(-size // step_n)  # len(waypoint_seqs(size, step_n)), without building it
        if len(raw) != 4 * count:
            raise CheckpointError(
                f"the waypoint lines hold {len(raw)} bytes where {4 * count} were expected"
            )
        waypoints = Waypoints(step_n, tuple(raw[i : i + 4] for i in range(0, len(raw), 4)))
    return origin, size, head.hex(), waypoints, tuple(others)


# -- checking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointResult:
    """How a journal compares with a checkpoint.

    Attributes:
        ok: True when the journal holds the checkpoint's events unchanged and is intact.
        size: Events the checkpoint vouches for.
        events: Events in the journal.
        kind: "" (ok), "missing", "changed" or "damaged".
        first_bad_seq: First missing, changed or damaged seq (None when ok).
        last_bad_seq: Upper end of the range holding the first change (equals
            ``first_bad_seq`` when exact).
        reason: One sentence naming the problem.
    """

    ok: bool
    size: int
    events: int
    kind: str = ""
    first_bad_seq: int | None = None
    last_bad_seq: int | None = None
    reason: str = ""

    @property
    def exact(self) -> bool:
        """True when the first bad seq is known exactly."""
        return self.first_bad_seq == self.last_bad_seq


def chain_break(events: Sequence[Any]) -> tuple[int, str] | None:
    """Return (seq, why) of the first event whose seq, prev link or own hash is wrong, or None."""
    prev = GENESIS
    for n, ev in enumerate(events, start=1):
        problem = shape_problem(ev)
        if problem:
            return n, problem
        if ev["seq"] != n:
            return n, (
                f"seq is {ev['seq']!r} where {n} was expected "
                "(an event was removed, duplicated or moved)"
            )
        if ev["prev"] != prev:
            return n, (
                "prev does not match the previous event's hash "
                "(an event was removed, duplicated or moved)"
            )
        if event_hash(ev) != ev["hash"]:
            return n, "its content does not match its hash (the event was changed)"
        prev = ev["hash"]
    return None


def compare(cp: Checkpoint, events: Sequence[Any]) -> CheckpointResult:
    """Check a journal (all its events, in file order) against a checkpoint.

    The first problem found is reported: a change the waypoints reveal in the intact part of the
    journal, else the first event with a wrong seq, prev link or hash (an event edited with its old
    hash kept, or moved), else missing events, else a different head.
    """
    n, size = len(events), cp.size
    brk = chain_break(events)
    intact = brk[0] - 1 if brk else n  # events 1..intact form an unbroken chain
    lo = 1  # every event before lo is known to match the checkpoint
    if cp.waypoints is not None:
        step = cp.waypoints.step
        for seq, prefix in zip(waypoint_seqs(size, step), cp.waypoints.prefixes, strict=True):
            if seq > intact:
                break
            if _hash_bytes(events[seq - 1])[:4] != prefix:
                return _changed(cp, n, lo, seq, step)
            lo = seq + 1
    if brk:
        seq, why = brk
        after = f" (after the {size} events of the checkpoint)" if seq > size else ""
        return CheckpointResult(False, size, n, "damaged", seq, seq, f"event {seq}{after}: {why}.")
    if n < size:
        what = f"event {size} is" if n + 1 == size else f"events {n + 1}..{size} are"
        had = "the journal is empty" if n == 0 else f"the journal ends at event {n}"
        why = f"{what} missing: {had}, the checkpoint vouches for {size}."
        return CheckpointResult(False, size, n, "missing", n + 1, size, why)
    head = events[size - 1]["hash"] if size else GENESIS
    if head != cp.head:
        return _changed(cp, n, min(lo, size), size, cp.waypoints.step if cp.waypoints else None)
    return CheckpointResult(True, size, n)


def _changed(cp: Checkpoint, n: int, lo: int, hi: int, step: int | None) -> CheckpointResult:
    if lo >= hi:
        why = (
            f"event {hi} differs from the event the checkpoint vouches for (it was changed, "
            "and the hashes after it were recomputed)."
        )
        return CheckpointResult(False, cp.size, n, "changed", hi, hi, why)
    why = (
        f"the first changed event is between seq {lo} and {hi}: the events before {lo} match the "
        f"checkpoint and event {hi} does not; "
        + (
            f"the checkpoint records the hash of only every {step}th event"
            if step
            else "the checkpoint records no waypoints"
        )
        + ", so which event in between changed first cannot be known."
    )
    return CheckpointResult(False, cp.size, n, "changed", lo, hi, why)


@dataclass(frozen=True)
class NoteCheck:
    """Which signatures of a note verify.

    Attributes:
        verified: Names of trusted keys whose signature verifies.
        failed: Names of trusted keys whose signature does not verify (a forgery or a change).
        unknown: Signatures by keys not trusted, as "name (key id hex)".
    """

    verified: tuple[str, ...]
    failed: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when some trusted key vouches for the note and none contradicts it."""
        return bool(self.verified) and not self.failed


def verify_note(cp: Checkpoint, trusted: Mapping[str, str]) -> NoteCheck:
    """Check the signatures of ``cp`` against trusted keys (name -> base64 public key).

    As the signed-note spec says, a signature whose name and key id do not both match a trusted
    key is reported as unknown and otherwise ignored.
    """
    message = cp.body.encode("utf-8")
    verified: list[str] = []
    failed: list[str] = []
    unknown: list[str] = []
    for s in cp.signatures:
        public = trusted.get(s.name)
        if public is None or key_id(s.name, decode_public(public)) != s.key_id:
            unknown.append(f"{s.name} (key id {s.key_id.hex()})")
        elif verify_signature(s.name, public, message, s.sig):
            verified.append(s.name)
        else:
            failed.append(s.name)
    return NoteCheck(tuple(verified), tuple(failed), tuple(unknown))
