"""Migration ``a7_accounts_sessions`` on a database that already has users: each gets its own random token
subject, token version 0 and no forced password change, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from ktp_service import migrate


def test_existing_users_get_distinct_subjects(bare_engine: Engine) -> None:
    migrate.upgrade(bare_engine, "a6_worker_heartbeat")  # the revision before a7
    with bare_engine.begin() as conn:
        for name in ("one", "two", "three"):
            conn.execute(
                text(
                    "INSERT INTO app_user (username, full_name, password_hash, role, active, created_at) "
                    "VALUES (:u, '', 'x', 'finance', true, CURRENT_TIMESTAMP)"
                ),
                {"u": name},
            )
    migrate.upgrade(bare_engine)
    with bare_engine.connect() as conn:
        rows = conn.execute(text("SELECT subject, token_version, must_change_password FROM app_user")).all()
    assert len({r[0] for r in rows}) == 3 and all(len(r[0]) == 36 for r in rows)
    assert {(r[1], bool(r[2])) for r in rows} == {(0, False)}
    assert migrate.pending_model_changes(bare_engine) == []
