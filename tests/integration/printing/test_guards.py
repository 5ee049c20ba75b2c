"""Guards found by review: second cards that could slip past the rules, one printer's trouble stopping the
others, refused billing events holding up the rest, a month closing over cards still in flight."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, select, update

from ktp_service.billing_bridge import config_for, post_pending
from ktp_service.models import CardPrintedEvent, Printer, PrintJob
from ktp_service.services.billing import unposted_events
from ktp_service.worker import _completion_time
from printers.errors import PrinterError
from tests.integration.printing.conftest import CLERK, SUPERVISOR, Counter, add_printer, add_resident


def test_stale_reprint_is_refused_after_a_newer_card(counter: Counter) -> None:
    spoiled, _ = counter.jam_a_card()
    assert counter.job(spoiled["id"])["spoiled"] is True
    newer = counter.print_card().json()  # the clerk asks again instead of reprinting
    counter.worker.run_once()
    assert counter.job(newer["id"])["state"] == "completed"
    r = counter.client.post(f"/api/v1/print-jobs/{spoiled['id']}/reprint", headers=counter.as_user(CLERK))
    assert r.status_code == 409 and r.json()["error"] == "newer_request_exists"


def test_perpanjangan_of_a_lifetime_card_is_refused(counter: Counter) -> None:
    counter.print_card()
    counter.worker.run_once()
    r = counter.print_card("perpanjangan")
    assert r.status_code == 409 and "SEUMUR HIDUP" in r.json()["message"]


def test_one_printers_bad_answer_does_not_stop_the_others(counter: Counter) -> None:
    broken = add_printer(counter.client, counter.as_user, "Broken", speed=30)
    other_nik = counter.nik
    first = counter.client.post(
        "/api/v1/print-jobs",
        json={"nik": other_nik, "printer_id": broken, "reason": "baru"},
        headers=counter.as_user(CLERK),
    ).json()
    counter.worker.run_once()
    with Session(counter.world.engine) as s:
        adapter = counter.worker.adapters.get(_printer(s, broken))

    def fail(job_id: str) -> None:
        raise PrinterError("server-error-internal")

    adapter.job_status = fail  # type: ignore[method-assign]  # a printer answering with an IPP server error
    second_nik = add_resident(counter.client, counter.as_user, serial=8100)
    second = counter.client.post(
        "/api/v1/print-jobs",
        json={"nik": second_nik, "printer_id": counter.printer_id, "reason": "baru"},
        headers=counter.as_user(CLERK),
    ).json()
    result = counter.worker.run_once()
    assert counter.job(second["id"])["state"] == "completed"  # the healthy printer went on
    stuck = counter.job(first["id"])
    assert stuck["state"] == "processing" and "offline-report" in stuck["state_reasons"]
    assert result.errors == []


def _printer(session: Session, printer_id: int) -> Printer:
    printer = session.get(Printer, printer_id)
    assert printer is not None
    return printer


def test_refused_events_do_not_hold_up_later_ones(counter: Counter) -> None:
    counter.print_card()
    counter.worker.run_once()  # no contract yet: billing refuses the event
    with Session(counter.world.engine) as s:
        row = s.exec(select(CardPrintedEvent)).one()
        assert row.posted_at is None and row.attempts == 1 and "contract" in (row.last_error or "")
        # the refused row is not tried again before its time, so it cannot starve the rows behind it
        assert post_pending(s, config_for(counter.settings)) == 0
        s.commit()
        assert s.exec(select(CardPrintedEvent)).one().attempts == 1


def test_month_does_not_close_over_cards_in_flight(counter: Counter) -> None:
    counter.simulate(set=["offline"])
    job = counter.print_card().json()
    with Session(counter.world.engine) as s:  # a card sent to the printer on 31 October, outcome unknown
        s.exec(
            update(PrintJob)
            .where(col(PrintJob.uuid) == job["id"])
            .values(state="needs-confirmation", submit_started_at=datetime(2026, 10, 31, 10, tzinfo=UTC))
        )
        s.commit()
        assert unposted_events(s, "2026-10", config_for(counter.settings)) == 1
    r = counter.client.post("/api/v1/billing/periods/2026-10/close", headers=counter.as_user("finance"))
    assert r.status_code == 409
    # confirmed as printed, the card belongs to the day it was sent, not the day it was confirmed
    counter.client.post(
        f"/api/v1/print-jobs/{job['id']}/confirm",
        json={"outcome": "printed"},
        headers=counter.as_user(SUPERVISOR),
    )
    event = counter.outbox()[0]
    assert event.completed_at == datetime(2026, 10, 31, 10, tzinfo=UTC)


def test_printer_clock_cannot_move_a_card_out_of_its_time() -> None:
    job = PrintJob(
        uuid="x",
        resident_id=1,
        printer_id=1,
        office_id=1,
        reason="baru",
        state="processing",
        submit_started_at=datetime(2026, 11, 28, 2, 0, tzinfo=UTC),
    )
    assert _completion_time(job, datetime(2030, 1, 1, tzinfo=UTC)) <= datetime.now(UTC)
    assert _completion_time(job, datetime(2020, 1, 1, tzinfo=UTC)) == job.submit_started_at
