"""Regency indicators: cards per office per day, turnaround, spoilage, printer availability."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from ktp_service.api.deps import RequireRoles
from ktp_service.services import cards, offices
from ktp_service.services.actor import Actor
from ktp_service.vocab import Role
from ktp_service.web import forms, ikm_view, indicators, standard_view
from ktp_service.web.core import Page, PageFor, WebRoute
from ktp_service.working_time import duration_text

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# Aggregates only, no personal data: administrators, finance, and supervisors (for their own office).
IndicatorReader = Annotated[Actor, Depends(RequireRoles(Role.ADMIN, Role.SUPERVISOR, Role.FINANCE))]
IndicatorPage = Annotated[Page, Depends(PageFor(IndicatorReader))]
MAX_DAYS = 92


def _period(page: Page, start: str, end: str, office: str) -> tuple[date, date, str]:
    """The page's period (the last 14 days by default, at most ``MAX_DAYS``, never past today) and office
    (an office-bound reader sees only their own), as the page and its exports read them."""
    today = cards.local_today(page.settings.timezone)
    to = forms.parse_date(end)
    to = to if isinstance(to, date) and to <= today else today
    since = forms.parse_date(start)
    since = since if isinstance(since, date) and since <= to else to - timedelta(days=13)
    since = max(since, to - timedelta(days=MAX_DAYS - 1))
    if page.me.role.office_bound:
        office = page.me.office_code or ""
    return since, to, office


@router.get("/indicators")
def indicators_page(
    page: IndicatorPage,
    start: Annotated[str, Query(max_length=10, alias="from")] = "",
    end: Annotated[str, Query(max_length=10, alias="to")] = "",
    office: Annotated[str, Query(max_length=13)] = "",
) -> HTMLResponse:
    since, to, office = _period(page, start, end, office)
    with page.tx(writes=False) as session:
        standard = standard_view.compute(
            session, zone=page.settings.timezone, start=since, end=to, office_code=office or None
        )
        figures = indicators.compute(
            session, zone=page.settings.timezone, start=since, end=to, office_code=office or None
        )
        office_list = offices.choices(session, page.me)
        ikm_rows, ikm_total = ikm_view.compute(
            session,
            zone=page.settings.timezone,
            start=since,
            end=to,
            office_code=office or None,
            lang=page.lang,
        )
    chart = indicators.bar_chart(
        [d.strftime("%d-%m") for d in figures.days], [figures.per_day[d] for d in figures.days]
    )
    return page.render(
        "indicators.html",
        f=figures,
        chart=chart,
        office=office,
        offices=office_list,
        start=forms.date_text(since),
        end=forms.date_text(to),
        ikm_rows=ikm_rows,
        ikm_total=ikm_total,
        std=standard,
        std_rule=standard_view.rule_text(standard, page.lang),
        duration=lambda s: duration_text(s, standard.calendar.day_seconds, page.lang),
    )


def _standard_export(page: Page, start: str, end: str, office: str, kind: str) -> Response:
    since, to, office = _period(page, start, end, office)
    with page.tx(writes=False) as session:
        f = standard_view.compute(
            session, zone=page.settings.timezone, start=since, end=to, office_code=office or None
        )
    name = f"standar-pelayanan-{office or 'semua'}-{since:%Y%m%d}-{to:%Y%m%d}.{kind}"
    if kind == "csv":
        data, media = standard_view.to_csv(f, page.lang, since, to), "text/csv; charset=utf-8"
    else:
        data = standard_view.to_xlsx(f, page.lang, since, to)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/indicators/standard.csv")
def standard_csv(
    page: IndicatorPage,
    start: Annotated[str, Query(max_length=10, alias="from")] = "",
    end: Annotated[str, Query(max_length=10, alias="to")] = "",
    office: Annotated[str, Query(max_length=13)] = "",
) -> Response:
    return _standard_export(page, start, end, office, "csv")


@router.get("/indicators/standard.xlsx")
def standard_xlsx(
    page: IndicatorPage,
    start: Annotated[str, Query(max_length=10, alias="from")] = "",
    end: Annotated[str, Query(max_length=10, alias="to")] = "",
    office: Annotated[str, Query(max_length=13)] = "",
) -> Response:
    return _standard_export(page, start, end, office, "xlsx")
