"""The audit trail: append-only records of who did what to which record. Never put NIKs or names in
``detail``; record ids and field names only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, and_, col, func, or_, select

from ktp_service.models import AuditEvent, Office, PrintJob, User, utcnow
from ktp_service.services.actor import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object | None = None,
    *,
    office_code: str | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEvent(
            user_id=actor.user_id,
            username=actor.username,
            role=actor.role.value,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            office_code=office_code if office_code is not None else actor.office_code,
            detail=detail,
        )
    )


# -- reads of residents shown in lists and on job pages ---------------------------------------------------
REREAD_WINDOW = timedelta(minutes=10)


def record_resident_reads(session: Session, actor: Actor, resident_ids: list[int], via: str) -> None:
    """A person was shown residents' data outside the resident's own page: one ``resident.list`` row for a
    list (the ids it returned, as a search records), or one ``resident.read`` for a single resident, written
    once per person and resident within ``REREAD_WINDOW`` (a job page refreshes its status every second; a
    row per refresh would say nothing more and cost a write each)."""
    ids = sorted(set(resident_ids))
    if not ids:
        return
    if len(ids) > 1:
        record(session, actor, "resident.list", "resident", None, via=via, returned=ids)
        return
    since = utcnow() - REREAD_WINDOW
    seen = session.exec(
        select(AuditEvent.id)
        .where(
            AuditEvent.action == "resident.read",
            AuditEvent.entity_id == str(ids[0]),
            AuditEvent.user_id == actor.user_id,
            col(AuditEvent.at) >= since,
        )
        .limit(1)
    ).first()
    if seen is None and not _pending_read(session, ids[0], actor):
        record(session, actor, "resident.read", "resident", ids[0], via=via)


def _pending_read(session: Session, resident_id: int, actor: Actor) -> bool:
    """A read of this resident by this person already added in this unit of work (not yet flushed)."""
    return any(
        isinstance(o, AuditEvent)
        and o.action == "resident.read"
        and o.entity_id == str(resident_id)
        and o.user_id == actor.user_id
        for o in session.new
    )


# -- the audit page ---------------------------------------------------------------------------------------
PAGE_SIZE = 50


@dataclass(frozen=True)
class Filter:
    """What the audit page is asked for; empty fields filter nothing."""

    username: str = ""
    office: str = ""
    resident_id: int | None = None
    day: date | None = None


def _scope(stmt: Any, actor: Actor) -> Any:
    """A supervisor sees what happened in their office: events about its area (a one-stop office's area is
    the whole regency, as for residents) and everything its own staff did."""
    if not actor.role.office_bound:
        return stmt
    code = actor.office_code or "-"
    staff = select(User.id).join(Office, col(Office.id) == User.office_id).where(Office.code == code)
    return stmt.where(
        or_(
            AuditEvent.office_code == code,
            col(AuditEvent.office_code).startswith(code + "."),
            col(AuditEvent.user_id).in_(staff),
        )
    )


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), zone)
    return start, start + timedelta(days=1)


def resident_job_uuids(session: Session, resident_id: int) -> list[str]:
    return list(session.exec(select(PrintJob.uuid).where(PrintJob.resident_id == resident_id)))


def _about_resident(session: Session, resident_id: int) -> Any:
    """Events about one resident: on the resident's record, or on one of their print jobs."""
    jobs = resident_job_uuids(session, resident_id)
    about = and_(col(AuditEvent.entity) == "resident", col(AuditEvent.entity_id) == str(resident_id))
    if not jobs:
        return about
    return or_(about, and_(col(AuditEvent.entity) == "print_job", col(AuditEvent.entity_id).in_(jobs)))


def events(
    session: Session, actor: Actor, wanted: Filter, zone: ZoneInfo, page: int = 1
) -> tuple[list[AuditEvent], int]:
    """One page of the trail, newest first, within the actor's scope, and how many events match in all.
    Lists and searches that showed a resident are found by :func:`resident_report`, not here."""
    stmt = _scope(select(AuditEvent), actor)
    if wanted.username:
        stmt = stmt.where(AuditEvent.username == wanted.username)
    if wanted.office:
        # The office's own area: events about residents are kept under their village's code.
        stmt = stmt.where(
            or_(
                AuditEvent.office_code == wanted.office,
                col(AuditEvent.office_code).startswith(wanted.office + "."),
            )
        )
    if wanted.resident_id is not None:
        stmt = stmt.where(_about_resident(session, wanted.resident_id))
    if wanted.day is not None:
        start, end = _day_bounds(wanted.day, zone)
        stmt = stmt.where(col(AuditEvent.at) >= start, col(AuditEvent.at) < end)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(AuditEvent.id).desc()).limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return list(rows), int(total)


@dataclass(frozen=True)
class Access:
    """One time a person read or printed a resident's data."""

    at: datetime
    username: str
    role: str
    office_code: str | None
    action: str  # the audit action, or "print_job.printed" for a card that came out of a printer
    detail: dict[str, Any]


def resident_report(session: Session, resident_id: int, limit: int = 2000) -> list[Access]:
    """Everyone who read or printed one resident's data (UU 27/2022 on personal data protection gives the
    resident the right to ask), oldest first: reads of the record, searches and lists that showed it, what
    was done to the resident's print jobs, and each card printed (by the worker, for the clerk who asked).
    Not scoped: who may ask for the report is decided by the caller (the resident's office or an
    administrator)."""
    found = list(session.exec(select(AuditEvent).where(_about_resident(session, resident_id)).limit(limit)))
    # Searches and lists record the ids they showed in ``detail.returned``: a text match narrows the rows
    # in the database, the exact check is done here.
    needle = f"%{resident_id}%"
    shown = session.exec(
        select(AuditEvent)
        .where(
            col(AuditEvent.action).in_(("resident.search", "resident.list")),
            sa.cast(col(AuditEvent.detail), sa.Text).like(needle),
        )
        .limit(limit)
    )
    found += [e for e in shown if resident_id in (e.detail.get("returned") or [])]
    out = [Access(e.at, e.username, e.role, e.office_code, e.action, dict(e.detail)) for e in found]
    jobs = session.exec(
        select(PrintJob, Office.code, User.username)
        .join(Office, col(Office.id) == PrintJob.office_id)
        .join(User, col(User.id) == PrintJob.clerk_id, isouter=True)
        .where(PrintJob.resident_id == resident_id, col(PrintJob.completed_at).is_not(None))
    )
    for job, code, clerk in jobs:
        assert job.completed_at is not None
        out.append(
            Access(
                job.completed_at,
                clerk or "-",
                "clerk",
                code,
                "print_job.printed",
                {"job": job.uuid, "card": job.card_serial, "printer": job.printer_id},
            )
        )
    return sorted(out, key=lambda a: a.at)


def record_agent(
    session: Session,
    agent_id: int,
    agent_name: str,
    office_code: str,
    action: str,
    entity: str,
    entity_id: object | None = None,
    **detail: Any,
) -> None:
    """What an office's print agent did (issue 14): it acts under its own name, not a user's."""
    session.add(
        AuditEvent(
            user_id=None,
            username=f"agent:{agent_name}"[:64],
            role="print-agent",
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            office_code=office_code,
            detail={"agent_id": agent_id, **detail},
        )
    )
