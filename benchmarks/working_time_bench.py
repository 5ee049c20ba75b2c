"""Seconds to count the working time of 10,000 cases (issue 15's indicators count every open case on each
view of the indicators page), for cases 3 days and 365 days old, under the default standard (Monday to
Friday, 08:00-16:00, Indonesia's national holidays from the ``holidays`` package).

    .venv/bin/python benchmarks/working_time_bench.py
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import print_machine  # noqa: E402
from ktp_service.services import service_standard  # noqa: E402

CASES = 10_000


def main() -> None:
    print_machine()
    standard = service_standard.Standard(frozenset({1, 2, 3, 4, 5}), clock(8), clock(16), {}, [], False)
    cal = service_standard.calendar(standard, "Asia/Jakarta", range(2025, 2027))
    end = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Asia/Jakarta"))
    for days in (3, 365):
        start = end - timedelta(days=days, hours=3)
        began = time.perf_counter()
        for _ in range(CASES):
            cal.working_seconds(start, end)
        print(f"{CASES} cases {days} days old: {time.perf_counter() - began:.2f} s")


if __name__ == "__main__":
    main()
