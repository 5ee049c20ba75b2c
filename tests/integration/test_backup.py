"""`ktp backup` / `ktp restore` (issue 10): a machine with closed months, a rotated signing key, photos and
a checkpoint log, backed up while its database is open and restored onto an empty machine (a fresh data
directory and a fresh database, SQLite and PostgreSQL), where the ledger and a closed month's bundle verify
with the restored keys. A tampered or unsafe archive, and a target that is not empty, are refused."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from billing.bundle import export_bundle, verify_bundle
from billing.chain import verify_chain
from billing.checkpoints import make_checkpoint, read_log, sync_log
from billing.config import BillingConfig
from billing.posting import post_events
from billing.statement import close_period
from ktp_service import restore
from ktp_service.backup_db import alembic_revision
from ktp_service.billing_bridge import config_for
from ktp_service.cli import app
from ktp_service.db import make_engine
from ktp_service.security import token_secret
from ktp_service.settings import Settings
from tests.conftest import drop_pg_database, recreate_pg_database
from tests.unit.billing.factories import add_contract, event

RESTORE_DB = f"ktp_test_restore_{os.getpid()}"
NOV, DEC = datetime(2026, 11, 10, 3, tzinfo=UTC), datetime(2026, 12, 10, 3, tzinfo=UTC)


def close_month(db: Session, config: BillingConfig, start: datetime, month: str, now: datetime) -> None:
    post_events(db, [event(start + timedelta(hours=i)) for i in range(3)], config=config, now=now)
    db.commit()
    close_period(db, month, config=config, unposted_events=0, now=now)
    db.commit()
    make_checkpoint(db, config, now=now + timedelta(hours=1))
    db.commit()
    sync_log(db, config.checkpoint_path)


@pytest.fixture
def source(engine: Engine, tmp_path: Path) -> Settings:
    """A machine with November closed under one key, December under the next, a photo and a token secret."""
    settings = Settings(
        data_dir=tmp_path / "src", database_url=engine.url.render_as_string(hide_password=False)
    )
    config = config_for(settings)
    with Session(engine, expire_on_commit=False) as db:
        add_contract(db)
        close_month(db, config, NOV, "2026-11", datetime(2026, 12, 2, tzinfo=UTC))
        config.keys.rotate()
        close_month(db, config, DEC, "2026-12", datetime(2027, 1, 2, tzinfo=UTC))
    token_secret(settings.keys_dir)
    settings.images_dir.mkdir(parents=True)
    (settings.images_dir / "ab" / "photo.png").parent.mkdir()
    (settings.images_dir / "ab" / "photo.png").write_bytes(b"\x89PNG pixels")
    (settings.images_dir / "elsewhere").symlink_to("/etc/passwd")  # a link is not followed
    return settings


@pytest.fixture
def empty_target(engine: Engine, tmp_path: Path) -> Iterator[Settings]:
    """A fresh data directory and a fresh database of the same kind as ``engine``'s."""
    if engine.dialect.name == "sqlite":
        yield Settings(data_dir=tmp_path / "dst", database_url="")
        return
    url = recreate_pg_database(RESTORE_DB)
    yield Settings(data_dir=tmp_path / "dst", database_url=url)
    drop_pg_database(RESTORE_DB)


def run(settings: Settings, *args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args), obj=settings)
    return r.exit_code, r.output


def test_restore_onto_an_empty_machine_verifies(
    source: Settings, empty_target: Settings, engine: Engine, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    code, out = run(source, "backup", "--out", str(archive))
    assert code == 0, out
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(names[0]).read())  # type: ignore[union-attr]
    assert names[0] == "manifest.json" and "data/images/elsewhere" not in names
    assert {"data/keys/billing-ed25519.pem", "data/keys/token-secret", "data/images/ab/photo.png"} <= set(
        names
    )
    assert (
        manifest["alembic_revision"] == alembic_revision(engine) and manifest["database"]["member"] in names
    )

    key = config_for(source).keys.key_id()
    assert f"signed by key {key}" in out
    code, out = run(empty_target, "restore", str(archive), "--expect-key", "0" * len(key))
    assert code == 2 and f"signed by key {key}" in out, out  # another key asked for: refused, nothing kept
    assert [p.name for p in empty_target.data_dir.iterdir() if p.name != "ktp.sqlite3"] == []
    code, out = run(empty_target, "restore", str(archive), "--expect-key", key)
    assert code == 0 and key in out, out
    dst = empty_target
    for name in ("billing-ed25519.pem", "token-secret", "billing-event-hmac.key"):
        assert stat.S_IMODE((dst.keys_dir / name).stat().st_mode) == 0o600
        assert (dst.keys_dir / name).read_bytes() == (source.keys_dir / name).read_bytes()
    assert (dst.images_dir / "ab" / "photo.png").read_bytes() == b"\x89PNG pixels"

    restored = make_engine(dst.effective_database_url)
    try:
        assert alembic_revision(restored) == manifest["alembic_revision"]
        config = config_for(dst)
        held, problems = read_log(config.checkpoint_path)
        assert problems == [] and len(held) == 4
        with Session(restored) as db:
            result = verify_chain(db, public_key_pem=config.keys.public_keys_pem(), held={"log": held})
            assert result.ok and result.transactions > 0, result.problems
            bundle = export_bundle(db, "2026-11", tmp_path / "nov.zip")
        assert verify_bundle(bundle, config.keys.public_keys_pem(), held) == []
        code, out = run(dst, "billing", "verify")
        assert code == 0, out
    finally:
        restored.dispose()

    # Now the target is not empty: refused, unless --force.
    code, out = run(empty_target, "restore", str(archive))
    assert code == 2 and "not empty" in out
    code, out = run(empty_target, "restore", str(archive), "--force")
    assert code == 0, out


