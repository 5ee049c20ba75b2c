"""The ledger: double-entry, append-only, hash-chained.

Posting a :class:`CardPrintedEvent` appends one :class:`~billing.models.LedgerTransaction` and its balanced
:class:`~billing.models.LedgerEntry` lines, exactly once per ``event_key``:

- the same key with the same content again is a *duplicate*: nothing is posted;
- the same key with different content, or a card serial that is already billed, is a *conflict*: nothing
  is posted, :func:`post_card_printed` raises :class:`~billing.errors.EventConflict`, and :func:`post_events`
  (for outbox consumers) records it in ``billing_event_conflict``, where it blocks closing its month.

Accounts (the regency's books)::

    citizen pays   Dr citizen_fees_collected  fee    Cr partner_payable partner   Cr regency_revenue regency
    regency pays   Dr regency_service_expense fee    Cr partner_payable fee
    close          rounding adjustment between regency_revenue and partner_payable,
                   Dr ppn_on_partner_services / Cr partner_payable (PPN), Dr partner_payable / Cr pph23_payable

A correction is a ``reversal`` transaction that mirrors the one it points to (``corrects_seq``); a
transaction is corrected at most once (a unique column), and nothing is ever updated or deleted. The
``billing_billed_card`` table (card serial -> billing transaction) keeps a card from being billed twice
under two event keys; a reversal frees the card.

Chain: each transaction's ``hash`` is ``sha256(canonical_json(content))`` where the content is the array of
its :data:`HASHED_FIELDS` (every column but ``hash``, ``prev_hash`` included; booleans as 0/1) followed by
its lines ``[[account, debit, credit], ...]`` in line order; ``prev_hash`` is the previous transaction's
``hash`` (64 zeros for the first). :func:`verify_chain` recomputes all of it and names the first
transaction or entry that does not match.

Every function here takes the caller's :class:`~sqlmodel.Session`, takes the billing lock
(:mod:`billing.lock`) and only flushes: the caller commits, so a card's completion and its posting can be one
transaction.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import delete, func, insert, select
from sqlmodel import Session, col

from billing.canonical import GENESIS_HASH, canonical_bytes, canonical_json, sha256_hex, utc_text
from billing.config import BillingConfig
from billing.contracts import (
    Reason,
    list_contract_versions,
    price_card,
    pricing_sha256,
    terms_of,
    version_in_force,
)
from billing.errors import (
    AlreadyCorrected,
    BillingError,
    EventConflict,
    InvalidInput,
    NoContractInForce,
    NotFound,
)
from billing.lock import Head, lock_billing, move_head
from billing.models import (
    BilledCard,
    ChainHead,
    ContractVersion,
    EventConflictRecord,
    LedgerEntry,
    LedgerTransaction,
    Period,
)
from billing.periods import (
    ensure_periods,
    latest_closed_month,
    local_date,
    month_of,
    parse_month,
    posting_month,
)
from billing.privacy import mask_nik
from billing.signing import load_public_key, signature_valid

CITIZEN_FEES = "citizen_fees_collected"
REGENCY_EXPENSE = "regency_service_expense"
PARTNER_PAYABLE = "partner_payable"
REGENCY_REVENUE = "regency_revenue"
PPH23_PAYABLE = "pph23_payable"
PPN_EXPENSE = "ppn_on_partner_services"

TX = LedgerTransaction.__table__  # type: ignore[attr-defined]
ENTRY = LedgerEntry.__table__  # type: ignore[attr-defined]
BILLED = BilledCard.__table__  # type: ignore[attr-defined]

# Every column of a transaction that its hash covers (all but ``hash``), in table order.
HASHED_FIELDS: tuple[str, ...] = tuple(c.name for c in TX.columns if c.name != "hash")
_BOOL_COLUMNS = ("prior_period", "fault_reprint", "billed")
# The hashed fields as SQL, booleans read as 0/1 on every backend (SQLite has no boolean type).
_HASHED_SQL = ", ".join(f"CAST({n} AS INTEGER)" if n in _BOOL_COLUMNS else n for n in HASHED_FIELDS)
_PREV, _KEY = HASHED_FIELDS.index("prev_hash"), HASHED_FIELDS.index("event_key")
_KIND, _BILLED = HASHED_FIELDS.index("kind"), HASHED_FIELDS.index("billed")
_PERIOD, _DAY = HASHED_FIELDS.index("period"), HASHED_FIELDS.index("event_date")
_VERSION, _PRICING = HASHED_FIELDS.index("contract_version_id"), HASHED_FIELDS.index("pricing_sha256")

Line = tuple[str, int, int]  # account, debit, credit


class CardPrintedEvent(BaseModel):
    """A card came out of a printer, completed (the printing side's event; spoiled or cancelled cards
    produce none). ``event_key`` identifies the event: the same key must always carry the same content."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_key: str = Field(min_length=1, max_length=200)
    card_serial: str = Field(min_length=1, max_length=64)
    nik: str = Field(pattern=r"^\d{16}$", repr=False)  # personal data: kept out of reprs and logs
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
    outcomes: list[PostOutcome]

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


