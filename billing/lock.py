"""The one lock every ledger write takes: the chain head row.

An UPDATE of the head row is the first statement of every append (and of closing a month or adding a
contract version). On PostgreSQL the row lock makes a second writer wait until the first commits or rolls
back; on SQLite the UPDATE takes the database's single write lock. Either way two writers never extend the
chain from the same head. The lock lasts until the caller's transaction ends.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from billing.canonical import GENESIS_HASH
from billing.models import ChainHead

_HEAD = ChainHead.__table__  # type: ignore[attr-defined]


class Head(NamedTuple):
    seq: int
    hash: str


def lock_billing(session: Session) -> Head:
    """Lock the chain head for the rest of the caller's transaction and return it."""
    touch = text("UPDATE billing_chain_head SET seq = seq WHERE id = 1")
    if session.execute(touch).rowcount == 0:  # type: ignore[attr-defined]
        # First write ever: create the head. ON CONFLICT DO NOTHING in case another writer just did.
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert(_HEAD) if dialect == "postgresql" else sqlite.insert(_HEAD)
        session.execute(insert.values(id=1, seq=0, hash=GENESIS_HASH).on_conflict_do_nothing())
        session.execute(touch)
    row = session.execute(text("SELECT seq, hash FROM billing_chain_head WHERE id = 1")).one()
    return Head(int(row[0]), str(row[1]))


def move_head(session: Session, head: Head) -> None:
    session.execute(
        text("UPDATE billing_chain_head SET seq = :s, hash = :h WHERE id = 1"),
        {"s": head.seq, "h": head.hash},
    )