def rewrite(
    archive: Path, out: Path, change: dict[str, bytes | None], extra: list[tarfile.TarInfo] = ()
) -> Path:  # type: ignore[assignment]
    """``archive`` copied with members' contents changed (None: left out) and ``extra`` members added."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()  # type: ignore[union-attr]
            if info.name in change:
                if change[info.name] is None:
                    continue
                data = change[info.name]  # type: ignore[assignment]
                info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
        for info in extra:
            dst.addfile(info, io.BytesIO(b"x" * info.size) if info.isreg() else None)
    return out


@pytest.mark.parametrize(
    "how",
    [
        "changed_key",
        "missing_member",
        "traversal",
        "absolute",
        "symlink",
        "unlisted",
        "inflated",
        "rehashed",
        "bad_signature",
    ],
)
def test_a_tampered_or_unsafe_archive_is_refused(tmp_path: Path, how: str) -> None:
    src = Settings(data_dir=tmp_path / "src", database_url="")
    assert run(src, "db", "upgrade")[0] == 0
    token_secret(src.keys_dir)
    archive = tmp_path / "b.tar.gz"
    assert run(src, "backup", "--out", str(archive))[0] == 0
    link = tarfile.TarInfo("data/keys/evil")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    bad_names = {"traversal": "data/../../evil", "absolute": "/tmp/evil", "unlisted": "data/images/extra"}
    changes: dict[str, dict[str, bytes | None]] = {
        "changed_key": {"data/keys/token-secret": b"attacker's secret"},
        "missing_member": {"data/keys/token-secret": None},
        # more bytes than the manifest declares: the copy stops at the declared size
        "inflated": {"data/keys/token-secret": b"x" * (1024 * 1024)},
        "bad_signature": {"manifest.sig": b'{"key_id": "00", "signature": "AAAA"}'},
    }
    if how == "rehashed":  # the secret changed and its hash in the manifest too, as a forger would: unsigned
        with tarfile.open(archive) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        forged = b"attacker's secret"
        manifest["members"]["data/keys/token-secret"] = {
            "sha256": hashlib.sha256(forged).hexdigest(),
            "size": len(forged),
        }
        changes[how] = {"manifest.json": json.dumps(manifest).encode(), "data/keys/token-secret": forged}
    extra = [link] if how == "symlink" else []
    if how in bad_names:
        info = tarfile.TarInfo(bad_names[how])
        info.size = 1
        extra = [info]
    if how in ("traversal", "absolute", "symlink"):  # listed in the manifest too, as a forger would
        with tarfile.open(archive) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        manifest["members"][extra[0].name] = {"sha256": "0" * 64, "size": 1}
        changes[how] = {"manifest.json": json.dumps(manifest).encode()}
    bad = rewrite(archive, tmp_path / "bad.tar.gz", changes.get(how, {}), extra)

    target = Settings(data_dir=tmp_path / "dst", database_url="")
    code, out = run(target, "restore", str(bad))
    assert code == 2, out
    assert {
        "changed_key": "SHA-256",
        "missing_member": "lacks",
        "unlisted": "not in the manifest",
        "inflated": "larger than the manifest says",
        "rehashed": "signature does not match",
        "bad_signature": "signed by another key",
    }.get(how, "unsafe") in out or (how == "symlink" and "not a regular file" in out), out
    # Nothing was put in place: the target is as empty as it was, nothing written outside it.
    assert [p.name for p in target.data_dir.iterdir() if p.name != "ktp.sqlite3"] == []
    assert not (tmp_path / "evil").exists() and not Path("/tmp/evil").exists()


def test_a_restore_that_would_not_fit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = Settings(data_dir=tmp_path / "src", database_url="")
    assert run(src, "db", "upgrade")[0] == 0
    archive = tmp_path / "b.tar.gz"
    assert run(src, "backup", "--out", str(archive))[0] == 0
    # the disk the data directory is on has 1 MB left: the declared contents and the margin do not fit
    monkeypatch.setattr(restore.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(10**9, 10**9, 10**6))
    target = Settings(data_dir=tmp_path / "dst", database_url="")
    code, out = run(target, "restore", str(archive))
    assert code != 0 and "free" in out, out
    assert [p.name for p in target.data_dir.iterdir() if p.name != "ktp.sqlite3"] == []
