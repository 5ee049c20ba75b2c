"""Print agents at offices (issue 14): registered by an administrator, enrolled once with a one-time code,
then pulling their office's print jobs from the centre (the PWG 5100.18 model: fetch, acknowledge, update
job status, update output device attributes).

Exactly once across the link:
- a job is handed to one agent in a committed transaction (``lifecycle.hand_to_agent``) and stays bound to
  it: no other agent, and no central worker, ever takes it (the worker skips agent printers and agent jobs);
- a fetch answers every job bound to the agent and not yet acknowledged, so a lost answer costs nothing:
  the next fetch hands the same jobs again, never new copies of them;
- a status report names (job, attempt, event) and is kept with its answer (:class:`AgentReport`): a repeat
  changes nothing and gets the same answer; a report out of order changes only what it may;
- a printed report completes the job through :func:`ktp_service.services.print_jobs.complete` (card, old
  card, stock, billing outbox in one transaction), dated by the agent's printer clock, clamped.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from ktp_service import agent_documents, lifecycle
from ktp_service.cards import CardError, render_card
from ktp_service.db import unit_of_work
from ktp_service.errors import Conflict, NotFound, Unauthorized
from ktp_service.lifecycle import AT_PRINTER, JobStatus
from ktp_service.messages import Message
from ktp_service.models import AgentReport, Office, PrintAgent, Printer, PrintJob, Resident, utcnow
from ktp_service.services import agent_holds, audit, cards, offices, print_jobs, printers
from ktp_service.services.actor import Actor
from ktp_service.settings import Settings
from printers.base import Marker, PrinterState, PrinterStatus, error_reasons

FORMATS: dict[str, Literal["png", "pdf"]] = {"image/png": "png", "application/pdf": "pdf"}
EVENTS = ("printing", "printed", "spoiled", "needs-confirmation", "canceled")


# -- refusals ----------------------------------------------------------------------------------------------
class AgentNotFound(NotFound, code="agent_not_found"): ...


class AgentNameTaken(Conflict, code="agent_name_taken"): ...


class EnrollmentCodeInvalid(Unauthorized, code="enrollment_code_invalid"):
    """Unknown, or already used: a code enrolls one agent once."""


class EnrollmentCodeExpired(Unauthorized, code="enrollment_code_expired"): ...


class AgentCredentialInvalid(Unauthorized, code="agent_credential_invalid"): ...


class AgentRevoked(Unauthorized, code="agent_revoked"): ...


class AgentJobNotFound(NotFound, code="agent_job_not_found"):
    """Not a job this agent holds (another office's, another agent's, or unknown): told apart from none."""


class AgentAttemptStale(Conflict, code="agent_attempt_stale"): ...


class AgentDocumentMissing(NotFound, code="agent_document_missing"): ...


# -- secrets -----------------------------------------------------------------------------------------------
def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _normal_code(code: str) -> str:
    """Codes are typed by a person: dashes, spaces and case do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _new_code() -> str:
    """160 random bits in base32, grouped by four for typing: ``ABCD-EFGH-...``."""
    raw = base64.b32encode(secrets.token_bytes(20)).decode()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _new_credential() -> str:
    return "ktpa_" + secrets.token_urlsafe(32)


# -- administration ----------------------------------------------------------------------------------------
def _issue_code(agent: PrintAgent, settings: Settings) -> str:
    code = _new_code()
    agent.enrollment_code_hash = digest(_normal_code(code))
    agent.enrollment_expires_at = utcnow() + timedelta(hours=settings.agent_enrollment_hours)
    return code


def create(
    session: Session, actor: Actor, name: str, office: str, settings: Settings
) -> tuple[PrintAgent, str]:
    """A new agent for ``office`` and its one-time enrollment code (shown once, kept only as a digest)."""
    the_office = offices.get_by_code(session, office)
    assert the_office.id is not None
    if session.exec(
        select(PrintAgent.id).where(PrintAgent.office_id == the_office.id, PrintAgent.name == name)
    ).first():
        raise AgentNameTaken(
            f"Office {office} already has an agent named {name!r}.", params={"office": office, "agent": name}
        )
    agent = PrintAgent(name=name, office_id=the_office.id)
    code = _issue_code(agent, settings)
    session.add(agent)
    session.flush()
    audit.record(session, actor, "agent.create", "print_agent", agent.id, office_code=office, name=name)
    return agent, code


