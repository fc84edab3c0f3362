"""Ed25519 signing keys for checkpoints: one key pair per workspace and one per witness.

A key file holds the raw 32-byte Ed25519 private key and nothing else. It is created atomically
(written and fsynced under a temporary name opened with ``O_CREAT | O_EXCL`` and mode 0600, then
hard-linked into place, which never replaces an existing file, then the folder is fsynced), so two
programs creating the same key at once end up sharing one key, and a crash never leaves a short key
file behind. A key file that others may read (any group or other permission bit) is refused, like
ssh refuses a private key readable by others.

Keys are named as in C2SP signed notes: a non-empty name without spaces or ``+`` (s3flow uses the
checkpoint origin, ``s3flow.local/<workspace id>``, for the workspace's own key). The key id is the
first 4 bytes of ``SHA-256(name || 0x0A || 0x01 || raw public key)``.

Allowed imports: standard library, ``cryptography``, ``s3engine.errors``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from s3engine.errors import S3Error

#: The key name prefix of a workspace key (``s3flow.local/<workspace id>``).
ORIGIN_PREFIX = "s3flow.local/"

KEY_BYTES = 32
SIGNATURE_BYTES = 64
ED25519_TYPE = b"\x01"


class SigningKeyError(S3Error):
    """A key file or a public key cannot be used (malformed, readable by others, bad name)."""


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid signed-note key name.

    Raises:
        SigningKeyError: The name is empty or holds a space, a ``+`` or a control character.
    """
    if (
        not isinstance(name, str)
        or not name
        or "+" in name
        or any(ch.isspace() or ord(ch) < 0x20 or ch == "\x7f" for ch in name)
    ):
        raise SigningKeyError(
            f"{name!r} cannot be a key name: it must be non-empty, without spaces or '+'.",
            "Use a name like example.org/alice.",
        )
    return name


def key_id(name: str, public_raw: bytes) -> bytes:
    """Return the 4-byte signed-note key id of an Ed25519 public key named ``name``."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_TYPE + public_raw).digest()[:4]


def decode_public(public_b64: str) -> bytes:
    """Return the raw 32-byte public key of its base64 text.

    Raises:
        SigningKeyError: The text is not standard base64 of exactly 32 bytes.
    """
    try:
        raw = base64.b64decode(public_b64.strip(), validate=True)
    except (binascii.Error, ValueError, AttributeError) as exc:
        raise SigningKeyError(
            f"{public_b64!r} is not a base64 public key.",
            "Copy the public key exactly as `s3flow checkpoint --cosign` printed it.",
        ) from exc
    if len(raw) != KEY_BYTES:
        raise SigningKeyError(
            f"The public key holds {len(raw)} bytes; an Ed25519 public key holds {KEY_BYTES}.",
            "Copy the public key exactly as `s3flow checkpoint --cosign` printed it.",
        )
    return raw


@dataclass(frozen=True)
class SigningKey:
    """A named Ed25519 private key.

    Attributes:
        name: The key name written in signature lines.
        private: The private key.
        path: The key file it was read from (None for a key made in memory).
        created: True when :func:`load_or_create` has just created the key file.
    """

    name: str
    private: Ed25519PrivateKey = field(repr=False)
    path: Path | None = None
    created: bool = False

    @property
    def public_raw(self) -> bytes:
        """The raw 32-byte public key."""
        return self.private.public_key().public_bytes_raw()

    @property
    def public_b64(self) -> str:
        """The raw public key, base64."""
        return base64.b64encode(self.public_raw).decode("ascii")

    @property
    def key_id(self) -> bytes:
        """The 4-byte signed-note key id (see :func:`key_id`)."""
        return key_id(self.name, self.public_raw)

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``message``."""
        return self.private.sign(message)


def generate(name: str) -> SigningKey:
    """Return a new in-memory key named ``name`` (nothing is written)."""
    return SigningKey(check_name(name), Ed25519PrivateKey.generate())


def load_or_create(path: Path, name: str) -> SigningKey:
    """Read the key file at ``path``, creating it (mode 0600) with a new key when missing.

    Missing parent folders are created with mode 0700.

    Raises:
        SigningKeyError: The file is readable by group or others, is not a regular file, or does
            not hold exactly 32 bytes; or the name is invalid; or the file cannot be written.
    """
    check_name(name)
    path = Path(path)
    created = False
    if not path.exists():
        created = _create(path)
    return SigningKey(name, _load(path), path, created)


def _load(path: Path) -> Ed25519PrivateKey:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise SigningKeyError(
            f"Cannot read the key file {path}: {exc.strerror}.",
            "Give the path of a key file you own (a symbolic link is not accepted).",
        ) from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SigningKeyError(f"{path} is not a regular file.", "Give the path of a key file.")
        if os.name == "posix" and st.st_mode & 0o077:
            raise SigningKeyError(
                f"The key file {path} is readable by others "
                f"(mode {stat.S_IMODE(st.st_mode):04o}); a private key must be mode 0600.",
                f"Run `chmod 600 {path}` if nobody else can have copied it; otherwise replace it.",
            )
        data = os.read(fd, KEY_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) != KEY_BYTES:
        raise SigningKeyError(
            f"The key file {path} holds {len(data)} bytes where a raw Ed25519 private key holds "
            f"{KEY_BYTES}; it is not an s3flow key file.",
            "Restore the key file from a backup, or give a new file name to create a new key.",
        )
    return Ed25519PrivateKey.from_private_bytes(data)


def _create(path: Path) -> bool:
    """Create ``path`` with a new key; False when another program created it first."""
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        try:
            if os.write(fd, raw) != len(raw):
                raise OSError(errno.EIO, "short write")
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # atomic, and never replaces an existing key
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            _create_in_place(path, raw)  # a file system without hard links
    except FileExistsError:
        return False
    except OSError as exc:
        raise _write_error(path, exc) from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _fsync_dir(path.parent)
    return True


def _create_in_place(path: Path, raw: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if os.write(fd, raw) != len(raw):
            raise OSError(errno.EIO, "short write")
        os.fsync(fd)
    except OSError:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    os.close(fd)


def _write_error(path: Path, exc: OSError) -> SigningKeyError:
    return SigningKeyError(
        f"Cannot create the key file {path}: {exc.strerror or exc}.",
        "Choose a folder you can write to.",
    )


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def verify_signature(name: str, public_b64: str, message: bytes, sig: bytes) -> bool:
    """Tell whether ``sig`` is a valid signature of ``message`` by the named public key.

    Args:
        name: The key name (part of the key id).
        public_b64: The raw public key, base64.
        message: The signed bytes.
        sig: The 64-byte Ed25519 signature, or the 68-byte signed-note form
            ``key id || signature`` (whose key id must then belong to ``name`` and the key).

    Returns:
        True when the signature verifies; False otherwise (also for a malformed public key).
    """
    try:
        raw = decode_public(public_b64)
    except SigningKeyError:
        return False
    if len(sig) == 4 + SIGNATURE_BYTES:
        if sig[:4] != key_id(name, raw):
            return False
        sig = sig[4:]
    if len(sig) != SIGNATURE_BYTES:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(sig, message)
    except InvalidSignature:
        return False
    return True
