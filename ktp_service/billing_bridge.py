"""Hands "card printed" outbox rows to billing. Rows are posted in the transaction that marks them posted;
billing's event-key idempotency makes a replay post nothing. A row billing rejects (no contract in force
yet) stays in the outbox and is tried again on the next pass; it also blocks closing its month."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, col, or_, select

from billing.config import BillingConfig
from billing.posting import CardPrintedEvent as BillingEvent
from billing.posting import post_events as billing_post_events
from ktp_service.copying import same_named
from ktp_service.models import CardPrintedEvent, utcnow
from ktp_service.settings import Settings

log = logging.getLogger("ktp.billing")
BATCH = 500
RETRY_AFTER = timedelta(seconds=60)


@lru_cache(maxsize=8)
def billing_config(key_dir: Path, zone: str, checkpoint_log: Path) -> BillingConfig:
    return BillingConfig(key_dir=key_dir, zone_name=zone, checkpoint_log=checkpoint_log)


def config_for(settings: Settings) -> BillingConfig:
    return billing_config(settings.keys_dir, settings.timezone, settings.checkpoint_log)


def to_billing(row: CardPrintedEvent) -> BillingEvent:
    return BillingEvent(
        **same_named(row, BillingEvent.model_fields, leave=("printer_id", "template_version")),
        printer_id=str(row.printer_id),
        template_version=row.template_version or "unknown",
    )


def post_pending(
    session: Session, config: BillingConfig, limit: int = BATCH, *, retry_refused: bool = False
) -> int:
    """Post up to ``limit`` unposted outbox rows; returns how many left the outbox. A row billing refused
    is tried again after RETRY_AFTER (or now, with ``retry_refused``: a person asked, e.g. after adding
    the missing contract), so refused rows never hold up the rows behind them."""
    now = utcnow()
    due = select(CardPrintedEvent).where(col(CardPrintedEvent.posted_at).is_(None))
    if not retry_refused:
        due = due.where(
            or_(
                col(CardPrintedEvent.last_attempt_at).is_(None),
                col(CardPrintedEvent.last_attempt_at) < now - RETRY_AFTER,
            )
        )
    due = due.order_by(col(CardPrintedEvent.id)).limit(limit)
    rows = list(session.exec(due.with_for_update(skip_locked=True)))
    if not rows:
        return 0
    report = billing_post_events(session, [to_billing(r) for r in rows], config=config)
    done = 0
    for row, outcome in zip(rows, report.outcomes, strict=True):
        if outcome.status == "rejected":
            if row.attempts == 0:  # say it once, not on every pass
                log.warning("billing refused card event %s: %s", row.id, outcome.detail)
            row.attempts, row.last_attempt_at, row.last_error = row.attempts + 1, now, outcome.detail[:300]
        else:
            row.posted_at = now  # posted, a duplicate of a posted one, or recorded as a conflict
            done += 1
        session.add(row)
    return done


def has_due_events(session: Session) -> bool:
    """A cheap read, so an idle worker opens no write transaction to find nothing to post."""
    now = utcnow()
    return (
        session.exec(
            select(CardPrintedEvent.id)
            .where(
                col(CardPrintedEvent.posted_at).is_(None),
                or_(
                    col(CardPrintedEvent.last_attempt_at).is_(None),
                    col(CardPrintedEvent.last_attempt_at) < now - RETRY_AFTER,
                ),
            )
            .limit(1)
        ).first()
        is not None
    )


def poster(settings: Settings) -> Callable[[Session], int]:
    config = config_for(settings)
    return lambda session: post_pending(session, config)
