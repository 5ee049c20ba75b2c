"""Billing's tables, all prefixed ``billing_`` and registered on ``SQLModel.metadata`` so the application's
Alembic autogenerate picks them up.

Times are fixed-width UTC text (see :mod:`billing.canonical`) and money is ``BIGINT`` whole rupiah.

The ledger (:class:`LedgerTransaction`, :class:`LedgerEntry`) is append-only: :func:`append_only_ddl` gives
the triggers that make the database refuse UPDATE and DELETE on it; the hash chain detects changes made by
someone able to drop those triggers.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

# SQLite only auto-increments an ``INTEGER PRIMARY KEY`` (a rowid alias), not a ``BIGINT`` one.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _money(*, nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(sa.BigInteger(), nullable=nullable)


class ContractVersion(SQLModel, table=True):
    """One version of the revenue-share agreement, in force from ``effective_from`` to ``effective_to``
    (both inclusive, local dates; ``None`` = open-ended). ``terms_json`` is the canonical JSON of the
    validated :class:`billing.contracts.ContractTerms`; ``terms_sha256`` its hash, quoted in statements."""

    __tablename__ = "billing_contract_version"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=100, index=True)
    partner_name: str = Field(max_length=200)
    effective_from: date
    effective_to: date | None = None
    terms_json: str = Field(sa_column=Column(sa.Text(), nullable=False))
    terms_sha256: str = Field(max_length=64)
    created_at: str = Field(max_length=27)
    # The day the agreement was signed, as documents cite it ("027/PKS/2026 tanggal 02-01-2026"); kept out of
    # the hashed terms so versions stored before it keep their hashes. None: not entered.
    signed_on: date | None = None


class ChainHead(SQLModel, table=True):
    """The single row (``id = 1``) holding the ledger's last sequence number and hash. Every append locks
    this row first, so two writers can never both extend the chain from the same head."""

    __tablename__ = "billing_chain_head"

    id: int = Field(primary_key=True)
    seq: int = Field(sa_column=Column(sa.BigInteger(), nullable=False))
    hash: str = Field(max_length=64)


class Period(SQLModel, table=True):
    """A billing month (``YYYY-MM`` in the configured zone). ``open`` until closed; closing stores the signed
    statement and the chain head it covers, after which nothing more is posted to the month."""

    __tablename__ = "billing_period"

    month: str = Field(primary_key=True, max_length=7)
    status: str = Field(default="open", max_length=8)
    closed_at: str | None = Field(default=None, max_length=27)
    statement_json: str | None = Field(default=None, sa_column=Column(sa.Text(), nullable=True))
    signature: str | None = Field(default=None, max_length=200)
    key_id: str | None = Field(default=None, max_length=64)
    head_seq: int | None = Field(default=None, sa_column=Column(sa.BigInteger(), nullable=True))
    head_hash: str | None = Field(default=None, max_length=64)


class LedgerTransaction(SQLModel, table=True):
    """One balanced ledger transaction, a link of the hash chain.

    ``kind`` is ``card`` (a card printed; ``billed`` false when the contract does not bill it, e.g. a
    reprint after a printer fault), ``reversal`` (undoes the transaction ``corrects_seq`` points to) or
    ``period_close`` (the month's per-period rounding adjustment and taxes, posted when it closes).

    ``fee``/``cards``/``partner``/``regency`` are the transaction's allocation (negative for a reversal);
    its :class:`LedgerEntry` lines say the same in debits and credits. ``hash`` is the SHA-256 of the
    canonical JSON of every column except ``hash`` (``prev_hash`` included) plus the lines (see
    :func:`billing.ledger.transaction_content`).

    No full NIK is stored: ``nik_masked`` for the partner's view, and ``event_digest``, an HMAC of the whole
    event with a secret kept outside the database, to recognise a replay without making NIKs guessable
    from an exported bundle.
    """

    __tablename__ = "billing_transaction"
    __table_args__ = (sa.Index("ix_billing_transaction_period_ordinal", "period", "period_ordinal"),)

    seq: int = Field(sa_column=Column(BigId, primary_key=True, autoincrement=False))
    kind: str = Field(max_length=16)
    event_key: str = Field(max_length=200, unique=True)
    event_digest: str | None = Field(default=None, max_length=64)
    period: str = Field(max_length=7)  # indexed with period_ordinal (see __table_args__)
    event_period: str = Field(max_length=7)
    prior_period: bool = False
    event_at: str = Field(max_length=27)
    event_date: str = Field(max_length=10)
    recorded_at: str = Field(max_length=27)
    contract_version_id: int | None = Field(default=None, foreign_key="billing_contract_version.id")
    # Binds the card to the terms that priced it (billing.contracts.pricing_sha256): a version's terms changed
    # in the database afterwards no longer match the chain.
    pricing_sha256: str | None = Field(default=None, max_length=64)
    card_serial: str | None = Field(default=None, max_length=64, index=True)
    nik_masked: str | None = Field(default=None, max_length=16)
    office_code: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, max_length=32)
    printer_id: str | None = Field(default=None, max_length=64)
    template_version: str | None = Field(default=None, max_length=64)
    fault_reprint: bool = False
    billed: bool = False
    payer: str | None = Field(default=None, max_length=8)
    fee: int = Field(sa_column=_money())
    cards: int
    partner: int = Field(sa_column=_money())
    regency: int = Field(sa_column=_money())
    rate_bp: int | None = None
    period_ordinal: int | None = None
    corrects_seq: int | None = Field(
        default=None, sa_column=Column(sa.BigInteger(), sa.ForeignKey("billing_transaction.seq"), unique=True)
    )
    note: str | None = Field(default=None, max_length=500)
    # No unique index on the hashes: the primary key on ``seq`` already makes a fork impossible, and two
    # 64-character indexes would slow every posting for nothing.
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class LedgerEntry(SQLModel, table=True):
    """One line of a transaction: an account debited or credited (exactly one of the two is non-zero)."""

    __tablename__ = "billing_entry"
    __table_args__ = (sa.UniqueConstraint("transaction_seq", "line"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    transaction_seq: int = Field(
        sa_column=Column(sa.BigInteger(), sa.ForeignKey("billing_transaction.seq"), nullable=False)
    )
    line: int
    account: str = Field(max_length=40)
    debit: int = Field(sa_column=_money())
    credit: int = Field(sa_column=_money())


class BilledCard(SQLModel, table=True):
    """Each card serial currently billed, and the transaction that bills it: inserted with the card's
    transaction, deleted by its reversal. The primary key makes a second billing of the same card impossible
    even under two event keys; :func:`billing.chain.verify_chain` checks it against the ledger."""

    __tablename__ = "billing_billed_card"

    card_serial: str = Field(primary_key=True, max_length=64)
    seq: int = Field(
        sa_column=Column(sa.BigInteger(), sa.ForeignKey("billing_transaction.seq"), nullable=False)
    )


class MonthRollup(SQLModel, table=True):
    """The month's statement groups kept current as transactions are posted (:mod:`billing.rollups`): per
    posting month, statement group (``group_key``, the canonical JSON of office, reason, contract version,
    payer, rate, prior-period and billed) and writer ``slot``, the count of transactions, cards, fee and
    shares, and the rows the month's entry listing shows for them. Each posting adds its batch's sums to its
    own slot's rows with one atomic upsert (``n = n + excluded.n``), so no update is lost and no single
    row is every writer's; reads add the slots up. A figure for pages only: verification and closing
    recompute from the ledger."""

    __tablename__ = "billing_month_rollup"
    __table_args__ = (sa.UniqueConstraint("period", "group_key", "slot", name="uq_billing_month_rollup"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    period: str = Field(max_length=7)
    group_key: str = Field(max_length=400)
    slot: int
    n: int = Field(sa_column=_money())
    cards: int = Field(sa_column=_money())
    fee: int = Field(sa_column=_money())
    partner: int = Field(sa_column=_money())
    regency: int = Field(sa_column=_money())
    entry_rows: int = Field(sa_column=_money())


class EventConflictRecord(SQLModel, table=True):
    """An event that arrived under a key already posted with different content. Nothing was posted for it;
    it stays here until someone resolves it, and an unresolved conflict keeps its month from closing."""

    __tablename__ = "billing_event_conflict"

    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(max_length=200, index=True)
    event_period: str = Field(max_length=7, index=True)
    existing_seq: int | None = Field(default=None, sa_column=Column(sa.BigInteger(), nullable=True))
    received_digest: str = Field(max_length=64)
    detail: str = Field(max_length=500)
    received_at: str = Field(max_length=27)
    resolved_at: str | None = Field(default=None, max_length=27)
    resolution: str | None = Field(default=None, max_length=500)


class MoneyReceived(SQLModel, table=True):
    """Money that actually arrived in the regional treasury for an office on a day (entered or imported),
    or the reversal of such an entry. Rows are never changed or deleted (append-only): a wrong entry is
    undone by a reversing row (``reverses_id`` names it, ``amount`` is its negative, ``reason`` says why).

    ``reference`` is the payment reference, normally the number of the deposit slip (STS, Surat Tanda
    Setoran); ``None`` for a reversal and for older entries recorded without one. A reference is recorded
    once: ``(reference, reference_reentry)`` is unique, and ``reference_reentry`` counts the earlier entries
    with the same reference, all of which must have been reversed (so a wrong amount can be reversed and
    the slip recorded again, but a slip can never count twice)."""

    __tablename__ = "billing_money_received"
    __table_args__ = (
        sa.UniqueConstraint("reference", "reference_reentry", name="uq_billing_money_received_reference"),
        sa.UniqueConstraint("reverses_id", name="uq_billing_money_received_reverses_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)
    office_code: str = Field(max_length=32)
    day: date
    amount: int = Field(sa_column=_money())
    reference: str | None = Field(default=None, max_length=100)
    reference_reentry: int = Field(
        default=0, sa_column=Column(sa.Integer(), nullable=False, server_default="0")
    )
    source: str = Field(max_length=200)
    recorded_at: str = Field(max_length=27)
    recorded_by: str = Field(default="", sa_column=Column(sa.String(100), nullable=False, server_default=""))
    reverses_id: int | None = Field(
        default=None,
        sa_column=Column(
            sa.Integer(),
            sa.ForeignKey("billing_money_received.id", name="fk_billing_money_received_reverses_id"),
            nullable=True,
        ),
    )
    reason: str | None = Field(default=None, max_length=500)


class PartnerCount(SQLModel, table=True):
    """The partner's own count of the cards billed in a month, as its auditor entered it. Append-only: a
    new count is a new row and the latest (highest ``id``) counts, the earlier ones are its history."""

    __tablename__ = "billing_partner_count"

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)
    cards: int = Field(sa_column=Column(sa.BigInteger(), nullable=False))
    note: str = Field(default="", max_length=500)
    author: str = Field(max_length=100)
    recorded_at: str = Field(max_length=27)


class ReconciliationNote(SQLModel, table=True):
    """An explanation of one difference in a month's reconciliation (the latest per item counts).
    ``difference`` is the difference it was written for: it explains the item only while the difference is
    still that (``None``: a note from a caller that did not say, which explains whatever the difference)."""

    __tablename__ = "billing_reconciliation_note"

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)
    item: str = Field(max_length=100)
    explanation: str = Field(max_length=1000)
    difference: int | None = Field(default=None, sa_column=_money(nullable=True))
    author: str = Field(max_length=100)
    recorded_at: str = Field(max_length=27)


class ChainCheckpoint(SQLModel, table=True):
    """A signed record of the chain head at a moment (:mod:`billing.checkpoints`): made when a month closes
    (``reason`` ``close``, ``month`` set) and every few minutes while the head moves (``interval``). A copy
    of each goes to an append-only file outside the database, and the partner keeps its own: a ledger cut
    back or wiped in the database no longer reaches a head these name."""

    __tablename__ = "billing_checkpoint"

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    seq: int = Field(sa_column=Column(sa.BigInteger(), nullable=False))
    hash: str = Field(max_length=64)
    made_at: str = Field(max_length=27)
    reason: str = Field(max_length=16)
    month: str | None = Field(default=None, max_length=7)
    key_id: str = Field(max_length=64)
    signature: str = Field(max_length=200)


class Signatory(SQLModel, table=True):
    """Who signs month-end documents for one side (``regency`` or ``partner``) from ``effective_from`` on.
    A change is a new row (the history stays, append-only); the row in force on a day is the one with the
    latest ``effective_from`` on or before it (the latest recorded among equals)."""

    __tablename__ = "billing_signatory"

    id: int | None = Field(default=None, primary_key=True)
    side: str = Field(max_length=8, index=True)
    name: str = Field(max_length=120)
    nip: str = Field(default="", max_length=18)  # a civil servant's 18-digit NIP (the regency's side)
    rank: str = Field(default="", max_length=80)  # pangkat/golongan, e.g. "Pembina Tingkat I (IV/b)"
    position: str = Field(max_length=160)  # jabatan, e.g. "Kepala Dinas ..." or "Direktur Utama"
    institution: str = Field(max_length=200)  # the agency, or the partner's company name
    npwp: str = Field(default="", max_length=32)
    address: str = Field(default="", max_length=300)
    effective_from: date
    recorded_at: str = Field(max_length=27)
    recorded_by: str = Field(max_length=100)


class MonthDocument(SQLModel, table=True):
    """A month-end document as it was made, once: the final statement (made when the month closes) or the
    final Berita Acara (made when finance finalises the reconciliation). ``content`` holds the PDF's bytes,
    ``sha256`` their hash and ``signature`` their Ed25519 signature by key ``key_id``. ``number`` comes from
    the per-year sequence ``sequence`` of ``kind`` in ``year``, the year it was made (``made_on``, local)."""

    __tablename__ = "billing_document"
    __table_args__ = (
        sa.UniqueConstraint("month", "kind", name="uq_billing_document_month_kind"),
        sa.UniqueConstraint("kind", "year", "sequence", name="uq_billing_document_sequence"),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)
    kind: str = Field(max_length=16)
    year: int
    sequence: int
    number: str = Field(max_length=100)
    made_on: date
    made_at: str = Field(max_length=27)
    made_by: str = Field(max_length=100)
    sha256: str = Field(max_length=64)
    key_id: str = Field(max_length=64)
    signature: str = Field(max_length=200)
    content: bytes = Field(sa_column=Column(sa.LargeBinary(), nullable=False))


class PartnerInvoiceNumber(SQLModel, table=True):
    """The number the partner gave the month's invoice in its own books (the latest row counts; a change is
    a new row)."""

    __tablename__ = "billing_partner_invoice"

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)
    invoice_number: str = Field(max_length=100)
    recorded_at: str = Field(max_length=27)
    recorded_by: str = Field(max_length=100)


APPEND_ONLY_TABLES = (
    "billing_transaction",
    "billing_entry",
    "billing_checkpoint",
    "billing_signatory",
    "billing_document",
    "billing_partner_invoice",
    "billing_money_received",
    "billing_partner_count",
)

# A month's row is kept for good, and once its statement is stored (closing) it never changes: without this a
# deleted row would reopen the month to late postings. Opening a row (INSERT) and closing it (one UPDATE of
# an open row) stay allowed.
_PERIOD_REFUSALS = "billing_period rows are kept and a closed month is fixed"
PERIOD_GUARD_PG = [
    "CREATE OR REPLACE FUNCTION billing_period_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN IF TG_OP = 'DELETE' OR OLD.statement_json IS NOT NULL THEN "
    f"RAISE EXCEPTION '{_PERIOD_REFUSALS}: % of month % refused', TG_OP, OLD.month; END IF; "
    "RETURN NEW; END $$",
    "CREATE OR REPLACE TRIGGER billing_period_guard BEFORE UPDATE OR DELETE ON billing_period "
    "FOR EACH ROW EXECUTE FUNCTION billing_period_refuse_change()",
]
PERIOD_GUARD_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS billing_period_no_delete BEFORE DELETE ON billing_period "
    f"BEGIN SELECT RAISE(ABORT, '{_PERIOD_REFUSALS}: DELETE refused'); END",
    "CREATE TRIGGER IF NOT EXISTS billing_period_closed_no_update BEFORE UPDATE ON billing_period "
    f"WHEN OLD.statement_json IS NOT NULL BEGIN SELECT RAISE(ABORT, '{_PERIOD_REFUSALS}: UPDATE refused'); END",
]


# TRUNCATE fires no row trigger: on PostgreSQL a statement trigger refuses it on every billing table (SQLite
# has no TRUNCATE). A superuser can still switch triggers off (session_replication_role): run the
# application under a role that is neither superuser nor owner of the tables (README, Tamper evidence).
TRUNCATE_GUARD_FUNCTION_PG = (
    "CREATE OR REPLACE FUNCTION ktp_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '% keeps its rows: TRUNCATE refused', TG_TABLE_NAME; END $$"
)


def truncate_guard_pg(table: str) -> str:
    return (
        f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION ktp_refuse_truncate()"
    )


def append_only_ddl(dialect_name: str) -> list[str]:
    """Statements that make the database refuse UPDATE and DELETE on the ledger tables and checkpoints,
    DELETE of a period row and UPDATE of a closed one, and (PostgreSQL) TRUNCATE of any billing table; safe
    to run again (the application's migrations a2, a3, a8 and b1 hold the same DDL written out)."""
    if dialect_name == "postgresql":
        statements = [
            "CREATE OR REPLACE FUNCTION billing_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$"
        ]
        statements += [
            f"CREATE OR REPLACE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
            "FOR EACH ROW EXECUTE FUNCTION billing_refuse_change()"
            for t in APPEND_ONLY_TABLES
        ]
        statements += [TRUNCATE_GUARD_FUNCTION_PG, *(truncate_guard_pg(t.name) for t in billing_tables())]
        return statements + PERIOD_GUARD_PG
    statements = [
        f"CREATE TRIGGER IF NOT EXISTS {t}_no_{action.lower()} BEFORE {action} ON {t} "
        f"BEGIN SELECT RAISE(ABORT, '{t} is append-only: {action} refused'); END"
        for t in APPEND_ONLY_TABLES
        for action in ("UPDATE", "DELETE")
    ]
    return statements + PERIOD_GUARD_SQLITE


def billing_tables() -> list[sa.Table]:
    return [t for t in SQLModel.metadata.sorted_tables if t.name.startswith("billing_")]


def create_billing_tables(engine: sa.Engine) -> None:
    """Create billing's tables and the append-only triggers (tests and benchmarks; the application uses
    its Alembic migrations)."""
    with engine.begin() as conn:
        SQLModel.metadata.create_all(conn, tables=billing_tables())
        for statement in append_only_ddl(conn.dialect.name):
            conn.execute(sa.text(statement))
