"""Billing periods: calendar months in the configured zone (DOMAIN.md section 5).

A card completed at 2026-11-30T17:30Z is 00:30 WIB on 1 December, so it belongs to ``2026-12`` in
Asia/Jakarta (and to ``2026-11`` in a UTC-based zone). A month is ``open`` until it is closed; closing is in
order (an earlier month that has postings must be closed first), so every month up to the latest closed one
is closed. Something dated in a closed month is posted to the first open month after it, marked
``prior_period``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from billing.errors import InvalidInput, MonthInFuture
from billing.models import Period

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")  # ASCII digits only: \d takes any script's digits
# The years a billing month may name. Outside them a month is a typo, and at the edges its first instant in
# the zone (year 1) or its next month (year 9999) would fall outside what dates can hold.
FIRST_YEAR, LAST_YEAR = 2000, 2999


def parse_month(month: str) -> tuple[int, int]:
    """``"2026-12"`` -> ``(2026, 12)``; anything else is refused, as is a year outside FIRST_YEAR-LAST_YEAR."""
    m = _MONTH.fullmatch(month) if isinstance(month, str) else None
    if m is None:
        raise InvalidInput(f"a month is written YYYY-MM (e.g. 2026-12), not {month!r}")
    year = int(m.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(f"month {month} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
    return year, int(m.group(2))


def month_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _after(year: int, month: int) -> tuple[int, int]:
    return year + month // 12, month % 12 + 1


def next_month(month: str) -> str:
    return month_text(*_after(*parse_month(month)))


def month_of(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return month_text(local.year, local.month)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def month_bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The month's first instant and the first instant of the next month, in UTC."""
    y, m = parse_month(month)
    ny, nm = _after(y, m)
    start = datetime(y, m, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(ny, nm, 1, tzinfo=zone).astimezone(UTC)
    return start, end


def month_days(month: str) -> tuple[date, date]:
    """The month's first and last calendar day."""
    y, m = parse_month(month)
    ny, nm = _after(y, m)
    return date(y, m, 1), date(ny, nm, 1) - timedelta(days=1)


def check_not_future(month: str, now: datetime, zone: ZoneInfo) -> None:
    """Refuse a month that has not started yet in ``zone``."""
    current = month_of(now, zone)
    if month > current:  # YYYY-MM text orders like the months it names
        raise MonthInFuture(
            f"month {month} is in the future (it is {current} now in {zone.key})", month=month
        )


def latest_closed_month(session: Session) -> str | None:
    return session.exec(select(func.max(Period.month)).where(Period.status == "closed")).one()


def is_closed(session: Session, month: str) -> bool:
    latest = latest_closed_month(session)
    return latest is not None and month <= latest


def period_status(session: Session, month: str) -> str:
    return "closed" if is_closed(session, month) else "open"


def posting_month(event_month: str, latest_closed: str | None) -> tuple[str, bool]:
    """Where something dated in ``event_month`` is posted: its own month while that is open, otherwise the
    month after the latest closed one, marked prior-period (the second value)."""
    if latest_closed is None or event_month > latest_closed:
        return event_month, False
    return next_month(latest_closed), True


def ensure_periods(session: Session, months: set[str]) -> None:
    """Create the open period rows that do not exist yet (the caller holds the billing lock)."""
    if not months:
        return
    have = set(session.exec(select(Period.month).where(col(Period.month).in_(months))))
    for month in sorted(months - have):
        session.add(Period(month=month, status="open"))
    session.flush()


def open_months_before(session: Session, month: str) -> list[str]:
    return list(session.exec(select(Period.month).where(Period.status == "open", Period.month < month)))
