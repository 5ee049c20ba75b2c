"""Issue 10, finding 5: worker identities stable across restarts and a short heartbeat lease. Driven pass by
pass with an injected clock: a silent worker's jobs are taken over after the lease and never before; a
card it was sending goes to needs-confirmation (never resent); a restart with the same identity resumes its
own jobs at once; two live workers never share an identity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from ktp_service.billing_bridge import poster
from ktp_service.models import PrintJob, WorkerSlot
from ktp_service.services import printers
from ktp_service.worker import PrintWorker
from printers.simulator import SimulatorPrinter
from tests.integration.printing.conftest import CLERK, Counter, add_printer


class Crash(BaseException):
    """The process dies here (no ``except Exception`` in the worker catches it)."""


def _worker(counter: Counter, name: str, clock: Callable[[], datetime] | None = None) -> PrintWorker:
    return PrintWorker(
        counter.world.engine,
        counter.settings,
        name=name,
        adapters=printers.AdapterCache(counter.settings),
        post_events=poster(counter.settings),
        **({"clock": clock} if clock else {}),
    )


def _job(counter: Counter, job_id: str) -> PrintJob:
    with Session(counter.world.engine) as s:
        return s.exec(select(PrintJob).where(PrintJob.uuid == job_id)).one()


def _heartbeat_of(counter: Counter, worker: PrintWorker) -> datetime:
    with Session(counter.world.engine) as s:
        slot = s.exec(select(WorkerSlot).where(WorkerSlot.identity == worker.name)).one()
        assert slot.heartbeat_at is not None
        return slot.heartbeat_at


def _slow_job(counter: Counter) -> tuple[int, str]:
    slow = add_printer(counter.client, counter.as_user, "Slow-1", speed=3600)  # stays at the printer
    r = counter.client.post(
        "/api/v1/print-jobs",
        json={"nik": counter.nik, "printer_id": slow, "reason": "baru"},
        headers=counter.as_user(CLERK),
    )
    assert r.status_code == 201, r.text
    return slow, r.json()["id"]


def _printed(counter: Counter, printer_id: int) -> int:
    r = counter.client.post(
        f"/api/v1/printers/{printer_id}/simulator", json={}, headers=counter.as_user("kalijambe.supervisor")
    )
    return int(r.json()["card_counter"])


def test_a_silent_workers_jobs_are_taken_over_after_the_lease_never_before(counter: Counter) -> None:
    slow, job_id = _slow_job(counter)
    first = _worker(counter, "desk")
    first.run_once()  # claims, sends; then stops heartbeating (killed, host down)
    sent = _job(counter, job_id)
    assert sent.state == "processing" and sent.printer_job_id and sent.claimed_by == first.name
    last_beat = _heartbeat_of(counter, first)
    now = [last_beat + timedelta(seconds=29)]
    central = _worker(counter, "central", clock=lambda: now[0])
    central.run_once()
    assert _job(counter, job_id).claimed_by == first.name  # 29 s of silence: still the first's
    now[0] = last_beat + timedelta(seconds=31)
    central.run_once()
    taken = _job(counter, job_id)
    assert taken.claimed_by == central.name and taken.state == "processing"
    r = counter.client.post(f"/api/v1/print-jobs/{job_id}/cancel", headers=counter.as_user(CLERK))
    assert r.status_code in (200, 202), r.text
    central.run_once()  # the new owner follows the card at the printer
    assert _job(counter, job_id).state == "canceled"
    assert _printed(counter, slow) == 1  # sent once, by the first worker


def test_a_card_being_sent_when_its_worker_went_silent_needs_confirmation(
    counter: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow, job_id = _slow_job(counter)
    first = _worker(counter, "desk")

    def die(*_: object, **__: object) -> None:
        raise Crash

    monkeypatch.setattr(SimulatorPrinter, "_submit", die)
    with pytest.raises(Crash):
        first.run_once()
    monkeypatch.undo()
    left = _job(counter, job_id)
    assert left.state == "processing" and left.submit_started_at is not None and left.printer_job_id is None
    last_beat = _heartbeat_of(counter, first)
    now = [last_beat + timedelta(seconds=29)]
    central = _worker(counter, "central", clock=lambda: now[0])
    central.run_once()
    assert _job(counter, job_id).state == "processing"
    now[0] = last_beat + timedelta(seconds=31)
    central.run_once()
    central.run_once()
    assert _job(counter, job_id).state == "needs-confirmation"
    assert _printed(counter, slow) == 0  # never resent


def test_a_restart_with_the_same_identity_resumes_its_own_jobs_at_once(counter: Counter) -> None:
    _, job_id = _slow_job(counter)
    first = _worker(counter, "desk")
    first.run_once()
    assert first.identity is not None
    first.identity.abandon()  # killed: the slot is still marked held, its heartbeat still fresh
    restarted = _worker(counter, "desk")
    central = _worker(counter, "central")
    central.run_once()
    assert _job(counter, job_id).claimed_by == first.name  # another worker waits for the lease
    restarted.run_once()
    assert restarted.name == first.name  # the same identity, no waiting
    r = counter.client.post(f"/api/v1/print-jobs/{job_id}/cancel", headers=counter.as_user(CLERK))
    assert r.status_code in (200, 202), r.text
    restarted.run_once()
    assert _job(counter, job_id).state == "canceled"


def test_two_live_workers_never_share_an_identity_and_a_clean_stop_frees_the_slot(counter: Counter) -> None:
    one, two = _worker(counter, "desk"), _worker(counter, "desk")
    one.run_once()
    two.run_once()
    assert one.name.startswith("desk@") and one.name.endswith("#0") and two.name.endswith("#1")
    one.release()
    three = _worker(counter, "desk")
    three.run_once()
    assert three.name.endswith("#0")


def test_a_worker_taken_for_dead_changes_nothing_it_no_longer_holds(counter: Counter) -> None:
    _, job_id = _slow_job(counter)
    first = _worker(counter, "desk")
    first.run_once()
    last_beat = _heartbeat_of(counter, first)
    central = _worker(counter, "central", clock=lambda: last_beat + timedelta(seconds=31))
    central.run_once()  # takes the job over
    assert first.identity is not None
    first.identity.abandon()
    claimer = _worker(counter, "desk", clock=lambda: last_beat + timedelta(seconds=31))
    claimer.run_once()  # the silent slot is free: the same name, another process
    # The first wakes up (it was only paused), still believing it holds the slot.
    r = counter.client.post(f"/api/v1/print-jobs/{job_id}/cancel", headers=counter.as_user(CLERK))
    assert r.status_code in (200, 202), r.text
    first.run_once()  # every write checks the slot: nothing is written about the job
    job = _job(counter, job_id)
    assert job.claimed_by == central.name and job.state == "processing"
    first.heartbeat(force=True)  # finds its slot gone: claims another identity
    assert first.name not in (claimer.name, central.name)
