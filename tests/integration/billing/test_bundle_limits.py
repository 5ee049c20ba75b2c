"""A real bundle whose transactions.jsonl is swapped for one endless line: the check reads it in bounded
chunks and stops at the line limit, inflating little more than that (issue 10)."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from billing.bundle import TRANSACTIONS, BundleLimits, export_bundle, verify_bundle
from billing.config import BillingConfig
from billing.errors import BundleRefused
from billing.posting import post_events
from billing.statement import close_period
from tests.unit.billing.factories import add_contract, event

DEC = datetime(2026, 12, 5, 3, tzinfo=UTC)
JAN_2 = datetime(2027, 1, 2, tzinfo=UTC)
MiB = 1024 * 1024


def test_an_endless_line_is_refused_at_the_line_limit(
    db: Session, config: BillingConfig, tmp_path: Path, inflated: list[int]
) -> None:
    add_contract(db)
    post_events(db, [event(DEC + timedelta(seconds=i)) for i in range(3)], config=config, now=JAN_2)
    close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_2)
    db.commit()
    good = export_bundle(db, "2026-12", tmp_path / "good.zip")
    key = config.keys.public_key_pem()
    assert verify_bundle(good, key) == []  # the chunked reading reads a real bundle as before

    bad = tmp_path / "endless.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != TRANSACTIONS:
                out.writestr(info.filename, src.read(info.filename))
        with out.open(TRANSACTIONS, "w") as f:
            for _ in range(64):
                f.write(b"x" * MiB)

    inflated[0] = 0  # count from here: the good bundle above was read whole
    with pytest.raises(BundleRefused, match="more than 100 times"):
        verify_bundle(bad, key)  # with the default limits, its compression ratio gives it away
    assert inflated[0] == 0
    limits = BundleLimits(ratio=10**6, line_bytes=2 * MiB)
    with pytest.raises(BundleRefused, match="transactions.jsonl has a line longer than 2097152 bytes"):
        verify_bundle(bad, key, limits=limits)
    assert inflated[0] <= 2 * MiB + 2 * limits.chunk_bytes + 64 * 1024  # and the statement, the signature
