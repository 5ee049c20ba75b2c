"""Regency indicators: cards per office per day, turnaround, spoilage, printer availability."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from ktp_service.api.deps import RequireRoles
from ktp_service.services import cards, offices
from ktp_service.services.actor import Actor
from ktp_service.vocab import Role
from ktp_service.web import forms, ikm_view, indicators
from ktp_service.web.core import Page, PageFor, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# Aggregates only, no personal data: administrators, finance, and supervisors (for their own office).
IndicatorReader = Annotated[Actor, Depends(RequireRoles(Role.ADMIN, Role.SUPERVISOR, Role.FINANCE))]
IndicatorPage = Annotated[Page, Depends(PageFor(IndicatorReader))]
MAX_DAYS = 92


@router.get("/indicators")
def indicators_page(
    page: IndicatorPage,
    start: Annotated[str, Query(max_length=10, alias="from")] = "",
    end: Annotated[str, Query(max_length=10, alias="to")] = "",
    office: Annotated[str, Query(max_length=13)] = "",
) -> HTMLResponse:
    today = cards.local_today(page.settings.timezone)
    to = forms.parse_date(end)
    to = to if isinstance(to, date) and to <= today else today
    since = forms.parse_date(start)
    since = since if isinstance(since, date) and since <= to else to - timedelta(days=13)
    since = max(since, to - timedelta(days=MAX_DAYS - 1))
    if page.me.role.office_bound:
        office = page.me.office_code or ""
    with page.tx(writes=False) as session:
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
    )
