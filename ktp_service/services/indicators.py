"""The rows the regency indicators are computed from, each load one query (the reprint chains at most ten):
offices, the print jobs that completed or changed within a window, when fault reprints were first asked
for, and the active printers. The figures themselves are computed in ``ktp_service.web.indicators``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, or_, select

from ktp_service.models import Office, Printer, PrintJob

MAX_REPRINT_CHAIN = 10  # reprint chains are short; bounded so bad data cannot loop


def offices(session: Session, office_code: str | None) -> list[Office]:
    """Every office by code, or the one with ``office_code``."""
    stmt = select(Office).order_by(col(Office.code))
    if office_code:
        stmt = stmt.where(Office.code == office_code)
    return list(session.exec(stmt))


def jobs_in_window(
    session: Session, office_ids: list[int], since: datetime, until: datetime
) -> list[PrintJob]:
    """The offices' jobs that completed or were last changed in ``[since, until)``."""
    return list(
        session.exec(
            select(PrintJob).where(
                col(PrintJob.office_id).in_(office_ids),
                or_(
                    (col(PrintJob.completed_at) >= since) & (col(PrintJob.completed_at) < until),
                    (col(PrintJob.updated_at) >= since) & (col(PrintJob.updated_at) < until),
                ),
            )
        )
    )


def first_requests(session: Session, jobs: list[PrintJob]) -> dict[int, datetime]:
    """For fault reprints, when the card was first asked for (following reprint_of back to the start)."""
    out: dict[int, datetime] = {}
    pending = {j.id or 0: j.reprint_of_id for j in jobs if j.reprint_of_id}
    created: dict[int, tuple[datetime, int | None]] = {}
    frontier = {parent for parent in pending.values() if parent is not None}
    for _ in range(MAX_REPRINT_CHAIN):  # one query per generation of ancestors
        frontier -= created.keys()
        if not frontier:
            break
        rows = list(session.exec(select(PrintJob).where(col(PrintJob.id).in_(list(frontier)))))
        frontier = set()
        for j in rows:
            created[j.id or 0] = (j.created_at, j.reprint_of_id)
            if j.reprint_of_id is not None:
                frontier.add(j.reprint_of_id)
    for job_id, parent in pending.items():
        when: datetime | None = None
        cursor: int | None = parent
        for _ in range(MAX_REPRINT_CHAIN):
            if cursor is None or cursor not in created:
                break
            when, cursor = created[cursor]
        if when is not None:
            out[job_id] = when
    return out


def active_printers(session: Session) -> list[Printer]:
    return list(session.exec(select(Printer).where(col(Printer.active).is_(True))))
