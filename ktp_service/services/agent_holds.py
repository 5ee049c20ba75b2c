"""Cards held by print agents, seen from the month's close and from a supervisor (issue 14).

- **Closing a month** lists the cards agents still hold that may be dated in it (handed to an agent before
  the month ended, no outcome reported yet) and refuses while there is one, unless finance closes anyway
  with a reason (:class:`~ktp_service.models.MonthCloseOverride`, audited, shown with the month's close and
  on its papers). Such a card, reported printed later, is dated in the closed month and so is billed in the
  next open month, marked prior-period (:func:`billing.periods.posting_month`): never into the closed one.
- **Taking a job back** from its agent (the agent was revoked, its machine lost): a supervisor's decision
  with a note. The card may have printed at the office, so the job waits for a supervisor's confirmation
  (printed, or spoiled and then reprinted), exactly like a card the worker could not follow. The agent is
  told to drop it if it has not sent it yet; a report it sends about it afterwards is refused and kept as a
  conflict (:class:`~ktp_service.models.AgentReportConflict`), never applied, never billed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from billing.periods import month_bounds
from ktp_service import lifecycle
from ktp_service.catalogue import DEFAULT_LANGUAGE, translate
from ktp_service.errors import Conflict, FieldProblem, Invalid
from ktp_service.lifecycle import AT_PRINTER, MIN_NOTE
from ktp_service.messages import Message
from ktp_service.models import (
    AgentReportConflict,
    MonthCloseOverride,
    Office,
    PrintAgent,
    Printer,
    PrintJob,
    utcnow,
)
from ktp_service.services import audit
from ktp_service.services.actor import Actor
from ktp_service.settings import Settings

# How long a recalled job is named to its agent in the fetch answer (it drops the card if it has not sent
# it): an agent offline longer than this learns of it from the refusal of its report instead.
RECALL_TOLD_FOR = timedelta(days=60)
MIN_REASON, MAX_REASON = 10, 500  # a reason, not a word


# -- refusals ----------------------------------------------------------------------------------------------
class CardsHeldByAgents(Conflict, code="month_cards_held_by_agents"):
    """Print agents hold cards that may be dated in the month: close anyway only with a reason."""


class CloseReasonRequired(Invalid, code="close_reason_required"): ...


class RecallNoteRequired(Invalid, code="agent_recall_note_required"): ...


class AgentJobRecalled(Conflict, code="agent_job_recalled"):
    """A report about a job a supervisor took back from the agent: refused, kept as a conflict."""


# -- cards held at the month's close -----------------------------------------------------------------------
@dataclass(frozen=True)
class HeldCard:
    job: str
    card_serial: str | None
    office: str
    office_name: str
    agent_id: int
    agent: str
    printer: str
    fetched_at: datetime
    acknowledged: bool

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["fetched_at"] = self.fetched_at.isoformat()
        return out


def held_for_month(session: Session, month: str, zone: ZoneInfo) -> list[HeldCard]:
    """Jobs handed to an agent before ``month`` ended and not reported since: such a card, once printed, is
    dated between its hand-over and its report, so possibly in ``month`` (or earlier)."""
    _, end = month_bounds(month, zone)
    rows = session.exec(
        select(PrintJob, PrintAgent, Office, Printer)
        .join(PrintAgent, col(PrintAgent.id) == PrintJob.agent_id)
        .join(Office, col(Office.id) == PrintJob.office_id)
        .join(Printer, col(Printer.id) == PrintJob.printer_id)
        .where(
            col(PrintJob.state).in_(AT_PRINTER),
            col(PrintJob.agent_fetched_at) < end,
        )
        .order_by(col(Office.code), col(PrintAgent.name), col(PrintJob.agent_fetched_at), col(PrintJob.id))
    )
    return [
        HeldCard(
            job=job.uuid,
            card_serial=job.card_serial,
            office=office.code,
            office_name=office.name,
            agent_id=agent.id or 0,
            agent=agent.name,
            printer=printer.name,
            fetched_at=job.agent_fetched_at or job.created_at,
            acknowledged=job.agent_acknowledged_at is not None,
        )
        for job, agent, office, printer in rows
    ]


def _held_text(held: list[HeldCard]) -> list[str]:
    return [f"{h.card_serial or h.job} ({h.office_name} {h.office}, {h.agent})" for h in held]


def check_close(session: Session, actor: Actor, month: str, zone: ZoneInfo, reason: str | None) -> set[str]:
    """Refuse to close ``month`` while agents hold cards of it, unless ``reason`` is given: then the close
    goes on, recorded (with the cards as they stand) and audited. Answers the held jobs' ids, which the
    caller leaves out of its count of cards still in flight."""
    held = held_for_month(session, month, zone)
    reason = (reason or "").strip()
    if not held:
        return set()
    if not reason:
        raise CardsHeldByAgents(
            f"{len(held)} card(s) of {month} are still held by print agents: {'; '.join(_held_text(held))}. "
            "Close anyway only with a reason.",
            params={"month": month, "n": len(held), "cards": _held_text(held)},
        )
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise CloseReasonRequired(
            f"The reason to close with cards still at agents must be {MIN_REASON} to {MAX_REASON} characters.",
            [FieldProblem("reason", "Say why the month is closed with cards still at agents.", "invalid")],
            {"min": MIN_REASON, "max": MAX_REASON},
        )
    cards = [h.as_dict() for h in held]
    session.add(MonthCloseOverride(month=month, reason=reason, closed_by=actor.username, cards=cards))
    audit.record(
        session,
        actor,
        "billing.close.cards_held_by_agents",
        "period",
        month,
        reason=reason,
        cards=[h.job for h in held],
    )
    return {h.job for h in held}


def override_for(session: Session, month: str) -> MonthCloseOverride | None:
    return session.exec(select(MonthCloseOverride).where(MonthCloseOverride.month == month)).first()


def close_note(override: MonthCloseOverride | None, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """The sentence the month's close and its papers carry when finance closed with cards at agents."""
    if override is None:
        return None
    return translate(
        "agent_holds.closed_anyway",
        lang,
        n=len(override.cards),
        by=override.closed_by,
        reason=override.reason,
    )


