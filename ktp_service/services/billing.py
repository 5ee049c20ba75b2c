"""The application's side of billing: what billing needs from the printing records (month figures,
unposted events) and audited access for finance, administrators and the partner's auditor. The rules
themselves live in :mod:`billing`."""

from __future__ import annotations

import itertools
import tempfile
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, or_, select, update

from billing import (
    chain,
    checkpoints,
    conflicts,
    contracts,
    corrections,
    exports,
    papers,
    posting,
    reconciliation,
    records,
    rollups,
    statement,
)
from billing.bundle import export_bundle
from billing.config import BillingConfig
from billing.errors import (
    DocumentNotMade,
    InvalidInput,
    MonthNotClosed,
    ReconciliationFinalised,
    ReconciliationNotFinal,
)
from billing.lock import lock_billing
from billing.models import (
    ContractVersion,
    EventConflictRecord,
    MoneyReceived,
    MonthDocument,
    PartnerCount,
    Signatory,
)
from billing.periods import is_closed, month_bounds, month_of
from ktp_service import regions
from ktp_service.billing_bridge import BATCH, config_for, post_pending
from ktp_service.catalogue import DEFAULT_LANGUAGE, translate
from ktp_service.db import unit_of_work
from ktp_service.errors import FieldProblem, Invalid
from ktp_service.lifecycle import AT_PRINTER, JobStatus
from ktp_service.models import (
    CardPrintedEvent,
    CounterReading,
    Office,
    Printer,
    PrintJob,
    StockMovement,
    StockTransfer,
)
from ktp_service.services import agent_holds, audit
from ktp_service.services.actor import Actor
from ktp_service.services.cards import local_today
from ktp_service.settings import Settings


def _signed_on(value: object) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"signed_on {value!r} is not a date (YYYY-MM-DD)") from None


def add_contract(session: Session, actor: Actor, body: dict[str, Any]) -> ContractVersion:
    """Add a contract version. ``signed_on`` (the day the agreement was signed, as papers cite it) is kept
    beside the terms, outside their hash."""
    body = dict(body)
    signed_on = _signed_on(body.pop("signed_on", None))
    version = contracts.add_contract_version(session, contracts.parse_terms(body))
    version.signed_on = signed_on
    session.add(version)
    session.flush()
    # Cards billing refused for want of a contract are tried again at once, not after the retry delay.
    session.exec(
        update(CardPrintedEvent).where(col(CardPrintedEvent.posted_at).is_(None)).values(last_attempt_at=None)
    )
    audit.record(session, actor, "billing.contract.create", "contract", version.id, number=version.number)
    return version


def end_contract(session: Session, actor: Actor, version_id: int, effective_to: date) -> ContractVersion:
    version = contracts.end_contract_version(session, version_id, effective_to)
    audit.record(
        session, actor, "billing.contract.end", "contract", version_id, effective_to=effective_to.isoformat()
    )
    return version


def unposted_events(
    session: Session, month: str, config: BillingConfig, leave_out: Collection[str] = ()
) -> int:
    """Cards of ``month`` or earlier billing has not seen yet: printed ones waiting in the outbox, and ones
    sent to a printer before the month ended whose outcome is not recorded yet (still printing, or waiting
    for a supervisor to confirm). Closing needs zero. ``leave_out``: jobs held by print agents that finance
    closes without (:func:`ktp_service.services.agent_holds.check_close`)."""
    _, end = month_bounds(month, config.zone)
    waiting = session.exec(
        select(func.count())
        .select_from(CardPrintedEvent)
        .where(col(CardPrintedEvent.posted_at).is_(None), col(CardPrintedEvent.completed_at) < end)
    ).one()
    in_flight = session.exec(
        select(func.count())
        .select_from(PrintJob)
        .where(
            col(PrintJob.state).in_((*AT_PRINTER, JobStatus.NEEDS_CONFIRMATION)),
            col(PrintJob.submit_started_at) < end,
        )
    ).one()
    if leave_out:
        in_flight -= session.exec(
            select(func.count())
            .select_from(PrintJob)
            .where(
                col(PrintJob.uuid).in_(list(leave_out)),
                col(PrintJob.state).in_((*AT_PRINTER, JobStatus.NEEDS_CONFIRMATION)),
                col(PrintJob.submit_started_at) < end,
            )
        ).one()
    return int(waiting) + int(in_flight)


