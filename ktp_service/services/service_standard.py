"""The regency's service standard (issue 15): promised times per issuance reason, the working week and
service hours, and the holiday calendar.

The holiday calendar is Indonesia's national public holidays from the PyPI ``holidays`` package (data from a
package, not typed in here; its ``public`` category) with the administrator's changes on top: a day added
(cuti bersama, a local holiday) or a national holiday removed (the offices serve that day). Every change is
audited (``standard.*``). The rule for counting working time is in :mod:`ktp_service.working_time`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from zoneinfo import ZoneInfo

import holidays
from sqlmodel import Session, col, select

from ktp_service.errors import Conflict, Invalid, NotFound
from ktp_service.models import ServiceHoliday, ServicePromise, ServiceStandard, utcnow
from ktp_service.services import audit
from ktp_service.services.actor import Actor
from ktp_service.working_time import WorkCalendar

REASONS = ("baru", "hilang", "rusak", "perubahan_data", "perpanjangan")
# The regency's promise when nothing is configured: every card handed over within one working day of the
# request (the example in issue 15). An administrator sets each reason's own.
DEFAULT_PROMISE = (1, 0)
COUNTRY = "ID"
MAX_PROMISE_DAYS = 60
MAX_NAME = 120
_TIME = re.compile(r"^([01][0-9]|2[0-3])[:.]([0-5][0-9])$")


class PromiseInvalid(Invalid, code="promise_invalid"): ...


class ReasonUnknown(Invalid, code="reason_unknown"): ...


class WorkweekInvalid(Invalid, code="workweek_invalid"): ...


class HoursInvalid(Invalid, code="service_hours_invalid"): ...


class HolidayOutOfRange(Invalid, code="holiday_out_of_range"): ...


class HolidayNameMissing(Invalid, code="holiday_name_missing"): ...


class HolidayAlreadyChanged(Conflict, code="holiday_already_changed"): ...


class HolidayNotNational(Conflict, code="holiday_not_national"): ...


class HolidayAlreadyOff(Conflict, code="holiday_already_off"): ...


class HolidayChangeNotFound(NotFound, code="holiday_change_not_found"): ...


def year_range(today: date) -> tuple[int, int]:
    """The years a holiday may be set for: the package's first year for Indonesia up to five years ahead
    (a calendar further out than that is a typing mistake, not a plan)."""
    first = int(getattr(getattr(holidays, "ID", None), "start_year", 1946))
    return first, today.year + 5


@dataclass
class Standard:
    workdays: frozenset[int]
    opens: time
    closes: time
    promises: dict[str, tuple[int, int]]  # reason -> (working days, hours)
    changes: list[ServiceHoliday]
    configured: bool  # False: the defaults (no row yet)

    def promise_seconds(self, reason: str, day_seconds: int) -> int:
        days, hours = self.promises.get(reason, DEFAULT_PROMISE)
        return days * day_seconds + hours * 3600


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def load(session: Session) -> Standard:
    row = session.get(ServiceStandard, 1)
    promises = dict.fromkeys(REASONS, DEFAULT_PROMISE)
    for p in session.exec(select(ServicePromise)):
        promises[p.reason] = (p.days, p.hours)
    changes = list(session.exec(select(ServiceHoliday).order_by(col(ServiceHoliday.day))))
    if row is None:
        return Standard(frozenset({1, 2, 3, 4, 5}), time(8, 0), time(16, 0), promises, changes, False)
    return Standard(
        frozenset(int(c) for c in row.workdays),
        _clock(row.opens),
        _clock(row.closes),
        promises,
        changes,
        True,
    )


def national_holidays(years: range | list[int], lang: str = "id") -> dict[date, str]:
    """Indonesia's national public holidays of ``years`` from the ``holidays`` package, in ``lang``."""
    found = holidays.country_holidays(COUNTRY, years=list(years), language="en_US" if lang == "en" else "id")
    return {day: str(name) for day, name in found.items()}


def holiday_calendar(standard: Standard, years: range | list[int], lang: str = "id") -> dict[date, str]:
    """The days off besides the weekend: the package's holidays of ``years`` plus the days added, minus the
    days removed."""
    days = national_holidays(years, lang)
    for change in standard.changes:
        if change.action == "add":
            days[change.day] = change.name
        else:
            days.pop(change.day, None)
    return days


def calendar(standard: Standard, zone: str, years: range | list[int], lang: str = "id") -> WorkCalendar:
    return WorkCalendar(
        zone=ZoneInfo(zone),
        workdays=standard.workdays,
        opens=standard.opens,
        closes=standard.closes,
        holidays=holiday_calendar(standard, years, lang),
    )


# -- changes (each audited) ------------------------------------------------------------------------------


def _row(session: Session) -> ServiceStandard:
    row = session.get(ServiceStandard, 1)
    if row is None:
        row = ServiceStandard(id=1)
        session.add(row)
    return row