# --- content and hashing --------------------------------------------------------------------------------


def transaction_content(row: Mapping[str, Any], lines: Sequence[Line]) -> list[Any]:
    """The hashed content of a transaction: the values of :data:`HASHED_FIELDS` in that order (booleans as
    0 and 1), then its lines as ``[[account, debit, credit], ...]``. An array rather than an object keeps
    hashing a million transactions quick; the field order is part of the format (bundle README)."""
    values: list[Any] = [int(row[n]) if n in _BOOL_COLUMNS else row[n] for n in HASHED_FIELDS]
    values.append([list(line) for line in lines])
    return values


def content_hash(content: Sequence[Any]) -> str:
    return sha256_hex(canonical_bytes(content))


def signed_lines(pairs: Iterable[tuple[str, int]]) -> list[Line]:
    """Lines from (account, amount) pairs: positive amounts are debits, negative ones credits, zeros are
    left out. A reversal is the same pairs negated, so it mirrors what it undoes line by line."""
    return [(acc, amt, 0) if amt > 0 else (acc, 0, -amt) for acc, amt in pairs if amt != 0]


def card_lines(payer: str | None, fee: int, partner: int, regency: int) -> list[Line]:
    source = CITIZEN_FEES if payer == "citizen" else REGENCY_EXPENSE
    return signed_lines([(source, fee), (PARTNER_PAYABLE, -partner), (REGENCY_REVENUE, -regency)])


def close_lines(adjustment: int, ppn: int, pph23: int) -> list[Line]:
    return signed_lines(
        [
            (REGENCY_REVENUE, adjustment),
            (PARTNER_PAYABLE, -adjustment),
            (PPN_EXPENSE, ppn),
            (PARTNER_PAYABLE, -ppn),
            (PARTNER_PAYABLE, pph23),
            (PPH23_PAYABLE, -pph23),
        ]
    )


class _Appender:
    """Collects chained rows in memory and writes them in two bulk INSERTs (the caller holds the lock)."""

    def __init__(self, head: Head, now: datetime) -> None:
        self.head = head
        self.recorded_at = utc_text(now)
        self.tx_rows: list[dict[str, Any]] = []
        self.entry_rows: list[dict[str, Any]] = []
        self.billed_rows: list[dict[str, Any]] = []

    def append(self, row: dict[str, Any], lines: Sequence[Line]) -> int:
        seq = self.head.seq + 1
        full: dict[str, Any] = dict.fromkeys(HASHED_FIELDS)
        full.update(dict.fromkeys(_BOOL_COLUMNS, False))
        full.update(row, seq=seq, recorded_at=self.recorded_at, prev_hash=self.head.hash)
        full["hash"] = content_hash(transaction_content(full, lines))
        self.tx_rows.append(full)
        self.entry_rows.extend(
            {"transaction_seq": seq, "line": i, "account": a, "debit": d, "credit": c}
            for i, (a, d, c) in enumerate(lines, start=1)
        )
        self.head = Head(seq, full["hash"])
        if full["kind"] == "card" and full["billed"]:
            self.billed_rows.append({"card_serial": full["card_serial"], "seq": seq})
        return seq

    def write(self, session: Session) -> None:
        connection = session.connection()
        if connection.dialect.name == "postgresql" and len(self.tx_rows) > 1:
            # COPY is several times faster than batched INSERTs for a batch of postings.
            for table, rows in ((TX, self.tx_rows), (ENTRY, self.entry_rows), (BILLED, self.billed_rows)):
                _copy_rows(connection.connection.driver_connection, table, rows)
        else:
            for table, rows in ((TX, self.tx_rows), (ENTRY, self.entry_rows), (BILLED, self.billed_rows)):
                if rows:
                    session.execute(insert(table), rows)
        move_head(session, self.head)


