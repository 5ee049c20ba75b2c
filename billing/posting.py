"""Posting printed cards, and a month's closing transaction, to the ledger (:mod:`billing.ledger`).

Posting a :class:`CardPrintedEvent` appends one card transaction and its balanced lines, exactly once per
``event_key``, priced by the contract version in force on the day the card was completed
(:mod:`billing.contracts`):

- the same key with the same content again is a *duplicate*: nothing is posted;
- the same key with different content, or a card serial that is already billed, is a *conflict*: nothing
  is posted, :func:`post_card_printed` raises :class:`~billing.errors.EventConflict`, and :func:`post_events`
  (for outbox consumers) records it (:mod:`billing.conflicts`), where it blocks closing its month;
- an event of a future month, or of a day no contract version covers, is *rejected*.

A card completed in a closed month goes to the first open month, marked ``prior_period``. Each billed card
carries its ``period_ordinal``, its position in the month's count of net billed cards (a reversal in the
same month lowers the count), which is what graduated tiers price by (:mod:`billing.contracts`). The
``billing_billed_card`` table (card serial -> billing transaction) keeps a card from being billed twice
under two event keys.

Every function here takes the caller's :class:`~sqlmodel.Session`, takes the billing lock
(:mod:`billing.lock`) and only flushes: the caller commits, so a card's completion and its posting can be one
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlmodel import Session

from billing.canonical import canonical_bytes, utc_text
from billing.config import BillingConfig
from billing.conflicts import conflict_record
from billing.contracts import list_contract_versions, price_card, pricing_sha256, terms_of, version_in_force
from billing.errors import BillingError, EventConflict, InvalidInput, NoContractInForce
from billing.ledger import BILLED, TX, Appender, Line, card_lines, chunks, close_lines, existing_keys
from billing.lock import Head, lock_billing
from billing.models import EventConflictRecord
from billing.periods import ensure_periods, latest_closed_month, local_date, month_of, posting_month
from billing.privacy import mask_nik
from billing.vocab import Reason, TransactionKind


class CardPrintedEvent(BaseModel):
    """A card came out of a printer, completed (the printing side's event; spoiled or cancelled cards
    produce none). ``event_key`` identifies the event: the same key must always carry the same content."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_key: str = Field(min_length=1, max_length=200)
    card_serial: str = Field(min_length=1, max_length=64)
    nik: str = Field(pattern=r"^[0-9]{16}$", repr=False)  # personal data: kept out of reprs and logs
    office_code: str = Field(min_length=1, max_length=32)
    reason: Reason
    printer_id: str = Field(min_length=1, max_length=64)
    completed_at: AwareDatetime
    template_version: str = Field(min_length=1, max_length=64)
    is_fault_reprint: bool = False

    def canonical(self) -> bytes:
        """The event's content as canonical JSON (the instant in UTC, whatever zone it was given in)."""
        data = self.model_dump(mode="json")
        data["completed_at"] = utc_text(self.completed_at)
        return canonical_bytes(data)


Status = Literal["posted", "duplicate", "conflict", "rejected"]


@dataclass
class PostOutcome:
    """What happened to one event: ``seq`` is the transaction that holds it (posted or duplicate)."""

    event_key: str
    status: Status
    seq: int | None = None
    detail: str = ""
    error: BillingError | None = field(default=None, repr=False)


