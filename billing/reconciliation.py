"""Month-end reconciliation: the ledger against what the printing side, the printers' counters, the blank-card
stock and the regional treasury say (DOMAIN.md section 5, Berita Acara Rekonsiliasi).

Inputs: money received per office and day (recorded here, entered one by one or imported from CSV, all or
nothing), and :class:`PrintingFigures` supplied by the printing side for the month (cards completed and
spoiled, counter readings at the start and end of the month, blank-card stock). Cards are counted by the
month they were completed in (``event_period``), whatever month they were posted to.

Every comparison is a :class:`ReconciliationLine` with its difference; a difference is either zero or
explained (:func:`explain_difference`). The report is ``provisional`` (sementara) while any difference is
unexplained and ``final`` once none is.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import func, select
from sqlmodel import Session, col

from billing.canonical import utc_text
from billing.config import BillingConfig
from billing.errors import ImportRejected, InvalidInput
from billing.ledger import TX
from billing.models import MoneyReceived, ReconciliationNote
from billing.periods import check_not_future, month_days, parse_month
from billing.vocab import Payer, TransactionKind


class CounterReading(BaseModel):
    """A printer's card counter at the first and last moment of the month."""

    printer_id: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _forward(self) -> CounterReading:
        if self.end < self.start:
            raise ValueError(f"printer {self.printer_id}: counter went back from {self.start} to {self.end}")
        return self


class StockCount(BaseModel):
    """Blank-card stock of an office over the month; ``consumed = opening + received - closing``."""

    office_code: str = Field(min_length=1)
    opening: int = Field(ge=0)
    received: int = Field(ge=0)
    closing: int = Field(ge=0)

    @property
    def consumed(self) -> int:
        return self.opening + self.received - self.closing

    @model_validator(mode="after")
    def _possible(self) -> StockCount:
        if self.consumed < 0:
            raise ValueError(f"office {self.office_code}: closing stock above opening plus received")
        return self


class PrintingFigures(BaseModel):
    """What the printing side reports for the month."""

    cards_printed: int = Field(ge=0, description="Cards completed (billed or not).")
    cards_spoiled: int = Field(ge=0, description="Blanks spoiled or cancelled mid-print.")
    counters: list[CounterReading] = Field(default_factory=list)
    stock: list[StockCount] = Field(default_factory=list)
    partner_cards_billed: int | None = Field(default=None, ge=0, description="The partner's own count.")


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
    status: Literal["match", "explained", "open"]


class MoneyByOffice(BaseModel):
    office_code: str
    expected: int
    received: int
    days: dict[str, int]


class ReconciliationReport(BaseModel):
    month: str
    status: Literal["provisional", "final"]
    generated_at: str
    cards_completed: int
    cards_billed: int
    cards_not_billed: int
    printed_and_spoiled: int
    counter_delta: int
    stock_consumed: int
    money_expected: int
    money_received: int
    money: list[MoneyByOffice]
    lines: list[ReconciliationLine]


# --- money received ---------------------------------------------------------------------------------


# The default billing zone (BillingConfig's); callers should pass their config's zone.
DEFAULT_ZONE = ZoneInfo("Asia/Jakarta")


def _check_day(month: str, day: date) -> None:
    first, last = month_days(month)
    if not first <= day <= last:
        raise InvalidInput(f"{day} is not in {month}")


