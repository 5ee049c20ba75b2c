"""What ``/healthz`` checks besides the database: the data directory (photos, signatures, spooled cards,
keys, the default SQLite file) takes writes and has room left."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any


def write_probe(directory: Path) -> None:
    """Create, write and remove a small file in ``directory`` (created if missing, as the service would);
    raises OSError when any step fails (a read-only or full file system). The probe is removed even then.
    No fsync: a health check is called often, and the free-space threshold covers a disk filling up."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".healthz-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(b"ok\n")
    finally:
        Path(name).unlink(missing_ok=True)


def data_dir_status(directory: Path, min_free_bytes: int) -> dict[str, Any]:
    """``{"status": "ok"}`` or ``{"status": "error", "error": "not_writable" | "low_disk_space", ...}``,
    with the free bytes and the threshold; never raises."""
    out: dict[str, Any] = {"status": "ok", "writable": True, "min_free_bytes": min_free_bytes}
    try:
        write_probe(directory)
    except OSError as exc:
        reason = errno.errorcode.get(exc.errno or 0, type(exc).__name__)  # ENOSPC, EROFS, EACCES...
        out.update(status="error", writable=False, error="not_writable", detail=reason)
    try:
        free = shutil.disk_usage(directory if directory.is_dir() else directory.parent).free
    except OSError:
        free = None
    out["free_bytes"] = free
    if out["status"] == "ok" and free is not None and free < min_free_bytes:
        out.update(status="error", error="low_disk_space")
    return out
