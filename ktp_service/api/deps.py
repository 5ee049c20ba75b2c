"""Dependency aliases, defined once: ``SettingsDep``, ``SessionDep``, ``ActorDep`` and the role aliases
(``AdminOnly``, ``RegistryWriter``...) built on ``RequireRoles``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel
from sqlmodel import Session, col, select

from ktp_service.db import unit_of_work
from ktp_service.errors import PasswordChangeRequired, RoleNotAllowed, TokenRevoked, Unauthorized
from ktp_service.messages import pick_language
from ktp_service.models import Office, User
from ktp_service.security import read_token, token_secret, token_subject
from ktp_service.services.actor import Actor
from ktp_service.settings import Settings
from ktp_service.vocab import Role

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def request_language(request: Request) -> str:
    """The reader's language from ``Accept-Language`` (``id`` or ``en``; Indonesian by default)."""
    return pick_language(request.headers.get("accept-language"))


Language = Annotated[str, Depends(request_language)]


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back when it raises.

    Function scope: the commit happens before the response is sent, so a failed commit is an error answer,
    never a success whose data was lost. GET and HEAD only read (their audit records are appended).
    """
    with unit_of_work(request.app.state.engine, writes=request.method not in ("GET", "HEAD")) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _token_user(session: Session, settings: Settings, token: str | None) -> tuple[Actor, bool]:
    """The actor a bearer token stands for, and whether they must change their password first."""
    if not token:
        raise Unauthorized("Log in first: send 'Authorization: Bearer <token>' from POST /api/v1/auth/token.")
    claims = read_token(token_secret(settings.keys_dir), token)
    subject = None if claims is None else token_subject(claims)
    if claims is None or subject is None:
        raise Unauthorized("Your session has expired or the token is invalid; log in again.")
    # One query for the user and the office code: this runs on every request.
    row = session.exec(
        select(User, Office.code)
        .join(Office, col(Office.id) == User.office_id, isouter=True)
        .where(User.subject == subject)
    ).first()
    if row is None or not row[0].active or claims.get("ver") != row[0].token_version:
        raise TokenRevoked(
            "This token was revoked (logout everywhere, a password or role change, or the account was "
            "disabled or removed); log in again."
        )
    user, office_code = row
    actor = Actor(user_id=user.id, username=user.username, role=Role(user.role), office_code=office_code)
    return actor, user.must_change_password


def get_actor(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2)]
) -> Actor:
    actor, must_change = _token_user(session, settings, token)
    if must_change:
        raise PasswordChangeRequired(
            "An administrator reset your password: change it first (POST /api/v1/auth/password)."
        )
    return actor


def get_actor_changing_password(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2)]
) -> Actor:
    """Like ``get_actor``, but also lets in a user who must change their password (the routes that do it)."""
    return _token_user(session, settings, token)[0]


ActorDep = Annotated[Actor, Depends(get_actor)]


def get_actor_briefly(
    request: Request, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2)]
) -> Actor:
    """The actor, read in a short read-only transaction of its own: for the routes that wait on a printer,
    which must not hold the request's transaction (on SQLite, every other office's writes) meanwhile."""
    with unit_of_work(request.app.state.engine, writes=False) as session:
        return get_actor(session, settings, token)


class RequireRoles:
    """A route dependency that admits only the listed roles. Every route declares one (the role-matrix test
    walks the routes and checks it)."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, actor: ActorDep) -> Actor:
        if actor.role not in self.roles:
            allowed = ", ".join(sorted(r.value for r in self.roles))
            raise RoleNotAllowed(
                f"Your role ({actor.role.value}) may not do this; allowed: {allowed}.",
                params={"role": actor.role.value, "allowed": allowed},
            )
        return actor


class RequireRolesBriefly(RequireRoles):
    """``RequireRoles`` for a route that opens no request transaction (see :func:`get_actor_briefly`)."""

    async def __call__(self, actor: Annotated[Actor, Depends(get_actor_briefly)]) -> Actor:
        return await super().__call__(actor)


# Role sets, named for what they let a user do. Routes use these aliases as the type of their actor.
RegistryWriter = Annotated[Actor, Depends(RequireRoles(Role.CLERK, Role.SUPERVISOR))]
RegistryReader = Annotated[
    Actor, Depends(RequireRoles(Role.CLERK, Role.SUPERVISOR, Role.ADMIN, Role.FINANCE))
]
AdminOnly = Annotated[Actor, Depends(RequireRoles(Role.ADMIN))]
PrintOperator = Annotated[Actor, Depends(RequireRoles(Role.CLERK, Role.SUPERVISOR))]
Supervisor = Annotated[Actor, Depends(RequireRoles(Role.SUPERVISOR))]
# Who looks after printers and stock: supervisors of the office and administrators.
PrinterOperator = Annotated[Actor, Depends(RequireRoles(Role.SUPERVISOR, Role.ADMIN))]
# The same, for routes that ask a printer: they hold no transaction open while it answers.
PrinterAsker = Annotated[Actor, Depends(RequireRolesBriefly(Role.SUPERVISOR, Role.ADMIN))]
# Billing: the partner's auditor reads and verifies; finance reconciles and closes; clerks see none of it.
BillingReader = Annotated[Actor, Depends(RequireRoles(Role.FINANCE, Role.PARTNER_AUDITOR, Role.ADMIN))]
ContractEditor = Annotated[Actor, Depends(RequireRoles(Role.FINANCE, Role.ADMIN))]


class RequireRolesChangingPassword(RequireRoles):
    """``RequireRoles`` that also admits a user whose password must be changed first."""

    async def __call__(self, actor: Annotated[Actor, Depends(get_actor_changing_password)]) -> Actor:
        return await RequireRoles.__call__(self, actor)


FinanceOnly = Annotated[Actor, Depends(RequireRoles(Role.FINANCE))]
# The two parties to the revenue share, who each keep the chain checkpoints.
CheckpointReader = Annotated[Actor, Depends(RequireRoles(Role.FINANCE, Role.PARTNER_AUDITOR))]
# The partner's own count of a month is the partner's to enter.
PartnerAuditor = Annotated[Actor, Depends(RequireRoles(Role.PARTNER_AUDITOR))]
AnyUser = Annotated[Actor, Depends(RequireRoles(*Role))]
# Who am I, change my password, log out everywhere: open even while a password change is required.
SelfService = Annotated[Actor, Depends(RequireRolesChangingPassword(*Role))]


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    """The answer of a hot route, serialized once by pydantic-core. Returning a Response skips FastAPI's
    re-validation of the return value, which for a sync route costs another thread-pool hop; the route
    keeps its ``response_model`` for the OpenAPI document (and the schemathesis tests hold it to it)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
