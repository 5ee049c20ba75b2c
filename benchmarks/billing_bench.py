"""Billing benchmark: a month of printed cards through the ledger, on SQLite and PostgreSQL (issue 13).

Setup builds the month with the posting code itself: ``bulk_post`` prices, chains, hashes, rolls up and
writes each batch (``--batch``) with the posting's own functions, once for both databases
(``tests/integration/billing/test_bench_shortcut.py`` checks it gives the ledger ``post_events`` gives, hash
for hash); then a signed checkpoint (signed every few minutes in service), ``--singles`` cards one per
transaction through ``post_card_printed`` (as inside a print job's transaction) and ``--corrections``
reversals through ``post_correction``. The built month is kept (``--cache``, keyed by size and the tables'
DDL), so a second run measures without building again: a copy of the SQLite file, or PostgreSQL's
``CREATE DATABASE ... TEMPLATE``.

Then, each against its aim:

- the open month's statement (from the monthly roll-up), < 1 s;
- the finance page's reads: thirteen months' statements, < 300 ms; the partner page's: the statement and
  the first hundred entry lines with their count, < 300 ms;
- full chain verification (every transaction re-hashed), < 5 s; verification from the newest signed
  checkpoint, < 0.5 s;
- closing the month (figures grouped from the ledger, not the roll-up), bundle export, < 5 s;
- the partner's offline verification of the bundle (``python -m ktp_verify``, its own process): < 5 s and
  peak resident memory < 300 MB.

    PYTHONPATH=. .venv/bin/python benchmarks/billing_bench.py                  # 1,000,000 cards, both backends
    PYTHONPATH=. .venv/bin/python benchmarks/billing_bench.py --cards 20000 --backend sqlite

PostgreSQL: databases ``ktp_bench_billing`` (and ``ktp_bench_billing_c...`` for the cache) are dropped and
recreated on the server of ``--pg-url``. Figures and the machine they ran on are in the README
("Performance").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.schema import CreateTable
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project this script belongs to
from benchmarks.machine import print_machine  # noqa: E402
from billing.bundle import export_bundle  # noqa: E402
from billing.canonical import canonical_bytes, parse_utc_text, utc_text  # noqa: E402
from billing.chain import verify_chain, verify_from_checkpoint  # noqa: E402
from billing.checkpoints import make_checkpoint  # noqa: E402
from billing.config import BillingConfig  # noqa: E402
from billing.contracts import (  # noqa: E402  # noqa: E402
    add_contract_version,
    list_contract_versions,
    parse_terms,
    price_card,
    pricing_sha256,
    terms_of,
)
from billing.corrections import post_correction  # noqa: E402
from billing.ledger import (  # noqa: E402
    HASHED_FIELDS,  # noqa: E402
    Appender,
    card_lines,
)
from billing.lock import lock_billing  # noqa: E402
from billing.models import billing_tables, create_billing_tables  # noqa: E402
from billing.periods import ensure_periods, local_date, month_of  # noqa: E402
from billing.posting import CardPrintedEvent, net_billed_cards, post_card_printed  # noqa: E402
from billing.privacy import mask_nik  # noqa: E402
from billing.rollups import rollup_entry_rows  # noqa: E402
from billing.statement import close_period, get_statement  # noqa: E402
from billing.vocab import Reason, TransactionKind  # noqa: E402
from ktp_service.db import make_engine  # noqa: E402

REASONS = tuple(Reason)

T = TypeVar("T")
MONTH = "2026-12"
MONTH_START = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 1 December 2026 00:00 WIB
MONTH_SECONDS = 31 * 24 * 3600
NOW = datetime(2027, 1, 3, tzinfo=UTC)
OFFICES = [f"33.14.{k:02d}" for k in range(1, 21)]
PRINTERS = [f"printer-{k:02d}" for k in range(1, 25)]
BENCH_DB = "ktp_bench_billing"
AIMS = {  # figure -> (aim in seconds, what it is)
    "statement_open_s": (1.0, "statement of the open month"),
    "finance_page_reads_s": (0.3, "finance page: 13 months' statements"),
    "partner_page_reads_s": (0.3, "partner page: statement + 100 entry lines + count"),
    "verify_chain_s": (5.0, "full chain verification"),
    "verify_from_checkpoint_s": (0.5, "verification from the newest signed checkpoint"),
    "export_bundle_s": (5.0, "bundle export"),
    "verify_bundle_s": (5.0, "offline bundle verification (ktp-verify)"),
}
RSS_AIM_MB = 300


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


def timed(label: str, results: dict[str, Any], fn: Callable[[], T], repeat: int = 1) -> T:
    """Run ``fn`` ``repeat`` times; the best time is the figure (the machine is shared)."""
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    results[label] = round(best, 3)
    print(f"  {label}: {results[label]:.3f} s", flush=True)
    return value  # type: ignore[return-value]


def schema_fingerprint() -> str:
    """Changes whenever the billing tables or the hashed record format change (a cached month is stale)."""
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    ddl = "".join(str(CreateTable(t).compile(dialect=dialect)) for t in billing_tables())
    return hashlib.sha256((ddl + ",".join(HASHED_FIELDS)).encode()).hexdigest()[:10]


def _admin(pg_url: str) -> Engine:
    return make_engine(pg_url).execution_options(isolation_level="AUTOCOMMIT")


def _pg_db_url(pg_url: str, name: str) -> str:
    return make_url(pg_url).set(database=name).render_as_string(hide_password=False)


def _pg_recreate(pg_url: str, name: str, template: str | None = None) -> None:
    admin = _admin(pg_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()


def _pg_exists(pg_url: str, name: str) -> bool:
    admin = _admin(pg_url)
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    admin.dispose()
    return found is not None


TERMS = {
    "number": "027/PKS/2026",
    "partner_name": "PT Kartu Nusantara",
    "effective_from": "2026-11-01",
    "fees": {r: {"amount": 10001, "payer": "citizen"} for r in Reason},
    "partner_share": {"type": "percent", "basis_points": 3500},
    "rounding": "per_period",
    "pph23_basis_points": 200,
    "ppn": {"pkp": True},
}


def event_content(n: int, total: int) -> dict[str, Any]:
    """Card ``n`` of ``total`` as :func:`events` gives it, as ``CardPrintedEvent.canonical`` encodes it."""
    return {
        "event_key": f"job-{n:08d}:printed",
        "card_serial": f"KTP-{n:09d}",
        "nik": f"3314{n % 10**12:012d}",
        "office_code": OFFICES[n % len(OFFICES)],
        "reason": str(REASONS[n % len(REASONS)]),
        "printer_id": PRINTERS[n % len(PRINTERS)],
        "completed_at": utc_text(MONTH_START + timedelta(seconds=n * (MONTH_SECONDS - 1) // total)),
        "template_version": "ktp-front-sragen@1",
        "is_fault_reprint": False,
    }


def bulk_post(sessions: list[Session], config: BillingConfig, first: int, count: int, total: int) -> None:
    """Post cards ``first`` .. ``first + count - 1`` as ``post_events`` would post them as new events of the
    open month (``tests/integration/test_benchmarks_smoke.py`` checks the ledgers are the same, hash for
    hash), computed once and written to every session: the posting's own pricing (``price_card``), lines,
    chaining and hashing (``Appender``), roll-ups and writes (``Appender.write``); what is left out is what a
    new event of the open month does not need (looking up its key and serial, the conflict and rejection
    paths, the event's pydantic model)."""
    zone = config.zone
    heads = [lock_billing(s) for s in sessions]
    assert len(set(heads)) == 1, heads
    version = list_contract_versions(sessions[0])[0]
    terms, pricing = terms_of(version), pricing_sha256(version.terms_json)
    ordinal = net_billed_cards(sessions[0], MONTH)
    appender = Appender(heads[0], NOW)
    for n in range(first, first + count):
        data = event_content(n, total)
        completed = parse_utc_text(data["completed_at"])
        reason = REASONS[n % len(REASONS)]
        ordinal += 1
        price = price_card(terms, reason, ordinal)
        row: dict[str, Any] = {
            "kind": TransactionKind.CARD,
            "event_key": data["event_key"],
            "event_digest": config.keys.event_digest(canonical_bytes(data)),
            "period": MONTH,
            "event_period": month_of(completed, zone),
            "prior_period": False,
            "event_at": data["completed_at"],
            "event_date": local_date(completed, zone).isoformat(),
            "contract_version_id": version.id,
            "pricing_sha256": pricing,
            "card_serial": data["card_serial"],
            "nik_masked": mask_nik(data["nik"]),
            "office_code": data["office_code"],
            "reason": reason,
            "printer_id": data["printer_id"],
            "template_version": data["template_version"],
            "fault_reprint": False,
            "billed": True,
            "payer": price.payer,
            "fee": price.fee,
            "cards": 1,
            "partner": price.partner,
            "regency": price.regency,
            "rate_bp": price.rate_bp,
            "period_ordinal": ordinal,
        }
        appender.append(row, card_lines(price.payer, price.fee, price.partner, price.regency))
    for s in sessions:
        ensure_periods(s, {MONTH})
        appender.write(s)
        s.flush()


def build_month(engines: list[Engine], config: BillingConfig, args: argparse.Namespace) -> dict[str, Any]:
    """Build the month on every engine at once (see the module's docstring); seconds per step."""
    cards, singles, corrections = args.cards, args.singles, args.corrections
    built: dict[str, Any] = {}
    for engine in engines:
        with Session(engine) as s:
            add_contract_version(s, parse_terms(TERMS), now=NOW)
            s.commit()
    bulk = cards - singles
    t0 = time.perf_counter()
    for first in range(0, bulk, args.batch):
        sessions = [Session(e) for e in engines]
        try:
            bulk_post(sessions, config, first, min(args.batch, bulk - first), cards)
            for s in sessions:
                s.commit()
        finally:
            for s in sessions:
                s.close()
        done = first + min(args.batch, bulk - first)
        print(
            f"  posted {done:,} ({done / (time.perf_counter() - t0):,.0f} cards/s to {len(engines)} db)",
            flush=True,
        )
    built["bulk_s"] = round(time.perf_counter() - t0, 1)
    for engine in engines:
        with Session(engine) as s:  # the newest checkpoint before the last stretch of the month
            make_checkpoint(s, config, now=NOW - timedelta(minutes=5))
            s.commit()
        t0 = time.perf_counter()
        for e in events(bulk, singles, cards):
            with Session(engine) as s:
                post_card_printed(s, e, config=config, now=NOW)
                s.commit()
        if singles:
            built[f"post_single_cards_per_s_{engine.dialect.name}"] = round(
                singles / (time.perf_counter() - t0)
            )
        step = max(cards // max(corrections, 1), 1)
        for k in range(corrections):
            with Session(engine) as s:
                post_correction(
                    s,
                    corrects_seq=2 + k * step,
                    correction_key=f"fix-{k}",
                    note="spoiled",
                    config=config,
                    now=NOW,
                )
                s.commit()
    print(f"  built: {built}", flush=True)
    return built


def _engine(backend: str, args: argparse.Namespace, workdir: Path, template: str | None = None) -> Engine:
    if backend == "sqlite":
        return make_engine(f"sqlite:///{workdir / 'bench.sqlite3'}")
    _pg_recreate(args.pg_url, BENCH_DB, template=template)
    return make_engine(_pg_db_url(args.pg_url, BENCH_DB))


def prepare(
    backends: list[str], args: argparse.Namespace, workdir: Path
) -> tuple[dict[str, Engine], BillingConfig, dict[str, Any]]:
    """The month on every backend: built (both at once), or copied from the cache when it was built before
    with the same size and schema."""
    key = f"{'+'.join(backends)}-{args.cards}-{args.singles}-{args.corrections}-{schema_fingerprint()}"
    cache = Path(args.cache) / key if args.cache else None
    keys = workdir / "keys"
    cached_db = f"{BENCH_DB}_c{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    hit = cache is not None and (cache / "done.json").exists()
    if hit and "postgresql" in backends:
        hit = _pg_exists(args.pg_url, cached_db)
    if hit:
        assert cache is not None
        print(f"the month from the cache: {cache}", flush=True)
        shutil.copytree(cache / "keys", keys)
        if "sqlite" in backends:
            shutil.copy(cache / "bench.sqlite3", workdir / "bench.sqlite3")
        engines = {b: _engine(b, args, workdir, template=cached_db) for b in backends}
        return engines, BillingConfig(key_dir=keys), json.loads((cache / "done.json").read_text())
    engines = {b: _engine(b, args, workdir) for b in backends}
    for engine in engines.values():
        create_billing_tables(engine)
    config = BillingConfig(key_dir=keys)
    t0 = time.perf_counter()
    built = build_month(list(engines.values()), config, args)
    built["build_s"] = round(time.perf_counter() - t0, 1)
    if cache is not None:
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        shutil.copytree(keys, cache / "keys")
        for backend, engine in engines.items():
            engine.dispose()
            if backend == "sqlite":
                shutil.copy(workdir / "bench.sqlite3", cache / "bench.sqlite3")
            else:
                _pg_recreate(args.pg_url, cached_db, template=BENCH_DB)
        (cache / "done.json").write_text(json.dumps(built))
    return engines, config, built


def offline_verify(bundle: Path, key: Path) -> tuple[float, float, str]:
    """Run the partner's verifier as the partner does, in its own process: seconds, peak RSS in MB, output."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "verifier"))
    t0 = time.perf_counter()
    pid = os.posix_spawn(
        sys.executable,
        [sys.executable, "-m", "ktp_verify", str(bundle), "--public-key", str(key), "--lang", "en"],
        env,
        file_actions=[(os.POSIX_SPAWN_OPEN, 1, str(bundle) + ".out", os.O_WRONLY | os.O_CREAT, 0o600)],
    )
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - t0
    output = Path(str(bundle) + ".out").read_text()
    assert os.waitstatus_to_exitcode(status) == 0, output
    return seconds, usage.ru_maxrss / 1024, output.strip()


def run(backend: str, engine: Engine, config: BillingConfig, built: dict[str, Any], args: argparse.Namespace,
        workdir: Path) -> dict[str, Any]:  # fmt: skip
    print(f"{backend}: {args.cards:,} cards", flush=True)
    results: dict[str, Any] = {"backend": backend, "cards": args.cards, **built}
    months = [f"2026-{m:02d}" for m in range(1, 13)] + [MONTH]
    with Session(engine) as s:
        st = timed("statement_open_s", results, lambda: get_statement(s, MONTH, config=config, now=NOW), 3)
        assert st.cards_billed == args.cards - args.corrections, st.cards_billed
        timed(
            "finance_page_reads_s",
            results,
            lambda: [get_statement(s, m, config=config, now=NOW) for m in months],
            3,
        )
        from billing.exports import (
            raw_entry_rows,  # the partner page's listing (ktp_service.services.billing)
        )

        def partner_reads() -> int:
            get_statement(s, MONTH, config=config, now=NOW)
            stream = raw_entry_rows(s, MONTH)
            rows = [next(stream) for _ in range(100)]
            stream.close()
            return len(rows) + rollup_entry_rows(s, MONTH)

        timed("partner_page_reads_s", results, partner_reads, 3)
        s.rollback()
        check = timed("verify_chain_s", results, lambda: verify_chain(s))
        assert check.ok, check.problems[:3]
        s.rollback()
        pem = config.keys.public_keys_pem()
        since = timed("verify_from_checkpoint_s", results, lambda: verify_from_checkpoint(s, pem), 3)
        assert since.ok, since.problems[:3]
        results["transactions_after_checkpoint"] = since.transactions
        s.rollback()
        timed("close_s", results, lambda: close_period(s, MONTH, config=config, unposted_events=0, now=NOW))
        s.commit()
        path = workdir / f"bundle-{backend}.zip"
        timed("export_bundle_s", results, lambda: export_bundle(s, MONTH, path))
        s.rollback()
    results["bundle_mb"] = round(path.stat().st_size / 1e6, 1)
    key = workdir / f"regency-{backend}.pem"
    key.write_text(config.keys.public_key_pem())
    seconds, rss, said = offline_verify(path, key)
    results["verify_bundle_s"] = round(seconds, 3)
    results["verify_bundle_peak_rss_mb"] = round(rss, 1)
    print(f"  verify_bundle_s: {seconds:.3f} s, peak RSS {rss:.0f} MB: {said}", flush=True)
    engine.dispose()
    return results


def report(all_results: list[dict[str, Any]]) -> None:
    print(f"\nfigures against the aims ({all_results[0]['cards']:,} cards in the month)")
    print(f"  {'figure':<52} {'backend':<11} {'measured':>10} {'aim':>8}  met")
    for name, (aim, what) in AIMS.items():
        for r in all_results:
            value = r[name]
            print(
                f"  {what:<52} {r['backend']:<11} {value:>8.3f} s {aim:>6.1f} s  {'yes' if value < aim else 'NO'}"
            )
    for r in all_results:
        rss = r["verify_bundle_peak_rss_mb"]
        print(f"  {'offline bundle verification, peak RSS':<52} {r['backend']:<11} {rss:>7.0f} MB "
              f"{RSS_AIM_MB:>5} MB  {'yes' if rss < RSS_AIM_MB else 'NO'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000, help="events per post_events call and commit")
    parser.add_argument("--singles", type=int, default=2000, help="events posted one per transaction")
    parser.add_argument("--corrections", type=int, default=None, help="cards reversed (default cards/1000)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--cache",
        default=str(Path(tempfile.gettempdir()) / "ktp-billing-bench"),
        help="where built months are kept for the next run ('' to build every time)",
    )
    args = parser.parse_args()
    args.singles = min(args.singles, args.cards // 2)
    if args.corrections is None:
        args.corrections = max(args.cards // 1000, 1)
    print_machine()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory(prefix="billing-bench-") as tmp:
        engines, config, built = prepare(backends, args, Path(tmp))
        all_results = [run(b, engines[b], config, built, args, Path(tmp)) for b in backends]
    print(json.dumps(all_results, indent=2))
    report(all_results)


if __name__ == "__main__":
    main()
