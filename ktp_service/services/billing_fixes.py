"""Finance's repairs of the ledger, for the console: events in conflict (an event key posted twice with
other content) and corrections (the reversal of a billed card). The rules are billing's
(``billing.conflicts``, ``billing.corrections``); resolving and correcting go through
:mod:`ktp_service.services.billing`, which audits them."""

from __future__ import annotations

from sqlmodel import Session, col, select

from billing.conflicts import list_conflicts
from billing.models import EventConflictRecord, LedgerTransaction
from billing.vocab import TransactionKind
from ktp_service.errors import NotFound


class BilledCardNotFound(NotFound, code="billed_card_not_found"): ...


def conflicts(session: Session) -> tuple[list[EventConflictRecord], list[EventConflictRecord]]:
    """(open, resolved) conflicts, in the order they arrived; an open one keeps its month from closing."""
    every = list_conflicts(session, unresolved_only=False)
    return [c for c in every if c.resolved_at is None], [c for c in every if c.resolved_at is not None]


def reversals(session: Session, limit: int = 50) -> list[tuple[LedgerTransaction, LedgerTransaction | None]]:
    """The newest reversals, each with the card transaction it undid."""
    rows = list(
        session.exec(
            select(LedgerTransaction)
            .where(LedgerTransaction.kind == TransactionKind.REVERSAL.value)
            .order_by(col(LedgerTransaction.seq).desc())
            .limit(limit)
        )
    )
    originals = {
        t.seq: t
        for t in session.exec(
            select(LedgerTransaction).where(col(LedgerTransaction.seq).in_([r.corrects_seq for r in rows]))
        )
    }
    return [(r, originals.get(r.corrects_seq or 0)) for r in rows]


def billed_card(session: Session, card_serial: str) -> LedgerTransaction:
    """The billed card transaction of a card serial (what finance has in hand: the card or its line)."""
    found = session.exec(
        select(LedgerTransaction).where(
            LedgerTransaction.card_serial == card_serial,
            LedgerTransaction.kind == TransactionKind.CARD.value,
        )
    ).first()
    if found is None or not found.billed:
        raise BilledCardNotFound(
            f"No billed card with serial {card_serial} is in the ledger.", params={"serial": card_serial}
        )
    return found
