"""Test data: residents with NIKs that satisfy every rule, built from the fields they must agree with."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

_serials = itertools.count(1)


def make_nik(kode_kecamatan: str, born: date, female: bool, serial: int | None = None) -> str:
    """A NIK consistent with region, birth date and sex (women: day + 40)."""
    region = kode_kecamatan.replace(".", "")
    day = born.day + (40 if female else 0)
    return f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{serial or next(_serials):04d}"


def resident_payload(
    kode_desa: str = "33.14.01.2001",
    *,
    born: date = date(1985, 8, 17),
    female: bool = True,
    serial: int | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    kode_kecamatan = kode_desa.rsplit(".", 1)[0]
    body: dict[str, Any] = {
        "nik": make_nik(kode_kecamatan, born, female, serial),
        "nama": "Siti Nur'aini",
        "tempat_lahir": "Sragen",
        "tanggal_lahir": born.isoformat(),
        "jenis_kelamin": "PEREMPUAN" if female else "LAKI-LAKI",
        "golongan_darah": "O",
        "alamat": "Jl. Raya Kalijambe No. 12",
        "rt": "003",
        "rw": "019",
        "kode_kecamatan": kode_kecamatan,
        "kode_desa": kode_desa,
        "agama": "ISLAM",
        "status_perkawinan": "KAWIN",
        "pekerjaan": "WIRASWASTA",
        "kewarganegaraan": "WNI",
    }
    body.update(overrides)
    return body


def png_bytes(width: int = 300, height: int = 400, color: tuple[int, int, int] = (200, 180, 160)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()
