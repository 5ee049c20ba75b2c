"""The whole print path under load: API -> queue -> worker (render) -> 10 simulator printers with zero print
time -> completion -> outbox, on SQLite and PostgreSQL with 1 and 2 worker processes.

    .venv/bin/python benchmarks/print_bench.py                       # 300 cards, every combination
    .venv/bin/python benchmarks/print_bench.py --cards 100 --backend sqlite --workers 1

Prints completed cards/s (first request to last completion) and the request-to-submitted latency (job
created -> document accepted by the printer) p50/p99. `ktp serve --no-worker` serves the API; workers are
separate `ktp worker` processes, as in production.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlmodel import Session, col, func, select

from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.db import make_engine
from ktp_service.images import store_image
from ktp_service.models import Office, Printer, PrintJob, Resident, StockMovement
from ktp_service.seed import DEMO_PASSWORD
from ktp_service.settings import Settings

KTP = str(Path(sys.executable).parent / "ktp")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PRINTERS = 10


def _prepare(env: dict[str, str], data_dir: Path, cards: int) -> str:
    """Migrate, seed and add the printers and residents; returns the database URL."""
    subprocess.run([KTP, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([KTP, "demo", "seed"], env=env, check=True, capture_output=True)
    settings = Settings(data_dir=data_dir, database_url=env.get("KTP_DATABASE_URL", ""))
    engine = make_engine(settings.effective_database_url)
    photo = store_image(make_photo(seed=5), "jpeg", settings.images_dir)
    signature = store_image(make_signature(seed=5), "png", settings.images_dir)
    with Session(engine) as s:
        office = s.exec(select(Office).where(Office.code == "33.14")).one()
        assert office.id is not None
        for i in range(PRINTERS):
            s.add(
                Printer(
                    name=f"SIM-{i:02d}",
                    office_id=office.id,
                    adapter="simulator",
                    uri=f"simulator://bench-{i}",
                )
            )
        s.add(StockMovement(office_id=office.id, kind="receipt", quantity=cards + 10))
        for i in range(cards):
            born = date(1950, 1, 1) + timedelta(days=i % 18000)
            nik = f"331401{born.day:02d}{born.month:02d}{born.year % 100:02d}{1 + i // 18000:04d}"
            s.add(
                Resident(
                    nik=nik,
                    nama=f"WARGA BENCH {i}",
                    tempat_lahir="SRAGEN",
                    tanggal_lahir=born,
                    jenis_kelamin="LAKI-LAKI",
                    golongan_darah="O",
                    alamat="JL. BENCHMARK NO. 1",
                    rt="001",
                    rw="002",
                    kode_kecamatan="33.14.01",
                    kode_desa="33.14.01.2001",
                    agama="ISLAM",
                    status_perkawinan="KAWIN",
                    pekerjaan="WIRASWASTA",
                    kewarganegaraan="WNI",
                    photo_sha256=photo.sha256,
                    photo_format="jpeg",
                    signature_sha256=signature.sha256,
                    signature_format="png",
                )
            )
        s.commit()
    engine.dispose()
    return settings.effective_database_url


def _wait_http(url: str) -> None:
    for _ in range(400):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        threading.Event().wait(0.05)
    raise SystemExit(f"{url} did not answer")


def _run(backend: str, workers: int, cards: int, port: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ktp-print-bench-"))
    env = dict(os.environ, KTP_DATA_DIR=str(tmp), KTP_LOG_LEVEL="WARNING", KTP_RUN_WORKER="false")
    if backend == "postgresql":
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS ktp_print_bench WITH (FORCE)"))
            conn.execute(text("CREATE DATABASE ktp_print_bench"))
        admin.dispose()
        env["KTP_DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/ktp_print_bench"
    db_url = _prepare(env, tmp, cards)
    procs = [
        subprocess.Popen(
            [KTP, "serve", "--port", str(port), "--no-worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(base + "/healthz")
        token = httpx.post(
            base + "/api/v1/auth/token", data={"username": "kpt.clerk", "password": DEMO_PASSWORD}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        engine = make_engine(db_url)
        with Session(engine) as s:
            niks = list(s.exec(select(Resident.nik).order_by(Resident.id)))
            printer_ids = list(
                s.exec(select(Printer.id).where(col(Printer.name).startswith("SIM-")).order_by(Printer.id))
            )
        procs += [
            subprocess.Popen(
                [KTP, "worker", "--name", f"bench-{w}"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for w in range(workers)
        ]
        start = time.monotonic()
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:

            def ask(i: int) -> int:
                body = {"nik": niks[i], "printer_id": printer_ids[i % len(printer_ids)], "reason": "baru"}
                return client.post("/api/v1/print-jobs", json=body).status_code

            with ThreadPoolExecutor(max_workers=8) as pool:
                statuses = list(pool.map(ask, range(cards)))
        requests_done = time.monotonic()
        bad = [s for s in statuses if s != 201]
        if bad:
            raise SystemExit(f"{len(bad)} requests failed: {sorted(set(bad))}")
        while True:
            with Session(engine) as s:
                done = s.exec(
                    select(func.count()).select_from(PrintJob).where(PrintJob.state == "completed")
                ).one()
            if done >= cards:
                break
            if time.monotonic() - start > 600:
                raise SystemExit(f"only {done}/{cards} completed after 600 s")
            threading.Event().wait(0.05)
        elapsed = time.monotonic() - start
        with Session(engine) as s:
            jobs = list(s.exec(select(PrintJob)))
        latency = sorted(
            (j.submitted_at - j.created_at).total_seconds() * 1000 for j in jobs if j.submitted_at
        )
        q = statistics.quantiles(latency, n=100, method="inclusive")
        print(
            f"  {backend:10} {workers} worker(s): {cards / elapsed:6.1f} cards/s completed "
            f"({cards} cards in {elapsed:5.1f} s; requests took {requests_done - start:4.1f} s)   "
            f"request->submitted p50 {q[49]:7.0f} ms  p99 {q[98]:7.0f} ms"
        )
        engine.dispose()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cards", type=int, default=300)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--workers", type=int, choices=[1, 2], default=None, help="Default: 1 and 2.")
    ap.add_argument("--port", type=int, default=8766)
    args = ap.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        f"print_bench: {args.cards} cards, {PRINTERS} simulator printers (zero print time), 8 concurrent clerks"
    )
    for backend in backends:
        for workers in [args.workers] if args.workers else [1, 2]:
            _run(backend, workers, args.cards, args.port)


if __name__ == "__main__":
    main()
