"""Shared fixtures. Database tests run on SQLite and on PostgreSQL (the ``engine`` fixture is parametrized),
against the schema built by the real Alembic migrations. A missing PostgreSQL fails the run: it never skips.

Isolation: SQLite gets a fresh copy of a migrated database file per test; PostgreSQL truncates every table
after each test (the audit and billing tables refuse TRUNCATE, so triggers are off for that transaction).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from ktp_service import migrate
from ktp_service.db import make_engine
from ktp_service.main import create_app
from ktp_service.models import Office, User
from ktp_service.security import hash_password
from ktp_service.seed import DEMO_USERS, REGENCY
from ktp_service.services.actor import SYSTEM
from ktp_service.services.offices import create as create_office
from ktp_service.settings import Settings

PG_ADMIN_URL = os.environ.get("KTP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# One database per test run, so runs side by side (developers, CI) never drop each other's database.
PG_TEST_DB = os.environ.get("KTP_TEST_PG_DB", f"ktp_test_{os.getpid()}")
PASSWORD = "test-password-123"


def _pg_url(dbname: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=dbname).render_as_string(hide_password=False)


def recreate_pg_database(dbname: str) -> str:
    """Drop and create ``dbname`` on the test server; fails (never skips) when the server is missing."""
    admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    except Exception as exc:
        pytest.fail(f"PostgreSQL is required for the tests and is not reachable at {PG_ADMIN_URL}: {exc}")
    finally:
        admin.dispose()
    return _pg_url(dbname)


def drop_pg_database(dbname: str) -> None:
    admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    engine = make_engine(recreate_pg_database(PG_TEST_DB))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    drop_pg_database(PG_TEST_DB)


def _truncate_all(engine: Engine) -> None:
    existing = set(inspect(engine).get_table_names()) - {"alembic_version"}
    names = ", ".join(f'"{name}"' for name in sorted(existing))
    with engine.begin() as conn:
        # The audit and billing tables refuse TRUNCATE; the tests' superuser switches triggers off for this
        # one transaction only.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "ktp.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("pg_engine")
        _truncate_all(eng)
        yield eng
        _truncate_all(eng)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


@dataclass
class World:
    """The demo regency with one user per demo account, all with password ``PASSWORD``."""

    engine: Engine
    users: dict[str, User]


@pytest.fixture
def world(engine: Engine, password_hash: str) -> World:
    return build_world(engine, password_hash)


def build_world(engine: Engine, password_hash: str) -> World:
    """The demo regency's offices and one user per demo account, on an empty database."""
    from ktp_service import regions

    with Session(engine, expire_on_commit=False) as s:
        for code in [REGENCY, *(r.code for r in regions.children(REGENCY))]:
            create_office(s, SYSTEM, code)
        s.flush()
        offices = {o.code: o for o in s.exec(select(Office))}
        users: dict[str, User] = {}
        for demo in DEMO_USERS:
            user = User(
                username=demo.username,
                full_name=demo.full_name,
                password_hash=password_hash,
                role=demo.role.value,
                office_id=offices[demo.office].id if demo.office else None,
            )
            s.add(user)
            users[demo.username] = user
        s.commit()
    return World(engine=engine, users=users)


@pytest.fixture
def settings(engine: Engine, tmp_path: Path) -> Settings:
    # No background worker or printer poll inside the app under test: tests drive the worker themselves.
    return Settings(
        data_dir=tmp_path / "data",
        database_url=engine.url.render_as_string(hide_password=False),
        run_worker=False,
    )


@pytest.fixture
def client(world: World, settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, world.engine)
    with TestClient(app) as c:
        yield c


def auth_headers(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def as_user(client: TestClient):  # type: ignore[no-untyped-def]
    """``as_user("kalijambe.clerk")`` -> headers with a fresh bearer token for that demo user."""
    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = auth_headers(client, username)
        return cache[username]

    return headers


@pytest.fixture
def inflated(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every byte inflated out of any zip member while the test runs (bundle reading limits)."""
    import zipfile

    total = [0]
    original = zipfile.ZipExtFile.read

    def counting(self: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
        data = original(self, n)
        total[0] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    return total
