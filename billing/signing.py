"""Keys kept outside the database, in a directory the caller names (e.g. ``DATA_DIR/keys``):

- ``billing-ed25519.pem``: the Ed25519 private key that signs closed statements (PKCS#8 PEM, mode 0600).
  Its public half is published (:meth:`KeyStore.public_key_pem`) so anyone can check a statement.
- ``billing-event-hmac.key``: 32 random bytes for :meth:`KeyStore.event_digest`, an HMAC-SHA256 of each
  event; it lets the ledger recognise a replayed event without storing the NIK, and without exporting a
  plain hash from which a NIK could be guessed by trying every birth date and serial.

- ``signing-keys/<key_id>.pem``: the key ring, every public key that ever signed here. :meth:`KeyStore.rotate`
  puts a new private key in place and keeps the old public half in the ring, so statements and checkpoints
  signed before stay verifiable; verifiers pick the key by the ``key_id`` the signed record names.

Both keys are generated on first use. Losing the signing key means later statements are signed by a new
key (publish it); losing the HMAC key only means a replay of an event posted before the loss is reported
as a conflict instead of being ignored.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# Reading public keys and checking signatures is the partner's verifier's job; billing uses its functions.
from ktp_verify.keys import key_id, load_key_ring, load_public_key, public_pem, signature_valid

__all__ = [
    "KeyStore",
    "Signer",
    "key_id",
    "load_key_ring",
    "load_public_key",
    "public_pem",
    "signature_valid",
]

SIGNING_KEY_FILE = "billing-ed25519.pem"
HMAC_KEY_FILE = "billing-event-hmac.key"
KEY_RING_DIR = "signing-keys"


def _write_private(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write a key whole under a private name, then link it into place: link() refuses to replace
    (FileExistsError), so of two processes starting at once one key wins and both read that one, and a
    failed write (a full disk) leaves neither a truncated key under the real name nor the private file.
    ``replace`` (a rotation) renames over the old file instead: readers see the old key or the new, whole."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _new_private_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True)
class Signer:
    """One signing key, taken once: a record's ``key_id`` and its signature come from the same key even if
    the key is rotated meanwhile."""

    private_key: Ed25519PrivateKey

    @property
    def key_id(self) -> str:
        return key_id(self.private_key.public_key())

    def sign(self, data: bytes) -> str:
        """The Ed25519 signature of ``data``, base64."""
        return base64.b64encode(self.private_key.sign(data)).decode("ascii")


class KeyStore:
    """The billing keys in ``key_dir`` (created if missing)."""

    def __init__(self, key_dir: Path) -> None:
        self.key_dir = key_dir
        self._private: Ed25519PrivateKey | None = None
        self._private_stat: tuple[int, int] | None = None
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
        """The current signing key. Re-read when the file changed (another process rotated it: a running
        service then signs with the new key without a restart); a stat per signature is cheap."""
        path = self.key_dir / SIGNING_KEY_FILE
        try:
            st = path.stat()
            stamp: tuple[int, int] | None = (st.st_ino, st.st_mtime_ns)
        except FileNotFoundError:
            stamp = None
        if self._private is None or stamp != self._private_stat:
            self._load_or_create(SIGNING_KEY_FILE, _new_private_pem())
            # The stamp of the very file read (fstat of its descriptor): a rotation in between is seen next time.
            with path.open("rb") as f:
                st = os.fstat(f.fileno())
                key = serialization.load_pem_private_key(f.read(), None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"{path} is not an Ed25519 private key")
            self._private, self._private_stat = key, (st.st_ino, st.st_mtime_ns)
        return self._private

    def current(self) -> Signer:
        return Signer(self.private_key)

    def public_key_pem(self) -> str:
        return public_pem(self.private_key.public_key())

    def key_id(self) -> str:
        return key_id(self.private_key.public_key())

    def sign(self, data: bytes) -> str:
        """The Ed25519 signature of ``data``, base64."""
        return self.current().sign(data)

    @property
    def ring_dir(self) -> Path:
        return self.key_dir / KEY_RING_DIR

    def _keep_public(self, key: Ed25519PublicKey) -> None:
        self.ring_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):
            _write_private(self.ring_dir / f"{key_id(key)}.pem", public_pem(key).encode())

    def public_keys(self) -> dict[str, str]:
        """Every public key that signed here (key id -> PEM), the current one last."""
        current = self.private_key.public_key()
        found: dict[str, str] = {}
        paths = sorted(self.ring_dir.glob("*.pem"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        for path in paths:
            pem = path.read_text(encoding="ascii")
            found[key_id(load_public_key(pem))] = pem
        found.pop(key_id(current), None)
        found[key_id(current)] = public_pem(current)  # last: the ring reads oldest to current
        return found

    def public_keys_pem(self) -> str:
        """The key ring as one PEM text (blocks one after another): what verifiers take."""
        return "".join(self.public_keys().values())

    def rotate(self) -> tuple[str, str]:
        """Put a new signing key in place, keeping the old public key in the ring; (old id, new id). Under a
        file lock, so two rotations at once make two keys one after the other, neither lost from the ring."""
        self.key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with (self.key_dir / ".rotate.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            old = self.private_key.public_key()
            self._keep_public(old)  # first: the old key is never out of both the file and the ring
            pem = _new_private_pem()
            new = serialization.load_pem_private_key(pem, None)
            assert isinstance(new, Ed25519PrivateKey)
            self._keep_public(new.public_key())
            _write_private(self.key_dir / SIGNING_KEY_FILE, pem, replace=True)
        return key_id(old), key_id(new.public_key())

    def event_digest(self, data: bytes) -> str:
        if self._hmac_key is None:
            self._hmac_key = self._load_or_create(HMAC_KEY_FILE, secrets.token_bytes(32))
        return hmac.new(self._hmac_key, data, hashlib.sha256).hexdigest()