@dataclass
class PostReport:
    """One outcome per event posted in a batch, in the batch's order."""

    outcomes: list[PostOutcome]

    def count(self, status: Status) -> int:
        """How many events ended with ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)


def _billed_serials(session: Session, serials: Sequence[str]) -> dict[str, int]:
    """Card serials already billed (and not reversed) -> the transaction that billed them."""
    found: dict[str, int] = {}
    for chunk in chunks(serials):
        rows = session.execute(
            select(BILLED.c.card_serial, BILLED.c.seq).where(BILLED.c.card_serial.in_(chunk))
        )
        found.update((serial, seq) for serial, seq in rows)
    return found


class _Ordinals:
    """The next ``period_ordinal`` per month: the card's position in the month's count of *net* billed cards
    (the tier rule in :mod:`billing.contracts`): the cards billed in the month so far, less those of them
    already reversed in the same month, plus one. A reversal in a later month (the card's month closed) is
    posted elsewhere and lowers no count. Ordinals can therefore repeat within a month, one per reversal."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.last: dict[str, int] = {}

    def next(self, month: str) -> int:
        """The ordinal of the next billed card posted to ``month``."""
        if month not in self.last:
            self.last[month] = net_billed_cards(self.session, month)
        self.last[month] += 1
        return self.last[month]


def net_billed_cards(session: Session, month: str) -> int:
    """The cards billed in ``month`` so far less those of them reversed in ``month`` (what tiers count)."""
    reversal = TX.alias("reversal")
    billed = session.execute(
        select(func.count()).where(
            TX.c.period == month, TX.c.kind == TransactionKind.CARD, TX.c.billed.is_(True)
        )
    ).scalar_one()
    reversed_here = session.execute(
        select(func.count())
        .select_from(reversal.join(TX, reversal.c.corrects_seq == TX.c.seq))
        .where(reversal.c.period == month, TX.c.period == month)
    ).scalar_one()
    return int(billed) - int(reversed_here)


def post_events(
    session: Session,
    events: Sequence[CardPrintedEvent],
    *,
    config: BillingConfig,
    now: datetime | None = None,
) -> PostReport:
    """Post a batch of events (the outbox consumer's call): each is posted, recognised as a duplicate,
    recorded as a conflict, or rejected (no contract in force, completed in the future); one outcome per
    event, in order. Flushes; the caller commits. Rejected events are not recorded: they stay pending with
    the caller."""
    return _post(session, events, config, now or datetime.now(UTC), record_conflicts=True)


def post_card_printed(
    session: Session, event: CardPrintedEvent, *, config: BillingConfig, now: datetime | None = None
) -> PostOutcome:
    """Post one event inside the caller's transaction (e.g. the one that marks the print job done).
    Returns the outcome (``posted`` or ``duplicate``); raises :class:`EventConflict` for a conflict and the
    rejection's error (e.g. :class:`NoContractInForce`) otherwise. Flushes; the caller commits."""
    outcome = _post(session, [event], config, now or datetime.now(UTC), record_conflicts=False).outcomes[0]
    if outcome.error is not None:
        raise outcome.error
    return outcome


def _post(
    session: Session,
    events: Sequence[CardPrintedEvent],
    config: BillingConfig,
    now: datetime,
    *,
    record_conflicts: bool,
) -> PostReport:
    zone = config.zone
    head = lock_billing(session)
    versions = list_contract_versions(session)
    latest_closed = latest_closed_month(session)
    current = month_of(now, zone)
    existing = existing_keys(session, list({e.event_key for e in events}))
    billed = _billed_serials(session, list({e.card_serial for e in events}))
    ordinals = _Ordinals(session)
    appender = Appender(head, now)
    outcomes: list[PostOutcome] = []
    conflicts: list[EventConflictRecord] = []
    months: set[str] = set()

    for event in events:
        digest = config.keys.event_digest(event.canonical())
        event_month = month_of(event.completed_at, zone)
        if event.event_key in existing:
            seq, known = existing[event.event_key]
            if known == digest:
                outcomes.append(PostOutcome(event.event_key, "duplicate", seq, "already posted"))
                continue
            detail = f"event {event.event_key} was posted as transaction {seq} with different content"
            outcomes.append(PostOutcome(event.event_key, "conflict", seq, detail, EventConflict(detail)))
            conflicts.append(conflict_record(event.event_key, event_month, seq, digest, detail, now))
            continue
        if event_month > current:
            detail = f"event {event.event_key} completed in {event_month}, after the current month {current}"
            outcomes.append(PostOutcome(event.event_key, "rejected", None, detail, InvalidInput(detail)))
            continue
        day = local_date(event.completed_at, zone)
        version = version_in_force(versions, day)
        if version is None or version.id is None:
            detail = f"no contract version is in force on {day} (event {event.event_key})"
            outcomes.append(PostOutcome(event.event_key, "rejected", None, detail, NoContractInForce(detail)))
            continue
        terms = terms_of(version)
        is_billed = terms.bill_fault_reprints or not event.is_fault_reprint
        if is_billed and event.card_serial in billed:
            seq = billed[event.card_serial]
            detail = (
                f"card {event.card_serial} (event {event.event_key}) is already billed by transaction {seq}"
            )
            outcomes.append(PostOutcome(event.event_key, "conflict", seq, detail, EventConflict(detail)))
            conflicts.append(conflict_record(event.event_key, event_month, seq, digest, detail, now))
            continue

        period, prior = posting_month(event_month, latest_closed)
        row: dict[str, Any] = {
            "kind": TransactionKind.CARD,
            "event_key": event.event_key,
            "event_digest": digest,
            "period": period,
            "event_period": event_month,
            "prior_period": prior,
            "event_at": utc_text(event.completed_at),
            "event_date": day.isoformat(),
            "contract_version_id": version.id,
            "pricing_sha256": pricing_sha256(version.terms_json),
            "card_serial": event.card_serial,
            "nik_masked": mask_nik(event.nik),
            "office_code": event.office_code,
            "reason": event.reason,
            "printer_id": event.printer_id,
            "template_version": event.template_version,
            "fault_reprint": event.is_fault_reprint,
            "billed": is_billed,
            "payer": terms.fees[event.reason].payer,
            "fee": 0,
            "cards": 0,
            "partner": 0,
            "regency": 0,
        }
        lines: list[Line] = []
        if is_billed:
            ordinal = ordinals.next(period)
            price = price_card(terms, event.reason, ordinal)
            row.update(
                fee=price.fee, cards=1, partner=price.partner, regency=price.regency, rate_bp=price.rate_bp
            )
            row["period_ordinal"] = ordinal
            lines = card_lines(price.payer, price.fee, price.partner, price.regency)
        seq = appender.append(row, lines)
        existing[event.event_key] = (seq, digest)
        if is_billed:
            billed[event.card_serial] = seq
        months.add(period)
        outcomes.append(PostOutcome(event.event_key, "posted", seq, f"posted to {period}"))

    ensure_periods(session, months)
    appender.write(session)
    if record_conflicts and conflicts:
        session.add_all(conflicts)
    session.flush()
    return PostReport(outcomes)


def append_close_transaction(
    session: Session,
    head: Head,
    *,
    month: str,
    adjustment: int,
    ppn: int,
    pph23: int,
    now: datetime,
    zone: ZoneInfo,
    ppn_withheld: int = 0,
) -> Head:
    """Append the month's closing transaction: its rounding adjustment, taxes and the PPN the treasurer
    withholds (:func:`close_lines`). The
    caller (:func:`billing.statement.close_period`) holds the lock and has checked the month."""
    moment = utc_text(now)
    row = {
        "kind": TransactionKind.PERIOD_CLOSE,
        "event_key": f"close:{month}",
        "period": month,
        "event_period": month,
        "event_at": moment,
        "event_date": local_date(now, zone).isoformat(),
        "fee": 0,
        "cards": 0,
        "partner": adjustment,
        "regency": -adjustment,
        "note": f"per-period rounding {adjustment}, PPN {ppn}, PPh 23 {pph23}"
        + (f", PPN withheld by the treasurer {ppn_withheld}" if ppn_withheld else ""),
    }
    appender = Appender(head, now)
    appender.append(row, close_lines(adjustment, ppn, pph23, ppn_withheld))
    appender.write(session)
    return appender.head
