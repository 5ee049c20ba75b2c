"""``ktp backup`` / ``ktp restore``: the database, the data directory and the keys in one tar.gz.

Layout: ``manifest.json`` first (format, versions, alembic revision, created time, and the size and SHA-256
of every other member), ``manifest.sig`` second (the manifest's Ed25519 signature by billing's signing key,
the one the archive itself restores, and that key's id), then ``database/ktp.sqlite3`` or ``database/ktp.pgdump`` (:mod:`ktp_service.backup_db`),
then ``data/<path>`` for each file of the data directory: photos, the checkpoint log, keys (token secret,
billing's signing and HMAC keys, the key ring), simulator state, any print agents' credentials; the spool
only when asked. Not the SQLite file itself (it is the database member) nor temporary and lock files.

Restoring reads the archive once into a staging directory inside the data directory, checking every member
on the way (a regular file, a relative path without ``..``, listed in the manifest, its hash matching);
nothing is put in place unless all of them pass. Then the database is loaded and the files renamed into
place, key files private (0600). The archive is as secret as the keys it holds: it is written 0600.

The signature ties the manifest (and through its hashes every member) to the signing key the archive holds:
an archive changed by someone without that key is refused. Whoever holds the archive holds the key, so
they could re-sign it with a key of their own; the key id is printed at backup and restore, and
``ktp restore --expect-key ID`` refuses any other (the partner knows the id from every signed statement).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy.engine import Engine

from billing.signing import KeyStore
from ktp_service import __version__, backup_db
from ktp_service.errors import Conflict, Invalid
from ktp_service.files import atomic_file

FORMAT, FORMAT_VERSION, MANIFEST, MANIFEST_SIG = "ktp-backup", 2, "manifest.json", "manifest.sig"
SIGNATURE_MAX_BYTES = 4096
DATA = "data/"
MANIFEST_MAX_BYTES = 8 * 1024 * 1024
CHUNK = 1024 * 1024
# Directories whose files are secrets: the token secret and billing's keys; print agents' credentials.
KEYS_DIR = "keys"
PRIVATE_DIRS = (KEYS_DIR, "agents")
# Copied before the database: the database then holds every checkpoint the log does (verification fails on
# a checkpoint of the log missing from the database, not on one the log lacks: it is synced later).
FIRST = ("checkpoints",)


class BackupRefused(Invalid, code="backup_refused"): ...


class RestoreTargetNotEmpty(Conflict, code="restore_target_not_empty"): ...


class RestoreNoSpace(Conflict, code="restore_no_space"): ...


@dataclass
class BackupReport:
    path: Path
    manifest: dict[str, Any]
    key_id: str
    skipped: list[str] = field(default_factory=list)  # links and other non-regular files, not followed


def _skipped(rel: PurePosixPath, with_spool: bool) -> bool:
    name = rel.name
    if not with_spool and rel.parts[0] == "spool":
        return True
    return name.endswith((".tmp", ".lock")) or name.startswith(".healthz")


def _walk(root: Path, top: Path, excluded: set[Path], with_spool: bool, skipped: list[str]) -> Iterator[Path]:
    """Regular files under ``top`` (sorted), links and special files named in ``skipped``, never followed."""
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        for d in list(dirnames):
            if (here / d).is_symlink() or (here / d).resolve() in excluded:
                dirnames.remove(d)
                if (here / d).is_symlink():
                    skipped.append(str((here / d).relative_to(root)))
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            rel = PurePosixPath(path.relative_to(root).as_posix())
            if path.resolve() in excluded or _skipped(rel, with_spool):
                continue
            if path.is_symlink() or not path.is_file():
                skipped.append(str(rel))
                continue
            yield path


def _copy_hashed(src: IO[bytes], dst: Path, mode: int = 0o600, limit: int | None = None) -> tuple[str, int]:
    """Copy, hashing on the way; past ``limit`` bytes (what the manifest declared) the copy stops, refused:
    a member that inflates beyond its stated size never fills the disk."""
    digest, size = hashlib.sha256(), 0
    dst.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if limit is not None and size > limit:
                raise BackupRefused(f"{dst.name} is larger than the manifest says ({limit} bytes)")
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size


def _hash_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def create_backup(
    data_dir: Path, database_url: str, engine: Engine, out: Path, *, with_spool: bool = False
) -> BackupReport:
    """Write the archive to ``out`` (whole or not at all). Consistent while the service runs: the database
    copy is a snapshot; photos are written before the rows naming them, so copying them after it catches
    every photo it names."""
    root = data_dir.resolve()
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    # Taken (and made, on a machine that never signed) before the files are copied, so the archive holds it.
    signer = KeyStore(root / KEYS_DIR).current()
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".ktp-backup-") as tmp:
        stage = Path(tmp)
        excluded = {out, stage.resolve()}
        if backup_db.dialect_of(database_url) == "sqlite":
            db_file = backup_db.sqlite_path(database_url).resolve()
            excluded |= {db_file, *(Path(f"{db_file}{s}") for s in ("-wal", "-shm", "-journal"))}
        members: dict[str, dict[str, Any]] = {}
        skipped: list[str] = []

        def copy_tree(top: Path) -> None:
            if not top.is_dir() or top.is_symlink():
                return
            for path in _walk(root, top, excluded, with_spool, skipped):
                name = DATA + path.relative_to(root).as_posix()
                if name in members:  # the checkpoint log, copied first
                    continue
                with path.open("rb") as src:
                    sha, size = _copy_hashed(src, stage / name)
                members[name] = {"sha256": sha, "size": size}

        for first in FIRST:
            copy_tree(root / first)
        (stage / "database").mkdir()
        database = backup_db.dump(database_url, stage / "database" / "dump")
        os.replace(stage / "database" / "dump", stage / database["member"])
        sha, size = _hash_file(stage / database["member"])
        members[database["member"]] = {"sha256": sha, "size": size}
        copy_tree(root)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": {"ktp_service": __version__, "python": platform.python_version()},
            "alembic_revision": backup_db.alembic_revision(engine),
            "database": database,
            "with_spool": with_spool,
            "members": dict(sorted(members.items())),
        }
        manifest_bytes = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
        (stage / MANIFEST).write_bytes(manifest_bytes)
        signature = {"key_id": signer.key_id, "signature": signer.sign(manifest_bytes)}
        (stage / MANIFEST_SIG).write_text(json.dumps(signature, sort_keys=True) + "\n", encoding="ascii")
        with atomic_file(out, mode=0o600) as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            for name in [MANIFEST, MANIFEST_SIG, *manifest["members"]]:
                tar.add(stage / name, arcname=name, recursive=False, filter=_plain)
    return BackupReport(out, manifest, signer.key_id, sorted(set(skipped)))


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """No owner names or ids from this machine; every member private."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info
