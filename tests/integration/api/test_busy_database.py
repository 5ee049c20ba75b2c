"""A write that cannot get the database's lock in time answers 503 service_busy with Retry-After, in the
reader's language, and saves nothing; sent again once the lock is free, it succeeds. On SQLite the lock is
held by another connection (as another process would), the way `ktp worker` or a backup holds it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import psycopg.errors
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from ktp_service import db
from ktp_service.main import create_app
from ktp_service.models import Resident
from ktp_service.settings import Settings
from tests.conftest import auth_headers, build_world
from tests.factories import resident_payload


def test_sqlite_write_lock_held_elsewhere_gives_503_and_saves_nothing(
    tmp_path: Path, sqlite_template: Path, password_hash: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ktp.sqlite3"
    shutil.copy(sqlite_template, path)
    monkeypatch.setattr(db, "SQLITE_BUSY_SECONDS", 0.3)  # read when the engine is made
    engine = db.make_engine(f"sqlite:///{path}")
    world = build_world(engine, password_hash)
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{path}", run_worker=False)
    body = resident_payload()
    try:
        with TestClient(create_app(settings, world.engine)) as client:
            headers = auth_headers(client, "kalijambe.clerk")
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")  # another process's write transaction
            try:
                r = client.post("/api/v1/residents", json=body, headers=headers)
                assert r.status_code == 503, r.text
                assert r.headers["Retry-After"] == "5"
                assert r.json()["error"] == "service_busy"
                assert "Tidak ada yang tersimpan" in r.json()["message"]
                r = client.post("/api/v1/residents", json=body, headers=headers | {"Accept-Language": "en"})
                assert r.status_code == 503 and "Nothing was saved" in r.json()["message"]
            finally:
                other.execute("ROLLBACK")
                other.close()
            with Session(engine) as s:
                assert s.exec(select(Resident).where(Resident.nik == body["nik"])).first() is None
            r = client.post("/api/v1/residents", json=body, headers=headers)  # the same request, again
            assert r.status_code == 201, r.text
    finally:
        engine.dispose()


def test_busy_is_told_apart_from_a_fault() -> None:
    def wrapped(orig: Exception) -> OperationalError:
        return OperationalError("INSERT ...", {}, orig)

    assert db.is_busy(wrapped(sqlite3.OperationalError("database is locked")))
    assert db.is_busy(wrapped(psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")))
    assert db.is_busy(wrapped(psycopg.errors.DeadlockDetected("deadlock detected")))
    assert db.is_busy(wrapped(psycopg.errors.SerializationFailure("could not serialize access")))
    assert not db.is_busy(wrapped(sqlite3.OperationalError("disk I/O error")))
    assert not db.is_busy(wrapped(psycopg.errors.UndefinedTable("relation does not exist")))
