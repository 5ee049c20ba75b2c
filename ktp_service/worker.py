"""The print worker: takes pending jobs, renders and submits them one card at a time per printer, follows
them to their outcome, and hands completed cards to billing through the outbox.

Exactly once, crash-safe:
- a job is claimed (``processing``, ``claimed_by``, a lease) in a committed transaction before anything is
  sent, so two workers never take the same job (PostgreSQL ``FOR UPDATE SKIP LOCKED`` on the printer row;
  SQLite has one writer);
- ``submit_started_at`` is committed before the document goes to the printer and ``printer_job_id`` right
  after. A worker that finds a job with the first and not the second (it died in between) never resends:
  the job waits as ``needs-confirmation`` for a supervisor;
- a job with ``printer_job_id`` is resolved by asking the printer, whichever worker sent it;
- a worker's identity (``NAME@HOST#SLOT``, :mod:`ktp_service.worker_identity`) is the same after a
  restart, so a restarted worker resumes its own jobs at once; a worker that stops heartbeating (every
  ``KTP_WORKER_HEARTBEAT_SECONDS``) has its jobs taken over by another after
  ``KTP_WORKER_TAKEOVER_SECONDS``; every write about a claimed job checks the slot is still held;
- completion is one transaction (:func:`ktp_service.services.print_jobs.complete`), and only a job still
  ``processing``/``processing-stopped`` completes, so a completion is never recorded twice.

Every state change goes through :mod:`ktp_service.lifecycle`; what the clerk is told is a message code
(:mod:`ktp_service.messages`), translated when shown.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from ktp_service import lifecycle, memory, wakeups, worker_identity
from ktp_service.billing_bridge import has_due_events
from ktp_service.cards import CardError, RenderedCard, render_card
from ktp_service.db import unit_of_work
from ktp_service.lifecycle import AT_PRINTER, JobStatus
from ktp_service.messages import Message
from ktp_service.models import Printer, PrintJob, Resident, utcnow
from ktp_service.services import cards, print_jobs, printers
from ktp_service.settings import Settings
from printers import errors as port  # the printer port's errors: what an adapter promises on failure
from printers.base import JobState, error_reasons
from printers.base import JobStatus as PrinterJobReport

log = logging.getLogger("ktp.worker")

# A claim's own lease, the backstop for a worker that heartbeats but is stuck: longer than any adapter's
# timeout (IPP allows up to 300 s) plus a render, so a worker that is still sending is never taken for
# dead. A worker that stopped (killed, host down) is noticed by its silence instead, within seconds.
LEASE = timedelta(minutes=10)
MAX_BACKOFF_SECONDS = 60
FORMATS: dict[str, Literal["png", "pdf"]] = {"image/png": "png", "application/pdf": "pdf"}

# Test hook (crash tests only): exit abruptly right after the printer accepted a document, before the
# outcome is recorded, as a power cut would.
CRASH_AFTER_SUBMIT = "KTP_TEST_CRASH_AFTER_SUBMIT"


@dataclass
class PassResult:
    submitted: int = 0
    finished: int = 0
    posted: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return bool(self.submitted or self.finished or self.posted)


class PrintWorker:
    """One worker. ``run_once`` does one pass over all printers and is what tests drive; ``run`` loops."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        name: str | None = None,
        adapters: printers.AdapterCache | None = None,
        post_events: Callable[[Session], int] | None = None,
        checkpoint: Callable[[], object] | None = None,
        alerts: Callable[[], object] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.adapters = adapters or printers.AdapterCache(settings)
        self.post_events = post_events
        self.checkpoint = checkpoint  # periodic signed checkpoint of the billing chain head
        self.alerts = alerts  # periodic alert evaluation and mailing (issue 15)
        self.clock = clock
        self.presence = worker_identity.Presence(engine, settings, name or settings.worker_name, clock)
        self._stop = threading.Event()
        self._bell = wakeups.Bell()  # rung when a job becomes due (in this process or, on PG, any), in run
        self._recovered_as: str | None = None  # the identity whose own jobs were recovered

    @property
    def name(self) -> str:
        """This worker's identity as jobs record it (``claimed_by``); claimed on the first pass."""
        return self.presence.current().name

    @property
    def identity(self) -> worker_identity.Identity | None:
        return self.presence.identity

    def heartbeat(self, *, force: bool = False) -> None:
        self.presence.beat(force=force)

    def release(self) -> None:
        """A clean stop: give the slot up, so other workers take over this one's jobs at once."""
        self.presence.release()

    # -- the loop ---------------------------------------------------------------------------------------
    def run(self, idle_wait: float | None = None) -> None:
        """Pass after pass until stopped. Idle, it waits ``idle_wait`` seconds (``worker_idle_seconds``)
        unless a job becomes due first (:mod:`ktp_service.wakeups`): a new card, an approval, a job moved or
        tried now, a printer ready again."""
        wait = self.settings.worker_idle_seconds if idle_wait is None else idle_wait
        # Heartbeats come from a thread of their own: a pass waiting on a slow printer is no sign of death.
        beats = threading.Thread(
            target=self.presence.keep_beating, args=(self._stop,), name="print-worker-heartbeat", daemon=True
        )
        beats.start()
        wakeups.subscribe(self.engine, self._bell)
        listener = wakeups.start_listener(self.engine, self._stop)
        was_busy = False
        try:
            while not self._stop.is_set():
                try:
                    busy = self.run_once().busy
                except Exception:  # keep serving the other printers; the error is in the log
                    log.exception("print worker pass failed")
                    busy = False
                if not busy:
                    if was_busy:
                        memory.trim()  # a burst of rendering ended: give its freed heap back
                    self._bell.wait(wait)
                was_busy = busy
        finally:
            self._stop.set()
            beats.join(timeout=10)
            if listener is not None:
                listener.join(timeout=5)
            wakeups.unsubscribe(self.engine, self._bell)
            self.release()

    def stop(self) -> None:
        self._stop.set()
        self._bell.ring()

    def run_once(self) -> PassResult:
        result = PassResult()
        self.heartbeat()
        if self._recovered_as != self.name:  # first pass, or a new identity after losing the slot
            self._recover(own=True)
            self._recovered_as = self.name
        self._recover(own=False)
        result.finished += self._follow_submitted()
        now = utcnow()
        with unit_of_work(self.engine, writes=False) as session:
            # Printers with a card due: a cheap read, so an idle worker takes no write lock.
            printer_ids = sorted(
                set(
                    session.exec(
                        select(PrintJob.printer_id)
                        .join(Printer, col(Printer.id) == PrintJob.printer_id)
                        .where(
                            col(Printer.active).is_(True),
                            col(Printer.agent_id).is_(None),  # an office's agent pulls those (issue 14)
                            PrintJob.state == JobStatus.PENDING,
                            or_(
                                col(PrintJob.next_attempt_at).is_(None), col(PrintJob.next_attempt_at) <= now
                            ),
                        )
                    )
                )
            )
        for printer_id in printer_ids:
            assert printer_id is not None
            try:  # one printer's trouble must not stop the others
                job_id = self._claim(printer_id)
                if job_id is not None:
                    self._submit(job_id)
                    result.submitted += 1
            except Exception as exc:
                log.exception("printer %s: pass failed", printer_id)
                result.errors.append(f"printer {printer_id}: {type(exc).__name__}")
        result.finished += self._follow_submitted()
        if self.post_events is not None:
            try:
                with unit_of_work(self.engine, writes=False) as session:
                    due = has_due_events(session)
                if due:
                    with unit_of_work(self.engine) as session:
                        result.posted += self.post_events(session)
            except Exception as exc:
                log.exception("posting to billing failed")
                result.errors.append(f"billing: {type(exc).__name__}")
        if self.checkpoint is not None:
            try:
                self.checkpoint()
            except Exception as exc:
                log.exception("billing checkpoint failed")
                result.errors.append(f"checkpoint: {type(exc).__name__}")
        if self.alerts is not None:
            try:
                self.alerts()
            except Exception as exc:
                log.exception("alert check failed")
                result.errors.append(f"alerts: {type(exc).__name__}")
        return result

    # -- recovery ---------------------------------------------------------------------------------------
    def _recover(self, *, own: bool) -> None:
        """Jobs left ``processing`` by this worker's previous incarnation (``own``, after a restart), by a
        worker that stopped heartbeating or gave its slot up, or whose lease ran out (a worker that hangs,
        or a pass of this worker that failed midway)."""
        now = self.clock()
        # Jobs held by an office's agent never return to a worker without a person's decision.
        stmt = select(PrintJob).where(col(PrintJob.state).in_(AT_PRINTER), col(PrintJob.agent_id).is_(None))
        if own:
            stmt = stmt.where(PrintJob.claimed_by == self.name)
        else:
            stmt = stmt.where(
                or_(
                    col(PrintJob.lease_until) < now,
                    col(PrintJob.claimed_by).in_(worker_identity.silent(now, self.presence.takeover)),
                ),
                col(PrintJob.claimed_by) != self.name,
            )
        with unit_of_work(self.engine, writes=False) as session:
            if session.exec(stmt.limit(1)).first() is None:
                return  # the usual case: a cheap read, no write lock
        with unit_of_work(self.engine) as session:
            if not worker_identity.holds(session, self.presence.current()):
                return  # this worker was taken for dead meanwhile: its next heartbeat finds out
            for job in session.exec(stmt.with_for_update(skip_locked=True)):
                if job.claimed_by != self.name:
                    log.warning("job %s: taken over from %s", job.id, job.claimed_by)
                if job.printer_job_id:
                    job.claimed_by, job.lease_until = self.name, now + LEASE  # follow it from here
                elif job.submit_started_at is not None:
                    lifecycle.need_confirmation(job, Message("worker_stopped_while_sending"))
                else:
                    lifecycle.release(job)
                session.add(job)

    # -- claim and submit -------------------------------------------------------------------------------
    def _claim(self, printer_id: int) -> int | None:
        """The next job of this printer, if the printer has no card in progress. Committed before sending."""
        now = utcnow()
        with unit_of_work(self.engine) as session:
            printer = session.exec(
                select(Printer).where(Printer.id == printer_id).with_for_update(skip_locked=True)
            ).first()
            if printer is None or printer.agent_id is not None:
                return None  # another worker is deciding for it, or its office's agent pulls its jobs
            busy = session.exec(
                select(PrintJob.id).where(
                    PrintJob.printer_id == printer_id,
                    col(PrintJob.state).in_((*AT_PRINTER, JobStatus.NEEDS_CONFIRMATION)),
                )
            ).first()
            if busy is not None:
                return None  # one card at a time per printer; an unknown outcome waits for a person first
            job = session.exec(
                select(PrintJob)
                .where(
                    PrintJob.printer_id == printer_id,
                    PrintJob.state == JobStatus.PENDING,
                    or_(col(PrintJob.next_attempt_at).is_(None), col(PrintJob.next_attempt_at) <= now),
                )
                .order_by(col(PrintJob.id))
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if job is None:
                return None
            lifecycle.claim(job, self.name, now + LEASE)
            session.add(job)
            return job.id

    def _submit(self, job_id: int) -> None:
        # Read, then render with no transaction open: rendering takes milliseconds of CPU, and on SQLite an
        # open write transaction would make every clerk's request wait for it.
        with unit_of_work(self.engine, writes=False) as session:
            job = session.get(PrintJob, job_id)
            assert job is not None
            printer = session.get(Printer, job.printer_id)
            resident = session.get(Resident, job.resident_id)
            assert printer is not None and resident is not None
        try:
            document, rendered, issue_date = self._render(printer, resident)
        except CardError as exc:
            with self._mine(job_id) as (session, job):
                if job is not None:
                    message = Message("card_cannot_be_made", {"detail": str(exc)})
                    print_jobs.abort(session, job, [], message, spoiled=False)
            return
        except Exception as exc:  # nothing was sent: try again later
            log.exception("job %s: rendering failed", job_id)
            self._retry_later(
                job_id, printer.name, port.PrinterError(f"{type(exc).__name__} while rendering")
            )
            return
        with self._mine(job_id) as (session, job):
            if job is None:
                return  # no longer ours (recovered by another worker, or changed by a person): send nothing
            job.template_id, job.template_version = rendered.template_id, str(rendered.template_version)
            job.template_hash, job.document_sha256 = rendered.template_hash, rendered.document_hash
            job.tanggal_terbit = issue_date
            lifecycle.start_sending(job, utcnow() + LEASE)  # the lease outlasts any adapter's timeout
            session.add(job)
        try:
            receipt = self.adapters.get(printer).submit(
                document,
                document_format=printer.document_format,
                job_name=f"ktp-{job.uuid}",
                options={"copies": 1},
            )
        except (port.PrinterUnavailable, port.PrinterFault) as exc:  # the contract: nothing was submitted
            self._retry_later(job_id, printer.name, exc)
            return
        except port.JobRejected as exc:
            with self._mine(job_id) as (session, job):
                if job is not None:
                    message = Message(
                        "printer_rejected_document", {"printer": printer.name, "detail": str(exc)}
                    )
                    print_jobs.abort(session, job, list(exc.reasons), message, spoiled=False)
            return
        except Exception as exc:  # port.SubmissionUncertain, or anything unforeseen: a card may have printed
            if not isinstance(exc, port.SubmissionUncertain):
                log.exception("job %s: unexpected error while sending", job_id)
            log.warning("job %s: submission uncertain: %s", job_id, exc)
            with self._mine(job_id) as (session, job):
                if job is not None:
                    lifecycle.need_confirmation(
                        job, Message("submission_uncertain", {"printer": printer.name})
                    )
                    session.add(job)
            return
        if os.environ.get(CRASH_AFTER_SUBMIT):
            os._exit(137)
        with self._mine(job_id) as (session, job):
            if job is None:
                log.warning(
                    "job %s was taken over while it was being sent; its outcome is a person's", job_id
                )
                return
            submitted_at = utcnow()
            lifecycle.record_receipt(job, receipt.job_id, list(receipt.state_reasons), submitted_at)
            session.add(job)
            if receipt.state == JobState.COMPLETED:
                # A printer that answers "done" at once (spool, an instant simulator): record the card
                # now, in this same transaction, instead of asking again on the next pass.
                print_jobs.complete(session, job, submitted_at)

    @contextmanager
    def _mine(self, job_id: int) -> Iterator[tuple[Session, PrintJob | None]]:
        """The job, locked, if it is still this worker's to change (``processing``, claimed by it); else
        None. Guards every write after a claim against a takeover or a person's decision in between."""
        with unit_of_work(self.engine) as session:
            job = session.exec(select(PrintJob).where(PrintJob.id == job_id).with_for_update()).first()
            ours = job is not None and job.claimed_by == self.name and job.state in AT_PRINTER
            ours = ours and worker_identity.holds(session, self.presence.current())
            yield session, (job if ours else None)

    def _render(self, printer: Printer, resident: Resident) -> tuple[bytes, RenderedCard, date]:
        template = cards.template(self.settings.default_template, self.settings.templates_dir)
        issue_date = cards.local_today(self.settings.timezone)
        boxes = cards.image_boxes(template, printer.dpi)  # the photo/signature derivatives made at upload
        data = cards.card_data(resident, self.settings.images_dir, tanggal_terbit=issue_date, boxes=boxes)
        rendered = render_card(template, data, dpi=printer.dpi, fmt=FORMATS[printer.document_format])
        return rendered.content, rendered, issue_date

    def _retry_later(self, job_id: int, printer_name: str, exc: port.PrinterError) -> None:
        """Nothing was submitted: back to the queue with exponential backoff; the reasons tell the clerk why.
        The back-off is for a printer that cannot say it is well again: one that does (its status polled
        as ready) makes the job due at once (:func:`ktp_service.services.waiting.wake_jobs_of`)."""
        log.info("job %s: printer %s not ready: %s", job_id, printer_name, exc)
        with self._mine(job_id) as (session, job):
            if job is None:
                return
            delay = min(MAX_BACKOFF_SECONDS, 2 ** min(job.attempts, 6))
            reasons = list(exc.reasons) or ["offline-report"]
            # No delay in the words: the page shows the next attempt's time from next_attempt_at, counting down.
            message = Message("printer_not_ready", {"printer": printer_name, "reasons": reasons})
            lifecycle.retry_later(job, utcnow() + timedelta(seconds=delay), reasons, message)
            session.add(job)

    # -- follow -----------------------------------------------------------------------------------------
    def _follow_submitted(self) -> int:
        finished = 0
        with unit_of_work(self.engine, writes=False) as session:
            ids = list(
                session.exec(
                    select(PrintJob.id).where(
                        col(PrintJob.state).in_(AT_PRINTER),
                        col(PrintJob.printer_job_id).is_not(None),
                        PrintJob.claimed_by == self.name,
                    )
                )
            )
        for job_id in ids:
            assert job_id is not None
            finished += self._follow(job_id)
        return finished

    def _follow(self, job_id: int) -> int:
        """Ask the printer how a sent card is doing (no transaction open while asking), then record it."""
        with unit_of_work(self.engine, writes=False) as session:
            job = session.get(PrintJob, job_id)
            printer = session.get(Printer, job.printer_id) if job is not None else None
        if job is None or printer is None or not job.printer_job_id:
            return 0
        printer_job_id, adapter = job.printer_job_id, self.adapters.get(printer)
        try:
            if job.cancel_requested:
                adapter.cancel(printer_job_id)  # idempotent; the outcome still comes from job_status
            status: PrinterJobReport | None = adapter.job_status(printer_job_id)
            failure: port.PrinterError | None = None
        except port.PrinterError as exc:
            status, failure = None, exc
        except Exception as exc:  # an adapter bug must not stop the other printers
            log.exception("job %s: asking the printer failed", job_id)
            status, failure = None, port.PrinterError(f"{type(exc).__name__}")
        with self._mine(job_id) as (session, job):
            if job is None or job.printer_job_id != printer_job_id:
                return 0
            job.lease_until = utcnow() + LEASE
            session.add(job)
            if isinstance(failure, port.OutcomeUnknown):  # JobNotFound, or a printer that cannot vouch
                lifecycle.need_confirmation(job, Message("outcome_unknown", {"printer": printer.name}))
                return 1
            if failure is not None or status is None:  # unreachable or a passing error: ask again later
                log.info("job %s: printer %s unreachable: %s", job_id, printer.name, failure)
                lifecycle.lose_contact(job, Message("printer_unreachable", {"printer": printer.name}))
                return 0
            reasons = list(status.state_reasons)
            if status.state == JobState.COMPLETED:
                print_jobs.complete(session, job, _completion_time(job, status.completed_at))
                return 1
            if status.state == JobState.ABORTED:
                spoiled = Message(
                    "spoiled_by_printer", {"printer": printer.name, "reasons": list(error_reasons(reasons))}
                )
                print_jobs.abort(session, job, reasons, spoiled, spoiled=True)
                return 1
            if status.state == JobState.CANCELED:
                lifecycle.canceled_at_printer(job, reasons)
                return 1
            lifecycle.report_progress(
                job, stopped=status.state == JobState.PROCESSING_STOPPED, reasons=reasons
            )
            return 0


def _completion_time(job: PrintJob, reported: datetime | None) -> datetime:
    """The printer's completion time, kept between sending and now: a printer with a wrong clock must not
    move a card into another billing month."""
    return print_jobs.clamp_printer_time(reported, job.submit_started_at)
