"""Posting card-printed events: exactly once, balanced, in the right month, priced by the right version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from billing.chain import verify_chain
from billing.config import BillingConfig
from billing.conflicts import list_conflicts, resolve_conflict
from billing.contracts import add_contract_version, end_contract_version
from billing.corrections import post_correction
from billing.errors import AlreadyCorrected, ContractOverlap, EventConflict, InvalidInput, NoContractInForce
from billing.models import EventConflictRecord, LedgerEntry, LedgerTransaction
from billing.posting import post_card_printed, post_events
from billing.statement import close_period
from tests.unit.billing.factories import add_contract, contract_terms, event

NOW = datetime(2026, 12, 20, tzinfo=UTC)
DEC = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)


def txs(db: Session) -> list[LedgerTransaction]:
    return list(db.scalars(select(LedgerTransaction).order_by(LedgerTransaction.seq)))  # type: ignore[arg-type]


def test_an_event_is_posted_once_and_replays_post_nothing(db: Session, config: BillingConfig) -> None:
    version = add_contract(db)
    e = event(DEC)
    first = post_card_printed(db, e, config=config, now=NOW)
    db.commit()
    assert (first.status, first.seq) == ("posted", 1)
    again = post_card_printed(db, e, config=config, now=NOW + timedelta(hours=1))
    report = post_events(db, [e, e], config=config, now=NOW)
    db.commit()
    assert (again.status, again.seq) == ("duplicate", 1)
    assert [o.status for o in report.outcomes] == ["duplicate", "duplicate"]
    [tx] = txs(db)
    assert (tx.kind, tx.fee, tx.partner, tx.regency, tx.cards) == ("card", 10001, 3500, 6501, 1)
    assert tx.contract_version_id == version.id
    assert (tx.event_at, tx.recorded_at) == ("2026-12-10T03:00:00.000000Z", "2026-12-20T00:00:00.000000Z")
    assert tx.nik_masked == "3314**********01"
    lines = db.scalars(select(LedgerEntry).where(LedgerEntry.transaction_seq == 1)).all()
    assert [(x.account, x.debit, x.credit) for x in lines] == [
        ("citizen_fees_collected", 10001, 0),
        ("partner_payable", 0, 3500),
        ("regency_revenue", 0, 6501),
    ]


def test_same_key_other_content_is_a_conflict_reported_and_recorded(
    db: Session, config: BillingConfig
) -> None:
    add_contract(db)
    e = event(DEC, key="job-7:printed")
    post_card_printed(db, e, config=config, now=NOW)
    db.commit()
    changed = e.model_copy(update={"office_code": "33.14.02"})
    with pytest.raises(
        EventConflict, match="job-7:printed was posted as transaction 1 with different content"
    ):
        post_card_printed(db, changed, config=config, now=NOW)
    db.rollback()
    report = post_events(db, [changed, event(DEC)], config=config, now=NOW)
    db.commit()
    assert [o.status for o in report.outcomes] == ["conflict", "posted"]
    [conflict] = list_conflicts(db)
    assert (conflict.event_key, conflict.existing_seq, conflict.event_period) == (
        "job-7:printed",
        1,
        "2026-12",
    )
    assert len(txs(db)) == 2
    assert conflict.id is not None
    resolve_conflict(db, conflict.id, "printer reported the wrong office; re-sent under a new key", now=NOW)
    db.commit()
    assert list_conflicts(db) == []
    assert len(list_conflicts(db, unresolved_only=False)) == 1


def test_a_card_is_billed_once_even_under_two_event_keys(db: Session, config: BillingConfig) -> None:
    add_contract(db)
    post_card_printed(db, event(DEC, card_serial="KTP-X"), config=config, now=NOW)
    with pytest.raises(EventConflict, match="card KTP-X .* is already billed by transaction 1"):
        post_card_printed(db, event(DEC, card_serial="KTP-X"), config=config, now=NOW)
    db.rollback()


def test_fault_reprints_follow_the_contract(db: Session, config: BillingConfig) -> None:
    add_contract(db, effective_to="2026-12-15")
    add_contract(db, number="028/PKS/2026", effective_from="2026-12-16", bill_fault_reprints=True)
    report = post_events(
        db,
        [
            event(DEC, is_fault_reprint=True),
            event(datetime(2026, 12, 17, tzinfo=UTC), is_fault_reprint=True),
        ],
        config=config,
        now=NOW,
    )
    db.commit()
    assert report.count("posted") == 2
    unbilled, billed = txs(db)
    assert (unbilled.billed, unbilled.cards, unbilled.fee, unbilled.period_ordinal) == (False, 0, 0, None)
    assert (billed.billed, billed.cards, billed.fee, billed.period_ordinal) == (True, 1, 10001, 1)
    assert (
        db.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.transaction_seq == 1)) == 0
    )


def test_price_comes_from_the_version_in_force_at_completion_local_date(
    db: Session, config: BillingConfig
) -> None:
    old = add_contract(db, effective_to="2026-11-30")
    new = add_contract(
        db,
        number="028/PKS/2026",
        effective_from="2026-12-01",
        partner_share={"type": "fixed", "amount": 4000},
    )
    late_nov = datetime(2026, 11, 30, 16, 59, tzinfo=UTC)  # 23:59 WIB, 30 November
    early_dec = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 00:30 WIB, 1 December
    post_events(db, [event(late_nov), event(early_dec)], config=config, now=NOW)
    db.commit()
    nov, dec = txs(db)
    assert (nov.period, nov.contract_version_id, nov.partner, nov.event_date) == (
        "2026-11",
        old.id,
        3500,
        "2026-11-30",
    )
    assert (dec.period, dec.contract_version_id, dec.partner, dec.event_date) == (
        "2026-12",
        new.id,
        4000,
        "2026-12-01",
    )


def test_rejections(db: Session, config: BillingConfig) -> None:
    add_contract(db)
    with pytest.raises(NoContractInForce, match="no contract version is in force on 2026-10-31"):
        post_card_printed(db, event(datetime(2026, 10, 31, tzinfo=UTC)), config=config, now=NOW)
    with pytest.raises(InvalidInput, match="completed in 2027-01, after the current month 2026-12"):
        post_card_printed(db, event(datetime(2027, 1, 2, tzinfo=UTC)), config=config, now=NOW)
    report = post_events(db, [event(datetime(2026, 10, 31, tzinfo=UTC)), event(DEC)], config=config, now=NOW)
    assert [o.status for o in report.outcomes] == ["rejected", "posted"]
    db.commit()
    assert db.scalar(select(func.count()).select_from(EventConflictRecord)) == 0


def test_overlapping_contract_versions_are_refused_and_ending_one_makes_room(
    db: Session, config: BillingConfig
) -> None:
    first = add_contract(db)
    with pytest.raises(ContractOverlap, match="overlaps version 1"):
        add_contract_version(db, contract_terms(number="028/PKS/2026", effective_from="2027-01-01"))
    db.rollback()
    post_card_printed(db, event(DEC), config=config, now=NOW)
    db.commit()
    assert first.id is not None
    with pytest.raises(InvalidInput, match="priced a card completed on 2026-12-10, after 2026-12-09"):
        end_contract_version(db, first.id, datetime(2026, 12, 9).date())
    db.rollback()
    end_contract_version(db, first.id, datetime(2026, 12, 31).date())
    add_contract_version(db, contract_terms(number="028/PKS/2026", effective_from="2027-01-01"))
    db.commit()


def test_late_card_of_a_closed_month_goes_to_the_next_month_as_prior_period(
    db: Session, config: BillingConfig
) -> None:
    add_contract(db)
    post_card_printed(db, event(datetime(2026, 11, 20, tzinfo=UTC)), config=config, now=NOW)
    close_period(db, "2026-11", config=config, unposted_events=0, now=NOW)
    db.commit()
    late = post_card_printed(db, event(datetime(2026, 11, 25, tzinfo=UTC)), config=config, now=NOW)
    db.commit()
    tx = db.get(LedgerTransaction, late.seq)
    assert tx is not None
    assert (tx.period, tx.event_period, tx.prior_period, tx.period_ordinal) == ("2026-12", "2026-11", True, 1)


def test_correction_reverses_once_in_the_open_month_or_the_next(db: Session, config: BillingConfig) -> None:
    add_contract(db)
    post_events(db, [event(datetime(2026, 11, 20, tzinfo=UTC)), event(DEC)], config=config, now=NOW)
    db.commit()
    same = post_correction(
        db, corrects_seq=2, correction_key="fix-2", note="card was spoiled", config=config, now=NOW
    )
    assert (
        post_correction(
            db, corrects_seq=2, correction_key="fix-2", note="card was spoiled", config=config, now=NOW
        ).status
        == "duplicate"
    )
    with pytest.raises(AlreadyCorrected, match="transaction 2 was already reversed by transaction 3"):
        post_correction(db, corrects_seq=2, correction_key="fix-2b", note="again", config=config, now=NOW)
    with pytest.raises(EventConflict):
        post_correction(db, corrects_seq=1, correction_key="fix-2", note="other", config=config, now=NOW)
    with pytest.raises(InvalidInput, match="not a billed card"):
        post_correction(
            db, corrects_seq=3, correction_key="fix-3", note="undo the undo", config=config, now=NOW
        )
    db.rollback()
    post_correction(
        db, corrects_seq=2, correction_key="fix-2", note="card was spoiled", config=config, now=NOW
    )
    close_period(db, "2026-11", config=config, unposted_events=0, now=NOW)
    late = post_correction(
        db, corrects_seq=1, correction_key="fix-1", note="duplicate print", config=config, now=NOW
    )
    db.commit()
    rev_same, rev_late = db.get(LedgerTransaction, same.seq), db.get(LedgerTransaction, late.seq)
    assert rev_same is not None and rev_late is not None
    assert (rev_same.period, rev_same.prior_period, rev_same.corrects_seq, rev_same.fee) == (
        "2026-12",
        False,
        2,
        -10001,
    )
    assert (rev_late.period, rev_late.prior_period, rev_late.corrects_seq, rev_late.partner) == (
        "2026-12",
        True,
        1,
        -3500,
    )
    # The card can be billed again after its billing was reversed (e.g. printed for real later).
    again = post_card_printed(db, event(DEC, card_serial=rev_same.card_serial), config=config, now=NOW)
    assert again.status == "posted"
    db.commit()
    assert verify_chain(db).ok


def test_every_transaction_balances(db: Session, config: BillingConfig) -> None:
    add_contract(db, remainder="largest_remainder")
    post_events(
        db,
        [event(DEC + timedelta(minutes=i), reason=r) for i, r in enumerate(["baru", "rusak"] * 20)],
        config=config,
        now=NOW,
    )
    post_correction(db, corrects_seq=5, correction_key="c", note="spoiled", config=config, now=NOW)
    db.commit()
    unbalanced = db.execute(
        text(
            "SELECT transaction_seq FROM billing_entry GROUP BY transaction_seq HAVING SUM(debit) <> SUM(credit)"
        )
    ).all()
    assert unbalanced == []
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 41 * 3


def test_append_only_triggers_refuse_update_and_delete(
    engine: Engine, db: Session, config: BillingConfig
) -> None:
    add_contract(db)
    post_card_printed(db, event(DEC), config=config, now=NOW)
    db.commit()
    for statement in (
        "UPDATE billing_entry SET credit = 9999 WHERE line = 2",
        "DELETE FROM billing_entry",
        "UPDATE billing_transaction SET fee = 1",
        "DELETE FROM billing_transaction",
    ):
        with pytest.raises(Exception, match="append-only") as caught, engine.begin() as conn:
            conn.execute(text(statement))
        assert "refused" in str(caught.value)