def get(session: Session, agent_id: int, *, lock: bool = False) -> PrintAgent:
    stmt = select(PrintAgent).where(PrintAgent.id == agent_id)
    agent = session.exec(stmt.with_for_update() if lock else stmt).first()
    if agent is None:
        raise AgentNotFound(f"No print agent {agent_id}.", params={"agent": str(agent_id)})
    return agent


def office_code(session: Session, agent: PrintAgent) -> str:
    office = session.get(Office, agent.office_id)
    assert office is not None
    return office.code


def revoke(session: Session, actor: Actor, agent_id: int) -> PrintAgent:
    """The agent's credential and any unused code stop working at its next request. The jobs it holds stay
    bound to it (they may have printed): a supervisor decides about them."""
    agent = get(session, agent_id, lock=True)
    if agent.revoked_at is None:
        agent.revoked_at = utcnow()
    agent.enrollment_code_hash = agent.enrollment_expires_at = None
    session.add(agent)
    audit.record(
        session, actor, "agent.revoke", "print_agent", agent.id, office_code=office_code(session, agent)
    )
    return agent


def re_enroll(session: Session, actor: Actor, agent_id: int, settings: Settings) -> tuple[PrintAgent, str]:
    """A new one-time code; the old credential is dead at once (a stolen or lost agent machine). The agent's
    jobs stay bound to it: the re-enrolled agent picks them up from its journal."""
    agent = get(session, agent_id, lock=True)
    agent.credential_hash, agent.enrolled_at, agent.revoked_at = None, None, None
    code = _issue_code(agent, settings)
    session.add(agent)
    audit.record(
        session, actor, "agent.re_enroll", "print_agent", agent.id, office_code=office_code(session, agent)
    )
    return agent, code


@dataclass(frozen=True)
class AgentView:
    agent: PrintAgent
    office: str
    printers: list[Printer]
    jobs_held: int
    jobs_held_too_long: int
    unreachable_since: datetime | None


def unreachable_since(agent: PrintAgent, settings: Settings, now: datetime | None = None) -> datetime | None:
    """The agent's last contact, when that is longer ago than the configured silence (or it never called)."""
    now = now or utcnow()
    if agent.last_contact_at is None:
        return agent.enrolled_at or agent.created_at
    if now - agent.last_contact_at > timedelta(seconds=settings.agent_unreachable_seconds):
        return agent.last_contact_at
    return None


def held_too_long(job: PrintJob, settings: Settings, now: datetime | None = None) -> bool:
    if job.agent_id is None or job.agent_fetched_at is None or job.state not in AT_PRINTER:
        return False
    return (now or utcnow()) - job.agent_fetched_at > timedelta(minutes=settings.agent_hold_flag_minutes)


def list_agents(session: Session, settings: Settings) -> list[AgentView]:
    now = utcnow()
    views = []
    rows = session.exec(
        select(PrintAgent, Office.code)
        .join(Office, col(Office.id) == PrintAgent.office_id)
        .order_by(col(Office.code), col(PrintAgent.name))
    )
    for agent, code in rows:
        held = list(
            session.exec(
                select(PrintJob).where(PrintJob.agent_id == agent.id, col(PrintJob.state).in_(AT_PRINTER))
            )
        )
        mine = list(
            session.exec(select(Printer).where(Printer.agent_id == agent.id).order_by(col(Printer.name)))
        )
        views.append(
            AgentView(
                agent,
                code,
                mine,
                len(held),
                sum(held_too_long(j, settings, now) for j in held),
                unreachable_since(agent, settings, now) if agent.enrolled_at else None,
            )
        )
    return views


# -- the protocol ------------------------------------------------------------------------------------------
def enroll(session: Session, code: str) -> tuple[PrintAgent, str]:
    """Trade a one-time code for the agent's own credential (shown once, kept as a digest)."""
    agent = session.exec(
        select(PrintAgent)
        .where(PrintAgent.enrollment_code_hash == digest(_normal_code(code)))
        .with_for_update()
    ).first()
    if agent is None:
        raise EnrollmentCodeInvalid("This enrollment code is unknown or was already used; ask for a new one.")
    if agent.enrollment_expires_at is None or agent.enrollment_expires_at < utcnow():
        raise EnrollmentCodeExpired("This enrollment code has expired; ask the administrator to re-enroll.")
    credential = _new_credential()
    agent.credential_hash, agent.enrolled_at = digest(credential), utcnow()
    agent.enrollment_code_hash = agent.enrollment_expires_at = None
    agent.last_contact_at = utcnow()
    session.add(agent)
    assert agent.id is not None
    audit.record_agent(
        session, agent.id, agent.name, office_code(session, agent), "agent.enroll", "print_agent", agent.id
    )
    return agent, credential


