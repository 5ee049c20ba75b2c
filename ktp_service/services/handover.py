"""The card's last step (issue 15): a printed card waits at its office until it is handed over; cards not
collected after ``uncollected_days`` are listed; a resident who died or moved out of the regency has their
valid card invalidated and gets no new card.

Rules:
- a card is handed over once (unique ``card_id``, checked first for a clear answer, the index decides a race);
- only a valid card of a completed job is handed over;
- a replacement card (its card replaced an older one) is handed over only when the old card was collected
  and destroyed at the counter, except for ``hilang`` (the old card is lost);
- a departure is recorded once per resident, not while a card for them is in progress (cancel it first:
  a card already at the printer may still come out), and from then on no card is printed for them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from billing.vocab import Reason
from ktp_service.errors import Conflict, FieldProblem, Invalid
from ktp_service.lifecycle import ACTIVE, JobStatus
from ktp_service.models import Card, Handover, Office, PrintJob, Resident, ResidentDeparture, utcnow
from ktp_service.schemas.handover import DepartureCreate, HandoverCreate
from ktp_service.services import audit
from ktp_service.services.actor import Actor


class CardAlreadyHandedOver(Conflict, code="card_already_handed_over"): ...


class CardNotPrinted(Conflict, code="card_not_printed"): ...


class CardNotValid(Conflict, code="card_not_valid"): ...


class OldCardNotCollected(Invalid, code="old_card_not_collected"): ...


class ResidentDeparted(Conflict, code="resident_departed"):
    """A card for a resident recorded as deceased or moved out of the regency."""


class ResidentDeceased(ResidentDeparted, code="resident_deceased"): ...


class ResidentMovedAway(ResidentDeparted, code="resident_moved_away"): ...


class DepartureAlreadyRecorded(Conflict, code="departure_already_recorded"): ...


class DepartureWhileCardInProgress(Conflict, code="departure_card_in_progress"): ...


def new_token() -> str:
    """The survey link's secret: 16 random bytes (128 bits), 22 URL-safe characters."""
    return secrets.token_urlsafe(16)


def for_job(session: Session, job: PrintJob) -> Handover | None:
    return session.exec(select(Handover).where(Handover.job_id == job.id)).first()


def card_of(session: Session, job: PrintJob) -> Card | None:
    return session.exec(select(Card).where(Card.job_id == job.id)).first()


def replaced_card(session: Session, card: Card) -> Card | None:
    """The older card this one replaced (its ``replaced_by_id`` names this card)."""
    return session.exec(select(Card).where(Card.replaced_by_id == card.id)).first()


def needs_old_card(job: PrintJob, old: Card | None) -> bool:
    """The old card must come back, unless it was lost (hilang)."""
    return old is not None and job.reason != Reason.HILANG


