"""The service standard on the indicators page (issue 15): per office and month, the working time from the
request to the printed card, from the printed card to the handover and from the request to the handover
(median and 90th percentile, nearest rank), the share handed over within the promise, and the open cases
already older than their promise. Exports: CSV (semicolon, UTF-8 with BOM, decimal comma, as the IKM's) and
XLSX.

Which month a time belongs to: request -> printed by the day the card was printed; printed -> handed over,
request -> handed over and the share within the promise by the day it was handed over (local days). A fault
reprint counts from the first request. Open cases are as of now: a card requested and not handed over (in
the queue, at the printer, or printed and waiting at the office; not a card invalidated or a job that ended
without a card) whose working time since the request is over its reason's promise.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ktp_service.catalogue import translate
from ktp_service.lifecycle import ACTIVE, JobStatus
from ktp_service.models import Card, Handover, PrintJob, utcnow
from ktp_service.services import indicators, service_standard
from ktp_service.web.indicators import quantile
from ktp_service.working_time import WorkCalendar, duration_text, hours_decimal

MAX_OPEN = 200  # open cases listed, oldest first


@dataclass
class StandardRow:
    month: str  # YYYY-MM
    code: str
    name: str
    to_print: list[int] = field(default_factory=list)  # working seconds
    to_handover: list[int] = field(default_factory=list)
    total: list[int] = field(default_factory=list)
    within: int = 0

    @property
    def handed_over(self) -> int:
        return len(self.total)

    def stat(self, which: str, percent: int) -> int | None:
        values: list[int] = getattr(self, which)
        found = quantile([float(v) for v in values], percent)
        return None if found is None else int(found)

    def share_text(self) -> str:
        if not self.total:
            return "-"
        tenths = (self.within * 1000 * 2 + len(self.total)) // (len(self.total) * 2)  # half up, in 0,1 %
        return f"{tenths // 10},{tenths % 10} %"


@dataclass
class OpenCase:
    code: str
    name: str
    job_id: int
    uuid: str
    reason: str
    requested: datetime
    state: str
    printed: bool
    elapsed: int  # working seconds since the request
    promise: int


@dataclass
class StandardFigures:
    rows: list[StandardRow]
    total: StandardRow
    open_cases: list[OpenCase]
    open_more: int
    calendar: WorkCalendar
    standard: service_standard.Standard


def _month(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m")


def compute(
    session: Session,
    *,
    zone: str,
    start: date,
    end: date,
    office_code: str | None,
    now: datetime | None = None,
) -> StandardFigures:
    tz = ZoneInfo(zone)
    now = now or utcnow()
    since = datetime.combine(start, time.min, tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tz)
    offices = {o.id: o for o in indicators.offices(session, office_code)}
    ids = [i for i in offices if i is not None]
    standard = service_standard.load(session)

    printed = list(
        session.exec(
            select(PrintJob).where(
                col(PrintJob.office_id).in_(ids),
                PrintJob.state == JobStatus.COMPLETED,
                col(PrintJob.completed_at) >= since,
                col(PrintJob.completed_at) < until,
            )
        )
    )
    handed = list(
        session.exec(
            select(Handover, PrintJob)
            .join(PrintJob, col(PrintJob.id) == col(Handover.job_id))
            .where(col(Handover.office_id).in_(ids), col(Handover.at) >= since, col(Handover.at) < until)
        )
    )
    waiting = _open_jobs(session, ids)
    jobs = printed + [j for _, j in handed] + waiting
    first = indicators.first_requests(session, jobs)

    def requested(job: PrintJob) -> datetime:
        return first.get(job.id or 0, job.created_at)

    earliest = min([requested(j) for j in jobs], default=since)
    years = range(min(earliest.astimezone(tz).year, start.year), max(now.astimezone(tz).year, end.year) + 1)
    cal = service_standard.calendar(standard, zone, years)

    rows: dict[tuple[str, int], StandardRow] = {}

    def row(month: str, office_id: int) -> StandardRow:
        o = offices[office_id]
        return rows.setdefault((month, office_id), StandardRow(month, o.code, o.name))

    for job in printed:
        assert job.completed_at is not None
        r = row(_month(job.completed_at, tz), job.office_id)
        r.to_print.append(cal.working_seconds(requested(job), job.completed_at))
    for handover, job in handed:
        r = row(_month(handover.at, tz), handover.office_id)
        taken = cal.working_seconds(requested(job), handover.at)
        r.total.append(taken)
        if job.completed_at is not None:
            r.to_handover.append(cal.working_seconds(job.completed_at, handover.at))
        r.within += taken <= standard.promise_seconds(job.reason, cal.day_seconds)

    cases: list[OpenCase] = []
    for job in waiting:
        elapsed = cal.working_seconds(requested(job), now)
        promise = standard.promise_seconds(job.reason, cal.day_seconds)
        if elapsed > promise:
            o = offices[job.office_id]
            cases.append(
                OpenCase(
                    o.code, o.name, job.id or 0, job.uuid, job.reason, requested(job), str(job.state),
                    job.state == JobStatus.COMPLETED, elapsed, promise,
                )
            )  # fmt: skip
    cases.sort(key=lambda c: (-c.elapsed, c.job_id))

    ordered = sorted(rows.values(), key=lambda r: (r.month, r.code))
    total = StandardRow("*", "*", "")
    for r in ordered:
        total.to_print += r.to_print
        total.to_handover += r.to_handover
        total.total += r.total
        total.within += r.within
    return StandardFigures(ordered, total, cases[:MAX_OPEN], max(len(cases) - MAX_OPEN, 0), cal, standard)


def _open_jobs(session: Session, office_ids: list[int]) -> list[PrintJob]:
    """Jobs still on their way to the resident: active, or printed with a valid card not handed over."""
    active = list(
        session.exec(
            select(PrintJob).where(col(PrintJob.office_id).in_(office_ids), col(PrintJob.state).in_(ACTIVE))
        )
    )
    waiting = list(
        session.exec(
            select(PrintJob)
            .join(Card, col(Card.job_id) == col(PrintJob.id))
            .outerjoin(Handover, col(Handover.job_id) == col(PrintJob.id))
            .where(
                col(PrintJob.office_id).in_(office_ids),
                PrintJob.state == JobStatus.COMPLETED,
                col(Card.valid).is_(True),
                col(Handover.id).is_(None),
            )
        )
    )
    return active + waiting


# -- exports ----------------------------------------------------------------------------------------------


def _hours_text(seconds: int | None) -> str:
    value = hours_decimal(seconds)
    return "-" if value is None else f"{value:.2f}".replace(".", ",")


def rule_text(f: StandardFigures, lang: str) -> str:
    """The rule for counting working time, with this regency's hours."""
    hours = f"{f.calendar.day_seconds / 3600:g}".replace(".", ",")
    week = ", ".join(translate(f"std.day.{d}", lang) for d in sorted(f.standard.workdays))
    return translate(
        "std.rule", lang, opens=f"{f.standard.opens:%H.%M}", closes=f"{f.standard.closes:%H.%M}", hours=hours,
        week=week,
    )  # fmt: skip


