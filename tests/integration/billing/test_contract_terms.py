"""Contract terms through posting, the statement, closing and the signed bundle (issue 11): tiers count net
billed cards, rupiah tiers, who collects PPN, and per-period rounding with the rows that make each table add
up. Every test runs on SQLite and PostgreSQL (the ``engine`` fixture)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from billing.bundle import export_bundle, verify_bundle
from billing.canonical import canonical_json, sha256_hex
from billing.chain import verify_chain
from billing.config import BillingConfig
from billing.contracts import end_contract_version
from billing.corrections import post_correction
from billing.ledger import ENTRY, TX
from billing.models import ContractVersion
from billing.posting import post_events
from billing.statement import ROUNDING_ROW, Statement, close_period, get_statement
from billing.vocab import Account
from tests.integration.billing.conftest import empty_billing_tables
from tests.unit.billing.factories import add_contract, contract_data, event

NOV = datetime(2026, 11, 10, 3, tzinfo=UTC)
DEC = datetime(2026, 12, 1, 3, tzinfo=UTC)
DEC_20 = datetime(2026, 12, 20, tzinfo=UTC)
JAN_2 = datetime(2027, 1, 2, tzinfo=UTC)

# Up to the 3rd card of the month Rp 3.000 to the partner, from the 4th Rp 2.500: as rupiah per card and as
# the same amounts in percent of a Rp 10.000 fee.
RUPIAH_TIERS = {
    "type": "tiers",
    "tiers": [{"up_to": 3, "amount_per_card": 3000}, {"up_to": None, "amount_per_card": 2500}],
}
PERCENT_TIERS = {
    "type": "tiers",
    "tiers": [{"up_to": 3, "basis_points": 3000}, {"up_to": None, "basis_points": 2500}],
}


def _fees(amount: int = 10_000) -> dict[str, Any]:
    return {r: {"amount": amount, "payer": "citizen"} for r in contract_data()["fees"]}


def _card(at: datetime, n: int) -> Any:
    return event(at + timedelta(minutes=n))


def _partner_rows(db: Session, month: str) -> list[tuple[str, int, int | None]]:
    rows = db.execute(
        select(TX.c.kind, TX.c.partner, TX.c.period_ordinal).where(TX.c.period == month).order_by(TX.c.seq)
    )
    return [(str(k), int(p), o) for k, p, o in rows]


def _verified(db: Session, config: BillingConfig, month: str, tmp_path: Path) -> Statement:
    signed = close_period(db, month, config=config, unposted_events=0, now=JAN_2)
    db.commit()
    bundle = export_bundle(db, month, tmp_path / f"{month}.zip")
    assert verify_bundle(bundle, config.keys.public_key_pem()) == []
    return signed.statement


@pytest.mark.parametrize("share", [RUPIAH_TIERS, PERCENT_TIERS], ids=["rupiah", "percent"])
def test_a_same_month_reversal_lowers_the_count_so_the_next_card_takes_its_place(
    db: Session, config: BillingConfig, tmp_path: Path, share: dict[str, Any]
) -> None:
    """The issue's case: three cards, one reversed, one more. Counting posted cards gave the partner
    3.000 + 3.000 + 2.500 = 8.500; counting net cards the fourth card is the third: 9.000."""
    add_contract(db, fees=_fees(), partner_share=share)
    first = post_events(db, [_card(DEC, n) for n in range(3)], config=config, now=DEC_20)
    db.commit()
    second_seq = first.outcomes[1].seq
    assert second_seq is not None
    post_correction(
        db, corrects_seq=second_seq, correction_key="fix-2", note="kartu rusak", config=config, now=DEC_20
    )
    post_events(db, [_card(DEC, 10)], config=config, now=DEC_20)
    db.commit()
    assert _partner_rows(db, "2026-12") == [
        ("card", 3000, 1),
        ("card", 3000, 2),
        ("card", 3000, 3),
        ("reversal", -3000, None),
        ("card", 3000, 3),  # the third net card of the month, not the fourth
    ]
    st = get_statement(db, "2026-12", config=config, now=JAN_2)
    assert (st.cards_billed, st.partner_share, st.regency_share) == (3, 9000, 21_000)
    assert st.tier_count == "net_billed_cards"
    # A fifth card is the fourth net card: the lower tier.
    post_events(db, [_card(DEC, 11)], config=config, now=DEC_20)
    db.commit()
    assert _partner_rows(db, "2026-12")[-1] == ("card", 2500, 4)
    closed = _verified(db, config, "2026-12", tmp_path)  # the verifier replays the net count
    assert closed.partner_share == 9000 + 2500


def test_a_reversal_in_a_later_month_is_priced_as_the_original_and_reopens_nothing(
    db: Session, config: BillingConfig, tmp_path: Path
) -> None:
    add_contract(db, fees=_fees(), partner_share=RUPIAH_TIERS)
    november = post_events(db, [_card(NOV, n) for n in range(4)], config=config, now=DEC_20)
    db.commit()
    closed_nov = close_period(db, "2026-11", config=config, unposted_events=0, now=DEC_20).statement
    db.commit()
    assert closed_nov.partner_share == 3 * 3000 + 2500
    fourth = november.outcomes[3].seq
    assert fourth is not None
    post_correction(
        db, corrects_seq=fourth, correction_key="fix-nov-4", note="tidak jadi", config=config, now=DEC_20
    )
    post_events(db, [_card(DEC, n) for n in range(3)], config=config, now=DEC_20)
    db.commit()
    # The reversal undoes exactly the Rp 2.500 the 4th November card was billed at; December's own cards
    # still count from 1 (the correction belongs to no month's tiers).
    assert _partner_rows(db, "2026-12") == [
        ("reversal", -2500, None),
        ("card", 3000, 1),
        ("card", 3000, 2),
        ("card", 3000, 3),
    ]
    nov_again = get_statement(db, "2026-11", config=config, now=JAN_2)
    assert nov_again.model_dump() == closed_nov.model_dump()  # the closed month stays as signed
    dec = _verified(db, config, "2026-12", tmp_path)
    assert (dec.cards_billed, dec.partner_share) == (2, 3 * 3000 - 2500)
    assert (dec.prior_period.cards_billed, dec.prior_period.partner_share) == (-1, -2500)


@pytest.mark.parametrize("collector", ["partner", "bendahara"])
def test_who_collects_ppn_decides_what_the_partner_is_paid(
    db: Session, config: BillingConfig, tmp_path: Path, collector: str
) -> None:
    """35 % of Rp 10.001 per card, 1.000 cards rounded per card: share Rp 3.500.000; PPh 23 2 % = 70.000;
    PPN 12 % on 11/12 = 385.000. The partner collecting PPN is paid 3.815.000; the treasurer collecting it
    pays 3.430.000 and keeps the 385.000 to remit."""
    add_contract(db, ppn={"pkp": True, "collector": collector})
    post_events(db, [event(DEC + timedelta(seconds=i)) for i in range(1000)], config=config, now=JAN_2)
    db.commit()
    open_st = get_statement(db, "2026-12", config=config, now=JAN_2)
    closed = _verified(db, config, "2026-12", tmp_path)
    for st in (open_st, closed):
        assert (st.partner_share, st.pph23_withheld, st.ppn) == (3_500_000, 70_000, 385_000)
        [version] = st.by_contract_version
        assert version.ppn_collector == collector
    withheld = 385_000 if collector == "bendahara" else 0
    assert (closed.ppn_withheld, closed.by_contract_version[0].ppn_withheld) == (withheld, withheld)
    assert closed.net_payable_to_partner == 3_500_000 + 385_000 - withheld - 70_000
    # The ledger says the same: what stays owed to the partner, and the PPN the treasurer must remit.
    balances = dict(
        db.execute(
            select(ENTRY.c.account, func.sum(ENTRY.c.credit) - func.sum(ENTRY.c.debit)).group_by(
                ENTRY.c.account
            )
        ).all()
    )
    assert balances[Account.PARTNER_PAYABLE] == closed.net_payable_to_partner
    assert balances.get(Account.PPN_PAYABLE, 0) == withheld
    assert balances[Account.PPH23_PAYABLE] == 70_000


def test_per_period_rounding_ends_each_breakdown_with_an_adjustment_row(
    db: Session, config: BillingConfig, tmp_path: Path
) -> None:
    """Rp 10.001 at 35 %: each card is posted with Rp 3.500, the month's total split once gives 0,35 more
    per card. Three cards at one office and two at another, of two reasons: rows of 10.500 and 7.000 add up
    to 17.500, the month's share is 17.501 (35 % of 50.005, rounded down): the "Penyesuaian pembulatan" row
    carries the Rp 1, in both tables."""
    add_contract(db, rounding="per_period")
    evs = [
        *(event(DEC + timedelta(seconds=i), office_code="33.14.01", reason="baru") for i in range(3)),
        *(
            event(DEC + timedelta(minutes=1, seconds=i), office_code="33.14.02", reason="hilang")
            for i in range(2)
        ),
    ]
    post_events(db, evs, config=config, now=JAN_2)
    db.commit()
    open_st = get_statement(db, "2026-12", config=config, now=JAN_2)
    closed = _verified(db, config, "2026-12", tmp_path)
    for st in (open_st, closed):
        assert (st.partner_share, st.period_rounding_adjustment) == (17_501, 1)
        for rows, adjustment in (
            (st.by_office, st.by_office_adjustment),
            (st.by_reason, st.by_reason_adjustment),
        ):
            assert [r.partner_share for r in rows] == [10_500, 7_000]
            assert adjustment is not None
            assert adjustment.key == ROUNDING_ROW
            table = [*rows, adjustment]
            for column, total in (
                ("cards_billed", st.cards_billed),
                ("gross_amount", st.gross_amount),
                ("partner_share", st.partner_share),
                ("regency_share", st.regency_share),
            ):
                assert sum(getattr(r, column) for r in table) == total, column


def test_per_card_rounding_needs_no_adjustment_row(db: Session, config: BillingConfig) -> None:
    add_contract(db)
    post_events(db, [event(DEC + timedelta(seconds=i)) for i in range(5)], config=config, now=JAN_2)
    db.commit()
    st = get_statement(db, "2026-12", config=config, now=JAN_2)
    assert (st.by_office_adjustment, st.by_reason_adjustment, st.period_rounding_adjustment) == (
        None,
        None,
        0,
    )


def test_a_version_stored_before_the_collector_keeps_its_pricing_hash_when_ended(
    db: Session, config: BillingConfig, tmp_path: Path
) -> None:
    """Terms stored by the previous release (no ``ppn.collector``): cards still price, the statement's
    snapshot is the stored text, ending the version keeps the hash its cards carry, the bundle verifies."""
    old = contract_data(
        ppn={"pkp": True, "rate_basis_points": 1200, "base_numerator": 11, "base_denominator": 12}
    )
    old.update(remainder="to_regency", bill_fault_reprints=False)
    text = canonical_json(old)
    version = ContractVersion(
        number=old["number"],
        partner_name=old["partner_name"],
        effective_from=date(2026, 11, 1),
        terms_json=text,
        terms_sha256=sha256_hex(text.encode()),
        created_at="2026-10-01T00:00:00.000000Z",
    )
    db.add(version)
    db.commit()
    assert version.id is not None
    post_events(db, [event(DEC + timedelta(seconds=i)) for i in range(3)], config=config, now=JAN_2)
    db.commit()
    end_contract_version(db, version.id, date(2026, 12, 31))
    db.commit()
    assert "collector" not in version.terms_json
    assert verify_chain(db, public_key_pem=config.keys.public_key_pem()).ok
    st = _verified(db, config, "2026-12", tmp_path)
    assert (st.ppn_withheld, st.by_contract_version[0].ppn_collector) == (0, "partner")
    assert st.contracts[0].terms["ppn"] == old["ppn"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=hst.lists(hst.one_of(hst.just("card"), hst.integers(0, 30)), min_size=1, max_size=25))
def test_tiers_always_count_net_billed_cards(
    billing_engine: Engine, config: BillingConfig, tmp_path: Path, steps: list[str | int]
) -> None:
    """Any mix of cards and same-month reversals (an integer reverses the i-th card still billed, modulo
    their number): every card is priced at its place in the net count, the statement's partner share is the
    sum of the cards still billed, and the closed month's bundle verifies."""
    empty_billing_tables(billing_engine)
    with Session(billing_engine, expire_on_commit=False) as db:
        tiers = [
            {"up_to": 2, "amount_per_card": 3000},
            {"up_to": 4, "amount_per_card": 2500},
            {"up_to": None, "amount_per_card": 2000},
        ]
        add_contract(db, fees=_fees(), partner_share={"type": "tiers", "tiers": tiers})
        billed: list[tuple[int, int]] = []  # (seq, partner) of the cards not reversed
        for n, step in enumerate(steps):
            if step == "card":
                [outcome] = post_events(db, [_card(DEC, n)], config=config, now=DEC_20).outcomes
                assert outcome.seq is not None
                ordinal, partner = db.execute(
                    select(TX.c.period_ordinal, TX.c.partner).where(TX.c.seq == outcome.seq)
                ).one()
                assert ordinal == len(billed) + 1
                assert partner == {1: 3000, 2: 3000, 3: 2500, 4: 2500}.get(ordinal, 2000)
                billed.append((outcome.seq, partner))
            elif billed:
                seq, _ = billed.pop(int(step) % len(billed))
                post_correction(
                    db, corrects_seq=seq, correction_key=f"fix-{n}", note="salah", config=config, now=DEC_20
                )
            db.commit()
        month = get_statement(db, "2026-12", config=config, now=JAN_2)
        assert (month.cards_billed, month.partner_share) == (len(billed), sum(p for _, p in billed))
        _verified(db, config, "2026-12", tmp_path)
