"""Corrections: reversing a billed card (e.g. one billed that was in fact spoiled).

A correction is a ``reversal`` transaction that mirrors the one it points to (``corrects_seq``), line by
line with the amounts negated. A transaction is corrected at most once (``corrects_seq`` is a unique
column), nothing is ever updated or deleted, and the reversal frees the card in ``billing_billed_card`` so
the right event can bill it again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlmodel import Session

from billing.canonical import canonical_bytes, sha256_hex
from billing.config import BillingConfig
from billing.errors import AlreadyCorrected, EventConflict, InvalidInput, TransactionNotFound
from billing.ledger import BILLED, HASHED_FIELDS, TX, Appender, card_lines, existing_keys
from billing.lock import lock_billing
from billing.models import LedgerTransaction
from billing.periods import ensure_periods, latest_closed_month, posting_month
from billing.posting import PostOutcome
from billing.vocab import TransactionKind


def post_correction(
    session: Session,
    *,
    corrects_seq: int,
    correction_key: str,
    note: str,
    config: BillingConfig,
    now: datetime | None = None,
) -> PostOutcome:
    """Reverse the billed card transaction ``corrects_seq`` (e.g. a card billed that was in fact spoiled).
    The reversal goes to the corrected transaction's month while it is open, otherwise to the first open
    month, marked prior-period. Idempotent on ``correction_key``. Flushes; the caller commits."""
    now = now or datetime.now(UTC)
    if not note.strip():
        raise InvalidInput("a correction must say why")
    head = lock_billing(session)
    digest = sha256_hex(canonical_bytes({"corrects_seq": corrects_seq, "note": note}))
    known = existing_keys(session, [correction_key]).get(correction_key)
    if known is not None:
        if known[1] == digest:
            return PostOutcome(correction_key, "duplicate", known[0], "already posted")
        raise EventConflict(
            f"correction {correction_key} was posted as transaction {known[0]} with other content"
        )
    original = session.get(LedgerTransaction, corrects_seq)
    if original is None:
        raise TransactionNotFound(f"transaction {corrects_seq} does not exist")
    if original.kind != TransactionKind.CARD or not original.billed:
        raise InvalidInput(
            f"transaction {corrects_seq} is not a billed card; only billed cards can be reversed"
        )
    done = session.execute(select(TX.c.seq).where(TX.c.corrects_seq == corrects_seq)).scalar()
    if done is not None:
        raise AlreadyCorrected(f"transaction {corrects_seq} was already reversed by transaction {done}")
    period, prior = posting_month(original.period, latest_closed_month(session))
    row = {name: getattr(original, name) for name in HASHED_FIELDS}
    row.update(
        kind=TransactionKind.REVERSAL,
        event_key=correction_key,
        event_digest=digest,
        period=period,
        prior_period=prior,
        fee=-original.fee,
        cards=-original.cards,
        partner=-original.partner,
        regency=-original.regency,
        period_ordinal=None,
        corrects_seq=corrects_seq,
        note=note,
    )
    appender = Appender(head, now)
    seq = appender.append(
        row, card_lines(original.payer, -original.fee, -original.partner, -original.regency)
    )
    ensure_periods(session, {period})
    appender.write(session)
    session.execute(delete(BILLED).where(BILLED.c.seq == corrects_seq))  # the card may be billed again
    session.flush()
    return PostOutcome(correction_key, "posted", seq, f"posted to {period}")
