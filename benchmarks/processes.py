"""Cards per second and clerks' API latency with 1, 2 and 4 processes of each kind on one PostgreSQL
(issue 13): N `ktp serve --no-worker` processes and N `ktp worker` processes, as production runs them.

    .venv/bin/python benchmarks/processes.py                          # 1, 2 and 4; 400 cards; 40 req/s
    .venv/bin/python benchmarks/processes.py --processes 1 --cards 4 --rate 5 --seconds 1    # smoke

For each N: a fresh database with the same residents and ten simulator printers (zero print time); then,
at once, ``--cards`` print jobs sent round-robin to the N APIs by eight clerks, and an open-loop load of
``--rate`` requests/s (80 % resident reads, 20 % registrations, spread evenly over the APIs, latency
counted from each request's scheduled time) for ``--seconds``. Printed: cards/s from the first request to
the last completion, and the load's p50/p99. The load generator and the clerks share the machine's cores
with the server processes: on a machine with fewer cores than processes, more processes cannot go faster,
and the table says so by its figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import exists
from sqlmodel import Session, col, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project this script belongs to
from benchmarks.api_load import Step, _percentile, _step  # noqa: E402
from benchmarks.machine import free_port, print_machine  # noqa: E402
from benchmarks.print_bench import KTP, _prepare, _wait_http, fresh_database, wait_completed  # noqa: E402
from ktp_service.db import make_engine  # noqa: E402
from ktp_service.models import Printer, PrintJob, Resident  # noqa: E402
from ktp_service.seed import DEMO_PASSWORD  # noqa: E402

PG_DB = f"ktp_processes_{os.getpid()}"


async def _load(ports: list[int], token: str, niks: list[str], rate: float, seconds: float) -> Step:
    """The open-loop mix against every API at once, ``rate / N`` each; the steps' latencies merged."""
    serial = iter(range(40_000, 2_900_000))  # api_bench._payload keeps a valid NIK below 2.9 million
    share = max(1, round(rate / len(ports)))
    steps = await asyncio.gather(
        *(_step("127.0.0.1", port, token, niks, share, seconds, serial) for port in ports)
    )
    latencies = [ms for s in steps for ms in s.latencies]
    return Step(
        rate=share * len(ports),
        sent=sum(s.sent for s in steps),
        errors=sum(s.errors for s in steps),
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
        max_ms=max(latencies, default=0.0),
        achieved=sum(s.achieved for s in steps),
        generator_cpu=sum(s.generator_cpu for s in steps),
    )


def run(n: int, cards: int, rate: float, seconds: float) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ktp-processes-"))
    env = dict(os.environ, KTP_DATA_DIR=str(tmp), KTP_LOG_LEVEL="WARNING", KTP_RUN_WORKER="false")
    env["KTP_DATABASE_URL"] = fresh_database(PG_DB)
    db_url = _prepare(env, tmp, cards, "image/png")
    ports = [free_port() for _ in range(n)]
    procs: list[subprocess.Popen[bytes]] = []
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        procs += [
            subprocess.Popen([KTP, "serve", "--port", str(p), "--no-worker"], env=env, **quiet)  # type: ignore[call-overload]
            for p in ports
        ]
        for p in ports:
            _wait_http(f"http://127.0.0.1:{p}/healthz")
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        token = httpx.post(
            bases[0] + "/api/v1/auth/token", data={"username": "kpt.clerk", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        engine = make_engine(db_url)
        with Session(engine) as s:
            never_printed = ~exists(select(PrintJob.id).where(PrintJob.resident_id == Resident.id))
            niks = list(s.exec(select(Resident.nik).where(never_printed).order_by(Resident.id)))
            printer_ids = list(
                s.exec(select(Printer.id).where(col(Printer.name).startswith("SIM-")).order_by(Printer.id))
            )
            before = s.exec(select(func.max(PrintJob.id))).one() or 0
        procs += [
            subprocess.Popen([KTP, "worker", "--name", f"bench-{w}"], env=env, **quiet)  # type: ignore[call-overload]
            for w in range(n)
        ]
        headers = {"Authorization": f"Bearer {token}"}
        clients = [httpx.Client(base_url=b, headers=headers, timeout=60) for b in bases]
        load_result: list[Step] = []
        loader = threading.Thread(
            target=lambda: load_result.append(asyncio.run(_load(ports, token, niks, rate, seconds)))
        )
        start = time.monotonic()
        loader.start()

        def ask(i: int) -> int:
            body = {"nik": niks[i], "printer_id": printer_ids[i % len(printer_ids)], "reason": "baru"}
            return clients[i % n].post("/api/v1/print-jobs", json=body).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(ask, range(cards)))
        if any(s != 201 for s in statuses):
            raise SystemExit(f"print requests failed: {sorted(set(statuses))}")
        wait_completed(engine, before, cards, start, 900)
        elapsed = time.monotonic() - start
        loader.join()
        step = load_result[0]
        print(
            f"  {n} API + {n} worker process(es): {cards / elapsed:6.1f} cards/s ({cards} cards in "
            f"{elapsed:5.1f} s)   API under {step.rate} req/s offered: p50 {step.p50_ms:6.1f} ms  "
            f"p99 {step.p99_ms:7.1f} ms  errors {step.errors}",
            flush=True,
        )
        for c in clients:
            c.close()
        engine.dispose()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
        fresh_database(PG_DB, drop_only=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--processes", default="1,2,4", help="Comma-separated counts of each kind.")
    ap.add_argument("--cards", type=int, default=400)
    ap.add_argument("--rate", type=float, default=40, help="API requests/s offered beside the printing.")
    ap.add_argument("--seconds", type=float, default=10, help="How long the API load runs.")
    args = ap.parse_args()
    print_machine()
    print(
        f"processes: PostgreSQL, {args.cards} cards on 10 simulator printers (zero print time), "
        f"{args.rate:g} req/s of 80 % reads for {args.seconds:g} s at the same time"
    )
    for n in (int(x) for x in args.processes.split(",")):
        run(n, args.cards, args.rate, args.seconds)


if __name__ == "__main__":
    main()
