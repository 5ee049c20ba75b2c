"""Hands "card printed" outbox rows to billing. Rows are posted in the transaction that marks them posted;
billing's event-key idempotency makes a replay post nothing. A row billing rejects (no contract in force
yet) stays in the outbox and is tried again on the next pass; it also blocks closing its month."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, col, select

from billing.config import BillingConfig
from billing.ledger import CardPrintedEvent as BillingEvent
from billing.ledger import post_events as billing_post_events
from ktp_service.models import CardPrintedEvent, utcnow
from ktp_service.settings import Settings

log = logging.getLogger("ktp.billing")
BATCH = 500


@lru_cache(maxsize=8)
def billing_config(key_dir: Path, zone: str) -> BillingConfig:
    return BillingConfig(key_dir=key_dir, zone_name=zone)


def config_for(settings: Settings) -> BillingConfig:
    return billing_config(settings.data_dir / "keys", settings.timezone)


def to_billing(row: CardPrintedEvent) -> BillingEvent:
    return BillingEvent(
        event_key=row.event_key,
        card_serial=row.card_serial,
        nik=row.nik,
        office_code=row.office_code,
        reason=row.reason,
        printer_id=str(row.printer_id),
        completed_at=row.completed_at,
        template_version=row.template_version or "unknown",
        is_fault_reprint=row.is_fault_reprint,
    )


def post_pending(session: Session, config: BillingConfig, limit: int = BATCH) -> int:
    """Post up to ``limit`` unposted outbox rows; returns how many left the outbox."""
    rows = list(
        session.exec(
            select(CardPrintedEvent)
            .where(col(CardPrintedEvent.posted_at).is_(None))
            .order_by(col(CardPrintedEvent.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not rows:
        return 0
    report = billing_post_events(session, [to_billing(r) for r in rows], config=config)
    now, done = utcnow(), 0
    for row, outcome in zip(rows, report.outcomes, strict=True):
        if outcome.status == "rejected":
            log.debug("billing rejected event %s: %s", row.id, outcome.detail)
            continue
        row.posted_at = now  # posted, a duplicate of a posted one, or recorded as a conflict
        session.add(row)
        done += 1
    return done


def poster(settings: Settings) -> Callable[[Session], int]:
    config = config_for(settings)
    return lambda session: post_pending(session, config)
