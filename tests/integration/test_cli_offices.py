"""``ktp offices add|list`` set up a production database without the demo (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from ktp_service.cli import app
from ktp_service.models import AuditEvent, Office
from ktp_service.settings import Settings


def _settings(engine: Engine, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=engine.url.render_as_string(hide_password=False))


def test_offices_add_and_list_on_an_empty_database(engine: Engine, tmp_path: Path) -> None:
    runner, settings = CliRunner(), _settings(engine, tmp_path)
    r = runner.invoke(app, ["offices", "list"], obj=settings)
    assert r.exit_code == 0 and "no offices yet" in r.output

    r = runner.invoke(
        app,
        ["offices", "add", "--code", "33.14.01", "--name", "Kalijambe", "--kind", "kecamatan"],
        obj=settings,
    )
    assert r.exit_code == 0, r.output
    assert "office 33.14.01: Kalijambe (kecamatan)" in r.output
    r = runner.invoke(app, ["offices", "add", "--code", "33.14"], obj=settings)
    assert r.exit_code == 0, r.output
    assert "Kantor Pelayanan Terpadu" in r.output

    r = runner.invoke(app, ["offices", "list"], obj=settings)
    lines = r.output.splitlines()
    assert lines[0].split()[:3] == ["33.14", "kabupaten", "active"]
    assert lines[1].split() == ["33.14.01", "kecamatan", "active", "Kalijambe"]

    # The user the office needs, beside it (the order a fresh production database is set up in).
    r = runner.invoke(
        app,
        [
            "users",
            "create",
            "--username",
            "kalijambe.clerk",
            "--role",
            "clerk",
            "--office",
            "33.14.01",
            "--password-stdin",
        ],
        input="a-long-enough-password\n",
        obj=settings,
    )
    assert r.exit_code == 0, r.output

    with Session(engine) as s:
        assert [o.code for o in s.exec(select(Office).order_by(Office.code))] == ["33.14", "33.14.01"]
        assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "office.create")).all()) == 2


def test_offices_add_refusals_change_nothing(engine: Engine, tmp_path: Path) -> None:
    runner, settings = CliRunner(), _settings(engine, tmp_path)
    assert runner.invoke(app, ["offices", "add", "--code", "33.14.01"], obj=settings).exit_code == 0
    for args, said in (
        (["--code", "33.14.01"], "already exists"),
        (["--code", "99.99.99"], "not a kabupaten, kota, kecamatan, kelurahan or desa code"),
        (["--code", "33.14.02", "--kind", "kabupaten"], "is a kecamatan, not a kabupaten"),
        (["--code", "33.14.01.2999"], "not a kabupaten, kota, kecamatan, kelurahan or desa code"),
        (["--code", "33.14.02.2001"], "Register the office of kecamatan 33.14.02"),  # its kecamatan first
    ):
        r = runner.invoke(app, ["offices", "add", *args], obj=settings)
        assert r.exit_code == 2, r.output
        assert said in r.output
    with Session(engine) as s:
        assert [o.code for o in s.exec(select(Office))] == ["33.14.01"]
