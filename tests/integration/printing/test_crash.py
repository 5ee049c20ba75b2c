"""Crash safety with a real worker process: killed mid-card (SIGKILL) or between handing the card to the
printer and recording it. After a restart the card is never printed twice and billed once at most."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from ktp_service.models import PrintJob
from ktp_service.worker import CRASH_AFTER_SUBMIT
from tests.integration.printing.conftest import SUPERVISOR, Counter, add_printer

KTP = str(Path(sys.executable).parent / "ktp")


def wait_for(what: str, condition: Callable[[], bool], timeout: float = 60) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        pause.wait(0.05)


@pytest.fixture
def spawn(counter: Counter) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    env = dict(
        os.environ,
        KTP_DATA_DIR=str(counter.settings.data_dir),
        KTP_DATABASE_URL=counter.settings.effective_database_url,
        KTP_LOG_LEVEL="WARNING",
    )

    def start(*, crash_after_submit: bool = False) -> subprocess.Popen[bytes]:
        extra = {CRASH_AFTER_SUBMIT: "1"} if crash_after_submit else {}
        proc = subprocess.Popen([KTP, "worker", "--name", "counter-3"], env=env | extra)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def _job(counter: Counter, job_uuid: str) -> PrintJob:
    with Session(counter.world.engine) as s:
        job = s.exec(select(PrintJob).where(PrintJob.uuid == job_uuid)).one()
        s.expunge(job)
        return job


def _printed(counter: Counter, printer_id: int) -> int:
    r = counter.client.post(
        f"/api/v1/printers/{printer_id}/simulator", json={}, headers=counter.as_user(SUPERVISOR)
    )
    return int(r.json()["card_counter"])


def test_sigkill_mid_card_then_restart_prints_once(
    counter: Counter, spawn: Callable[..., subprocess.Popen[bytes]]
) -> None:
    slow = add_printer(counter.client, counter.as_user, "Slow-1", speed=2)
    r = counter.client.post(
        "/api/v1/print-jobs",
        json={"nik": counter.nik, "printer_id": slow, "reason": "baru"},
        headers=counter.as_user("kalijambe.clerk"),
    )
    job_id = r.json()["id"]
    first = spawn()
    wait_for("the card to reach the printer", lambda: _job(counter, job_id).printer_job_id is not None)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    killed = _job(counter, job_id)
    assert killed.state == "processing" and str(killed.claimed_by).startswith("counter-3@")

    spawn()  # the same worker, restarted: the same identity, so no lease to wait out
    wait_for("the job to complete", lambda: _job(counter, job_id).state == "completed")
    assert _job(counter, job_id).claimed_by == killed.claimed_by
    assert _printed(counter, slow) == 1
    assert len(counter.outbox()) == 1


def test_crash_between_submit_and_record_waits_for_a_person(
    counter: Counter, spawn: Callable[..., subprocess.Popen[bytes]]
) -> None:
    job_id = counter.print_card().json()["id"]
    crashed = spawn(crash_after_submit=True)
    assert crashed.wait(timeout=60) == 137
    left = _job(counter, job_id)
    assert left.state == "processing" and left.submit_started_at is not None and left.printer_job_id is None
    assert _printed(counter, counter.printer_id) == 1  # the printer did print it

    spawn()
    wait_for("needs-confirmation", lambda: _job(counter, job_id).state == "needs-confirmation")
    assert _printed(counter, counter.printer_id) == 1  # never resent automatically
    assert counter.outbox() == []
    r = counter.client.post(
        f"/api/v1/print-jobs/{job_id}/confirm",
        json={"outcome": "printed", "note": "kartu ada di wadah"},
        headers=counter.as_user(SUPERVISOR),
    )
    assert r.status_code == 200 and r.json()["state"] == "completed"
    assert len(counter.outbox()) == 1 and _printed(counter, counter.printer_id) == 1
