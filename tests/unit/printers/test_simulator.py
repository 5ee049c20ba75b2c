"""The simulated card printer: time-based printing, supplies, and every fault it can be told to have.

A fake clock drives time, so nothing here sleeps; the printer computes progress from submission times.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from printers.base import JobState, PrinterState
from printers.errors import (
    AdapterConfigInvalid,
    FormatNotSupported,
    JobNotFound,
    PrinterFault,
    PrinterUnavailable,
)
from printers.registry import create_adapter
from printers.simulator import FAULTS, KEEP_FINISHED_JOBS, SimulatorControl, SimulatorPrinter, control_for

CARD = b"\x89PNG card"
_counter = iter(range(10**6))


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def name() -> Iterator[str]:
    """A fresh printer name in the in-process bank, forgotten afterwards."""
    printer_name = f"sim-{next(_counter)}"
    yield printer_name
    SimulatorControl(printer_name).reset()


def make(name: str, clock: Clock, **settings: object) -> SimulatorPrinter:
    return SimulatorPrinter(name, clock=clock, **settings)  # type: ignore[arg-type]


def submit(printer: SimulatorPrinter, job_name: str = "card") -> str:
    return printer.submit(CARD, document_format="image/png", job_name=job_name).job_id


# -- printing ------------------------------------------------------------------------------------------
def test_with_speed_zero_a_card_completes_when_submitted(name: str, clock: Clock) -> None:
    printer = make(name, clock)
    job = printer.submit(CARD, document_format="image/png", job_name="ktp-1")
    assert job.state is JobState.COMPLETED
    status = printer.job_status(job.job_id)
    assert status.state is JobState.COMPLETED
    assert status.has_reason("job-completed-successfully")
    assert status.completed_at is not None and status.completed_at.timestamp() == clock.now
    assert printer.status().card_counter == 1


def test_cards_print_one_after_the_other_at_the_configured_speed(name: str, clock: Clock) -> None:
    printer = make(name, clock, speed=3.0)
    first, second = submit(printer, "a"), submit(printer, "b")
    assert printer.job_status(first).state is JobState.PROCESSING
    assert printer.job_status(second).state is JobState.PENDING
    assert printer.status().state is PrinterState.PROCESSING

    clock.tick(2.9)
    assert printer.job_status(first).state is JobState.PROCESSING
    clock.tick(0.1)
    assert printer.job_status(first).state is JobState.COMPLETED
    assert printer.job_status(second).state is JobState.PROCESSING
    clock.tick(3.0)
    assert printer.job_status(second).state is JobState.COMPLETED
    assert printer.job_status(second).completed_at.timestamp() == clock.now  # type: ignore[union-attr]
    status = printer.status()
    assert (status.state, status.card_counter) == (PrinterState.IDLE, 2)


def test_an_idle_printer_starts_a_new_card_when_it_arrives(name: str, clock: Clock) -> None:
    printer = make(name, clock, speed=2.0)
    submit(printer)
    clock.tick(100)
    later = submit(printer)
    clock.tick(1.9)
    assert printer.job_status(later).state is JobState.PROCESSING


def test_unsupported_format_is_refused(name: str, clock: Clock) -> None:
    printer = make(name, clock, formats=("image/png",))
    with pytest.raises(FormatNotSupported):
        printer.submit(b"%PDF", document_format="application/pdf", job_name="x")
    assert printer.status().card_counter == 0


def test_unknown_job_cannot_be_told(name: str, clock: Clock) -> None:
    printer = make(name, clock)
    with pytest.raises(JobNotFound):
        printer.job_status("999")
    with pytest.raises(JobNotFound):
        printer.cancel("999")


# -- faults --------------------------------------------------------------------------------------------
def test_a_jam_mid_card_aborts_that_job_spoils_the_card_and_stops_the_printer(
    name: str, clock: Clock
) -> None:
    printer = make(name, clock, speed=3.0)
    printing, waiting = submit(printer, "a"), submit(printer, "b")
    clock.tick(1)
    printer.control.set_fault("jam")

    jammed = printer.job_status(printing)
    assert jammed.state is JobState.ABORTED
    assert jammed.has_reason("media-jam") and jammed.has_reason("aborted-by-system")
    assert printer.job_status(waiting).state is JobState.PENDING
    assert printer.job_status(waiting).has_reason("printer-stopped")
    status = printer.status()
    assert status.state is PrinterState.STOPPED
    assert status.state_reasons == ("media-jam-error",)
    assert status.card_counter == 1  # the spoiled card went through the printer
    assert printer.control.info().spoiled == 1
    with pytest.raises(PrinterFault) as refused:
        submit(printer)
    assert refused.value.reasons == ("media-jam-error",)

    clock.tick(60)  # nothing moves while jammed
    assert printer.job_status(waiting).state is JobState.PENDING
    printer.control.clear_fault("jam")
    assert printer.job_status(waiting).state is JobState.PROCESSING
    clock.tick(3)
    assert printer.job_status(waiting).state is JobState.COMPLETED
    assert printer.status().card_counter == 2


def test_a_jam_while_idle_affects_no_job_but_refuses_the_next(name: str, clock: Clock) -> None:
    printer = make(name, clock)
    done = submit(printer)
    printer.control.set_fault("jam")
    assert printer.job_status(done).state is JobState.COMPLETED
    with pytest.raises(PrinterFault):
        submit(printer)
    assert printer.status().card_counter == 1


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("ribbon-out", "marker-supply-empty-error"),
        ("feeder-empty", "media-empty-error"),
        ("cover-open", "cover-open-error"),
        ("output-full", "output-area-full-error"),
    ],
)
def test_a_stopping_fault_holds_the_card_mid_print_until_cleared(
    name: str, clock: Clock, fault: str, reason: str
) -> None:
    printer = make(name, clock, speed=3.0)
    job = submit(printer)
    clock.tick(2)
    printer.control.set_fault(fault)

    held = printer.job_status(job)
    assert held.state is JobState.PROCESSING_STOPPED
    assert held.state_reasons == ("printer-stopped", reason)
    status = printer.status()
    assert (status.state, status.state_reasons, status.card_counter) == (PrinterState.STOPPED, (reason,), 0)
    with pytest.raises(PrinterFault) as refused:
        submit(printer)
    assert refused.value.reasons == (reason,)

    clock.tick(30)
    printer.control.clear_fault(fault)
    assert printer.job_status(job).state is JobState.PROCESSING  # the card restarts
    clock.tick(3)
    assert printer.job_status(job).state is JobState.COMPLETED
    assert printer.status().state_reasons == ()


def test_ribbon_low_is_only_a_warning(name: str, clock: Clock) -> None:
    printer = make(name, clock)
    printer.control.set_fault("ribbon-low")
    status = printer.status()
    assert (status.state, status.state_reasons, status.errors) == (
        PrinterState.IDLE,
        ("marker-supply-low-warning",),
        (),
    )
    assert printer.job_status(submit(printer)).state is JobState.COMPLETED


def test_offline_makes_every_call_unavailable_while_printing_goes_on(name: str, clock: Clock) -> None:
    printer = make(name, clock, speed=3.0)
    job = submit(printer)
    printer.control.set_fault("offline")
    for call in (
        printer.status,
        printer.capabilities,
        lambda: printer.job_status(job),
        lambda: printer.cancel(job),
        lambda: submit(printer),
    ):
        with pytest.raises(PrinterUnavailable) as unavailable:
            call()
        assert unavailable.value.reasons == ("offline-report",)
    clock.tick(3)
    assert printer.control.info().card_counter == 1  # the operator panel still works
    printer.control.clear_fault("offline")
    assert printer.job_status(job).state is JobState.COMPLETED


def test_clear_without_a_name_clears_every_fault(name: str, clock: Clock) -> None:
    printer = make(name, clock)
    for fault in FAULTS:
        printer.control.set_fault(fault)
    assert set(printer.control.info().faults) == set(FAULTS)
    printer.control.clear_fault()
    assert printer.status().state_reasons == ()


def test_an_unknown_fault_is_refused(name: str, clock: Clock) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        make(name, clock).control.set_fault("on-fire")


# -- supplies ------------------------------------------------------------------------------------------
def test_the_ribbon_runs_low_then_out_and_a_new_one_resumes_printing(name: str, clock: Clock) -> None:
    printer = make(name, clock, ribbon_capacity=20)
    for _ in range(17):
        submit(printer)
    assert printer.status().markers[0].level == 15
    submit(printer)  # 2 of 20 left: 10 %
    status = printer.status()
    assert status.state_reasons == ("marker-supply-low-warning",)
    assert (status.markers[0].marker_type, status.markers[0].level) == ("ink-ribbon", 10)
    submit(printer)
    submit(printer)
    status = printer.status()
    assert (status.state, status.state_reasons, status.markers[0].level) == (
        PrinterState.STOPPED,
        ("marker-supply-empty-error",),
        0,
    )
    with pytest.raises(PrinterFault):
        submit(printer)
    printer.control.replace_ribbon()
    assert printer.status().markers[0].level == 100
    assert printer.job_status(submit(printer)).state is JobState.COMPLETED


def test_the_feeder_runs_empty_and_waiting_cards_print_after_loading(name: str, clock: Clock) -> None:
    printer = make(name, clock, speed=1.0, cards=12)
    jobs = [submit(printer, str(i)) for i in range(13)]
    clock.tick(2)
    assert printer.status().state_reasons == ("media-low-report",)  # 10 cards left
    clock.tick(10)
    assert [printer.job_status(job).state for job in jobs[-2:]] == [JobState.COMPLETED, JobState.PENDING]
    status = printer.status()
    assert (status.state, status.state_reasons, status.card_counter) == (
        PrinterState.STOPPED,
        ("media-empty-error",),
        12,
    )
    assert printer.job_status(jobs[-1]).has_reason("media-empty")

    clock.tick(100)
    printer.control.load_cards(100)
    clock.tick(1)
    assert printer.job_status(jobs[-1]).state is JobState.COMPLETED
    assert printer.control.info().cards_loaded == 99


def test_untracked_supplies_never_run_out_and_report_no_level(name: str, clock: Clock) -> None:
    printer = make(name, clock)
    for _ in range(50):
        submit(printer)
    status = printer.status()
    assert status.markers[0].level is None
    assert status.state_reasons == ()


# -- cancel --------------------------------------------------------------------------------------------
def test_cancel_a_waiting_card_uses_no_card_but_mid_print_ejects_one(name: str, clock: Clock) -> None:
    printer = make(name, clock, speed=3.0)
    printing, waiting, after = submit(printer, "a"), submit(printer, "b"), submit(printer, "c")
    clock.tick(1)
    printer.cancel(waiting)
    assert printer.job_status(waiting).state is JobState.CANCELED
    assert printer.control.info().card_counter == 0

    printer.cancel(printing)
    cancelled = printer.job_status(printing)
    assert (cancelled.state, cancelled.state_reasons) == (JobState.CANCELED, ("job-canceled-by-user",))
    info = printer.control.info()
    assert (info.card_counter, info.spoiled) == (1, 1)
    assert printer.job_status(after).state is JobState.PROCESSING  # the next card starts at once
    clock.tick(3)
    printer.cancel(after)  # already completed: cancel leaves it alone
    assert printer.job_status(after).state is JobState.COMPLETED


# -- where the state lives -----------------------------------------------------------------------------
def test_the_fault_panel_reaches_the_printer_the_registry_built(name: str) -> None:
    printer = create_adapter("simulator", f"simulator://{name}", {})
    control_for(f"simulator://{name}", {}).set_fault("cover-open")
    assert printer.status().state_reasons == ("cover-open-error",)


def test_a_fault_set_by_another_process_is_seen_through_the_state_dir(tmp_path: Path) -> None:
    config = {"state_dir": str(tmp_path), "speed": 0}
    printer = create_adapter("simulator", "simulator://desk-1", config)
    job = printer.submit(CARD, document_format="image/png", job_name="a")
    script = (
        "from printers.simulator import control_for;"
        f"control_for('simulator://desk-1', {{'state_dir': {str(tmp_path)!r}}}).set_fault('jam')"
    )
    subprocess.run([sys.executable, "-c", script], check=True)

    assert printer.status().state_reasons == ("media-jam-error",)
    restarted = create_adapter("simulator", "simulator://desk-1", config)  # e.g. `ktp worker` restarted
    assert restarted.job_status(job.job_id).state is JobState.COMPLETED
    assert restarted.status().card_counter == 1


def test_supplies_are_loaded_once_and_settings_apply_on_every_start(tmp_path: Path, clock: Clock) -> None:
    first = SimulatorPrinter("p", state_dir=tmp_path, cards=5, clock=clock)
    submit(first)
    again = SimulatorPrinter("p", state_dir=tmp_path, cards=5, speed=2.0, clock=clock)
    info = again.control.info()
    assert (info.cards_loaded, info.speed) == (4, 2.0)


def test_a_printer_kept_in_memory_forgets_its_jobs_when_reset(name: str, clock: Clock) -> None:
    printer = make(name, clock)
    job = submit(printer)
    printer.control.reset()  # what a process restart does to the in-memory bank
    with pytest.raises(JobNotFound):
        make(name, clock).job_status(job)


def test_old_finished_jobs_are_forgotten(name: str, clock: Clock) -> None:
    printer = make(name, clock)
    jobs = [submit(printer) for _ in range(KEEP_FINISHED_JOBS + 1)]
    with pytest.raises(JobNotFound):
        printer.job_status(jobs[0])
    assert printer.job_status(jobs[1]).state is JobState.COMPLETED


@pytest.mark.parametrize(
    ("uri", "config"),
    [
        ("simulator://", {}),
        ("ipp://x/y", {}),
        ("simulator://bad name", {}),
        ("simulator://a", {"speed": -1}),
        ("simulator://a", {"speed": "fast"}),
        ("simulator://a", {"cards": 1.5}),
        ("simulator://a", {"ribbon_capacity": 0}),
        ("simulator://a", {"colour": "red"}),
    ],
)
def test_bad_simulator_config_is_refused(uri: str, config: dict[str, object]) -> None:
    with pytest.raises(AdapterConfigInvalid):
        create_adapter("simulator", uri, config)
