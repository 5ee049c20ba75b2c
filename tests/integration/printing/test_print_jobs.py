"""A card from a clerk's request to a completed job with its billable event, through a simulated printer:
faults, reprints, second cards, idempotency and refusals. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter as Tally
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, col, select, update

from ktp_service.models import Card, PrintJob, StockMovement
from tests.factories import resident_payload
from tests.integration.printing.conftest import CLERK, SUPERVISOR, Counter, add_printer, add_resident


def _stock(counter: Counter) -> int:
    r = counter.client.get("/api/v1/offices/33.14.01/stock", headers=counter.as_user(CLERK))
    return int(r.json()["balance"])


def test_card_goes_from_request_to_completed_with_one_billable_event(counter: Counter) -> None:
    r = counter.print_card()
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["state"] == "pending" and job["card_serial"].startswith("KTP-3314-")
    counter.worker.run_once()
    done = counter.job(job["id"])
    assert done["state"] == "completed", done
    assert done["template_id"] == "ktp-front-sragen" and len(done["document_sha256"]) == 64
    assert done["tanggal_terbit"] is not None and done["completed_at"] is not None
    # the card is valid, one blank card was used, one billable event waits in the outbox
    with Session(counter.world.engine) as s:
        cards = list(s.exec(select(Card)))
    assert [(c.serial, c.valid) for c in cards] == [(job["card_serial"], True)]
    assert _stock(counter) == 99
    events = counter.outbox()
    assert [(e.card_serial, e.reason, e.nik, e.office_code) for e in events] == [
        (job["card_serial"], "baru", counter.nik, "33.14.01")
    ]
    # another pass finds nothing more to do: a completion is recorded once
    counter.worker.run_once()
    assert len(counter.outbox()) == 1 and _stock(counter) == 99
    info = counter.simulate()
    assert info["card_counter"] == 1


def test_jam_mid_card_spoils_it_and_a_reprint_completes(counter: Counter) -> None:
    spoiled, slow = counter.jam_a_card()
    job = spoiled
    assert spoiled["state"] == "aborted" and spoiled["spoiled"] is True
    assert any(r.startswith("media-jam") for r in spoiled["state_reasons"])
    assert any("macet" in a for a in spoiled["advice"])  # the clerk is told what to do, in Indonesian
    assert counter.outbox() == [] and _stock(counter) == 99  # consumed, not billed

    counter.client.post(
        f"/api/v1/printers/{slow}/simulator", json={"clear": ["all"]}, headers=counter.as_user(SUPERVISOR)
    )
    r = counter.client.post(f"/api/v1/print-jobs/{job['id']}/reprint", headers=counter.as_user(CLERK))
    assert r.status_code == 201, r.text
    again = r.json()
    assert again["reprint_of"] == job["id"] and again["is_fault_reprint"] is True
    assert (
        counter.client.post(
            f"/api/v1/print-jobs/{job['id']}/reprint", headers=counter.as_user(CLERK)
        ).status_code
        == 409
    )
    with Session(counter.world.engine) as s:  # a fast printer this time
        s.exec(
            update(PrintJob).where(col(PrintJob.uuid) == again["id"]).values(printer_id=counter.printer_id)
        )
        s.commit()
    counter.worker.run_once()
    assert counter.job(again["id"])["state"] == "completed"
    events = counter.outbox()
    assert len(events) == 1 and events[0].is_fault_reprint is True
    assert _stock(counter) == 98
    with Session(counter.world.engine) as s:
        kinds = sorted(m.kind for m in s.exec(select(StockMovement)) if m.quantity < 0)
    assert kinds == ["printed", "spoiled"]


def test_offline_printer_is_retried_then_completes(counter: Counter) -> None:
    counter.simulate(set=["offline"])
    job = counter.print_card().json()
    counter.worker.run_once()
    waiting = counter.job(job["id"])
    assert waiting["state"] == "pending" and "offline-report" in waiting["state_reasons"]
    assert "belum siap (Offline)" in waiting["message"] and waiting["attempts"] == 1
    assert waiting["next_attempt_at"] is not None
    assert any("tidak terhubung" in a for a in waiting["advice"])
    counter.worker.run_once()
    assert counter.job(job["id"])["attempts"] == 1  # backoff: not before its time while still offline
    # The printer says it is well again (its status asked by the simulator panel): due now, no stale back-off.
    counter.simulate(clear=["offline"])
    assert counter.job(job["id"])["message"] == "Printer Evolis-1 siap kembali; kartu segera dikirim."
    counter.worker.run_once()
    assert counter.job(job["id"])["state"] == "completed"
    assert len(counter.outbox()) == 1


def test_fault_before_printing_keeps_the_job_waiting(counter: Counter) -> None:
    counter.simulate(set=["ribbon-out"])
    job = counter.print_card().json()
    counter.worker.run_once()
    waiting = counter.job(job["id"])
    assert waiting["state"] == "pending" and any(
        r.startswith("marker-supply-empty") for r in waiting["state_reasons"]
    )
    assert any("Pita" in a for a in waiting["advice"])
    assert _stock(counter) == 100  # nothing left the feeder


def test_second_card_needs_reason_and_supervisor_approval(counter: Counter) -> None:
    first = counter.print_card().json()
    counter.worker.run_once()
    r = counter.print_card("baru")
    assert r.status_code == 409 and r.json()["error"] == "valid_card_exists"
    r = counter.print_card("hilang")
    assert r.status_code == 201
    held = r.json()
    assert held["state"] == "pending-held" and held["requires_approval"] is True
    counter.worker.run_once()
    assert counter.job(held["id"])["state"] == "pending-held"  # never printed before approval
    assert (
        counter.client.post(
            f"/api/v1/print-jobs/{held['id']}/approve", json={}, headers=counter.as_user(CLERK)
        ).status_code
        == 403
    )
    r = counter.client.post(
        f"/api/v1/print-jobs/{held['id']}/approve",
        json={"note": "laporan polisi ada"},
        headers=counter.as_user(SUPERVISOR),
    )
    assert r.status_code == 200 and r.json()["approved_by"] == SUPERVISOR
    counter.worker.run_once()
    assert counter.job(held["id"])["state"] == "completed"
    with Session(counter.world.engine) as s:
        cards = {c.serial: c for c in s.exec(select(Card))}
    assert cards[first["card_serial"]].valid is False
    assert cards[first["card_serial"]].replaced_by_id == cards[held["card_serial"]].id
    assert cards[held["card_serial"]].valid is True
    assert [e.reason for e in counter.outbox()] == ["baru", "hilang"]


def test_supervisor_cannot_approve_own_request_and_can_refuse(counter: Counter) -> None:
    counter.print_card()
    counter.worker.run_once()
    own = counter.print_card("rusak", user=SUPERVISOR).json()
    r = counter.client.post(
        f"/api/v1/print-jobs/{own['id']}/approve", json={}, headers=counter.as_user(SUPERVISOR)
    )
    assert r.status_code == 403 and "another supervisor" in r.json()["message"]
    r = counter.client.post(
        f"/api/v1/print-jobs/{own['id']}/refuse",
        json={"note": "data belum lengkap"},
        headers=counter.as_user(SUPERVISOR),
    )
    assert r.json()["state"] == "canceled"


def test_cancel_before_printing(counter: Counter) -> None:
    job = counter.print_card().json()
    r = counter.client.post(f"/api/v1/print-jobs/{job['id']}/cancel", headers=counter.as_user(CLERK))
    assert r.json()["state"] == "canceled"
    counter.worker.run_once()
    assert counter.job(job["id"])["state"] == "canceled"
    assert counter.outbox() == [] and _stock(counter) == 100


def test_idempotency_key(counter: Counter) -> None:
    first = counter.print_card(**{"Idempotency-Key": "loket-3-0001"})
    again = counter.print_card(**{"Idempotency-Key": "loket-3-0001"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    other = counter.print_card("hilang", **{"Idempotency-Key": "loket-3-0001"})
    assert other.status_code == 409 and "different request" in other.json()["message"]
    assert len(counter.jobs()) == 1


def test_many_concurrent_requests_for_one_nik_make_one_job(counter: Counter) -> None:
    n = 50
    barrier = threading.Barrier(10)
    headers = counter.as_user(CLERK)

    def ask(_: int) -> int:
        barrier.wait(timeout=30)  # waves of ten requests released together
        return counter.client.post(
            "/api/v1/print-jobs",
            json={"nik": counter.nik, "printer_id": counter.printer_id, "reason": "baru"},
            headers=headers,
        ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = Tally(pool.map(ask, range(n)))
    assert statuses == {201: 1, 409: n - 1}
    assert len(counter.jobs()) == 1


def test_refusals_create_nothing_and_consume_nothing(counter: Counter) -> None:
    other_office = add_printer(counter.client, counter.as_user, "Plupuh-1", office="33.14.02")
    pdf_only = add_printer(counter.client, counter.as_user, "PdfOnly", formats=["application/pdf"])
    # the formats come from the printer's last poll
    counter.client.post(f"/api/v1/printers/{pdf_only}/status", headers=counter.as_user(SUPERVISOR))
    no_photo = counter.client.post(
        "/api/v1/residents",
        json=resident_payload(serial=4321),
        headers=counter.as_user(CLERK),
    ).json()["nik"]
    long_address = add_resident(
        counter.client, counter.as_user, serial=4322, alamat="JL. " + "PANJANG SEKALI " * 7
    )
    cases = [
        ({"nik": counter.nik, "printer_id": 999999, "reason": "baru"}, 404, "No printer"),
        (
            {"nik": counter.nik, "printer_id": other_office, "reason": "baru"},
            404,
            "not a printer of your office",
        ),
        ({"nik": counter.nik, "printer_id": pdf_only, "reason": "baru"}, 422, "does not accept image/png"),
        ({"nik": no_photo, "printer_id": counter.printer_id, "reason": "baru"}, 422, "no photo"),
        ({"nik": long_address, "printer_id": counter.printer_id, "reason": "baru"}, 422, "alamat"),
        ({"nik": counter.nik, "printer_id": counter.printer_id, "reason": "hadiah"}, 422, "reason"),
    ]
    for body, status, words in cases:
        r = counter.client.post("/api/v1/print-jobs", json=body, headers=counter.as_user(CLERK))
        assert r.status_code == status, (body, r.text)
        assert words in r.text, (words, r.text)
    assert counter.jobs() == [] and _stock(counter) == 100


def test_printer_registry_shows_state_supplies_and_counter(counter: Counter) -> None:
    counter.simulate(set=["ribbon-low"])
    r = counter.client.post(
        f"/api/v1/printers/{counter.printer_id}/status", headers=counter.as_user(SUPERVISOR)
    )
    p = r.json()
    assert any(x.startswith("marker-supply-low") for x in p["state_reasons"])
    assert any("hampir habis" in a for a in p["advice"]) and p["card_counter"] == 0
    r = counter.client.post(
        f"/api/v1/printers/{counter.printer_id}/counter-readings",
        json={"value": 1234, "note": "panel"},
        headers=counter.as_user(SUPERVISOR),
    )
    assert r.status_code == 201
    readings = counter.client.get(
        f"/api/v1/printers/{counter.printer_id}/counter-readings", headers=counter.as_user(CLERK)
    ).json()
    assert [(x["value"], x["source"]) for x in readings][0] == (1234, "manual")
    listed = counter.client.get("/api/v1/printers", headers=counter.as_user(CLERK)).json()
    assert [x["name"] for x in listed] == ["Evolis-1"]
