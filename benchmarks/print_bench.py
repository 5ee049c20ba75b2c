"""The whole print path under load: API -> queue -> worker (render) -> 10 simulator printers with zero print
time -> completion -> outbox, on SQLite and PostgreSQL with 1 and 2 worker processes.

    .venv/bin/python benchmarks/print_bench.py                       # 300 cards, every combination
    .venv/bin/python benchmarks/print_bench.py --cards 100 --backend sqlite --workers 1
    .venv/bin/python benchmarks/print_bench.py --cards 300 --backend sqlite --workers 1 --profile

Prints completed cards/s (first request to last completion) and the request-to-submitted latency (job
created -> document accepted by the printer) p50/p99. `ktp serve --no-worker` serves the API; workers are
separate `ktp worker` processes, as in production. Photos and signatures are stored as an upload stores
them (normalised, with the derivatives fitted to the card's boxes). With ``--profile`` each worker runs
under cProfile and the bench prints where a worker's time went, per step of a card.
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
from sqlalchemy import create_engine, exists, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project this script belongs to
from benchmarks.machine import free_port, print_machine  # noqa: E402
from ktp_service.cards.render import image_boxes  # noqa: E402
from ktp_service.cards.sample import make_photo, make_signature  # noqa: E402
from ktp_service.db import make_engine  # noqa: E402
from ktp_service.images import accept_image, store_fitted, store_image  # noqa: E402
from ktp_service.models import Office, Printer, PrintJob, Resident, StockMovement  # noqa: E402
from ktp_service.seed import DEMO_PASSWORD  # noqa: E402
from ktp_service.services import cards as card_service  # noqa: E402
from ktp_service.settings import Settings  # noqa: E402

KTP = str(Path(sys.executable).parent / "ktp")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PRINTERS = 10
PG_DB = f"ktp_print_bench_{os.getpid()}"  # one per run: benchmarks of other checkouts may run beside this one
FORMATS = {"png": "image/png", "pdf": "application/pdf"}  # pdf: the vector PDF


def _prepare(env: dict[str, str], data_dir: Path, cards: int, document_format: str) -> str:
    """Migrate, seed and add the printers and residents; returns the database URL."""
    subprocess.run([KTP, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([KTP, "demo", "seed", "--no-history"], env=env, check=True, capture_output=True)
    settings = Settings(data_dir=data_dir, database_url=env.get("KTP_DATABASE_URL", ""))
    engine = make_engine(settings.effective_database_url)
    # As an upload stores them (ktp_service.services.residents.set_image): normalised, plus the derivatives
    # fitted to the default template's boxes at 300 dpi (the simulator printers' dpi).
    template = card_service.template(settings.default_template, settings.templates_dir)
    boxes = image_boxes(template, 300)
    stored = {}
    for kind, raw in (("photo", make_photo(seed=5)), ("signature", make_signature(seed=5))):
        data, fmt = accept_image(raw, kind, field="file", max_bytes=10**7, max_pixels=10**8)  # type: ignore[arg-type]
        stored[kind] = store_image(data, fmt, settings.images_dir)
        field = "foto" if kind == "photo" else "tanda_tangan"
        store_fitted(data, kind, stored[kind].sha256, settings.images_dir, [boxes[field]], 10**8)  # type: ignore[arg-type]
    photo, signature = stored["photo"], stored["signature"]
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
                    document_format=document_format,
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
                    photo_format=photo.fmt,
                    signature_sha256=signature.sha256,
                    signature_format=signature.fmt,
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


def fresh_database(name: str, *, drop_only: bool = False) -> str:
    """Drop (and unless ``drop_only`` create again) the PostgreSQL database ``name``; its URL."""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        if not drop_only:
            conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def completed_since(engine: Engine, before: int) -> int:
    """Print jobs completed among those made after job id ``before`` (this run's)."""
    with Session(engine) as s:
        return int(
            s.exec(
                select(func.count())
                .select_from(PrintJob)
                .where(PrintJob.state == "completed", col(PrintJob.id) > before)
            ).one()
        )


def wait_completed(engine: Engine, before: int, cards: int, start: float, limit: float) -> None:
    """Wait until this run's ``cards`` jobs completed; give up ``limit`` seconds after ``start``."""
    while (done := completed_since(engine, before)) < cards:
        if time.monotonic() - start > limit:
            raise SystemExit(f"only {done}/{cards} completed after {limit:g} s")
        threading.Event().wait(0.05)


def _run(backend: str, workers: int, cards: int, port: int, fmt: str, profile: bool = False) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ktp-print-bench-"))
    env = dict(os.environ, KTP_DATA_DIR=str(tmp), KTP_LOG_LEVEL="WARNING", KTP_RUN_WORKER="false")
    if backend == "postgresql":
        env["KTP_DATABASE_URL"] = fresh_database(PG_DB)
    db_url = _prepare(env, tmp, cards, FORMATS[fmt])
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
            # residents never printed: the demo's own residents may hold cards already (its handover history)
            never_printed = ~exists(select(PrintJob.id).where(PrintJob.resident_id == Resident.id))
            niks = list(s.exec(select(Resident.nik).where(never_printed).order_by(Resident.id)))
            printer_ids = list(
                s.exec(select(Printer.id).where(col(Printer.name).startswith("SIM-")).order_by(Printer.id))
            )
            # only this run's jobs are counted (the demo seeds a history of printed cards of its own)
            before = s.exec(select(func.max(PrintJob.id))).one() or 0
        profiles = [tmp / f"worker-{w}.prof" for w in range(workers)] if profile else []
        procs += [
            subprocess.Popen(
                _worker_command(f"bench-{w}", profiles[w] if profile else None),
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
        wait_completed(engine, before, cards, start, 600)
        elapsed = time.monotonic() - start
        with Session(engine) as s:
            jobs = list(s.exec(select(PrintJob).where(col(PrintJob.id) > before)))
        latency = sorted(
            (j.submitted_at - j.created_at).total_seconds() * 1000 for j in jobs if j.submitted_at
        )
        q = statistics.quantiles(latency, n=100, method="inclusive")
        print(
            f"  {backend:10} {fmt} {workers} worker(s): {cards / elapsed:6.1f} cards/s completed "
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
        for path in profiles if profile else []:
            if path.exists():
                _print_profile(path, cards // workers)
        shutil.rmtree(tmp, ignore_errors=True)
        if backend == "postgresql":
            fresh_database(PG_DB, drop_only=True)


# A worker under cProfile that writes its profile when terminated (the bench ends workers with SIGTERM).
_PROFILED_WORKER = """
import cProfile, signal, sys
from ktp_service.cli import app
def stop(*_):
    raise SystemExit(0)
signal.signal(signal.SIGTERM, stop)
profiler = cProfile.Profile()
profiler.enable()
try:
    app(["worker", "--name", sys.argv[1]])
finally:
    profiler.disable()
    profiler.dump_stats(sys.argv[2])
"""


def _worker_command(name: str, profile: Path | None) -> list[str]:
    if profile is None:
        return [KTP, "worker", "--name", name]
    return [sys.executable, "-c", _PROFILED_WORKER, name, str(profile)]


# The worker's steps for one card, and the calls that stand for the database and the rendering.
_STEPS = {
    "claim (commit)": "worker.py:.*\\(_claim\\)",
    "submit: read + render + 3 commits": "worker.py:.*\\(_submit\\)",
    "  render (template, card data, render_card)": "worker.py:.*\\(_render\\)",
    "  render_card": "render.py:.*\\(render_card\\)",
    "recover (reads)": "worker.py:.*\\(_recover\\)",
    "follow submitted": "worker.py:.*\\(_follow_submitted\\)",
    "heartbeat": "worker.py:.*\\(heartbeat\\)",
    "billing outbox posting": "billing_bridge.py:.*\\(has_due_events\\)",
    "printer adapter submit": "simulator.py:.*\\(submit\\)",
    "SQL statements (DBAPI execute)": "<method 'execute' of 'sqlite3|psycopg/cursor.py:\\d+\\(execute\\)",
    "commits (DBAPI commit)": "<method 'commit' of 'sqlite3|psycopg/connection.py:\\d+\\(commit\\)",
    "one pass (run_once)": "worker.py:.*\\(run_once\\)",
}


def _print_profile(path: Path, cards: int) -> None:
    import pstats
    import re

    stats = pstats.Stats(str(path))
    rows: dict[str, float] = {}
    for (filename, line, function), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{'/'.join(Path(filename).parts[-2:])}:{line}({function})" if filename != "~" else function
        for label, pattern in _STEPS.items():
            if re.search(pattern, where):
                rows[label] = rows.get(label, 0.0) + cumulative
    print(f"    where worker {path.stem} spent its time (cProfile, wall ms per card, {cards} cards):")
    for label in _STEPS:
        if label in rows:
            print(f"      {label:45} {rows[label] / max(cards, 1) * 1000:8.2f}")
    # Own time by library: which code the worker's pass actually runs (waits and sleeps left out).
    by_package: dict[str, float] = {}
    for (filename, _, function), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        if function in ("<method 'acquire' of '_thread.lock' objects>", "<built-in method time.sleep>"):
            continue
        parts = Path(filename).parts
        package = next((parts[i + 1] for i, x in enumerate(parts[:-1]) if x == "site-packages"), None)
        if package is None:
            package = (
                "ktp_service" if "ktp_service" in parts else ("builtins (C)" if filename == "~" else "other")
            )
        by_package[package] = by_package.get(package, 0.0) + own
    top = sorted(by_package.items(), key=lambda kv: -kv[1])[:8]
    print("      own time by package: " + ", ".join(f"{k} {v / max(cards, 1) * 1000:.1f}" for k, v in top))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cards", type=int, default=300)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--workers", type=int, choices=[1, 2], default=None, help="Default: 1 and 2.")
    ap.add_argument("--port", type=int, help="0: any free port", default=8766)
    ap.add_argument("--format", choices=sorted(FORMATS), default="png", help="What the printers take.")
    ap.add_argument("--profile", action="store_true", help="Profile the workers and print where time went.")
    args = ap.parse_args()
    if args.port == 0:
        args.port = free_port()
    print_machine()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        f"print_bench: {args.cards} cards, {PRINTERS} simulator printers taking {FORMATS[args.format]} "
        "(zero print time), 8 concurrent clerks"
    )
    for backend in backends:
        for workers in [args.workers] if args.workers else [1, 2]:
            _run(backend, workers, args.cards, args.port, args.format, args.profile)


if __name__ == "__main__":
    main()
