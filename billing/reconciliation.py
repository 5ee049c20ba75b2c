"""Month-end reconciliation: the ledger against what the printing side, the printers' counters, the blank-card
stock, the partner's own count and the regional treasury say (DOMAIN.md section 5, Berita Acara
Rekonsiliasi).

Inputs: money received per office and day, entry by entry (entered one by one or imported from CSV, all or
nothing; a payment reference, the STS number, counts once; a wrong entry is undone by a reversing entry,
never edited), the partner's own count of the month's billed cards (the latest of the counts its auditor
entered), and :class:`PrintingFigures` supplied by the printing side for the month (cards completed and
spoiled, each printer's counter from the readings inside the month, blank-card stock). Cards are counted
by the month they were completed in (``event_period``), whatever month they were posted to.

Every comparison is a :class:`ReconciliationLine` with its difference; a difference is either zero or
explained (:func:`explain_difference`). A printer whose counter at the month's end is not known makes its
line ``missing`` (the printer named), not a difference. The report is ``provisional`` (sementara) while
any line is open or missing and ``final`` once none is.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, computed_field, model_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from billing.canonical import utc_text
from billing.config import BillingConfig
from billing.errors import (
    AlreadyReversed,
    BillingError,
    DuplicatePaymentReference,
    ImportRejected,
    InvalidInput,
    MoneyEntryNotFound,
    ReversalNotReversible,
)
from billing.ledger import TX
from billing.models import MoneyReceived, PartnerCount, ReconciliationNote
from billing.periods import check_not_future, local_date, month_days, parse_month
from billing.vocab import Payer, TransactionKind


class CounterRestart(BaseModel):
    """The counter went back between two readings of one printer: its device was replaced (or reset). The
    cards are counted on each side of it: up to ``before`` on the old device, from ``after`` on the new."""

    before: int = Field(ge=0)
    after: int = Field(ge=0)


class CounterReading(BaseModel):
    """A printer's card counter over the month, from the readings inside it.

    ``start`` is the last reading before the month, or, for a printer that starts (or is replaced) during
    the month, its first reading inside it (``start_basis``); ``end`` is the last reading inside the month
    (for a printer with no reading inside the month and no card, the last before: its counter did not
    move). ``None`` where there is no such reading. ``cards`` is what the printing side says went through
    this printer in the month (printed + spoiled), ``end_before_last_card`` that the end reading was taken
    before the printer's last card of the month. A printer without a start or an end, or whose end reading
    predates its last card and disagrees with it, is *missing*: its counter at the month's end is not
    known, which is not the same as a difference."""

    printer_id: str = Field(min_length=1)
    printer_name: str = ""
    office_code: str = ""
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)
    start_basis: Literal["before_month", "first_in_month"] = "before_month"
    restarts: list[CounterRestart] = Field(default_factory=list)
    cards: int | None = Field(default=None, ge=0, description="Printed + spoiled on this printer.")
    end_before_last_card: bool = False

    @model_validator(mode="after")
    def _forward(self) -> CounterReading:
        if self.start is not None and self.end is not None and not self.restarts and self.end < self.start:
            raise ValueError(f"printer {self.printer_id}: counter went back from {self.start} to {self.end}")
        delta = self.delta
        if delta is not None and delta < 0:
            raise ValueError(f"printer {self.printer_id}: its readings add up to {delta} cards")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def delta(self) -> int | None:
        """Cards the counter counted in the month (each device's part when it was replaced)."""
        if self.start is None or self.end is None:
            return None
        return self.end - self.start + sum(r.before - r.after for r in self.restarts)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def missing(self) -> bool:
        if self.delta is None:
            return True
        return self.end_before_last_card and self.cards is not None and self.delta != self.cards

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> Literal["match", "difference", "missing", "unknown"]:
        """Per printer: ``unknown`` when the printing side gave no per-printer count to compare with."""
        if self.missing:
            return "missing"
        if self.cards is None:
            return "unknown"
        return "match" if self.delta == self.cards else "difference"

    @property
    def named(self) -> str:
        """The printer as a person names it: ``Kalijambe-Simulator (33.14.01)``."""
        name = self.printer_name or self.printer_id
        return f"{name} ({self.office_code})" if self.office_code else name


class StockCount(BaseModel):
    """Blank-card stock of an office over the month, from its stock books (movements) and, for the cards
    printed, the printing side's own count.

    The month's stock line (issue 15)::

        opening + received (deliveries) + transfers_in - transfers_out - printed - spoiled
            +/- count_difference (stock counts and adjustments) = expected closing

    compared with the books' ``closing``. Cards sent by one office and not yet confirmed by the receiver at
    the month's end are in neither office's closing balance: they are ``in_transit_out`` at the sender (and
    ``in_transit_in`` at the receiver), shown beside the line. A transfer received short is counted as
    received (``transfers_in``); the shortfall is ``transit_shortfall`` (already recorded on the transfer).
    ``consumed`` (cards used according to the books) = opening + received + transfers_in - transfers_out
    + count_difference - closing."""

    office_code: str = Field(min_length=1)
    office_name: str = ""
    opening: int = Field(ge=0)
    received: int = Field(ge=0)
    closing: int = Field(ge=0)
    transfers_in: int = Field(default=0, ge=0)
    transfers_out: int = Field(default=0, ge=0)
    count_difference: int = 0
    printed: int | None = Field(
        default=None, ge=0, description="Cards printed at the office (printing side)."
    )
    spoiled: int | None = Field(default=None, ge=0, description="Blanks spoiled at the office.")
    in_transit_out: int = Field(default=0, ge=0, description="Sent, not received by the month's end.")
    in_transit_in: int = Field(default=0, ge=0, description="On their way here at the month's end.")
    transit_shortfall: int = Field(default=0, ge=0, description="Sent minus counted, transfers received.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def consumed(self) -> int:
        return (
            self.opening
            + self.received
            + self.transfers_in
            - self.transfers_out
            + self.count_difference
            - (self.closing)
        )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def expected_closing(self) -> int | None:
        """The closing balance the movements say, or None when the printing side gave no per-office count."""
        if self.printed is None:
            return None
        return (
            self.opening + self.received + self.transfers_in - self.transfers_out - self.printed
            - (self.spoiled or 0) + self.count_difference
        )  # fmt: skip

    @model_validator(mode="after")
    def _possible(self) -> StockCount:
        if self.consumed < 0:
            raise ValueError(
                f"office {self.office_code}: closing stock above opening plus received, transfers and counts"
            )
        return self


class PrintingFigures(BaseModel):
    """What the printing side reports for the month."""

    cards_printed: int = Field(ge=0, description="Cards completed (billed or not).")
    cards_spoiled: int = Field(ge=0, description="Blanks spoiled or cancelled mid-print.")
    counters: list[CounterReading] = Field(default_factory=list)
    stock: list[StockCount] = Field(default_factory=list)
    partner_cards_billed: int | None = Field(
        default=None,
        ge=0,
        description="The partner's own count; when None, the count the partner's auditor stored for the month.",
    )


class ReconciliationLine(BaseModel):
    item: str
    label: str
    expected: int
    actual: int
    difference: int
    explanation: str | None = None
    explained_difference: int | None = Field(
        default=None,
        description="The difference the explanation was written for (it counts only while equal).",
    )
    status: Literal["match", "explained", "open", "missing"]
    missing: list[str] = Field(
        default_factory=list,
        description="What the line could not count (printers whose counter at the month's end is unknown); "
        "the line is 'missing' until they are read or the gap is explained.",
    )


class MoneyByOffice(BaseModel):
    office_code: str
    expected: int
    received: int
    days: dict[str, int]


class PartnerCountRecord(BaseModel):
    """The partner's count as stored: the latest counts, ``revisions`` says how many were entered."""

    cards: int
    note: str
    author: str
    recorded_at: str
    revisions: int


class ReconciliationReport(BaseModel):
    month: str
    status: Literal["provisional", "final"]
    generated_at: str
    cards_completed: int
    cards_billed: int
    cards_not_billed: int
    printed_and_spoiled: int
    counter_delta: int = Field(description="Cards counted by the printers whose readings are complete.")
    counters: list[CounterReading] = Field(default_factory=list, description="Each printer's counter.")
    stock_consumed: int
    stock: list[StockCount] = Field(default_factory=list, description="Each office's blank-card stock line.")
    in_transit: int = Field(default=0, description="Blank cards sent and not received at the month's end.")
    money_expected: int
    money_received: int
    money: list[MoneyByOffice]
    partner_count: PartnerCountRecord | None = None
    lines: list[ReconciliationLine]


# --- money received ---------------------------------------------------------------------------------


# The default billing zone (BillingConfig's); callers should pass their config's zone.
DEFAULT_ZONE = ZoneInfo("Asia/Jakarta")
MAX_AMOUNT = 10**15


def _one_line(text: str, what: str, limit: int) -> str:
    """``text`` with its spaces trimmed and single; control characters (never typed on purpose, and NUL is
    refused by PostgreSQL) and more than ``limit`` characters are refused."""
    if any(unicodedata.category(ch) == "Cc" and not ch.isspace() for ch in text):
        raise InvalidInput(f"the {what} may not contain control characters")
    text = " ".join(text.split())
    if len(text) > limit:
        raise InvalidInput(f"the {what} is longer than {limit} characters")
    return text


def normalise_reference(reference: str | None) -> str | None:
    """A payment reference as it is compared and stored: spaces trimmed and single, letters upper case
    (``sts 0012`` and ``STS  0012`` are the same slip); empty -> None."""
    return _one_line((reference or "").upper(), "payment reference", 100) or None


def _check_day(month: str, day: date, now: datetime, zone: ZoneInfo) -> None:
    first, last = month_days(month)
    if not first <= day <= last:
        raise InvalidInput(f"{day} is not in {month}")
    today = local_date(now, zone)
    if day > today:
        raise InvalidInput(f"{day} is in the future (today is {today} in {zone.key})")


def _entry_text(entry: MoneyReceived) -> str:
    return f"entry #{entry.id}: {entry.office_code}, {entry.day.isoformat()}, {entry.amount} rupiah"


def _duplicate(entry: MoneyReceived) -> DuplicatePaymentReference:
    return DuplicatePaymentReference(
        f"payment reference {entry.reference} is already recorded ({_entry_text(entry)}, "
        f"recorded {entry.recorded_at} by {entry.recorded_by or entry.source})",
        {
            "reference": entry.reference or "",
            "entry_id": entry.id or 0,
            "office_code": entry.office_code,
            "day": entry.day.strftime("%d-%m-%Y"),  # as people write dates here
            "amount": "Rp " + f"{entry.amount:,}".replace(",", "."),
            "recorded_by": entry.recorded_by or entry.source,
        },
    )


def _reversed_ids(session: Session, ids: list[int]) -> dict[int, MoneyReceived]:
    """The reversal of each of ``ids`` that has one, by the id it reverses."""
    if not ids:
        return {}
    rows = session.scalars(select(MoneyReceived).where(col(MoneyReceived.reverses_id).in_(ids)))
    return {r.reverses_id: r for r in rows if r.reverses_id is not None}


def _reentry_for(session: Session, reference: str) -> int:
    """How many entries carry ``reference`` already; refused if one of them still counts (not reversed)."""
    earlier = list(
        session.scalars(
            select(MoneyReceived)
            .where(col(MoneyReceived.reference) == reference)
            .order_by(col(MoneyReceived.id))
        )
    )
    reversed_ = _reversed_ids(session, [e.id for e in earlier if e.id is not None])
    for entry in earlier:
        if entry.id not in reversed_:
            raise _duplicate(entry)
    return len(earlier)


def record_money_received(
    session: Session,
    *,
    month: str,
    office_code: str,
    day: date,
    amount: int,
    reference: str | None = None,
    source: str = "entered",
    recorded_by: str = "",
    now: datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> MoneyReceived:
    """Record money that arrived in the treasury for an office on a day; a month that has not started in
    ``zone`` (pass ``config.zone``) and a day after today there are refused, and so is a payment reference
    already recorded in an entry that was not reversed (:class:`DuplicatePaymentReference`, naming it; the
    database's unique constraint stops two people recording the same slip at the same moment). Flushes;
    the caller commits."""
    now = now or datetime.now(UTC)
    parse_month(month)
    check_not_future(month, now, zone)
    _check_day(month, day, now, zone)
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_AMOUNT:
        raise InvalidInput(f"an amount is a whole, non-negative number of rupiah, not {amount!r}")
    if not office_code.strip():
        raise InvalidInput("office_code is required")
    ref = normalise_reference(reference)
    row = MoneyReceived(
        month=month,
        office_code=office_code.strip(),
        day=day,
        amount=amount,
        reference=ref,
        reference_reentry=_reentry_for(session, ref) if ref else 0,
        source=source,
        recorded_at=utc_text(now),
        recorded_by=recorded_by,
    )
    _insert(session, row, ref)
    return row


def _insert(session: Session, row: MoneyReceived, reference: str | None) -> None:
    """Add ``row`` in a savepoint: when the unique constraint refuses it (the same slip recorded by
    someone else a moment ago), the refusal is a clear 409 and the caller's transaction stays usable."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise DuplicatePaymentReference(
            f"payment reference {reference} was recorded by someone else just now",
            {"reference": reference or ""},
        ) from None


def reverse_money_received(
    session: Session,
    entry_id: int,
    *,
    reason: str,
    recorded_by: str,
    now: datetime | None = None,
) -> MoneyReceived:
    """Undo an entry of money received with a reversing entry (same office, day and month, the amount
    negated, ``reason`` saying why). An entry is reversed once; a reversal is never reversed (record the
    money again instead). Flushes; the caller commits."""
    now = now or datetime.now(UTC)
    reason = _one_line(reason, "reason", 500)
    if len(reason) < 3:
        raise InvalidInput("a reversal needs a reason")
    original = session.get(MoneyReceived, entry_id)
    if original is None:
        raise MoneyEntryNotFound(f"no money received entry #{entry_id}", {"entry_id": entry_id})
    if original.reverses_id is not None:
        raise ReversalNotReversible(
            f"entry #{entry_id} is itself the reversal of entry #{original.reverses_id}",
            {"entry_id": entry_id, "reverses_id": original.reverses_id},
        )
    earlier = _reversed_ids(session, [entry_id]).get(entry_id)
    if earlier is not None:
        raise AlreadyReversed(
            f"entry #{entry_id} was already reversed by entry #{earlier.id}",
            {"entry_id": entry_id, "reversal_id": earlier.id or 0},
        )
    row = MoneyReceived(
        month=original.month,
        office_code=original.office_code,
        day=original.day,
        amount=-original.amount,
        reference=None,
        source="reversal",
        recorded_at=utc_text(now),
        recorded_by=recorded_by,
        reverses_id=entry_id,
        reason=reason,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # reversed by someone else a moment ago: the unique reverses_id refused it
        raise AlreadyReversed(
            f"entry #{entry_id} was reversed by someone else just now",
            {"entry_id": entry_id, "reversal_id": 0},
        ) from None
    return row


class MoneyEntry(BaseModel):
    """One entry of money received as the list shows it; a reversal names what it reverses, an entry that
    was reversed names its reversal."""

    id: int
    month: str
    office_code: str
    day: date
    amount: int
    reference: str | None
    source: str
    recorded_by: str
    recorded_at: str
    reverses_id: int | None
    reverses_reference: str | None = None
    reason: str | None
    reversed_by_id: int | None = None


def list_money_received(session: Session, month: str) -> list[MoneyEntry]:
    """The month's entries in the order they were recorded, reversals included."""
    parse_month(month)
    rows = list(
        session.scalars(
            select(MoneyReceived).where(col(MoneyReceived.month) == month).order_by(col(MoneyReceived.id))
        )
    )
    by_id = {r.id: r for r in rows}
    reversals = {r.reverses_id: r.id for r in rows if r.reverses_id is not None}
    out = []
    for r in rows:
        assert r.id is not None
        original = by_id.get(r.reverses_id) if r.reverses_id is not None else None
        out.append(
            MoneyEntry(
                id=r.id,
                month=r.month,
                office_code=r.office_code,
                day=r.day,
                amount=r.amount,
                reference=r.reference,
                source=r.source,
                recorded_by=r.recorded_by,
                recorded_at=r.recorded_at,
                reverses_id=r.reverses_id,
                reverses_reference=original.reference if original else None,
                reason=r.reason,
                reversed_by_id=reversals.get(r.id),
            )
        )
    return out


_AMOUNT = re.compile(r"^[0-9]+$")
CSV_COLUMNS = ("office_code", "date", "amount", "reference")


def import_money_csv(
    session: Session,
    month: str,
    text: str,
    *,
    source: str,
    recorded_by: str = "",
    offices: Collection[str] | None = None,
    now: datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> list[MoneyReceived]:
    """Import money received from CSV with the header ``office_code,date,amount,reference`` (reference may
    be empty; amounts in whole rupiah, digits only; dates YYYY-MM-DD within ``month`` and not after
    today). Every row is checked first: any bad row rejects the whole file, with every error named by its
    row number (the header is row 1). A payment reference already recorded (and not reversed), or twice
    in the file, is refused, naming the earlier entry or row; so is an office not in ``offices`` (when
    given). A month in the future (in ``zone``) is refused. Flushes; the caller commits."""
    parse_month(month)
    now = now or datetime.now(UTC)
    check_not_future(month, now, zone)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = list(reader)
    if not rows or tuple(c.strip().lower() for c in rows[0]) != CSV_COLUMNS:
        raise ImportRejected("import refused", [f"row 1: the header must be {','.join(CSV_COLUMNS)}"])
    errors: list[str] = []
    good: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    first, last = month_days(month)
    today = local_date(now, zone)
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_COLUMNS):
            errors.append(f"row {number}: expected {len(CSV_COLUMNS)} columns, found {len(row)}")
            continue
        office, day_text, amount_text, raw_reference = (c.strip() for c in row)
        problems = []
        try:
            reference = normalise_reference(raw_reference)
        except InvalidInput as exc:
            problems.append(exc.message)
            reference = None
        if not office:
            problems.append("office_code is empty")
        elif offices is not None and office not in offices:
            problems.append(f"office {office} is not an office of this service")
        try:
            day = date.fromisoformat(day_text)
            if not first <= day <= last:
                problems.append(f"date {day_text} is not in {month}")
            elif day > today:
                problems.append(f"date {day_text} is in the future")
        except ValueError:
            problems.append(f"date {day_text!r} is not YYYY-MM-DD")
            day = first
        if not _AMOUNT.match(amount_text) or len(amount_text) > 16:
            problems.append(f"amount {amount_text!r} is not a whole number of rupiah (digits only)")
        if reference in seen:
            problems.append(f"reference {reference} appears twice in this file (row {seen[reference]})")
        elif reference:
            try:
                _reentry_for(session, reference)
            except DuplicatePaymentReference as exc:
                problems.append(f"reference {reference} is already recorded ({_entry_text_params(exc)})")
        if reference and reference not in seen:
            seen[reference] = number
        if problems:
            errors.append(f"row {number}: " + "; ".join(problems))
            continue
        good.append({"office_code": office, "day": day, "amount": int(amount_text), "reference": reference})
    if errors:
        raise ImportRejected(f"import refused, nothing was recorded ({len(errors)} bad row(s))", errors)
    same: dict[str, Any] = {"month": month, "source": source, "recorded_by": recorded_by, "now": now}
    return [record_money_received(session, **row, **same, zone=zone) for row in good]


def _entry_text_params(exc: BillingError) -> str:
    p = exc.params
    return f"entry #{p['entry_id']}: {p['office_code']}, {p['day']}, {p['amount']}"


# --- the partner's own count -------------------------------------------------------------------------


def set_partner_count(
    session: Session,
    month: str,
    cards: int,
    *,
    author: str,
    note: str = "",
    now: datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> PartnerCount:
    """Store the partner's own count of the month's billed cards (a new row: the earlier ones stay as its
    history). Whether the month may still change (its Berita Acara not final) is the caller's check.
    Flushes; the caller commits."""
    now = now or datetime.now(UTC)
    parse_month(month)
    check_not_future(month, now, zone)
    if isinstance(cards, bool) or not isinstance(cards, int) or not 0 <= cards <= 10**9:
        raise InvalidInput(f"a count of cards is a whole number from 0, not {cards!r}")
    row = PartnerCount(
        month=month, cards=cards, note=_one_line(note, "note", 500), author=author, recorded_at=utc_text(now)
    )
    session.add(row)
    session.flush()
    return row


def partner_count_history(session: Session, month: str) -> list[PartnerCount]:
    """Every count the partner entered for ``month``, oldest first (the last one counts)."""
    parse_month(month)
    return list(
        session.scalars(
            select(PartnerCount).where(col(PartnerCount.month) == month).order_by(col(PartnerCount.id))
        )
    )


def explain_difference(
    session: Session,
    month: str,
    item: str,
    explanation: str,
    *,
    author: str,
    difference: int | None = None,
    now: datetime | None = None,
) -> ReconciliationNote:
    """Explain the difference on line ``item`` of the month's reconciliation (the latest note counts).
    ``difference`` is the line's difference as the person saw it (``ReconciliationLine.difference``): the
    note explains the line only while the difference stays exactly that; when it changes (late cards, more
    money) the line is open again, the old note shown. Without it (older callers) the note explains the
    line whatever the difference becomes. A line with a printer ``missing`` is explained the same way
    (e.g. the counter could not be read)."""
    parse_month(month)
    if not explanation.strip():
        raise InvalidInput("an explanation cannot be empty")
    note = ReconciliationNote(
        month=month,
        item=item,
        explanation=explanation.strip(),
        difference=difference,
        author=author,
        recorded_at=utc_text(now or datetime.now(UTC)),
    )
    session.add(note)
    session.flush()
    return note


# --- the report ---------------------------------------------------------------------------------------


def reconcile(
    session: Session,
    month: str,
    printing: PrintingFigures,
    *,
    config: BillingConfig,
    now: datetime | None = None,
) -> ReconciliationReport:
    """Compare the month's sources and show every difference."""
    now = now or datetime.now(UTC)
    parse_month(month)
    check_not_future(month, now, config.zone)

    # Cards completed in the month as the ledger has them: card transactions (billed or not) net of the
    # reversals of those; money expected: citizen fees of the billed ones, per office.
    query = (
        select(
            TX.c.office_code,
            TX.c.kind,
            TX.c.billed,
            TX.c.payer,
            func.count(),
            func.sum(TX.c.cards),
            func.sum(TX.c.fee),
        )
        .where(TX.c.event_period == month, TX.c.kind != TransactionKind.PERIOD_CLOSE)
        .group_by(TX.c.office_code, TX.c.kind, TX.c.billed, TX.c.payer)
    )
    completed = billed = not_billed = 0
    expected_money: dict[str, int] = defaultdict(int)
    for office, kind, is_billed, payer, count, cards, fee in session.execute(query):
        billed += int(cards)
        if kind == TransactionKind.CARD:
            completed += int(count)
            not_billed += 0 if is_billed else int(count)
        else:
            completed -= int(count)
        if payer == Payer.CITIZEN:
            expected_money[office] += int(fee)
    received: dict[str, dict[str, int]] = defaultdict(dict)
    for m in session.scalars(select(MoneyReceived).where(col(MoneyReceived.month) == month)):
        days = received[m.office_code]
        days[m.day.isoformat()] = days.get(m.day.isoformat(), 0) + m.amount
    notes = {
        n.item: n
        for n in session.scalars(
            select(ReconciliationNote)
            .where(col(ReconciliationNote.month) == month)
            .order_by(col(ReconciliationNote.id))
        )
    }
    history = partner_count_history(session, month)
    stored = (
        PartnerCountRecord(
            cards=history[-1].cards,
            note=history[-1].note,
            author=history[-1].author,
            recorded_at=history[-1].recorded_at,
            revisions=len(history),
        )
        if history
        else None
    )
    partner_cards = printing.partner_cards_billed
    if partner_cards is None and stored is not None:
        partner_cards = stored.cards

    physical = printing.cards_printed + printing.cards_spoiled
    counted = [c for c in printing.counters if not c.missing]
    unread = [c for c in printing.counters if c.missing]
    counter_delta = sum(c.delta or 0 for c in counted)
    consumed = sum(s.consumed for s in printing.stock)
    lines: list[ReconciliationLine] = []

    def line(item: str, label: str, expected: int, actual: int, missing: list[str] | None = None) -> None:
        difference = actual - expected
        note = notes.get(item) if difference or missing else None
        explanation = note.explanation if note else None
        status: Literal["match", "explained", "open", "missing"] = (
            "missing" if missing else "match" if difference == 0 else "open"
        )
        if note is not None:
            if note.difference is None or note.difference == difference:
                status = "explained"
            else:  # written for another difference: shown, but the line needs explaining again
                explanation = (
                    f"{explanation} (explained for a difference of {note.difference}, now {difference})"
                )
        lines.append(
            ReconciliationLine(
                item=item,
                label=label,
                expected=expected,
                actual=actual,
                difference=difference,
                explanation=explanation,
                explained_difference=note.difference if note else None,
                status=status,
                missing=missing or [],
            )
        )

    line(
        "cards_completed",
        "Cards completed: printing side (expected) vs billing ledger",
        printing.cards_printed,
        completed,
    )
    # A printer whose counter is not known at the month's end is named, not counted as a difference: the
    # comparison covers the printers that were read (their cards, when the printing side says which).
    uncounted_cards = sum(c.cards or 0 for c in unread)
    line(
        "printer_counters",
        "Printed + spoiled (expected) vs printer counter delta"
        + (" (printers whose counter is known)" if unread else ""),
        physical - uncounted_cards,
        counter_delta,
        [c.named for c in unread],
    )
    line("stock_consumed", "Printed + spoiled (expected) vs blank cards consumed", physical, consumed)
    # Per office: the movements' closing balance against the books' (a mismatch names its office).
    for office_stock in printing.stock:
        expected_closing = office_stock.expected_closing
        if expected_closing is None:
            continue
        named = f"{office_stock.office_code} {office_stock.office_name}".strip()
        line(
            f"stock:{office_stock.office_code}",
            f"Blank cards of {named}: opening + deliveries + transfers in - transfers out - printed - spoiled "
            "+/- counts (expected) vs closing balance in the books",
            expected_closing,
            office_stock.closing,
        )
    if partner_cards is not None:
        line("partner_count", "Cards billed: ledger (expected) vs the partner's count", billed, partner_cards)
    offices = sorted(set(expected_money) | set(received))
    money: list[MoneyByOffice] = []
    for office in offices:
        got = sum(received[office].values()) if office in received else 0
        money.append(
            MoneyByOffice(
                office_code=office,
                expected=expected_money.get(office, 0),
                received=got,
                days=dict(sorted(received[office].items())) if office in received else {},
            )
        )
        line(
            f"money:{office}",
            f"Citizen fees of {office}: ledger (expected) vs received in the treasury",
            expected_money.get(office, 0),
            got,
        )
    final = all(x.status in ("match", "explained") for x in lines)
    return ReconciliationReport(
        month=month,
        status="final" if final else "provisional",
        generated_at=utc_text(now),
        cards_completed=completed,
        cards_billed=billed,
        cards_not_billed=not_billed,
        printed_and_spoiled=physical,
        counter_delta=counter_delta,
        counters=list(printing.counters),
        stock_consumed=consumed,
        stock=list(printing.stock),
        in_transit=sum(x.in_transit_out for x in printing.stock),
        money_expected=sum(expected_money.values()),
        money_received=sum(m.received for m in money),
        money=money,
        partner_count=stored,
        lines=lines,
    )
