"""What is printed on a card: the resident's fields with names resolved (kecamatan and kelurahan/desa as
names, not codes) and the photo and signature as image bytes. Field names follow the resident API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _three_digits(value: Any) -> Any:
    """RT/RW are printed as three digits (``003/019``); accept ``3`` or ``"3"`` and pad."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if (
        isinstance(value, str)
        and value.strip().isascii()
        and value.strip().isdigit()
        and len(value.strip()) <= 3
    ):
        return value.strip().zfill(3)
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Rt = Annotated[str, BeforeValidator(_three_digits), StringConstraints(pattern=r"^[0-9]{3}$")]


class CardData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    nik: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{16}$")]
    nama: Text
    tempat_lahir: Text
    tanggal_lahir: date
    jenis_kelamin: Annotated[Literal["LAKI-LAKI", "PEREMPUAN"], BeforeValidator(_upper)]
    golongan_darah: Annotated[Literal["A", "B", "AB", "O", "-"], BeforeValidator(_upper)] = "-"
    alamat: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    rt: Rt
    rw: Rt
    kelurahan_desa: Text
    kecamatan: Text
    agama: Text
    status_perkawinan: Text
    pekerjaan: Text
    kewarganegaraan: Annotated[Literal["WNI", "WNA"], BeforeValidator(_upper)] = "WNI"
    berlaku_hingga: date | None = Field(default=None, description="None means SEUMUR HIDUP (valid for life).")
    tempat_terbit: Text | None = Field(default=None, description="None: the template's place of issue.")
    tanggal_terbit: date
    # repr=False: megabytes of image bytes have no place in logs or error messages.
    foto: bytes = Field(repr=False)
    tanda_tangan: bytes = Field(repr=False)
    # Optional derivatives made once at upload (ktp_service.images.store_fitted): the photo already cropped
    # and scaled to the photo box, the signature already trimmed and fitted to its box, as PNG. The
    # renderer uses one only when its pixel size matches the box at the dpi being rendered, else it
    # prepares the original as usual; either way the card is the same.
    foto_fitted: bytes = Field(default=b"", repr=False)
    tanda_tangan_fitted: bytes = Field(default=b"", repr=False)


IMAGE_FIELDS = ("foto", "tanda_tangan")
FITTED_FIELDS = ("foto_fitted", "tanda_tangan_fitted")
#: Names a template may use in its ``{...}`` value formats.
TEXT_FIELDS = frozenset(
    name for name in CardData.model_fields if name not in IMAGE_FIELDS and name not in FITTED_FIELDS
)