def set_promise(session: Session, actor: Actor, reason: str, days: int, hours: int) -> ServicePromise:
    if reason not in REASONS:
        raise ReasonUnknown(
            f"Unknown issuance reason {reason!r}; use one of {', '.join(REASONS)}.",
            params={"reason": reason, "reasons": ", ".join(REASONS)},
        )
    if days < 0 or hours < 0 or days + hours <= 0 or days > MAX_PROMISE_DAYS or hours > 23:
        raise PromiseInvalid(
            f"A promised time is more than zero and at most {MAX_PROMISE_DAYS} working days "
            f"(hours 0-23); got {days} days {hours} hours.",
            params={"days": days, "hours": hours, "max": MAX_PROMISE_DAYS},
        )
    row = session.get(ServicePromise, reason)
    before = (row.days, row.hours) if row else None
    if row is None:
        row = ServicePromise(reason=reason, days=days, hours=hours)
    row.days, row.hours, row.updated_at, row.updated_by_id = days, hours, utcnow(), actor.user_id
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "standard.promise", "service_promise", reason, days=days, hours=hours,
        before=list(before) if before else None,
    )  # fmt: skip
    return row


def set_week(session: Session, actor: Actor, workdays: list[int], opens: str, closes: str) -> ServiceStandard:
    days = sorted(set(workdays))
    if not days or any(d < 1 or d > 7 for d in days):
        raise WorkweekInvalid(
            "The working week names at least one day, Monday = 1 to Sunday = 7.",
            params={"days": ",".join(str(d) for d in workdays)},
        )
    a, b = _TIME.match(opens.strip()), _TIME.match(closes.strip())
    if a is None or b is None or (a.group(1), a.group(2)) >= (b.group(1), b.group(2)):
        raise HoursInvalid(
            f"Service hours are HH:MM to HH:MM, opening before closing; got {opens} - {closes}.",
            params={"opens": opens, "closes": closes},
        )
    row = _row(session)
    before = {"workdays": row.workdays, "opens": row.opens, "closes": row.closes}
    row.workdays = "".join(str(d) for d in days)
    row.opens, row.closes = f"{a.group(1)}:{a.group(2)}", f"{b.group(1)}:{b.group(2)}"
    row.updated_at, row.updated_by_id = utcnow(), actor.user_id
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "standard.week", "service_standard", 1, workdays=row.workdays, opens=row.opens,
        closes=row.closes, before=before,
    )  # fmt: skip
    return row


def _check_day(day: date, today: date) -> None:
    first, last = year_range(today)
    if not first <= day.year <= last:
        raise HolidayOutOfRange(
            f"A holiday is set for a year from {first} to {last}; {day:%d-%m-%Y} is outside.",
            params={"day": f"{day:%d-%m-%Y}", "first": first, "last": last},
        )


def add_holiday(session: Session, actor: Actor, day: date, name: str, today: date) -> ServiceHoliday:
    """A day off added to the calendar (cuti bersama, a local holiday)."""
    _check_day(day, today)
    name = " ".join(name.split())[:MAX_NAME]
    if not name:
        raise HolidayNameMissing("Name the holiday (e.g. Cuti bersama Idulfitri).")
    if day in national_holidays([day.year]):
        raise HolidayAlreadyOff(
            f"{day:%d-%m-%Y} is a national holiday already.", params={"day": f"{day:%d-%m-%Y}"}
        )
    return _change(session, actor, day, "add", name)


def remove_holiday(session: Session, actor: Actor, day: date, name: str, today: date) -> ServiceHoliday:
    """A national holiday the offices serve on (taken out of the calendar)."""
    _check_day(day, today)
    national = national_holidays([day.year])
    if day not in national:
        raise HolidayNotNational(
            f"{day:%d-%m-%Y} is not a national holiday; nothing to remove.", params={"day": f"{day:%d-%m-%Y}"}
        )
    return _change(session, actor, day, "remove", " ".join(name.split())[:MAX_NAME] or national[day])


def _change(session: Session, actor: Actor, day: date, action: str, name: str) -> ServiceHoliday:
    existing = session.exec(select(ServiceHoliday).where(ServiceHoliday.day == day)).first()
    if existing is not None:
        raise HolidayAlreadyChanged(
            f"{day:%d-%m-%Y} was already changed ({existing.action}: {existing.name}); undo that first.",
            params={"day": f"{day:%d-%m-%Y}", "name": existing.name},
        )
    row = ServiceHoliday(day=day, action=action, name=name, created_by_id=actor.user_id)
    session.add(row)
    session.flush()
    audit.record(session, actor, f"standard.holiday_{action}", "service_holiday", day.isoformat(), name=name)
    return row


def undo_change(session: Session, actor: Actor, day: date) -> None:
    """Delete the administrator's change of ``day``: the package's calendar holds for it again."""
    row = session.exec(select(ServiceHoliday).where(ServiceHoliday.day == day)).first()
    if row is None:
        raise HolidayChangeNotFound(
            f"No change was made to {day:%d-%m-%Y}.", params={"day": f"{day:%d-%m-%Y}"}
        )
    session.delete(row)
    session.flush()
    audit.record(
        session, actor, "standard.holiday_undo", "service_holiday", day.isoformat(), change=row.action,
        name=row.name,
    )  # fmt: skip
