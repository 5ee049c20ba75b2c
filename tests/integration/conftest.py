"""Fixtures for integration tests that run the ``ktp`` command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ktp_service.settings import Settings


@pytest.fixture
def cli_settings(tmp_path: Path) -> Settings:
    """The CLI on a fresh SQLite database under ``tmp_path``: pass it as ``CliRunner().invoke(..., obj=)``."""
    return Settings(data_dir=tmp_path, database_url="")
