"""The console's language: the catalogue's texts (:mod:`ktp_service.catalogue`) and the formats people read
here: dates ``dd-mm-yyyy``, money ``Rp 10.000`` (dot thousands), percentages with a decimal comma."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from ktp_service.catalogue import CATALOGUE, DEFAULT_LANGUAGE, LANGUAGES, has, translate

__all__ = [
    "CATALOGUE",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "has",
    "number",
    "percent",
    "rupiah",
    "tanggal",
    "translate",
    "waktu",
]


def rupiah(amount: int) -> str:
    """``10000`` -> ``Rp 10.000``; ``-2500`` -> ``-Rp 2.500`` (whole rupiah, dot thousands)."""
    digits = f"{abs(amount):,}".replace(",", ".")
    return f"{'-' if amount < 0 else ''}Rp {digits}"


def number(value: int) -> str:
    """``12345`` -> ``12.345`` (Indonesian thousands separator)."""
    return f"{value:,}".replace(",", ".")


def tanggal(value: date | datetime | None, zone: str = "Asia/Jakarta") -> str:
    """A date as ``dd-mm-yyyy`` (a datetime is first put in the office's time zone)."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(zone)).date()
    return value.strftime("%d-%m-%Y")


def waktu(value: datetime | None, zone: str = "Asia/Jakarta") -> str:
    """A moment as ``dd-mm-yyyy HH:MM`` in the office's time zone."""
    if value is None:
        return "-"
    return value.astimezone(ZoneInfo(zone)).strftime("%d-%m-%Y %H:%M")


def percent(part: int, whole: int) -> str:
    """``3, 200`` -> ``1,5%`` (Indonesian decimal comma); ``-`` when there is no whole."""
    if whole <= 0:
        return "-"
    return f"{part * 100 / whole:.1f}%".replace(".", ",")
