"""Reconciliation: money imported all-or-nothing, every difference shown, final only when all explained."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlmodel import Session

from billing.config import BillingConfig
from billing.corrections import post_correction
from billing.errors import ImportRejected, InvalidInput
from billing.models import MoneyReceived
from billing.posting import post_events
from billing.reconciliation import (
    CounterReading,
    PrintingFigures,
    StockCount,
    explain_difference,
    import_money_csv,
    reconcile,
    record_money_received,
)
from tests.unit.billing.factories import add_contract, contract_data, event

JAN_5 = datetime(2027, 1, 5, tzinfo=UTC)
DEC = datetime(2026, 12, 3, 2, tzinfo=UTC)

GOOD_CSV = """office_code,date,amount,reference
33.14.01,2026-12-03,20002,STS-001
33.14.02,2026-12-03,10001,STS-002
33.14.02,2026-12-04,0,
"""


def test_money_import_is_all_or_nothing_with_row_numbers(db: Session) -> None:
    bad = """office_code,date,amount,reference
33.14.01,2026-12-03,20002,STS-001
33.14.01,2026-13-03,1,STS-002
,2026-12-05,10.000,STS-003
33.14.01,2027-01-01,5
33.14.01,2026-12-03,7,STS-001
"""
    with pytest.raises(ImportRejected) as caught:
        import_money_csv(db, "2026-12", bad, source="bank.csv", now=JAN_5)
    assert caught.value.errors == [
        "row 3: date '2026-13-03' is not YYYY-MM-DD",
        "row 4: office_code is empty; amount '10.000' is not a whole number of rupiah (digits only)",
        "row 5: expected 4 columns, found 3",
        "row 6: reference 'STS-001' for 33.14.01 on 2026-12-03 is already recorded",
    ]
    assert db.scalar(select(func.count()).select_from(MoneyReceived)) == 0
    with pytest.raises(ImportRejected, match="row 1: the header must be office_code,date,amount,reference"):
        import_money_csv(db, "2026-12", "office,date,amount\n", source="x", now=JAN_5)
    assert len(import_money_csv(db, "2026-12", GOOD_CSV, source="bank.csv", now=JAN_5)) == 3
    db.commit()
    with pytest.raises(ImportRejected, match="row 2: reference 'STS-001' .* already recorded"):
        import_money_csv(db, "2026-12", GOOD_CSV, source="bank.csv again", now=JAN_5)


def test_entered_money_is_validated(db: Session) -> None:
    with pytest.raises(InvalidInput, match="2027-01-01 is not in 2026-12"):
        record_money_received(
            db, month="2026-12", office_code="33.14.01", day=date(2027, 1, 1), amount=1, now=JAN_5
        )
    with pytest.raises(InvalidInput, match="whole, non-negative"):
        record_money_received(
            db, month="2026-12", office_code="33.14.01", day=date(2026, 12, 1), amount=-5, now=JAN_5
        )


def test_printing_figures_are_validated() -> None:
    with pytest.raises(ValidationError, match="counter went back from 500 to 400"):
        CounterReading(printer_id="p1", start=500, end=400)
    with pytest.raises(ValidationError, match="closing stock above opening plus received"):
        StockCount(office_code="33.14.01", opening=10, received=0, closing=11)


def test_report_shows_every_difference_until_explained(db: Session, config: BillingConfig) -> None:
    fees = contract_data()["fees"]
    fees["perpanjangan"] = {
        "amount": 25000,
        "payer": "regency",
    }  # not citizen money: not expected in the treasury
    add_contract(db, fees=fees)
    post_events(
        db,
        [
            event(DEC, office_code="33.14.01"),
            event(DEC + timedelta(hours=1), office_code="33.14.01"),
            event(DEC, office_code="33.14.02"),
            event(DEC, office_code="33.14.02", reason="perpanjangan"),
            event(DEC, office_code="33.14.02", is_fault_reprint=True),  # completed, not billed
            event(DEC, office_code="33.14.02"),  # reversed below: it was in fact spoiled
        ],
        config=config,
        now=JAN_5,
    )
    post_correction(db, corrects_seq=6, correction_key="fix-6", note="spoiled", config=config, now=JAN_5)
    import_money_csv(db, "2026-12", GOOD_CSV, source="bank.csv", now=JAN_5)
    db.commit()
    printing = PrintingFigures(
        cards_printed=5,
        cards_spoiled=2,
        counters=[
            CounterReading(printer_id="p1", start=1000, end=1004),
            CounterReading(printer_id="p2", start=7, end=10),
        ],
        stock=[StockCount(office_code="33.14.01", opening=100, received=50, closing=143)],
        partner_cards_billed=5,
    )
    report = reconcile(db, "2026-12", printing, config=config, now=JAN_5)
    assert (report.cards_completed, report.cards_billed, report.cards_not_billed) == (5, 4, 1)
    assert (report.money_expected, report.money_received) == (30003, 30003)
    by_item = {x.item: (x.expected, x.actual, x.difference, x.status) for x in report.lines}
    assert by_item == {
        "cards_completed": (5, 5, 0, "match"),
        "printer_counters": (7, 7, 0, "match"),
        "stock_consumed": (7, 7, 0, "match"),
        "partner_count": (4, 5, 1, "open"),
        "money:33.14.01": (20002, 20002, 0, "match"),
        "money:33.14.02": (10001, 10001, 0, "match"),
    }
    assert report.status == "provisional"
    assert report.money[1].days == {"2026-12-03": 10001, "2026-12-04": 0}
    explain_difference(
        db,
        "2026-12",
        "partner_count",
        "partner counted the reversed spoiled card",
        author="finance",
        now=JAN_5,
    )
    db.commit()
    report = reconcile(db, "2026-12", printing, config=config, now=JAN_5)
    assert report.status == "final"
    [partner] = [x for x in report.lines if x.item == "partner_count"]
    assert (partner.status, partner.explanation) == ("explained", "partner counted the reversed spoiled card")


def test_reconciling_a_future_month_is_refused(db: Session, config: BillingConfig) -> None:
    with pytest.raises(InvalidInput, match="in the future"):
        reconcile(db, "2027-02", PrintingFigures(cards_printed=0, cards_spoiled=0), config=config, now=JAN_5)


def test_money_for_a_future_month_is_refused(db: Session, config: BillingConfig) -> None:
    with pytest.raises(InvalidInput, match="month 2099-01 is in the future"):
        record_money_received(
            db, month="2099-01", office_code="33.14.01", day=date(2099, 1, 2), amount=1, zone=config.zone
        )
    with pytest.raises(InvalidInput, match="month 2027-02 is in the future"):
        import_money_csv(db, "2027-02", GOOD_CSV, source="bank.csv", now=JAN_5, zone=config.zone)
    assert db.execute(select(func.count()).select_from(MoneyReceived)).scalar_one() == 0


def test_an_explanation_counts_only_while_its_difference_is_unchanged(
    db: Session, config: BillingConfig
) -> None:
    add_contract(db)
    post_events(db, [event(DEC)], config=config, now=JAN_5)
    db.commit()
    printing = PrintingFigures(cards_printed=1, cards_spoiled=0)

    def money_line() -> tuple[int, str, str | None, int | None]:
        report = reconcile(db, "2026-12", printing, config=config, now=JAN_5)
        [line] = [x for x in report.lines if x.item == "money:33.14.01"]
        return line.difference, line.status, line.explanation, line.explained_difference

    assert money_line() == (-10001, "open", None, None)
    explain_difference(
        db,
        "2026-12",
        "money:33.14.01",
        "deposited in January",
        author="finance",
        difference=-10001,
        now=JAN_5,
    )
    db.commit()
    assert money_line() == (-10001, "explained", "deposited in January", -10001)
    post_events(db, [event(DEC + timedelta(minutes=i)) for i in range(1, 4)], config=config, now=JAN_5)
    db.commit()
    assert money_line() == (
        -40004,
        "open",
        "deposited in January (explained for a difference of -10001, now -40004)",
        -10001,
    )
    assert reconcile(db, "2026-12", printing, config=config, now=JAN_5).status == "provisional"
