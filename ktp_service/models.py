"""The application's tables. Billing keeps its own tables in :mod:`billing`; all share ``SQLModel.metadata``
so Alembic sees one schema."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import JSON, Column, Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores no zone, so it is restored on read)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def ts_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=nullable, index=index)


class Office(SQLModel, table=True):
    """A service office, identified by the Kemendagri code of the region it serves: ``33.14`` for a regency's
    one-stop office (it serves the whole regency), ``33.14.01`` for a kecamatan office."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=13, unique=True, index=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=16)  # "kabupaten" | "kota" | "kecamatan"
    active: bool = True
    created_at: datetime = ts_column()


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    office_id: int | None = Field(default=None, foreign_key="office.id")
    active: bool = True
    created_at: datetime = ts_column()


class LoginFailure(SQLModel, table=True):
    """Failed logins, counted per username over a sliding window to throttle password guessing."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    at: datetime = ts_column(index=True)


class Resident(SQLModel, table=True):
    """A resident as printed on the KTP. One row per NIK; every change bumps ``version`` and is kept in
    :class:`ResidentVersion`."""

    id: int | None = Field(default=None, primary_key=True)
    nik: str = Field(max_length=16, min_length=16, unique=True, index=True)
    nama: str = Field(max_length=80, index=True)
    tempat_lahir: str = Field(max_length=40)
    tanggal_lahir: date
    jenis_kelamin: str = Field(max_length=16)
    golongan_darah: str = Field(max_length=2)
    alamat: str = Field(max_length=120)
    rt: str = Field(max_length=3)
    rw: str = Field(max_length=3)
    kode_kecamatan: str = Field(max_length=8, index=True)
    kode_desa: str = Field(max_length=13)
    agama: str = Field(max_length=40)
    status_perkawinan: str = Field(max_length=16)
    pekerjaan: str = Field(max_length=40)
    kewarganegaraan: str = Field(max_length=3)
    berlaku_hingga: date | None = None
    photo_sha256: str | None = Field(default=None, max_length=64)
    photo_format: str | None = Field(default=None, max_length=8)
    signature_sha256: str | None = Field(default=None, max_length=64)
    signature_format: str | None = Field(default=None, max_length=8)
    version: int = 1
    registered_office_id: int | None = Field(default=None, foreign_key="office.id")
    created_at: datetime = ts_column()
    updated_at: datetime = ts_column()


class ResidentVersion(SQLModel, table=True):
    """The state of a resident after each change: who, when, which fields."""

    __tablename__ = "resident_version"
    __table_args__ = (sa.UniqueConstraint("resident_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    version: int
    changed_at: datetime = ts_column()
    changed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    changed_fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditEvent(SQLModel, table=True):
    """Append-only trail of who did what to which record. A database trigger refuses UPDATE and DELETE
    (see the migration), so not even a bug in the API can rewrite it. Holds record ids, never NIKs or
    names."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = ts_column(index=True)
    user_id: int | None = Field(default=None, index=True)
    username: str = Field(max_length=64)
    role: str = Field(max_length=32)
    action: str = Field(max_length=64, index=True)
    entity: str = Field(max_length=32)
    entity_id: str | None = Field(default=None, max_length=64, index=True)
    office_code: str | None = Field(default=None, max_length=13)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
