"""The production shape (issue 13): two `ktp serve` processes and two `ktp worker` processes on one
PostgreSQL. A thousand print jobs are sent through both APIs; halfway, one API and one worker are killed with
SIGKILL and started again. Afterwards every job completed exactly once (the simulated printers' counters say
how many cards came out), every card is in the ledger once, the chain verifies and the month's statement
counts the same cards.

Real processes, real ports, real PostgreSQL; the waits are on conditions (jobs in the database), never on
fixed times, so a busy machine only makes it slower."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from billing.models import LedgerTransaction
from billing.vocab import TransactionKind
from ktp_service.db import make_engine
from ktp_service.models import CardPrintedEvent, PrintJob, Resident
from ktp_service.seed import DEMO_PASSWORD
from tests.conftest import drop_pg_database, recreate_pg_database
from tests.factories import make_nik, png_bytes, resident_payload

pytestmark = pytest.mark.postgres

KTP = str(Path(sys.executable).parent / "ktp")
JOBS = int(os.environ.get("KTP_MANY_PROCESSES_JOBS", "1000"))
PRINTERS = 4
DB = f"ktp_test_many_{os.getpid()}"
CLERK, SUPERVISOR, ADMIN = "kalijambe.clerk", "kalijambe.supervisor", "admin"
JAKARTA = ZoneInfo("Asia/Jakarta")
BORN = date(1991, 2, 3)  # no demo resident was born that day: the NIKs below are free


def wait_for(what: str, condition: Callable[[], bool], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        pause.wait(0.2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Deployment:
    """Processes started from one environment (data directory and database shared, as in production)."""

    env: dict[str, str]
    url: str
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def ktp(self, *args: str) -> None:
        subprocess.run([KTP, *args], env=self.env, check=True, stdout=subprocess.DEVNULL)

    def api(self, port: int) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [KTP, "serve", "--port", str(port), "--no-worker"], env=self.env, stderr=subprocess.DEVNULL
        )
        self.procs.append(proc)
        base = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            assert proc.poll() is None, f"ktp serve on {port} exited with {proc.returncode}"
            try:
                return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(f"the API on port {port}", answers, timeout=120)
        return proc

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([KTP, "worker", "--name", name], env=self.env)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    url = recreate_pg_database(DB)
    env = dict(
        os.environ,
        KTP_DATA_DIR=str(tmp_path / "data"),
        KTP_DATABASE_URL=url,
        KTP_LOG_LEVEL="WARNING",
        KTP_PRINTER_POLL_SECONDS="1",
    )
    d = Deployment(env, url)
    d.ktp("db", "upgrade")
    d.ktp("demo", "seed")
    try:
        yield d
    finally:
        d.stop()
        drop_pg_database(DB)


def _token(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _prepare(d: Deployment, base: str) -> tuple[list[str], list[int]]:
    """Printers, stock and JOBS residents ready to print (the demo's contract prices them) (one registered through the API with
    photo and signature, the rest copies of it under their own NIKs: the setup is not what is tested)."""
    admin, supervisor, clerk = (_token(base, u) for u in (ADMIN, SUPERVISOR, CLERK))
    printer_ids = []
    for n in range(PRINTERS):
        r = httpx.post(
            f"{base}/api/v1/printers",
            json={
                "name": f"Many-{n}",
                "office": "33.14.01",
                "adapter": "simulator",
                "uri": f"simulator://many-{n}",
                "config": {},
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        printer_ids.append(int(r.json()["id"]))
    r = httpx.post(
        f"{base}/api/v1/offices/33.14.01/stock",
        json={"quantity": JOBS + 100, "note": "kiriman uji"},
        headers=supervisor,
    )
    assert r.status_code == 201, r.text
    first = resident_payload(born=BORN, serial=1)
    assert httpx.post(f"{base}/api/v1/residents", json=first, headers=clerk).status_code == 201
    for kind in ("photo", "signature"):
        r = httpx.put(
            f"{base}/api/v1/residents/{first['nik']}/{kind}",
            files={"file": (f"{kind}.png", png_bytes(300, 400 if kind == "photo" else 150), "image/png")},
            headers=clerk,
        )
        assert r.status_code == 200, r.text
    engine = make_engine(d.url)
    niks = [first["nik"]]
    try:
        with Session(engine) as s:
            original = s.exec(select(Resident).where(Resident.nik == first["nik"])).one()
            data = original.model_dump(exclude={"id"})
            for serial in range(2, JOBS + 1):
                nik = make_nik("33.14.01", BORN, female=True, serial=serial)
                s.add(Resident(**(data | {"nik": nik})))
                niks.append(nik)
            s.commit()  # the demo's contract prices the cards
    finally:
        engine.dispose()
    return niks, printer_ids


def _submit(base: str, headers: dict[str, str], nik: str, printer_id: int, key: str) -> int:
    try:
        r = httpx.post(
            f"{base}/api/v1/print-jobs",
            json={"nik": nik, "printer_id": printer_id, "reason": "baru"},
            headers=headers | {"Idempotency-Key": key},
            timeout=60,
        )
        return r.status_code
    except httpx.HTTPError:
        return 0  # the API went away mid-request: whether it stored the job is unknown


def test_two_apis_and_two_workers_survive_a_kill_and_print_each_card_once(deployment: Deployment) -> None:
    d = deployment
    port_a, port_b = _free_port(), _free_port()
    a, b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    d.api(port_a)
    api_b = d.api(port_b)
    niks, printer_ids = _prepare(d, a)
    d.worker("central-1")
    worker_2 = d.worker("central-2")
    clerk = _token(a, CLERK)  # the same secret signs for both processes

    keys = [str(uuid.uuid4()) for _ in niks]
    printer_of = dict(zip(niks, itertools.cycle(printer_ids), strict=False))
    answered: dict[str, int] = {}

    def send(i: int) -> None:
        base = a if i % 2 == 0 else b
        answered[niks[i]] = _submit(base, clerk, niks[i], printer_of[niks[i]], keys[i])

    half = len(niks) // 2
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, range(half)))
    # Mid-run: one API and one worker die without a word, with work in flight.
    wait_for("the first cards to print", lambda: _completed(d, printer_ids) >= min(50, half))
    os.kill(api_b.pid, signal.SIGKILL)
    os.kill(worker_2.pid, signal.SIGKILL)
    api_b.wait(timeout=30)
    worker_2.wait(timeout=30)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, range(half, len(niks))))  # half of these hit the dead API
    d.api(port_b)
    d.worker("central-2")  # the same identity: it takes up its own jobs at once
    # Every request that got no answer is sent again with its key, through the other API: a job is
    # created once whatever the first attempt did.
    for i, nik in enumerate(niks):
        if answered[nik] != 201:
            status = _submit(a, clerk, nik, printer_of[nik], keys[i])
            assert status in (200, 201), (nik, status)

    supervisor = _token(a, SUPERVISOR)

    def settled() -> bool:
        # A worker killed between sending a card and hearing the printer's answer leaves that job in
        # needs-confirmation and holds its printer's queue until a person decides, as in production.
        _decide_like_a_supervisor(d, a, supervisor)
        return _completed(d, printer_ids) >= len(niks)

    wait_for(f"{len(niks)} cards to print", settled)
    engine = make_engine(d.url)
    try:
        with Session(engine) as s:
            # the demo's own history of handed-over cards is not part of this run
            jobs = s.exec(select(PrintJob).where(col(PrintJob.printer_id).in_(printer_ids))).all()
            states = {j.state for j in jobs}
            events = s.exec(select(CardPrintedEvent)).all()
            card_transactions = s.exec(
                select(func.count())
                .select_from(LedgerTransaction)
                .where(col(LedgerTransaction.kind) == TransactionKind.CARD)
            ).one()
    finally:
        engine.dispose()
    completed = [j for j in jobs if j.state == "completed"]
    assert len(completed) == len(niks) and len({j.resident_id for j in completed}) == len(
        niks
    )  # one card each
    # Any other job is a card a supervisor judged spoiled after the kill, and its reprint is among the completed.
    assert all(j.spoiled and j.state != "completed" for j in jobs if j.state != "completed"), states
    assert len(jobs) - len(completed) <= 2, states  # at most the killed worker's card in flight
    assert len(events) == len(niks) and len({e.event_key for e in events}) == len(niks)
    printed = sum(
        int(
            httpx.post(f"{a}/api/v1/printers/{p}/simulator", json={}, headers=supervisor).json()[
                "card_counter"
            ]
        )
        for p in printer_ids
    )
    assert printed == len(niks)  # no card came out of a printer twice
    assert card_transactions <= len(niks)
    wait_for("every card in the ledger", lambda: _ledger_cards(d) >= len(niks))
    assert _ledger_cards(d) == len(niks)  # and none twice
    subprocess.run([KTP, "billing", "verify"], env=d.env, check=True, stdout=subprocess.DEVNULL)
    month = max(e.completed_at for e in events).replace(tzinfo=UTC).astimezone(JAKARTA).strftime("%Y-%m")
    finance = _token(a, "finance")
    statement = httpx.get(f"{a}/api/v1/billing/periods/{month}/statement", headers=finance).json()
    assert statement["cards_billed"] == len(niks), statement


def _decide_like_a_supervisor(d: Deployment, base: str, supervisor: dict[str, str]) -> None:
    """For each job in needs-confirmation, look at its printer as a supervisor would: if the printer's
    counter shows more cards than its completed jobs, the card came out (printed); otherwise it did not
    (spoiled, which asks for a reprint). The printer is held meanwhile, so the counts do not move."""
    engine = make_engine(d.url)
    try:
        with Session(engine) as s:
            waiting = s.exec(select(PrintJob).where(col(PrintJob.state) == "needs-confirmation")).all()
            for job in waiting:
                done = s.exec(
                    select(func.count())
                    .select_from(PrintJob)
                    .where(col(PrintJob.state) == "completed", col(PrintJob.printer_id) == job.printer_id)
                ).one()
                r = httpx.post(
                    f"{base}/api/v1/printers/{job.printer_id}/simulator", json={}, headers=supervisor
                )
                came_out = int(r.json()["card_counter"]) > int(done)
                outcome = "printed" if came_out else "spoiled"
                r = httpx.post(
                    f"{base}/api/v1/print-jobs/{job.uuid}/confirm",
                    json={"outcome": outcome, "note": "dicek pada penghitung printer"},
                    headers=supervisor,
                )
                assert r.status_code == 200, r.text
                if not came_out:
                    r = httpx.post(f"{base}/api/v1/print-jobs/{job.uuid}/reprint", headers=supervisor)
                    assert r.status_code == 201, r.text
    finally:
        engine.dispose()


def _count(d: Deployment, query: Any) -> int:
    engine = make_engine(d.url)
    try:
        with Session(engine) as s:
            return int(s.exec(query).one())
    finally:
        engine.dispose()


def _completed(d: Deployment, printers: list[int]) -> int:
    return _count(
        d,
        select(func.count())
        .select_from(PrintJob)
        .where(col(PrintJob.state) == "completed", col(PrintJob.printer_id).in_(printers)),
    )


def _ledger_cards(d: Deployment) -> int:
    return _count(
        d,
        select(func.count())
        .select_from(LedgerTransaction)
        .where(col(LedgerTransaction.kind) == TransactionKind.CARD),
    )