def read_statement(session: Session, actor: Actor, month: str, config: BillingConfig) -> statement.Statement:
    result = statement.get_statement(session, month, config=config)
    audit.record(session, actor, "billing.statement.read", "period", month)
    return result


def close_month(
    session: Session,
    actor: Actor,
    month: str,
    settings: Settings,
    report: Callable[[str], None] | None = None,
    *,
    reason: str | None = None,
) -> statement.SignedStatement:
    """Close the month and, in the same transaction, make its final statement paper (numbered, signed,
    stored): a failure of either leaves the month open. ``report`` hears the steps of :data:`CLOSE_STEPS`
    after the first as they begin. Refused while print agents hold cards of the month, unless ``reason``
    says why finance closes anyway (recorded, audited, and written on the statement paper)."""
    config = config_for(settings)
    step = report or (lambda _step: None)
    step(CLOSE_STEPS[1])
    lock_billing(session)  # before counting: a card confirmed meanwhile waits, then goes to the next month
    held: set[str] = set()
    if datetime.now(UTC) >= month_bounds(month, config.zone)[1] and not is_closed(session, month):
        held = agent_holds.check_close(session, actor, month, config.zone, reason)  # else billing says why
    signed = statement.close_period(
        session,
        month,
        config=config,
        unposted_events=unposted_events(session, month, config, held),
        on_checked=lambda: step(CLOSE_STEPS[2]),
    )
    audit.record(session, actor, "billing.close", "period", month, key_id=signed.statement.key_id)
    step(CLOSE_STEPS[3])
    _make_statement_document(session, actor, signed, settings)
    return signed


# The steps of closing a month as the console's progress display names them (catalogue keys).
CLOSE_STEPS = ("op.close.post", "op.close.check", "op.close.statement", "op.close.paper")


def close_month_in_steps(
    engine: Engine,
    actor: Actor,
    month: str,
    settings: Settings,
    report: Callable[[str], None],
    reason: str | None = None,
) -> None:
    """What the console's close runs in the background: first post the printed cards still waiting (as the
    "post now" button does, in transactions of their own: a posted card stays posted), then the close
    itself in one transaction."""
    config = config_for(settings)
    report(CLOSE_STEPS[0])
    while True:
        with unit_of_work(engine) as session:
            if post_pending(session, config, retry_refused=True) < BATCH:
                break
    with unit_of_work(engine) as session:
        close_month(session, actor, month, settings, report, reason=reason)


