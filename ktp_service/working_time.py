"""Working time, the unit the regency's service standard promises in (issue 15).

**The rule (jam layanan pada hari kerja).** Time counts only inside the service hours (``opens`` to
``closes``, local time) of a working day; a working day is a day of the configured working week (Monday to
Friday unless configured) that is not a holiday. Holidays are Indonesia's national public holidays from the
``holidays`` package, plus the days an administrator added (cuti bersama, a local holiday), minus the days
an administrator removed. One working day is the length of the service hours (8 hours for 08:00-16:00), so a
promise of "1 working day" is that many working seconds. A request made outside service hours starts to
count when the office next opens; a card handed over after closing time has stopped counting at closing.
DOMAIN.md section 8: working days exclude weekends and national holidays, which change yearly.

Everything here is pure (no database): :mod:`ktp_service.services.service_standard` builds the calendar.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

RULE_KEY = "std.rule"  # the rule in words, in the catalogue


@dataclass(frozen=True)
class WorkCalendar:
    zone: ZoneInfo
    workdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays, Monday = 1
    opens: time = time(8, 0)
    closes: time = time(16, 0)
    holidays: Mapping[date, str] = field(default_factory=dict)  # days off besides the weekend

    @property
    def day_seconds(self) -> int:
        """The length of one working day in seconds (the service hours)."""
        return (self.closes.hour * 60 + self.closes.minute - self.opens.hour * 60 - self.opens.minute) * 60

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.workdays and day not in self.holidays

    def _day_part(self, day: date, start: datetime, end: datetime) -> int:
        """Working seconds of ``day`` inside [start, end)."""
        if not self.is_working_day(day):
            return 0
        a = max(start, datetime.combine(day, self.opens, self.zone))
        b = min(end, datetime.combine(day, self.closes, self.zone))
        return int((b - a).total_seconds()) if b > a else 0

    @cached_property
    def _days_off(self) -> list[date]:
        """The holidays that fall on a day of the working week, in order (for counting by bisection)."""
        return sorted(d for d in self.holidays if d.isoweekday() in self.workdays)

    def working_days(self, first: date, last: date) -> int:
        """Working days from ``first`` to ``last``, both included: whole weeks by arithmetic, the rest day by
        day, less the holidays on working-week days (found by bisection)."""
        if last < first:
            return 0
        weeks, rest = divmod((last - first).days + 1, 7)
        count = weeks * len(self.workdays)
        tail = first + timedelta(days=weeks * 7)
        count += sum(1 for i in range(rest) if (tail + timedelta(days=i)).isoweekday() in self.workdays)
        return count - (bisect_right(self._days_off, last) - bisect_left(self._days_off, first))

    def working_seconds(self, start: datetime, end: datetime) -> int:
        """Working seconds between two moments under the rule above; 0 when ``end`` is not after ``start``.
        The first and last day count their part; each working day between counts its whole service hours."""
        if end <= start:
            return 0
        first = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        if first == last:
            return self._day_part(first, start, end)
        between = self.working_days(first + timedelta(days=1), last - timedelta(days=1))
        return (
            self._day_part(first, start, end) + between * self.day_seconds + self._day_part(last, start, end)
        )

    def working_seconds_day_by_day(self, start: datetime, end: datetime) -> int:
        """The same, walking every day (the plain statement of the rule; tests compare the two)."""
        if end <= start:
            return 0
        day, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        total = 0
        while day <= last:
            total += self._day_part(day, start, end)
            day += timedelta(days=1)
        return total


def duration_text(seconds: int | float | None, day_seconds: int, lang: str = "id") -> str:
    """Working time in words: ``1 hari 2 jam 30 menit`` (``1 d 2 h 30 min``); whole minutes, rounded
    half up; ``-`` for None."""
    if seconds is None:
        return "-"
    minutes = int(seconds // 60 + (1 if seconds % 60 >= 30 else 0))
    day_minutes = max(day_seconds // 60, 1)
    days, rest = divmod(minutes, day_minutes)
    hours, mins = divmod(rest, 60)
    words = ("hari", "jam", "menit") if lang != "en" else ("d", "h", "min")
    parts = [f"{n} {w}" for n, w in zip((days, hours, mins), words, strict=True) if n]
    return " ".join(parts) if parts else f"0 {words[2]}"


def hours_decimal(seconds: int | float | None) -> float | None:
    """Working seconds as hours with two decimals (for exports)."""
    return None if seconds is None else round(seconds / 3600, 2)
