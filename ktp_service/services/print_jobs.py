"""Print jobs: from a clerk's request to a completed card, exactly once.

The job's state changes only through :mod:`ktp_service.lifecycle`; this module adds what a state change
means beyond the job row (the card, the old card, stock, the billing outbox).

Rules (issue 4, DOMAIN.md section 1):
- one valid card per NIK: a second card needs a reason other than ``baru``; ``hilang``, ``rusak`` and
  ``perubahan_data`` also need a supervisor's approval (the job waits in ``pending-held``); the old card
  becomes invalid in the transaction that completes the new one;
- one active job per resident (a partial unique index decides between concurrent requests);
- the completion, the card, the old card's invalidation, the stock consumption and the billable
  "card printed" outbox row are written in one transaction (:func:`complete`).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from billing.vocab import Reason
from ktp_service import lifecycle, wakeups
from ktp_service.cards import check_fit
from ktp_service.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound, invalid_field
from ktp_service.lifecycle import ACTIVE, JobStatus
from ktp_service.messages import Message
from ktp_service.models import (
    Card,
    CardPrintedEvent,
    Office,
    Printer,
    PrintJob,
    Resident,
    User,
    utcnow,
)
from ktp_service.schemas.printing import PrintJobCreate
from ktp_service.services import agent_holds, audit, cards, handover, printers, residents, stock, waiting
from ktp_service.services.actor import Actor
from ktp_service.settings import Settings

# A second card for these waits for a supervisor (pending-held); a renewal (perpanjangan) does not.
APPROVAL_REASONS = frozenset({Reason.HILANG, Reason.RUSAK, Reason.PERUBAHAN_DATA})


# -- refusals: each its own class and code (catalogue texts under err.<code>) ------------------------------
class PrintJobNotFound(NotFound, code="print_job_not_found"): ...


class PrinterSwitchedOff(Conflict, code="printer_inactive"): ...


class CardInProgress(Conflict, code="card_in_progress"):
    """One active job per resident."""


class ValidCardExists(Conflict, code="valid_card_exists"):
    """A first card (baru) for a resident who already holds a valid one."""


class LifetimeCardNotRenewable(Conflict, code="lifetime_card_not_renewable"): ...


class IdempotencyKeyReused(Conflict, code="idempotency_key_reused"): ...


class OwnRequest(Forbidden, code="own_request"):
    """Four eyes: a supervisor does not approve a card they asked for."""


class AlreadyReprinted(Conflict, code="already_reprinted"): ...


class NewerRequestExists(Conflict, code="newer_request_exists"): ...


class PrinterNotReady(Conflict, code="printer_not_ready"):
    """A job is moved (or a reprint sent) only to a printer whose last status says it takes cards."""


class AlreadyOnPrinter(Conflict, code="job_already_on_printer"): ...


class PrinterOfAnotherOffice(Conflict, code="printer_of_another_office"): ...


def request_hash(body: PrintJobCreate) -> str:
    return hashlib.sha256(json.dumps(body.model_dump(), sort_keys=True).encode()).hexdigest()


def get(session: Session, actor: Actor, job_uuid: str, *, lock: bool = False) -> PrintJob:
    """The job, if the actor's office may see it. ``lock``: for a change, lock the row so the change cannot
    overwrite a worker's claim or completion made in between (lost update)."""
    stmt = select(PrintJob).where(PrintJob.uuid == job_uuid)
    job = session.exec(stmt.with_for_update() if lock else stmt).first()
    if job is None:
        raise PrintJobNotFound(f"No print job {job_uuid}.", params={"job": job_uuid})
    if actor.role.office_bound:
        office = session.get(Office, job.office_id)
        if office is None or office.code != actor.office_code:
            raise PrintJobNotFound(f"No print job {job_uuid} at your office.", params={"job": job_uuid})
    return job