def bundle_bytes(session: Session, actor: Actor, month: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = export_bundle(session, month, Path(tmp) / f"ktp-billing-{month}.zip")
        data = path.read_bytes()
    audit.record(session, actor, "billing.bundle.download", "period", month)
    return data


def entries(session: Session, actor: Actor, month: str) -> list[dict[str, Any]]:
    """Every ledger line of the month (NIKs are masked in the ledger itself)."""
    rows = [
        dict(zip(exports.ENTRY_COLUMNS, row, strict=True)) for row in exports.raw_entry_rows(session, month)
    ]
    audit.record(session, actor, "billing.entries.read", "period", month, rows=len(rows))
    return rows


def export_context(session: Session, settings: Settings, lang: str = "id") -> exports.ExportContext:
    """Names for the codes an export shows (offices, agreements), the zone, the configured account codes."""
    from zoneinfo import ZoneInfo

    offices = {o.code: o.name for o in session.exec(select(Office))}
    return exports.context_for(
        session,
        ZoneInfo(settings.timezone),
        lang=lang,
        account_codes=settings.account_codes,
        office_names=offices,
    )


def entries_csv(session: Session, actor: Actor, month: str, settings: Settings, lang: str = "id") -> bytes:
    """The month's ledger lines for a spreadsheet (:mod:`billing.exports`), audited as a read of them."""
    data = exports.entries_csv(session, month, export_context(session, settings, lang))
    audit.record(session, actor, "billing.entries.read", "period", month, format="csv")
    return data


def statement_csv(session: Session, actor: Actor, month: str, settings: Settings, lang: str = "id") -> bytes:
    st = read_statement(session, actor, month, config_for(settings))
    return exports.summary_csv(st, export_context(session, settings, lang))


def statement_xlsx(session: Session, actor: Actor, month: str, settings: Settings, lang: str = "id") -> bytes:
    """The statement, every ledger line and the sums per account as one workbook, audited as reads of the
    statement and of the entries."""
    st = read_statement(session, actor, month, config_for(settings))
    data = exports.xlsx_bytes(st, session, export_context(session, settings, lang))
    audit.record(session, actor, "billing.entries.read", "period", month, format="xlsx")
    return data


def resolve_conflict(
    session: Session, actor: Actor, conflict_id: int, resolution: str
) -> EventConflictRecord:
    conflicts.resolve_conflict(session, conflict_id, resolution)
    record = session.get(EventConflictRecord, conflict_id)
    assert record is not None
    audit.record(session, actor, "billing.conflict.resolve", "conflict", conflict_id)
    return record


def correct(
    session: Session, actor: Actor, corrects_seq: int, correction_key: str, note: str, config: BillingConfig
) -> posting.PostOutcome:
    outcome = corrections.post_correction(
        session, corrects_seq=corrects_seq, correction_key=correction_key, note=note, config=config
    )
    audit.record(
        session,
        actor,
        "billing.correction",
        "ledger",
        corrects_seq,
        key=correction_key,
        status=outcome.status,
    )
    return outcome


def entries_page(
    session: Session, actor: Actor, month: str, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the month's ledger lines and how many there are, streamed: a page never holds the whole
    month in memory (a million cards are three million lines). The count comes from the month's roll-up
    (:mod:`billing.rollups`) and its closing transaction, not from reading every line."""
    stream = exports.raw_entry_rows(session, month)
    rows = [
        dict(zip(exports.ENTRY_COLUMNS, row, strict=True)) for row in islice(stream, offset, offset + limit)
    ]
    stream.close()
    total = rollups.rollup_entry_rows(session, month) + rollups.close_entry_rows(session, month)
    audit.record(session, actor, "billing.entries.read", "period", month, offset=offset, rows=len(rows))
    return rows, total


MAX_IMPORT_BYTES = 5_000_000  # the default of settings.max_import_bytes


def decode_upload(raw: bytes, max_bytes: int = MAX_IMPORT_BYTES) -> str:
    """An uploaded CSV as text, or a clear refusal: too large (nothing is cut off silently) or not UTF-8."""
    if len(raw) > max_bytes:
        raise InvalidInput(f"the file is larger than {max_bytes} bytes; split it, e.g. by office")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the file is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from None


def verify(
    session: Session,
    actor: Actor,
    config: BillingConfig,
    held: Mapping[str, Sequence[checkpoints.Checkpoint]] | None = None,
) -> chain.VerificationResult:
    """The chain checked against the signed checkpoints in the database, in the service's log file (outside
    the database) and any ``held`` elsewhere (a partner's copy: file name -> checkpoints)."""
    logged, unreadable = checkpoints.read_log(config.checkpoint_path)
    result = chain.verify_chain(
        session,
        public_key_pem=config.keys.public_keys_pem(),
        held={"the checkpoint log": logged, **(held or {})},
    )
    if unreadable:
        result.ok, result.problems = False, [*unreadable, *result.problems]
    audit.record(session, actor, "billing.verify", "ledger", None, ok=result.ok)
    return result


def list_checkpoints(session: Session, actor: Actor, after_id: int = 0) -> list[checkpoints.Checkpoint]:
    """The signed checkpoints of the chain head after ``after_id``, oldest first (the partner keeps them)."""
    found = checkpoints.stored_checkpoints(session, after_id)
    audit.record(session, actor, "billing.checkpoints.read", "ledger", None, after=after_id, rows=len(found))
    return found


def printing_figures(
    session: Session, month: str, config: BillingConfig, partner_cards_billed: int | None = None
) -> reconciliation.PrintingFigures:
    """The printing side's figures for ``month`` (local calendar month): cards completed and spoiled, each
    printer's counter over the month (:func:`counter_figures`), and each office's blank-card stock
    (opening, received, closing). ``partner_cards_billed`` None: the partner's stored count is used."""
    start, end = month_bounds(month, config.zone)
    printed = session.exec(
        select(func.count())
        .select_from(PrintJob)
        .where(
            PrintJob.state == JobStatus.COMPLETED,
            col(PrintJob.completed_at) >= start,
            col(PrintJob.completed_at) < end,
        )
    ).one()
    spoiled = session.exec(
        select(func.count())
        .select_from(StockMovement)
        .where(StockMovement.kind == "spoiled", col(StockMovement.at) >= start, col(StockMovement.at) < end)
    ).one()
    stock = stock_figures(session, start, end)
    return reconciliation.PrintingFigures(
        cards_printed=int(printed),
        cards_spoiled=int(spoiled),
        counters=counter_figures(session, start, end),
        stock=stock,
        partner_cards_billed=partner_cards_billed,
    )


def stock_figures(session: Session, start: datetime, end: datetime) -> list[reconciliation.StockCount]:
    """Each office's blank-card stock line over [start, end) (issue 15): opening and closing balances from the
    stock books, the month's movements by kind (deliveries ``receipt``, ``transfer_in``, ``transfer_out``,
    ``spoiled``, stock-count differences ``count`` and ``adjustment``), the cards printed at the office as the
    printing side counts them (completed jobs, not the books' ``printed`` movements: a card printed without
    its movement shows as a difference), and the transfers in transit at the month's end (sent before
    ``end``, not received before it). An office with nothing to show is left out."""
    moved: dict[tuple[int, str], int] = {}
    for office_id, kind, total in session.exec(
        select(StockMovement.office_id, StockMovement.kind, func.sum(StockMovement.quantity))
        .where(col(StockMovement.at) >= start, col(StockMovement.at) < end)
        .group_by(col(StockMovement.office_id), col(StockMovement.kind))
    ):
        moved[(int(office_id), str(kind))] = int(total or 0)
    printed = dict(
        session.exec(
            select(PrintJob.office_id, func.count())
            .where(
                PrintJob.state == JobStatus.COMPLETED,
                col(PrintJob.completed_at) >= start,
                col(PrintJob.completed_at) < end,
            )
            .group_by(col(PrintJob.office_id))
        ).all()
    )
    transit_out: dict[int, int] = defaultdict(int)
    transit_in: dict[int, int] = defaultdict(int)
    shortfall: dict[int, int] = defaultdict(int)
    for t in session.exec(
        select(StockTransfer).where(
            col(StockTransfer.sent_at) < end,
            or_(col(StockTransfer.received_at).is_(None), col(StockTransfer.received_at) >= start),
        )
    ):
        received_at = None if t.received_at is None else _aware(t.received_at)
        if received_at is None or received_at >= end:
            transit_out[t.from_office_id] += t.quantity_sent
            transit_in[t.to_office_id] += t.quantity_sent
        elif received_at >= start:
            shortfall[t.to_office_id] += t.quantity_sent - (t.quantity_received or 0)
    out: list[reconciliation.StockCount] = []
    for office in session.exec(select(Office).order_by(col(Office.code))):
        oid = office.id or 0
        opening = _stock_before(session, oid, start)
        closing = _stock_before(session, oid, end)
        kinds = {kind: total for (o, kind), total in moved.items() if o == oid}
        row = reconciliation.StockCount(
            office_code=office.code,
            office_name=office.name,
            opening=max(opening, 0),
            received=kinds.get("receipt", 0),
            closing=max(closing, 0),
            transfers_in=kinds.get("transfer_in", 0),
            transfers_out=-kinds.get("transfer_out", 0),
            count_difference=kinds.get("count", 0) + kinds.get("adjustment", 0),
            printed=int(printed.get(oid, 0)),
            spoiled=-kinds.get("spoiled", 0),
            in_transit_out=transit_out.get(oid, 0),
            in_transit_in=transit_in.get(oid, 0),
            transit_shortfall=shortfall.get(oid, 0),
        )
        if opening or closing or kinds or row.printed or row.in_transit_out or row.in_transit_in:
            out.append(row)
    return out


def counter_figures(session: Session, start: datetime, end: datetime) -> list[reconciliation.CounterReading]:
    """Each printer's card counter over [start, end) from the readings recorded for it: from the last
    reading before ``start`` (or, for a printer that starts or is replaced inside the month, its first
    reading there) to its last reading inside the month, with the cards the printing side says went
    through it (completed jobs, and spoiled blanks of its jobs) to compare with. A counter that goes back
    between two readings is a replaced device: each side of it is counted. A printer with no reading in
    the month and no card kept its counter (device readings are stored only when the counter changes); one
    that printed without a reading to show for it is missing. A printer never read and never used is left
    out."""
    printers = list(session.exec(select(Printer).order_by(col(Printer.id))))
    office_codes = dict(session.exec(select(Office.id, Office.code)).all())
    inside: dict[int, list[CounterReading]] = defaultdict(list)
    for reading in session.exec(
        select(CounterReading)
        .where(col(CounterReading.at) >= start, col(CounterReading.at) < end)
        .order_by(col(CounterReading.at), col(CounterReading.id))
    ):
        inside[reading.printer_id].append(reading)
    cards: dict[int, int] = defaultdict(int)
    last_card: dict[int, datetime] = {}
    completed = session.exec(
        select(PrintJob.printer_id, func.count(), func.max(PrintJob.completed_at))
        .where(
            PrintJob.state == JobStatus.COMPLETED,
            col(PrintJob.completed_at) >= start,
            col(PrintJob.completed_at) < end,
        )
        .group_by(col(PrintJob.printer_id))
    )
    spoiled = session.exec(
        select(PrintJob.printer_id, func.count(), func.max(StockMovement.at))
        .join(PrintJob, col(PrintJob.id) == col(StockMovement.job_id))
        .where(StockMovement.kind == "spoiled", col(StockMovement.at) >= start, col(StockMovement.at) < end)
        .group_by(col(PrintJob.printer_id))
    )
    for printer_id, count, latest in [*completed, *spoiled]:
        cards[printer_id] += int(count)
        if latest is not None:
            latest = _aware(latest)
            last_card[printer_id] = max(latest, last_card.get(printer_id, latest))
    out: list[reconciliation.CounterReading] = []
    for printer in printers:
        assert printer.id is not None
        readings = inside.get(printer.id, [])
        before = _last_reading(session, printer.id, start)
        used = cards.get(printer.id, 0)
        if before is None and not readings and not used:
            continue
        named = {
            "printer_id": str(printer.id),
            "printer_name": printer.name,
            "office_code": office_codes.get(printer.office_id, ""),
            "cards": used,
        }
        if not readings:
            # Nothing read inside the month: unchanged if nothing went through it, unknown otherwise.
            counter = before if not used else None
            out.append(reconciliation.CounterReading(**named, start=before, end=counter))
            continue
        values = ([before] if before is not None else []) + [r.value for r in readings]
        restarts = [
            reconciliation.CounterRestart(before=a, after=b) for a, b in itertools.pairwise(values) if b < a
        ]
        last_read = _aware(readings[-1].at)
        out.append(
            reconciliation.CounterReading(
                **named,
                start=values[0],
                end=values[-1],
                start_basis="before_month" if before is not None else "first_in_month",
                restarts=restarts,
                end_before_last_card=printer.id in last_card and last_read < last_card[printer.id],
            )
        )
    return out


def _aware(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands some aggregates back naive)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _last_reading(session: Session, printer_id: int, before: datetime) -> int | None:
    """The printer's last counter reading strictly before ``before``."""
    value = session.exec(
        select(CounterReading.value)
        .where(CounterReading.printer_id == printer_id, col(CounterReading.at) < before)
        .order_by(col(CounterReading.at).desc(), col(CounterReading.id).desc())
        .limit(1)
    ).first()
    return None if value is None else int(value)


def _stock_before(session: Session, office_id: int, moment: datetime) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(StockMovement.quantity), 0)).where(
            StockMovement.office_id == office_id, col(StockMovement.at) < moment
        )
    ).one()
    return int(total)


