"""Resident bodies. JSON names are the KTP's own words so clients and the card agree (issue 2)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ktp_service.schemas.text import Address, PersonName, PlaceName, RtRw, normalize_text
from ktp_service.vocab import PEKERJAAN, Agama, GolonganDarah, JenisKelamin, Kewarganegaraan, StatusPerkawinan

Nik = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{16}$")]
KodeKecamatan = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$")
]
KodeDesa = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$")
]


def _pekerjaan(value: Any) -> Any:
    value = normalize_text(value)
    if isinstance(value, str) and value not in PEKERJAAN:
        raise ValueError("is not in the civil-registry occupation list (use LAINNYA if none fits)")
    return value


class ResidentFields(BaseModel):
    """Everything on the KTP except the NIK, all optional: the shape of an update."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    nama: PersonName | None = None
    tempat_lahir: PlaceName | None = None
    tanggal_lahir: date | None = None
    jenis_kelamin: JenisKelamin | None = None
    golongan_darah: GolonganDarah | None = None
    alamat: Address | None = None
    rt: RtRw | None = None
    rw: RtRw | None = None
    kode_kecamatan: KodeKecamatan | None = None
    kode_desa: KodeDesa | None = None
    agama: Agama | None = None
    status_perkawinan: StatusPerkawinan | None = None
    pekerjaan: str | None = None
    kewarganegaraan: Kewarganegaraan | None = None
    berlaku_hingga: date | None = Field(
        default=None, description="Only for WNA cards; a citizen's card is valid for life (SEUMUR HIDUP)."
    )

    @field_validator("pekerjaan", mode="before")
    @classmethod
    def _check_pekerjaan(cls, value: Any) -> Any:
        return _pekerjaan(value)

    @field_validator(
        "jenis_kelamin", "golongan_darah", "agama", "status_perkawinan", "kewarganegaraan", mode="before"
    )
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return normalize_text(value)

    @field_validator("tanggal_lahir")
    @classmethod
    def _birth_date_plausible(cls, value: date | None) -> date | None:
        if value is not None and (value > date.today() or value.year < 1900):
            raise ValueError("must be a date between 1900 and today")
        return value


class ResidentUpdate(ResidentFields):
    """A correction: only the fields given change. The NIK never changes (UU 24/2013 art. 13)."""


class ResidentCreate(ResidentFields):
    nik: Nik
    nama: PersonName
    tempat_lahir: PlaceName
    tanggal_lahir: date
    jenis_kelamin: JenisKelamin
    golongan_darah: GolonganDarah = GolonganDarah.TIDAK_TAHU
    alamat: Address
    rt: RtRw
    rw: RtRw
    kode_kecamatan: KodeKecamatan
    kode_desa: KodeDesa
    agama: Agama
    status_perkawinan: StatusPerkawinan
    pekerjaan: str
    kewarganegaraan: Kewarganegaraan = Kewarganegaraan.WNI


class Warning_(BaseModel):
    field: str
    code: str
    message: str


class ResidentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    nik: str
    nama: str
    tempat_lahir: str
    tanggal_lahir: date
    jenis_kelamin: str
    golongan_darah: str
    alamat: str
    rt: str
    rw: str
    kode_kecamatan: str
    kecamatan: str | None = None
    kode_desa: str
    kelurahan_desa: str | None = None
    agama: str
    status_perkawinan: str
    pekerjaan: str
    kewarganegaraan: str
    berlaku_hingga: date | None
    photo_sha256: str | None
    signature_sha256: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    warnings: list[Warning_] = []


class ResidentsPublic(BaseModel):
    data: list[ResidentPublic]
    count: int


class ResidentVersionPublic(BaseModel):
    version: int
    changed_at: datetime
    changed_by: str | None
    changed_fields: list[str]
    data: dict[str, Any]


class ResidentHistory(BaseModel):
    nik: str
    versions: list[ResidentVersionPublic]