def _check_printable(
    session: Session,
    resident: Resident,
    printer: Printer,
    settings: Settings,
) -> None:
    """Refuse, before any job exists, a card that cannot be printed: missing photo or signature, a value
    that does not fit the template, a printer that does not take the configured format."""
    problems: list[FieldProblem] = []
    if not resident.photo_sha256:
        problems.append(FieldProblem("foto", "The resident has no photo yet; upload it first.", "missing"))
    if not resident.signature_sha256:
        problems.append(
            FieldProblem("tanda_tangan", "The resident has no signature yet; upload it first.", "missing")
        )
    template = cards.template(settings.default_template, settings.templates_dir)
    data = cards.card_data(resident, settings.images_dir, tanggal_terbit=cards.local_today(settings.timezone))
    for fit in check_fit(template, data, dpi=printer.dpi):
        problems.append(FieldProblem(fit.field, str(fit), "does_not_fit"))
    if problems:
        raise Invalid("The card cannot be printed: " + "; ".join(p.message for p in problems), problems)


def create(
    session: Session,
    actor: Actor,
    body: PrintJobCreate,
    *,
    idempotency_key: str | None,
    settings: Settings,
) -> tuple[PrintJob, bool]:
    """Create a job; returns (job, created). A repeated ``idempotency_key`` with the same body returns the
    first job (created False); with a different body it is a 409."""
    digest = request_hash(body)
    if idempotency_key:
        earlier = _by_key(session, actor, idempotency_key, digest)
        if earlier is not None:
            return earlier, False
    resident = residents.read(session, actor, body.nik)
    handover.refuse_if_departed(session, resident)
    printer = printers.get(session, body.printer_id)
    printers.check_office(session, actor, printer)
    if not printer.active:
        raise PrinterSwitchedOff(
            f"Printer {printer.name} is switched off in the registry; choose another printer.",
            params={"printer": printer.name},
        )
    _check_printable(session, resident, printer, settings)
    # The formats the printer reported at its last poll (the printer is not called here: on SQLite that
    # would hold every clerk's writes for as long as a slow printer takes). Unknown yet: the worker checks.
    if printer.status_formats and printer.document_format not in printer.status_formats:
        raise invalid_field(
            "printer_id", f"printer {printer.name} does not accept {printer.document_format} documents."
        )

    assert resident.id is not None
    _refuse_if_in_progress(session, resident.id)
    valid = valid_card(session, resident)
    requires_approval = False
    if valid is not None:
        if body.reason == Reason.BARU:
            raise ValidCardExists(
                f"This resident already holds a valid card ({valid.serial}). A second card needs a reason: "
                "hilang, rusak, perubahan_data or perpanjangan.",
                params={"serial": valid.serial},
            )
        if body.reason == Reason.PERPANJANGAN and resident.berlaku_hingga is None:
            raise LifetimeCardNotRenewable(
                "Perpanjangan is for cards that expire (WNA); this resident's card is valid for life (SEUMUR "
                "HIDUP). Use hilang, rusak or perubahan_data."
            )
        requires_approval = body.reason in APPROVAL_REASONS

    assert printer.id is not None
    job = _new_job(
        session,
        actor,
        held=requires_approval,
        resident_id=resident.id,
        printer_id=printer.id,
        office_id=printer.office_id,
        reason=body.reason,
        requires_approval=requires_approval,
        idempotency_key=idempotency_key,
        request_hash=digest,
    )
    if job is None:
        # A concurrent request won: either the same idempotency key or another job for this resident.
        if idempotency_key:
            earlier = _by_key(session, actor, idempotency_key, digest)
            if earlier is not None:
                return earlier, False
        raise CardInProgress("A card for this NIK is already in progress.")
    if job.state == JobStatus.PENDING:
        wakeups.announce(session)
    audit.record(
        session,
        actor,
        "print_job.create",
        "print_job",
        job.uuid,
        office_code=printers.office_code(session, printer),
        reason=body.reason,
        printer_id=printer.id,
    )
    return job, True


def _by_key(session: Session, actor: Actor, key: str, digest: str) -> PrintJob | None:
    earlier = session.exec(
        select(PrintJob).where(PrintJob.clerk_id == actor.user_id, PrintJob.idempotency_key == key)
    ).first()
    if earlier is not None and earlier.request_hash != digest:
        raise IdempotencyKeyReused("This Idempotency-Key was already used for a different request.")
    return earlier


def card_serial(office_code: str, job: PrintJob) -> str:
    """``KTP-3314-00000042``: regency code and the job's number (unique, readable over the phone)."""
    return f"KTP-{office_code[:5].replace('.', '')}-{job.id:08d}"


