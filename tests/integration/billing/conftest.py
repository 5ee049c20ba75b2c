"""Database fixtures for billing: one engine per backend for the whole run, SQLite (a temporary file) and
PostgreSQL (its own database, ``ktp_test_billing_<pid>``, so runs side by side never drop each other's). A missing PostgreSQL fails the
run; it never skips. Tables come from ``create_billing_tables`` (SQLModel metadata plus the append-only
triggers) and are emptied before each test, since billing tests commit (concurrency, crash simulation)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from billing.config import BillingConfig
from billing.models import append_only_ddl, billing_tables, create_billing_tables
from ktp_service.db import make_engine
from tests.conftest import drop_pg_database, recreate_pg_database

PG_BILLING_DB = os.environ.get("KTP_TEST_BILLING_PG_DB", f"ktp_test_billing_{os.getpid()}")

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def billing_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('billing') / 'billing.sqlite3'}"
    else:
        url = recreate_pg_database(PG_BILLING_DB)
    engine = make_engine(url)
    create_billing_tables(engine)
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        drop_pg_database(PG_BILLING_DB)


def empty_billing_tables(engine: Engine) -> None:
    tables = billing_tables()
    if engine.dialect.name == "postgresql":
        # The tables refuse TRUNCATE (a statement trigger); the tests' superuser switches triggers off for
        # this one transaction (SET LOCAL). The row triggers stay in force for the tests themselves.
        names = ", ".join(t.name for t in tables)
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for statement in append_only_ddl("postgresql"):  # a tamper test may have dropped them
                conn.execute(text(statement))
    else:
        # SQLite's triggers refuse DELETE on the ledger: rebuild the (small, temporary) schema instead.
        with engine.begin() as conn:
            SQLModel.metadata.drop_all(conn, tables=tables)
        create_billing_tables(engine)


@pytest.fixture
def engine(billing_engine: Engine) -> Engine:
    """The backend's engine with every billing table empty."""
    empty_billing_tables(billing_engine)
    return billing_engine


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def config(tmp_path: Path) -> BillingConfig:
    return BillingConfig(key_dir=tmp_path / "keys")
