"""``ktp restore FILE``: an archive of :mod:`ktp_service.backup` back onto an empty machine.

Order, so that a bad archive changes nothing: the manifest is read and the target checked empty (unless
``force``); every member is read once into a staging directory inside the data directory, each checked as
it comes (regular file, safe relative path, listed, its SHA-256 and size as the manifest says, none missing);
only then is the database loaded and are the files renamed into place. Renames stay inside the data
directory: a member's place is resolved and must lie under it (a directory replaced by a link elsewhere
does not carry a file out).
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy.engine import Engine

from ktp_service import backup_db
from ktp_service.backup import (
    DATA,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MANIFEST_MAX_BYTES,
    PRIVATE_DIRS,
    BackupRefused,
    RestoreTargetNotEmpty,
    _copy_hashed,
    _skipped,
)


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    files: int
    alembic_revision: str | None


def safe_member_name(name: str) -> PurePosixPath:
    """The member's path, refused when absolute, with ``..`` or an empty or ``.`` part, or a backslash."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or "\\" in name or any(p in ("", ".", "..") for p in name.split("/")):
        raise BackupRefused(f"the archive holds an unsafe path: {name!r}")
    return path


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isreg() or first.size > MANIFEST_MAX_BYTES:
        raise BackupRefused(f"not a ktp backup: the first member must be {MANIFEST}")
    f = tar.extractfile(first)
    assert f is not None
    try:
        manifest = json.loads(f.read())
    except ValueError:
        raise BackupRefused(f"{MANIFEST} is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused("not a ktp backup (manifest format)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupRefused(f"backup format version {manifest.get('format_version')} is not {FORMAT_VERSION}")
    members, database = manifest.get("members"), manifest.get("database")
    if (
        not isinstance(members, dict)
        or not isinstance(database, dict)
        or database.get("member") not in members
    ):
        raise BackupRefused("the manifest lists no members or no database")
    for name, entry in members.items():
        safe_member_name(name)
        if not name.startswith(DATA) and name != database["member"]:
            raise BackupRefused(f"the manifest lists {name!r}, outside data/ and not the database")
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            raise BackupRefused(f"the manifest entry of {name!r} has no sha256")
    return manifest


def data_files(data_dir: Path, database_url: str) -> list[str]:
    """Files of the data directory a backup would hold (the SQLite file and temporary files aside)."""
    skip: set[Path] = set()
    if backup_db.dialect_of(database_url) == "sqlite":
        db = backup_db.sqlite_path(database_url).resolve()
        skip = {db, *(Path(f"{db}{s}") for s in ("-wal", "-shm", "-journal"))}
    found = []
    for dirpath, _, names in os.walk(data_dir):
        for name in names:
            path = Path(dirpath, name)
            rel = PurePosixPath(path.relative_to(data_dir).as_posix())
            if path.resolve() not in skip and not _skipped(rel, with_spool=True):
                found.append(str(rel))
    return sorted(found)


def _stage(tar: tarfile.TarFile, manifest: dict[str, Any], stage: Path) -> None:
    """Every member after the manifest into ``stage``, each checked; BackupRefused at the first bad one."""
    expected: dict[str, dict[str, Any]] = manifest["members"]
    seen: set[str] = set()
    while (info := tar.next()) is not None:  # streaming on from the member after the manifest
        name = str(safe_member_name(info.name))
        if not info.isreg():
            raise BackupRefused(f"{info.name!r} is not a regular file (links and devices are refused)")
        if name not in expected or name in seen:
            raise BackupRefused(f"{name!r} is not in the manifest, or is there twice")
        seen.add(name)
        f = tar.extractfile(info)
        assert f is not None
        sha, size = _copy_hashed(f, stage / name)
        if (sha, size) != (expected[name]["sha256"], expected[name].get("size", size)):
            raise BackupRefused(f"{name} does not match its SHA-256 in the manifest: the archive was changed")
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupRefused(f"the archive lacks {', '.join(missing[:5])}")


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, mode="r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupRefused(f"the archive cannot be read: {exc}") from None


def restore_backup(
    data_dir: Path, database_url: str, engine: Engine, archive: Path, *, force: bool = False
) -> RestoreReport:
    """Restore ``archive`` into ``data_dir`` and the database at ``database_url`` (``engine`` on it)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    root = data_dir.resolve()
    with _open(archive) as tar:
        manifest = read_manifest(tar)
        dialect = manifest["database"].get("dialect")
        if dialect != backup_db.dialect_of(database_url):
            raise BackupRefused(f"the archive holds a {dialect} database; the target is not one")
        present_tables, present_files = backup_db.tables(engine), data_files(root, database_url)
        if (present_tables or present_files) and not force:
            what = [f"{len(present_tables)} tables", f"{len(present_files)} files"]
            raise RestoreTargetNotEmpty(
                f"the target is not empty ({' and '.join(what)}); --force replaces it"
            )
        stage = root / f".restore-{os.getpid()}"
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(mode=0o700)
        try:
            try:
                _stage(tar, manifest, stage)
            except (OSError, tarfile.TarError, EOFError) as exc:
                raise BackupRefused(f"the archive cannot be read: {exc}") from None
            if present_tables:
                backup_db.clear(engine)
            engine.dispose()  # the restore replaces the database under any pooled connection
            backup_db.restore(database_url, stage / manifest["database"]["member"])
            files = _put_in_place(root, stage, [n for n in manifest["members"] if n.startswith(DATA)])
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    return RestoreReport(manifest, files, backup_db.alembic_revision(engine))


def _put_in_place(root: Path, stage: Path, names: list[str]) -> int:
    for name in names:
        rel = PurePosixPath(name[len(DATA) :])
        private = rel.parts[0] in PRIVATE_DIRS
        target = root.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o755)
        if not target.parent.resolve().is_relative_to(root) or target.is_symlink():
            raise BackupRefused(f"{rel} would be written outside the data directory (a link on its way)")
        os.chmod(stage / name, 0o600 if private else 0o644)
        os.replace(stage / name, target)
    return len(names)