# -- a supervisor takes a job back -------------------------------------------------------------------------
def recall(
    session: Session,
    actor: Actor,
    job: PrintJob,
    note: str,
    *,
    cancel: bool = False,
    settings: Settings | None = None,
) -> PrintJob:
    """Take ``job`` back from the agent holding it: it waits for a supervisor's confirmation (the card may
    have printed at the office), and the agent's later reports about it are refused. ``cancel``: a person
    cancelled the job (same decision, told apart in the audit and the message)."""
    note = note.strip()
    if len(note) < MIN_NOTE:
        raise RecallNoteRequired(
            "Taking a job back from its print agent needs a note saying why (at least 3 characters).",
            [FieldProblem("note", "Say why the job is taken back from the agent.", "missing")],
            {"min": MIN_NOTE},
        )
    if job.agent_id is None or job.state not in AT_PRINTER or job.agent_recalled_at is not None:
        raise lifecycle.JobNotWithAgent(job)
    agent = session.get(PrintAgent, job.agent_id)
    assert agent is not None
    code = "agent_job_canceled" if cancel else "agent_job_recalled"
    lifecycle.need_confirmation(job, Message(code, {"agent": agent.name, "note": note}))
    job.agent_recalled_at, job.agent_recalled_by, job.agent_recall_note = utcnow(), actor.username, note
    session.add(job)
    if settings is not None:
        from ktp_service.services.agents import drop_document  # agents builds on this module

        drop_document(settings, session, job)
    audit.record(
        session,
        actor,
        "print_job.cancel_at_agent" if cancel else "print_job.recall_from_agent",
        "print_job",
        job.uuid,
        agent=agent.name,
        agent_id=agent.id,
        note=note,
    )
    return job


def recalled_for(session: Session, agent_id: int) -> list[str]:
    """Jobs taken back from this agent lately: named in its fetch answer, so it drops any it has not sent."""
    since = utcnow() - RECALL_TOLD_FOR
    return list(
        session.exec(
            select(PrintJob.uuid)
            .where(PrintJob.agent_id == agent_id, col(PrintJob.agent_recalled_at) >= since)
            .order_by(col(PrintJob.id))
        )
    )


def refuse_report(
    session: Session,
    agent: PrintAgent,
    job: PrintJob,
    *,
    attempt: int,
    event: str,
    printer_time: datetime | None,
    reasons: list[str],
) -> AgentJobRecalled:
    """Keep the agent's report about a recalled job as a conflict (once per job, attempt and event) and
    answer the refusal to send. The caller commits (the refusal is answered, not raised)."""
    assert agent.id is not None and job.id is not None
    known = session.exec(
        select(AgentReportConflict).where(
            AgentReportConflict.job_id == job.id,
            AgentReportConflict.attempt == attempt,
            AgentReportConflict.event == event,
        )
    ).first()
    if known is None:
        session.add(
            AgentReportConflict(
                agent_id=agent.id,
                job_id=job.id,
                attempt=attempt,
                event=event,
                printer_time=printer_time,
                reasons=reasons[:20],
            )
        )
        office = session.get(Office, agent.office_id)
        audit.record_agent(
            session,
            agent.id,
            agent.name,
            office.code if office else "",
            "agent.report_refused_recalled",
            "print_job",
            job.uuid,
            attempt=attempt,
            event=event,
        )
        session.flush()
    return AgentJobRecalled(
        f"Job {job.uuid} was taken back from this agent by {job.agent_recalled_by}; report {event!r} refused "
        "and kept for a supervisor.",
        params={"job": job.uuid, "event": event},
    )


@dataclass(frozen=True)
class ConflictView:
    id: int
    job: str
    card_serial: str | None
    state: str
    office: str
    agent: str
    attempt: int
    event: str
    printer_time: datetime | None
    received_at: datetime
    recalled_by: str | None
    recall_note: str | None


def conflicts(
    session: Session, office_code: str | None = None, job_uuid: str | None = None
) -> list[ConflictView]:
    """Refused reports about recalled jobs, newest first (a supervisor's list; ``office_code``: one office's
    and the villages under it)."""
    stmt = (
        select(AgentReportConflict, PrintJob, PrintAgent, Office)
        .join(PrintJob, col(PrintJob.id) == AgentReportConflict.job_id)
        .join(PrintAgent, col(PrintAgent.id) == AgentReportConflict.agent_id)
        .join(Office, col(Office.id) == PrintJob.office_id)
        .order_by(col(AgentReportConflict.id).desc())
    )
    if job_uuid is not None:
        stmt = stmt.where(PrintJob.uuid == job_uuid)
    out = []
    for c, job, agent, office in session.exec(stmt):
        if office_code and not (office.code == office_code or office.code.startswith(office_code + ".")):
            continue
        out.append(
            ConflictView(
                id=c.id or 0,
                job=job.uuid,
                card_serial=job.card_serial,
                state=str(job.state),
                office=office.code,
                agent=agent.name,
                attempt=c.attempt,
                event=c.event,
                printer_time=c.printer_time,
                received_at=c.received_at,
                recalled_by=job.agent_recalled_by,
                recall_note=job.agent_recall_note,
            )
        )
    return out
