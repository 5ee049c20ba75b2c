"""Blank cards between offices (issue 15): deliveries, transfers (sent, in transit, received) and stock
counts (stock opname). The office's history is ``GET /api/v1/offices/{code}/stock`` plus these lists."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from sqlmodel import Session

from ktp_service.api.deps import AnyUser, PrinterOperator, SessionDep
from ktp_service.errors import ERROR_RESPONSES, NotFound
from ktp_service.models import Office, StockCount, StockDelivery, StockMovement
from ktp_service.schemas.identifiers import REGION_CODE_PATTERN, AsciiInt
from ktp_service.schemas.stock_moves import (
    DeliveryCreate,
    DeliveryPublic,
    StockCountCreate,
    StockCountPublic,
    TransferCreate,
    TransferPublic,
    TransferReceipt,
)
from ktp_service.services import offices, stock_transfers
from ktp_service.services.actor import Actor

router = APIRouter(prefix="/api/v1", tags=["stock"], responses=ERROR_RESPONSES)
OfficeCode = Annotated[str, Path(pattern=REGION_CODE_PATTERN, description="Region code of the office.")]
TransferId = Annotated[int, AsciiInt, Path(ge=1, le=2_000_000_000, description="The transfer's id.")]


def office_for(session: Session, actor: Actor, code: str) -> Office:
    if actor.role.office_bound and code != actor.office_code:
        raise NotFound(f"Office {code} is not your office.")
    return offices.get_by_code(session, code)


def transfer_public(view: stock_transfers.TransferView) -> TransferPublic:
    t = view.transfer
    return TransferPublic(
        id=t.id or 0,
        from_office=view.sender.code,
        to_office=view.receiver.code,
        quantity_sent=t.quantity_sent,
        sent_at=t.sent_at,
        in_transit=view.in_transit,
        quantity_received=t.quantity_received,
        difference=view.difference,
        received_at=t.received_at,
        note=t.note,
        receive_note=t.receive_note,
    )


def _view(session: Session, transfer_id: int) -> stock_transfers.TransferView:
    t = stock_transfers.get(session, transfer_id)
    sender, receiver = session.get(Office, t.from_office_id), session.get(Office, t.to_office_id)
    assert sender is not None and receiver is not None
    return stock_transfers.TransferView(t, sender, receiver)


def delivery_public(session: Session, office: Office, d: StockDelivery) -> DeliveryPublic:
    movement = session.get(StockMovement, d.movement_id)
    return DeliveryPublic(
        id=d.id or 0, office=office.code, at=d.at, quantity=movement.quantity if movement else 0,
        supplier=d.supplier, batch=d.batch, serial_from=d.serial_from, serial_to=d.serial_to,
    )  # fmt: skip


def count_public(office: Office, c: StockCount) -> StockCountPublic:
    return StockCountPublic(
        id=c.id or 0, office=office.code, at=c.at, counted=c.counted, book_balance=c.book_balance,
        difference=c.difference, note=c.note,
    )  # fmt: skip


@router.post(
    "/offices/{code}/stock/deliveries", response_model=DeliveryPublic, status_code=status.HTTP_201_CREATED
)
def add_delivery(
    code: OfficeCode, body: DeliveryCreate, session: SessionDep, actor: PrinterOperator
) -> DeliveryPublic:
    """Blank cards delivered to the office from outside: from whom, batch, serial range."""
    office = office_for(session, actor, code)
    row = stock_transfers.deliver(session, actor, office, **body.model_dump())
    return delivery_public(session, office, row)


@router.get("/offices/{code}/stock/deliveries", response_model=list[DeliveryPublic])
def list_deliveries(code: OfficeCode, session: SessionDep, actor: AnyUser) -> list[DeliveryPublic]:
    office = office_for(session, actor, code)
    return [delivery_public(session, office, d) for d in stock_transfers.deliveries(session, office)]


@router.post(
    "/offices/{code}/stock/transfers", response_model=TransferPublic, status_code=status.HTTP_201_CREATED
)
def send_transfer(
    code: OfficeCode, body: TransferCreate, session: SessionDep, actor: PrinterOperator
) -> TransferPublic:
    """Send blank cards to another office: they leave this office's stock now and are in transit until the
    receiving office confirms the count."""
    sender = office_for(session, actor, code)
    receiver = offices.get_by_code(session, body.to_office)
    row = stock_transfers.send(session, actor, sender, receiver, body.quantity, body.note)
    return transfer_public(stock_transfers.TransferView(row, sender, receiver))


@router.get("/offices/{code}/stock/transfers", response_model=list[TransferPublic])
def list_transfers(code: OfficeCode, session: SessionDep, actor: AnyUser) -> list[TransferPublic]:
    """The office's transfers, sent and received (newest first)."""
    office = office_for(session, actor, code)
    return [transfer_public(v) for v in stock_transfers.transfers(session, office)]


@router.post("/stock/transfers/{transfer_id}/receive", response_model=TransferPublic)
def receive_transfer(
    transfer_id: TransferId, body: TransferReceipt, session: SessionDep, actor: PrinterOperator
) -> TransferPublic:
    """The receiving office confirms how many cards arrived (a difference needs a note); once only."""
    stock_transfers.receive(session, actor, transfer_id, body.quantity_received, body.note)
    return transfer_public(_view(session, transfer_id))


@router.post(
    "/offices/{code}/stock/counts", response_model=StockCountPublic, status_code=status.HTTP_201_CREATED
)
def add_count(
    code: OfficeCode, body: StockCountCreate, session: SessionDep, actor: PrinterOperator
) -> StockCountPublic:
    """A stock count (stock opname): the difference from the books becomes a stock movement."""
    office = office_for(session, actor, code)
    return count_public(office, stock_transfers.count(session, actor, office, body.counted, body.note))


@router.get("/offices/{code}/stock/counts", response_model=list[StockCountPublic])
def list_counts(code: OfficeCode, session: SessionDep, actor: AnyUser) -> list[StockCountPublic]:
    office = office_for(session, actor, code)
    return [count_public(office, c) for c in stock_transfers.counts(session, office)]
