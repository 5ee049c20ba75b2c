"""Login: OAuth2 password flow issuing short-lived bearer tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from ktp_service.api.deps import AnyUser, SessionDep, SettingsDep
from ktp_service.errors import ERROR_RESPONSES, Unauthorized
from ktp_service.schemas.auth import Me, Token
from ktp_service.security import issue_token, token_secret
from ktp_service.services import audit, users
from ktp_service.services.users import actor_for

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
    assert user.id is not None
    token = issue_token(
        token_secret(settings.keys_dir),
        user_id=user.id,
        username=user.username,
        role=user.role,
        minutes=settings.token_minutes,
    )
    return Token(
        access_token=token, expires_in=settings.token_minutes * 60, role=user.role, office=actor.office_code
    )


@router.get("/me", response_model=Me)
def me(actor: AnyUser) -> Me:
    """Who the token belongs to."""
    return Me(username=actor.username, role=actor.role.value, office=actor.office_code)
