"""A print job's life: its states and the only functions that change them.

Every change of a job's state goes through one of the transitions below; each checks where the job stands
and raises its own error when it may not happen. The worker, the API and the console call these and write
no state themselves (a test reads the source to hold that). Side effects beyond the job row (the card, the
old card's invalidation, stock, the billing outbox) belong to :mod:`ktp_service.services.print_jobs`.

States are the IPP job-state keywords (RFC 8011 section 5.3.7; ``pending-held`` for a second card that
waits for a supervisor) plus ``needs-confirmation``: the card may or may not have come out, and a person
must say which. ::

                 approve                 claim                    complete
  pending-held ──────────► pending ─────────────► processing ─────────────────► completed
     │ refuse, cancel        │ ▲ cancel      retry_later, │ ▲ report_progress      ▲
     ▼                       │ └─────────────── release ◄─┤ ▼                      │ confirm (printed)
  canceled ◄─────────────────┘                    processing-stopped            │
     ▲                                  need_confirmation │ (both)              needs-confirmation
     └─ canceled_at_printer ◄─────────────────────────────┼──────────────────────►      │
                                        abort             ▼                              │ confirm (spoiled)
                                                       aborted ◄─────────────────────────┘
                                                          └─ reprint (a spoiled card): a new job, pending

``start_sending``, ``record_receipt``, ``lose_contact`` and ``request_cancel`` keep the state and record
what happened (sending began, the printer's job id, the printer is unreachable, cancelling was asked).
``make_due`` (a waiting job is tried now: a person asked, or its printer is ready again) and ``move`` (a job
not yet at a printer goes to another printer of its office) keep the state too.

A job of a printer behind an office's print agent (issue 14) takes the same states: ``hand_to_agent``
(pending -> processing) binds it to the agent that fetched it, ``agent_acknowledge`` records that the agent
journaled it and ``agent_printing`` that it is sending the card; the agent's outcomes then use
``complete``, ``abort``, ``need_confirmation`` and ``canceled_at_printer`` as the worker does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from ktp_service.clock import utcnow as utcnow  # the service's clock (the demo's history sets it)
from ktp_service.errors import Conflict, FieldProblem, Invalid
from ktp_service.messages import Message

if TYPE_CHECKING:  # models.py imports this module for the state column's type
    from ktp_service.models import PrintJob


class JobStatus(StrEnum):
    PENDING = "pending"
    PENDING_HELD = "pending-held"
    PROCESSING = "processing"
    PROCESSING_STOPPED = "processing-stopped"
    NEEDS_CONFIRMATION = "needs-confirmation"
    COMPLETED = "completed"
    ABORTED = "aborted"
    CANCELED = "canceled"

    @property
    def final(self) -> bool:
        return self in FINAL


# A job in one of these holds its resident: one active job per NIK (partial unique index in models.py).
ACTIVE = (
    JobStatus.PENDING,
    JobStatus.PENDING_HELD,
    JobStatus.PROCESSING,
    JobStatus.PROCESSING_STOPPED,
    JobStatus.NEEDS_CONFIRMATION,
)
FINAL = frozenset({JobStatus.COMPLETED, JobStatus.ABORTED, JobStatus.CANCELED})
# At the printer: the worker follows these, and a printer has at most one of them at a time.
AT_PRINTER = (JobStatus.PROCESSING, JobStatus.PROCESSING_STOPPED)


# -- errors: one per transition, each with its own stable code --------------------------------------------
class TransitionRefused(Conflict, code="job_state_conflict"):
    """The job is not in a state from which this may happen (409). ``wanted``: where it should stand."""

    wanted: ClassVar[str] = ""

    def __init_subclass__(cls, *, code: str, wanted: str) -> None:
        super().__init_subclass__(code=code)
        cls.wanted = wanted

    def __init__(self, job: PrintJob) -> None:
        state = str(job.state)
        super().__init__(
            f"Job {job.uuid} is {state}; this needs it to be {self.wanted}.",
            params={"job": job.uuid, "state": state},
        )


class JobNotClaimable(TransitionRefused, code="job_not_pending", wanted="pending"): ...


class JobNotAtPrinter(
    TransitionRefused, code="job_not_at_printer", wanted="processing or processing-stopped"
): ...


class JobAlreadySent(
    TransitionRefused, code="job_already_sent", wanted="processing and not yet sent to the printer"
): ...


class JobNotHeld(TransitionRefused, code="job_not_held", wanted="pending-held (awaiting a supervisor)"): ...


class JobNotCancelable(
    TransitionRefused, code="job_not_cancelable", wanted="pending, pending-held, or at the printer"
): ...


class JobNotAwaitingConfirmation(
    TransitionRefused, code="job_not_awaiting_confirmation", wanted="needs-confirmation"
): ...


class JobNotCompletable(
    TransitionRefused,
    code="job_not_completable",
    wanted="processing, processing-stopped or needs-confirmation",
): ...


class JobNotReprintable(
    TransitionRefused, code="job_not_reprintable", wanted="aborted with its blank card spoiled"
): ...


class RefusalNeedsNote(Invalid, code="refusal_note_required"):
    """A refusal says why: the clerk reads the note to the resident (at least ``MIN_NOTE`` characters)."""


MIN_NOTE = 3  # a dash or "x" is not a reason


class JobNotWaiting(
    TransitionRefused, code="job_not_waiting", wanted="pending (waiting for its printer)"
): ...


class JobNotMovable(
    TransitionRefused,
    code="job_not_movable",
    wanted="pending or pending-held (not yet at the printer)",
): ...


class JobNotFetchable(
    TransitionRefused, code="job_not_fetchable", wanted="pending, for an agent's printer"
): ...


class JobNotWithAgent(
    TransitionRefused, code="job_not_with_agent", wanted="processing at the print agent that fetched it"
): ...


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[JobStatus]
    target: JobStatus | None  # None: the job stays where it is and the transition records an event
    refused: type[TransitionRefused]


def _t(
    name: str, sources: tuple[JobStatus, ...], target: JobStatus | None, refused: type[TransitionRefused]
) -> Transition:
    return Transition(name, frozenset(sources), target, refused)


S = JobStatus
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("claim", (S.PENDING,), S.PROCESSING, JobNotClaimable),
        _t("start_sending", (S.PROCESSING,), None, JobAlreadySent),
        _t("record_receipt", AT_PRINTER, None, JobNotAtPrinter),
        _t("retry_later", (S.PROCESSING,), S.PENDING, JobAlreadySent),
        _t("release", (S.PROCESSING,), S.PENDING, JobAlreadySent),
        _t("report_progress", AT_PRINTER, None, JobNotAtPrinter),
        _t("lose_contact", AT_PRINTER, None, JobNotAtPrinter),
        _t("need_confirmation", AT_PRINTER, S.NEEDS_CONFIRMATION, JobNotAtPrinter),
        _t("approve", (S.PENDING_HELD,), S.PENDING, JobNotHeld),
        _t("refuse", (S.PENDING_HELD,), S.CANCELED, JobNotHeld),
        _t("cancel", (S.PENDING, S.PENDING_HELD), S.CANCELED, JobNotCancelable),
        _t("request_cancel", AT_PRINTER, None, JobNotCancelable),
        _t("complete", AT_PRINTER, S.COMPLETED, JobNotCompletable),
        _t("abort", AT_PRINTER, S.ABORTED, JobNotAtPrinter),
        _t("canceled_at_printer", AT_PRINTER, S.CANCELED, JobNotAtPrinter),
        _t("confirm_printed", (S.NEEDS_CONFIRMATION,), S.COMPLETED, JobNotAwaitingConfirmation),
        _t("confirm_spoiled", (S.NEEDS_CONFIRMATION,), S.ABORTED, JobNotAwaitingConfirmation),
        _t("reprint", (S.ABORTED,), None, JobNotReprintable),
        _t("make_due", (S.PENDING,), None, JobNotWaiting),
        _t("move", (S.PENDING, S.PENDING_HELD), None, JobNotMovable),
        _t("hand_to_agent", (S.PENDING,), S.PROCESSING, JobNotFetchable),
        _t("agent_acknowledge", AT_PRINTER, None, JobNotWithAgent),
        _t("agent_printing", AT_PRINTER, None, JobNotWithAgent),
    )
}


def status_of(job: PrintJob) -> JobStatus:
    return JobStatus(job.state)


def allowed(job: PrintJob, name: str) -> bool:
    """Whether transition ``name`` may happen now (pages offer only the actions that would be accepted)."""
    if name == "reprint" and not job.spoiled:
        return False
    return status_of(job) in TRANSITIONS[name].sources


def _apply(job: PrintJob, name: str, message: Message | None = None) -> None:
    """Check the transition is allowed from where the job stands, then move it (and set its message)."""
    transition = TRANSITIONS[name]
    if status_of(job) not in transition.sources:
        raise transition.refused(job)
    if transition.target is not None:
        job.state = transition.target
    if message is not None:
        set_message(job, message)
    job.updated_at = utcnow()


def set_message(job: PrintJob, message: Message | None) -> None:
    job.message_code = message.code if message else None
    job.message_params = dict(message.params) if message else {}


# -- the start ------------------------------------------------------------------------------------------------
def initial(requires_approval: bool) -> tuple[JobStatus, Message | None]:
    """Where a new job starts: held for a supervisor, or waiting for its printer."""
    if requires_approval:
        return JobStatus.PENDING_HELD, Message("awaiting_approval")
    return JobStatus.PENDING, None


# -- the worker's transitions ---------------------------------------------------------------------------------
def claim(job: PrintJob, worker: str, lease_until: datetime) -> None:
    _apply(job, "claim")
    job.claimed_by, job.lease_until = worker, lease_until
    job.attempts += 1


def start_sending(job: PrintJob, lease_until: datetime) -> None:
    """Sending begins: committed before the document leaves, so a crash after it is never resent."""
    if job.submit_started_at is not None or job.printer_job_id:
        raise JobAlreadySent(job)
    _apply(job, "start_sending")
    job.submit_started_at, job.lease_until = utcnow(), lease_until


def record_receipt(job: PrintJob, printer_job_id: str, reasons: list[str], at: datetime) -> None:
    _apply(job, "record_receipt")
    job.printer_job_id, job.submitted_at, job.state_reasons = printer_job_id, at, reasons


def _never_sent(job: PrintJob) -> None:
    if job.printer_job_id:
        raise JobAlreadySent(job)


def retry_later(job: PrintJob, at: datetime, reasons: list[str], message: Message) -> None:
    """Nothing reached the printer: back to the queue, to be tried again at ``at``."""
    _never_sent(job)
    _apply(job, "retry_later", message)
    job.claimed_by, job.lease_until, job.submit_started_at = None, None, None
    job.next_attempt_at, job.state_reasons = at, reasons


def release(job: PrintJob) -> None:
    """A claimed job that was never sent goes back to the queue (its worker stopped)."""
    if job.submit_started_at is not None:
        raise JobAlreadySent(job)
    _never_sent(job)
    _apply(job, "release")
    job.claimed_by, job.lease_until = None, None


def report_progress(job: PrintJob, *, stopped: bool, reasons: list[str]) -> None:
    """What the printer says of a card it is working on: printing, or stopped (jam, cover open...)."""
    _apply(job, "report_progress")
    job.state = JobStatus.PROCESSING_STOPPED if stopped else JobStatus.PROCESSING
    job.state_reasons = reasons
    set_message(job, None)


def lose_contact(job: PrintJob, message: Message) -> None:
    """The printer did not answer about a card it has: ask again later; the state stays."""
    _apply(job, "lose_contact", message)
    job.state_reasons = ["offline-report"]


def need_confirmation(job: PrintJob, message: Message) -> None:
    """Whether the card came out cannot be known: a supervisor will say."""
    _apply(job, "need_confirmation", message)


def complete(job: PrintJob, at: datetime) -> bool:
    """The card came out. False when it was already recorded (a second report of one completion)."""
    if job.state == JobStatus.COMPLETED:
        return False
    name = "confirm_printed" if job.state == JobStatus.NEEDS_CONFIRMATION else "complete"
    if status_of(job) not in TRANSITIONS[name].sources:
        raise JobNotCompletable(job)
    _apply(job, name, Message("card_printed"))
    job.completed_at = at
    job.state_reasons = [r for r in job.state_reasons if r.startswith("job-")]
    return True


def abort(job: PrintJob, reasons: list[str], message: Message, *, spoiled: bool) -> None:
    """The job ended without a card; ``spoiled``: a blank card was used up."""
    _apply(job, "abort", message)
    job.state_reasons, job.spoiled = reasons, spoiled


def canceled_at_printer(job: PrintJob, reasons: list[str]) -> None:
    _apply(job, "canceled_at_printer", Message("canceled_at_printer"))
    job.state_reasons = reasons


# -- a print agent's transitions (issue 14) ---------------------------------------------------------------
def agent_claim_name(agent_id: int) -> str:
    """What ``claimed_by`` says of a job held by an agent: never a worker's ``NAME@HOST#SLOT``."""
    return f"agent:{agent_id}"


