"""Console sessions kept on the server. A login stores a row; the browser's (signed) cookie carries only the
random key whose SHA-256 is the row's id. Every page looks the row up, so ending it — logout, the idle or
absolute timeout, or an account event — takes effect at once, even for a copied cookie."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from ktp_service.models import ConsoleSession, Office, User
from ktp_service.security import key_digest, new_secret_key

# Why a session ended (``console_session.ended_reason``).
LOGOUT, IDLE, EXPIRED = "logout", "idle", "expired"


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class Resolved:
    """A session that still holds, with its user and the user's office code."""

    session_id: str
    user: User
    office_code: str | None
    expires_at: datetime  # the absolute end; the idle end is ``timeouts.idle`` after this request


def start(session: Session, user: User, now: datetime, timeouts: Timeouts) -> str:
    """A new session for ``user``; returns the key the cookie will carry."""
    assert user.id is not None
    key, digest = new_secret_key()
    session.add(
        ConsoleSession(
            id=digest,
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timeouts.absolute,
        )
    )
    return key


def resolve(session: Session, key: str, now: datetime, timeouts: Timeouts) -> Resolved | str:
    """The session ``key`` opens, or why it opens none: ``"unknown"``, ``"ended"``, ``IDLE``, ``EXPIRED``
    (the last two also end the row) or ``"disabled"``. A session that holds is marked as seen ``now``."""
    digest = key_digest(key)
    row = session.exec(
        select(ConsoleSession, User, Office.code)
        .join(User, col(User.id) == ConsoleSession.user_id)
        .join(Office, col(Office.id) == User.office_id, isouter=True)
        .where(ConsoleSession.id == digest)
    ).first()
    if row is None:
        return "unknown"
    console, user, office_code = row
    if console.ended_at is not None:
        return "ended"
    reason = None
    if now >= console.expires_at:
        reason = EXPIRED
    elif now - console.last_seen_at >= timeouts.idle:
        reason = IDLE
    if reason is not None:
        _end(session, ConsoleSession.id == digest, now, reason)
        return reason
    if not user.active:
        return "disabled"  # disabling ended it already; kept as a second lock
    session.execute(
        update(ConsoleSession)
        .where(col(ConsoleSession.id) == digest, col(ConsoleSession.ended_at).is_(None))
        .values(last_seen_at=now)
    )
    return Resolved(digest, user, office_code, console.expires_at)


def end(session: Session, key: str, now: datetime, reason: str = LOGOUT) -> None:
    """End the session ``key`` opens (logout)."""
    _end(session, ConsoleSession.id == key_digest(key), now, reason)


def end_all(session: Session, user_id: int, now: datetime, reason: str) -> int:
    """End every open session of a user; returns how many were open."""
    return _end(session, ConsoleSession.user_id == user_id, now, reason)


def _end(session: Session, where: object, now: datetime, reason: str) -> int:
    result = session.execute(
        update(ConsoleSession)
        .where(where, col(ConsoleSession.ended_at).is_(None))  # type: ignore[arg-type]
        .values(ended_at=now, ended_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def owner(session: Session, key: str) -> int | None:
    """The user a session key belonged to, ended or not (to keep a form sent after it ended for them)."""
    row = session.get(ConsoleSession, key_digest(key))
    return row.user_id if row is not None else None


def remaining(session: Session, key: str, now: datetime, timeouts: Timeouts) -> timedelta | None:
    """How long the session ``key`` opens still holds if nothing else happens: the idle timeout from its
    last request, or the absolute end, whichever comes first (None: it holds no longer)."""
    row = session.get(ConsoleSession, key_digest(key))
    if row is None or row.ended_at is not None:
        return None
    left = min(row.last_seen_at + timeouts.idle, row.expires_at) - now
    return left if left > timedelta(0) else None


def purge(session: Session, now: datetime, retention: timedelta, timeouts: Timeouts) -> int:
    """Delete sessions that ended (or ran out) more than ``retention`` ago; returns how many. The audit
    trail keeps the logins and logouts; these rows only say whether a cookie still opens a session."""
    cutoff = now - retention
    result = session.execute(
        delete(ConsoleSession).where(
            (col(ConsoleSession.ended_at) < cutoff)
            | (col(ConsoleSession.expires_at) < cutoff)
            | (col(ConsoleSession.last_seen_at) < cutoff - timeouts.idle)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
