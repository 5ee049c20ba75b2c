"""Contract versions are bound into the chain: terms changed in the database after they priced cards are
detected by verify_chain and by the offline bundle check (review of issue 5, finding 4)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from billing.bundle import export_bundle, verify_bundle
from billing.canonical import canonical_json, sha256_hex
from billing.chain import verify_chain
from billing.config import BillingConfig
from billing.contracts import end_contract_version
from billing.posting import post_events
from billing.statement import close_period
from tests.unit.billing.factories import add_contract, event

DEC = datetime(2026, 12, 5, 3, tzinfo=UTC)
JAN_2 = datetime(2027, 1, 2, tzinfo=UTC)


def rewrite_terms(db: Session, version_id: int, **changes: object) -> None:
    """What someone with SQL access does: new terms, their hash recomputed, no ledger row touched."""
    terms = json.loads(db.execute(text("SELECT terms_json FROM billing_contract_version")).scalar_one())
    terms.update(changes)
    new = canonical_json(terms)
    db.execute(
        text("UPDATE billing_contract_version SET terms_json = :t, terms_sha256 = :h WHERE id = :i"),
        {"t": new, "h": sha256_hex(new.encode()), "i": version_id},
    )
    db.commit()
    db.expire_all()  # the server's next request reads the rewritten row


def test_terms_changed_after_pricing_break_the_chain(db: Session, config: BillingConfig) -> None:
    version = add_contract(db)
    assert version.id is not None
    post_events(db, [event(DEC + timedelta(seconds=i)) for i in range(2)], config=config, now=JAN_2)
    db.commit()
    assert verify_chain(db).ok
    rewrite_terms(db, version.id, pph23_basis_points=0)
    result = verify_chain(db)
    assert result.problems == [
        f"transaction {seq}: contract version {version.id} no longer has the terms that priced it"
        for seq in (1, 2)
    ]


def test_terms_changed_before_closing_are_caught_in_the_bundle(
    db: Session, config: BillingConfig, tmp_path: Path
) -> None:
    version = add_contract(db)
    assert version.id is not None
    post_events(db, [event(DEC)], config=config, now=JAN_2)
    db.commit()
    rewrite_terms(db, version.id, pph23_basis_points=0)  # the statement now shows no PPh 23 withheld
    close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_2)
    db.commit()
    problems = verify_bundle(export_bundle(db, "2026-12", tmp_path / "b.zip"), config.keys.public_key_pem())
    assert problems == [
        f"transaction 1: priced by other terms than contract version {version.id} has in the statement "
        "(pricing_sha256 differs)"
    ]


def test_ending_a_version_keeps_the_chain_valid(db: Session, config: BillingConfig) -> None:
    version = add_contract(db)
    assert version.id is not None
    post_events(db, [event(DEC)], config=config, now=JAN_2)
    db.commit()
    end_contract_version(db, version.id, date(2026, 12, 20))
    add_contract(db, effective_from="2026-12-21")
    post_events(db, [event(datetime(2026, 12, 22, 3, tzinfo=UTC))], config=config, now=JAN_2)
    db.commit()
    assert verify_chain(db).ok


def test_moving_a_versions_dates_is_detected(db: Session, config: BillingConfig) -> None:
    version = add_contract(db)
    assert version.id is not None
    post_events(db, [event(DEC)], config=config, now=JAN_2)
    db.commit()
    db.execute(text("UPDATE billing_contract_version SET effective_from = '2026-12-10'"))
    db.commit()
    assert verify_chain(db).problems == [
        f"contract version {version.id}: its dates or number disagree with its terms",
        f"transaction 1: contract version {version.id} was not in force on 2026-12-05",
    ]
