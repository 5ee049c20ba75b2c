"""Bundles a compromised server could sign: transactions that chain and add up, but that the contract does
not allow. The offline check must name them (review of issue 5, findings 1 and 2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from billing.bundle import export_bundle, verify_bundle
from billing.config import BillingConfig
from billing.contracts import end_contract_version
from billing.ledger import HASHED_FIELDS, Appender, card_lines
from billing.lock import lock_billing
from billing.models import LedgerTransaction
from billing.periods import ensure_periods
from billing.posting import post_events
from billing.statement import close_period
from tests.unit.billing.factories import add_contract, event

NOV = datetime(2026, 11, 10, 3, tzinfo=UTC)
DEC = datetime(2026, 12, 5, 3, tzinfo=UTC)
JAN_2 = datetime(2027, 1, 2, tzinfo=UTC)


def cards(n: int, start: datetime) -> list:  # type: ignore[type-arg]
    return [event(start + timedelta(seconds=i)) for i in range(n)]


def forge(db: Session, like_seq: int, **changes: Any) -> None:
    """Append a transaction as a server that skips billing's checks would: a copy of ``like_seq`` with
    ``changes``, correctly chained and balanced."""
    original = db.get(LedgerTransaction, like_seq)
    assert original is not None
    row = {name: getattr(original, name) for name in HASHED_FIELDS}
    row.update(changes)
    appender = Appender(lock_billing(db), JAN_2)
    appender.append(row, card_lines(row["payer"], row["fee"], row["partner"], row["regency"]))
    ensure_periods(db, {row["period"]})
    appender.write(db)
    db.flush()


def bundle_problems(db: Session, config: BillingConfig, tmp_path: Path) -> list[str]:
    close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_2)
    db.commit()
    return verify_bundle(export_bundle(db, "2026-12", tmp_path / "b.zip"), config.keys.public_key_pem())


def _november_closed_then_three_december_cards(db: Session, config: BillingConfig) -> None:
    add_contract(db)
    post_events(db, cards(2, NOV), config=config, now=JAN_2)
    close_period(db, "2026-11", config=config, unposted_events=0, now=JAN_2)
    post_events(db, cards(3, DEC), config=config, now=JAN_2)


def test_a_reversal_of_an_earlier_month_must_undo_exactly_one_card(
    db: Session, config: BillingConfig, tmp_path: Path
) -> None:
    _november_closed_then_three_december_cards(db, config)
    # Card 1 (November, outside December's bundle) "reversed" at ten times its value.
    ten_times = {"fee": -100_010, "cards": -1, "partner": -35_000, "regency": -65_010}
    reversal = {"kind": "reversal", "event_key": "fix-1", "corrects_seq": 1, "period_ordinal": None}
    forge(db, 1, period="2026-12", prior_period=True, **ten_times, **reversal)
    problems = bundle_problems(db, config, tmp_path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(
        "reversal 7 undoes fee/payer/partner/regency/rate (100010, 'citizen', 35000"
    )
    assert "prices a baru card at (10001, 'citizen', 3500, 6501, 3500)" in problems[0]


def test_an_honest_reversal_of_an_earlier_month_verifies(
    db: Session, config: BillingConfig, tmp_path: Path
) -> None:
    from billing.corrections import post_correction

    _november_closed_then_three_december_cards(db, config)
    post_correction(db, corrects_seq=1, correction_key="fix-1", note="spoiled", config=config, now=JAN_2)
    assert bundle_problems(db, config, tmp_path) == []


def test_a_card_priced_by_a_version_not_in_force_is_named(
    db: Session, config: BillingConfig, tmp_path: Path
) -> None:
    old = add_contract(db)
    assert old.id is not None
    end_contract_version(db, old.id, date(2026, 12, 15))
    add_contract(db, effective_from="2026-12-16", partner_share={"type": "percent", "basis_points": 5000})
    post_events(db, cards(2, DEC), config=config, now=JAN_2)
    # A card of 20 December priced by the old (cheaper for the partner) version.
    on_the_20th = {"event_at": "2026-12-20T03:00:00.000000Z", "event_date": "2026-12-20"}
    forge(db, 1, event_key="job-x", card_serial="KTP-X", period_ordinal=3, **on_the_20th)
    problems = bundle_problems(db, config, tmp_path)
    assert problems == [
        "transaction 3: contract version 1 was not in force on 2026-12-20, the day the card was completed"
    ]


# A December card forged as a server skipping billing's checks would, and what the partner's check says.
DECEMBER_FORGERIES = {
    "a December card passed off as a prior-period November one": (
        {"event_key": "job-y", "card_serial": "KTP-Y", "event_period": "2026-11", "prior_period": True},
        "transaction 3: event_date 2026-12-05 / event_period 2026-11 are not those of its event time "
        "2026-12-05T03:00:00.000000Z in Asia/Jakarta",
    ),
    "prior_period must say whether the card is late": (
        {"event_key": "job-z", "card_serial": "KTP-Z", "prior_period": True},
        "transaction 3: prior_period is True though it is posted to 2026-12 for an event of 2026-12",
    ),
}


@pytest.mark.parametrize("case", DECEMBER_FORGERIES)
def test_event_month_and_prior_period_must_agree_with_the_event_time(
    db: Session, config: BillingConfig, tmp_path: Path, case: str
) -> None:
    changes, expected = DECEMBER_FORGERIES[case]
    add_contract(db)
    post_events(db, cards(2, DEC), config=config, now=JAN_2)
    forge(db, 1, period_ordinal=3, **changes)
    assert bundle_problems(db, config, tmp_path) == [expected]
