"""The partner's standalone verifier (``ktp-verify``, issue 11) on real bundles from the service: a good one
verifies, and each kind of tampering is named first, in Indonesian by default and in English on request."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from billing.bundle import export_bundle
from billing.checkpoints import append_records, stored_checkpoints
from billing.config import BillingConfig
from billing.posting import post_events
from billing.statement import close_period
from ktp_verify.book import HASHED_FIELDS, content_hash
from ktp_verify.canonical import canonical_json
from ktp_verify.cli import main
from tests.unit.billing.factories import add_contract, event

DEC = datetime(2026, 12, 1, 3, tzinfo=UTC)
JAN_2 = datetime(2027, 1, 2, tzinfo=UTC)


@pytest.fixture
def month(db: Session, config: BillingConfig, tmp_path: Path) -> dict[str, Path]:
    """December closed with 8 cards: its bundle, the public key and the partner's checkpoints."""
    add_contract(db)
    post_events(db, [event(DEC + timedelta(hours=i)) for i in range(8)], config=config, now=JAN_2)
    close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_2)
    db.commit()
    key, held = tmp_path / "kunci.pem", tmp_path / "titik-periksa.jsonl"
    key.write_text(config.keys.public_key_pem())
    append_records(held, stored_checkpoints(db))
    return {
        "bundle": export_bundle(db, "2026-12", tmp_path / "ktp-billing-2026-12.zip"),
        "key": key,
        "held": held,
    }


def _lines(path: Path) -> list[dict[str, object]]:
    with zipfile.ZipFile(path) as z:
        return [json.loads(line) for line in z.read("transactions.jsonl").decode().splitlines()]


