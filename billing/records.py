"""Month-end papers kept as records, and the data they are made from that people keep current.

- Signatories (:class:`~billing.models.Signatory`): each side's signer with an ``effective_from`` date; a
  change is a new row, so the history stays and a paper names whoever was in force on the day it was made.
- Final papers (:class:`~billing.models.MonthDocument`): made once per month and kind, numbered from the
  per-year sequence of the year they are made in, dated in the regency's zone, stored with their bytes,
  SHA-256 and Ed25519 signature (over the PDF's bytes, by the key ``key_id`` names). A later download is
  those bytes. The number is taken inside the transaction that stores the paper while it holds the billing
  lock, and a unique constraint on (kind, year, sequence) backs it: numbers neither skip nor repeat.
- The partner's own number of its invoice for a month (:class:`~billing.models.PartnerInvoiceNumber`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select
from sqlmodel import Session, col

from billing.canonical import sha256_hex, utc_text
from billing.config import BillingConfig
from billing.errors import DocumentAlreadyMade, InvalidInput
from billing.lock import lock_billing
from billing.models import MonthDocument, PartnerInvoiceNumber, Signatory
from billing.papers import ROMAN, SignatoryInfo, Stamp
from billing.periods import parse_month

Side = Literal["regency", "partner"]
SIDES: tuple[Side, ...] = ("regency", "partner")
DocumentKind = Literal["statement", "berita_acara"]
NUMBER_FIELDS = {"seq", "agency", "roman_month", "month", "year"}


# --- signatories ---------------------------------------------------------------------------------------------


class SignatoryIn(BaseModel):
    """A signatory as finance or an administrator enters it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    side: Side
    name: str = Field(min_length=2, max_length=120)
    nip: str = Field(default="", pattern=r"^([0-9]{18})?$", description="18 digits (a civil servant).")
    rank: str = Field(default="", max_length=80, description="Pangkat/golongan.")
    position: str = Field(min_length=2, max_length=160, description="Jabatan.")
    institution: str = Field(
        min_length=2, max_length=200, description="The agency, or the partner's company name."
    )
    npwp: str = Field(default="", max_length=32, description="The partner's tax number (NPWP).")
    address: str = Field(default="", max_length=300)
    effective_from: date

    @field_validator("name", "rank", "position", "institution", "address")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not value.isprintable():
            raise ValueError("only printable characters (no control characters or line breaks)")
        return value

    @field_validator("npwp")
    @classmethod
    def _npwp(cls, value: str) -> str:
        digits = re.sub(r"[.\-\s]", "", value)
        if value and not (digits.isascii() and digits.isdigit() and len(digits) in (15, 16)):
            raise ValueError("an NPWP has 15 or 16 digits (dots and dashes allowed)")
        return value


def add_signatory(
    session: Session, data: SignatoryIn, *, author: str, now: datetime | None = None
) -> Signatory:
    """Record a signatory for a side from ``effective_from`` on (a new row; nothing is overwritten).
    Flushes; the caller commits."""
    row = Signatory(
        **data.model_dump(), recorded_at=utc_text(now or datetime.now(UTC)), recorded_by=author[:100]
    )
    session.add(row)
    session.flush()
    return row


def list_signatories(session: Session) -> list[Signatory]:
    """Every signatory row, per side, newest in force first."""
    query = select(Signatory).order_by(
        col(Signatory.side), col(Signatory.effective_from).desc(), col(Signatory.id).desc()
    )
    return list(session.scalars(query))


def signatory_in_force(session: Session, side: Side, day: date) -> Signatory | None:
    """The side's signatory on ``day``: the latest ``effective_from`` on or before it, the last recorded
    among equals."""
    query = (
        select(Signatory)
        .where(col(Signatory.side) == side, col(Signatory.effective_from) <= day)
        .order_by(col(Signatory.effective_from).desc(), col(Signatory.id).desc())
        .limit(1)
    )
    return session.scalars(query).first()


def info(row: Signatory | None) -> SignatoryInfo | None:
    if row is None:
        return None
    return SignatoryInfo(
        name=row.name,
        position=row.position,
        institution=row.institution,
        nip=row.nip,
        rank=row.rank,
        npwp=row.npwp,
        address=row.address,
    )


# --- numbers -------------------------------------------------------------------------------------------------