def hand_to_agent(job: PrintJob, agent_id: int, at: datetime) -> None:
    """An office's agent fetched the job: it is bound to that agent (no lease: only a person takes it back)."""
    _apply(job, "hand_to_agent", Message("sent_to_agent"))
    job.agent_id, job.agent_fetched_at = agent_id, at
    job.claimed_by, job.lease_until = agent_claim_name(agent_id), None
    job.attempts += 1


def _held_by(job: PrintJob, agent_id: int) -> None:
    if job.agent_id != agent_id:
        raise JobNotWithAgent(job)


def agent_acknowledge(job: PrintJob, agent_id: int, at: datetime) -> None:
    """The agent journaled the job (it survives the agent's restart from now on)."""
    _held_by(job, agent_id)
    _apply(job, "agent_acknowledge", Message("at_agent"))
    job.agent_acknowledged_at = job.agent_acknowledged_at or at


def agent_printing(job: PrintJob, agent_id: int, at: datetime) -> None:
    """The agent journaled its intent and is sending the card to its printer."""
    _held_by(job, agent_id)
    _apply(job, "agent_printing")
    job.submit_started_at = job.submit_started_at or at
    set_message(job, None)


# -- people's transitions -------------------------------------------------------------------------------------
def approve(job: PrintJob, by_user_id: int | None) -> None:
    _apply(job, "approve")
    set_message(job, None)
    job.approved_by_id, job.approved_at = by_user_id, utcnow()