def valid_card(session: Session, resident: Resident) -> Card | None:
    return session.exec(
        select(Card).where(Card.resident_id == resident.id, col(Card.valid).is_(True))
    ).first()


@dataclass(frozen=True)
class CardOnFile:
    """A resident's valid card as a person checks it before a second one: its serial, when it was printed,
    on which printer at which office."""

    serial: str
    issued_at: datetime
    printer: str
    office_code: str
    office_name: str


def card_on_file(session: Session, resident_id: int) -> CardOnFile | None:
    """The resident's valid card with where and when it was printed, or None."""
    return cards_on_file(session, [resident_id]).get(resident_id)


def cards_on_file(session: Session, resident_ids: list[int]) -> dict[int, CardOnFile]:
    """Valid cards of these residents, by resident id, in one query (a list page's rows)."""
    if not resident_ids:
        return {}
    rows = session.exec(
        select(Card, Printer.name, Office.code, Office.name)
        .join(PrintJob, col(PrintJob.id) == Card.job_id)
        .join(Printer, col(Printer.id) == PrintJob.printer_id)
        .join(Office, col(Office.id) == PrintJob.office_id)
        .where(col(Card.resident_id).in_(resident_ids), col(Card.valid).is_(True))
    ).all()
    return {
        card.resident_id: CardOnFile(card.serial, card.issued_at, printer, code, name)
        for card, printer, code, name in rows
    }


def _refuse_if_in_progress(session: Session, resident_id: int) -> None:
    active = session.exec(
        select(PrintJob).where(PrintJob.resident_id == resident_id, col(PrintJob.state).in_(ACTIVE))
    ).first()
    if active is not None:
        raise CardInProgress(
            f"A card for this NIK is already in progress (job {active.uuid}, {active.state}).",
            params={"job": active.uuid, "state": str(active.state)},
        )


def approve(session: Session, actor: Actor, job: PrintJob, note: str) -> PrintJob:
    if job.clerk_id == actor.user_id and job.state == JobStatus.PENDING_HELD:
        raise OwnRequest("You asked for this card yourself; another supervisor must approve it.")
    lifecycle.approve(job, actor.user_id)
    session.add(job)
    wakeups.announce(session)
    audit.record(session, actor, "print_job.approve", "print_job", job.uuid, note=note)
    return job


def refuse(session: Session, actor: Actor, job: PrintJob, note: str) -> PrintJob:
    lifecycle.refuse(job, note)
    session.add(job)
    audit.record(session, actor, "print_job.refuse", "print_job", job.uuid, note=note)
    return job


def cancel(session: Session, actor: Actor, job: PrintJob, note: str = "") -> PrintJob:
    """Cancel a job that has not printed. A job already at the printer is marked for cancelling; the worker
    asks the printer (outside any transaction) and the outcome comes from the printer: a card may have
    printed anyway. A job held by an office's print agent is taken back from it (the centre cannot ask that
    printer): it waits for a supervisor to confirm whether the card came out (issue 14)."""
    if job.agent_id is not None and job.state in lifecycle.AT_PRINTER and job.agent_recalled_at is None:
        return agent_holds.recall(session, actor, job, note.strip() or "dibatalkan / canceled", cancel=True)
    lifecycle.cancel(job)
    session.add(job)
    audit.record(session, actor, "print_job.cancel", "print_job", job.uuid)
    return job


def resolve(session: Session, actor: Actor, job: PrintJob, outcome: str, note: str) -> PrintJob:
    """A supervisor records the outcome of a job whose outcome the printer could not tell."""
    if job.state != JobStatus.NEEDS_CONFIRMATION:
        raise lifecycle.JobNotAwaitingConfirmation(job)
    job.resolved_by_id = actor.user_id
    if outcome == "printed":
        # The card came out when it was sent, not when a person confirmed it (which may be next month).
        complete(session, job, job.submit_started_at or utcnow())
    else:
        lifecycle.confirm_spoiled(job)
        session.add(job)
        _consume_spoiled(session, job)
    audit.record(session, actor, "print_job.resolve", "print_job", job.uuid, outcome=outcome, note=note)
    return job


