"""Account events: a user changes their own password or logs out everywhere; an administrator resets a
password, disables or enables an account, or changes its role. Each of them ends the user's bearer tokens
(the token version is bumped) and console sessions at once, and each is audited."""

from __future__ import annotations

from sqlmodel import Session, select

from ktp_service.errors import Conflict, FieldProblem, Invalid, Unauthorized
from ktp_service.models import User, utcnow
from ktp_service.security import hash_password, temporary_password, verify_password
from ktp_service.services import audit, console_sessions, users
from ktp_service.services.actor import Actor
from ktp_service.services.users import UserNotFound
from ktp_service.vocab import Role


class WrongPassword(Invalid, code="wrong_password"): ...


class PasswordUnchanged(Invalid, code="password_unchanged"): ...


class OwnAccount(Conflict, code="own_account"): ...


def revoke_access(session: Session, user: User, reason: str) -> None:
    """End every token and console session of ``user`` issued so far."""
    assert user.id is not None
    user.token_version += 1
    session.add(user)
    console_sessions.end_all(session, user.id, utcnow(), reason)
    session.flush()


def get_user(session: Session, user_id: int) -> User:
    user = session.exec(select(User).where(User.id == user_id)).first()
    if user is None:
        raise UserNotFound(f"No user with id {user_id}.", params={"id": user_id})
    return user


def change_own_password(
    session: Session,
    actor: Actor,
    old_password: str,
    new_password: str,
    *,
    max_failures: int,
    window_minutes: int,
) -> User:
    """Checks the old password (counted and throttled like a login: a stolen token cannot guess it), then
    applies the rules to the new one. Too many wrong tries: TooManyAttempts. Raises :class:`WrongPassword` after recording the failure; the caller
    commits it before answering."""
    try:
        user = users.authenticate(
            session, actor.username, old_password, max_failures=max_failures, window_minutes=window_minutes
        )
    except Unauthorized:
        text = "the current password is wrong."
        raise WrongPassword(
            f"old_password: {text}", [FieldProblem("old_password", text, "wrong_password")]
        ) from None
    users.check_password(new_password, user.username, field="new_password")
    if verify_password(new_password, user.password_hash):
        text = "must differ from the current password."
        raise PasswordUnchanged(
            f"new_password: {text}", [FieldProblem("new_password", text, "password_unchanged")]
        )
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    revoke_access(session, user, "password_changed")
    audit.record(session, actor, "user.password_change", "user", user.id)
    return user


def logout_everywhere(session: Session, actor: Actor) -> None:
    assert actor.user_id is not None
    revoke_access(session, get_user(session, actor.user_id), "logout_everywhere")
    audit.record(session, actor, "auth.logout_everywhere", "user", actor.user_id)


def _other_user(session: Session, actor: Actor, user_id: int, what: str) -> User:
    """The user an administrator acts on; never the administrator (who could lock themselves out)."""
    user = get_user(session, user_id)
    if user.id == actor.user_id:
        raise OwnAccount(
            f"You cannot {what} your own account; ask another administrator.", params={"action": what}
        )
    return user


def reset_password(session: Session, actor: Actor, user_id: int) -> tuple[User, str]:
    """A temporary password the user must change at the next login. Returns it (shown once, never stored)."""
    user = _other_user(session, actor, user_id, "reset the password of")
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    revoke_access(session, user, "password_reset")
    audit.record(session, actor, "user.password_reset", "user", user.id)
    return user, password


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    user = _other_user(session, actor, user_id, "enable" if active else "disable")
    if user.active != active:
        user.active = active
        revoke_access(session, user, "enabled" if active else "disabled")
        audit.record(session, actor, "user.enable" if active else "user.disable", "user", user.id)
    return user


def change_role(session: Session, actor: Actor, user_id: int, role: Role, office_code: str | None) -> User:
    user = _other_user(session, actor, user_id, "change the role of")
    office = users.office_for(session, role, office_code)
    before = (user.role, user.office_id)
    user.role, user.office_id = role.value, office.id if office else None
    if (user.role, user.office_id) != before:
        revoke_access(session, user, "role_changed")
        audit.record(
            session, actor, "user.role_change", "user", user.id, role=role.value, previous_role=before[0]
        )
    return user


def set_email(session: Session, actor: Actor, user_id: int, email: str | None) -> User:
    """Where the user's alerts are mailed (validated by :func:`ktp_service.schemas.admin.check_email`); None
    stops the mail. Audited without the address itself (personal data): only whether one is set."""
    user = get_user(session, user_id)
    if user.email != email:
        user.email = email
        session.add(user)
        audit.record(session, actor, "user.email_change", "user", user.id, has_email=email is not None)
    return user