def _table(f: StandardFigures, lang: str, start: date, end: date, *, text: bool) -> list[list[object]]:
    """The export's rows; ``text``: numbers written with the decimal comma (CSV), else numbers (XLSX)."""
    day = f.calendar.day_seconds

    def hours(seconds: int | None) -> object:
        return _hours_text(seconds) if text else hours_decimal(seconds)

    out: list[list[object]] = [
        [translate("std.title", lang), f"{start:%d-%m-%Y} - {end:%d-%m-%Y}"],
        [rule_text(f, lang)],
        [
            translate("std.month", lang), translate("common.office", lang), translate("ikm.office_name", lang),
            translate("std.printed", lang),
            translate("std.col_print_median", lang), translate("std.col_print_p90", lang),
            translate("std.handed_over", lang),
            translate("std.col_handover_median", lang), translate("std.col_handover_p90", lang),
            translate("std.col_total_median", lang), translate("std.col_total_p90", lang),
            translate("std.within", lang), translate("std.share", lang),
        ],
    ]  # fmt: skip
    for r in [*f.rows, f.total]:
        share: object = r.share_text() if text else (round(r.within / r.handed_over, 4) if r.total else None)
        out.append(
            [
                r.month if r.month != "*" else translate("std.all", lang), r.code if r.code != "*" else "",
                r.name, len(r.to_print),
                hours(r.stat("to_print", 50)), hours(r.stat("to_print", 90)), r.handed_over,
                hours(r.stat("to_handover", 50)), hours(r.stat("to_handover", 90)),
                hours(r.stat("total", 50)), hours(r.stat("total", 90)), r.within, share,
            ]
        )  # fmt: skip
    out.append([])
    out.append([translate("std.open_title", lang)])
    out.append(
        [
            translate("common.office", lang), translate("ikm.office_name", lang), translate("std.job", lang),
            translate("std.reason", lang), translate("std.requested", lang), translate("std.state", lang),
            translate("std.col_elapsed", lang), translate("std.col_promise", lang),
        ]
    )  # fmt: skip
    tz = f.calendar.zone
    for c in f.open_cases:
        out.append(
            [
                c.code, c.name, c.job_id, translate(f"reason.{c.reason}", lang),
                c.requested.astimezone(tz).strftime("%d-%m-%Y %H:%M"),
                translate("std.waiting_pickup", lang) if c.printed else c.state,
                hours(c.elapsed), hours(c.promise),
            ]
        )  # fmt: skip
    if f.open_more:
        out.append([translate("std.open_more", lang, n=f.open_more)])
    out.append([translate("std.unit_note", lang, day=duration_text(day, day, lang))])
    return out


def to_csv(f: StandardFigures, lang: str, start: date, end: date) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(_table(f, lang, start, end, text=True))
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(f: StandardFigures, lang: str, start: date, end: date) -> bytes:
    from openpyxl import Workbook  # here, not at the top: only this export needs openpyxl (issue 13)

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = translate("std.sheet", lang)
    for line in _table(f, lang, start, end, text=False):
        sheet.append(line)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