def _rewrite(src: Path, dst: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for item in z.namelist():
            data = z.read(item)
            out.writestr(item, change(data) if item == name else data)
    return dst


def _with_transactions(src: Path, dst: Path, txs: list[dict[str, object]]) -> Path:
    text = "".join(canonical_json(tx) + "\n" for tx in txs)
    return _rewrite(src, dst, "transactions.jsonl", lambda _: text.encode())


def _rehash(txs: list[dict[str, object]], start: int) -> None:
    """Recompute every hash and link from ``txs[start]`` on: a chain consistent in itself again."""
    for i in range(start, len(txs)):
        tx = txs[i]
        tx["prev_hash"] = txs[i - 1]["hash"] if i else tx["prev_hash"]
        tx["hash"] = content_hash([*(tx[name] for name in HASHED_FIELDS), tx["lines"]])


def run(capsys: pytest.CaptureFixture[str], bundle: Path, key: Path, *extra: str) -> tuple[int, str]:
    code = main([str(bundle), "--public-key", str(key), *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def first_problem(output: str) -> str:
    """The first problem the verifier names (its report numbers them, the most basic first)."""
    return next(line for line in output.splitlines() if line.startswith("1. "))[3:]


def test_a_good_bundle_verifies_with_the_checkpoints_held(
    month: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, month["bundle"], month["key"], "--checkpoints", str(month["held"]))
    assert code == 0, out
    assert out.strip() == (
        "PAKET SESUAI: tanda tangan, rantai hash setiap entri, dan semua jumlah cocok "
        "dan cocok dengan 1 titik periksa bertanda tangan yang Anda simpan"
    )
    code, out = run(capsys, month["bundle"], month["key"], "--lang", "en")
    assert code == 0 and out.startswith("BUNDLE VERIFIES"), out


def test_a_changed_entry_is_named(
    month: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    txs = _lines(month["bundle"])
    txs[4]["partner"] = 4000  # the card's partner share raised, its hash left as it was
    forged = _with_transactions(month["bundle"], tmp_path / "f.zip", txs)
    code, out = run(capsys, forged, month["key"])
    key = txs[4]["event_key"]
    assert code == 1
    assert first_problem(out) == f"transaksi 5 ({key}): isinya tidak cocok dengan hash-nya"
    code, out = run(capsys, forged, month["key"], "--lang", "en")
    assert first_problem(out) == f"transaction 5 ({key}): content does not match its hash"


def test_a_removed_entry_is_named(
    month: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    txs = _lines(month["bundle"])
    del txs[2]
    forged = _with_transactions(month["bundle"], tmp_path / "f.zip", txs)
    code, out = run(capsys, forged, month["key"])
    assert code == 1
    assert first_problem(out) == "transaksi 3 hilang (baris 3 memuat transaksi 4)"
    _, out = run(capsys, forged, month["key"], "--lang", "en")
    assert first_problem(out) == "transaction 3 is missing (line 3 holds 4)"


def test_a_chain_rehashed_after_a_change_is_named_by_its_head_hash(
    month: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 11: every hash and link of a re-hashed chain holds; the verifier used to say "the stretch ends
    at transaction 9, the statement says 9". It names the head hash that differs."""
    txs = _lines(month["bundle"])
    txs[3]["office_code"] = "33.14.09"  # a card moved to another office, then every hash recomputed
    _rehash(txs, 3)
    forged = _with_transactions(month["bundle"], tmp_path / "f.zip", txs)
    with zipfile.ZipFile(month["bundle"]) as z:
        stated = json.loads(z.read("statement.json"))["chain"]["head_hash"]
    actual = txs[-1]["hash"]
    assert actual != stated
    code, out = run(capsys, forged, month["key"])
    assert code == 1
    assert first_problem(out) == f"hash kepala rantai berbeda: pernyataan {stated}, bundel {actual}"
    assert "bentangan rantai berakhir" not in out
    _, out = run(capsys, forged, month["key"], "--lang", "en")
    assert first_problem(out) == f"the chain's head hash differs: statement {stated}, bundle {actual}"


def test_a_wrong_signature_is_named(
    month: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    forged = _rewrite(month["bundle"], tmp_path / "f.zip", "statement.sig", lambda s: s[:8][::-1] + s[8:])
    code, out = run(capsys, forged, month["key"])
    assert code == 1
    assert first_problem(out) == (
        "tanda tangan tidak cocok dengan statement.json: isinya diubah, atau ditandatangani kunci lain"
    )
    _, out = run(capsys, forged, month["key"], "--lang", "en")
    assert first_problem(out) == (
        "the signature does not match statement.json: it was changed, or signed by another key"
    )


def test_a_checkpoint_ahead_of_the_chain_is_named(
    month: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The chain cut back at its end (the closing transaction gone): the close checkpoint the partner holds
    names a transaction past the end."""
    txs = _lines(month["bundle"])[:-1]
    forged = _with_transactions(month["bundle"], tmp_path / "f.zip", txs)
    held = [json.loads(line) for line in month["held"].read_text().splitlines()]
    code, out = run(capsys, forged, month["key"], "--checkpoints", str(month["held"]))
    assert code == 1
    assert first_problem(out) == "bentangan rantai berakhir di transaksi 8, laporan menyebut 9"
    what = f"titik periksa {held[0]['id']} (penutupan 2026-12, {held[0]['made_at']}, transaksi 9)"
    assert (
        f"2. rantai berakhir di transaksi 8, sebelum {what}: transaksi dihapus dari ujungnya (atau semuanya)"
        in out.splitlines()
    )
    _, out = run(capsys, forged, month["key"], "--checkpoints", str(month["held"]), "--lang", "en")
    what = f"checkpoint {held[0]['id']} (close of 2026-12, {held[0]['made_at']}, transaction 9)"
    assert f"2. the chain ends at transaction 8, before {what}: transactions were removed from its end" in out


def test_ktp_billing_verify_statement_is_the_same_command(month: dict[str, Path]) -> None:
    from typer.testing import CliRunner

    from ktp_service.cli import app

    args = ["billing", "verify-statement", str(month["bundle"]), "--public-key", str(month["key"])]
    result = CliRunner().invoke(app, [*args, "--checkpoints", str(month["held"])])
    assert result.exit_code == 0 and result.output.startswith("PAKET SESUAI"), result.output
    result = CliRunner().invoke(app, [*args, "--lang", "en"])
    assert result.exit_code == 0 and result.output.startswith("BUNDLE VERIFIES"), result.output


def test_the_standalone_verifier_checks_a_real_bundle_importing_nothing_else(month: dict[str, Path]) -> None:
    """In a fresh interpreter that refuses any module outside the standard library and cryptography: the
    whole check (pricing, roll-up, checkpoints) runs and passes."""
    from tests.unit.verifier.harness import run_isolated

    args = [str(month["bundle"]), "--public-key", str(month["key"]), "--checkpoints", str(month["held"])]
    report, output = run_isolated(args)
    assert report["code"] == 0 and report["foreign"] == [], (report, output)
    assert output.startswith("PAKET SESUAI"), output
