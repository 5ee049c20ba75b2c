"""The alerts page (issue 15, part 4): administrators see every office's alerts, supervisors their own
office's; each with its kind (name beside code), the office (code beside name), what happened and what to
do, and a form to acknowledge it with a note. The menu's badge counts the alerts not acknowledged yet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from ktp_service.api.routes.alerts import AlertWatcher
from ktp_service.errors import DomainError
from ktp_service.schemas.alerts import AlertAcknowledge
from ktp_service.services import alerts, offices
from ktp_service.web import forms
from ktp_service.web.core import Form, Page, PageFor, WebRoute, text

router = APIRouter(route_class=WebRoute, include_in_schema=False)
WatcherPage = Annotated[Page, Depends(PageFor(AlertWatcher))]
AlertId = Annotated[int, Path(ge=1, le=2_000_000_000)]
SHOWS = ("unacknowledged", "open", "all")


def _alerts_page(
    page: Page, show: str, office: str, errors: dict[int, str] | None = None, status: int = 200
) -> HTMLResponse:
    with page.tx(writes=False) as session:
        office_list = offices.choices(session, page.me)
        views = alerts.list_alerts(session, page.me, show=show, office_code=office or None)
    rows = [(v, alerts.texts(v, page.lang, page.settings.timezone)) for v in views]
    return page.render(
        "alerts.html",
        status_code=status,
        rows=rows,
        show=show,
        shows=SHOWS,
        office=office,
        offices=office_list,
        errors=errors or {},
    )


@router.get("/alerts")
def alerts_page(
    page: WatcherPage,
    show: Annotated[str, Query(max_length=20)] = "unacknowledged",
    office: Annotated[str, Query(max_length=13)] = "",
) -> HTMLResponse:
    if show not in SHOWS:
        show = "unacknowledged"
    if page.me.role.office_bound:
        office = ""  # their own office's only, whatever the address says
    return _alerts_page(page, show, office)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(alert_id: AlertId, page: WatcherPage, form: Form) -> Response:
    show = text(form, "show") if text(form, "show") in SHOWS else "unacknowledged"
    try:
        body = AlertAcknowledge.model_validate({"note": text(form, "note")})
        with page.tx() as session:
            alerts.acknowledge(session, page.me, alert_id, body.note)
    except ValidationError as exc:
        message = " ".join(forms.from_validation(exc, page.lang).values())
        return _alerts_page(page, show, "", {alert_id: message}, 422)
    except DomainError as exc:  # acknowledged already, or not this person's: said above the list
        page.flash("error", page.error_text(exc))
        return _alerts_page(page, show, "", None, exc.status_code)
    page.flash("ok", page.t("alert.acknowledged"))
    return page.redirect(f"/alerts?show={show}")
