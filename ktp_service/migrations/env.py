"""Alembic environment. The URL and connection come from ``ktp_service.migrate``; the target schema is
``SQLModel.metadata`` with every table module imported."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from ktp_service.migrate import import_all_models

import_all_models()
config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `ktp db upgrade` (ktp_service.migrate)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
