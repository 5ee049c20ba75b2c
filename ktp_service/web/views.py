"""Small view models: a printer's or a job's state in words a clerk understands, with a severity for colour."""

from __future__ import annotations

from dataclasses import dataclass

from ktp_service.advice import advice_for
from ktp_service.models import Printer, PrintJob
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
TERMINAL_JOB_STATES = frozenset({"completed", "aborted", "canceled"})


@dataclass(frozen=True)
class StateView:
    key: str  # catalogue key of the label
    severity: str  # ok | busy | warn | error | unknown
    advice: tuple[str, ...] = ()
    detail: tuple[str, ...] = ()  # further condition labels (catalogue keys)

    @property
    def ready(self) -> bool:
        return self.severity in ("ok", "busy", "warn")


def printer_state(printer: Printer) -> StateView:
    """siap, sedang mencetak, pita hampir habis, macet, offline..., from the last polled status."""
    keywords = [reason_keyword(r) for r in printer.status_reasons]
    advice = tuple(advice_for(printer.status_reasons))
    extra = tuple(f"pstate.{k}" for k in keywords if k in _WARNINGS)
    if printer.status_state is None:
        return StateView("pstate.unknown", "unknown")
    if printer.status_state == "offline" or "offline" in keywords:
        return StateView("pstate.offline", "error", advice or tuple(advice_for(["offline"])))
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


def job_state(job: PrintJob) -> StateView:
    severity = {
        "completed": "ok",
        "pending": "busy",
        "processing": "busy",
        "pending-held": "warn",
        "needs-confirmation": "warn",
        "processing-stopped": "error",
        "aborted": "error",
        "canceled": "unknown",
    }.get(job.state, "unknown")
    key = "state.aborted-spoiled" if job.state == "aborted" and job.spoiled else f"state.{job.state}"
    return StateView(key, severity, tuple(advice_for(job.state_reasons)))
