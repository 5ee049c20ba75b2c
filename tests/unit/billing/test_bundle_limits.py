"""The offline bundle check reads within fixed limits (issue 10): a zip bomb made here, on the fly, is
refused having inflated (almost) nothing, in billing's error shape."""

from __future__ import annotations

import struct
import time
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from billing.bundle import SIGNATURE, STATEMENT, TRANSACTIONS, BundleLimits, verify_bundle
from billing.errors import BundleRefused
from billing.signing import public_pem

KEY = public_pem(Ed25519PrivateKey.generate().public_key())
MiB = 1024 * 1024


def _bomb(path: Path, member: str, size: int, byte: bytes = b"0") -> Path:
    """A bundle whose ``member`` inflates ``size`` bytes of ``byte`` (deflate: about 1000 to 1)."""
    block = byte * MiB
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name in (STATEMENT, SIGNATURE, TRANSACTIONS):
            if name != member:
                z.writestr(name, b"{}")
        with z.open(member, "w", force_zip64=size > 2**31 - 1) as out:
            for _ in range(size // MiB):
                out.write(block)
    return path


def test_a_zip_bomb_is_refused_before_anything_is_inflated(tmp_path: Path, inflated: list[int]) -> None:
    bomb = _bomb(tmp_path / "bomb.zip", TRANSACTIONS, 256 * MiB)  # 256 MiB in about 256 KB
    assert bomb.stat().st_size < MiB
    started = time.monotonic()
    with pytest.raises(
        BundleRefused, match=r"transactions.jsonl would inflate .* \(more than 100 times\)"
    ) as caught:
        verify_bundle(bomb, KEY)
    assert time.monotonic() - started < 1
    assert inflated[0] == 0
    assert (caught.value.code, caught.value.status_code) == ("bundle_refused", 422)


def test_a_declared_size_over_the_limit_is_refused_before_anything_is_inflated(
    tmp_path: Path, inflated: list[int]
) -> None:
    bomb = _bomb(tmp_path / "big.zip", TRANSACTIONS, 8 * MiB, b"\n")
    _declare(bomb, TRANSACTIONS, 3 * 1024 * MiB)
    with pytest.raises(BundleRefused, match="transactions.jsonl declares 3221225472 bytes uncompressed"):
        verify_bundle(bomb, KEY, limits=BundleLimits(ratio=10**9))
    assert inflated[0] == 0
    with pytest.raises(BundleRefused, match="statement.json declares 8388608 bytes .* limit is 1048576"):
        verify_bundle(
            _bomb(tmp_path / "s.zip", STATEMENT, 8 * MiB), KEY, limits=BundleLimits(statement_bytes=MiB)
        )


def _declare(path: Path, member: str, size: int) -> None:
    """Make the central directory say ``member`` inflates to ``size`` bytes (a lie, for the test)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:
        (name_length,) = struct.unpack_from("<H", data, at + 28)
        if data[at + 46 : at + 46 + name_length] == member.encode():
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def test_a_member_that_inflates_past_its_declared_size_is_cut_there(
    tmp_path: Path, inflated: list[int]
) -> None:
    """A central directory that lies (1000 bytes for 32 MiB): reading stops at what it declared, and the
    damage is reported as a problem, not a crash."""
    path = _bomb(tmp_path / "liar.zip", STATEMENT, 32 * MiB, b"\n")
    _declare(path, STATEMENT, 1000)
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(STATEMENT).file_size == 1000
    problems = verify_bundle(path, KEY)
    assert inflated[0] <= 1000
    assert problems and "cannot be read" in problems[-1], problems


def test_member_count_and_duplicate_names(tmp_path: Path) -> None:
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as z:
        for i in range(17):
            z.writestr(f"f{i}.txt", b"x")
    with pytest.raises(BundleRefused, match="17 members; a bundle has at most 16"):
        verify_bundle(many, KEY)
    twice = tmp_path / "twice.zip"
    with zipfile.ZipFile(twice, "w") as z:
        z.writestr(STATEMENT, b"{}")
        with pytest.warns(UserWarning, match="Duplicate name"):
            z.writestr(STATEMENT, b"{}")
    with pytest.raises(BundleRefused, match="two members of the same name"):
        verify_bundle(twice, KEY)


def test_the_cli_refuses_a_bomb_with_exit_code_2(tmp_path: Path) -> None:
    from ktp_service.cli import app

    bomb = _bomb(tmp_path / "bomb.zip", STATEMENT, 64 * MiB)
    key = tmp_path / "key.pem"
    key.write_text(KEY)
    result = CliRunner().invoke(app, ["billing", "verify-statement", str(bomb), "--public-key", str(key)])
    assert result.exit_code == 2, result.output
    assert (
        "PAKET DITOLAK: statement.json menyatakan 67108864 bita tanpa kompresi; batasnya 16777216"
        in result.output
    )
    args = ["billing", "verify-statement", str(bomb), "--public-key", str(key), "--lang", "en"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "statement.json declares 67108864 bytes uncompressed; the limit is 16777216" in result.output
