"""Months in the configured zone, and where late items are posted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from billing.errors import InvalidInput
from billing.periods import (
    check_not_future,
    month_bounds,
    month_days,
    month_of,
    next_month,
    parse_month,
    posting_month,
)

WIB = ZoneInfo("Asia/Jakarta")


def test_a_card_at_0030_wib_on_the_first_belongs_to_the_new_month() -> None:
    moment = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 2026-12-01 00:30 WIB
    assert month_of(moment, WIB) == "2026-12"
    assert month_of(moment, ZoneInfo("UTC")) == "2026-11"
    assert month_of(datetime(2026, 11, 30, 16, 59, 59, tzinfo=UTC), WIB) == "2026-11"
    assert month_of(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), ZoneInfo("Asia/Jayapura")) == "2026-12"  # WIT


def test_month_bounds_and_days() -> None:
    start, end = month_bounds("2026-12", WIB)
    assert (start, end) == (datetime(2026, 11, 30, 17, tzinfo=UTC), datetime(2026, 12, 31, 17, tzinfo=UTC))
    assert month_days("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert next_month("2026-12") == "2027-01"
    assert next_month("2026-01") == "2026-02"


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-12", "2026/12", "", "2026-00"])
def test_bad_months_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        parse_month(bad)


def test_future_month_is_refused() -> None:
    now = datetime(2026, 12, 31, 16, 59, tzinfo=UTC)  # 23:59 WIB on 31 December
    check_not_future("2026-12", now, WIB)
    with pytest.raises(
        InvalidInput, match="2027-01 is in the future \\(it is 2026-12 now in Asia/Jakarta\\)"
    ):
        check_not_future("2027-01", now, WIB)


def test_late_items_go_to_the_month_after_the_latest_closed_one() -> None:
    assert posting_month("2026-12", None) == ("2026-12", False)
    assert posting_month("2026-12", "2026-11") == ("2026-12", False)
    assert posting_month("2026-11", "2026-11") == ("2026-12", True)
    assert posting_month("2026-09", "2026-11") == ("2026-12", True)
