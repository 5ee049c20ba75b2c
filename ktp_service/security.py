"""Passwords (argon2id), bearer tokens (short-lived HS256 JWTs) and the signing secret kept in DATA_DIR."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this keeps a wrong username as slow as a wrong password (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache
def token_secret(keys_dir: Path) -> str:
    """The token signing secret, generated on first use and kept out of the repository and the database."""
    path = keys_dir / "token-secret"
    if not path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True)
        # Written whole under a private name, then linked into place: link() refuses to replace, so of two
        # processes starting at once one secret wins and both read that one, never a half-written file.
        # The private name goes whatever happens, a failed write (full disk) included.
        tmp = keys_dir / f".token-secret.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def issue_token(secret: str, *, subject: str, version: int, username: str, role: str, minutes: int) -> str:
    """A bearer token naming the user's random ``subject`` (never the row id, which SQLite may hand to a
    later user) and the user's token version at issue (a bump refuses every older token)."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "ver": version,
        "name": username,
        "role": role,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


# A token's subject is the user's random ``subject`` (a UUID), never the row id (SQLite reuses those).
_SUBJECT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def token_subject(claims: dict[str, Any]) -> str | None:
    """The user subject a token names, or None when its ``sub`` is not a canonical lower-case UUID (checked
    before any query, so a malformed subject is a 401, never a 500)."""
    sub = claims.get("sub")
    return sub if isinstance(sub, str) and _SUBJECT.fullmatch(sub) else None


def read_token(secret: str, token: str) -> dict[str, Any] | None:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError:
        return None
    return claims


def new_secret_key() -> tuple[str, str]:
    """A random console session key and its SHA-256 (the cookie carries the key, the database the hash)."""
    key = secrets.token_urlsafe(32)
    return key, key_digest(key)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# No 0/O or 1/l/I: a temporary password is read out or written down.
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def temporary_password(length: int = 14) -> str:
    return "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(length))
