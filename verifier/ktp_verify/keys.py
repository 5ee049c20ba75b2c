"""Ed25519 public keys and signatures: the regency signs, anyone holding its public key checks.

A key is named by its ``key_id``: the first 16 hex digits of the SHA-256 of its raw 32 bytes. A key ring is
one PEM text holding several public keys one after another (after a rotation each month names the key that
signed it).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

_PEM_BLOCK = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


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


def load_key_ring(pem: str | bytes | Mapping[str, Ed25519PublicKey]) -> dict[str, Ed25519PublicKey]:
    """Public keys by key id, from a PEM text holding one or several keys (a key ring one after another).
    ValueError when it holds none or one that is not an Ed25519 public key."""
    if isinstance(pem, Mapping):
        return dict(pem)
    blocks = _PEM_BLOCK.findall(pem.encode() if isinstance(pem, str) else pem)
    if not blocks:
        raise ValueError("no PEM public key found")
    keys = [load_public_key(block) for block in blocks]
    return {key_id(k): k for k in keys}


def signature_valid(public_key: Ed25519PublicKey, data: bytes, signature_b64: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
