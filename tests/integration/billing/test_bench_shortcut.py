"""The billing benchmark builds its million-card month with a shortcut (``benchmarks.billing_bench.bulk_post``:
the posting's own pricing, chaining, hashing, roll-ups and writes, computed once for every database): it
must give the very ledger ``post_events`` gives, hash for hash, roll-up for roll-up."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session

from benchmarks import billing_bench as bench
from billing.config import BillingConfig
from billing.contracts import add_contract_version, parse_terms
from billing.models import create_billing_tables
from billing.posting import post_events
from billing.rollups import rollup_differences
from ktp_service.db import make_engine

CARDS = 300


def _ledger(engine: Engine) -> tuple[list[tuple[int, str]], list[tuple[str, str, int, int]]]:
    with engine.connect() as conn:
        chain = [
            (int(s), h)
            for s, h in conn.execute(text("SELECT seq, hash FROM billing_transaction ORDER BY seq"))
        ]
        rollup = sorted(
            (p, k, int(n), int(f))
            for p, k, n, f in conn.execute(text("SELECT period, group_key, n, fee FROM billing_month_rollup"))
        )
    return chain, rollup


def test_bulk_post_gives_the_ledger_post_events_gives(engine: Engine, tmp_path: Path) -> None:
    config = BillingConfig(key_dir=tmp_path / "keys")
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.sqlite3'}")
    create_billing_tables(reference)
    for e in (engine, reference):
        with Session(e) as s:
            add_contract_version(s, parse_terms(bench.TERMS), now=bench.NOW)
            s.commit()
    with Session(reference) as s:
        report = post_events(s, list(bench.events(0, CARDS, CARDS)), config=config, now=bench.NOW)
        assert report.count("posted") == CARDS
        s.commit()
    for first in range(0, CARDS, 120):  # in batches, as the benchmark does
        with Session(engine) as s:
            bench.bulk_post([s], config, first, min(120, CARDS - first), CARDS)
            s.commit()
    assert _ledger(engine) == _ledger(reference)
    with Session(engine) as s:
        assert rollup_differences(s) == []
    reference.dispose()