def reconcile(
    session: Session, actor: Actor, month: str, config: BillingConfig
) -> reconciliation.ReconciliationReport:
    """The month's reconciliation; the partner's count is the one its auditor stored."""
    figures = printing_figures(session, month, config)
    report = reconciliation.reconcile(session, month, figures, config=config)
    audit.record(session, actor, "billing.reconciliation.read", "period", month, status=report.status)
    return report


def explain(
    session: Session, actor: Actor, month: str, item: str, explanation: str, config: BillingConfig
) -> None:
    """Explain a reconciliation line's difference as it stands now: the note stops counting if the
    difference changes later (late cards, more money)."""
    report = reconcile(session, actor, month, config)
    line = next((x for x in report.lines if x.item == item), None)
    if line is None:
        raise InvalidInput(f"the reconciliation of {month} has no line {item!r}")
    _refuse_once_finalised(session, month)
    reconciliation.explain_difference(
        session, month, item, explanation, author=actor.username, difference=line.difference
    )
    audit.record(session, actor, "billing.explain", "period", month, item=item)


def reconciliation_final(session: Session, month: str) -> bool:
    """The month's Berita Acara is made (finance finalised the reconciliation after the close): from then on
    money received, explanations and the partner's count of the month no longer change."""
    return records.get_document(session, month, papers.BERITA_ACARA) is not None


