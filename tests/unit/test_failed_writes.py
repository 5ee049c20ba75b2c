"""A write that fails part-way (a full disk) leaves no ``.tmp`` file and no half-written file under the real
name, wherever the service writes through a temporary name: images, spooled cards, simulator state, the
token secret, billing's keys, an exported bundle (issue 10).

The disk fills up for real, as far as the process can tell: RLIMIT_FSIZE makes any write that grows a file
past the limit fail with EFBIG, mid-write (SIGXFSZ ignored for the test's duration)."""

from __future__ import annotations

import errno
import resource
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from billing.signing import KeyStore
from ktp_service.files import write_atomically
from ktp_service.images import store_image
from ktp_service.security import token_secret
from printers.sim_store import FileStore
from printers.spool import _write_atomically as spool_write

LIMIT = 64 * 1024  # a file may grow to this; the writes below are larger


@contextmanager
def disk_full(limit: int = LIMIT) -> Iterator[None]:
    """Writes growing a file past ``limit`` bytes fail with EFBIG ("File too large") in the block."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def leftovers(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def _fails_mid_write(write: Callable[[], object], limit: int = LIMIT) -> None:
    with disk_full(limit), pytest.raises(OSError, match="File too large") as caught:
        write()
    assert caught.value.errno == errno.EFBIG


BIG = b"\xff" * (4 * LIMIT)


def test_images(tmp_path: Path) -> None:
    _fails_mid_write(lambda: store_image(BIG, "png", tmp_path))
    assert leftovers(tmp_path) == []
    stored = store_image(BIG, "png", tmp_path)  # room again: stored whole
    assert stored.path.read_bytes() == BIG and leftovers(tmp_path) == [str(stored.path.relative_to(tmp_path))]


def test_write_atomically_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "bundle.zip"
    target.write_bytes(b"old")
    _fails_mid_write(lambda: write_atomically(target, BIG))
    assert leftovers(tmp_path) == ["bundle.zip"] and target.read_bytes() == b"old"


def test_spool(tmp_path: Path) -> None:
    _fails_mid_write(lambda: spool_write(tmp_path / "job-1.png", BIG))
    assert leftovers(tmp_path) == []


def test_simulator_state(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    with store.transaction("sim-1") as state:
        state.card_counter = 1
    before = (tmp_path / "sim-1.json").read_text()

    def grow() -> None:
        with store.transaction("sim-1") as state:
            state.faults = ["x" * (2 * LIMIT)]

    _fails_mid_write(grow)
    assert leftovers(tmp_path) == ["sim-1.json", "sim-1.lock"]
    assert (tmp_path / "sim-1.json").read_text() == before


def test_token_secret(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    _fails_mid_write(lambda: token_secret.__wrapped__(keys), limit=10)
    assert leftovers(keys) == []
    assert len(token_secret.__wrapped__(keys)) > 40


def test_billing_keys(tmp_path: Path) -> None:
    keys = KeyStore(tmp_path / "keys")
    _fails_mid_write(keys.public_key_pem, limit=10)
    # No truncated key under the real name (it would be read back as the key from then on), no .tmp.
    assert leftovers(tmp_path / "keys") == []
    assert KeyStore(tmp_path / "keys").public_key_pem().startswith("-----BEGIN PUBLIC KEY-----")