class CredentialDigestTaken(Conflict, code="agent_credential_digest_taken"): ...


def rotate(session: Session, agent: PrintAgent, new_digest: str) -> PrintAgent:
    """The agent replaces its own credential: it made the new one itself, kept it, and sends its SHA-256
    only. The old credential is dead at once. Sent again with the new credential (the answer was lost on the
    way), it changes nothing."""
    assert agent.id is not None
    if agent.credential_hash == new_digest:
        return agent
    taken = session.exec(
        select(PrintAgent.id).where(
            (PrintAgent.credential_hash == new_digest) | (PrintAgent.enrollment_code_hash == new_digest)
        )
    ).first()
    if taken is not None:
        raise CredentialDigestTaken("This new credential is already in use; make another one.")
    agent.credential_hash = new_digest
    session.add(agent)
    audit.record_agent(
        session, agent.id, agent.name, office_code(session, agent), "agent.rotate", "print_agent", agent.id
    )
    return agent


def authenticate(session: Session, credential: str | None, *, touch: bool) -> PrintAgent:
    """The agent a bearer credential stands for; ``touch``: record the contact (a writing request)."""
    if not credential:
        raise AgentCredentialInvalid("Send the agent's credential: 'Authorization: Bearer <credential>'.")
    agent = session.exec(select(PrintAgent).where(PrintAgent.credential_hash == digest(credential))).first()
    if agent is None:
        raise AgentCredentialInvalid("This agent credential is unknown or was replaced; enroll again.")
    if agent.revoked_at is not None:
        raise AgentRevoked("This print agent was revoked by an administrator.")
    if touch:
        agent.last_contact_at = utcnow()
        session.add(agent)
    return agent


def agent_printers(session: Session, agent: PrintAgent) -> list[Printer]:
    return list(
        session.exec(
            select(Printer)
            .where(Printer.agent_id == agent.id, col(Printer.active).is_(True))
            .order_by(col(Printer.id))
        )
    )


def document_path(settings: Settings, job: PrintJob, document_format: str) -> Path:
    return settings.agent_documents_dir / f"{job.uuid}.{FORMATS[document_format]}"


def drop_document(settings: Settings, session: Session, job: PrintJob) -> None:
    """The centre's copy of a job's card, once no agent may fetch it any more."""
    printer = session.get(Printer, job.printer_id)
    if printer is not None:
        document_path(settings, job, printer.document_format).unlink(missing_ok=True)


def offer(job: PrintJob, printer: Printer, settings: Settings) -> dict[str, Any]:
    path = document_path(settings, job, printer.document_format)
    return {
        "job_id": job.uuid,
        "attempt": job.attempts,
        "printer_id": printer.id,
        "card_serial": job.card_serial,
        "document_format": printer.document_format,
        "document_sha256": job.document_sha256,
        "document_size": path.stat().st_size if path.exists() else None,
        "fetched_at": job.agent_fetched_at,
    }


def fetch(engine: Engine, agent_id: int, settings: Settings) -> list[dict[str, Any]]:
    """Bind up to the prefetch per printer to this agent and answer every job bound and not acknowledged.

    Cards are rendered with no transaction open (as the worker does) and written before the job is bound,
    so a bound job always has its document; a job taken meanwhile (a person cancelled it) loses its
    document and is not handed over."""
    now = utcnow()
    wanted: list[tuple[int, Printer, Resident]] = []
    with unit_of_work(engine, writes=False) as session:
        agent = session.get(PrintAgent, agent_id)
        assert agent is not None
        for printer in agent_printers(session, agent):
            held = session.exec(
                select(func.count()).where(
                    PrintJob.printer_id == printer.id, col(PrintJob.state).in_(AT_PRINTER)
                )
            ).one()
            room = settings.agent_prefetch_per_printer - held
            if room <= 0:
                continue
            for pending in session.exec(
                select(PrintJob)
                .where(PrintJob.printer_id == printer.id, PrintJob.state == JobStatus.PENDING)
                .order_by(col(PrintJob.id))
                .limit(room)
            ):
                resident = session.get(Resident, pending.resident_id)
                assert pending.id is not None and resident is not None
                wanted.append((pending.id, printer, resident))
    rendered: dict[int, tuple[Any, Any] | CardError] = {}
    for job_id, printer, resident in wanted:
        try:
            rendered[job_id] = _render(printer, resident, settings)
        except CardError as exc:
            rendered[job_id] = exc
    with unit_of_work(engine) as session:
        agent = session.get(PrintAgent, agent_id)
        assert agent is not None and agent.id is not None
        code = office_code(session, agent)
        for job_id, printer, _ in wanted:
            job = session.exec(select(PrintJob).where(PrintJob.id == job_id).with_for_update()).first()
            current = session.get(Printer, printer.id)
            result = rendered[job_id]
            if (
                job is None
                or job.state != JobStatus.PENDING
                or current is None
                or current.agent_id != agent.id
            ):
                continue
            lifecycle.hand_to_agent(job, agent.id, now)
            session.add(job)
            if isinstance(result, CardError):
                message = Message("card_cannot_be_made", {"detail": str(result)})
                print_jobs.abort(session, job, [], message, spoiled=False)
                continue
            card, issue_date = result
            path = document_path(settings, job, printer.document_format)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(card.content)
            tmp.replace(path)
            job.template_id, job.template_version = card.template_id, str(card.template_version)
            job.template_hash, job.document_sha256 = card.template_hash, card.document_hash
            job.tanggal_terbit = issue_date
            audit.record_agent(
                session,
                agent.id,
                agent.name,
                code,
                "agent.fetch",
                "print_job",
                job.uuid,
                attempt=job.attempts,
            )
        session.flush()
        offers = []
        for bound in session.exec(
            select(PrintJob)
            .where(
                PrintJob.agent_id == agent.id,
                col(PrintJob.state).in_(AT_PRINTER),
                col(PrintJob.agent_acknowledged_at).is_(None),
            )
            .order_by(col(PrintJob.id))
        ):
            its_printer = session.get(Printer, bound.printer_id)
            assert its_printer is not None
            offers.append(offer(bound, its_printer, settings))
        return offers