def _copy_rows(driver: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    names = list(rows[0])
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[n] for n in names])


def _chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _existing_keys(session: Session, keys: Sequence[str]) -> dict[str, tuple[int, str | None]]:
    found: dict[str, tuple[int, str | None]] = {}
    for chunk in _chunks(keys):
        rows = session.execute(
            select(TX.c.event_key, TX.c.seq, TX.c.event_digest).where(TX.c.event_key.in_(chunk))
        )
        found.update({k: (s, d) for k, s, d in rows})
    return found


def _billed_serials(session: Session, serials: Sequence[str]) -> dict[str, int]:
    """Card serials already billed (and not reversed) -> the transaction that billed them."""
    found: dict[str, int] = {}
    for chunk in _chunks(serials):
        rows = session.execute(
            select(BILLED.c.card_serial, BILLED.c.seq).where(BILLED.c.card_serial.in_(chunk))
        )
        found.update((serial, seq) for serial, seq in rows)
    return found


class _Ordinals:
    """The next ``period_ordinal`` (n-th billed card posted in the month) per month."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.last: dict[str, int] = {}

    def next(self, month: str) -> int:
        if month not in self.last:
            top = self.session.execute(
                select(func.max(TX.c.period_ordinal)).where(TX.c.period == month)
            ).scalar()
            self.last[month] = int(top or 0)
        self.last[month] += 1
        return self.last[month]


# --- posting --------------------------------------------------------------------------------------------


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
    existing = _existing_keys(session, list({e.event_key for e in events}))
    billed = _billed_serials(session, list({e.card_serial for e in events}))
    ordinals = _Ordinals(session)
    appender = _Appender(head, now)
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
            conflicts.append(_conflict_record(event, event_month, seq, digest, detail, now))
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
            conflicts.append(_conflict_record(event, event_month, seq, digest, detail, now))
            continue

        period, prior = posting_month(event_month, latest_closed)
        row: dict[str, Any] = {
            "kind": "card",
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


def _conflict_record(
    event: CardPrintedEvent, event_month: str, seq: int | None, digest: str, detail: str, now: datetime
) -> EventConflictRecord:
    return EventConflictRecord(
        event_key=event.event_key,
        event_period=event_month,
        existing_seq=seq,
        received_digest=digest,
        detail=detail,
        received_at=utc_text(now),
    )


def post_correction(
    session: Session,
    *,
    corrects_seq: int,
    correction_key: str,
    note: str,
    config: BillingConfig,
    now: datetime | None = None,
) -> PostOutcome:
    """Reverse the billed card transaction ``corrects_seq`` (e.g. a card billed that was in fact spoiled).
    The reversal goes to the corrected transaction's month while it is open, otherwise to the first open
    month, marked prior-period. Idempotent on ``correction_key``. Flushes; the caller commits."""
    now = now or datetime.now(UTC)
    if not note.strip():
        raise InvalidInput("a correction must say why")
    head = lock_billing(session)
    digest = sha256_hex(canonical_bytes({"corrects_seq": corrects_seq, "note": note}))
    known = _existing_keys(session, [correction_key]).get(correction_key)
    if known is not None:
        if known[1] == digest:
            return PostOutcome(correction_key, "duplicate", known[0], "already posted")
        raise EventConflict(
            f"correction {correction_key} was posted as transaction {known[0]} with other content"
        )
    original = session.get(LedgerTransaction, corrects_seq)
    if original is None:
        raise NotFound(f"transaction {corrects_seq} does not exist")
    if original.kind != "card" or not original.billed:
        raise InvalidInput(
            f"transaction {corrects_seq} is not a billed card; only billed cards can be reversed"
        )
    done = session.execute(select(TX.c.seq).where(TX.c.corrects_seq == corrects_seq)).scalar()
    if done is not None:
        raise AlreadyCorrected(f"transaction {corrects_seq} was already reversed by transaction {done}")
    period, prior = posting_month(original.period, latest_closed_month(session))
    row = {name: getattr(original, name) for name in HASHED_FIELDS}
    row.update(
        kind="reversal",
        event_key=correction_key,
        event_digest=digest,
        period=period,
        prior_period=prior,
        fee=-original.fee,
        cards=-original.cards,
        partner=-original.partner,
        regency=-original.regency,
        period_ordinal=None,
        corrects_seq=corrects_seq,
        note=note,
    )
    appender = _Appender(head, now)
    seq = appender.append(
        row, card_lines(original.payer, -original.fee, -original.partner, -original.regency)
    )
    ensure_periods(session, {period})
    appender.write(session)
    session.execute(delete(BILLED).where(BILLED.c.seq == corrects_seq))  # the card may be billed again
    session.flush()
    return PostOutcome(correction_key, "posted", seq, f"posted to {period}")


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
) -> Head:
    """Append the month's closing transaction (the caller holds the lock and has checked the month)."""
    moment = utc_text(now)
    row = {
        "kind": "period_close",
        "event_key": f"close:{month}",
        "period": month,
        "event_period": month,
        "event_at": moment,
        "event_date": local_date(now, zone).isoformat(),
        "fee": 0,
        "cards": 0,
        "partner": adjustment,
        "regency": -adjustment,
        "note": f"per-period rounding {adjustment}, PPN {ppn}, PPh 23 {pph23}",
    }
    appender = _Appender(head, now)
    appender.append(row, close_lines(adjustment, ppn, pph23))
    appender.write(session)
    return appender.head


