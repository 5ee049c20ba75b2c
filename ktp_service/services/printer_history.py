"""A printer's status over time: the status poll writes a row when the state or its reasons change, and
availability per day is the share of the day's known time the printer was ready (time before the first
recorded status is unknown and left out, not counted as down)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ktp_service.models import Printer, PrinterStatusChange, utcnow


def record_if_changed(
    session: Session, printer: Printer, before_state: str | None, before_reasons: list[str]
) -> bool:
    """Write a change row when the printer's polled state or reasons differ from what they were."""
    if printer.status_state is None:
        return False
    if printer.status_state == before_state and sorted(printer.status_reasons) == sorted(before_reasons):
        return False
    assert printer.id is not None
    session.add(
        PrinterStatusChange(
            printer_id=printer.id,
            at=printer.status_at or utcnow(),
            state=printer.status_state,
            reasons=list(printer.status_reasons),
        )
    )
    return True


def recent_changes(session: Session, printer_id: int, limit: int = 20) -> list[PrinterStatusChange]:
    return list(
        session.exec(
            select(PrinterStatusChange)
            .where(PrinterStatusChange.printer_id == printer_id)
            .order_by(col(PrinterStatusChange.at).desc(), col(PrinterStatusChange.id).desc())
            .limit(limit)
        )
    )


def changes_since(session: Session, printer_id: int, since: datetime) -> list[PrinterStatusChange]:
    """The changes from ``since`` on, led by the last one before it (the state the window opens in)."""
    before = session.exec(
        select(PrinterStatusChange)
        .where(PrinterStatusChange.printer_id == printer_id, col(PrinterStatusChange.at) < since)
        .order_by(col(PrinterStatusChange.at).desc(), col(PrinterStatusChange.id).desc())
        .limit(1)
    ).first()
    rows = list(
        session.exec(
            select(PrinterStatusChange)
            .where(PrinterStatusChange.printer_id == printer_id, col(PrinterStatusChange.at) >= since)
            .order_by(col(PrinterStatusChange.at), col(PrinterStatusChange.id))
        )
    )
    return ([before] if before else []) + rows


@dataclass(frozen=True)
class DayAvailability:
    day: date
    ready_seconds: float
    known_seconds: float

    @property
    def percent(self) -> float | None:
        """Ready time over known time, or None for a day with no known status."""
        return None if self.known_seconds <= 0 else 100.0 * self.ready_seconds / self.known_seconds


def daily_availability(
    changes: list[PrinterStatusChange],
    is_ready: Callable[[PrinterStatusChange], bool],
    *,
    days: int,
    now: datetime,
    zone: ZoneInfo,
) -> list[DayAvailability]:
    """Availability for each of the last ``days`` local days, oldest first, today up to ``now``.
    ``changes`` in time order (as :func:`changes_since` answers); each holds until the next one, the last
    until ``now``."""
    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=days - 1)
    spans: list[tuple[datetime, datetime, bool]] = []
    for i, change in enumerate(changes):
        end = changes[i + 1].at if i + 1 < len(changes) else now
        if end > change.at:
            spans.append((change.at, end, is_ready(change)))
    out: list[DayAvailability] = []
    for n in range(days):
        day = first_day + timedelta(days=n)
        start = datetime.combine(day, time(), zone)
        end = min(datetime.combine(day + timedelta(days=1), time(), zone), now)
        ready = known = 0.0
        for a, b, ok in spans:
            overlap = (min(b, end) - max(a, start)).total_seconds()
            if overlap > 0:
                known += overlap
                if ok:
                    ready += overlap
        out.append(DayAvailability(day, ready, known))
    return out
