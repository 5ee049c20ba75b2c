"""Reconciliation: money imported all-or-nothing, every difference shown, final only when all explained."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from billing.config import BillingConfig
from billing.corrections import post_correction
from billing.errors import (
    AlreadyReversed,
    DuplicatePaymentReference,
    ImportRejected,
    InvalidInput,
    MoneyEntryNotFound,
    ReversalNotReversible,
)
from billing.models import MoneyReceived
from billing.posting import post_events
from billing.reconciliation import (
    CounterReading,
    CounterRestart,
    PrintingFigures,
    StockCount,
    explain_difference,
    import_money_csv,
    list_money_received,
    partner_count_history,
    reconcile,
    record_money_received,
    reverse_money_received,
    set_partner_count,
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
        "row 6: reference STS-001 appears twice in this file (row 2)",
    ]
    assert db.scalar(select(func.count()).select_from(MoneyReceived)) == 0
    with pytest.raises(ImportRejected, match="row 1: the header must be office_code,date,amount,reference"):
        import_money_csv(db, "2026-12", "office,date,amount\n", source="x", now=JAN_5)
    assert len(import_money_csv(db, "2026-12", GOOD_CSV, source="bank.csv", now=JAN_5)) == 3
    db.commit()
    with pytest.raises(ImportRejected) as caught:
        import_money_csv(db, "2026-12", GOOD_CSV, source="bank.csv again", now=JAN_5)
    assert caught.value.errors[:2] == [
        "row 2: reference STS-001 is already recorded (entry #1: 33.14.01, 03-12-2026, Rp 20.002)",
        "row 3: reference STS-002 is already recorded (entry #2: 33.14.02, 03-12-2026, Rp 10.001)",
    ]


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


# --- money received: one entry per payment reference, reversals --------------------------------------------


def _money(db: Session, reference: str | None, amount: int = 30000, **kw: object) -> MoneyReceived:
    return record_money_received(
        db,
        month="2026-12",
        office_code=str(kw.pop("office_code", "33.14.01")),
        day=date(2026, 12, 3),
        amount=amount,
        reference=reference,
        recorded_by="finance",
        now=JAN_5,
        **kw,  # type: ignore[arg-type]
    )


def test_a_payment_reference_is_recorded_once_and_the_refusal_names_the_earlier_entry(db: Session) -> None:
    first = _money(db, "STS-0091")
    db.commit()
    for typed in ("STS-0091", " sts-0091 ", "STS-0091"):
        with pytest.raises(DuplicatePaymentReference) as caught:
            _money(db, typed, amount=5, office_code="33.14.02")
        assert caught.value.params == {
            "reference": "STS-0091",
            "entry_id": first.id,
            "office_code": "33.14.01",
            "day": "03-12-2026",
            "amount": "Rp 30.000",
            "recorded_by": "finance",
        }
    # entries without a reference are never duplicates of each other (older rows, cash counted at the desk)
    _money(db, None)
    _money(db, "  ")
    db.commit()
    assert [(m.reference, m.amount) for m in list_money_received(db, "2026-12")] == [
        ("STS-0091", 30000),
        (None, 30000),
        (None, 30000),
    ]


def test_the_database_refuses_a_second_entry_with_the_same_reference(db: Session) -> None:
    """The unique constraint, not only the check before it: two people saving the same slip at once."""
    from sqlalchemy.exc import IntegrityError

    _money(db, "STS-7")
    db.commit()
    db.add(
        MoneyReceived(
            month="2026-12",
            office_code="33.14.02",
            day=date(2026, 12, 4),
            amount=1,
            reference="STS-7",
            source="entered",
            recorded_at="2027-01-05T00:00:00.000000Z",
        )
    )
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_money_rows_are_never_changed_or_deleted(db: Session) -> None:
    from sqlalchemy import text

    _money(db, "STS-8")
    db.commit()
    for sql in ("UPDATE billing_money_received SET amount = 1", "DELETE FROM billing_money_received"):
        with pytest.raises(Exception, match="append-only"):
            db.execute(text(sql))
        db.rollback()


def test_a_reversal_undoes_an_entry_once_and_is_never_reversed_itself(
    db: Session, config: BillingConfig
) -> None:
    add_contract(db)
    post_events(
        db, [event(DEC), event(DEC + timedelta(minutes=1))], config=config, now=JAN_5
    )  # 20002 expected
    wrong = _money(db, "STS-0100", amount=2002)
    db.commit()
    printing = PrintingFigures(cards_printed=2, cards_spoiled=0)

    def money_line() -> tuple[int, int, str]:
        report = reconcile(db, "2026-12", printing, config=config, now=JAN_5)
        [line] = [x for x in report.lines if x.item == "money:33.14.01"]
        return line.actual, line.difference, line.status

    assert money_line() == (2002, -18000, "open")
    assert wrong.id is not None
    with pytest.raises(InvalidInput, match="needs a reason"):
        reverse_money_received(db, wrong.id, reason=" ", recorded_by="finance", now=JAN_5)
    reversal = reverse_money_received(
        db, wrong.id, reason="salah ketik jumlah", recorded_by="finance", now=JAN_5
    )
    db.commit()
    assert (reversal.amount, reversal.reverses_id, reversal.reference) == (-2002, wrong.id, None)
    assert money_line() == (0, -20002, "open")
    with pytest.raises(AlreadyReversed) as again:
        reverse_money_received(db, wrong.id, reason="lagi", recorded_by="finance", now=JAN_5)
    assert again.value.params == {"entry_id": wrong.id, "reversal_id": reversal.id}
    assert reversal.id is not None
    with pytest.raises(ReversalNotReversible):
        reverse_money_received(db, reversal.id, reason="batal pembatalan", recorded_by="finance", now=JAN_5)
    with pytest.raises(MoneyEntryNotFound):
        reverse_money_received(db, 999, reason="tidak ada", recorded_by="finance", now=JAN_5)
    # the slip, now reversed, can be recorded again with the right amount, and then it counts once
    right = _money(db, "STS-0100", amount=20002)
    db.commit()
    assert right.reference_reentry == 1
    assert money_line() == (20002, 0, "match")
    with pytest.raises(DuplicatePaymentReference) as dup:
        _money(db, "STS-0100", amount=20002)
    assert dup.value.params["entry_id"] == right.id
    listed = {
        e.id: (e.amount, e.reverses_id, e.reversed_by_id, e.reverses_reference)
        for e in list_money_received(db, "2026-12")
    }
    assert listed == {
        wrong.id: (2002, None, reversal.id, None),
        reversal.id: (-2002, wrong.id, None, "STS-0100"),
        right.id: (20002, None, None, None),
    }


def test_a_day_after_today_is_refused(db: Session) -> None:
    today = JAN_5.astimezone(ZoneInfo("Asia/Jakarta")).date()
    with pytest.raises(InvalidInput, match="is in the future"):
        record_money_received(
            db, month="2027-01", office_code="33.14.01", day=today + timedelta(days=1), amount=1, now=JAN_5
        )
    record_money_received(db, month="2027-01", office_code="33.14.01", day=today, amount=1, now=JAN_5)
    with pytest.raises(ImportRejected, match="date 2027-01-06 is in the future"):
        import_money_csv(
            db,
            "2027-01",
            "office_code,date,amount,reference\n33.14.01,2027-01-06,1,\n",
            source="x",
            now=JAN_5,
        )


def test_an_import_refuses_offices_the_service_does_not_have(db: Session) -> None:
    with pytest.raises(ImportRejected) as caught:
        import_money_csv(db, "2026-12", GOOD_CSV, source="bank.csv", offices={"33.14.01"}, now=JAN_5)
    assert caught.value.errors == [
        "row 3: office 33.14.02 is not an office of this service",
        "row 4: office 33.14.02 is not an office of this service",
    ]


# --- the partner's own count ------------------------------------------------------------------------------


def test_the_partner_count_is_stored_with_its_history_and_shown_in_the_report(
    db: Session, config: BillingConfig
) -> None:
    add_contract(db)
    post_events(db, [event(DEC), event(DEC + timedelta(minutes=1))], config=config, now=JAN_5)
    printing = PrintingFigures(cards_printed=2, cards_spoiled=0)
    report = reconcile(db, "2026-12", printing, config=config, now=JAN_5)
    assert report.partner_count is None and "partner_count" not in [x.item for x in report.lines]
    set_partner_count(db, "2026-12", 3, author="partner.auditor", note="hitungan gudang", now=JAN_5)
    set_partner_count(
        db, "2026-12", 2, author="partner.auditor", note="satu kartu terhitung dua kali", now=JAN_5
    )
    db.commit()
    report = reconcile(db, "2026-12", printing, config=config, now=JAN_5)
    assert report.partner_count is not None
    assert (report.partner_count.cards, report.partner_count.revisions, report.partner_count.author) == (
        2,
        2,
        "partner.auditor",
    )
    [line] = [x for x in report.lines if x.item == "partner_count"]
    assert (line.expected, line.actual, line.status) == (2, 2, "match")
    assert [c.cards for c in partner_count_history(db, "2026-12")] == [3, 2]
    with pytest.raises(InvalidInput):
        set_partner_count(db, "2026-12", -1, author="partner.auditor", now=JAN_5)
    with pytest.raises(InvalidInput, match="in the future"):
        set_partner_count(db, "2027-03", 1, author="partner.auditor", now=JAN_5)


# --- printer counters ---------------------------------------------------------------------------------------


def test_counter_figures_name_what_is_missing_instead_of_a_difference(
    db: Session, config: BillingConfig
) -> None:
    printing = PrintingFigures(
        cards_printed=13,
        cards_spoiled=0,
        counters=[
            CounterReading(
                printer_id="1", printer_name="Baru", start=0, end=7, start_basis="first_in_month", cards=7
            ),
            CounterReading(printer_id="2", printer_name="Tanpa-Bacaan", office_code="33.14.02", cards=3),
            CounterReading(
                printer_id="3",
                printer_name="Diganti",
                start=500,
                end=2,
                restarts=[CounterRestart(before=501, after=0)],
                cards=3,
            ),
        ],
    )
    report = reconcile(db, "2026-12", printing, config=config, now=JAN_5)
    [line] = [x for x in report.lines if x.item == "printer_counters"]
    assert (line.expected, line.actual, line.difference, line.status) == (10, 10, 0, "missing")
    assert line.missing == ["Tanpa-Bacaan (33.14.02)"]
    assert [(c.delta, c.status) for c in report.counters] == [(7, "match"), (None, "missing"), (3, "match")]
    assert report.status == "provisional"
    explain_difference(
        db,
        "2026-12",
        "printer_counters",
        "printer rusak, layar penghitung mati",
        author="finance",
        difference=0,
    )
    db.commit()
    [line] = [
        x
        for x in reconcile(db, "2026-12", printing, config=config, now=JAN_5).lines
        if x.item == "printer_counters"
    ]
    assert line.status == "explained"


def test_two_people_saving_the_same_slip_at_once_record_it_once(engine: Engine) -> None:
    """The second waits for the first (a row lock on PostgreSQL, the write lock on SQLite) and is refused
    with the same clear 409, whether its check saw the first row or the unique constraint caught it."""
    import threading

    first_flushed, outcome = threading.Event(), {}

    def second() -> None:
        first_flushed.wait(10)
        with Session(engine) as s:
            try:
                _money(s, "STS-RACE")
                s.commit()
                outcome["second"] = "recorded"
            except DuplicatePaymentReference as exc:
                outcome["second"] = exc.code

    thread = threading.Thread(target=second)
    thread.start()
    with Session(engine) as s:
        _money(s, "STS-RACE")
        first_flushed.set()
        thread.join(0.5)  # the second is held back while the first is not committed
        assert thread.is_alive()
        s.commit()
    thread.join(20)
    assert outcome == {"second": "duplicate_payment_reference"}
    with Session(engine) as s:
        assert s.scalar(select(func.count()).where(col(MoneyReceived.reference) == "STS-RACE")) == 1
