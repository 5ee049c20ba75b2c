"""Administration bodies: offices, users and audit events."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

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
    low_stock_threshold: int | None = Field(default=None, description="Own alert threshold; null: default.")


# An address as a mail server takes it (RFC 5321 limits, one @, a dotted domain, no spaces or quotes); the
# domain is kept in lower case. Whether it exists only the mail shows.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def check_email(value: str | None) -> str | None:
    """A user's e-mail address: None (or empty) for none; refused unless it looks like one."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value) or ".." in value:
        raise ValueError("not an e-mail address (name@example.go.id)")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


Email = Annotated[str | None, AfterValidator(check_email)]


class UserCreate(BaseModel):
    username: str = Field(pattern=r"^[a-z0-9_.-]{3,64}$")
    password: str = Field(min_length=10, max_length=200)
    role: Role
    office: str | None = Field(default=None, description="Region code of the office (clerk, supervisor).")
    full_name: str = Field(default="", max_length=120)
    email: Email = Field(default=None, max_length=254, description="Where alerts are mailed.")


class UserPublic(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    office: str | None
    active: bool
    email: str | None = None


class EmailChange(BaseModel):
    email: Email = Field(default=None, max_length=254, description="Empty or null: no alert mail.")


class LowStockThreshold(BaseModel):
    threshold: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Blank cards; null: the service's default."
    )


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
