"""Month-end documents: entries and totals as CSV and XLSX (the PDFs: test_papers.py)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlmodel import Session

from billing.config import BillingConfig
from billing.documents import ENTRY_COLUMNS, entry_rows, totals_rows, write_csv, write_xlsx
from billing.posting import post_events
from billing.statement import close_period
from tests.unit.billing.factories import add_contract, event

JAN_5 = datetime(2027, 1, 5, tzinfo=UTC)


def month_of_cards(db: Session, config: BillingConfig) -> None:
    add_contract(db, rounding="per_period")
    start = datetime(2026, 12, 2, 1, tzinfo=UTC)
    post_events(db, [event(start + timedelta(minutes=i)) for i in range(1000)], config=config, now=JAN_5)
    db.commit()


def test_entries_and_totals_as_csv_and_xlsx(db: Session, config: BillingConfig, tmp_path: Path) -> None:
    month_of_cards(db, config)
    statement = close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_5).statement
    db.commit()
    out = io.StringIO()
    write_csv(entry_rows(db, "2026-12"), out, header=ENTRY_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 3000 + 4  # three lines a card, four for the close (rounding adjustment, PPh 23)
    assert rows[0]["nik_masked"] == "3314**********01" and "nik" not in rows[0]
    assert (rows[1]["account"], rows[1]["credit"]) == ("partner_payable", "3500")
    assert sum(int(r["debit"]) for r in rows) == sum(int(r["credit"]) for r in rows)
    totals = totals_rows(statement)
    assert totals[1] == ["total", "2026-12", 1000, 10_001_000, 3_500_350, 6_500_650]
    path = write_xlsx(statement, db, tmp_path / "2026-12.xlsx")
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["Totals", "Entries"]
    assert list(next(wb["Entries"].iter_rows(values_only=True))) == list(ENTRY_COLUMNS)
    assert sum(1 for _ in wb["Entries"].iter_rows()) == 3005
    assert list(next(wb["Totals"].iter_rows(min_row=2, values_only=True))) == totals[1]