def record_money_received(
    session: Session,
    *,
    month: str,
    office_code: str,
    day: date,
    amount: int,
    reference: str = "",
    source: str = "entered",
    now: datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> MoneyReceived:
    """Record money that arrived in the treasury for an office on a day; a month that has not started in
    ``zone`` (pass ``config.zone``) is refused. Flushes; the caller commits."""
    parse_month(month)
    check_not_future(month, now or datetime.now(UTC), zone)
    _check_day(month, day)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise InvalidInput(f"an amount is a whole, non-negative number of rupiah, not {amount!r}")
    if not office_code.strip():
        raise InvalidInput("office_code is required")
    row = MoneyReceived(
        month=month,
        office_code=office_code.strip(),
        day=day,
        amount=amount,
        reference=reference.strip(),
        source=source,
        recorded_at=utc_text(now or datetime.now(UTC)),
    )
    session.add(row)
    session.flush()
    return row


_AMOUNT = re.compile(r"^[0-9]+$")
CSV_COLUMNS = ("office_code", "date", "amount", "reference")


def import_money_csv(
    session: Session,
    month: str,
    text: str,
    *,
    source: str,
    now: datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> list[MoneyReceived]:
    """Import money received from CSV with the header ``office_code,date,amount,reference`` (reference may
    be empty; amounts in whole rupiah, digits only; dates YYYY-MM-DD within ``month``). Every row is
    checked first: any bad row rejects the whole file, with every error named by its row number (the
    header is row 1). A row whose office, day and non-empty reference were already recorded is refused as
    a duplicate. A month in the future (in ``zone``) is refused. Flushes; the caller commits."""
    parse_month(month)
    now = now or datetime.now(UTC)
    check_not_future(month, now, zone)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = list(reader)
    if not rows or tuple(c.strip().lower() for c in rows[0]) != CSV_COLUMNS:
        raise ImportRejected("import refused", [f"row 1: the header must be {','.join(CSV_COLUMNS)}"])
    known = {
        (m.office_code, m.day, m.reference)
        for m in session.scalars(select(MoneyReceived).where(col(MoneyReceived.month) == month))
        if m.reference
    }
    errors: list[str] = []
    good: list[dict[str, Any]] = []
    first, last = month_days(month)
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_COLUMNS):
            errors.append(f"row {number}: expected {len(CSV_COLUMNS)} columns, found {len(row)}")
            continue
        office, day_text, amount_text, reference = (c.strip() for c in row)
        problems = []
        if not office:
            problems.append("office_code is empty")
        try:
            day = date.fromisoformat(day_text)
            if not first <= day <= last:
                problems.append(f"date {day_text} is not in {month}")
        except ValueError:
            problems.append(f"date {day_text!r} is not YYYY-MM-DD")
            day = first
        if not _AMOUNT.match(amount_text):
            problems.append(f"amount {amount_text!r} is not a whole number of rupiah (digits only)")
        if reference and (office, day, reference) in known:
            problems.append(f"reference {reference!r} for {office} on {day_text} is already recorded")
        if problems:
            errors.append(f"row {number}: " + "; ".join(problems))
            continue
        if reference:
            known.add((office, day, reference))
        good.append({"office_code": office, "day": day, "amount": int(amount_text), "reference": reference})
    if errors:
        raise ImportRejected(f"import refused, nothing was recorded ({len(errors)} bad row(s))", errors)
    same: dict[str, Any] = {"month": month, "source": source, "now": now, "zone": zone}
    return [record_money_received(session, **row, **same) for row in good]


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
    line whatever the difference becomes."""
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

    physical = printing.cards_printed + printing.cards_spoiled
    counter_delta = sum(c.end - c.start for c in printing.counters)
    consumed = sum(s.consumed for s in printing.stock)
    lines: list[ReconciliationLine] = []

    def line(item: str, label: str, expected: int, actual: int) -> None:
        difference = actual - expected
        note = notes.get(item) if difference else None
        explanation = note.explanation if note else None
        status: Literal["match", "explained", "open"] = "match" if difference == 0 else "open"
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
            )
        )

    line(
        "cards_completed",
        "Cards completed: printing side (expected) vs billing ledger",
        printing.cards_printed,
        completed,
    )
    line("printer_counters", "Printed + spoiled (expected) vs printer counter delta", physical, counter_delta)
    line("stock_consumed", "Printed + spoiled (expected) vs blank cards consumed", physical, consumed)
    if printing.partner_cards_billed is not None:
        line(
            "partner_count",
            "Cards billed: ledger (expected) vs the partner's count",
            billed,
            printing.partner_cards_billed,
        )
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
    final = all(x.status != "open" for x in lines)
    return ReconciliationReport(
        month=month,
        status="final" if final else "provisional",
        generated_at=utc_text(now),
        cards_completed=completed,
        cards_billed=billed,
        cards_not_billed=not_billed,
        printed_and_spoiled=physical,
        counter_delta=counter_delta,
        stock_consumed=consumed,
        money_expected=sum(expected_money.values()),
        money_received=sum(m.received for m in money),
        money=money,
        lines=lines,
    )
