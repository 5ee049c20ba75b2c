"""Blank-card stock per office. A national blank-card shortage once left 33,000 people waiting (DOMAIN.md
section 3): offices must see their stock fall before it runs out."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from ktp_service.errors import invalid_field
from ktp_service.models import Office, StockMovement
from ktp_service.services import audit
from ktp_service.services.actor import Actor


def balance(session: Session, office_id: int) -> int:
    total = session.exec(
        select(func.sum(StockMovement.quantity)).where(StockMovement.office_id == office_id)
    ).one()
    return int(total or 0)


def office_balance(session: Session, office_code: str | None) -> int | None:
    """The balance of the office with region code ``office_code``; None for no code or an unknown one."""
    if office_code is None:
        return None
    office_id = session.exec(select(Office.id).where(Office.code == office_code)).first()
    return None if office_id is None else balance(session, office_id)


def receive(session: Session, actor: Actor, office: Office, quantity: int, note: str) -> StockMovement:
    if quantity <= 0:
        raise invalid_field("quantity", "a receipt adds at least one blank card.")
    return _record(session, actor, office, "receipt", quantity, note)


def adjust(session: Session, actor: Actor, office: Office, quantity: int, note: str) -> StockMovement:
    """A stock count that differs from the books: the difference, with the reason in ``note``."""
    if quantity == 0 or not note.strip():
        raise invalid_field("note", "an adjustment needs a non-zero quantity and a reason.")
    return _record(session, actor, office, "adjustment", quantity, note)


def _record(
    session: Session, actor: Actor, office: Office, kind: str, quantity: int, note: str
) -> StockMovement:
    assert office.id is not None
    movement = StockMovement(
        office_id=office.id, kind=kind, quantity=quantity, user_id=actor.user_id, note=note
    )
    session.add(movement)
    session.flush()
    audit.record(
        session, actor, f"stock.{kind}", "office", office.id, office_code=office.code, quantity=quantity
    )
    return movement


def consume(session: Session, office_id: int, job_id: int, *, spoiled: bool) -> None:
    """One blank card used by a print job, printed or spoiled (it left the feeder either way)."""
    session.add(
        StockMovement(
            office_id=office_id, kind="spoiled" if spoiled else "printed", quantity=-1, job_id=job_id
        )
    )


def movements(session: Session, office_id: int, limit: int = 100) -> list[StockMovement]:
    return list(
        session.exec(
            select(StockMovement)
            .where(StockMovement.office_id == office_id)
            .order_by(col(StockMovement.at).desc(), col(StockMovement.id).desc())
            .limit(limit)
        )
    )
