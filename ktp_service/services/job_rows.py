"""Print jobs as the console lists them, each with its resident, printer and clerk. The related rows are
loaded with one ``IN`` query per table, so a list page runs the same number of statements for 2 jobs as
for 100 (the console once ran a ``session.get`` per row and per relation)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlmodel import Session, col, select

from ktp_service.lifecycle import JobStatus
from ktp_service.models import Printer, PrintJob, Resident
from ktp_service.services import audit, print_jobs
from ktp_service.services.actor import Actor

_Row = TypeVar("_Row", Resident, Printer)


@dataclass(frozen=True)
class JobRow:
    """A job and what its list row shows; ``None`` where the related row is gone."""

    job: PrintJob
    resident: Resident | None
    printer: Printer | None
    clerk: str | None  # the clerk's username


@dataclass(frozen=True)
class JobDetail:
    """One job's page: its row, the fault reprint made of it and the job it reprints (if any)."""

    row: JobRow
    reprinted: PrintJob | None
    original: PrintJob | None


def with_related(session: Session, jobs: Sequence[PrintJob]) -> list[JobRow]:
    """``jobs`` in their order, each with resident, printer and clerk (three queries at most)."""
    residents = _by_id(session, Resident, {j.resident_id for j in jobs})
    printers = _by_id(session, Printer, {j.printer_id for j in jobs})
    clerks = print_jobs.usernames(session, {j.clerk_id for j in jobs})
    return [
        JobRow(
            job=j,
            resident=residents.get(j.resident_id),
            printer=printers.get(j.printer_id),
            clerk=clerks.get(j.clerk_id) if j.clerk_id else None,
        )
        for j in jobs
    ]


def listed(
    session: Session, actor: Actor, *, office: str | None, state: JobStatus | None, limit: int = 100
) -> tuple[list[JobRow], int]:
    """The newest ``limit`` jobs the actor may see (office scope as ``print_jobs.list_jobs``), and how many
    match in all."""
    jobs, total = print_jobs.list_jobs(session, actor, office=office, state=state, limit=limit, offset=0)
    return with_related(session, jobs), total


def of_resident(session: Session, resident: Resident, limit: int = 20) -> list[JobRow]:
    """The resident's newest jobs."""
    jobs = session.exec(
        select(PrintJob)
        .where(PrintJob.resident_id == resident.id)
        .order_by(col(PrintJob.id).desc())
        .limit(limit)
    ).all()
    return with_related(session, jobs)


def detail(session: Session, actor: Actor, job_uuid: str) -> JobDetail:
    """The job (``PrintJobNotFound`` outside the actor's office) with its reprint and original."""
    job = print_jobs.get(session, actor, job_uuid)
    reprinted = session.exec(select(PrintJob).where(PrintJob.reprint_of_id == job.id)).first()
    original = session.get(PrintJob, job.reprint_of_id) if job.reprint_of_id else None
    audit.record_resident_reads(session, actor, [job.resident_id], via="print_job")
    return JobDetail(with_related(session, [job])[0], reprinted, original)


def _by_id(session: Session, model: type[_Row], ids: set[int]) -> dict[int, _Row]:
    if not ids:
        return {}
    return {row.id or 0: row for row in session.exec(select(model).where(col(model.id).in_(ids)))}