def hand_over(session: Session, actor: Actor, job: PrintJob, body: HandoverCreate) -> Handover:
    if job.state != JobStatus.COMPLETED:
        raise CardNotPrinted(
            f"Job {job.uuid} is {job.state}: only a printed card is handed over.",
            params={"job": job.uuid, "state": str(job.state)},
        )
    card = card_of(session, job)
    assert card is not None and card.id is not None and job.id is not None  # a completed job has its card
    if for_job(session, job) is not None:
        raise CardAlreadyHandedOver(
            f"Card {card.serial} was already handed over.", params={"serial": card.serial}
        )
    if not card.valid:
        raise CardNotValid(
            f"Card {card.serial} is no longer valid (replaced, or its holder died or moved away); it is not "
            "handed over.",
            params={"serial": card.serial},
        )
    old = replaced_card(session, card)
    if needs_old_card(job, old) and not body.old_card_destroyed:
        assert old is not None
        raise OldCardNotCollected(
            f"This card replaces card {old.serial}: collect the old card and destroy it first.",
            [FieldProblem("old_card_destroyed", "collect and destroy the old card first", "required")],
            params={"serial": old.serial},
        )
    now = utcnow()
    row = Handover(
        card_id=card.id,
        job_id=job.id,
        office_id=job.office_id,
        at=now,
        clerk_id=actor.user_id,
        recipient=body.recipient,
        proxy_name=body.proxy_name.strip().upper() or None,
        proxy_nik=body.proxy_nik or None,
        proxy_relation=body.proxy_relation.strip() or None,
        proxy_letter=body.proxy_letter.strip() or None,
        old_card_id=old.id if old is not None and body.old_card_destroyed else None,
        old_card_destroyed_at=now if old is not None and body.old_card_destroyed else None,
        survey_token=new_token(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent handover of the same card won
        raise CardAlreadyHandedOver(
            f"Card {card.serial} was already handed over.", params={"serial": card.serial}
        ) from None
    office = session.get(Office, job.office_id)
    audit.record(
        session,
        actor,
        "card.handover",
        "print_job",
        job.uuid,
        office_code=office.code if office else None,
        recipient=body.recipient,
        old_card_destroyed=row.old_card_id is not None,
    )
    return row


@dataclass
class Waiting:
    job: PrintJob
    card: Card
    resident: Resident
    days: int


def uncollected(
    session: Session, office: Office, *, older_than_days: int, now: datetime | None = None
) -> list[Waiting]:
    """Valid cards of ``office`` printed at least ``older_than_days`` ago and not handed over, oldest first."""
    now = now or utcnow()
    cutoff = now - timedelta(days=older_than_days)
    rows = session.exec(
        select(PrintJob, Card, Resident)
        .join(Card, col(Card.job_id) == PrintJob.id)
        .join(Resident, col(Resident.id) == PrintJob.resident_id)
        .join(Handover, col(Handover.card_id) == Card.id, isouter=True)
        .where(
            PrintJob.office_id == office.id,
            PrintJob.state == JobStatus.COMPLETED,
            col(Card.valid).is_(True),
            col(Handover.id).is_(None),
            col(Card.issued_at) <= cutoff,
        )
        .order_by(col(Card.issued_at), col(Card.id))
    )
    return [Waiting(job, card, resident, (now - card.issued_at).days) for job, card, resident in rows]


# -- residents who left ------------------------------------------------------------------------------------
def departure_of(session: Session, resident_id: int) -> ResidentDeparture | None:
    return session.exec(select(ResidentDeparture).where(ResidentDeparture.resident_id == resident_id)).first()


def refuse_if_departed(session: Session, resident: Resident) -> None:
    """Called before a print job is made: no card for a resident who died or moved out."""
    assert resident.id is not None
    gone = departure_of(session, resident.id)
    if gone is not None:
        refusal = ResidentDeceased if gone.kind == "meninggal" else ResidentMovedAway
        raise refusal(
            f"This resident is recorded as {gone.kind} (document {gone.document_number}); no card is printed.",
            params={"document": gone.document_number},
        )


def record_departure(
    session: Session, actor: Actor, resident: Resident, body: DepartureCreate
) -> tuple[ResidentDeparture, Card | None]:
    assert resident.id is not None
    if departure_of(session, resident.id) is not None:
        raise DepartureAlreadyRecorded("This resident's death or move was already recorded.")
    active = session.exec(
        select(PrintJob).where(PrintJob.resident_id == resident.id, col(PrintJob.state).in_(ACTIVE))
    ).first()
    if active is not None:
        raise DepartureWhileCardInProgress(
            f"A card for this resident is in progress (job {active.uuid}, {active.state}); cancel it or wait "
            "for its outcome first.",
            params={"job": active.uuid, "state": str(active.state)},
        )
    now = utcnow()
    card = session.exec(
        select(Card).where(Card.resident_id == resident.id, col(Card.valid).is_(True))
    ).first()
    if card is not None:
        card.valid, card.invalidated_at = False, now
        session.add(card)
    row = ResidentDeparture(
        resident_id=resident.id,
        kind=body.kind,
        document_number=body.document_number.strip(),
        document_date=body.document_date,
        recorded_at=now,
        recorded_by_id=actor.user_id,
        card_id=card.id if card is not None else None,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise DepartureAlreadyRecorded("This resident's death or move was already recorded.") from None
    audit.record(
        session,
        actor,
        "resident.departure",
        "resident",
        resident.id,
        office_code=resident.kode_desa,
        kind=body.kind,
        card_invalidated=card is not None,
    )
    return row, card
