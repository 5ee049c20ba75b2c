"""Keys kept outside the database, in a directory the caller names (e.g. ``DATA_DIR/keys``):

- ``billing-ed25519.pem``: the Ed25519 private key that signs closed statements (PKCS#8 PEM, mode 0600).
  Its public half is published (:meth:`KeyStore.public_key_pem`) so anyone can check a statement.
- ``billing-event-hmac.key``: 32 random bytes for :meth:`KeyStore.event_digest`, an HMAC-SHA256 of each
  event; it lets the ledger recognise a replayed event without storing the NIK, and without exporting a
  plain hash from which a NIK could be guessed by trying every birth date and serial.

Both are generated on first use. Losing the signing key means later statements are signed by a new key
(publish it); losing the HMAC key only means a replay of an event posted before the loss is reported as
a conflict instead of being ignored.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNING_KEY_FILE = "billing-ed25519.pem"
HMAC_KEY_FILE = "billing-event-hmac.key"


def _write_private(path: Path, data: bytes) -> None:
    """Write a key whole under a private name, then link it into place: link() refuses to replace
    (FileExistsError), so of two processes starting at once one key wins and both read that one, and a
    failed write (a full disk) leaves neither a truncated key under the real name nor the private file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class KeyStore:
    """The billing keys in ``key_dir`` (created if missing)."""

    def __init__(self, key_dir: Path) -> None:
        self.key_dir = key_dir
        self._private: Ed25519PrivateKey | None = None
        self._hmac_key: bytes | None = None

    def _load_or_create(self, name: str, make: bytes) -> bytes:
        self.key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.key_dir / name
        if not path.exists():
            # If another process won the race to create it, its key is the one to use.
            with contextlib.suppress(FileExistsError):
                _write_private(path, make)
        return path.read_bytes()

    @property
    def private_key(self) -> Ed25519PrivateKey:
        if self._private is None:
            fresh = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            key = serialization.load_pem_private_key(self._load_or_create(SIGNING_KEY_FILE, fresh), None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"{self.key_dir / SIGNING_KEY_FILE} is not an Ed25519 private key")
            self._private = key
        return self._private

    def public_key_pem(self) -> str:
        return public_pem(self.private_key.public_key())

    def key_id(self) -> str:
        return key_id(self.private_key.public_key())

    def sign(self, data: bytes) -> str:
        """The Ed25519 signature of ``data``, base64."""
        return base64.b64encode(self.private_key.sign(data)).decode("ascii")

    def event_digest(self, data: bytes) -> str:
        if self._hmac_key is None:
            self._hmac_key = self._load_or_create(HMAC_KEY_FILE, secrets.token_bytes(32))
        return hmac.new(self._hmac_key, data, hashlib.sha256).hexdigest()


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """A short name for a public key: the first 16 hex digits of the SHA-256 of its raw 32 bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def signature_valid(public_key: Ed25519PublicKey, data: bytes, signature_b64: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