# --- conflicts --------------------------------------------------------------------------------------------


def list_conflicts(session: Session, *, unresolved_only: bool = True) -> list[EventConflictRecord]:
    query = select(EventConflictRecord).order_by(col(EventConflictRecord.id))
    if unresolved_only:
        query = query.where(col(EventConflictRecord.resolved_at).is_(None))
    return list(session.scalars(query))


def resolve_conflict(
    session: Session, conflict_id: int, resolution: str, *, now: datetime | None = None
) -> None:
    """Mark a conflict resolved (after the right event was posted under a new key, or it was found bogus)."""
    record = session.get(EventConflictRecord, conflict_id)
    if record is None:
        raise NotFound(f"conflict {conflict_id} does not exist")
    if not resolution.strip():
        raise InvalidInput("say how the conflict was resolved")
    record.resolved_at = utc_text(now or datetime.now(UTC))
    record.resolution = resolution
    session.add(record)
    session.flush()


# --- verification -----------------------------------------------------------------------------------------


@dataclass
class VerificationResult:
    """``ok`` when every transaction's hash matches its content and links to the previous one, every
    transaction balances, and the chain head and the closed months' recorded heads agree with the chain.
    ``problems`` name the transactions and entries that do not (the first ones, up to a hundred)."""

    ok: bool
    transactions: int
    entries: int
    head_seq: int
    head_hash: str
    problems: list[str]
    first_bad_seq: int | None = None


MAX_PROBLEMS = 100
_cursor_ids = itertools.count()


