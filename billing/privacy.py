"""Personal data shown to the partner: only what auditing needs (UU 27/2022, DOMAIN.md section 6)."""

from __future__ import annotations


def mask_nik(nik: str) -> str:
    """``3314010101010001`` -> ``3314**********01``: the regency code (first 4 digits) and the last 2 digits
    stay, enough to tell cards apart in an audit without revealing the birth date or the serial."""
    if len(nik) != 16 or not (nik.isascii() and nik.isdigit()):
        raise ValueError("a NIK has 16 digits")
    return nik[:4] + "*" * 10 + nik[-2:]
