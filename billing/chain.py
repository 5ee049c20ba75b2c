"""Reading the hash chain back and verifying it (the ledger's format is in :mod:`billing.ledger`).

:func:`verify_chain` recomputes every transaction's hash from the database and names the first transaction
or entry that does not match; it also checks that every transaction balances, that the chain head, the
closed months' recorded heads and the billed-card guard agree with the chain, that each card's contract
version still has the terms that priced it and was in force that day, and (given the regency's public key)
each closed month's signed statement. :func:`iter_transactions` and :func:`iter_month_transactions` read
transactions back as their hashed content, for bundles and exports.

Both read the ledger straight from the driver (:func:`_raw_rows`): SQLAlchemy's per-row work would double
the time of a million-row scan.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from billing.canonical import GENESIS_HASH, canonical_json, sha256_hex
from billing.checkpoints import (
    Checkpoint,
    CheckpointCheck,
    closed_month_problems,
    missing_from,
    signed_by_ring,
    stored_checkpoints,
)
from billing.contracts import pricing_sha256
from billing.ledger import BILLED, BOOL_COLUMNS, ENTRY, HASHED_FIELDS, HASHED_SQL, TX, card_lines
from billing.models import ChainHead, ContractVersion, Period
from billing.periods import parse_month
from billing.signing import load_key_ring, signature_valid
from billing.vocab import TransactionKind


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


def verify_chain(
    session: Session,
    *,
    public_key_pem: str | None = None,
    held: Mapping[str, Sequence[Checkpoint]] | None = None,
) -> VerificationResult:
    """Recompute the whole chain from the database and say what does not match. With the regency's public
    key, also check each closed month's signed statement and that it names the head the month recorded
    (someone able to rewrite the database can recompute hashes, but cannot sign).

    The chain must also still hold every head a signed checkpoint names (:mod:`billing.checkpoints`), those
    in the database and those ``held`` outside it (where they come from -> checkpoints: the service's log
    file, a partner's copy), and every held checkpoint must still be in the database: a chain cut back,
    wiped, or rewritten before the newest checkpoint fails even when it is consistent in itself."""
    return _verify(session, public_key_pem, held, None)


def verify_from_checkpoint(
    session: Session,
    public_key_pem: str,
    *,
    held: Mapping[str, Sequence[Checkpoint]] | None = None,
) -> VerificationResult:
    """Verify the chain from the newest checkpoint signed by one of the regency's keys (in the database or
    ``held``) to the head: every transaction after it re-hashed and linked, the first one to the hash the
    checkpoint signs, so nothing at or before it can have changed either without breaking that link. The
    other checks are those of :func:`verify_chain` for the stretch verified (balance, contract versions,
    closed months' heads in it, every checkpoint the stretch holds, the head), and the closed months'
    signed statements; the billed-card guard is counted over the whole ledger only by :func:`verify_chain`.
    Without a signed checkpoint this is :func:`verify_chain`. ``transactions`` counts the stretch."""
    ring = load_key_ring(public_key_pem)
    candidates = [*stored_checkpoints(session), *(c for cs in (held or {}).values() for c in cs)]
    signed = [c for c in candidates if signed_by_ring(c, ring)]
    newest = max(signed, key=lambda c: c.seq, default=None)
    return _verify(session, public_key_pem, held, newest)


def _verify(
    session: Session,
    public_key_pem: str | None,
    held: Mapping[str, Sequence[Checkpoint]] | None,
    after: Checkpoint | None,
) -> VerificationResult:
    """:func:`verify_chain`, or from the checkpoint ``after`` (:func:`verify_from_checkpoint`)."""
    start = 0 if after is None else after.seq  # transactions after ``start`` are re-hashed
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
    closed = {
        p.head_seq: (p.month, p.head_hash) for p in periods if p.head_seq is not None and p.head_seq > start
    }
    for p in periods:
        if p.head_seq is None or p.statement_json is None or p.signature is None:
            bad(0, f"month {p.month} is marked closed without a signed statement and chain head")
    # Every closing transaction must have its closed, signed month row: a deleted or reopened row would
    # otherwise let late cards post into a month already signed.
    closed_at_seq = {p.head_seq: p.month for p in periods if p.statement_json is not None}
    versions = _version_checks(session, lambda message: bad(0, message))
    signed_heads = stored_checkpoints(session)
    held_all = [c for cs in (held or {}).values() for c in cs]
    pinned = CheckpointCheck([*signed_heads, *held_all], public_key_pem, start + 1)
    genuine = {c.identity for c in pinned.valid}  # a held copy with a bad signature is reported as such
    for where, checkpoints in (held or {}).items():
        for message in missing_from(signed_heads, [c for c in checkpoints if c.identity in genuine], where):
            bad(0, message)
    closed_heads = {p.month: (p.head_seq, p.head_hash) for p in periods}
    for message in closed_month_problems(pinned.valid, closed_heads):
        bad(0, message)

    dialect = session.connection().dialect.name
    prev_hash = GENESIS_HASH if after is None else after.hash
    expected, count, entry_count, billed = start + 1, 0, 0, 0
    scan = _python_scan(session, start) if dialect == "postgresql" else _raw_rows(session, _scan_sql(start))
    for row in scan:
        (
            seq,
            prev,
            key,
            kind,
            is_billed,
            period,
            day,
            version_id,
            pricing,
            stored_hash,
            computed,
            balance,
            n,
        ) = row
        count += 1
        if seq != expected:
            bad(expected, f"transactions {expected} to {seq - 1} are missing (deleted or renumbered)")
        if prev != prev_hash:
            bad(seq, f"transaction {seq} ({key}): prev_hash does not match the transaction before it")
        pinned.see(seq, stored_hash)
        entry_count += n
        if dialect != "postgresql":  # the database rendered the content, Python hashes it
            computed = sha256(computed.encode()).hexdigest()
        if computed != stored_hash:
            # Recomputed in Python from the stored columns, as the verifier does, to say what changed (and
            # so that a rendering by the database that is not Python's can never be reported as a change).
            problem = _recheck(session, seq, stored_hash)
            if problem is not None:
                bad(seq, problem)
        if balance != 0:
            ids = session.execute(
                select(ENTRY.c.id).where(ENTRY.c.transaction_seq == seq).order_by(ENTRY.c.line)
            )
            bad(seq, f"transaction {seq} does not balance (entries {', '.join(str(i) for (i,) in ids)})")
        if seq in closed:
            if closed[seq][1] != stored_hash:
                bad(seq, f"month {closed[seq][0]} was closed at transaction {seq} with another hash")
            del closed[seq]
        if version_id is not None:
            version = versions.get(version_id)
            if version is None or version[0] != pricing:
                bad(
                    seq,
                    f"transaction {seq}: contract version {version_id} no longer has the terms that priced it",
                )
            elif not version[1] <= day <= version[2]:
                bad(seq, f"transaction {seq}: contract version {version_id} was not in force on {day}")
        if kind == TransactionKind.PERIOD_CLOSE and closed_at_seq.get(seq) != period:
            bad(seq, f"month {period} was closed by transaction {seq}, but has no closed, signed row")
        if kind == TransactionKind.CARD:
            billed += is_billed
        elif kind == TransactionKind.REVERSAL:
            billed -= 1
        prev_hash, expected = stored_hash, seq + 1
    in_stretch = select(func.count()).where(ENTRY.c.transaction_seq > start)
    if session.execute(in_stretch).scalar_one() != entry_count:
        chained = select(TX.c.seq).where(TX.c.seq == ENTRY.c.transaction_seq).exists()
        orphans = select(ENTRY.c.transaction_seq, ENTRY.c.id).where(ENTRY.c.transaction_seq > start, ~chained)
        for tx_seq, entry_id in session.execute(orphans.order_by(ENTRY.c.transaction_seq, ENTRY.c.line)):
            bad(tx_seq, f"entry {entry_id} belongs to transaction {tx_seq}, not in the chain")
    for seq, (month, _) in closed.items():
        bad(seq, f"month {month} was closed at transaction {seq}, which is not in the chain")
    head = session.get(ChainHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if (head_seq, head_hash) != (expected - 1, prev_hash):
        bad(expected, f"the chain head records transaction {head_seq}, the ledger ends at {expected - 1}")
    for message in pinned.finish(expected - 1):
        bad(expected, message)
    if after is not None and expected - 1 < after.seq:
        bad(expected, f"the chain ends at {expected - 1}, before the checkpoint at transaction {after.seq}")
    guarded = (
        billed
        if after is not None
        else session.execute(select(func.count()).select_from(BILLED)).scalar_one()
    )
    if guarded != billed:
        bad(0, f"{guarded} cards are marked billed, the ledger bills {billed}")
    ok = not problems
    return VerificationResult(
        ok, count, entry_count, expected - 1, prev_hash, problems, first_bad[0] if first_bad else None
    )


def _scan_sql(start: int) -> str:
    """SQLite's scan of the chain after ``start``: per transaction the columns the checks read, its stored
    hash, its content (:func:`billing.ledger.transaction_content`) rendered as canonical JSON by SQLite's
    ``json_array``, the sum of its debits less its credits and how many lines it has. Rendering in the
    database spares Python building 30 values and the lines of a million transactions (2.5x faster); it is a
    real check all the same: the rendered text hashes to the stored hash only when it is the canonical
    JSON the hash was made of (SQLite writes JSON strings with the escapes Python's encoder uses, and any
    transaction that does not match is recomputed in Python before anything is reported). On PostgreSQL
    the same rendering (``to_json`` and ``string_agg`` per transaction, hashed by ``sha256``) measured
    twice as slow as :func:`_python_scan`, so it is not used there."""
    columns = ", ".join(f"CAST(t.{n} AS INTEGER)" if n in BOOL_COLUMNS else f"t.{n}" for n in HASHED_FIELDS)
    lines = (
        "json((SELECT json_group_array(json_array(x.account, x.debit, x.credit)) FROM (SELECT account, debit, "
        "credit FROM billing_entry WHERE transaction_seq = t.seq ORDER BY line) x))"
    )
    per_tx = "FROM billing_entry x WHERE x.transaction_seq = t.seq"
    return (
        "SELECT t.seq, t.prev_hash, t.event_key, t.kind, CAST(t.billed AS INTEGER), t.period, t.event_date, "
        f"t.contract_version_id, t.pricing_sha256, t.hash, json_array({columns}, {lines}), "
        f"(SELECT total(x.debit) - total(x.credit) {per_tx}), (SELECT count(*) {per_tx}) "
        f"FROM billing_transaction t WHERE t.seq > {int(start)} ORDER BY t.seq"
    )


_SCAN_FIELDS = [HASHED_FIELDS.index(n) for n in ("seq", "prev_hash", "event_key", "kind", "billed", "period",
                                                  "event_date", "contract_version_id", "pricing_sha256")]  # fmt: skip


def _python_scan(session: Session, start: int) -> Iterator[tuple[Any, ...]]:
    """The rows of :func:`_scan_sql` with the content hashed in Python (PostgreSQL): the transactions and
    their lines read in two ordered streams and merged (lines of no transaction are left to the caller's
    count of lines)."""
    entries = _raw_rows(
        session,
        "SELECT transaction_seq, account, debit, credit FROM billing_entry "
        f"WHERE transaction_seq > {int(start)} ORDER BY transaction_seq, line",
    )
    pending = next(entries, None)
    n_fields = len(HASHED_FIELDS)
    encode = canonical_json
    rows = f"SELECT {HASHED_SQL}, hash FROM billing_transaction WHERE seq > {int(start)} ORDER BY seq"
    for row in _raw_rows(session, rows):
        seq = row[0]
        while pending is not None and pending[0] < seq:
            pending = next(entries, None)
        lines: list[tuple[Any, ...]] = []
        balance = 0
        while pending is not None and pending[0] == seq:
            lines.append(pending[1:])
            balance += pending[2] - pending[3]
            pending = next(entries, None)
        computed = sha256(encode((*row[:n_fields], lines)).encode()).hexdigest()
        yield (*(row[i] for i in _SCAN_FIELDS), row[n_fields], computed, balance, len(lines))


def _recheck(session: Session, seq: int, stored_hash: str) -> str | None:
    """Transaction ``seq``'s content recomputed in Python from its stored columns and lines (as
    ``ktp-verify`` does): ``None`` when it hashes to ``stored_hash``, else what looks changed."""
    row = next(_raw_rows(session, f"SELECT {HASHED_SQL} FROM billing_transaction WHERE seq = {int(seq)}"))
    stored = list(
        _raw_rows(
            session,
            "SELECT transaction_seq, account, debit, credit, id, line FROM billing_entry "
            f"WHERE transaction_seq = {int(seq)} ORDER BY line",
        )
    )
    if sha256_hex(canonical_json((*row, [e[1:4] for e in stored])).encode()) == stored_hash:
        return None
    return _diagnose(dict(zip(HASHED_FIELDS, row, strict=False)), stored)


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
    """Problems with the closed months' signed statements: missing, signed by a key not in the ring, not
    matching their signature (checked with the key the signed statement names), or naming another chain
    head than the month recorded."""
    ring = load_key_ring(public_key_pem)
    for p in periods:
        if p.statement_json is None or p.signature is None:
            yield f"closed month {p.month} has no signed statement"
            continue
        signed = json.loads(p.statement_json)
        key = ring.get(str(signed.get("key_id")))
        if key is None:
            yield f"the statement of {p.month} names signing key {signed.get('key_id')}, not one of the regency's"
        elif not signature_valid(key, p.statement_json.encode("utf-8"), p.signature):
            yield f"the signed statement of {p.month} does not match its signature"
        if p.key_id != signed.get("key_id"):
            yield f"month {p.month} records another signing key than its signed statement names"
        chain = signed.get("chain") or {}
        if (chain.get("head_seq"), chain.get("head_hash")) != (p.head_seq, p.head_hash):
            yield f"month {p.month} records a chain head other than its signed statement names"


def _diagnose(row: Mapping[str, Any], stored: Sequence[tuple[Any, ...]]) -> str:
    """Say which part of a transaction whose hash no longer matches looks changed (``stored``: its entries
    as ``(transaction_seq, account, debit, credit, id, line)``)."""
    seq = row["seq"]
    head = f"transaction {seq} ({row['event_key']}): its content does not match its hash"
    if row["kind"] in (TransactionKind.CARD, TransactionKind.REVERSAL):
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
    """The transactions matching ``tx_where`` with their lines (``entry_where`` must select the same
    transactions' entries), merged in one pass over both ordered scans."""
    entries = _raw_rows(
        session,
        f"SELECT transaction_seq, account, debit, credit FROM billing_entry WHERE {entry_where} "
        "ORDER BY transaction_seq, line",
    )
    pending = next(entries, None)
    n_fields = len(HASHED_FIELDS)
    sql = f"SELECT {HASHED_SQL}, hash FROM billing_transaction WHERE {tx_where} ORDER BY seq"
    for row in _raw_rows(session, sql):
        lines: list[list[Any]] = []
        while pending is not None and pending[0] == row[0]:
            lines.append([pending[1], pending[2], pending[3]])
            pending = next(entries, None)
        yield [*row[:n_fields], lines], row[n_fields]