def check_number_pattern(pattern: str) -> str:
    """A numbering pattern names only the fields :func:`format_number` fills and must use ``{seq}``."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
        unknown = names - NUMBER_FIELDS
        if unknown or "seq" not in names:
            raise ValueError(f"a document number pattern uses {sorted(NUMBER_FIELDS)} and {{seq}}")
        format_number(pattern, seq=1, made_on=date(2027, 1, 1), agency="X")
    except (ValueError, IndexError) as exc:
        raise ValueError(f"bad document number pattern {pattern!r}: {exc}") from None
    return pattern


def format_number(pattern: str, *, seq: int, made_on: date, agency: str) -> str:
    """``{seq:03d}/BA-REKON/{agency}/{roman_month}/{year}`` -> ``012/BA-REKON/DISDUKCAPIL/I/2027``: the
    month and year are those the paper is made in."""
    return pattern.format(
        seq=seq, agency=agency, roman_month=ROMAN[made_on.month - 1], month=made_on.month, year=made_on.year
    )


def next_sequence(session: Session, kind: str, year: int) -> int:
    """The next number of ``kind`` in ``year``; call it holding the billing lock, in the transaction that
    stores the paper."""
    last = session.execute(
        select(func.max(MonthDocument.sequence)).where(
            col(MonthDocument.kind) == kind, col(MonthDocument.year) == year
        )
    ).scalar_one()
    return int(last or 0) + 1


# --- final papers --------------------------------------------------------------------------------------------


def get_document(session: Session, month: str, kind: str) -> MonthDocument | None:
    return session.scalars(
        select(MonthDocument).where(col(MonthDocument.month) == month, col(MonthDocument.kind) == kind)
    ).first()


def month_documents(session: Session, month: str) -> list[MonthDocument]:
    """The month's final papers, in the order they were made."""
    parse_month(month)
    return list(
        session.scalars(
            select(MonthDocument).where(col(MonthDocument.month) == month).order_by(col(MonthDocument.id))
        )
    )


def make_document(
    session: Session,
    *,
    month: str,
    kind: DocumentKind,
    config: BillingConfig,
    pattern: str,
    agency: str,
    author: str,
    render: Callable[[Stamp], bytes],
    now: datetime | None = None,
) -> MonthDocument:
    """Make the month's final paper of ``kind`` once: number it from ``kind``'s sequence of the year it is
    made in (local date in ``config.zone``), ``render`` it with that stamp, sign its bytes and store it.
    A second call for the same month and kind is refused. Flushes; the caller commits."""
    now = now or datetime.now(UTC)
    lock_billing(session)  # one maker at a time: the number read below is not taken by another
    if get_document(session, month, kind) is not None:
        raise DocumentAlreadyMade(f"the {kind} of {month} is already made")
    made_on = now.astimezone(config.zone).date()
    seq = next_sequence(session, kind, made_on.year)
    number = format_number(pattern, seq=seq, made_on=made_on, agency=agency)
    content = render(Stamp(made_on=made_on, number=number))
    signer = config.keys.current()
    row = MonthDocument(
        month=month,
        kind=kind,
        year=made_on.year,
        sequence=seq,
        number=number,
        made_on=made_on,
        made_at=utc_text(now),
        made_by=author[:100],
        sha256=sha256_hex(content),
        key_id=signer.key_id,
        signature=signer.sign(content),
        content=content,
    )
    session.add(row)
    session.flush()
    return row


# --- the partner's invoice number ----------------------------------------------------------------------------


def record_invoice_number(
    session: Session, month: str, number: str, *, author: str, now: datetime | None = None
) -> PartnerInvoiceNumber:
    """Record the number the partner gave its invoice for ``month`` (a new row; the latest counts)."""
    parse_month(month)
    number = number.strip()
    if not number or len(number) > 100 or not number.isprintable():
        raise InvalidInput("an invoice number is 1 to 100 printable characters")
    row = PartnerInvoiceNumber(
        month=month,
        invoice_number=number,
        recorded_at=utc_text(now or datetime.now(UTC)),
        recorded_by=author[:100],
    )
    session.add(row)
    session.flush()
    return row


def invoice_number(session: Session, month: str) -> str | None:
    row = session.scalars(
        select(PartnerInvoiceNumber)
        .where(col(PartnerInvoiceNumber.month) == month)
        .order_by(col(PartnerInvoiceNumber.id).desc())
        .limit(1)
    ).first()
    return row.invoice_number if row else None
