"""Billing bodies: contracts, money received, explanations, closing, conflicts and corrections."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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
    signed_on: date | None = Field(default=None, description="The day the agreement was signed.")
    ppn_collector: PpnCollector = Field(
        description="Who collects and remits PPN: `partner`, or the regency's treasurer `bendahara` "
        "(versions stored before the setting existed: `partner`)."
    )


class ContractEnd(BaseModel):
    effective_to: date


# One line of text a person typed: no control characters (PostgreSQL refuses NUL in text).
OneLine = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x1f\x7f]*$")]


class MoneyReceivedIn(BaseModel):
    office_code: str = Field(pattern=REGION_CODE_PATTERN, description="Region code of the office.")
    day: date | None = Field(
        default=None, description="The day it arrived (default: today in the regency's zone); not later."
    )
    amount: int = Field(ge=0, le=10**15, description="Whole rupiah.")
    reference: OneLine | None = Field(
        default=None,
        max_length=100,
        description="Payment reference, e.g. the STS (Surat Tanda Setoran) number; recorded once "
        "(compared without regard to case or extra spaces).",
    )


class MoneyEntryPublic(BaseModel):
    """One entry of money received; a reversal names the entry it reverses and why."""

    id: int
    month: str
    office_code: str
    office_name: str
    day: date
    amount: int
    reference: str | None
    source: str
    recorded_by: str
    recorded_at: str
    reverses_id: int | None
    reverses_reference: str | None
    reason: str | None
    reversed_by_id: int | None


class MoneyReversalIn(BaseModel):
    reason: OneLine = Field(min_length=3, max_length=500, description="Why the entry is undone.")


class PartnerCountIn(BaseModel):
    cards: int = Field(ge=0, le=10**9, description="Cards billed in the month, as the partner counted them.")
    note: OneLine = Field(default="", max_length=500)


class PartnerCountEntry(BaseModel):
    id: int
    cards: int
    note: str
    author: str
    recorded_at: str


class PartnerCountPublic(BaseModel):
    """The partner's count of a month: the latest counts, ``history`` holds every one entered, oldest first."""

    month: str
    current: PartnerCountEntry | None
    history: list[PartnerCountEntry]


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


class HeldCardPublic(BaseModel):
    """A card an office's print agent holds: handed to it before the month ended, not reported yet."""

    job: str = Field(description="The print job's UUID.")
    card_serial: str | None
    office: str
    office_name: str
    agent_id: int
    agent: str
    printer: str
    fetched_at: str = Field(description="When the card reached the agent (UTC, ISO 8601).")
    acknowledged: bool


class CloseWithCardsAtAgents(BaseModel):
    """Finance closed the month although print agents held cards of it: who, when, why, and the cards."""

    reason: str
    closed_by: str
    at: datetime
    note: str = Field(description="The sentence the statement paper and the Berita Acara carry.")
    cards: list[HeldCardPublic]


class HeldByAgents(BaseModel):
    month: str
    cards: list[HeldCardPublic] = Field(description="Cards print agents hold now that may be dated in it.")
    closed_anyway: CloseWithCardsAtAgents | None = Field(
        default=None, description="Set when the month was closed with cards still at agents."
    )


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(
        default=None,
        max_length=500,
        description="Close although print agents still hold cards of the month (refused without): why. "
        "Recorded, audited and printed on the statement and the Berita Acara.",
    )


class ClosedMonth(BaseModel):
    statement: Statement
    signature: str
    closed_anyway: CloseWithCardsAtAgents | None = None


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


class SignatoryPublic(BaseModel):
    """A signatory row: who signs for a side from ``effective_from`` on (a change is a new row)."""

    id: int
    side: str
    name: str
    nip: str
    rank: str
    position: str
    institution: str
    npwp: str
    address: str
    effective_from: date
    recorded_at: str
    recorded_by: str


class DocumentPublic(BaseModel):
    """A month's final paper as recorded: its number, when it was made, the SHA-256 of its PDF and the
    Ed25519 signature of the PDF's bytes by key ``key_id`` (GET /api/v1/billing/public-keys)."""

    month: str
    kind: str
    number: str
    made_on: date
    made_at: str
    sha256: str
    signature: str
    key_id: str
    url: str


class FinaliseIn(BaseModel):
    follow_up: list[Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^\x00-\x1f\x7f]+$")]] = (
        Field(default_factory=list, max_length=20, description="Follow-up actions written into the minutes.")
    )


class InvoiceNumberIn(BaseModel):
    invoice_number: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description="The number the partner gave the invoice in its books.",
    )


class InvoiceNumberPublic(BaseModel):
    month: str
    invoice_number: str
