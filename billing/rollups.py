"""Monthly roll-ups: the statement's groups per posting month, kept current as transactions are posted, so
the finance and partner pages read a few hundred rows instead of aggregating a million transactions (the
finance page shows thirteen months at once).

``billing_month_rollup`` (:class:`billing.models.MonthRollup`) holds, per posting month, statement group
(:data:`GROUP_COLUMNS` as canonical JSON, ``group_key``) and writer ``slot``, the count of transactions,
the sums of ``cards``, ``fee``, ``partner`` and ``regency``, and ``entry_rows`` (the rows the month's entry
listing shows for them: a transaction's lines, or one row for a transaction without lines). Cards and
reversals are counted; a month's closing transaction is not (it is not part of the groups).

Several writers: every posting adds its batch's sums with one ``INSERT ... ON CONFLICT DO UPDATE SET n =
n + excluded.n`` per group, in the posting's own transaction (a rolled-back posting leaves no sum behind).
The database applies each addition to the row as committed, so no update is lost whatever the isolation;
each process adds to its own ``slot`` (its process id modulo :data:`SLOTS`), so no row is every writer's,
and reads add the slots up. Postings also hold the billing lock (:mod:`billing.lock`) for the chain, so on
one database they do not even wait on each other here.

The roll-up is a figure for pages, never evidence: :func:`billing.chain.verify_chain` recomputes the chain
from the ledger, closing signs figures grouped from the ledger (:func:`ledger_groups`), and
:func:`rollup_differences` says where a roll-up and the ledger disagree (``ktp billing verify`` reports it).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from billing.canonical import canonical_json
from billing.models import LedgerEntry, LedgerTransaction, MonthRollup
from billing.vocab import TransactionKind
from ktp_verify.rollup import Group

ROLLUP = MonthRollup.__table__  # type: ignore[attr-defined]
_TX = LedgerTransaction.__table__  # type: ignore[attr-defined]
_ENTRY = LedgerEntry.__table__  # type: ignore[attr-defined]
SLOTS = 8
GROUP_COLUMNS = ("office_code", "reason", "contract_version_id", "payer", "rate_bp", "prior_period", "billed")
SUMS = ("n", "cards", "fee", "partner", "regency", "entry_rows")
COUNTED = (TransactionKind.CARD, TransactionKind.REVERSAL)


def writer_slot() -> int:
    """This process's slot: writers in different processes add to different rows."""
    return os.getpid() % SLOTS


def group_key(row: Mapping[str, Any]) -> str:
    """The canonical JSON of a transaction's group columns (booleans as 0/1)."""
    return canonical_json([int(row[c]) if c in ("prior_period", "billed") else row[c] for c in GROUP_COLUMNS])


