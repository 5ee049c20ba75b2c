"""Jam recovery (issue 12): a job held by its printer's fault prints again as soon as the printer is ready
(no stale back-off), can be tried now, moved to another ready printer of the office, or reprinted there;
printing with no ready printer says so. The worker is driven pass by pass except where its waking is the
point (a running worker with a long idle wait, in this process and, on PostgreSQL, in another)."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session, select

from ktp_service import wakeups
from ktp_service.models import AuditEvent, Printer, PrintJob
from ktp_service.services import printers
from ktp_service.status_poller import StatusPoller
from ktp_service.worker import PrintWorker
from tests.integration.printing.conftest import CLERK, SUPERVISOR, Counter, add_printer, add_resident
from tests.integration.printing.test_crash import KTP, wait_for
from tests.integration.web.test_pages import _csrf, login


def _row(counter: Counter, job_id: str) -> PrintJob:
    with Session(counter.world.engine) as s:
        job = s.exec(select(PrintJob).where(PrintJob.uuid == job_id)).one()
        s.expunge(job)
        return job


def _audit(counter: Counter, action: str) -> list[AuditEvent]:
    with Session(counter.world.engine) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _at_the_printer(counter: Counter, printer_id: int) -> printers.SimulatorControl:
    """The simulator's own panel: a person at the printer, unseen by the service until it asks."""
    with Session(counter.world.engine) as s:
        printer = s.get(Printer, printer_id)
        assert printer is not None
        return printers.simulator_control(printer, counter.settings)


def _checked(counter: Counter, printer_id: int) -> dict[str, Any]:
    r = counter.client.post(f"/api/v1/printers/{printer_id}/status", headers=counter.as_user(SUPERVISOR))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _held_by_a_jam(counter: Counter) -> dict[str, Any]:
    """A job tried once on the jammed Evolis-1 and waiting out its back-off."""
    counter.simulate(set=["jam"])
    job = counter.print_card().json()
    counter.worker.run_once()
    waiting = counter.job(job["id"])
    assert waiting["state"] == "pending" and waiting["state_reasons"] == ["media-jam-error"]
    assert waiting["next_attempt_at"] is not None and waiting["attempts"] == 1
    return waiting


def _poller(counter: Counter) -> StatusPoller:
    return StatusPoller(counter.world.engine, counter.client.app.state.adapters, 60)  # type: ignore[attr-defined]


def test_a_jam_cleared_at_the_printer_wakes_the_job_on_the_next_busy_poll(counter: Counter) -> None:
    waiting = _held_by_a_jam(counter)
    assert "Printer Evolis-1 belum siap (Macet)" in waiting["message"]
    assert waiting["advice"] == [
        "Kartu macet: buka penutup printer, keluarkan kartu yang macet, lalu tutup kembali."
    ]
    assert "Semua printer kantor ini sedang bermasalah: Evolis-1 (macet)" in waiting["warning"]

    _at_the_printer(counter, counter.printer_id).clear_fault("jam")
    counter.worker.run_once()
    assert counter.job(waiting["id"])["attempts"] == 1, "nobody has asked the printer yet: still backing off"

    _poller(counter).poll_busy()
    woken = counter.job(waiting["id"])
    assert woken["state_reasons"] == [] and woken["warning"] is None
    assert woken["message"] == "Printer Evolis-1 siap kembali; kartu segera dikirim."
    counter.worker.run_once()  # due now: its back-off is forgotten
    assert counter.job(waiting["id"])["state"] == "completed"


def test_the_busy_poll_asks_only_printers_with_work(counter: Counter) -> None:
    idle = add_printer(counter.client, counter.as_user, "Idle-2")
    _held_by_a_jam(counter)
    _poller(counter).poll_busy()
    with Session(counter.world.engine) as s:
        asked = {p.name: p.status_at is not None for p in s.exec(select(Printer))}
    assert asked["Evolis-1"] is True
    assert asked["Idle-2"] is False, f"printer {idle} has no job and waits for the full poll"


