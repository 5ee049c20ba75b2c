"""Event conflicts: events that arrived under a key already posted with other content, or for a card
already billed under another key.

Nothing is posted for such an event. :func:`billing.posting.post_events` records it here
(``billing_event_conflict``) through :func:`conflict_record`; it stays open, keeping its month from closing,
until someone resolves it (:func:`resolve_conflict`), typically after posting the right event under a new
key or finding the event bogus. Resolving only records how it was resolved: the ledger is not touched.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from billing.canonical import utc_text
from billing.errors import ConflictNotFound, InvalidInput
from billing.models import EventConflictRecord


def conflict_record(
    event_key: str, event_month: str, seq: int | None, digest: str, detail: str, now: datetime
) -> EventConflictRecord:
    """The record of one conflicting event (``seq``: the transaction it conflicts with; ``digest``: the HMAC
    of the event as received), not yet added to a session."""
    return EventConflictRecord(
        event_key=event_key,
        event_period=event_month,
        existing_seq=seq,
        received_digest=digest,
        detail=detail,
        received_at=utc_text(now),
    )


def list_conflicts(session: Session, *, unresolved_only: bool = True) -> list[EventConflictRecord]:
    """The recorded conflicts in the order they arrived; only the open ones unless ``unresolved_only`` is
    false."""
    query = select(EventConflictRecord).order_by(col(EventConflictRecord.id))
    if unresolved_only:
        query = query.where(col(EventConflictRecord.resolved_at).is_(None))
    return list(session.scalars(query))


def resolve_conflict(
    session: Session, conflict_id: int, resolution: str, *, now: datetime | None = None
) -> None:
    """Mark a conflict resolved (after the right event was posted under a new key, or it was found bogus).
    Flushes; the caller commits."""
    record = session.get(EventConflictRecord, conflict_id)
    if record is None:
        raise ConflictNotFound(f"conflict {conflict_id} does not exist")
    if not resolution.strip():
        raise InvalidInput("say how the conflict was resolved")
    record.resolved_at = utc_text(now or datetime.now(UTC))
    record.resolution = resolution
    session.add(record)
    session.flush()
