"""Documents for month end: the entries and totals as CSV and XLSX, and the rupiah and month formats every
paper shares (the PDFs themselves are made in :mod:`billing.papers`).

Amounts are written ``Rp 10.000`` (dot thousands separator, a space after ``Rp``; :func:`format_rupiah`) and,
on the PDFs, also in words (``terbilang`` from lokal-id). Personal data: entries carry the masked NIK only.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from lokal import terbilang
from openpyxl import Workbook
from sqlmodel import Session

from billing.chain import iter_month_transactions
from billing.ledger import HASHED_FIELDS
from billing.statement import Statement

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


# --- CSV and XLSX ---------------------------------------------------------------------------------------

ENTRY_COLUMNS = (
    *(f for f in HASHED_FIELDS if f not in ("event_digest", "prev_hash")),
    "hash",
    "line",
    "account",
    "debit",
    "credit",
)


def entry_rows(session: Session, month: str) -> Iterator[list[Any]]:
    """One row per entry line of the month's transactions (a transaction without lines gives one row with
    empty line fields), columns :data:`ENTRY_COLUMNS`. NIKs are masked in the ledger itself."""
    keep = [i for i, f in enumerate(HASHED_FIELDS) if f not in ("event_digest", "prev_hash")]
    for content, stored_hash in iter_month_transactions(session, month):
        head = [content[i] for i in keep] + [stored_hash]
        lines = content[-1]
        if not lines:
            yield [*head, "", "", "", ""]
        for number, (account, debit, credit) in enumerate(lines, start=1):
            yield [*head, number, account, debit, credit]


def totals_rows(statement: Statement) -> list[list[Any]]:
    """The statement's figures as rows: section, key, cards, gross, partner, regency (and the totals)."""
    rows: list[list[Any]] = [
        ["section", "key", "cards_billed", "gross_amount", "partner_share", "regency_share"]
    ]
    rows.append(["total", statement.month, statement.cards_billed, statement.gross_amount,
                 statement.partner_share, statement.regency_share])  # fmt: skip
    for section, items in (
        ("office", [(b.key, b) for b in statement.by_office]),
        ("reason", [(b.key, b) for b in statement.by_reason]),
        ("contract_version", [(str(v.contract_version_id), v) for v in statement.by_contract_version]),
    ):
        rows += [
            [section, k, f.cards_billed, f.gross_amount, f.partner_share, f.regency_share] for k, f in items
        ]
    for name in ("period_rounding_adjustment", "ppn", "pph23_withheld", "net_payable_to_partner"):
        rows.append(["total", name, "", getattr(statement, name), "", ""])
    return rows


def write_csv(rows: Iterable[Sequence[Any]], out: TextIO, header: Sequence[str] = ()) -> None:
    writer = csv.writer(out)
    if header:
        writer.writerow(header)
    writer.writerows(rows)


def write_xlsx(statement: Statement, session: Session, path: Path) -> Path:
    """A workbook with the totals and every entry line of the month (several sheets if they exceed Excel's
    row limit)."""
    wb = Workbook(write_only=True)
    totals = wb.create_sheet("Totals")
    for row in totals_rows(statement):
        totals.append(row)
    limit = 1_048_575  # Excel's rows per sheet, minus the header
    sheet, count, part = None, limit, 0
    for row in entry_rows(session, statement.month):
        if count >= limit:
            part += 1
            sheet = wb.create_sheet(f"Entries {part}" if part > 1 else "Entries")
            sheet.append(list(ENTRY_COLUMNS))
            count = 0
        assert sheet is not None
        sheet.append(row)
        count += 1
    if part == 0:
        wb.create_sheet("Entries").append(list(ENTRY_COLUMNS))
    wb.save(path)
    return path
