"""Billing benchmark: a month of printed cards through the ledger, on SQLite and PostgreSQL.

Measures, per backend: posting rate (batches through ``post_events``, one commit per batch, as an outbox
consumer does; and one event per transaction through ``post_card_printed``, as when posting inside the
print job's own transaction), the open month's statement, full-chain verification, closing, bundle export
and offline bundle verification.

    .venv/bin/python benchmarks/billing_bench.py                    # 1,000,000 cards, both backends
    .venv/bin/python benchmarks/billing_bench.py --cards 20000 --backend sqlite

PostgreSQL: a database ``ktp_bench_billing`` is dropped and recreated on the server of ``--pg-url``.

Measured 2026-11-28 with the default command (1,000,000 cards, batches of 1,000, 2,000 single posts), on
the 2-core machine shared with other work (load average 2-4), two runs, seconds unless stated:

    backend      post (batch)    post (1/txn)  statement  verify chain  close  export  verify bundle
    SQLite       13,665-14,975/s   587-868/s    1.3-1.7    11.2-12.7     1.6-2.1  18-22   18-19
    PostgreSQL    9,908-10,800/s   178-309/s    0.8-1.2    12.3-16.6     2.7-3.3  18-20   20-21

Aims: posting >= 2,000 cards/s (met), statement < 2 s (met), chain verification < 5 s (NOT met: every
transaction's 30 columns and 3 entries are read and re-encoded as canonical JSON in Python, about 11-16 us
each here). The bundle is 134 MB (zip) for the month.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project this script belongs to
from benchmarks.machine import print_machine  # noqa: E402
from billing.bundle import export_bundle, verify_bundle  # noqa: E402
from billing.chain import verify_chain  # noqa: E402
from billing.config import BillingConfig  # noqa: E402
from billing.contracts import add_contract_version, parse_terms  # noqa: E402
from billing.models import create_billing_tables  # noqa: E402
from billing.posting import CardPrintedEvent, post_card_printed, post_events  # noqa: E402
from billing.statement import close_period, get_statement  # noqa: E402
from billing.vocab import Reason  # noqa: E402
from ktp_service.db import make_engine  # noqa: E402

REASONS = tuple(Reason)

T = TypeVar("T")
MONTH_START = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 1 December 2026 00:00 WIB
MONTH_SECONDS = 31 * 24 * 3600
NOW = datetime(2027, 1, 3, tzinfo=UTC)
OFFICES = [f"33.14.{k:02d}" for k in range(1, 21)]
PRINTERS = [f"printer-{k:02d}" for k in range(1, 25)]


def events(first: int, count: int, total: int) -> Iterator[CardPrintedEvent]:
    """Cards ``first`` to ``first + count - 1`` of ``total``, spread evenly over December in WIB."""
    for n in range(first, first + count):
        yield CardPrintedEvent(
            event_key=f"job-{n:08d}:printed",
            card_serial=f"KTP-{n:09d}",
            nik=f"3314{n % 10**12:012d}",
            office_code=OFFICES[n % len(OFFICES)],
            reason=REASONS[n % len(REASONS)],
            printer_id=PRINTERS[n % len(PRINTERS)],
            completed_at=MONTH_START + timedelta(seconds=n * (MONTH_SECONDS - 1) // total),
            template_version="ktp-front-sragen@1",
            is_fault_reprint=False,
        )


def timed(label: str, results: dict[str, Any], fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    value = fn()
    results[label] = round(time.perf_counter() - start, 3)
    print(f"  {label}: {results[label]:.3f} s", flush=True)
    return value


def fresh_engine(backend: str, pg_url: str, workdir: Path) -> Engine:
    if backend == "sqlite":
        return make_engine(f"sqlite:///{workdir / 'bench.sqlite3'}")
    admin = make_engine(pg_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "ktp_bench_billing" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "ktp_bench_billing"'))
    admin.dispose()
    return make_engine(
        make_url(pg_url).set(database="ktp_bench_billing").render_as_string(hide_password=False)
    )


def run(backend: str, cards: int, batch: int, singles: int, pg_url: str, workdir: Path) -> dict[str, Any]:
    print(f"{backend}: {cards:,} cards", flush=True)
    engine = fresh_engine(backend, pg_url, workdir)
    create_billing_tables(engine)
    config = BillingConfig(key_dir=workdir / f"keys-{backend}")
    results: dict[str, Any] = {"backend": backend, "cards": cards}
    with Session(engine) as s:
        terms = {
            "number": "027/PKS/2026",
            "partner_name": "PT Kartu Nusantara",
            "effective_from": "2026-11-01",
            "fees": {r: {"amount": 10001, "payer": "citizen"} for r in Reason},
            "partner_share": {"type": "percent", "basis_points": 3500},
            "rounding": "per_period",
            "pph23_basis_points": 200,
            "ppn": {"pkp": True},
        }
        add_contract_version(s, parse_terms(terms), now=NOW)
        s.commit()

    bulk = cards - singles
    start = time.perf_counter()
    posting = 0.0
    for first in range(0, bulk, batch):
        chunk = list(events(first, min(batch, bulk - first), cards))
        t0 = time.perf_counter()
        with Session(engine) as s:
            report = post_events(s, chunk, config=config, now=NOW)
            s.commit()
        posting += time.perf_counter() - t0
        assert report.count("posted") == len(chunk), report.outcomes[:3]
        if (first // batch) % 100 == 0:
            print(
                f"  posted {first + len(chunk):,} ({(first + len(chunk)) / posting:,.0f} cards/s)", flush=True
            )
    results["post_batches_s"] = round(posting, 1)
    results["post_batch_cards_per_s"] = round(bulk / posting)
    results["post_wall_incl_event_creation_s"] = round(time.perf_counter() - start, 1)
    print(f"  batch posting: {results['post_batch_cards_per_s']:,} cards/s", flush=True)

    t0 = time.perf_counter()
    for e in events(bulk, singles, cards):
        with Session(engine) as s:
            post_card_printed(s, e, config=config, now=NOW)
            s.commit()
    if singles:
        results["post_single_cards_per_s"] = round(singles / (time.perf_counter() - t0))
        print(f"  one event per transaction: {results['post_single_cards_per_s']:,} cards/s", flush=True)

    with Session(engine) as s:
        st = timed("statement_open_s", results, lambda: get_statement(s, "2026-12", config=config, now=NOW))
        assert st.cards_billed == cards
        s.rollback()
        check = timed("verify_chain_s", results, lambda: verify_chain(s))
        assert check.ok and check.transactions == cards, check.problems[:3]
        s.rollback()
        timed(
            "close_s", results, lambda: close_period(s, "2026-12", config=config, unposted_events=0, now=NOW)
        )
        s.commit()
        path = workdir / f"bundle-{backend}.zip"
        timed("export_bundle_s", results, lambda: export_bundle(s, "2026-12", path))
        s.rollback()
    results["bundle_mb"] = round(path.stat().st_size / 1e6, 1)
    problems = timed("verify_bundle_s", results, lambda: verify_bundle(path, config.keys.public_key_pem()))
    assert problems == [], problems[:3]
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="events per post_events call and commit")
    parser.add_argument("--singles", type=int, default=2000, help="events posted one per transaction")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print_machine()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    singles = min(args.singles, args.cards // 2)
    with tempfile.TemporaryDirectory(prefix="billing-bench-") as tmp:
        all_results = [run(b, args.cards, args.batch, singles, args.pg_url, Path(tmp)) for b in backends]
    print(json.dumps(all_results, indent=2))


if __name__ == "__main__":
    main()
