"""The IKM survey behind each handover receipt (issue 15): one answer per receipt, reached by the
unguessable token of the receipt's link, no login. Free-text complaints reach the office's supervisor.

The index of a period (``ktp_service.ikm``) counts the answers given in the period; its population, for
the sampling note, is the receipts (handovers) of the same period and offices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from ktp_service import ikm
from ktp_service.errors import Conflict, NotFound
from ktp_service.models import Card, Handover, Office, SurveyAnswer, utcnow
from ktp_service.services import audit
from ktp_service.services.actor import Actor


class SurveyNotFound(NotFound, code="survey_not_found"): ...


class SurveyAlreadyAnswered(Conflict, code="survey_already_answered"): ...


class ComplaintNotFound(NotFound, code="complaint_not_found"): ...


def by_token(session: Session, token: str) -> Handover:
    row = session.exec(select(Handover).where(Handover.survey_token == token)).first() if token else None
    if row is None:
        raise SurveyNotFound("Unknown survey link.")
    return row


def answered(session: Session, handover: Handover) -> bool:
    return (
        session.exec(select(SurveyAnswer.id).where(SurveyAnswer.handover_id == handover.id)).first()
        is not None
    )


def answer(
    session: Session, token: str, values: dict[str, int | None], complaint: str, at: datetime | None = None
) -> SurveyAnswer:
    """Record the answer for the receipt of ``token``; a second answer is refused (the unique index decides
    between two sent at once)."""
    handover = by_token(session, token)
    if answered(session, handover):
        raise SurveyAlreadyAnswered("The survey for this receipt was already answered.")
    assert handover.id is not None
    row = SurveyAnswer(
        handover_id=handover.id,
        office_id=handover.office_id,
        answered_at=at or utcnow(),
        complaint=complaint.strip()[:1000] or None,
    )
    for element in ikm.ELEMENTS:
        setattr(row, element, values.get(element))
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise SurveyAlreadyAnswered("The survey for this receipt was already answered.") from None
    return row


@dataclass
class OfficeIkm:
    office: Office
    result: ikm.Ikm


def per_office(
    session: Session, offices: list[Office], since: datetime, until: datetime
) -> tuple[list[OfficeIkm], ikm.Ikm]:
    """The IKM of each office for answers given in ``[since, until)`` (population: its receipts then), and
    of all these offices together (every answer counted once, not a mean of the offices' indices)."""
    ids = [o.id for o in offices if o.id is not None]
    answers: dict[int, list[tuple[int | None, ...]]] = {i: [] for i in ids}
    for a in session.exec(
        select(SurveyAnswer).where(
            col(SurveyAnswer.office_id).in_(ids),
            col(SurveyAnswer.answered_at) >= since,
            col(SurveyAnswer.answered_at) < until,
        )
    ):
        answers[a.office_id].append(tuple(getattr(a, e) for e in ikm.ELEMENTS))
    receipts = dict(
        session.exec(
            select(Handover.office_id, func.count())
            .where(col(Handover.office_id).in_(ids), col(Handover.at) >= since, col(Handover.at) < until)
            .group_by(col(Handover.office_id))
        ).all()
    )
    rows = [OfficeIkm(o, ikm.compute(answers[o.id or 0], receipts.get(o.id or 0, 0))) for o in offices]
    everyone = [a for o in offices for a in answers[o.id or 0]]
    return rows, ikm.compute(everyone, sum(receipts.values()))


@dataclass
class Complaint:
    answer: SurveyAnswer
    office: Office
    card_serial: str


def complaints(
    session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 200
) -> list[Complaint]:
    """Complaints written in the survey, newest first; a supervisor sees their own office's."""
    stmt = (
        select(SurveyAnswer, Office, Card.serial)
        .join(Office, col(Office.id) == SurveyAnswer.office_id)
        .join(Handover, col(Handover.id) == SurveyAnswer.handover_id)
        .join(Card, col(Card.id) == Handover.card_id)
        .where(col(SurveyAnswer.complaint).is_not(None))
    )
    if actor.role.office_bound:
        stmt = stmt.where(Office.code == actor.office_code)
    if unread_only:
        stmt = stmt.where(col(SurveyAnswer.complaint_read_at).is_(None))
    stmt = stmt.order_by(col(SurveyAnswer.answered_at).desc(), col(SurveyAnswer.id).desc()).limit(limit)
    return [Complaint(a, o, serial) for a, o, serial in session.exec(stmt)]


def mark_read(session: Session, actor: Actor, answer_id: int) -> SurveyAnswer:
    """A supervisor has read (and will act on) a complaint: recorded once, and audited."""
    row = session.get(SurveyAnswer, answer_id)
    office = session.get(Office, row.office_id) if row else None
    if (
        row is None
        or office is None
        or row.complaint is None
        or (actor.role.office_bound and office.code != actor.office_code)
    ):
        raise ComplaintNotFound(f"No complaint {answer_id} at your office.", params={"id": answer_id})
    if row.complaint_read_at is None:
        row.complaint_read_at, row.complaint_read_by_id = utcnow(), actor.user_id
        session.add(row)
        audit.record(
            session, actor, "survey.complaint_read", "survey_answer", row.id, office_code=office.code
        )
    return row
