"""Rotating the signing key (issue 10): months and checkpoints signed before a rotation stay verifiable with
the old public key, kept in the key ring; new ones are signed by the new key; each record is checked with
the key it names, so a record naming the new key but signed by the old one fails."""

from __future__ import annotations

import base64
import json
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from billing.bundle import SIGNATURE, STATEMENT, export_bundle, verify_bundle
from billing.chain import verify_chain
from billing.checkpoints import CheckpointCheck, make_checkpoint, merge_held, read_log, sync_log
from billing.config import BillingConfig
from billing.posting import post_events
from billing.signing import SIGNING_KEY_FILE, KeyStore, load_key_ring
from billing.statement import close_period
from tests.unit.billing.factories import add_contract, event

NOV, DEC = datetime(2026, 11, 10, 3, tzinfo=UTC), datetime(2026, 12, 10, 3, tzinfo=UTC)
DEC_2, JAN_2 = datetime(2026, 12, 2, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC)
LOG = "the checkpoint log"
Rotated = dict[str, Any]


def close_month(db: Session, config: BillingConfig, start: datetime, month: str, now: datetime) -> None:
    post_events(db, [event(start + timedelta(hours=i)) for i in range(3)], config=config, now=now)
    db.commit()
    close_period(db, month, config=config, unposted_events=0, now=now)
    db.commit()
    assert make_checkpoint(db, config, now=now + timedelta(hours=1)) is not None  # an interval one too
    db.commit()
    sync_log(db, config.checkpoint_path)


@pytest.fixture
def rotated(db: Session, config: BillingConfig, tmp_path: Path) -> Rotated:
    """November closed under the first key, a rotation (by another process's KeyStore), December closed
    under the second; both bundles exported. Returns the keys and bundles by name."""
    add_contract(db)
    close_month(db, config, NOV, "2026-11", DEC_2)
    old_pem, old_private = config.keys.public_key_pem(), (config.key_dir / SIGNING_KEY_FILE).read_bytes()
    old_id, new_id = KeyStore(config.key_dir).rotate()  # config.keys has the old key cached: it must notice
    close_month(db, config, DEC, "2026-12", JAN_2)
    return {
        "old_id": old_id,
        "new_id": new_id,
        "old_pem": old_pem,
        "old_private": old_private,
        "new_pem": config.keys.public_key_pem(),
        "nov": export_bundle(db, "2026-11", tmp_path / "nov.zip"),
        "dec": export_bundle(db, "2026-12", tmp_path / "dec.zip"),
    }


def test_each_month_verifies_with_its_own_key(db: Session, config: BillingConfig, rotated: Rotated) -> None:
    assert rotated["old_id"] != rotated["new_id"] and config.keys.key_id() == rotated["new_id"]
    statements = {
        m: json.loads(zipfile.ZipFile(rotated[b]).read(STATEMENT)) for m, b in (("11", "nov"), ("12", "dec"))
    }
    assert (statements["11"]["key_id"], statements["12"]["key_id"]) == (rotated["old_id"], rotated["new_id"])
    assert verify_bundle(rotated["nov"], rotated["old_pem"]) == []
    assert verify_bundle(rotated["dec"], rotated["new_pem"]) == []
    # The key ring (old and new in one PEM text) checks both, with the checkpoints of both keys.
    ring = config.keys.public_keys_pem()
    assert list(load_key_ring(ring)) == [rotated["old_id"], rotated["new_id"]]
    held, problems = read_log(config.checkpoint_path)
    assert problems == [] and {c.key_id for c in held} == {rotated["old_id"], rotated["new_id"]}
    for bundle in ("nov", "dec"):
        assert verify_bundle(rotated[bundle], ring, held) == []
    # A month's own key alone still checks its bundle against the checkpoints inside its stretch.
    assert verify_bundle(rotated["dec"], rotated["new_pem"], held) == []
    # The other month's key alone does not.
    assert "names signing key" in verify_bundle(rotated["nov"], rotated["new_pem"])[0]


def test_the_chain_verifies_across_the_rotation(db: Session, config: BillingConfig, rotated: Rotated) -> None:
    held, _ = read_log(config.checkpoint_path)
    result = verify_chain(db, public_key_pem=config.keys.public_keys_pem(), held={LOG: held})
    assert result.ok, result.problems
    # Without the old key, November's statement and checkpoint cannot be checked: said plainly.
    result = verify_chain(db, public_key_pem=rotated["new_pem"], held={LOG: held})
    assert not result.ok
    assert any("2026-11 names signing key" in p for p in result.problems), result.problems
    # The partner's pull takes checkpoints of both keys with the ring.
    added, problems = merge_held(config.key_dir.parent / "partner.jsonl", held, config.keys.public_keys_pem())
    assert (added, problems) == (len(held), [])


def test_a_record_naming_the_new_key_but_signed_by_the_old_fails(
    config: BillingConfig, rotated: Rotated, tmp_path: Path
) -> None:
    old_key = serialization.load_pem_private_key(rotated["old_private"], None)
    assert isinstance(old_key, Ed25519PrivateKey)
    ring = config.keys.public_keys_pem()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(rotated["dec"]) as src, zipfile.ZipFile(forged, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == SIGNATURE:  # December's statement (naming the new key), signed by the old
                data = base64.b64encode(old_key.sign(src.read(STATEMENT)))
            out.writestr(info.filename, data)
    problems = verify_bundle(forged, ring)
    assert problems and problems[0].startswith("the signature does not match statement.json"), problems

    held, _ = read_log(config.checkpoint_path)
    newest = held[-1]
    assert newest.key_id == rotated["new_id"]
    resigned = replace(newest, signature=base64.b64encode(old_key.sign(newest.signed_bytes())).decode())
    check = CheckpointCheck([resigned], ring)
    assert check.valid == [] and "signature does not match" in check.problems[0]
