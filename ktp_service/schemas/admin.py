"""Administration bodies: offices, users and audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ktp_service.schemas.identifiers import REGION_CODE_PATTERN
from ktp_service.vocab import Role


class OfficeCreate(BaseModel):
    code: str = Field(
        pattern=REGION_CODE_PATTERN,
        examples=["33.14.01", "33.14.01.2001"],
        description="Kemendagri code: 33.14 (regency), 33.14.01 (kecamatan) or 33.14.01.2001 (kelurahan/desa).",
    )
    name: str | None = Field(default=None, max_length=120)


class OfficePublic(BaseModel):
    code: str
    name: str
    kind: str = Field(description="kabupaten, kota, kecamatan, kelurahan or desa.")
    active: bool
    parent: str | None = Field(default=None, description="A village service point's kecamatan office (code).")
    parent_name: str | None = None


class UserCreate(BaseModel):
    username: str = Field(pattern=r"^[a-z0-9_.-]{3,64}$")
    password: str = Field(min_length=10, max_length=200)
    role: Role
    office: str | None = Field(default=None, description="Region code of the office (clerk, supervisor).")
    full_name: str = Field(default="", max_length=120)


class UserPublic(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    office: str | None
    active: bool


class RoleChange(BaseModel):
    role: Role
    office: str | None = Field(default=None, description="Region code of the office (clerk, supervisor).")


class PasswordReset(BaseModel):
    """A temporary password, shown this once: the user must change it at the next login."""

    username: str
    temporary_password: str


class AuditEventPublic(BaseModel):
    id: int
    at: datetime
    username: str
    role: str
    action: str
    entity: str
    entity_id: str | None
    office_code: str | None
    detail: dict[str, Any]