def test_try_now_makes_the_job_due_and_says_what_the_printer_says(counter: Counter) -> None:
    waiting = _held_by_a_jam(counter)
    r = counter.client.post(f"/api/v1/print-jobs/{waiting['id']}/retry", headers=counter.as_user(CLERK))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["message"] == "Dicoba sekarang atas permintaan petugas."
    assert body["state_reasons"] == ["media-jam-error"]  # still jammed: what holds it stays
    assert "Evolis-1 (macet)" in body["warning"]
    assert [e.entity_id for e in _audit(counter, "print_job.try_now")] == [waiting["id"]]
    counter.worker.run_once()
    assert counter.job(waiting["id"])["attempts"] == 2  # tried at once, and held again by the jam

    # Through the console: the answer names the printer and what is wrong with it.
    login(counter.client, CLERK)
    token = _csrf(counter.client, f"/jobs/{waiting['id']}")
    page = counter.client.post(
        f"/jobs/{waiting['id']}/retry", data={"csrf_token": token}, follow_redirects=True
    ).text
    assert "Printer Evolis-1 masih bermasalah (macet); kartu dicetak otomatis begitu printer siap." in page

    _at_the_printer(counter, counter.printer_id).clear_fault("jam")
    page = counter.client.post(
        f"/jobs/{waiting['id']}/retry", data={"csrf_token": token}, follow_redirects=True
    ).text
    assert "Printer Evolis-1 siap: kartu dikirim sekarang." in page
    counter.worker.run_once()
    assert counter.job(waiting["id"])["state"] == "completed"
    r = counter.client.post(f"/api/v1/print-jobs/{waiting['id']}/retry", headers=counter.as_user(CLERK))
    assert r.status_code == 409 and r.json()["error"] == "job_not_waiting"


def test_a_held_job_moves_to_another_ready_printer_of_the_office(counter: Counter) -> None:
    spare = add_printer(counter.client, counter.as_user, "Spare-1")
    jammed = add_printer(counter.client, counter.as_user, "Jammed-2")
    elsewhere = add_printer(counter.client, counter.as_user, "Gemolong-1", office="33.14.02")
    counter.client.post(
        f"/api/v1/printers/{jammed}/simulator", json={"set": ["jam"]}, headers=counter.as_user(SUPERVISOR)
    )
    _checked(counter, spare)
    waiting = _held_by_a_jam(counter)

    def move(printer_id: int) -> Any:
        return counter.client.post(
            f"/api/v1/print-jobs/{waiting['id']}/move",
            json={"printer_id": printer_id},
            headers=counter.as_user(CLERK),
        )

    r = move(counter.printer_id)
    assert r.status_code == 409 and r.json()["error"] == "job_already_on_printer"
    r = move(jammed)
    assert r.status_code == 409 and r.json()["error"] == "printer_not_ready"
    assert r.json()["message"] == "Printer Jammed-2 belum siap (Macet); pilih printer yang siap."
    assert move(elsewhere).status_code == 404  # a clerk sees only the printers of their office
    assert _row(counter, waiting["id"]).printer_id == counter.printer_id, "a refused move changes nothing"

    r = move(spare)
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["printer_id"] == spare and moved["state"] == "pending" and moved["state_reasons"] == []
    assert moved["next_attempt_at"] is None and moved["warning"] is None
    assert moved["message"] == "Dipindahkan dari printer Evolis-1 ke printer Spare-1."
    (event,) = _audit(counter, "print_job.move")
    assert event.detail == {"from_printer": "Evolis-1", "to_printer": "Spare-1"}
    counter.worker.run_once()
    done = counter.job(waiting["id"])
    assert done["state"] == "completed" and done["printer_id"] == spare
    assert counter.simulate()["card_counter"] == 0  # the jammed printer printed nothing
    r = move(counter.printer_id)
    assert r.status_code == 409 and r.json()["error"] == "job_not_movable"