def _raw_rows(session: Session, sql: str) -> Iterator[tuple[Any, ...]]:
    """Rows of a plain SQL query straight from the driver, streamed in blocks, inside the session's
    transaction. Verification reads every row of the ledger; SQLAlchemy's per-row work would double its
    time. On PostgreSQL a named (server-side) cursor keeps a million rows out of memory."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None
    if connection.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"billing_scan_{next(_cursor_ids)}")
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(20_000):
            yield from rows
    finally:
        cursor.close()


def verify_chain(session: Session, *, public_key_pem: str | None = None) -> VerificationResult:
    """Recompute the whole chain from the database and say what does not match. With the regency's public
    key, also check each closed month's signed statement and that it names the head the month recorded
    (someone able to rewrite the database can recompute hashes, but cannot sign)."""
    problems: list[str] = []
    first_bad: list[int] = []

    def bad(seq: int, message: str) -> None:
        if not first_bad:
            first_bad.append(seq)
        if len(problems) < MAX_PROBLEMS:
            problems.append(message)

    periods = list(session.scalars(select(Period).where(col(Period.status) == "closed")))
    if public_key_pem is not None:
        for message in _check_signed_statements(periods, public_key_pem):
            bad(0, message)
    closed = {p.head_seq: (p.month, p.head_hash) for p in periods if p.head_seq is not None}
    for p in periods:
        if p.head_seq is None or p.statement_json is None or p.signature is None:
            bad(0, f"month {p.month} is marked closed without a signed statement and chain head")
    # Every closing transaction must have its closed, signed month row: a deleted or reopened row would
    # otherwise let late cards post into a month already signed.
    closed_at_seq = {p.head_seq: p.month for p in periods if p.statement_json is not None}
    versions = _version_checks(session, lambda message: bad(0, message))

    entries = _raw_rows(
        session,
        "SELECT transaction_seq, account, debit, credit, id, line FROM billing_entry ORDER BY transaction_seq, line",
    )
    pending = next(entries, None)
    n_fields = len(HASHED_FIELDS)
    encode = canonical_json
    prev_hash, expected, count, entry_count, billed = GENESIS_HASH, 1, 0, 0, 0
    for row in _raw_rows(session, f"SELECT {_HASHED_SQL}, hash FROM billing_transaction ORDER BY seq"):
        seq, stored_hash = row[0], row[n_fields]
        count += 1
        if seq != expected:
            bad(expected, f"transactions {expected} to {seq - 1} are missing (deleted or renumbered)")
        if row[_PREV] != prev_hash:
            bad(seq, f"transaction {seq} ({row[_KEY]}): prev_hash does not match the transaction before it")
        while pending is not None and pending[0] < seq:
            bad(pending[0], f"entry {pending[4]} belongs to transaction {pending[0]}, not in the chain")
            pending = next(entries, None)
        stored: list[tuple[Any, ...]] = []
        debits = credits = 0
        while pending is not None and pending[0] == seq:
            stored.append(pending)
            debits += pending[2]
            credits += pending[3]
            pending = next(entries, None)
        entry_count += len(stored)
        lines = [e[1:4] for e in stored]
        if sha256_hex(encode((*row[:n_fields], lines)).encode()) != stored_hash:
            bad(seq, _diagnose(dict(zip(HASHED_FIELDS, row, strict=False)), stored))
        if debits != credits:
            bad(seq, f"transaction {seq} does not balance (entries {', '.join(str(e[4]) for e in stored)})")
        if seq in closed:
            if closed[seq][1] != stored_hash:
                bad(seq, f"month {closed[seq][0]} was closed at transaction {seq} with another hash")
            del closed[seq]
        if row[_VERSION] is not None:
            version = versions.get(row[_VERSION])
            if version is None or version[0] != row[_PRICING]:
                bad(
                    seq,
                    f"transaction {seq}: contract version {row[_VERSION]} no longer has the terms that priced it",
                )
            elif not version[1] <= row[_DAY] <= version[2]:
                bad(
                    seq,
                    f"transaction {seq}: contract version {row[_VERSION]} was not in force on {row[_DAY]}",
                )
        if row[_KIND] == "period_close" and closed_at_seq.get(seq) != row[_PERIOD]:
            bad(seq, f"month {row[_PERIOD]} was closed by transaction {seq}, but has no closed, signed row")
        if row[_KIND] == "card":
            billed += row[_BILLED]
        elif row[_KIND] == "reversal":
            billed -= 1
        prev_hash, expected = stored_hash, seq + 1
    while pending is not None:
        bad(pending[0], f"entry {pending[4]} belongs to transaction {pending[0]}, not in the chain")
        pending = next(entries, None)
    for seq, (month, _) in closed.items():
        bad(seq, f"month {month} was closed at transaction {seq}, which is not in the chain")
    head = session.get(ChainHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if (head_seq, head_hash) != (expected - 1, prev_hash):
        bad(expected, f"the chain head records transaction {head_seq}, the ledger ends at {expected - 1}")
    guarded = session.execute(select(func.count()).select_from(BILLED)).scalar_one()
    if guarded != billed:
        bad(0, f"{guarded} cards are marked billed, the ledger bills {billed}")
    ok = not problems
    return VerificationResult(
        ok, count, entry_count, expected - 1, prev_hash, problems, first_bad[0] if first_bad else None
    )


def _version_checks(session: Session, bad: Callable[[str], None]) -> dict[int, tuple[str, str, str]]:
    """Each contract version's pricing hash and first and last day in force (``9999-12-31`` when open), from
    its stored terms; a version whose columns disagree with its terms is named through ``bad``."""
    found: dict[int, tuple[str, str, str]] = {}
    # Read the rows as stored (Core, not ORM objects the session may hold from before).
    table = ContractVersion.__table__  # type: ignore[attr-defined]
    columns = (table.c.id, table.c.number, table.c.effective_from, table.c.effective_to)
    for vid, number, start, end, terms_json, stored_sha in session.execute(
        select(*columns, table.c.terms_json, table.c.terms_sha256)
    ):
        terms = json.loads(terms_json)
        if sha256_hex(terms_json.encode()) != stored_sha:
            bad(f"contract version {vid}: its terms do not match its terms_sha256")
        to = end.isoformat() if end else None
        if (start.isoformat(), to, number) != (
            terms.get("effective_from"),
            terms.get("effective_to"),
            terms.get("number"),
        ):
            bad(f"contract version {vid}: its dates or number disagree with its terms")
        found[vid] = (pricing_sha256(terms_json), start.isoformat(), to or "9999-12-31")
    return found


def _check_signed_statements(periods: Sequence[Period], public_key_pem: str) -> Iterator[str]:
    key = load_public_key(public_key_pem)
    for p in periods:
        if p.statement_json is None or p.signature is None:
            yield f"closed month {p.month} has no signed statement"
            continue
        if not signature_valid(key, p.statement_json.encode("utf-8"), p.signature):
            yield f"the signed statement of {p.month} does not match its signature"
        chain = json.loads(p.statement_json).get("chain") or {}
        if (chain.get("head_seq"), chain.get("head_hash")) != (p.head_seq, p.head_hash):
            yield f"month {p.month} records a chain head other than its signed statement names"


def _diagnose(row: Mapping[str, Any], stored: Sequence[tuple[Any, ...]]) -> str:
    """Say which part of a transaction whose hash no longer matches looks changed (``stored``: its entries
    as ``(transaction_seq, account, debit, credit, id, line)``)."""
    seq = row["seq"]
    head = f"transaction {seq} ({row['event_key']}): its content does not match its hash"
    if row["kind"] in ("card", "reversal"):
        expected = card_lines(row["payer"], row["fee"], row["partner"], row["regency"])
        for i, (_, account, debit, credit, entry_id, line) in enumerate(stored):
            want = expected[i] if i < len(expected) else None
            if want != (account, debit, credit):
                return f"{head}; entry {entry_id} (line {line}, {account} {debit}/{credit}) disagrees with it"
        if len(stored) < len(expected):
            return f"{head}; an entry of it is missing (it has {len(stored)} of {len(expected)})"
    return f"{head}; a column or an entry of it was changed"


def iter_transactions(session: Session, first_seq: int, last_seq: int) -> Iterator[tuple[list[Any], str]]:
    """Transactions ``first_seq`` to ``last_seq`` in chain order, each as its hashed content
    (:func:`transaction_content`) and its stored hash (for bundles)."""
    first, last = int(first_seq), int(last_seq)
    yield from _iter_content(
        session, f"seq BETWEEN {first} AND {last}", f"transaction_seq BETWEEN {first} AND {last}"
    )


def iter_month_transactions(session: Session, month: str) -> Iterator[tuple[list[Any], str]]:
    """The transactions posted to ``month`` in chain order, as :func:`iter_transactions` (for exports)."""
    parse_month(month)  # checked: it is written into the SQL below
    in_month = f"period = '{month}'"
    yield from _iter_content(
        session, in_month, f"transaction_seq IN (SELECT seq FROM billing_transaction WHERE {in_month})"
    )


def _iter_content(session: Session, tx_where: str, entry_where: str) -> Iterator[tuple[list[Any], str]]:
    entries = _raw_rows(
        session,
        f"SELECT transaction_seq, account, debit, credit FROM billing_entry WHERE {entry_where} "
        "ORDER BY transaction_seq, line",
    )
    pending = next(entries, None)
    n_fields = len(HASHED_FIELDS)
    sql = f"SELECT {_HASHED_SQL}, hash FROM billing_transaction WHERE {tx_where} ORDER BY seq"
    for row in _raw_rows(session, sql):
        lines: list[list[Any]] = []
        while pending is not None and pending[0] == row[0]:
            lines.append([pending[1], pending[2], pending[3]])
            pending = next(entries, None)
        yield [*row[:n_fields], lines], row[n_fields]
