"""Console page of the service standard (issue 15): the working week and service hours, the promised time
per issuance reason, and the holiday calendar of a year (Indonesia's national holidays from the ``holidays``
package, with the days an administrator added or removed). Administrators only; every change is audited by
the service (:mod:`ktp_service.services.service_standard`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from ktp_service.api.deps import AdminOnly
from ktp_service.errors import DomainError
from ktp_service.services import cards, service_standard
from ktp_service.web import forms
from ktp_service.web.core import Form, Page, PageFor, WebRoute, text
from ktp_service.working_time import duration_text

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AdminPage = Annotated[Page, Depends(PageFor(AdminOnly))]


def _whole(raw: str) -> int | None:
    raw = raw.strip()
    digits = raw.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 4:
        return None
    return -int(digits) if raw.startswith("-") else int(digits)


@router.get("/standard")
def standard_page(page: AdminPage, year: Annotated[int, Query(ge=1900, le=2200)] = 0) -> HTMLResponse:
    today = cards.local_today(page.settings.timezone)
    year = year or today.year
    with page.tx(writes=False) as session:
        standard = service_standard.load(session)
    cal = service_standard.calendar(standard, page.settings.timezone, [year], page.lang)
    national = service_standard.national_holidays([year], page.lang)
    changes = {c.day: c for c in standard.changes}
    days: list[dict[str, Any]] = []
    for day in sorted(set(national) | {d for d in changes if d.year == year}):
        change = changes.get(day)
        days.append(
            {
                "day": day,
                "name": change.name if change and change.action == "add" else national.get(day, ""),
                "source": "added" if change and change.action == "add" else "package",
                "removed": bool(change and change.action == "remove"),
                "changed": change is not None,
                "weekend": day.isoweekday() not in standard.workdays,
            }
        )
    first, last = service_standard.year_range(today)
    return page.render(
        "standard.html",
        standard=standard,
        reasons=service_standard.REASONS,
        year=year,
        years=(first, last),
        days=days,
        working_days=sum(
            1 for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)
            if cal.is_working_day(date.fromordinal(date(year, 1, 1).toordinal() + i))
        ),
        day_text=duration_text(cal.day_seconds, cal.day_seconds, page.lang),
    )  # fmt: skip


def _back(
    page: Page, year: int, key: str | None = None, error: DomainError | None = None
) -> RedirectResponse:
    if error is not None:
        page.flash("error", page.error_text(error))
    elif key:
        page.flash("ok", page.t(key))
    return page.redirect(f"/standard?year={year}")


@router.post("/standard/{action}")
def change(
    action: Annotated[str, Path(pattern=r"^(week|promises|holiday_add|holiday_remove|holiday_undo)$")],
    page: AdminPage,
    form: Form,
) -> RedirectResponse:
    today = cards.local_today(page.settings.timezone)
    year = _whole(text(form, "year")) or today.year
    try:
        with page.tx() as session:
            if action == "week":
                workdays = [int(v) for v in form.getlist("workday") if isinstance(v, str) and v in "1234567"]
                service_standard.set_week(
                    session, page.me, workdays, text(form, "opens"), text(form, "closes")
                )
            elif action == "promises":
                for reason in service_standard.REASONS:
                    days, hours = (
                        _whole(text(form, f"days_{reason}")),
                        _whole(text(form, f"hours_{reason}") or "0"),
                    )
                    if days is None or hours is None:
                        page.flash("error", page.t("v.number"))
                        return page.redirect(f"/standard?year={year}")
                    current = service_standard.load(session).promises.get(reason)
                    if current != (days, hours):
                        service_standard.set_promise(session, page.me, reason, days, hours)
            else:
                day = forms.parse_date(text(form, "day"))
                if not isinstance(day, date):
                    page.flash("error", page.t("std.bad_date"))
                    return page.redirect(f"/standard?year={year}")
                year = day.year
                if action == "holiday_add":
                    service_standard.add_holiday(session, page.me, day, text(form, "name"), today)
                elif action == "holiday_remove":
                    service_standard.remove_holiday(session, page.me, day, text(form, "name"), today)
                else:
                    service_standard.undo_change(session, page.me, day)
    except DomainError as exc:
        return _back(page, year, error=exc)
    return _back(page, year, "std.saved")
