"""The rupiah and month formats every month-end paper and export shares (the PDFs are made in
:mod:`billing.papers`, the CSV and XLSX exports in :mod:`billing.exports`).

Amounts are written ``Rp 10.000`` (dot thousands separator, a space after ``Rp``; :func:`format_rupiah`) and,
on the papers, also in words (``terbilang`` from lokal-id). Personal data: entries carry the masked NIK only.
"""

from __future__ import annotations

from lokal import terbilang

MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def format_rupiah(amount: int) -> str:
    """``10000`` -> ``Rp 10.000``; ``-2500`` -> ``-Rp 2.500``. (lokal-id's ``format_rupiah`` writes no space,
    ``Rp10.000``; official documents here use the spaced form.)"""
    digits = f"{abs(amount):,}".replace(",", ".")
    return f"{'-' if amount < 0 else ''}Rp {digits}"


def rupiah_in_words(amount: int) -> str:
    """``3500350`` -> ``Tiga juta lima ratus ribu tiga ratus lima puluh rupiah``."""
    return str(terbilang(amount, currency=True, case="sentence"))


def month_name(month: str) -> str:
    year, number = month.split("-")
    return f"{MONTHS_ID[int(number) - 1]} {year}"
