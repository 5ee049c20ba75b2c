"""Blank cards between offices (issue 15): deliveries from outside (who delivered, which batch or serial
range), transfers from one office to another, and stock counts (stock opname).

- A transfer leaves the sender's stock when it is sent (movement ``transfer_out``), is in transit until
  the receiving office confirms how many arrived, and enters that office's stock as counted
  (``transfer_in``). A count that differs from what was sent is kept on the transfer (and needs a note).
- A transfer is received once (the row is locked; a second confirmation is refused).
- Nothing is sent beyond the sender's balance; a count is never below zero.
- A stock count records the books' balance and the difference; a difference becomes a movement ``count``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, or_, select

from ktp_service.errors import Conflict, NotFound, invalid_field
from ktp_service.models import Office, StockCount, StockDelivery, StockMovement, StockTransfer, utcnow
from ktp_service.services import audit, stock
from ktp_service.services.actor import Actor


class InsufficientStock(Conflict, code="insufficient_stock"): ...


class TransferAlreadyReceived(Conflict, code="transfer_already_received"): ...


class TransferNotFound(NotFound, code="transfer_not_found"): ...


class TransferToItself(Conflict, code="transfer_to_itself"): ...


class CountBelowZero(Conflict, code="count_below_zero"): ...


def _movement(
    session: Session, actor: Actor, office: Office, kind: str, quantity: int, note: str
) -> StockMovement:
    assert office.id is not None
    movement = StockMovement(
        office_id=office.id, kind=kind, quantity=quantity, user_id=actor.user_id, note=note
    )
    session.add(movement)
    session.flush()
    return movement


def deliver(
    session: Session,
    actor: Actor,
    office: Office,
    *,
    quantity: int,
    supplier: str,
    batch: str = "",
    serial_from: str = "",
    serial_to: str = "",
    note: str = "",
) -> StockDelivery:
    if quantity <= 0:
        raise invalid_field("quantity", "a delivery adds at least one blank card.")
    if not supplier.strip():
        raise invalid_field("supplier", "say who delivered the cards.")
    described = note or f"{supplier.strip()} {batch}".strip()
    movement = _movement(session, actor, office, "receipt", quantity, described[:200])
    assert office.id is not None and movement.id is not None
    row = StockDelivery(
        office_id=office.id,
        movement_id=movement.id,
        supplier=supplier.strip(),
        batch=batch.strip() or None,
        serial_from=serial_from.strip() or None,
        serial_to=serial_to.strip() or None,
        user_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "stock.delivery", "office", office.id, office_code=office.code, quantity=quantity
    )
    return row


def send(
    session: Session, actor: Actor, sender: Office, receiver: Office, quantity: int, note: str
) -> StockTransfer:
    assert sender.id is not None and receiver.id is not None
    if sender.id == receiver.id:
        raise TransferToItself("An office does not send cards to itself.")
    if quantity <= 0:
        raise invalid_field("quantity", "send at least one blank card.")
    # Lock the sender's office row so two transfers sent at once cannot both spend the same cards.
    session.exec(select(Office).where(Office.id == sender.id).with_for_update()).one()
    balance = stock.balance(session, sender.id)
    if quantity > balance:
        raise InsufficientStock(
            f"Office {sender.code} has {balance} blank cards; {quantity} cannot be sent.",
            params={"office": sender.code, "balance": balance, "quantity": quantity},
        )
    row = StockTransfer(
        from_office_id=sender.id,
        to_office_id=receiver.id,
        quantity_sent=quantity,
        sent_by_id=actor.user_id,
        note=note,
    )
    session.add(row)
    session.flush()
    _movement(
        session,
        actor,
        sender,
        "transfer_out",
        -quantity,
        f"#{row.id} -> {receiver.code} {note}".strip()[:200],
    )
    audit.record(
        session, actor, "stock.transfer_send", "stock_transfer", row.id, office_code=sender.code,
        to=receiver.code, quantity=quantity,
    )  # fmt: skip
    return row


def get(session: Session, transfer_id: int, *, lock: bool = False) -> StockTransfer:
    stmt = select(StockTransfer).where(StockTransfer.id == transfer_id)
    row = session.exec(stmt.with_for_update() if lock else stmt).first()
    if row is None:
        raise TransferNotFound(f"No transfer {transfer_id}.", params={"id": transfer_id})
    return row


def receive(session: Session, actor: Actor, transfer_id: int, quantity: int, note: str) -> StockTransfer:
    row = get(session, transfer_id, lock=True)
    receiver = session.get(Office, row.to_office_id)
    assert receiver is not None
    if actor.role.office_bound and receiver.code != actor.office_code:
        raise TransferNotFound(f"No transfer {transfer_id} for your office.", params={"id": transfer_id})
    if row.received_at is not None:
        raise TransferAlreadyReceived(
            f"Transfer {transfer_id} was already received ({row.quantity_received} cards).",
            params={"id": transfer_id, "quantity": row.quantity_received or 0},
        )
    if quantity < 0:
        raise CountBelowZero("A count is never below zero.", params={"counted": quantity})
    if quantity > row.quantity_sent:
        raise invalid_field("quantity", f"more cards counted than were sent ({row.quantity_sent}).")
    if quantity != row.quantity_sent and not note.strip():
        raise invalid_field("note", "say why the count differs from what was sent.")
    row.quantity_received, row.received_at, row.received_by_id = quantity, utcnow(), actor.user_id
    row.receive_note = note
    session.add(row)
    sender = session.get(Office, row.from_office_id)
    if quantity:
        _movement(
            session,
            actor,
            receiver,
            "transfer_in",
            quantity,
            f"#{row.id} <- {sender.code if sender else ''} {note}".strip()[:200],
        )
    audit.record(
        session, actor, "stock.transfer_receive", "stock_transfer", row.id, office_code=receiver.code,
        sent=row.quantity_sent, received=quantity,
    )  # fmt: skip
    return row


def count(session: Session, actor: Actor, office: Office, counted: int, note: str) -> StockCount:
    assert office.id is not None
    if counted < 0:
        raise CountBelowZero("A count is never below zero.", params={"counted": counted})
    session.exec(select(Office).where(Office.id == office.id).with_for_update()).one()
    book = stock.balance(session, office.id)
    difference = counted - book
    if difference and not note.strip():
        raise invalid_field("note", "say why the count differs from the books.")
    row = StockCount(
        office_id=office.id,
        counted=counted,
        book_balance=book,
        difference=difference,
        note=note,
        user_id=actor.user_id,
    )
    session.add(row)
    if difference:
        _movement(session, actor, office, "count", difference, f"stock opname: {note}"[:200])
    session.flush()
    audit.record(
        session, actor, "stock.count", "office", office.id, office_code=office.code, counted=counted,
        difference=difference,
    )  # fmt: skip
    return row


@dataclass
class TransferView:
    transfer: StockTransfer
    sender: Office
    receiver: Office

    @property
    def in_transit(self) -> bool:
        return self.transfer.received_at is None

    @property
    def difference(self) -> int | None:
        t = self.transfer
        return None if t.quantity_received is None else t.quantity_received - t.quantity_sent


def transfers(session: Session, office: Office, limit: int = 100) -> list[TransferView]:
    """The office's transfers, sent and received, newest first."""
    rows = session.exec(
        select(StockTransfer)
        .where(or_(StockTransfer.from_office_id == office.id, StockTransfer.to_office_id == office.id))
        .order_by(col(StockTransfer.sent_at).desc(), col(StockTransfer.id).desc())
        .limit(limit)
    ).all()
    ids = {r.from_office_id for r in rows} | {r.to_office_id for r in rows}
    by_id = {o.id: o for o in session.exec(select(Office).where(col(Office.id).in_(ids)))} if ids else {}
    return [TransferView(r, by_id[r.from_office_id], by_id[r.to_office_id]) for r in rows]


def counts(session: Session, office: Office, limit: int = 50) -> list[StockCount]:
    return list(
        session.exec(
            select(StockCount)
            .where(StockCount.office_id == office.id)
            .order_by(col(StockCount.at).desc(), col(StockCount.id).desc())
            .limit(limit)
        )
    )


def deliveries(session: Session, office: Office, limit: int = 50) -> list[StockDelivery]:
    return list(
        session.exec(
            select(StockDelivery)
            .where(StockDelivery.office_id == office.id)
            .order_by(col(StockDelivery.at).desc(), col(StockDelivery.id).desc())
            .limit(limit)
        )
    )
