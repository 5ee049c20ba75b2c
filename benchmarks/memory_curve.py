"""Memory of `ktp serve` with its worker under a steady load, sampled over time (issue 13): a leak shows as
a curve that keeps climbing after the warm-up, not as one number.

    .venv/bin/python benchmarks/memory_curve.py --minutes 60 --plot docs/memory-curve.png   # the full run
    .venv/bin/python benchmarks/memory_curve.py --minutes 0.2 --sample-seconds 2            # a smoke run

One `ktp serve` process (API and print worker in one process, as `make run` starts it) on SQLite or
PostgreSQL. The load is steady and scheduled (sent on time whether or not earlier requests answered, from a
few threads): resident reads, new registrations and print jobs on ten simulator printers, so the worker
renders and bills cards the whole time. The resident set size (VmRSS from /proc) of the server and any
child is sampled every ``--sample-seconds``. Printed: the samples, then the size after the warm-up, at the
end and at its peak, and the slope over the second half of the run in MB per hour (a flat curve is about
zero). Aim: under 200 MB after an hour.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import exists
from sqlmodel import Session, col, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project this script belongs to
from benchmarks.api_bench import _payload  # noqa: E402
from benchmarks.machine import free_port, print_machine  # noqa: E402
from benchmarks.print_bench import KTP, _prepare, _wait_http, completed_since, fresh_database  # noqa: E402
from ktp_service.db import make_engine  # noqa: E402
from ktp_service.models import Printer, PrintJob, Resident  # noqa: E402
from ktp_service.seed import DEMO_PASSWORD  # noqa: E402

AIM_MB = 200
PG_DB = f"ktp_memory_{os.getpid()}"


@dataclass
class Sample:
    seconds: float
    rss_mb: float
    requests: int
    errors: int
    cards: int


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` and its children, in MB (VmRSS; 0 for a process that is gone)."""
    total_kb = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def slope_mb_per_hour(samples: list[Sample]) -> float:
    """Least-squares slope of RSS against time over the given samples."""
    if len(samples) < 2:
        return 0.0
    xs = [s.seconds for s in samples]
    ys = [s.rss_mb for s in samples]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var * 3600


class Load:
    """Requests sent on a fixed schedule from a small pool, counted as they answer."""

    def __init__(self, base: str, niks: list[str], printers: list[int]) -> None:
        self.client = httpx.Client(base_url=base, timeout=60)
        self.login()
        self.niks, self.printers = niks, printers
        self.requests = self.errors = 0
        self.failures: Counter[str] = Counter()  # what the errors were: a status code or an exception
        self.lock = threading.Lock()
        self.serial = 30_000  # _payload stays a valid NIK below 2.9 million
        self.printed_next = 0

    def login(self) -> None:
        """A bearer token lives less than an hour-long run: log in again when it is refused."""
        r = self.client.post("/api/v1/auth/token", data={"username": "kpt.clerk", "password": DEMO_PASSWORD})
        self.client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def _count(self, status: int | str, expected: int) -> None:
        if status == 401:
            self.login()
        with self.lock:
            self.requests += 1
            if status != expected:
                self.errors += 1
                self.failures[str(status)] += 1

    def read(self) -> None:
        nik = self.niks[self.requests % len(self.niks)]
        self._count(self.client.get(f"/api/v1/residents/{nik}").status_code, 200)

    def register(self) -> None:
        with self.lock:
            self.serial += 1
            serial = self.serial
        self._count(self.client.post("/api/v1/residents", json=_payload(serial)).status_code, 201)

    def print_card(self) -> None:
        with self.lock:
            i = self.printed_next
            self.printed_next += 1
        if i >= len(self.niks):
            return  # every prepared resident has its card: reads and registrations go on
        body = {"nik": self.niks[i], "printer_id": self.printers[i % len(self.printers)], "reason": "baru"}
        self._count(self.client.post("/api/v1/print-jobs", json=body).status_code, 201)

    def run(self, stop: threading.Event, reads: float, writes: float, cards: float) -> None:
        """Each kind of request on its own schedule: the n-th is due at start + n / rate."""
        start = time.monotonic()
        plan = [(self.read, reads), (self.register, writes), (self.print_card, cards)]
        sent = [0 for _ in plan]
        with ThreadPoolExecutor(max_workers=16) as pool:
            while not stop.is_set():
                now = time.monotonic() - start
                for k, (call, rate) in enumerate(plan):
                    while rate > 0 and sent[k] < now * rate:
                        sent[k] += 1
                        pool.submit(self._safe, call)
                stop.wait(0.01)

    def _safe(self, call: object) -> None:
        try:
            call()  # type: ignore[operator]
        except httpx.HTTPError as exc:
            self._count(type(exc).__name__, 0)


