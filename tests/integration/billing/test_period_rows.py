"""A closed month's row cannot be deleted or changed, and verification notices if it was anyway (review of
issue 5, finding 3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from billing.chain import verify_chain
from billing.config import BillingConfig
from billing.posting import post_card_printed, post_events
from billing.statement import close_period
from tests.integration.billing.test_chain import drop_append_only_triggers
from tests.unit.billing.factories import add_contract, event

NOV = datetime(2026, 11, 10, 3, tzinfo=UTC)
JAN_2 = datetime(2027, 1, 2, tzinfo=UTC)


@pytest.fixture
def closed_november(db: Session, config: BillingConfig) -> Session:
    add_contract(db)
    post_events(db, [event(NOV), event(NOV)], config=config, now=JAN_2)
    db.commit()
    close_period(db, "2026-11", config=config, unposted_events=0, now=JAN_2)
    db.commit()
    return db


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM billing_period WHERE month = '2026-11'",
        "UPDATE billing_period SET status = 'open' WHERE month = '2026-11'",
        "UPDATE billing_period SET statement_json = NULL WHERE month = '2026-11'",
    ],
)
def test_the_database_refuses_to_delete_or_change_a_closed_month(closed_november: Session, sql: str) -> None:
    with pytest.raises(DatabaseError, match="billing_period rows are kept"):
        closed_november.execute(text(sql))
    closed_november.rollback()
    assert verify_chain(closed_november).ok


def test_an_open_month_row_may_still_be_closed(db: Session, config: BillingConfig) -> None:
    add_contract(db)
    post_events(db, [event(NOV)], config=config, now=JAN_2)  # creates the open row
    db.commit()
    close_period(db, "2026-11", config=config, unposted_events=0, now=JAN_2)  # updates it
    db.commit()
    assert verify_chain(db).ok


def test_a_deleted_closed_month_is_detected(
    engine: Engine, closed_november: Session, config: BillingConfig
) -> None:
    with engine.begin() as conn:
        drop_append_only_triggers(conn)
        conn.execute(text("DELETE FROM billing_period WHERE month = '2026-11'"))
    result = verify_chain(closed_november)
    assert not result.ok
    assert result.problems == [
        "month 2026-11 was closed (checkpoint 1 (close of 2026-11, 2027-01-02T00:00:00.000000Z, transaction 3)) "
        "but its closed row is missing",
        "month 2026-11 was closed by transaction 3, but has no closed, signed row",
    ]
    # The reopened month must not take late cards silently: the chain still says it was closed.
    post_card_printed(closed_november, event(NOV), config=config, now=JAN_2)
    closed_november.commit()
    assert not verify_chain(closed_november).ok


def test_a_reopened_closed_month_is_detected(engine: Engine, closed_november: Session) -> None:
    with engine.begin() as conn:
        drop_append_only_triggers(conn)
        conn.execute(text("UPDATE billing_period SET status = 'open' WHERE month = '2026-11'"))
    assert verify_chain(closed_november).problems == [
        "month 2026-11 was closed (checkpoint 1 (close of 2026-11, 2027-01-02T00:00:00.000000Z, transaction 3)) "
        "but its closed row is missing",
        "month 2026-11 was closed by transaction 3, but has no closed, signed row",
    ]


def test_the_migrations_install_the_period_guard(tmp_path: object) -> None:
    """The application's schema (Alembic, not create_billing_tables) refuses the same changes."""
    from pathlib import Path

    from ktp_service import migrate
    from ktp_service.db import make_engine

    assert isinstance(tmp_path, Path)
    engine = make_engine(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO billing_period (month, status) VALUES ('2026-11', 'open')"))
            conn.execute(text("UPDATE billing_period SET status = 'closed', statement_json = '{}'"))
        for sql in ("DELETE FROM billing_period", "UPDATE billing_period SET status = 'open'"):
            with pytest.raises(DatabaseError, match="billing_period rows are kept"), engine.begin() as conn:
                conn.execute(text(sql))
    finally:
        engine.dispose()
