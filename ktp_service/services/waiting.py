"""Jobs waiting for their printer: whether a printer is ready, and waking its jobs when it is.

A job whose printer was not ready waits in ``pending`` with a back-off (``next_attempt_at``). The back-off
is only for printers that cannot tell us they are well again: as soon as a printer's status (from the
background poll, a person's "check now", or the simulator's panel) says it is ready, the jobs waiting on it
are due at once and the print worker is woken (:mod:`ktp_service.wakeups`). Imported by
:mod:`ktp_service.services.printers`, so it imports no service itself.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from ktp_service import lifecycle, wakeups
from ktp_service.catalogue import translate
from ktp_service.lifecycle import JobStatus
from ktp_service.messages import Message, condition_labels
from ktp_service.models import Printer, PrintJob, utcnow
from printers.base import error_reasons

READY_STATES = ("idle", "processing")


def printer_ready(printer: Printer) -> bool:
    """The printer's last polled status takes cards: reachable, not stopped, no ``-error`` condition."""
    return (
        printer.active and printer.status_state in READY_STATES and not error_reasons(printer.status_reasons)
    )


def wake_jobs_of(session: Session, printer: Printer) -> int:
    """``printer`` is ready: its jobs waiting out a back-off are due now (no stale back-off), with what
    held them cleared. Returns how many were woken; the worker is woken when the transaction commits."""
    if not printer_ready(printer):
        return 0
    now = utcnow()
    jobs = session.exec(
        select(PrintJob)
        .where(
            PrintJob.printer_id == printer.id,
            PrintJob.state == JobStatus.PENDING,
            col(PrintJob.next_attempt_at) > now,
        )
        .with_for_update(skip_locked=True)  # a job a person is moving right now is theirs
    ).all()
    for job in jobs:
        lifecycle.make_due(
            job, now, Message("printer_ready_again", {"printer": printer.name}), clear_reasons=True
        )
        session.add(job)
    if jobs:
        wakeups.announce(session)
    return len(jobs)


def printers_with_waiting_jobs(session: Session) -> list[int]:
    """Active printers that have a job waiting, printing or stopped at them: asked often, so a fault cleared
    at the printer is noticed within a second or two."""
    watched = (JobStatus.PENDING, JobStatus.PROCESSING, JobStatus.PROCESSING_STOPPED)
    ids = session.exec(
        select(PrintJob.printer_id)
        .join(Printer, col(Printer.id) == PrintJob.printer_id)
        .where(col(Printer.active).is_(True), col(PrintJob.state).in_(watched))
        .distinct()
    ).all()
    return sorted(ids)


def printer_trouble(printer: Printer) -> bool:
    """The printer's last status says it cannot take cards now (a printer never asked yet is no trouble)."""
    return printer.status_state is not None and not printer_ready(printer)


def condition(printer: Printer, lang: str) -> str:
    """What is wrong with a printer, in words (``macet``, ``offline``, ``pita habis``), lower case."""
    if not printer.active:
        return translate("printer.inactive", lang)
    if printer.status_state is None:
        return translate("pstate.unknown", lang).lower()
    if printer.status_state == "offline":
        return translate("pstate.offline", lang).lower()
    labels = condition_labels(error_reasons(printer.status_reasons), lang)
    return ", ".join(labels).lower() or translate("pstate.stopped", lang).lower()


def office_printers(session: Session, office_id: int) -> list[Printer]:
    """The office's switched-on printers, by name."""
    return list(
        session.exec(
            select(Printer)
            .where(Printer.office_id == office_id, col(Printer.active).is_(True))
            .order_by(col(Printer.name))
        )
    )


def readiness_warning(session: Session, job: PrintJob, lang: str) -> str | None:
    """For a job not yet at a printer whose printer is in trouble: that it waits, naming the office's
    printers and their states ("Semua printer kantor ini sedang bermasalah: kalijambe-1 (macet)...")."""
    if job.state not in (JobStatus.PENDING, JobStatus.PENDING_HELD):
        return None
    mine = session.get(Printer, job.printer_id)
    if mine is None or not printer_trouble(mine):
        return None
    printers = office_printers(session, job.office_id)
    ready = [p.name for p in printers if printer_ready(p)]
    if not ready:
        troubled = ", ".join(f"{p.name} ({condition(p, lang)})" for p in printers) or mine.name
        return translate("warn.no_printer_ready", lang, printers=troubled)
    return translate(
        "warn.printer_not_ready",
        lang,
        printer=mine.name,
        condition=condition(mine, lang),
        ready=", ".join(ready),
    )
