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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

RULE_KEY = "std.rule"  # the rule in words, in the catalogue
MAX_SPAN_DAYS = 3660  # a case open for ten years is counted up to there; bad data cannot loop


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

    def working_seconds(self, start: datetime, end: datetime) -> int:
        """Working seconds between two moments under the rule above; 0 when ``end`` is not after ``start``."""
        if end <= start:
            return 0
        first = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        last = min(last, first + timedelta(days=MAX_SPAN_DAYS))
        total = 0
        day = first
        while day <= last:
            if self.is_working_day(day):
                opens = datetime.combine(day, self.opens, self.zone)
                closes = datetime.combine(day, self.closes, self.zone)
                a, b = max(start, opens), min(end, closes)
                if b > a:
                    total += int((b - a).total_seconds())
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