def reprint(session: Session, actor: Actor, job: PrintJob, printer_id: int | None = None) -> PrintJob:
    """A new job for a card spoiled by a printer fault. It needs no new approval: the spoiled card never
    became valid, and the original request was already approved if it needed to be. ``printer_id``: another
    ready printer of the office (the jammed one may not be cleared yet); by default the same printer."""
    lifecycle.check_reprintable(job)
    target = job.printer_id
    if printer_id is not None and printer_id != job.printer_id:
        target = _other_ready_printer(session, actor, job, printer_id).id or 0
    resident = session.get(Resident, job.resident_id)
    assert resident is not None
    handover.refuse_if_departed(session, resident)
    if session.exec(select(PrintJob.id).where(PrintJob.reprint_of_id == job.id)).first() is not None:
        raise AlreadyReprinted(f"Job {job.uuid} was already reprinted.", params={"job": job.uuid})
    newer = session.exec(
        select(PrintJob.uuid).where(
            PrintJob.resident_id == job.resident_id,
            col(PrintJob.id) > job.id,
            col(PrintJob.state).not_in((JobStatus.CANCELED, JobStatus.ABORTED)),
        )
    ).first()
    if newer is not None:
        # Reprinting now would issue a second card without the checks a new request gets.
        raise NewerRequestExists(
            f"A newer card request for this NIK exists (job {newer}); this spoiled card is not reprinted.",
            params={"job": newer},
        )
    _refuse_if_in_progress(session, job.resident_id)
    new = _new_job(
        session,
        actor,
        held=False,  # approved already, if it needed to be
        resident_id=job.resident_id,
        printer_id=target,
        office_id=job.office_id,
        reason=job.reason,
        reprint_of_id=job.id,
        is_fault_reprint=True,
        requires_approval=job.requires_approval,
        approved_by_id=job.approved_by_id,
        approved_at=job.approved_at,
    )
    if new is None:
        raise CardInProgress("A card for this NIK is already in progress.")
    audit.record(
        session, actor, "print_job.reprint", "print_job", new.uuid, reprint_of=job.uuid, printer_id=target
    )
    wakeups.announce(session)
    return new


def _other_ready_printer(session: Session, actor: Actor, job: PrintJob, printer_id: int) -> Printer:
    """``printer_id`` as a place for ``job``'s card: a printer of the job's office, switched on and ready
    by its last status, and not the one the job already has."""
    printer = printers.get(session, printer_id)
    printers.check_office(session, actor, printer)
    if printer.office_id != job.office_id:
        raise PrinterOfAnotherOffice(
            f"Printer {printer.name} belongs to another office than job {job.uuid}.",
            params={"printer": printer.name},
        )
    if printer.id == job.printer_id:
        raise AlreadyOnPrinter(
            f"Job {job.uuid} is already on printer {printer.name}.", params={"printer": printer.name}
        )
    if not waiting.printer_ready(printer):
        raise PrinterNotReady(
            f"Printer {printer.name} is not ready ({printer.status_state or 'not checked yet'}); choose a "
            "ready printer.",
            params={"printer": printer.name, "reasons": printer.status_reasons or ["offline-report"]},
        )
    if printer.status_formats and printer.document_format not in printer.status_formats:
        raise invalid_field(
            "printer_id", f"printer {printer.name} does not accept {printer.document_format} documents."
        )
    return printer


def move(session: Session, actor: Actor, job: PrintJob, printer_id: int) -> PrintJob:
    """A job not yet at a printer (waiting, held by its printer's fault, or awaiting approval) goes to another
    ready printer of its office, due there at once. Audited with both printers."""
    if not lifecycle.allowed(job, "move"):
        raise lifecycle.JobNotMovable(job)
    old = session.get(Printer, job.printer_id)
    new = _other_ready_printer(session, actor, job, printer_id)
    assert new.id is not None
    old_name = old.name if old else str(job.printer_id)
    lifecycle.move(job, new.id, Message("moved_to_printer", {"from": old_name, "printer": new.name}))
    session.add(job)
    audit.record(
        session,
        actor,
        "print_job.move",
        "print_job",
        job.uuid,
        office_code=offices_code(session, job.office_id),
        from_printer=old_name,
        to_printer=new.name,
    )
    if job.state == JobStatus.PENDING:
        wakeups.announce(session)
    return job


