"""The month's statement as it stands, closing it, and the signed bundle checked offline."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from billing.bundle import export_bundle, verify_bundle
from billing.canonical import canonical_json
from billing.chain import verify_chain
from billing.config import BillingConfig
from billing.corrections import post_correction
from billing.errors import InvalidInput, PeriodNotClosable
from billing.posting import post_card_printed, post_events
from billing.signing import KeyStore
from billing.statement import close_period, get_statement
from tests.unit.billing.factories import add_contract, contract_data, event

DEC = datetime(2026, 12, 1, 3, tzinfo=UTC)
JAN_2 = datetime(2027, 1, 2, tzinfo=UTC)


def cards(n: int, start: datetime = DEC, **overrides: object) -> list:  # type: ignore[type-arg]
    return [event(start + timedelta(seconds=i), **overrides) for i in range(n)]


@pytest.mark.parametrize(("rounding", "partner"), [("per_card", 3_500_000), ("per_period", 3_500_350)])
def test_domain_example_rounding_per_card_and_per_period(
    db: Session, config: BillingConfig, rounding: str, partner: int
) -> None:
    add_contract(db, rounding=rounding)
    post_events(db, cards(1000), config=config, now=JAN_2)
    db.commit()
    st = get_statement(db, "2026-12", config=config, now=JAN_2)
    assert (st.status, st.cards_billed, st.gross_amount) == ("open", 1000, 10_001_000)
    assert (st.partner_share, st.regency_share) == (partner, 10_001_000 - partner)
    assert st.period_rounding_adjustment == partner - 3_500_000
    assert st.pph23_withheld == partner * 2 // 100
    assert st.net_payable_to_partner == partner - st.pph23_withheld
    closed = close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_2).statement
    db.commit()
    assert (closed.status, closed.partner_share, closed.regency_share) == (
        "closed",
        partner,
        10_001_000 - partner,
    )
    assert closed.chain is not None
    assert closed.chain.period_entries == 3000 + (4 if rounding == "per_period" else 2)
    assert verify_chain(db, public_key_pem=config.keys.public_key_pem()).ok


def test_breakdowns_tiers_regency_paid_fees_and_taxes(db: Session, config: BillingConfig) -> None:
    fees = contract_data()["fees"]
    fees["perpanjangan"] = {"amount": 25000, "payer": "regency"}
    fees["rusak"] = {"amount": 0, "payer": "citizen"}
    add_contract(
        db,
        fees=fees,
        partner_share={
            "type": "tiers",
            "tiers": [{"up_to": 3, "basis_points": 4000}, {"up_to": None, "basis_points": 3000}],
        },
        ppn={"pkp": True},
    )
    evs = [
        *cards(4, office_code="33.14.01", reason="baru"),  # 4000, 4000, 4000, then 3000 (ordinal 4)
        *cards(1, DEC + timedelta(minutes=1), office_code="33.14.02", reason="perpanjangan"),
        *cards(1, DEC + timedelta(minutes=2), office_code="33.14.02", reason="rusak"),
    ]
    post_events(db, evs, config=config, now=JAN_2)
    db.commit()
    st = get_statement(db, "2026-12", config=config, now=JAN_2)
    assert st.cards_billed == 6
    assert (st.gross_amount, st.citizen_fees, st.regency_service_fees) == (4 * 10001 + 25000, 40004, 25000)
    partner = 3 * 4000 + 3000 + 25000
    assert (st.partner_share, st.regency_share) == (partner, 4 * 10001 + 25000 - partner)
    assert st.pph23_withheld == partner * 2 // 100
    assert st.ppn == partner * 11 // 100
    assert st.net_payable_to_partner == partner + st.ppn - st.pph23_withheld
    offices = {b.key: (b.cards_billed, b.gross_amount, b.partner_share) for b in st.by_office}
    assert offices == {"33.14.01": (4, 40004, 15000), "33.14.02": (2, 25000, 25000)}
    reasons = {b.key: b.cards_billed for b in st.by_reason}
    assert reasons == {"baru": 4, "perpanjangan": 1, "rusak": 1}
    [version] = st.by_contract_version
    assert (version.cards_billed, version.partner_share, version.ppn) == (6, partner, st.ppn)


def test_statement_refuses_a_future_month(db: Session, config: BillingConfig) -> None:
    with pytest.raises(InvalidInput, match="2027-02 is in the future"):
        get_statement(db, "2027-02", config=config, now=JAN_2)


def test_closing_is_refused_until_it_may_happen(db: Session, config: BillingConfig) -> None:
    add_contract(db)
    post_events(db, [event(datetime(2026, 11, 20, tzinfo=UTC)), *cards(2)], config=config, now=JAN_2)
    db.commit()
    with pytest.raises(PeriodNotClosable, match="2026-12 is not over until 2027-01-01T00:00:00\\+07:00"):
        close_period(
            db, "2026-12", config=config, unposted_events=0, now=datetime(2026, 12, 31, 16, 59, tzinfo=UTC)
        )
    with pytest.raises(PeriodNotClosable, match="close 2026-11 first"):
        close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_2)
    with pytest.raises(PeriodNotClosable, match="3 printed card\\(s\\) of 2026-11 are not posted yet"):
        close_period(db, "2026-11", config=config, unposted_events=3, now=JAN_2)
    post_card_printed(
        db, event(datetime(2026, 11, 21, tzinfo=UTC), card_serial="dup"), config=config, now=JAN_2
    )
    post_events(db, [event(datetime(2026, 11, 21, tzinfo=UTC), card_serial="dup")], config=config, now=JAN_2)
    db.commit()
    with pytest.raises(PeriodNotClosable, match="1 unresolved event conflict"):
        close_period(db, "2026-11", config=config, unposted_events=0, now=JAN_2)
    db.rollback()


def test_a_closed_month_is_fixed_and_late_items_land_in_the_next(db: Session, config: BillingConfig) -> None:
    add_contract(db)
    post_events(db, cards(3, datetime(2026, 11, 20, tzinfo=UTC)), config=config, now=JAN_2)
    closed = close_period(db, "2026-11", config=config, unposted_events=0, now=JAN_2)
    db.commit()
    with pytest.raises(PeriodNotClosable, match="already closed"):
        close_period(db, "2026-11", config=config, unposted_events=0, now=JAN_2)
    db.rollback()
    post_card_printed(db, event(datetime(2026, 11, 28, tzinfo=UTC)), config=config, now=JAN_2)  # late
    post_correction(db, corrects_seq=1, correction_key="fix-1", note="spoiled", config=config, now=JAN_2)
    db.commit()
    nov = get_statement(db, "2026-11", config=config, now=JAN_2)
    assert nov == closed.statement
    dec = get_statement(db, "2026-12", config=config, now=JAN_2)
    assert (dec.cards_billed, dec.gross_amount) == (0, 0)  # one late card in, one reversed out
    assert dec.prior_period.cards_billed == 0
    assert (dec.by_office[0].cards_billed, len(dec.by_office)) == (0, 1)


@pytest.fixture
def bundle(db: Session, config: BillingConfig, tmp_path: Path) -> Path:
    add_contract(db, rounding="per_period", ppn={"pkp": True})
    post_events(
        db, cards(40) + cards(3, datetime(2026, 12, 31, 17, 30, tzinfo=UTC)), config=config, now=JAN_2
    )
    post_correction(db, corrects_seq=7, correction_key="fix-7", note="spoiled", config=config, now=JAN_2)
    post_events(db, [event(DEC, is_fault_reprint=True)], config=config, now=JAN_2)
    close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_2)
    db.commit()
    return export_bundle(db, "2026-12", tmp_path / "2026-12.zip")


def test_a_bundle_verifies_offline(bundle: Path, config: BillingConfig) -> None:
    assert verify_bundle(bundle, config.keys.public_key_pem()) == []
    with zipfile.ZipFile(bundle) as z:
        text = z.read("transactions.jsonl").decode()
        statement = json.loads(z.read("statement.json"))
    assert "3314014101900001" not in text and "3314**********01" in text
    assert statement["cards_billed"] == 39
    assert statement["chain"]["head_seq"] == 46  # the January cards posted before closing are in the stretch


def _rewrite(bundle: Path, target: Path, name: str, change: object) -> Path:
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == name:
                data = change(data)  # type: ignore[operator]
            dst.writestr(item, data)
    return target


def test_a_changed_statement_breaks_the_signature(
    bundle: Path, config: BillingConfig, tmp_path: Path
) -> None:
    def raise_ppn(data: bytes) -> bytes:
        statement = json.loads(data)
        statement["ppn"] += 1000
        return canonical_json(statement).encode()

    forged = _rewrite(bundle, tmp_path / "f.zip", "statement.json", raise_ppn)
    problems = verify_bundle(forged, config.keys.public_key_pem())
    assert (
        problems[0] == "the signature does not match statement.json: it was changed, or signed by another key"
    )
    assert any(p.startswith("statement says ppn = ") for p in problems)


def test_another_key_is_refused(bundle: Path, tmp_path: Path) -> None:
    other = KeyStore(tmp_path / "other").public_key_pem()
    problems = verify_bundle(bundle, other)
    # The statement names the key that signed it; a key ring without that key cannot check it at all.
    assert problems[0].startswith("the statement names signing key")


def test_a_changed_transaction_is_named(bundle: Path, config: BillingConfig, tmp_path: Path) -> None:
    def change(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        tx = json.loads(lines[4])
        tx["office_code"] = "33.14.09"
        lines[4] = canonical_json(tx)
        return ("\n".join(lines) + "\n").encode()

    problems = verify_bundle(
        _rewrite(bundle, tmp_path / "t.zip", "transactions.jsonl", change), config.keys.public_key_pem()
    )
    assert problems[0] == "transaction 5 (job-" + problems[0].split("(job-")[1]
    assert "content does not match its hash" in problems[0]
    assert any(p.startswith("statement says by_office = ") for p in problems)


def test_a_dropped_transaction_is_named(bundle: Path, config: BillingConfig, tmp_path: Path) -> None:
    def drop(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        return ("\n".join(lines[:9] + lines[10:]) + "\n").encode()

    problems = verify_bundle(
        _rewrite(bundle, tmp_path / "d.zip", "transactions.jsonl", drop), config.keys.public_key_pem()
    )
    assert "transaction 10 is missing (line 10 holds 11)" in problems
    assert "statement says cards_billed = 39, the entries give 38" in problems


def test_a_signed_statement_with_wrong_figures_is_caught(
    db: Session, config: BillingConfig, tmp_path: Path
) -> None:
    """Even a statement signed with the right key is checked against its entries (e.g. a bug in the
    statement): re-sign a statement whose partner share was raised by one rupiah."""
    add_contract(db)
    post_events(db, cards(5), config=config, now=JAN_2)
    signed = close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_2)
    db.commit()
    path = export_bundle(db, "2026-12", tmp_path / "b.zip")
    statement = json.loads(signed.statement_json)
    statement["partner_share"] += 1
    forged_json = canonical_json(statement).encode()
    forged = _rewrite(path, tmp_path / "r.zip", "statement.json", lambda _: forged_json)
    forged = _rewrite(
        forged, tmp_path / "r2.zip", "statement.sig", lambda _: config.keys.sign(forged_json).encode()
    )
    assert verify_bundle(forged, config.keys.public_key_pem()) == [
        f"statement says partner_share = {17501}, the entries give {17500}"
    ]


def test_closing_under_the_lock_taken_before_counting(engine: Engine, config: BillingConfig) -> None:
    """The caller takes the billing lock, counts its unposted events, then closes, all in one transaction:
    a card posted meanwhile by another session waits for the lock and lands in the next month as
    prior-period instead of slipping past the count (review of issue 5, finding 7)."""
    import threading

    from billing.lock import lock_billing
    from billing.models import LedgerTransaction

    with Session(engine) as s:
        add_contract(s)
        post_events(s, cards(1), config=config, now=JAN_2)
        s.commit()
    closer = Session(engine)
    lock_billing(closer)  # before counting; the count of the caller's outbox would go here
    late = event(DEC + timedelta(days=3))
    done = threading.Event()

    def poster() -> None:
        with Session(engine) as s:
            post_card_printed(s, late, config=config, now=JAN_2)
            s.commit()
        done.set()

    thread = threading.Thread(target=poster)
    if engine.dialect.name == "postgresql":  # SQLite's single writer would make the thread fail, not wait
        thread.start()
    close_period(closer, "2026-12", config=config, unposted_events=0, now=JAN_2)
    closer.commit()
    closer.close()
    if engine.dialect.name != "postgresql":
        thread.start()
    thread.join()
    assert done.is_set()
    with Session(engine) as s:
        row = s.exec(select(LedgerTransaction).where(LedgerTransaction.event_key == late.event_key)).one()
        assert (row.period, row.prior_period) == ("2027-01", True)
        assert verify_chain(s).ok
