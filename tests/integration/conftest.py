"""Fixtures for integration tests that run the ``ktp`` command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ktp_service import db
from ktp_service.settings import get_settings


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI on a fresh SQLite database under ``tmp_path`` (settings and engine caches reset)."""
    monkeypatch.setenv("KTP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KTP_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    db.get_engine.cache_clear()
