"""Login (OAuth2 password flow issuing short-lived bearer tokens), one's own password, logout everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from ktp_service.api.deps import SelfService, SessionDep, SettingsDep
from ktp_service.errors import ERROR_RESPONSES, Unauthorized
from ktp_service.models import User
from ktp_service.schemas.auth import Me, PasswordChange, Token
from ktp_service.security import issue_token, token_secret
from ktp_service.services import accounts, audit, users
from ktp_service.services.users import actor_for
from ktp_service.settings import Settings

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=ERROR_RESPONSES)


@router.post("/token", response_model=Token)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, settings: SettingsDep
) -> Token:
    """Exchange username and password for a bearer token."""
    try:
        user = users.authenticate(
            session,
            form.username,
            form.password,
            max_failures=settings.login_max_failures,
            window_minutes=settings.login_lockout_minutes,
        )
    except Unauthorized:
        session.commit()  # keep the failure on record: it is what throttles the next guesses
        raise
    actor = actor_for(session, user)
    audit.record(session, actor, "auth.login", "user", user.id)
    return _token(settings, user, actor.office_code)


def _token(settings: Settings, user: User, office: str | None) -> Token:
    token = issue_token(
        token_secret(settings.keys_dir),
        subject=user.subject,
        version=user.token_version,
        username=user.username,
        role=user.role,
        minutes=settings.token_minutes,
    )
    return Token(
        access_token=token,
        expires_in=settings.token_minutes * 60,
        role=user.role,
        office=office,
        must_change_password=user.must_change_password,
    )


@router.get("/me", response_model=Me)
def me(actor: SelfService) -> Me:
    """Who the token belongs to (answers also while a password change is required)."""
    return Me(username=actor.username, role=actor.role.value, office=actor.office_code)


@router.post("/password", response_model=Token)
def change_password(
    body: PasswordChange, session: SessionDep, settings: SettingsDep, actor: SelfService
) -> Token:
    """Change your own password (the current one is required). Every token and console session you had
    ends; the answer carries a new token."""
    try:
        user = accounts.change_own_password(
            session,
            actor,
            body.old_password,
            body.new_password,
            max_failures=settings.login_max_failures,
            window_minutes=settings.login_lockout_minutes,
        )
    except accounts.WrongPassword:
        session.commit()  # the failure counts towards the login throttle
        raise
    return _token(settings, user, actor.office_code)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
def logout_everywhere(session: SessionDep, actor: SelfService) -> Response:
    """End every token and console session of yours, this token included."""
    accounts.logout_everywhere(session, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