class UnknownOffice(Invalid, code="unknown_office"):
    """Money received for an office this service does not have."""


def _office_names(session: Session) -> dict[str, str]:
    return dict(session.exec(select(Office.code, Office.name)).all())


def _check_office(session: Session, office_code: str) -> None:
    if session.exec(select(Office.id).where(Office.code == office_code)).first() is None:
        message = f"no office {office_code!r} in this service"
        raise UnknownOffice(
            message, [FieldProblem("office_code", message, "unknown_office")], {"office_code": office_code}
        )


def record_money(
    session: Session,
    actor: Actor,
    month: str,
    config: BillingConfig,
    *,
    office_code: str,
    day: date,
    amount: int,
    reference: str | None,
) -> MoneyReceived:
    """Record money received for an office (one of this service's) on a day no later than today."""
    _check_office(session, office_code)
    _refuse_once_finalised(session, month)
    row = reconciliation.record_money_received(
        session,
        month=month,
        office_code=office_code,
        day=day,
        amount=amount,
        reference=reference,
        recorded_by=actor.username,
        zone=config.zone,
    )
    audit.record(
        session,
        actor,
        "billing.money",
        "money_received",
        row.id,
        month=month,
        office_code=office_code,
        amount=amount,
        reference=row.reference,
    )
    return row