def run(
    backend: str,
    minutes: float,
    every: float,
    reads: float,
    writes: float,
    cards: float,
    server_log: Path | None = None,
) -> list[Sample]:
    tmp = Path(tempfile.mkdtemp(prefix="ktp-memory-"))
    env = dict(os.environ, KTP_DATA_DIR=str(tmp), KTP_LOG_LEVEL="WARNING")
    if backend == "postgresql":
        env["KTP_DATABASE_URL"] = fresh_database(PG_DB)
    needed = int(cards * minutes * 60) + 10
    db_url = _prepare(env, tmp, needed, "image/png")
    port = free_port()
    log = open(server_log, "ab") if server_log else subprocess.DEVNULL  # noqa: SIM115 (closed with the server)
    server = subprocess.Popen([KTP, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    engine = make_engine(db_url)
    samples: list[Sample] = []
    stop = threading.Event()
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(base + "/healthz")
        with Session(engine) as s:
            never_printed = ~exists(select(PrintJob.id).where(PrintJob.resident_id == Resident.id))
            niks = list(s.exec(select(Resident.nik).where(never_printed).order_by(Resident.id)))
            printers = list(
                s.exec(select(Printer.id).where(col(Printer.name).startswith("SIM-")).order_by(Printer.id))
            )
            before = s.exec(select(func.max(PrintJob.id))).one() or 0
        load = Load(base, niks, [p for p in printers if p])
        loader = threading.Thread(target=load.run, args=(stop, reads, writes, cards), daemon=True)
        start = time.monotonic()
        loader.start()
        print(f"  {'min':>6} {'RSS MB':>8} {'requests':>9} {'errors':>7} {'cards':>6}", flush=True)
        while (elapsed := time.monotonic() - start) < minutes * 60:
            if server.poll() is not None:
                raise SystemExit(f"ktp serve exited with {server.returncode}")
            printed = completed_since(engine, before)
            sample = Sample(elapsed, rss_mb(server.pid), load.requests, load.errors, printed)
            samples.append(sample)
            print(
                f"  {elapsed / 60:6.1f} {sample.rss_mb:8.1f} {sample.requests:9d} {sample.errors:7d}"
                f" {sample.cards:6d}",
                flush=True,
            )
            stop.wait(every)
        stop.set()
        loader.join(timeout=60)
        load.client.close()
        if load.failures:
            print("  errors by kind: " + ", ".join(f"{k} x{v}" for k, v in load.failures.most_common()))
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        engine.dispose()
        if server_log:
            log.close()  # type: ignore[union-attr]
        shutil.rmtree(tmp, ignore_errors=True)
        if backend == "postgresql":
            fresh_database(PG_DB, drop_only=True)
    return samples


def summarise(samples: list[Sample], warmup_seconds: float) -> str:
    if not samples:
        return "  no samples"
    warm = [s for s in samples if s.seconds >= warmup_seconds] or samples
    second_half = [s for s in samples if s.seconds >= samples[-1].seconds / 2]
    end, peak = samples[-1], max(s.rss_mb for s in samples)
    verdict = "meets" if end.rss_mb < AIM_MB else "misses"
    return (
        f"  after warm-up {warm[0].rss_mb:.1f} MB, at the end {end.rss_mb:.1f} MB, peak {peak:.1f} MB "
        f"({verdict} the aim of {AIM_MB} MB)\n"
        f"  slope over the second half: {slope_mb_per_hour(second_half):+.1f} MB/hour; "
        f"{end.requests} requests ({end.errors} errors), {end.cards} cards printed"
    )


def plot(samples: list[Sample], out: Path, backend: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=110)
    ax.plot([s.seconds / 60 for s in samples], [s.rss_mb for s in samples], marker=".", label="RSS")
    ax.axhline(AIM_MB, color="grey", linewidth=0.8, linestyle=":", label=f"aim {AIM_MB} MB")
    ax.set_xlabel("minutes under load")
    ax.set_ylabel("resident set size (MB)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"ktp serve + worker ({backend}) under a steady load")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--sample-seconds", type=float, default=30)
    ap.add_argument("--warmup-minutes", type=float, default=5)
    ap.add_argument("--reads", type=float, default=20, help="resident reads per second")
    ap.add_argument("--writes", type=float, default=2, help="new registrations per second")
    ap.add_argument("--cards", type=float, default=1, help="print jobs per second")
    ap.add_argument("--plot", type=Path)
    ap.add_argument("--server-log", type=Path, help="Append the server's output here (to see what failed).")
    args = ap.parse_args()
    print_machine()
    print(
        f"# load: {args.reads:g} reads/s, {args.writes:g} registrations/s, {args.cards:g} cards/s, "
        f"{args.minutes:g} min on {args.backend}"
    )
    samples = run(
        args.backend, args.minutes, args.sample_seconds, args.reads, args.writes, args.cards, args.server_log
    )
    print(summarise(samples, args.warmup_minutes * 60))
    if args.plot:
        plot(samples, args.plot, args.backend)


if __name__ == "__main__":
    main()
