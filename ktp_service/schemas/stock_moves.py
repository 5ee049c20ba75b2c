"""Bodies and answers of blank cards moving between offices (issue 15)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ktp_service.schemas.identifiers import REGION_CODE_PATTERN


class DeliveryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(ge=1, le=1_000_000)
    supplier: str = Field(min_length=1, max_length=120, description="Who delivered the cards.")
    batch: str = Field(default="", max_length=60)
    serial_from: str = Field(default="", max_length=40)
    serial_to: str = Field(default="", max_length=40)
    note: str = Field(default="", max_length=200)


class DeliveryPublic(BaseModel):
    id: int
    office: str
    at: datetime
    quantity: int
    supplier: str
    batch: str | None
    serial_from: str | None
    serial_to: str | None


class TransferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_office: str = Field(pattern=REGION_CODE_PATTERN, description="The receiving office's region code.")
    quantity: int = Field(ge=1, le=1_000_000)
    note: str = Field(default="", max_length=200)


class TransferReceipt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity_received: int = Field(
        ge=-1_000_000, le=1_000_000, description="Cards counted on arrival (a negative count is refused)."
    )
    note: str = Field(default="", max_length=200, description="Why the count differs, if it does.")


class TransferPublic(BaseModel):
    id: int
    from_office: str
    to_office: str
    quantity_sent: int
    sent_at: datetime
    in_transit: bool
    quantity_received: int | None
    difference: int | None = Field(description="Received minus sent, once received.")
    received_at: datetime | None
    note: str
    receive_note: str


class StockCountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    counted: int = Field(
        ge=-1_000_000, le=10_000_000, description="Cards counted (a negative count is refused)."
    )
    note: str = Field(
        default="", max_length=200, description="Why the count differs from the books, if it does."
    )


class StockCountPublic(BaseModel):
    id: int
    office: str
    at: datetime
    counted: int
    book_balance: int
    difference: int
    note: str
