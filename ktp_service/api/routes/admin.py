"""Offices, users (creation, password reset, disabling, role changes) and the audit trail (administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlmodel import col, select

from ktp_service.api.deps import AdminOnly, AnyUser, SessionDep
from ktp_service.errors import ERROR_RESPONSES
from ktp_service.models import AuditEvent, Office, User
from ktp_service.schemas.admin import (
    AuditEventPublic,
    EmailChange,
    LowStockThreshold,
    OfficeCreate,
    OfficePublic,
    PasswordReset,
    RoleChange,
    UserCreate,
    UserPublic,
)
from ktp_service.schemas.identifiers import REGION_CODE_PATTERN
from ktp_service.services import accounts, offices, users

router = APIRouter(prefix="/api/v1", tags=["administration"], responses=ERROR_RESPONSES)
# Bounded: SQLite integers overflow past 2**63 (schemathesis finds it).
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _office_public(o: Office, parent: Office | None) -> OfficePublic:
    return OfficePublic(
        code=o.code,
        name=o.name,
        kind=o.kind,
        active=o.active,
        parent=parent.code if parent else None,
        parent_name=parent.name if parent else None,
        low_stock_threshold=o.low_stock_threshold,
    )


@router.get("/offices", response_model=list[OfficePublic])
def list_offices(session: SessionDep, actor: AnyUser) -> list[OfficePublic]:
    """Every office with its region code (village service points with their kecamatan office)."""
    rows = offices.list_offices(session)
    by_id = {o.id: o for o in rows}
    return [_office_public(o, by_id.get(o.parent_id)) for o in rows]


@router.post("/offices", response_model=OfficePublic, status_code=status.HTTP_201_CREATED)
def create_office(body: OfficeCreate, session: SessionDep, actor: AdminOnly) -> OfficePublic:
    """Register the office serving a regency/city, a kecamatan, or a kelurahan/desa (a village service point,
    under its kecamatan office, which must be registered first)."""
    office = offices.create(session, actor, body.code, body.name)
    parent = session.get(Office, office.parent_id) if office.parent_id else None
    return _office_public(office, parent)


def _user_public(u: User, office: str | None) -> UserPublic:
    return UserPublic(
        id=u.id or 0,
        username=u.username,
        full_name=u.full_name,
        role=u.role,
        office=office,
        active=u.active,
        email=u.email,
    )


@router.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep, actor: AdminOnly) -> list[UserPublic]:
    """Every user with role and office."""
    return [_user_public(u, code) for u, code in users.list_users(session)]


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, session: SessionDep, actor: AdminOnly) -> UserPublic:
    """Create a user; clerks and supervisors need the region code of their office."""
    return _user_public(users.register(session, actor, body), body.office)


@router.post("/users/{user_id}/password-reset", response_model=PasswordReset)
def reset_password(user_id: UserId, session: SessionDep, actor: AdminOnly) -> PasswordReset:
    """A temporary password (shown once); the user must change it at the next login. Ends the user's
    tokens and console sessions."""
    user, password = accounts.reset_password(session, actor, user_id)
    return PasswordReset(username=user.username, temporary_password=password)


@router.post("/users/{user_id}/disable", response_model=UserPublic)
def disable_user(user_id: UserId, session: SessionDep, actor: AdminOnly) -> UserPublic:
    """Disable an account: it can no longer log in, and its tokens and console sessions end."""
    user = accounts.set_active(session, actor, user_id, False)
    return _user_public(user, users.office_code_of(session, user))


@router.post("/users/{user_id}/enable", response_model=UserPublic)
def enable_user(user_id: UserId, session: SessionDep, actor: AdminOnly) -> UserPublic:
    """Enable a disabled account again (it logs in afresh)."""
    user = accounts.set_active(session, actor, user_id, True)
    return _user_public(user, users.office_code_of(session, user))


@router.put("/users/{user_id}/role", response_model=UserPublic)
def change_role(user_id: UserId, body: RoleChange, session: SessionDep, actor: AdminOnly) -> UserPublic:
    """Change a user's role (and office); the user's tokens and console sessions end."""
    user = accounts.change_role(session, actor, user_id, body.role, body.office)
    return _user_public(user, body.office)


@router.put("/users/{user_id}/email", response_model=UserPublic)
def change_email(user_id: UserId, body: EmailChange, session: SessionDep, actor: AdminOnly) -> UserPublic:
    """Set or remove the address alerts are mailed to (issue 15); audited without the address."""
    user = accounts.set_email(session, actor, user_id, body.email)
    return _user_public(user, users.office_code_of(session, user))


@router.put("/offices/{code}/low-stock-threshold", response_model=OfficePublic)
def set_low_stock_threshold(
    code: Annotated[str, Path(pattern=REGION_CODE_PATTERN)],
    body: LowStockThreshold,
    session: SessionDep,
    actor: AdminOnly,
) -> OfficePublic:
    """The office's own low-stock alert threshold in blank cards; null returns it to the default."""
    office = offices.set_low_stock_threshold(session, actor, code, body.threshold)
    return _office_public(office, session.get(Office, office.parent_id) if office.parent_id else None)


@router.get("/audit", response_model=list[AuditEventPublic])
def list_audit(
    session: SessionDep,
    actor: AdminOnly,
    action: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEventPublic]:
    """The audit trail, newest first (read-only: no route changes or deletes it)."""
    stmt = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    return [AuditEventPublic.model_validate(e, from_attributes=True) for e in session.exec(stmt)]
