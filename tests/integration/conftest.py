"""Fixtures for integration tests that run the ``ktp`` command line, and for migration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from ktp_service.db import make_engine
from ktp_service.settings import Settings
from tests.conftest import PG_TEST_DB, drop_pg_database, recreate_pg_database


@pytest.fixture
def cli_settings(tmp_path: Path) -> Settings:
    """The CLI on a fresh SQLite database under ``tmp_path``: pass it as ``CliRunner().invoke(..., obj=)``."""
    return Settings(data_dir=tmp_path, database_url="")


@pytest.fixture(params=["sqlite", "postgresql"])
def bare_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of its own, on each backend: a migration test starts from nothing, migrates to the
    revision before the one it tests, writes rows the old way, then migrates on."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        yield engine
        engine.dispose()
    else:
        name = f"{PG_TEST_DB}_bare"
        engine = make_engine(recreate_pg_database(name))
        yield engine
        engine.dispose()
        drop_pg_database(name)
