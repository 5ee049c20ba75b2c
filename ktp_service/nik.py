"""NIK rules (DOMAIN.md section 2): ``PPKKCCDDMMYYSSSS``, province, regency/city, kecamatan of registration,
birth date as DDMMYY with 40 added to the day for women, and a serial that is never 0000."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ktp_service import regions
from ktp_service.errors import FieldProblem
from ktp_service.vocab import JenisKelamin

_NIK = re.compile(r"[0-9]{16}")


@dataclass
class NikCheck:
    problems: list[FieldProblem] = field(default_factory=list)
    warnings: list[FieldProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_nik(nik: str, tanggal_lahir: date | None, jenis_kelamin: str | None) -> NikCheck:
    """Check ``nik`` on its own and against the birth date and sex given for the same person.

    A region code that the current Kemendagri edition no longer lists is a warning, not an error: a NIK
    keeps the code it was issued with for life (UU 24/2013 art. 13), e.g. Merauke moved from 91.01 to 93.01.
    """
    out = NikCheck()

    def bad(code: str, message: str) -> None:
        out.problems.append(FieldProblem("nik", message, code))

    if not _NIK.fullmatch(nik):
        bad("format", "NIK must be exactly 16 digits (0-9), without spaces or dots.")
        return out

    pp, kk, cc = nik[0:2], nik[2:4], nik[4:6]
    if regions.province_name(pp) is None:
        bad("province", f"Province code {pp} in the NIK has never existed.")
    elif not regions.is_current_province(pp):
        out.warnings.append(
            FieldProblem("nik", f"Province code {pp} is a former province; the NIK is kept.", "region_former")
        )
    if kk == "00" or cc == "00":
        bad("region", "Regency and kecamatan codes in the NIK cannot be 00.")
    elif regions.is_current_province(pp) and (
        regions.get_region(f"{pp}.{kk}") is None or regions.get_region(f"{pp}.{kk}.{cc}") is None
    ):
        out.warnings.append(
            FieldProblem(
                "nik",
                f"Region {pp}.{kk}.{cc} is not in the current Kemendagri list (an older code, e.g. before a "
                "region split); the NIK is kept as issued.",
                "region_not_current",
            )
        )

    raw_day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    encoded_female = raw_day > 40
    day = raw_day - 40 if encoded_female else raw_day
    if not _is_real_day(day, month, yy):
        bad(
            "birth_date",
            f"Digits 7-12 of the NIK ({nik[6:12]}) are not a real date (DDMMYY, +40 on the day for women).",
        )
    elif tanggal_lahir is not None and (
        day != tanggal_lahir.day or month != tanggal_lahir.month or yy != tanggal_lahir.year % 100
    ):
        bad(
            "birth_date_mismatch",
            f"The NIK encodes birth date {day:02d}-{month:02d}-..{yy:02d}, but tanggal_lahir is "
            f"{tanggal_lahir:%d-%m-%Y}.",
        )
    if _is_real_day(day, month, yy) and jenis_kelamin is not None:
        expected = JenisKelamin.PEREMPUAN if encoded_female else JenisKelamin.LAKI_LAKI
        if jenis_kelamin != expected:
            bad(
                "sex_mismatch",
                f"The NIK's day {raw_day:02d} encodes {expected.value} (women have 40 added to the day), "
                f"but jenis_kelamin is {jenis_kelamin}.",
            )
    if nik[12:] == "0000":
        bad("serial", "The NIK's serial (last 4 digits) cannot be 0000.")
    return out


@dataclass(frozen=True)
class Encoded:
    """What a NIK's digits 7-12 say about its holder (the century is not encoded: ``yy`` only)."""

    day: int
    month: int
    yy: int
    sex: JenisKelamin

    def birth_date(self, hint: date | None, today: date) -> date | None:
        """The birth date, its century taken from ``hint`` when its year ends in ``yy``, else the latest year
        not after ``today``."""
        years = [hint.year] if hint is not None and hint.year % 100 == self.yy else []
        years += [y for y in (2000 + self.yy, 1900 + self.yy) if y <= today.year]
        for year in years:
            try:
                return date(year, self.month, self.day)
            except ValueError:
                continue
        return None


def encoded(nik: str) -> Encoded | None:
    """The birth date and sex a well-formed NIK encodes, or None when its digits 7-12 are not a date."""
    if not _NIK.fullmatch(nik):
        return None
    raw_day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = raw_day > 40
    day = raw_day - 40 if female else raw_day
    if not _is_real_day(day, month, yy):
        return None
    return Encoded(day, month, yy, JenisKelamin.PEREMPUAN if female else JenisKelamin.LAKI_LAKI)


def _is_real_day(day: int, month: int, yy: int) -> bool:
    # The century is not encoded; check against a leap year when yy could be one (00 is 2000, a leap year).
    for year in (2000 + yy, 1900 + yy):
        try:
            date(year, month, day)
            return True
        except ValueError:
            continue
    return False


def mask_nik(nik: str) -> str:
    """``3314015708850001`` -> ``3314**********01``: region prefix and last two digits, for auditors."""
    if len(nik) != 16:
        return "*" * len(nik)
    return nik[:4] + "*" * 10 + nik[-2:]
