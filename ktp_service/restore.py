"""``ktp restore FILE``: an archive of :mod:`ktp_service.backup` back onto an empty machine.

Order, so that a bad archive changes nothing: the manifest and its signature are read and the target checked
empty (unless ``force``) and roomy enough for what the manifest declares; every member is read once into a
staging directory inside the data directory, each checked as it comes (regular file, safe relative path,
listed, its SHA-256 and size as the manifest says, never a byte past that size, none missing); the
manifest's signature is checked against the signing key the archive restores (and the key id asked for);
only then is the database loaded and are the files renamed into place. Renames stay inside the data
directory: a member's place is resolved and must lie under it (a directory replaced by a link elsewhere
does not carry a file out).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from billing.signing import SIGNING_KEY_FILE, key_id
from ktp_service import backup_db
from ktp_service.backup import (
    DATA,
    FORMAT,
    FORMAT_VERSION,
    KEYS_DIR,
    MANIFEST,
    MANIFEST_MAX_BYTES,
    MANIFEST_SIG,
    PRIVATE_DIRS,
    SIGNATURE_MAX_BYTES,
    BackupRefused,
    RestoreNoSpace,
    RestoreTargetNotEmpty,
    _copy_hashed,
    _skipped,
)

# Free space kept beyond what the archive declares (the database's own files grow while it loads).
SPACE_MARGIN = 256 * 1024 * 1024


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    files: int
    alembic_revision: str | None
    key_id: str


def safe_member_name(name: str) -> PurePosixPath:
    """The member's path, refused when absolute, with ``..`` or an empty or ``.`` part, or a backslash."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or "\\" in name or any(p in ("", ".", "..") for p in name.split("/")):
        raise BackupRefused(f"the archive holds an unsafe path: {name!r}")
    return path


def _small_member(tar: tarfile.TarFile, name: str, limit: int) -> bytes:
    info = tar.next()
    if info is None or info.name != name or not info.isreg() or info.size > limit:
        raise BackupRefused(f"not a ktp backup (format {FORMAT_VERSION}): {name} is not where it belongs")
    f = tar.extractfile(info)
    assert f is not None
    return f.read(limit + 1)[:limit]


def read_manifest(tar: tarfile.TarFile) -> tuple[dict[str, Any], bytes]:
    """The manifest (checked for shape and safe names) and its exact bytes, which the signature covers."""
    raw = _small_member(tar, MANIFEST, MANIFEST_MAX_BYTES)
    try:
        manifest = json.loads(raw)
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
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("sha256"), str)
            or not isinstance(entry.get("size"), int)
            or entry["size"] < 0
        ):
            raise BackupRefused(f"the manifest entry of {name!r} has no sha256 or size")
    return manifest, raw


def read_signature(tar: tarfile.TarFile) -> dict[str, str]:
    try:
        sig = json.loads(_small_member(tar, MANIFEST_SIG, SIGNATURE_MAX_BYTES))
    except ValueError:
        raise BackupRefused(f"{MANIFEST_SIG} is not JSON") from None
    if not isinstance(sig, dict) or not all(isinstance(sig.get(k), str) for k in ("key_id", "signature")):
        raise BackupRefused(f"{MANIFEST_SIG} names no key or signature")
    return {"key_id": sig["key_id"], "signature": sig["signature"]}


def check_signature(stage: Path, manifest_bytes: bytes, sig: dict[str, str], expect_key: str | None) -> str:
    """The manifest was signed by the signing key this archive restores (and by the one asked for)."""
    key_file = stage / DATA / KEYS_DIR / SIGNING_KEY_FILE
    try:
        private = serialization.load_pem_private_key(key_file.read_bytes(), None)
    except (OSError, ValueError, TypeError):
        raise BackupRefused("the archive holds no readable signing key to check its manifest with") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise BackupRefused("the archive's signing key is not an Ed25519 key")
    public = private.public_key()
    if key_id(public) != sig["key_id"]:
        raise BackupRefused("the manifest was signed by another key than the one the archive holds")
    try:
        public.verify(base64.b64decode(sig["signature"], validate=True), manifest_bytes)
    except (InvalidSignature, binascii.Error, ValueError):
        raise BackupRefused("the manifest's signature does not match: the archive was changed") from None
    if expect_key is not None and sig["key_id"] != expect_key:
        raise BackupRefused(f"the archive was signed by key {sig['key_id']}, not by {expect_key}")
    return sig["key_id"]


def check_space(root: Path, manifest: dict[str, Any]) -> None:
    """Refuse before reading a member when the declared contents would not fit (twice: staged, then the
    database loaded from its dump)."""
    members: dict[str, dict[str, Any]] = manifest["members"]
    declared = sum(int(e["size"]) for e in members.values())
    need = declared + int(members[manifest["database"]["member"]]["size"]) + SPACE_MARGIN
    free = shutil.disk_usage(root).free
    if need > free:
        raise RestoreNoSpace(
            f"the archive declares {declared} bytes; restoring needs about {need} free, "
            f"and the data directory's disk has {free}"
        )


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
        sha, size = _copy_hashed(f, stage / name, limit=int(expected[name]["size"]))
        if (sha, size) != (expected[name]["sha256"], expected[name]["size"]):
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
    data_dir: Path,
    database_url: str,
    engine: Engine,
    archive: Path,
    *,
    force: bool = False,
    expect_key: str | None = None,
) -> RestoreReport:
    """Restore ``archive`` into ``data_dir`` and the database at ``database_url`` (``engine`` on it);
    ``expect_key``: refuse an archive signed by any other signing key."""
    data_dir.mkdir(parents=True, exist_ok=True)
    root = data_dir.resolve()
    with _open(archive) as tar:
        try:
            manifest, manifest_bytes = read_manifest(tar)
            signature = read_signature(tar)
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise BackupRefused(f"the archive cannot be read: {exc}") from None
        dialect = manifest["database"].get("dialect")
        if dialect != backup_db.dialect_of(database_url):
            raise BackupRefused(f"the archive holds a {dialect} database; the target is not one")
        present_tables, present_files = backup_db.tables(engine), data_files(root, database_url)
        if (present_tables or present_files) and not force:
            what = [f"{len(present_tables)} tables", f"{len(present_files)} files"]
            raise RestoreTargetNotEmpty(
                f"the target is not empty ({' and '.join(what)}); --force replaces it"
            )
        check_space(root, manifest)
        stage = root / f".restore-{os.getpid()}"
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(mode=0o700)
        try:
            try:
                _stage(tar, manifest, stage)
            except (OSError, tarfile.TarError, EOFError) as exc:
                raise BackupRefused(f"the archive cannot be read: {exc}") from None
            signer = check_signature(stage, manifest_bytes, signature, expect_key)
            if present_tables:
                backup_db.clear(engine)
            engine.dispose()  # the restore replaces the database under any pooled connection
            backup_db.restore(database_url, stage / manifest["database"]["member"])
            files = _put_in_place(root, stage, [n for n in manifest["members"] if n.startswith(DATA)])
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    return RestoreReport(manifest, files, backup_db.alembic_revision(engine), signer)


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
