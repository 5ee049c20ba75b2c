"""Users, roles and login with throttling of repeated failures."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from ktp_service.errors import NotFound, TooManyAttempts, Unauthorized, UsernameTaken, invalid_field
from ktp_service.models import LoginFailure, Office, User, utcnow
from ktp_service.schemas.admin import UserCreate
from ktp_service.security import hash_password, verify_password
from ktp_service.services import audit, offices
from ktp_service.services.actor import Actor
from ktp_service.vocab import Role

MIN_PASSWORD = 10


class UserNotFound(NotFound, code="user_not_found"): ...


def create(
    session: Session,
    actor: Actor,
    *,
    username: str,
    password: str,
    role: Role,
    office_code: str | None,
    full_name: str = "",
    email: str | None = None,
) -> User:
    check_password(password, username, field="password")
    office = office_for(session, role, office_code)
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise UsernameTaken(f"Username {username!r} is taken.", params={"username": username})
    user = User(
        username=username,
        full_name=full_name,
        password_hash=hash_password(password),
        role=role.value,
        office_id=office.id if office else None,
        email=email,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise UsernameTaken(f"Username {username!r} is taken.", params={"username": username}) from None
    audit.record(session, actor, "user.create", "user", user.id, role=role.value)
    return user


def check_password(password: str, username: str, *, field: str) -> None:
    """The password rules: at least ``MIN_PASSWORD`` characters and not the username (any case)."""
    if len(password) < MIN_PASSWORD:
        raise invalid_field(field, f"must be at least {MIN_PASSWORD} characters.")
    if password.strip().casefold() == username.casefold():
        raise invalid_field(field, "must not be the username.", code="same_as_username")


def office_for(session: Session, role: Role, office_code: str | None) -> Office | None:
    """The office a user of ``role`` works for: required for office-bound roles, refused for the others."""
    if role.office_bound:
        if not office_code:
            raise invalid_field("office", f"a {role.value} works for one office: give its region code.")
        return offices.get_by_code(session, office_code)
    if office_code:
        raise invalid_field("office", f"a {role.value} is not bound to an office.")
    return None


def register(session: Session, actor: Actor, body: UserCreate) -> User:
    """``create`` from a validated request body (the API's and the console's)."""
    return create(session, actor, **body.model_dump(exclude={"office"}), office_code=body.office)


def office_code_of(session: Session, user: User) -> str | None:
    if user.office_id is None:
        return None
    office = session.get(Office, user.office_id)
    return office.code if office else None


def authenticate(
    session: Session, username: str, password: str, *, max_failures: int, window_minutes: int
) -> User:
    """The user with these credentials, or Unauthorized. After ``max_failures`` failures within the window the
    username is refused for the rest of the window, whatever the password (slows down guessing)."""
    if not 0 < len(username) <= 64:  # no such account can exist; nothing to count either
        raise Unauthorized("Wrong username or password.")
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # One login at a time per username, so parallel guesses cannot all be counted before any failure
        # is recorded (SQLite's single writer already serializes them).
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:u))"), {"u": username})
    since = utcnow() - timedelta(minutes=window_minutes)
    failures = session.exec(
        select(func.count()).where(LoginFailure.username == username, col(LoginFailure.at) >= since)
    ).one()
    if failures >= max_failures:
        raise TooManyAttempts(
            f"Too many failed logins for this username. Try again in {window_minutes} minutes "
            "or ask an administrator."
        )
    user = session.exec(select(User).where(User.username == username)).first()
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None or not user.active:
        session.add(LoginFailure(username=username))
        raise Unauthorized("Wrong username or password.")
    return user


def list_users(session: Session) -> list[tuple[User, str | None]]:
    rows = session.exec(
        select(User, Office.code)
        .join(Office, col(Office.id) == User.office_id, isouter=True)
        .order_by(col(User.username))
    ).all()
    return [(u, c) for u, c in rows]


def actor_for(session: Session, user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        office_code=office_code_of(session, user),
    )
