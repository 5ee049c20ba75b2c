"""The partner's verifier stands alone (issue 11): it imports nothing but the standard library and
``cryptography``, and refuses a zip bomb quickly within bounded memory, in a fresh interpreter."""

from __future__ import annotations

import struct
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ktp_verify.bundle import _INTS, SIGNATURE, STATEMENT, TRANSACTIONS, time_zone
from ktp_verify.canonical import canonical_bytes
from ktp_verify.keys import public_pem
from tests.unit.verifier.harness import run_isolated

MiB = 1024 * 1024
# Enough of a closed statement for the verifier to go on to the transactions.
STATEMENT_OF_A_BOMB = {
    "month": "2026-12",
    "zone": "Asia/Jakarta",
    "status": "closed",
    "key_id": "0" * 16,
    **dict.fromkeys(_INTS, 0),
    **dict.fromkeys(("by_office", "by_reason", "by_contract_version", "contracts"), []),
    "chain": {
        "first_seq": 1,
        "head_seq": 1,
        "period_transactions": 1,
        "period_entries": 0,
        "head_hash": "0" * 64,
        "anchor_hash": "0" * 64,
    },
}


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "kunci.pem"
    path.write_text(public_pem(Ed25519PrivateKey.generate().public_key()))
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle of a few MB whose transactions inflate to 1 GiB of zeros."""
    path = tmp_path_factory.mktemp("bomb") / "bom.zip"
    block = bytes(MiB)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr(STATEMENT, canonical_bytes(STATEMENT_OF_A_BOMB))
        z.writestr(SIGNATURE, b"AAAA")
        with z.open(TRANSACTIONS, "w", force_zip64=True) as out:
            for _ in range(1024):
                out.write(block)
    assert 2 * MiB < path.stat().st_size < 8 * MiB
    return path


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


def test_the_verifier_imports_only_the_standard_library_and_cryptography(key: Path, tmp_path: Path) -> None:
    not_a_zip = tmp_path / "x.zip"
    not_a_zip.write_bytes(b"not a zip")
    report, output = run_isolated([str(not_a_zip), "--public-key", str(key)])
    assert report["foreign"] == [], report
    assert report["code"] == 2 and "paket tidak dapat dibuka" in output, output


def test_the_guard_would_catch_a_foreign_import(tmp_path: Path) -> None:
    """The guard is real: the same harness refuses the service's own package."""
    import subprocess
    import sys

    from tests.unit.verifier.harness import _SCRIPT, ALLOWED, VERIFIER_DIR

    script = _SCRIPT.replace("ALLOWED", repr(ALLOWED)).replace("VERIFIER_DIR", repr(str(VERIFIER_DIR)))
    script = script.replace("code = main(ARGS)", "import billing; code = 0")
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, check=False)
    assert "ktp_verify must not import billing" in done.stderr


def test_a_zip_bomb_is_refused_quickly_in_bounded_memory(bomb: Path, key: Path) -> None:
    report, output = run_isolated([str(bomb), "--public-key", str(key)])
    assert report["code"] == 2, output
    assert "PAKET DITOLAK: transactions.jsonl akan mengembang dari" in output
    assert "(lebih dari 100 kali): bom zip?" in output
    assert float(report["seconds"]) < 2  # type: ignore[arg-type]
    assert float(report["peak_mib"]) < 200, report  # type: ignore[arg-type]


def test_a_bomb_with_a_lying_header_is_cut_at_the_line_limit_in_bounded_memory(
    bomb: Path, key: Path, tmp_path: Path
) -> None:
    """Its central directory declares 400 MB (inside every limit): the reading itself stops it, having
    inflated a line's worth."""
    liar = tmp_path / "pembohong.zip"
    liar.write_bytes(bomb.read_bytes())
    _declare(liar, TRANSACTIONS, 400 * MiB)
    report, output = run_isolated([str(liar), "--public-key", str(key), "--lang", "en"])
    assert report["code"] == 2, output
    assert "BUNDLE REFUSED: transactions.jsonl has a line longer than 1048576 bytes" in output
    assert float(report["seconds"]) < 5  # type: ignore[arg-type]
    assert float(report["peak_mib"]) < 200, report  # type: ignore[arg-type]


def test_indonesian_zones_without_a_time_zone_database() -> None:
    """A partner's machine without tz data (Windows without tzdata) still checks dates in WIB/WITA/WIT."""
    assert time_zone("Asia/Jakarta") is not None
    assert time_zone("Mars/Olympus") is None
    from unittest import mock

    from ktp_verify import bundle

    with mock.patch.object(bundle, "ZoneInfo", side_effect=bundle.ZoneInfoNotFoundError):
        wita = time_zone("Asia/Makassar")
        assert wita is not None
        moment = datetime(2026, 8, 31, 16, 30, tzinfo=UTC).astimezone(wita)
        assert moment.isoformat() == "2026-09-01T00:30:00+08:00"
        assert time_zone("Europe/Paris") is None