def try_now(session: Session, actor: Actor, job: PrintJob) -> PrintJob:
    """A clerk's "try now": a waiting job is due at once instead of after its back-off. Audited."""
    lifecycle.make_due(job, utcnow(), Message("try_now_requested"), clear_reasons=False)
    session.add(job)
    audit.record(session, actor, "print_job.try_now", "print_job", job.uuid)
    wakeups.announce(session)
    return job


def _new_job(session: Session, actor: Actor, *, held: bool, **fields: Any) -> PrintJob | None:
    """A new job where the lifecycle starts it, inserted under a savepoint, with its card serial; None when
    a concurrent request won (the unique indexes: one active job per resident, one per idempotency key)."""
    status, message = lifecycle.initial(held)
    job = PrintJob(uuid=str(uuid.uuid4()), clerk_id=actor.user_id, state=status, **fields)
    lifecycle.set_message(job, message)
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:
        return None
    job.card_serial = card_serial(offices_code(session, job.office_id), job)
    session.add(job)
    session.flush()
    return job


def offices_code(session: Session, office_id: int) -> str:
    office = session.get(Office, office_id)
    assert office is not None
    return office.code


def complete(session: Session, job: PrintJob, completed_at: datetime) -> None:
    """The card printed: in this one transaction the job completes, the card becomes valid, the old card
    becomes invalid, a blank card is consumed and the billable event is written to the outbox."""
    if not lifecycle.complete(job, completed_at):
        return  # exactly once: a second report of the same completion changes nothing
    session.add(job)
    resident = session.get(Resident, job.resident_id)
    assert resident is not None and job.id is not None and job.card_serial is not None
    old = valid_card(session, resident)
    if old is not None:
        old.valid, old.invalidated_at = False, completed_at
        session.add(old)
        session.flush()  # the partial unique index admits the new valid card only after this
    card = Card(serial=job.card_serial, resident_id=resident.id or 0, job_id=job.id, issued_at=completed_at)
    session.add(card)
    session.flush()
    if old is not None:
        old.replaced_by_id = card.id
        session.add(old)
    stock.consume(session, job.office_id, job.id, spoiled=False)
    session.add(
        CardPrintedEvent(
            event_key=f"card-printed:{job.card_serial}",
            card_serial=job.card_serial,
            nik=resident.nik,
            office_code=offices_code(session, job.office_id),
            reason=job.reason,
            printer_id=job.printer_id,
            job_uuid=job.uuid,
            completed_at=completed_at,
            template_version=job.template_version or "",
            is_fault_reprint=job.is_fault_reprint,
        )
    )


def clamp_printer_time(reported: datetime | None, earliest: datetime | None) -> datetime:
    """A printer's (or an agent's printer's) completion time, kept between ``earliest`` (when the card was
    sent, or handed to the agent) and now: a printer with a wrong clock must not move a card into another
    billing month. No time reported: now."""
    now = utcnow()
    if reported is None:
        return now
    return min(max(reported, earliest or now), now)


def abort(session: Session, job: PrintJob, reasons: list[str], message: Message, *, spoiled: bool) -> None:
    """The job ended without a card. ``spoiled``: a blank card was used up (jam mid-card); it is recorded
    against stock and never billed; the clerk can ask for a reprint."""
    lifecycle.abort(job, reasons, message, spoiled=spoiled)
    session.add(job)
    if spoiled:
        _consume_spoiled(session, job)


def _consume_spoiled(session: Session, job: PrintJob) -> None:
    assert job.id is not None
    stock.consume(session, job.office_id, job.id, spoiled=True)


def list_jobs(
    session: Session, actor: Actor, *, office: str | None, state: JobStatus | None, limit: int, offset: int
) -> tuple[list[PrintJob], int]:
    stmt = select(PrintJob)
    code = actor.office_code if actor.role.office_bound else office
    if code:
        stmt = stmt.join(Office, col(Office.id) == PrintJob.office_id).where(Office.code == code)
    if state:
        stmt = stmt.where(PrintJob.state == state)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = list(session.exec(stmt.order_by(col(PrintJob.id).desc()).limit(limit).offset(offset)))
    # Each job carries its resident's NIK and name: the list is a read of their data.
    audit.record_resident_reads(session, actor, [j.resident_id for j in rows], via="print_jobs")
    return rows, total


def usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {u.id or 0: u.username for u in session.exec(select(User).where(col(User.id).in_(wanted)))}
