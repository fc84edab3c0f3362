"""Sealed answers: what each person answered in a hidden round, kept out of the journal.

During a hidden round (consent signals, objections to an amendment, nominee checks) the journal
records, per person, only a commitment: ``SHA-256`` over the canonical JSON of ``[salt, value,
person, process, round]`` with a fresh 16-byte random salt. The value and its salt are sealed in
``<workspace>/sealed/<process>/round-<n>/<commitment>.bin``: encrypted with AES-256-GCM under a key
derived (HKDF-SHA256) from the workspace key, the file written atomically and fsynced *before* the
commitment is appended, so a crash never loses an acknowledged answer. At the reveal, the values
and salts are journaled and anyone can recompute every commitment: nobody can change their answer
after seeing the others', and the record proves it. Sealed files are deleted after the reveal.

What remains visible before the reveal to someone with raw access to the workspace folder: who has
answered and when (the commitments are events), never what. Anyone who can read
``keys/workspace.key`` — the operator of the workspace folder, or a program running as the same
operating-system user — can decrypt the sealed files. Closing that would need each person's value
encrypted to a key only they (or a reveal quorum) hold, e.g. per-participant keys with threshold
decryption, or a server that holds the sealed values and is trusted not to look.

Allowed imports: standard library, ``cryptography``, ``s3engine.core.keyring``,
``s3engine.journal``, ``s3engine.errors``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from s3engine.errors import S3Error
from s3engine.journal.event import canonical

FOLDER = "sealed"
_INFO = b"s3flow sealed rounds v1"


class SealedError(S3Error):
    """A sealed answer cannot be stored or opened."""


def commitment(salt: str, value: Any, person: str, process: str, round_no: int) -> str:
    """The commitment to ``value`` (hex SHA-256), as recorded in the journal during the round."""
    return hashlib.sha256(canonical([salt, value, person, process, round_no])).hexdigest()


@dataclass(frozen=True)
class Opened:
    """A revealed answer: the value and the salt that make its commitment check out."""

    value: Any
    salt: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the reveal event."""
        return {"value": self.value, "salt": self.salt}


def check(opened: Any, committed: str, person: str, process: str, round_no: int) -> str | None:
    """Why a revealed answer does not match its commitment (None when it does)."""
    if not isinstance(opened, dict) or set(opened) != {"value", "salt"}:
        return f"the revealed answer of {person} is malformed"
    if not isinstance(opened["salt"], str) or len(opened["salt"]) != 32:
        return f"the revealed answer of {person} has no proper salt"
    if commitment(opened["salt"], opened["value"], person, process, round_no) != committed:
        return f"the revealed answer of {person} does not match their commitment"
    return None


class SealedStore:
    """The sealed answers of one workspace folder.

    Args:
        folder: The workspace folder.
        secret: The raw workspace private key (the sealing key is derived from it), or None when
            this program cannot read the key (it can then neither seal nor open).
    """

    def __init__(self, folder: Path, secret: bytes | None, blobs: Blobs | None = None) -> None:
        self.root = folder / FOLDER
        self.blobs: Blobs = blobs if blobs is not None else FileBlobs(self.root)
        self._aead: AESGCM | None = None
        if secret is not None:
            key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)
            self._aead = AESGCM(key)

    @property
    def usable(self) -> bool:
        """True when this program holds the key to seal and open answers."""
        return self._aead is not None

    def _need(self) -> AESGCM:
        if self._aead is None:
            raise SealedError(
                "This program cannot read the workspace key, so it cannot keep a hidden answer.",
                "Answer from the workspace's own computer or your personal link.",
            )
        return self._aead

    def seal(self, process: str, round_no: int, person: str, value: Any) -> str:
        """Store ``value`` sealed and durably; return its commitment (to be journaled next).

        Raises:
            SealedError: No key, or the sealed file cannot be written.
        """
        aead = self._need()
        salt = secrets.token_hex(16)
        committed = commitment(salt, value, person, process, round_no)
        nonce = secrets.token_bytes(12)
        aad = canonical([person, process, round_no, committed])
        plain = json.dumps({"value": value, "salt": salt}).encode()
        blob = nonce + aead.encrypt(nonce, plain, aad)
        self.blobs.put(process, round_no, committed, blob)
        return committed

    def open(self, process: str, round_no: int, person: str, committed: str) -> Opened | None:
        """The sealed answer behind ``committed``, or None when it is not on this computer.

        Raises:
            SealedError: The sealed file exists but was changed or belongs to someone else.
        """
        aead = self._need()
        blob = self.blobs.get(process, round_no, committed)
        if blob is None:
            return None
        aad = canonical([person, process, round_no, committed])
        try:
            plain = json.loads(aead.decrypt(blob[:12], blob[12:], aad))
        except (InvalidTag, ValueError) as exc:
            raise SealedError(
                f"The hidden answer of {person} ({committed[:12]}) was changed or is not theirs.",
                "The round cannot be revealed with it; ask them to answer again.",
            ) from exc
        opened = Opened(plain["value"], plain["salt"])
        if check(opened.as_dict(), committed, person, process, round_no):
            raise SealedError(
                f"The hidden answer of {person} does not match what the journal recorded.",
                "Ask them to answer again before the reveal.",
            )
        return opened

    def discard(self, process: str, round_no: int) -> None:
        """Delete the sealed answers of a revealed round (best effort)."""
        self.blobs.drop(process, round_no)


class Blobs(Protocol):
    """Where sealed answers are kept: files in the workspace folder, or rows in PostgreSQL."""

    def put(self, process: str, round_no: int, committed: str, blob: bytes) -> None:
        """Store a sealed answer durably (raising when it cannot be stored)."""
        ...

    def get(self, process: str, round_no: int, committed: str) -> bytes | None:
        """The sealed answer (None when it is not there)."""
        ...

    def drop(self, process: str, round_no: int) -> None:
        """Delete a round's sealed answers (best effort)."""
        ...


class FileBlobs:
    """Sealed answers as files ``<workspace>/sealed/<process>/round-<n>/<commitment>.bin``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, process: str, round_no: int, committed: str) -> Path:
        return self.root / process / f"round-{round_no}" / f"{committed}.bin"

    def put(self, process: str, round_no: int, committed: str, blob: bytes) -> None:
        """Write the file atomically and fsync it and its folder.

        Raises:
            SealedError: It cannot be written.
        """
        path = self._path(process, round_no, committed)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_suffix(".part")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, blob)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError as exc:
            raise SealedError(
                f"Cannot keep the hidden answer in {path.parent}: {exc.strerror or exc}.",
                "Free some disk space or check the workspace folder's permissions; "
                "nothing was recorded.",
            ) from exc

    def get(self, process: str, round_no: int, committed: str) -> bytes | None:
        """The file's bytes (None when there is no such file).

        Raises:
            SealedError: The file cannot be read.
        """
        path = self._path(process, round_no, committed)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SealedError(
                f"Cannot read the hidden answer {path}: {exc.strerror or exc}.",
                "Check the workspace folder's permissions.",
            ) from exc

    def drop(self, process: str, round_no: int) -> None:
        """Remove the round's folder (best effort)."""
        folder = os.path.join(self.root, process, f"round-{round_no}")
        if os.path.isdir(folder):  # replaying a journal: mostly removed long ago
            with contextlib.suppress(OSError):
                shutil.rmtree(folder)