def refuse(job: PrintJob, note: str) -> None:
    """Refuse a held second card; ``note`` (why) is required and shown to the clerk on the job's page."""
    note = note.strip()
    if len(note) < MIN_NOTE:
        raise RefusalNeedsNote(
            "A refusal needs a note saying why (at least 3 characters); the clerk reads it to the resident.",
            [FieldProblem("note", "A refusal needs a note saying why.", "missing")],
            {"min": MIN_NOTE},
        )
    _apply(job, "refuse", Message("refused_by_supervisor", {"note": note}))


def cancel(job: PrintJob) -> bool:
    """Cancel a job. True: canceled now. False: it is at the printer, so cancelling is asked of the printer
    and the outcome comes from the printer (a card may have printed anyway)."""
    if job.state in TRANSITIONS["cancel"].sources:
        _apply(job, "cancel", Message("canceled_by_clerk"))
        return True
    if job.state in TRANSITIONS["request_cancel"].sources and job.printer_job_id:
        _apply(job, "request_cancel", Message("cancel_requested"))
        job.cancel_requested = True
        return False
    raise JobNotCancelable(job)


def confirm_spoiled(job: PrintJob) -> None:
    _apply(job, "confirm_spoiled", Message("spoiled_by_confirmation"))
    job.state_reasons, job.spoiled = ["spoiled-by-confirmation"], True


def make_due(job: PrintJob, at: datetime, message: Message, *, clear_reasons: bool) -> None:
    """A waiting job is tried at ``at`` (now) instead of after its back-off: a person asked ("try now"),
    or its printer is ready again (``clear_reasons``: what held it is gone)."""
    _apply(job, "make_due", message)
    job.next_attempt_at = at
    if clear_reasons:
        job.state_reasons = []


def move(job: PrintJob, printer_id: int, message: Message | None) -> None:
    """A job not yet at a printer goes to another printer of its office, due at once there. A job held for
    a supervisor keeps its message (it still waits for the approval)."""
    _apply(job, "move", message if job.state == JobStatus.PENDING else None)
    job.printer_id = printer_id
    job.next_attempt_at, job.state_reasons = None, []


def check_reprintable(job: PrintJob) -> None:
    """Only a card spoiled by the printer is reprinted; the new job is made by the service and the spoiled
    one stays as it is."""
    if not job.spoiled or job.state not in TRANSITIONS["reprint"].sources:
        raise JobNotReprintable(job)