def reverse_money(
    session: Session, actor: Actor, entry_id: int, reason: str, config: BillingConfig
) -> MoneyReceived:
    """Undo an entry with a reversing entry (audited with its reason)."""
    original = session.get(MoneyReceived, entry_id)
    if original is not None:
        _refuse_once_finalised(session, original.month)
    row = reconciliation.reverse_money_received(session, entry_id, reason=reason, recorded_by=actor.username)
    audit.record(
        session,
        actor,
        "billing.money.reverse",
        "money_received",
        entry_id,
        month=row.month,
        reversal_id=row.id,
        amount=row.amount,
        reason=row.reason,
    )
    return row


def money_entries(session: Session, actor: Actor, month: str) -> list[dict[str, Any]]:
    """The month's money received, entry by entry with the office's name (reversals included)."""
    rows = _money_rows(session, month)
    audit.record(session, actor, "billing.money.read", "period", month, rows=len(rows))
    return rows


def money_entry(session: Session, month: str, entry_id: int | None) -> dict[str, Any]:
    """One entry as the list shows it (for answering the write that made it, which is audited itself)."""
    return next(r for r in _money_rows(session, month) if r["id"] == entry_id)


def _money_rows(session: Session, month: str) -> list[dict[str, Any]]:
    names = _office_names(session)
    return [
        entry.model_dump() | {"office_name": names.get(entry.office_code, "")}
        for entry in reconciliation.list_money_received(session, month)
    ]


def import_money(
    session: Session, actor: Actor, month: str, text: str, source: str, config: BillingConfig
) -> int:
    _refuse_once_finalised(session, month)
    rows = reconciliation.import_money_csv(
        session,
        month,
        text,
        source=source,
        recorded_by=actor.username,
        offices=set(_office_names(session)),
        zone=config.zone,
    )
    audit.record(session, actor, "billing.money.import", "period", month, rows=len(rows))
    return len(rows)


def set_partner_count(
    session: Session, actor: Actor, month: str, cards: int, note: str, config: BillingConfig
) -> list[PartnerCount]:
    """Store the partner's own count of the month (until its Berita Acara is final); returns the history."""
    _refuse_once_finalised(session, month)
    before = reconciliation.partner_count_history(session, month)
    row = reconciliation.set_partner_count(
        session, month, cards, author=actor.username, note=note, zone=config.zone
    )
    audit.record(
        session,
        actor,
        "billing.partner_count",
        "period",
        month,
        cards=cards,
        previous=before[-1].cards if before else None,
        count_id=row.id,
    )
    return [*before, row]


def partner_count_history(session: Session, actor: Actor, month: str) -> list[PartnerCount]:
    rows = reconciliation.partner_count_history(session, month)
    audit.record(session, actor, "billing.partner_count.read", "period", month, rows=len(rows))
    return rows


def month_of_now(config: BillingConfig) -> str:
    return month_of(datetime.now(UTC), config.zone)


# --- month-end papers (issue 11) -----------------------------------------------------------------------------

ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


