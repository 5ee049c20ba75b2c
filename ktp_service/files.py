"""Files written whole or not at all: under a private temporary name in the same directory, then renamed
into place. A write that fails part-way (a full disk, an I/O error) removes its temporary file, so a
failure leaves neither a half-written file under the real name nor a stray ``.tmp`` beside it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def temporary_name(path: Path) -> Path:
    """A private name beside ``path`` (two writers of the same file never share one)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def write_atomically(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path``: readers see the old file or the new one, never a part of it."""
    tmp = temporary_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
