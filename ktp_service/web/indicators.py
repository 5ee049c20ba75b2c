"""Service indicators for the regency, computed from the print_job and printer tables (the success
indicators the Sragen case lacked, DOMAIN.md section 3):

- cards printed per office per local day;
- turnaround from the request to the printed card (a fault reprint counts from the first request);
- spoilage rate: spoiled blanks / (printed + spoiled);
- printer availability *now*: active printers ready at their last poll. The printer table keeps only the
  latest status, so availability over time would need a status history, which the schema does not keep.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from ktp_service.lifecycle import JobStatus
from ktp_service.services import indicators
from ktp_service.web.views import printer_state


@dataclass
class OfficeFigures:
    code: str
    name: str
    printed: int = 0
    spoiled: int = 0
    delayed: int = 0  # jobs that waited on a printer fault (retried or stopped)
    turnaround: list[float] = field(default_factory=list)  # minutes
    printers: int = 0
    ready: int = 0

    @property
    def median(self) -> float | None:
        return quantile(self.turnaround, 50)

    @property
    def p90(self) -> float | None:
        return quantile(self.turnaround, 90)


@dataclass
class Indicators:
    start: date
    end: date  # inclusive
    days: list[date]
    per_day: dict[date, int]
    per_office_day: dict[str, dict[date, int]]
    offices: list[OfficeFigures]

    @property
    def total(self) -> OfficeFigures:
        t = OfficeFigures("*", "")
        for o in self.offices:
            t.printed += o.printed
            t.spoiled += o.spoiled
            t.delayed += o.delayed
            t.turnaround += o.turnaround
            t.printers += o.printers
            t.ready += o.ready
        return t


def quantile(values: list[float], percent: int) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``percent`` % of the observations at or
    below it; None when empty. Integer arithmetic, so 90 % of 10 values is exactly rank 9."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-percent * len(ordered) // 100))  # ceil(percent * n / 100)
    return ordered[rank - 1]


def compute(session: Session, *, zone: str, start: date, end: date, office_code: str | None) -> Indicators:
    """The indicators of ``start``..``end`` (local days in ``zone``) for one office or all of them."""
    tz = ZoneInfo(zone)
    since = datetime.combine(start, time.min, tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tz)
    by_id = {o.id: OfficeFigures(o.code, o.name) for o in indicators.offices(session, office_code)}

    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    per_day: dict[date, int] = dict.fromkeys(days, 0)
    per_office_day: dict[str, dict[date, int]] = defaultdict(lambda: dict.fromkeys(days, 0))

    jobs = indicators.jobs_in_window(session, [i for i in by_id if i is not None], since, until)
    first_request = indicators.first_requests(session, jobs)
    for job in jobs:
        figures = by_id[job.office_id]
        if job.state == JobStatus.COMPLETED and job.completed_at and since <= job.completed_at < until:
            figures.printed += 1
            day = job.completed_at.astimezone(tz).date()
            per_day[day] += 1
            per_office_day[figures.code][day] += 1
            requested = first_request.get(job.id or 0, job.created_at)
            figures.turnaround.append((job.completed_at - requested).total_seconds() / 60)
        if job.spoiled and since <= job.updated_at < until:
            figures.spoiled += 1
        if since <= job.created_at < until and (
            job.attempts > 1 or job.state == JobStatus.PROCESSING_STOPPED
        ):
            figures.delayed += 1

    for printer in indicators.active_printers(session):
        if printer.office_id in by_id:
            by_id[printer.office_id].printers += 1
            by_id[printer.office_id].ready += printer_state(printer).ready

    shown = [f for f in by_id.values() if f.printed or f.spoiled or f.printers or office_code]
    return Indicators(start, end, days, per_day, dict(per_office_day), shown)


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    title: str = ""  # the hover text's name, when the axis label is a short one (an office's code and name)


def bar_chart(
    labels: list[str],
    values: list[int],
    *,
    width: int = 1180,
    height: int = 230,
    fmt: Callable[[int], str] = str,
    titles: list[str] | None = None,
) -> dict[str, object]:
    """Geometry of a plain SVG bar chart (drawn by the template; no chart library). ``fmt`` writes the
    axis values (e.g. thousands separators)."""
    top = max(values, default=0) or 1
    left, bottom, gap = 14 + 7 * len(fmt(top)), 28, 4
    inner_w, inner_h = width - left - 8, height - bottom - 12
    step = inner_w / max(len(values), 1)
    bar_w = max(min(step - gap, 64), 1)  # a lone bar stays a bar, not a wall
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = inner_h * value / top
        title = titles[i] if titles else ""
        bars.append(
            Bar(left + i * step + (step - bar_w) / 2, 12 + inner_h - h, bar_w, h, label, value, title)
        )
    # Whole-number ticks drawn where their value is (a middle tick of 1 for a top of 3 sits at a third).
    ticks = [(12 + inner_h - inner_h * v / top, fmt(v)) for v in sorted({0, top // 2, top})]
    every = max(1, len(values) // 10)  # at most about ten date labels
    return {
        "bars": bars,
        "ticks": ticks,
        "width": width,
        "height": height,
        "left": left,
        "base": 12 + inner_h,
        "label_every": every,
    }
