"""Form fields kept on the server for a few minutes, never in the browser (counter PCs are shared and the
forms hold personal data).

Two uses:
- ``EXPIRED``: a form sent after its session ended. The fields are kept, the login page says the session
  ended, and after logging in again the same user finds the form refilled. Read once, then deleted.
- ``ERRORS``: a form refused with errors. The page that shows the errors is served from a GET
  (post-redirect-get), so refreshing it re-sends nothing; kept until it expires or is replaced.

The browser's signed cookie holds a random key; the row's id is the key's SHA-256 and its payload is
encrypted (AES-GCM) with a key derived from it, so the table alone opens nothing. Rows expire after
``kept_form_minutes`` and are purged with ended console sessions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete
from sqlmodel import Session, col

from ktp_service.models import KeptForm
from ktp_service.security import key_digest, new_secret_key

EXPIRED, ERRORS = "expired", "errors"


@dataclass(frozen=True)
class Kept:
    """What a kept form holds: the typed fields and, for a refused form, what the page showed with them."""

    purpose: str
    path: str
    fields: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)


def _cipher(key: str) -> AESGCM:
    return AESGCM(hashlib.sha256(b"ktp-kept-form\0" + key.encode()).digest())


def keep(
    session: Session,
    *,
    purpose: str,
    path: str,
    fields: dict[str, str],
    extra: dict[str, Any] | None,
    user_id: int | None,
    now: datetime,
    lifetime: timedelta,
) -> str:
    """Keep a form; returns the key only the browser's cookie will carry."""
    key, digest = new_secret_key()
    nonce = os.urandom(12)
    plain = json.dumps({"fields": fields, "extra": extra or {}}, ensure_ascii=False).encode()
    sealed = nonce + _cipher(key).encrypt(nonce, plain, digest.encode())
    session.add(
        KeptForm(
            id=digest,
            user_id=user_id,
            purpose=purpose,
            path=path[:300],
            payload=base64.b64encode(sealed).decode(),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return key


def handle(key: str) -> str:
    """A short tag of the key for the address (``?kept=...``): ties a page to the form it shows, opens
    nothing by itself."""
    return key_digest(key)[:12]


def read(session: Session, key: str, *, path: str, user_id: int | None, now: datetime) -> Kept | None:
    """The form ``key`` opens, if it was kept for ``path`` and this user and has not expired. A form sent
    after the session ended is deleted once read (and at once when another user asks: a shared PC)."""
    digest = key_digest(key)
    row = session.get(KeptForm, digest)
    if row is None:
        return None
    if now >= row.expires_at or (row.user_id is not None and row.user_id != user_id):
        session.delete(row)
        return None
    if row.path != path:
        return None
    try:
        sealed = base64.b64decode(row.payload)
        data = json.loads(_cipher(key).decrypt(sealed[:12], sealed[12:], digest.encode()))
    except (InvalidTag, ValueError):
        session.delete(row)
        return None
    kept = Kept(row.purpose, row.path, dict(data.get("fields") or {}), dict(data.get("extra") or {}))
    if row.purpose == EXPIRED:
        session.delete(row)
    return kept


def drop(session: Session, key: str) -> None:
    session.execute(delete(KeptForm).where(col(KeptForm.id) == key_digest(key)))


def purge(session: Session, now: datetime) -> int:
    """Delete every expired kept form; returns how many."""
    result = session.execute(delete(KeptForm).where(col(KeptForm.expires_at) <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def release_foreign(session: Session, key: str, user_id: int) -> bool:
    """At a login: a form kept for another user (a shared PC) is deleted at once. True if it was."""
    row = session.get(KeptForm, key_digest(key))
    if row is None or row.user_id is None or row.user_id == user_id:
        return False
    session.delete(row)
    return True
