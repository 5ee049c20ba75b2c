"""The ledger's books and record format: double-entry, append-only, hash-chained.

The format (accounts, the hashed fields, the lines a card, a reversal or a month's close posts, how a
transaction is hashed) is defined once in :mod:`ktp_verify.book`, which the partner's standalone verifier
reads bundles with; this module re-exports it, checks the table matches it, and holds :class:`Appender`,
which chains new transactions and writes them. Who posts what is elsewhere: cards in :mod:`billing.posting`,
reversals in :mod:`billing.corrections`, conflicts in :mod:`billing.conflicts`; reading the chain back and
verifying it in :mod:`billing.chain`. Nothing in the ledger is ever updated or deleted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from billing.canonical import utc_text
from billing.lock import Head, move_head
from billing.models import BilledCard, LedgerEntry, LedgerTransaction
from billing.rollups import add_to_rollups
from billing.vocab import TransactionKind
from ktp_verify.book import (
    BOOL_COLUMNS,
    HASHED_FIELDS,
    Line,
    card_lines,
    close_lines,
    content_hash,
    signed_lines,
    transaction_content,
)

__all__ = [
    "BILLED",
    "BOOL_COLUMNS",
    "ENTRY",
    "HASHED_FIELDS",
    "HASHED_SQL",
    "TX",
    "Appender",
    "Line",
    "card_lines",
    "chunks",
    "close_lines",
    "content_hash",
    "existing_keys",
    "signed_lines",
    "transaction_content",
]

TX = LedgerTransaction.__table__  # type: ignore[attr-defined]
ENTRY = LedgerEntry.__table__  # type: ignore[attr-defined]
BILLED = BilledCard.__table__  # type: ignore[attr-defined]

# The verifier hashes exactly these columns: a column added to the table must be added to the format too.
_COLUMNS = tuple(c.name for c in TX.columns if c.name != "hash")
if _COLUMNS != HASHED_FIELDS:
    raise RuntimeError(f"billing_transaction's columns {_COLUMNS} differ from ktp_verify.book.HASHED_FIELDS")
# The hashed fields as SQL, booleans read as 0/1 on every backend (SQLite has no boolean type).
HASHED_SQL = ", ".join(f"CAST({n} AS INTEGER)" if n in BOOL_COLUMNS else n for n in HASHED_FIELDS)


class Appender:
    """Chains new transactions onto ``head``: :meth:`append` computes each one's ``seq``, ``prev_hash`` and
    ``hash`` and keeps its rows in memory; :meth:`write` stores them all in bulk and moves the chain head.
    The caller holds the billing lock from reading ``head`` until it commits."""

    def __init__(self, head: Head, now: datetime) -> None:
        self.head = head
        self.recorded_at = utc_text(now)
        self.tx_rows: list[dict[str, Any]] = []
        self.entry_rows: list[dict[str, Any]] = []
        self.billed_rows: list[dict[str, Any]] = []
        self.line_counts: list[int] = []

    def append(self, row: dict[str, Any], lines: Sequence[Line]) -> int:
        """Chain one transaction (``row``: its columns apart from the chain's) with its lines; its ``seq``."""
        seq = self.head.seq + 1
        full: dict[str, Any] = dict.fromkeys(HASHED_FIELDS)
        full.update(dict.fromkeys(BOOL_COLUMNS, False))
        full.update(row, seq=seq, recorded_at=self.recorded_at, prev_hash=self.head.hash)
        full["hash"] = content_hash(transaction_content(full, lines))
        self.tx_rows.append(full)
        self.line_counts.append(len(lines))
        self.entry_rows.extend(
            {"transaction_seq": seq, "line": i, "account": a, "debit": d, "credit": c}
            for i, (a, d, c) in enumerate(lines, start=1)
        )
        self.head = Head(seq, full["hash"])
        if full["kind"] == TransactionKind.CARD and full["billed"]:
            self.billed_rows.append({"card_serial": full["card_serial"], "seq": seq})
        return seq

    def write(self, session: Session) -> None:
        """Insert the appended transactions, their lines and billed cards, add them to their months'
        roll-ups (:mod:`billing.rollups`), then move the chain head."""
        connection = session.connection()
        tables = ((TX, self.tx_rows), (ENTRY, self.entry_rows), (BILLED, self.billed_rows))
        if connection.dialect.name == "postgresql" and len(self.tx_rows) > 1:
            # COPY is several times faster than batched INSERTs for a batch of postings.
            for table, rows in tables:
                _copy_rows(connection.connection.driver_connection, table, rows)
        elif len(self.tx_rows) > 1:
            # The driver's own executemany: SQLAlchemy's per-row parameter processing doubled a batch's time.
            for table, rows in tables:
                _executemany_rows(connection, table, rows)
        else:
            for table, rows in tables:
                if rows:
                    session.execute(insert(table), rows)
        add_to_rollups(session, self.tx_rows, self.line_counts)
        move_head(session, self.head)


def _executemany_rows(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    names = list(rows[0])
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, [tuple(row[n] for n in names) for row in rows])
    finally:
        cursor.close()


def _copy_rows(driver: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    names = list(rows[0])
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[n] for n in names])


def chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """``items`` in slices of ``size`` (to keep ``IN (...)`` lists short)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def existing_keys(session: Session, keys: Sequence[str]) -> dict[str, tuple[int, str | None]]:
    """The event keys among ``keys`` already in the ledger -> (their transaction, their event digest)."""
    found: dict[str, tuple[int, str | None]] = {}
    for chunk in chunks(keys):
        rows = session.execute(
            select(TX.c.event_key, TX.c.seq, TX.c.event_digest).where(TX.c.event_key.in_(chunk))
        )
        found.update({k: (s, d) for k, s, d in rows})
    return found
