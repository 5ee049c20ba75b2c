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
from ktp_service.errors import RoleNotAllowed, Unauthorized
from ktp_service.messages import pick_language
from ktp_service.models import Office, User
from ktp_service.security import read_token, token_secret, token_user_id
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


def get_actor(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2)]
) -> Actor:
    if not token:
        raise Unauthorized("Log in first: send 'Authorization: Bearer <token>' from POST /api/v1/auth/token.")
    claims = read_token(token_secret(settings.keys_dir), token)
    user_id = None if claims is None else token_user_id(claims)
    if user_id is None:
        raise Unauthorized("Your session has expired or the token is invalid; log in again.")
    # One query for the user and the office code: this runs on every request.
    row = session.exec(
        select(User, Office.code)
        .join(Office, col(Office.id) == User.office_id, isouter=True)
        .where(User.id == user_id)
    ).first()
    if row is None or not row[0].active:
        raise Unauthorized("This account no longer exists or is disabled.")
    user, office_code = row
    return Actor(user_id=user.id, username=user.username, role=Role(user.role), office_code=office_code)


ActorDep = Annotated[Actor, Depends(get_actor)]


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
# Billing: the partner's auditor reads and verifies; finance reconciles and closes; clerks see none of it.
BillingReader = Annotated[Actor, Depends(RequireRoles(Role.FINANCE, Role.PARTNER_AUDITOR, Role.ADMIN))]
ContractEditor = Annotated[Actor, Depends(RequireRoles(Role.FINANCE, Role.ADMIN))]
FinanceOnly = Annotated[Actor, Depends(RequireRoles(Role.FINANCE))]
AnyUser = Annotated[Actor, Depends(RequireRoles(*Role))]


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    """The answer of a hot route, serialized once by pydantic-core. Returning a Response skips FastAPI's
    re-validation of the return value, which for a sync route costs another thread-pool hop; the route
    keeps its ``response_model`` for the OpenAPI document (and the schemathesis tests hold it to it)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
