"""Passwords (argon2id), bearer tokens (short-lived HS256 JWTs) and the signing secret kept in DATA_DIR."""

from __future__ import annotations

import contextlib
import os
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


def issue_token(secret: str, *, user_id: int, username: str, role: str, minutes: int) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "name": username,
        "role": role,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


MAX_USER_ID = 2**31 - 1  # the id column is a 32-bit integer on PostgreSQL


def token_user_id(claims: dict[str, Any]) -> int | None:
    """The user id a token's subject names, or None when the subject is not one: only the digits 0-9, no
    sign, spaces or underscores (``int()`` alone would read " 1_2" and full-width digits), within the
    id column's range."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not (sub.isascii() and sub.isdigit()) or len(sub) > 10:
        return None
    user_id = int(sub)
    return user_id if 1 <= user_id <= MAX_USER_ID else None


def read_token(secret: str, token: str) -> dict[str, Any] | None:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError:
        return None
    return claims
