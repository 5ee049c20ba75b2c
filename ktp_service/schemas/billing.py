"""Billing bodies: contracts, money received, explanations, closing, conflicts and corrections."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from billing.checkpoints import Checkpoint
from billing.statement import Statement
from billing.vocab import PpnCollector
from ktp_service.schemas.identifiers import REGION_CODE_PATTERN


class ContractPublic(BaseModel):
    id: int
    number: str
    partner_name: str
    effective_from: date
    effective_to: date | None
    terms: dict[str, Any] = Field(description="The terms exactly as stored (what the pricing hash covers).")
    terms_sha256: str
    ppn_collector: PpnCollector = Field(
        description="Who collects and remits PPN: `partner`, or the regency's treasurer `bendahara` "
        "(versions stored before the setting existed: `partner`)."
    )


class ContractEnd(BaseModel):
    effective_to: date


class MoneyReceivedIn(BaseModel):
    office_code: str = Field(pattern=REGION_CODE_PATTERN, description="Region code of the office.")
    day: date
    amount: int = Field(ge=0, le=10**15)
    reference: str = Field(default="", max_length=100)


class ExplanationIn(BaseModel):
    item: str = Field(min_length=1, max_length=64)
    explanation: str = Field(min_length=3, max_length=1000)


class VerifyResult(BaseModel):
    ok: bool
    transactions: int
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None
    problems: list[str]


class PublicKeyPublic(BaseModel):
    """One key of the regency's key ring: statements and checkpoints name the ``key_id`` that signed them."""

    key_id: str
    public_key_pem: str
    current: bool = Field(description="The key signing new statements and checkpoints.")


# A signed checkpoint of the chain head, as the partner stores it (one per line of their file): billing's own
# record, served as it is. The signature covers the canonical JSON of every field but ``id`` and
# ``signature``, with ``"type": "ktp-billing-chain-checkpoint"`` added (see billing/checkpoints.py).
CheckpointPublic = Checkpoint


class ClosedMonth(BaseModel):
    statement: Statement
    signature: str


class Posted(BaseModel):
    posted: int


class ConflictPublic(BaseModel):
    id: int
    event_key: str
    event_period: str
    existing_seq: int | None
    detail: str
    received_at: str
    resolved_at: str | None
    resolution: str | None


class Resolution(BaseModel):
    resolution: str = Field(min_length=3, max_length=500)


class CorrectionIn(BaseModel):
    corrects_seq: int = Field(ge=1, le=10**12, description="The ledger transaction to reverse.")
    correction_key: str = Field(
        min_length=1, max_length=200, description="Idempotency key of this correction."
    )
    note: str = Field(
        min_length=3, max_length=500, description="Why, e.g. 'card found spoiled at the counter'."
    )


class CorrectionPublic(BaseModel):
    status: str
    seq: int | None
    detail: str