def test_a_job_waiting_for_approval_can_move_and_still_waits(counter: Counter) -> None:
    spare = add_printer(counter.client, counter.as_user, "Spare-3")
    _checked(counter, spare)
    counter.print_card()
    counter.worker.run_once()
    held = counter.print_card("hilang").json()
    r = counter.client.post(
        f"/api/v1/print-jobs/{held['id']}/move", json={"printer_id": spare}, headers=counter.as_user(CLERK)
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "pending-held" and r.json()["message"] == "Menunggu persetujuan supervisor."


def test_a_spoiled_card_is_reprinted_on_another_ready_printer(counter: Counter) -> None:
    spoiled, _jammed = counter.jam_a_card()
    assert spoiled["spoiled"] is True
    unchecked = add_printer(counter.client, counter.as_user, "Unchecked-1")  # nobody asked it yet
    r = counter.client.post(
        f"/api/v1/print-jobs/{spoiled['id']}/reprint",
        json={"printer_id": unchecked},
        headers=counter.as_user(CLERK),
    )
    assert r.status_code == 409 and r.json()["error"] == "printer_not_ready"
    _checked(counter, counter.printer_id)
    r = counter.client.post(
        f"/api/v1/print-jobs/{spoiled['id']}/reprint",
        json={"printer_id": counter.printer_id},
        headers=counter.as_user(CLERK),
    )
    assert r.status_code == 201, r.text
    again = r.json()
    assert again["printer_id"] == counter.printer_id and again["reprint_of"] == spoiled["id"]
    counter.worker.run_once()
    assert counter.job(again["id"])["state"] == "completed"


def test_printing_with_no_ready_printer_queues_and_says_so(counter: Counter) -> None:
    counter.simulate(set=["jam"])
    r = counter.print_card(**{"Accept-Language": "en"})
    assert r.status_code == 201
    assert r.json()["warning"] == (
        "Every printer of this office has a problem: Evolis-1 (jammed). The card is queued and prints by "
        "itself once a printer is ready."
    )
    # The console: the form still sends (the troubled printer is chosen when none is ready) and the answer
    # names the printers and their states.
    second = add_resident(counter.client, counter.as_user, serial=31)
    login(counter.client, CLERK)
    page = counter.client.get(f"/residents/{second}").text
    assert f'value="{counter.printer_id}" required checked' in page
    token = _csrf(counter.client, f"/residents/{second}")
    page = counter.client.post(
        f"/residents/{second}/print",
        data={"csrf_token": token, "printer_id": str(counter.printer_id), "reason": "baru"},
        follow_redirects=True,
    ).text
    assert "Semua printer kantor ini sedang bermasalah: Evolis-1 (macet)." in page
    assert "Tertahan: printer macet" in page


@pytest.fixture
def running(counter: Counter) -> Iterator[PrintWorker]:
    """The counter's worker running in a thread with an idle wait far longer than any test waits."""
    thread = threading.Thread(target=counter.worker.run, kwargs={"idle_wait": 600}, daemon=True)
    thread.start()
    yield counter.worker
    counter.worker.stop()
    thread.join(timeout=30)


def test_a_running_worker_wakes_when_the_printer_is_ready_again(
    counter: Counter, running: PrintWorker
) -> None:
    counter.simulate(set=["jam"])
    job = counter.print_card().json()  # a new card rings the worker
    wait_for("the first attempt to be held", lambda: _tried_once(counter, job["id"]))
    counter.simulate(clear=["jam"])  # asked at once: ready, the job due and the worker rung
    wait_for("the card printed", lambda: _row(counter, job["id"]).state == "completed", timeout=30)


def test_a_bell_rings_only_after_commit(counter: Counter) -> None:
    bell = wakeups.subscribe(counter.world.engine)
    try:
        with Session(counter.world.engine) as s:
            wakeups.announce(s)
            s.rollback()
        assert bell.wait(0) is False
        with Session(counter.world.engine) as s:
            wakeups.announce(s)
            s.commit()
        assert bell.wait(0) is True
    finally:
        wakeups.unsubscribe(counter.world.engine, bell)


def _tried_once(counter: Counter, job_id: str) -> bool:
    job = _row(counter, job_id)
    return job.attempts == 1 and job.state == "pending" and job.next_attempt_at is not None


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_separate_worker_process_wakes_by_notify(counter: Counter) -> None:
    """``ktp worker`` in its own process, idle for 10 minutes at a time and with its own printer poll
    silenced: only PostgreSQL's NOTIFY from this process can wake it when the jam is cleared here."""
    counter.simulate(set=["jam"])
    job = counter.print_card().json()
    env = dict(
        os.environ,
        KTP_DATA_DIR=str(counter.settings.data_dir),
        KTP_DATABASE_URL=counter.settings.effective_database_url,
        KTP_LOG_LEVEL="WARNING",
        KTP_WORKER_IDLE_SECONDS="600",
        KTP_PRINTER_POLL_SECONDS="3600",
        KTP_PRINTER_BUSY_POLL_SECONDS="3600",
    )
    proc = subprocess.Popen([KTP, "worker", "--name", "notify-test"], env=env)
    try:
        wait_for("the first attempt to be held", lambda: _tried_once(counter, job["id"]))
        counter.simulate(clear=["jam"])
        wait_for("the card printed", lambda: _row(counter, job["id"]).state == "completed", timeout=60)
        assert _row(counter, job["id"]).claimed_by is not None
        assert str(_row(counter, job["id"]).claimed_by).startswith("notify-test@")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