def _render(printer: Printer, resident: Resident, settings: Settings) -> tuple[Any, Any]:
    template = cards.template(settings.default_template, settings.templates_dir)
    issue_date = cards.local_today(settings.timezone)
    data = cards.card_data(resident, settings.images_dir, tanggal_terbit=issue_date)
    return render_card(template, data, dpi=printer.dpi, fmt=FORMATS[printer.document_format]), issue_date


def held_job(session: Session, agent: PrintAgent, job_uuid: str, *, lock: bool = False) -> PrintJob:
    stmt = select(PrintJob).where(PrintJob.uuid == job_uuid)
    job = session.exec(stmt.with_for_update() if lock else stmt).first()
    if job is None or job.agent_id != agent.id:
        raise AgentJobNotFound(f"This agent holds no job {job_uuid}.", params={"job": job_uuid})
    return job


def document(session: Session, agent: PrintAgent, job_uuid: str, settings: Settings) -> tuple[Path, PrintJob]:
    job = held_job(session, agent, job_uuid)
    printer = session.get(Printer, job.printer_id)
    assert printer is not None
    path = document_path(settings, job, printer.document_format)
    if job.state not in AT_PRINTER or not path.exists():
        raise AgentDocumentMissing(f"No card document for job {job_uuid} any more.", params={"job": job_uuid})
    return path, job


def compact_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.{agent_documents.FORM}")


def compact_document(
    session: Session, agent: PrintAgent, job_uuid: str, settings: Settings
) -> tuple[bytes | None, PrintJob]:
    """The card in its smaller form for the wire (:mod:`ktp_service.agent_documents`), made once and kept
    beside the card until the job ends; ``None`` for a card that travels whole (PDF)."""
    path, job = document(session, agent, job_uuid, settings)
    printer = session.get(Printer, job.printer_id)
    assert printer is not None
    if printer.document_format != "image/png":
        return None, job
    compact = compact_path(path)
    if not compact.exists():
        tmp = compact.with_name(f"{compact.name}.{secrets.token_hex(4)}.part")  # two requests at once
        tmp.write_bytes(agent_documents.pack(path.read_bytes(), printer.dpi))
        tmp.replace(compact)
    return compact.read_bytes(), job


def _check_attempt(job: PrintJob, attempt: int) -> None:
    if attempt != job.attempts:
        raise AgentAttemptStale(
            f"Job {job.uuid} is at attempt {job.attempts}, not {attempt}.",
            params={"job": job.uuid, "attempt": attempt},
        )


def acknowledge(session: Session, agent: PrintAgent, job_uuid: str, attempt: int) -> PrintJob:
    """The agent journaled the job. Idempotent; a job already ended is left as it is."""
    job = held_job(session, agent, job_uuid, lock=True)
    _check_attempt(job, attempt)
    if job.state in AT_PRINTER and job.agent_acknowledged_at is None:
        assert agent.id is not None
        lifecycle.agent_acknowledge(job, agent.id, utcnow())
        session.add(job)
        audit.record_agent(
            session,
            agent.id,
            agent.name,
            office_code(session, agent),
            "agent.acknowledge",
            "print_job",
            job.uuid,
        )
    return job


