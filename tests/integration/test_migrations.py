"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from ktp_service import migrate


def test_models_and_migrations_agree(engine: Engine) -> None:
    assert migrate.pending_model_changes(engine) == []