def add_to_rollups(session: Session, rows: Sequence[Mapping[str, Any]], line_counts: Sequence[int]) -> None:
    """Add new transactions (``rows``, with how many lines each has) to their months' roll-ups, in the
    caller's transaction."""
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for row, lines in zip(rows, line_counts, strict=True):
        if row["kind"] not in COUNTED:
            continue
        s = sums[(row["period"], group_key(row))]
        s[0] += 1
        s[1] += row["cards"]
        s[2] += row["fee"]
        s[3] += row["partner"]
        s[4] += row["regency"]
        s[5] += max(lines, 1)
    if not sums:
        return
    slot = writer_slot()
    values = [
        {"period": period, "group_key": key, "slot": slot, **dict(zip(SUMS, s, strict=True))}
        for (period, key), s in sorted(sums.items())  # one order for every writer: no deadlock between them
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for i in range(0, len(values), 500):
        statement = insert(ROLLUP).values(values[i : i + 500])
        statement = statement.on_conflict_do_update(
            index_elements=["period", "group_key", "slot"],
            set_={name: ROLLUP.c[name] + statement.excluded[name] for name in SUMS},
        )
        session.execute(statement)


def _group(key: str, n: int, cards: int, fee: int, partner: int, regency: int) -> Group:
    office, reason, version, payer, rate, prior, billed = json.loads(key)
    return Group(office, reason, version, payer, rate, bool(prior), bool(billed),
                 int(n), int(cards), int(fee), int(partner), int(regency))  # fmt: skip


def rollup_groups(session: Session, month: str) -> list[Group]:
    """The month's statement groups from the roll-up (its slots added up)."""
    query = (
        select(ROLLUP.c.group_key, *(func.sum(ROLLUP.c[n]) for n in SUMS[:5]))
        .where(ROLLUP.c.period == month)
        .group_by(ROLLUP.c.group_key)
        .order_by(ROLLUP.c.group_key)
    )
    return [_group(*row) for row in session.execute(query) if row[1]]


def rollup_entry_rows(session: Session, month: str) -> int:
    """How many rows the month's entry listing has for its cards and reversals, from the roll-up."""
    total = session.execute(
        select(func.sum(ROLLUP.c.entry_rows)).where(ROLLUP.c.period == month)
    ).scalar_one()
    return int(total or 0)


def _ledger_sums(
    session: Session | sa.Connection, month: str | None, *, rows: bool = True
) -> dict[tuple[str, str], list[int]]:
    """(month, group key) -> the sums :data:`SUMS` grouped from the ledger itself (``entry_rows`` counted
    only with ``rows``: it joins every entry)."""
    keys = [_TX.c.period, *(_TX.c[c] for c in GROUP_COLUMNS)]
    sums = [func.count(), *(func.sum(_TX.c[n]) for n in ("cards", "fee", "partner", "regency"))]
    source: sa.FromClause = _TX
    if rows:
        lines = select(_ENTRY.c.transaction_seq, func.count().label("k")).group_by(_ENTRY.c.transaction_seq)
        if month is not None:
            lines = lines.where(_ENTRY.c.transaction_seq.in_(select(_TX.c.seq).where(_TX.c.period == month)))
        counted = lines.subquery()
        source = _TX.outerjoin(counted, counted.c.transaction_seq == _TX.c.seq)
        sums.append(func.sum(func.coalesce(counted.c.k, 1)))
    query = (
        select(*keys, *sums)
        .select_from(source)
        .where(_TX.c.kind.in_([str(k) for k in COUNTED]))
        .group_by(*keys)
    )
    if month is not None:
        query = query.where(_TX.c.period == month)
    found: dict[tuple[str, str], list[int]] = {}
    for row in session.execute(query):
        period, group = row[0], dict(zip(GROUP_COLUMNS, row[1:8], strict=True))
        found[(period, group_key(group))] = [int(v) for v in row[8:]]
    return found


def ledger_groups(session: Session, month: str) -> list[Group]:
    """The month's statement groups recomputed from the ledger (what closing signs)."""
    return [_group(key, *s[:5]) for (_, key), s in sorted(_ledger_sums(session, month, rows=False).items())]


def _rollup_sums(session: Session | sa.Connection, month: str | None) -> dict[tuple[str, str], list[int]]:
    query = select(ROLLUP.c.period, ROLLUP.c.group_key, *(func.sum(ROLLUP.c[n]) for n in SUMS)).group_by(
        ROLLUP.c.period, ROLLUP.c.group_key
    )
    if month is not None:
        query = query.where(ROLLUP.c.period == month)
    return {(p, k): [int(v) for v in sums] for p, k, *sums in session.execute(query) if any(sums)}


def rollup_differences(session: Session, month: str | None = None) -> list[str]:
    """Where the roll-up (of ``month``, or of every month) disagrees with the ledger; empty when it agrees."""
    ledger, kept = _ledger_sums(session, month), _rollup_sums(session, month)
    problems = []
    for where in sorted(ledger.keys() | kept.keys()):
        if ledger.get(where) != kept.get(where):
            problems.append(
                f"the roll-up of {where[0]} group {where[1]} holds {kept.get(where)}, the ledger {ledger.get(where)}"
            )
    return problems


def rebuild_rollups(connection: sa.Connection) -> int:
    """Fill an empty roll-up from the ledger (the migration that adds it); the number of rows written."""
    values = [
        {"period": period, "group_key": key, "slot": 0, **dict(zip(SUMS, s, strict=True))}
        for (period, key), s in sorted(_ledger_sums(connection, None).items())
    ]
    for i in range(0, len(values), 500):
        connection.execute(sa.insert(ROLLUP), values[i : i + 500])
    return len(values)


def close_entry_rows(session: Session, month: str) -> int:
    """The rows the month's entry listing shows for its closing transaction (none while it is open)."""
    seq = session.execute(select(_TX.c.seq).where(_TX.c.event_key == f"close:{month}")).scalar()
    if seq is None:
        return 0
    lines = session.execute(select(func.count()).where(_ENTRY.c.transaction_seq == seq)).scalar_one()
    return max(int(lines), 1)
