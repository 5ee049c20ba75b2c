"""The ledger's books and record format: double-entry, append-only, hash-chained.

Accounts (the regency's books, :class:`billing.vocab.Account`)::

    citizen pays   Dr citizen_fees_collected  fee    Cr partner_payable partner   Cr regency_revenue regency
    regency pays   Dr regency_service_expense fee    Cr partner_payable fee
    close          rounding adjustment between regency_revenue and partner_payable,
                   Dr ppn_on_partner_services / Cr partner_payable (PPN), Dr partner_payable / Cr pph23_payable,
                   and when the regency's treasurer collects the PPN: Dr partner_payable / Cr ppn_payable

Chain: each transaction's ``hash`` is ``sha256(canonical_json(content))`` where the content is the array of
its :data:`HASHED_FIELDS` (every column but ``hash``, ``prev_hash`` included; booleans as 0/1) followed by
its lines ``[[account, debit, credit], ...]`` in line order; ``prev_hash`` is the previous transaction's
``hash`` (64 zeros for the first).

This module holds what every writer and reader of the ledger shares: the tables, the hashed fields, the
lines a card, a reversal or a month's close posts, and :class:`Appender`, which chains new transactions and
writes them. Who posts what is elsewhere: cards in :mod:`billing.posting`, reversals in
:mod:`billing.corrections`, conflicts in :mod:`billing.conflicts`; reading the chain back and verifying it
in :mod:`billing.chain`. Nothing in the ledger is ever updated or deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from billing.canonical import canonical_bytes, sha256_hex, utc_text
from billing.lock import Head, move_head
from billing.models import BilledCard, LedgerEntry, LedgerTransaction
from billing.vocab import Account, Payer, TransactionKind

TX = LedgerTransaction.__table__  # type: ignore[attr-defined]
ENTRY = LedgerEntry.__table__  # type: ignore[attr-defined]
BILLED = BilledCard.__table__  # type: ignore[attr-defined]

# Every column of a transaction that its hash covers (all but ``hash``), in table order.
HASHED_FIELDS: tuple[str, ...] = tuple(c.name for c in TX.columns if c.name != "hash")
BOOL_COLUMNS = ("prior_period", "fault_reprint", "billed")
# The hashed fields as SQL, booleans read as 0/1 on every backend (SQLite has no boolean type).
HASHED_SQL = ", ".join(f"CAST({n} AS INTEGER)" if n in BOOL_COLUMNS else n for n in HASHED_FIELDS)

Line = tuple[str, int, int]  # account, debit, credit


def transaction_content(row: Mapping[str, Any], lines: Sequence[Line]) -> list[Any]:
    """The hashed content of a transaction: the values of :data:`HASHED_FIELDS` in that order (booleans as
    0 and 1), then its lines as ``[[account, debit, credit], ...]``. An array rather than an object keeps
    hashing a million transactions quick; the field order is part of the format (bundle README)."""
    values: list[Any] = [int(row[n]) if n in BOOL_COLUMNS else row[n] for n in HASHED_FIELDS]
    values.append([list(line) for line in lines])
    return values


def content_hash(content: Sequence[Any]) -> str:
    """The hash of a transaction's content (:func:`transaction_content`)."""
    return sha256_hex(canonical_bytes(content))


def signed_lines(pairs: Iterable[tuple[str, int]]) -> list[Line]:
    """Lines from (account, amount) pairs: positive amounts are debits, negative ones credits, zeros are
    left out. A reversal is the same pairs negated, so it mirrors what it undoes line by line."""
    return [(acc, amt, 0) if amt > 0 else (acc, 0, -amt) for acc, amt in pairs if amt != 0]


def card_lines(payer: str | None, fee: int, partner: int, regency: int) -> list[Line]:
    """The lines of a card (or, with the amounts negated, of its reversal): the fee debited to the payer's
    account, the partner's and the regency's shares credited."""
    source = Account.CITIZEN_FEES if payer == Payer.CITIZEN else Account.REGENCY_EXPENSE
    return signed_lines(
        [(source, fee), (Account.PARTNER_PAYABLE, -partner), (Account.REGENCY_REVENUE, -regency)]
    )


def close_lines(adjustment: int, ppn: int, pph23: int, ppn_withheld: int = 0) -> list[Line]:
    """The lines of a month's closing transaction: the per-period rounding adjustment, PPN, PPh 23, and the
    PPN the regency's treasurer withholds from the partner's payment to remit itself (``ppn_withheld``,
    when it is the PPN collector; no lines when zero, so closes without it read as before)."""
    return signed_lines(
        [
            (Account.REGENCY_REVENUE, adjustment),
            (Account.PARTNER_PAYABLE, -adjustment),
            (Account.PPN_EXPENSE, ppn),
            (Account.PARTNER_PAYABLE, -ppn),
            (Account.PARTNER_PAYABLE, pph23),
            (Account.PPH23_PAYABLE, -pph23),
            (Account.PARTNER_PAYABLE, ppn_withheld),
            (Account.PPN_PAYABLE, -ppn_withheld),
        ]
    )


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

    def append(self, row: dict[str, Any], lines: Sequence[Line]) -> int:
        """Chain one transaction (``row``: its columns apart from the chain's) with its lines; its ``seq``."""
        seq = self.head.seq + 1
        full: dict[str, Any] = dict.fromkeys(HASHED_FIELDS)
        full.update(dict.fromkeys(BOOL_COLUMNS, False))
        full.update(row, seq=seq, recorded_at=self.recorded_at, prev_hash=self.head.hash)
        full["hash"] = content_hash(transaction_content(full, lines))
        self.tx_rows.append(full)
        self.entry_rows.extend(
            {"transaction_seq": seq, "line": i, "account": a, "debit": d, "credit": c}
            for i, (a, d, c) in enumerate(lines, start=1)
        )
        self.head = Head(seq, full["hash"])
        if full["kind"] == TransactionKind.CARD and full["billed"]:
            self.billed_rows.append({"card_serial": full["card_serial"], "seq": seq})
        return seq

    def write(self, session: Session) -> None:
        """Insert the appended transactions, their lines and billed cards, then move the chain head."""
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
