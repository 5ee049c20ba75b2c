"""Working time under the service standard's rule (ktp_service.working_time), computed by hand.

August 2026 in Asia/Jakarta: Friday 14th, Saturday 15th, Sunday 16th, Monday 17th (Independence Day, a national
holiday from the holidays package), Tuesday 18th. Service hours 08:00-16:00, so 1 working day = 8 hours."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ktp_service.services import service_standard
from ktp_service.web.indicators import quantile
from ktp_service.working_time import WorkCalendar, duration_text

WIB = ZoneInfo("Asia/Jakarta")
HOUR = 3600


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 8, day, hour, minute, tzinfo=WIB)


def default_calendar() -> WorkCalendar:
    standard = service_standard.Standard(
        frozenset({1, 2, 3, 4, 5}), time(8), time(16), {}, [], configured=False
    )
    return service_standard.calendar(standard, "Asia/Jakarta", [2026])


def test_the_package_gives_independence_day_and_no_typed_in_list() -> None:
    cal = default_calendar()
    assert date(2026, 8, 17) in cal.holidays  # from the holidays package
    assert not cal.is_working_day(date(2026, 8, 17))
    assert not cal.is_working_day(date(2026, 8, 15))  # Saturday
    assert cal.is_working_day(date(2026, 8, 18))


def test_across_a_weekend_and_a_holiday() -> None:
    cal = default_calendar()
    # Friday 14:00-16:00 = 2 h; Saturday, Sunday off; Monday 17 Aug a holiday; Tuesday 08:00-10:00 = 2 h.
    assert cal.working_seconds(at(14, 14), at(18, 10)) == 4 * HOUR
    # The same span with the holiday taken out of the calendar: Monday counts its 8 hours.
    open_monday = WorkCalendar(zone=WIB, holidays={})
    assert open_monday.working_seconds(at(14, 14), at(18, 10)) == 12 * HOUR
    # Saturday Mon-Sat week: Saturday 15th counts too (the 17th is still a holiday).
    six_days = WorkCalendar(zone=WIB, workdays=frozenset({1, 2, 3, 4, 5, 6}), holidays=cal.holidays)
    assert six_days.working_seconds(at(14, 14), at(18, 10)) == 12 * HOUR


def test_outside_service_hours_and_reversed_times() -> None:
    cal = default_calendar()
    # Asked at 06:30, handed over at 19:00 the same Tuesday: the whole service day, 8 h, counts.
    assert cal.working_seconds(at(18, 6, 30), at(18, 19)) == 8 * HOUR
    # Asked Friday 17:00 (closed), handed over Tuesday 08:45: 45 minutes.
    assert cal.working_seconds(at(14, 17), at(18, 8, 45)) == 45 * 60
    # Entirely on a Sunday: nothing.
    assert cal.working_seconds(at(16, 9), at(16, 15)) == 0
    assert cal.working_seconds(at(18, 10), at(18, 9)) == 0
    assert cal.day_seconds == 8 * HOUR


def test_duration_words_in_working_days() -> None:
    day = 8 * HOUR
    assert duration_text(4 * HOUR, day) == "4 jam"
    assert duration_text(12 * HOUR + 30 * 60, day) == "1 hari 4 jam 30 menit"
    assert duration_text(12 * HOUR + 30 * 60, day, "en") == "1 d 4 h 30 min"
    assert duration_text(29, day) == "0 menit" and duration_text(None, day) == "-"


def test_median_and_p90_by_nearest_rank() -> None:
    # Three cases: 5400, 14400, 57600 s. Median: rank ceil(0.5 x 3) = 2 -> 14400; P90: ceil(0.9 x 3) = 3.
    assert quantile([57600, 5400, 14400], 50) == 14400
    assert quantile([57600, 5400, 14400], 90) == 57600
    # Ten values 1..10: P90 is rank 9 exactly, the median rank 5.
    assert quantile(list(range(1, 11)), 90) == 9 and quantile(list(range(1, 11)), 50) == 5


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 1, 31)),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 120),
    workdays=st.frozensets(st.integers(min_value=1, max_value=7), min_size=1),
)
def test_counting_by_weeks_agrees_with_walking_every_day(
    start: datetime, minutes: int, workdays: frozenset[int]
) -> None:
    holidays = service_standard.national_holidays([2025, 2026, 2027])
    cal = WorkCalendar(zone=WIB, workdays=workdays, opens=time(7, 30), closes=time(15, 45), holidays=holidays)
    a = start.replace(tzinfo=WIB)
    b = a + timedelta(minutes=minutes)
    assert cal.working_seconds(a, b) == cal.working_seconds_day_by_day(a, b)
