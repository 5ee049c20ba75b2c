"""Small view models: a printer's or a job's state in words a clerk understands, with a severity for colour."""

from __future__ import annotations

from dataclasses import dataclass

from ktp_service.lifecycle import JobStatus
from ktp_service.messages import advice_keys
from ktp_service.models import Printer, PrintJob
from ktp_service.services.waiting import printer_trouble
from printers.base import reason_keyword

# The most serious condition first: it names the printer's state.
_BLOCKING = (
    "media-jam",
    "marker-supply-empty",
    "media-empty",
    "media-needed",
    "cover-open",
    "output-area-full",
)
_WARNINGS = ("marker-supply-low", "media-low")


@dataclass(frozen=True)
class StateView:
    key: str  # catalogue key of the label
    severity: str  # ok | busy | warn | error | unknown
    advice: tuple[str, ...] = ()  # catalogue keys of what to do
    detail: tuple[str, ...] = ()  # further condition labels (catalogue keys)

    @property
    def ready(self) -> bool:
        return self.severity in ("ok", "busy", "warn")


def printer_state(printer: Printer) -> StateView:
    """siap, sedang mencetak, pita hampir habis, macet, offline..., from the last polled status."""
    keywords = [reason_keyword(r) for r in printer.status_reasons]
    advice = tuple(advice_keys(printer.status_reasons))
    extra = tuple(f"pstate.{k}" for k in keywords if k in _WARNINGS)
    if printer.status_state is None:
        return StateView("pstate.unknown", "unknown")
    if printer.status_state == "offline" or "offline" in keywords:
        return StateView("pstate.offline", "error", advice or tuple(advice_keys(["offline"])))
    for k in _BLOCKING:
        if k in keywords:
            return StateView(f"pstate.{k}", "error", advice, extra)
    if printer.status_state == "stopped":
        key = "pstate.paused" if "paused" in keywords else "pstate.stopped"
        return StateView(key, "error", advice, extra)
    if extra:
        return StateView(extra[0], "warn", advice, extra[1:])
    if printer.status_state == "processing":
        return StateView("pstate.printing", "busy", advice)
    return StateView("pstate.ready", "ok", advice)


JOB_SEVERITY = {
    JobStatus.COMPLETED: "ok",
    JobStatus.PENDING: "busy",
    JobStatus.PROCESSING: "busy",
    JobStatus.PENDING_HELD: "warn",
    JobStatus.NEEDS_CONFIRMATION: "warn",
    JobStatus.PROCESSING_STOPPED: "error",
    JobStatus.ABORTED: "error",
    JobStatus.CANCELED: "unknown",
}


def job_state(job: PrintJob, printer: Printer | None = None) -> StateView:
    """The job's state in words. Given its printer: a job waiting for a printer in trouble is "held by the
    printer" (``state.held-printer``, which names the condition), with the printer's own current advice;
    a job waiting for a printer that is ready again shows no stale advice."""
    status = JobStatus(job.state)
    if status == JobStatus.PENDING and printer is not None:
        if printer_trouble(printer):
            view = printer_state(printer)
            return StateView(
                "state.held-printer", "error", view.advice or tuple(advice_keys(job.state_reasons))
            )
        return StateView("state.pending", JOB_SEVERITY[status])
    key = "state.aborted-spoiled" if status == JobStatus.ABORTED and job.spoiled else f"state.{status}"
    return StateView(key, JOB_SEVERITY[status], tuple(advice_keys(job.state_reasons)))
