"""The database's part of a backup: SQLite through its online backup API (a consistent copy while the
service writes, WAL included), PostgreSQL through ``pg_dump --format=custom`` and ``pg_restore`` (the client
tools on PATH, Debian ``postgresql-client``). The connection's password goes to the tools in ``PGPASSWORD``,
never on a command line another user could read in ``ps``."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from ktp_service.errors import Conflict

SQLITE_MEMBER, PG_MEMBER = "database/ktp.sqlite3", "database/ktp.pgdump"


class DatabaseToolFailed(Conflict, code="backup_database_tool_failed"): ...


def dialect_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise DatabaseToolFailed(f"no SQLite file to back up in {make_url(url)!r}")
    return Path(database)


def _pg_env(url: str) -> dict[str, str]:
    """libpq's variables for ``url`` (an SQLAlchemy URL): the tools read them, the password included."""
    u = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    pairs = {"PGHOST": u.host, "PGPORT": u.port, "PGUSER": u.username, "PGPASSWORD": u.password}
    env.update({k: str(v) for k, v in pairs.items() if v is not None})
    env["PGDATABASE"] = u.database or ""
    return env


def _run(args: list[str], url: str) -> str:
    try:
        done = subprocess.run(args, env=_pg_env(url), capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise DatabaseToolFailed(f"{args[0]} is not installed (Debian package postgresql-client)") from None
    if done.returncode != 0:
        raise DatabaseToolFailed(f"{args[0]} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def dump(url: str, out: Path) -> dict[str, str]:
    """Copy the database to ``out``; the manifest's description of it (member, format, versions)."""
    if dialect_of(url) == "sqlite":
        src = sqlite3.connect(sqlite_path(url))
        dst = sqlite3.connect(out)
        try:
            with dst:
                src.backup(dst)  # page by page, consistent: writers wait only for each step
        finally:
            src.close()
            dst.close()
        return {
            "dialect": "sqlite",
            "member": SQLITE_MEMBER,
            "format": "sqlite3",
            "sqlite": sqlite3.sqlite_version,
        }
    # Custom format, without owners or grants: it restores into a database owned by another role.
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={out}"], url)
    version = _run(["pg_dump", "--version"], url).strip()
    return {"dialect": "postgresql", "member": PG_MEMBER, "format": "pg_dump-custom", "pg_dump": version}


def restore(url: str, source: Path) -> None:
    """Load ``source`` (a file of :func:`dump`'s format for this dialect) into the empty database."""
    if dialect_of(url) == "sqlite":
        src = sqlite3.connect(source)
        dst = sqlite3.connect(sqlite_path(url))
        try:
            with dst:
                src.backup(dst)  # replaces every page of the target: whatever it held is gone
        finally:
            src.close()
            dst.close()
        return
    # One transaction: a failed restore leaves the database as empty as it was. Triggers and foreign keys
    # come after the data in a dump, so the append-only triggers do not refuse the rows being loaded.
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--dbname={make_url(url).database}", str(source)], url)  # fmt: skip


def tables(engine: Engine) -> list[str]:
    return list(inspect(engine).get_table_names())


def clear(engine: Engine) -> None:
    """Drop every table of a database about to be restored over (``ktp restore --force``). SQLite needs
    nothing: the backup API replaces the whole file."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


def alembic_revision(engine: Engine) -> str | None:
    if "alembic_version" not in tables(engine):
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
