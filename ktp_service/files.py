"""Files written whole or not at all: under a private temporary name in the same directory, then renamed
into place. A write that fails part-way (a full disk, an I/O error) removes its temporary file, so a
failure leaves neither a half-written file under the real name nor a stray ``.tmp`` beside it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def temporary_name(path: Path) -> Path:
    """A private name beside ``path`` (two writers of the same file never share one)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


@contextmanager
def atomic_file(path: Path, *, mode: int = 0o644) -> Iterator[BinaryIO]:
    """A file to write that appears at ``path`` whole when the block ends (flushed to disk first), or not at
    all when it raises: readers see the old file or the new one, never a part of it."""
    tmp = temporary_name(path)
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` whole or not at all (:func:`atomic_file`)."""
    with atomic_file(path, mode=mode) as f:
        f.write(data)