class PlaceNames(Mapping[str, str]):
    """Office, region and village code -> name for the papers: the office's own name first (the app's Office
    table), then the Kemendagri name (ktp_service.regions). Looked up as the papers ask, not all at once."""

    def __init__(self, session: Session) -> None:
        self._offices: dict[str, str] = dict(session.exec(select(Office.code, Office.name)).all())

    def __getitem__(self, code: str) -> str:
        if code in self._offices:
            return self._offices[code]
        region = regions.get_region(code) if code else None
        if region is None:
            raise KeyError(code)
        return region.name

    def __iter__(self) -> Iterator[str]:
        return iter(self._offices)

    def __len__(self) -> int:
        return len(self._offices)


def document_setup(session: Session, settings: Settings, lang: str, day: date) -> papers.DocumentSetup:
    """What a paper needs besides its figures, in ``lang``: texts from the catalogue, names of offices and
    villages, how each contract version is cited, and the signatories in force on ``day``."""
    lang = "en" if lang == "en" else DEFAULT_LANGUAGE

    def t(key: str, /, **values: object) -> str:
        return translate(key, lang, **values)

    versions = contracts.list_contract_versions(session)
    return papers.DocumentSetup(
        t=t,
        lang=lang,
        regency=settings.regency_name,
        agency=settings.document_agency,
        place=settings.document_place,
        zone_label=ZONE_LABELS.get(settings.timezone, settings.timezone),
        names=PlaceNames(session),
        contracts={
            v.id: papers.ContractRef(v.number, v.signed_on, v.effective_from)
            for v in versions
            if v.id is not None
        },
        regency_signatory=records.info(records.signatory_in_force(session, "regency", day)),
        partner_signatory=records.info(records.signatory_in_force(session, "partner", day)),
    )


def _make_statement_document(
    session: Session, actor: Actor, signed: statement.SignedStatement, settings: Settings
) -> MonthDocument:
    config = config_for(settings)

    session.flush()
    note = agent_holds.close_note(agent_holds.override_for(session, signed.statement.month))

    def render(stamp: papers.Stamp) -> bytes:
        setup = document_setup(session, settings, DEFAULT_LANGUAGE, stamp.made_on)
        return papers.statement_pdf(signed.statement, setup, stamp, notes=[note] if note else [])

    doc = records.make_document(
        session,
        month=signed.statement.month,
        kind=papers.STATEMENT,
        config=config,
        pattern=settings.statement_number_pattern,
        agency=settings.document_agency_code,
        author=actor.username,
        render=render,
    )
    audit.record(
        session, actor, "billing.document.make", "period", doc.month, kind=doc.kind, number=doc.number
    )
    return doc


def _today(settings: Settings) -> date:
    return local_today(settings.timezone)


def statement_pdf(session: Session, actor: Actor, month: str, settings: Settings, lang: str = "id") -> bytes:
    """The month's statement: the stored final paper once the month is closed (the same bytes every time),
    else made now and marked SEMENTARA; in English a translation, never numbered."""
    stored = records.get_document(session, month, papers.STATEMENT)
    if stored is not None and lang != "en":
        audit.record(session, actor, "billing.document.download", "period", month, kind=stored.kind)
        return stored.content
    st = read_statement(session, actor, month, config_for(settings))
    day = stored.made_on if stored is not None else _today(settings)
    stamp = papers.Stamp(made_on=day, provisional=st.status != "closed")
    note = agent_holds.close_note(agent_holds.override_for(session, month), lang)
    return papers.statement_pdf(
        st, document_setup(session, settings, lang, day), stamp, notes=[note] if note else []
    )


def _refuse_once_finalised(session: Session, month: str) -> None:
    """Once its Berita Acara is made, a month's reconciliation stays as it was signed."""
    if reconciliation_final(session, month):
        raise ReconciliationFinalised(
            f"the Berita Acara of {month} is made; its reconciliation is fixed", {"month": month}
        )