def report(
    session: Session,
    agent: PrintAgent,
    job_uuid: str,
    *,
    attempt: int,
    event: str,
    printer_time: datetime | None,
    reasons: list[str],
    document_sha256: str | None,
    settings: Settings,
) -> dict[str, Any] | agent_holds.AgentJobRecalled:
    """An agent's report about a job: applied once, kept with its answer; a repeat gets the same answer. A
    report about a job a supervisor took back is not applied: kept as a conflict, and the refusal answered
    (returned, not raised, so the conflict is committed with it)."""
    job = held_job(session, agent, job_uuid, lock=True)
    assert agent.id is not None and job.id is not None
    earlier = session.exec(
        select(AgentReport).where(
            AgentReport.job_id == job.id, AgentReport.attempt == attempt, AgentReport.event == event
        )
    ).first()
    if earlier is not None:
        return earlier.answer
    if job.agent_recalled_at is not None:
        return agent_holds.refuse_report(
            session, agent, job, attempt=attempt, event=event, printer_time=printer_time, reasons=reasons
        )
    _check_attempt(job, attempt)
    printer = session.get(Printer, job.printer_id)
    assert printer is not None
    at = print_jobs.clamp_printer_time(printer_time, job.agent_fetched_at)
    state = job.state
    if event == "printing":
        if state in AT_PRINTER:  # a late "printing" after the outcome (reordered) changes nothing
            lifecycle.agent_printing(job, agent.id, at)
    elif event == "printed":
        print_jobs.complete(session, job, at)  # exactly once: a completed job is not completed again
    elif event == "spoiled":
        if not (state == JobStatus.ABORTED and job.spoiled):
            message = Message(
                "spoiled_by_printer", {"printer": printer.name, "reasons": list(error_reasons(reasons))}
            )
            print_jobs.abort(session, job, reasons, message, spoiled=True)
    elif event == "needs-confirmation":
        if state in AT_PRINTER:
            lifecycle.need_confirmation(job, Message("agent_outcome_unknown", {"printer": printer.name}))
    elif event == "canceled" and state != JobStatus.CANCELED:
        lifecycle.canceled_at_printer(job, reasons)
    if job.state != state and job.state != JobStatus.PROCESSING_STOPPED:
        job.agent_reported_at = utcnow()
    session.add(job)
    answer = {"job_id": job.uuid, "attempt": attempt, "event": event, "state": str(job.state)}
    session.add(AgentReport(agent_id=agent.id, job_id=job.id, attempt=attempt, event=event, answer=answer))
    session.flush()
    detail: dict[str, Any] = {"attempt": attempt, "event": event}
    if document_sha256:
        detail["document_sha256_matches"] = document_sha256 == job.document_sha256
    audit.record_agent(
        session,
        agent.id,
        agent.name,
        office_code(session, agent),
        "agent.report",
        "print_job",
        job.uuid,
        **detail,
    )
    if job.state.final:
        path = document_path(settings, job, printer.document_format)
        path.unlink(missing_ok=True)
        compact_path(path).unlink(missing_ok=True)
    return answer


def update_device_attributes(
    session: Session,
    agent: PrintAgent,
    *,
    version: str,
    queue_depth: int,
    printer_states: list[dict[str, Any]],
) -> list[Printer]:
    """The agent's printers as it sees them, its version and how many jobs it holds; answers its printers
    (their adapters, URIs and configs: the agent builds its adapters from them)."""
    agent.version, agent.queue_depth = version[:32], queue_depth
    agent.printer_states = printer_states
    agent.last_contact_at = utcnow()
    session.add(agent)
    mine = {p.id: p for p in agent_printers(session, agent)}
    for reported in printer_states:
        printer = mine.get(reported.get("printer_id"))
        if printer is None:
            continue
        state = str(reported.get("state") or "offline")
        if state == "offline":
            polled = printers.Polled(None, error=str(reported.get("error") or "offline"))
        else:
            status = PrinterStatus(
                state=PrinterState(state),
                state_reasons=tuple(reported.get("reasons") or ()),
                markers=tuple(Marker(**m) for m in reported.get("markers") or ()),
                card_counter=reported.get("card_counter"),
            )
            polled = printers.Polled(status, tuple(reported.get("formats") or ()))
        printers.apply_status(session, printer, polled)
    return list(mine.values())