def finalise_reconciliation(
    session: Session, actor: Actor, month: str, settings: Settings, follow_up: Sequence[str] = ()
) -> MonthDocument:
    """Finance's last step of a month: once it is closed and every difference of its reconciliation is zero
    or explained, make the final Berita Acara (numbered, dated today in the regency's zone, signed with the
    signatories in force today, stored). Made once."""
    config = config_for(settings)
    lock_billing(session)
    if not is_closed(session, month):
        raise MonthNotClosed(f"close {month} before finalising its reconciliation")
    _refuse_once_finalised(session, month)
    report = reconcile(session, actor, month, config)
    if report.status != "final":
        open_items = [line.item for line in report.lines if line.status == "open"]
        raise ReconciliationNotFinal(f"unexplained difference(s) in {month}: {', '.join(open_items)}")
    st = statement.get_statement(session, month, config=config)
    held_note = [n for n in [agent_holds.close_note(agent_holds.override_for(session, month))] if n]

    def render(stamp: papers.Stamp) -> bytes:
        setup = document_setup(session, settings, DEFAULT_LANGUAGE, stamp.made_on)
        return papers.berita_acara_pdf(report, st, setup, stamp, follow_up=[*held_note, *follow_up])

    doc = records.make_document(
        session,
        month=month,
        kind=papers.BERITA_ACARA,
        config=config,
        pattern=settings.berita_acara_number_pattern,
        agency=settings.document_agency_code,
        author=actor.username,
        render=render,
    )
    audit.record(session, actor, "billing.reconciliation.finalise", "period", month, number=doc.number)
    return doc


def berita_acara(session: Session, actor: Actor, month: str, settings: Settings, lang: str = "id") -> bytes:
    """The month's Berita Acara Rekonsiliasi: the stored final paper once finance finalised it (the same
    bytes every time), else made now from the reconciliation as it stands, marked SEMENTARA and unnumbered;
    in English a translation, never numbered."""
    stored = records.get_document(session, month, papers.BERITA_ACARA)
    if stored is not None and lang != "en":
        audit.record(session, actor, "billing.document.download", "period", month, kind=stored.kind)
        return stored.content
    config = config_for(settings)
    report = reconcile(session, actor, month, config)
    st = read_statement(session, actor, month, config)
    day = stored.made_on if stored is not None else _today(settings)
    stamp = papers.Stamp(made_on=day, provisional=stored is None)
    held_note = [n for n in [agent_holds.close_note(agent_holds.override_for(session, month), lang)] if n]
    return papers.berita_acara_pdf(
        report, st, document_setup(session, settings, lang, day), stamp, follow_up=held_note
    )


def invoice_pdf(session: Session, actor: Actor, month: str, settings: Settings, lang: str = "id") -> bytes:
    """The partner's draft invoice for the month, prefilled from the statement, with the partner's own
    invoice number when it recorded one. Marked as a draft; SEMENTARA too while the month is open."""
    st = read_statement(session, actor, month, config_for(settings))
    day = _today(settings)
    stamp = papers.Stamp(made_on=day, provisional=st.status != "closed")
    return papers.invoice_pdf(
        st,
        document_setup(session, settings, lang, day),
        stamp,
        partner_invoice_number=records.invoice_number(session, month),
    )


def record_invoice_number(session: Session, actor: Actor, month: str, number: str, settings: Settings) -> str:
    """The partner records the number it gave the month's invoice in its own books (audited)."""
    statement.get_statement(session, month, config=config_for(settings))  # a month in the future is refused
    row = records.record_invoice_number(session, month, number, author=actor.username)
    audit.record(session, actor, "billing.invoice_number", "period", month, number=row.invoice_number)
    return row.invoice_number


def month_documents(session: Session, actor: Actor, month: str) -> list[MonthDocument]:
    found = records.month_documents(session, month)
    audit.record(session, actor, "billing.documents.read", "period", month, rows=len(found))
    return found


def stored_document(session: Session, actor: Actor, month: str, kind: str) -> MonthDocument:
    found = records.get_document(session, month, kind)
    if found is None:
        raise DocumentNotMade(f"no final {kind} of {month} is made yet")
    audit.record(session, actor, "billing.document.download", "period", month, kind=kind)
    return found


def add_signatory(session: Session, actor: Actor, data: records.SignatoryIn) -> Signatory:
    row = records.add_signatory(session, data, author=actor.username)
    audit.record(
        session,
        actor,
        "billing.signatory.add",
        "signatory",
        row.id,
        side=row.side,
        name=row.name,
        effective_from=row.effective_from.isoformat(),
    )
    return row


def list_signatories(session: Session, actor: Actor) -> list[Signatory]:
    rows = records.list_signatories(session)
    audit.record(session, actor, "billing.signatories.read", "signatory", None, rows=len(rows))
    return rows
