"""The IKM survey page (public, no login: the receipt's token is the key) and the supervisor's list of the
complaints written in it.

The public page is one self-contained HTML document (inline CSS, no script, no image, no font) so it loads
on a cheap phone over a weak connection and asks nothing of any other host; its Content-Security-Policy
says so to the browser too. It sets no cookie."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from ktp_service import ikm
from ktp_service.api.deps import Supervisor
from ktp_service.catalogue import translate
from ktp_service.db import unit_of_work
from ktp_service.errors import DomainError
from ktp_service.messages import pick_language
from ktp_service.models import Office
from ktp_service.schemas.identifiers import AsciiInt
from ktp_service.services import cards, survey
from ktp_service.web import forms, ikm_view
from ktp_service.web.core import TEMPLATES, Form, Page, PageFor, WebRoute
from ktp_service.web.i18n import waktu
from ktp_service.web.routes.indicators import MAX_DAYS, IndicatorReader

public = APIRouter(include_in_schema=False)
router = APIRouter(route_class=WebRoute, include_in_schema=False)
Token = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,32}$")]
SupervisorPage = Annotated[Page, Depends(PageFor(Supervisor))]
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
MAX_COMPLAINT = 1000


def _lang(request: Request, lang: str) -> str:
    return lang if lang in ("id", "en") else pick_language(request.headers.get("accept-language"))


def _render(lang: str, status: int = 200, **context: object) -> HTMLResponse:
    html = TEMPLATES.get_template("survey.html").render(
        _=lambda key, **v: translate(key, lang, **v), lang=lang, elements=ikm.ELEMENTS, **context
    )
    headers = {"Cache-Control": "no-store", "Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer"}
    return HTMLResponse(html, status_code=status, headers=headers)


@public.get("/s/{token}")
def survey_page(
    request: Request, token: Token, lang: Annotated[str, Query(max_length=2)] = "", done: str = ""
) -> HTMLResponse:
    lang = _lang(request, lang)
    with unit_of_work(request.app.state.engine, writes=False) as session:
        try:
            handover = survey.by_token(session, token)
        except DomainError:
            return _render(lang, 404, state="unknown")
        office = session.get(Office, handover.office_id)
        state = "thanks" if done else ("done" if survey.answered(session, handover) else "form")
    return _render(lang, token=token, state=state, office=office.name if office else "", values={}, errors={})


async def survey_form(request: Request) -> AsyncIterator[FormData]:
    """The posted answers (no CSRF token: the page has no session to ride on; the link's token is the key)."""
    form = await request.form(max_files=0, max_fields=20)
    try:
        yield form
    finally:
        await form.close()


@public.post("/s/{token}")
def survey_answer(
    request: Request,
    token: Token,
    form: Annotated[FormData, Depends(survey_form)],
    lang: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    lang = _lang(request, lang)
    values: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for i, element in enumerate(ikm.ELEMENTS, 1):
        raw = form.get(element)
        if raw in (None, ""):
            values[element] = None
        elif isinstance(raw, str) and raw in ("1", "2", "3", "4"):
            values[element] = int(raw)
        else:
            errors[element] = translate("survey.bad_value", lang, element=translate(f"ikm.u{i}", lang))
    raw_complaint = form.get("complaint")
    complaint = raw_complaint if isinstance(raw_complaint, str) else ""
    if len(complaint) > MAX_COMPLAINT:
        errors["complaint"] = translate("survey.too_long", lang)
    with unit_of_work(request.app.state.engine, writes=True) as session:
        try:
            handover = survey.by_token(session, token)
            office = session.get(Office, handover.office_id)
            if errors:
                return _render(
                    lang, 422, token=token, state="form", office=office.name if office else "",
                    values={k: str(v) for k, v in values.items() if v}, errors=errors, complaint=complaint,
                )  # fmt: skip
            survey.answer(session, token, values, complaint)
        except survey.SurveyNotFound:
            return _render(lang, 404, state="unknown")
        except survey.SurveyAlreadyAnswered:
            return _render(lang, 409, state="done")
    # Post/redirect/get: reloading the thank-you page sends nothing again.
    return RedirectResponse(f"/s/{token}?done=1&lang={lang}", status_code=303)


# -- the supervisor's complaints ----------------------------------------------------------------------------
@router.get("/complaints")
def complaints_page(page: SupervisorPage) -> HTMLResponse:
    with page.tx(writes=False) as session:
        rows = survey.complaints(session, page.me)
    return page.render("complaints.html", rows=rows, when=lambda v: waktu(v, page.settings.timezone))


@router.post("/complaints/{answer_id}/read")
def complaint_read(
    answer_id: Annotated[int, AsciiInt, Path(ge=1, le=2_000_000_000)], page: SupervisorPage, form: Form
) -> RedirectResponse:
    with page.tx() as session:
        survey.mark_read(session, page.me, answer_id)
    page.flash("ok", page.t("complaint.marked"))
    return page.redirect("/complaints")


# -- the IKM exports (the indicators page shows the same table) ---------------------------------------------
IndicatorPage = Annotated[Page, Depends(PageFor(IndicatorReader))]


def _period(page: Page, start: str, end: str) -> tuple[date, date]:
    """The indicators page's period rules: up to today, 14 days by default, at most MAX_DAYS."""
    today = cards.local_today(page.settings.timezone)
    to = forms.parse_date(end)
    to = to if isinstance(to, date) and to <= today else today
    since = forms.parse_date(start)
    since = since if isinstance(since, date) and since <= to else to - timedelta(days=13)
    return max(since, to - timedelta(days=MAX_DAYS - 1)), to


def _ikm_export(page: Page, start: str, end: str, office: str, kind: str) -> Response:
    since, to = _period(page, start, end)
    if page.me.role.office_bound:
        office = page.me.office_code or ""
    with page.tx(writes=False) as session:
        rows, total = ikm_view.compute(
            session,
            zone=page.settings.timezone,
            start=since,
            end=to,
            office_code=office or None,
            lang=page.lang,
        )
    name = f"ikm-{office or 'semua'}-{since:%Y%m%d}-{to:%Y%m%d}.{kind}"
    if kind == "csv":
        data, media = ikm_view.to_csv(rows, total, page.lang, since, to), "text/csv; charset=utf-8"
    else:
        data = ikm_view.to_xlsx(rows, total, page.lang, since, to)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/indicators/ikm.csv")
def ikm_csv(
    page: IndicatorPage,
    start: Annotated[str, Query(max_length=10, alias="from")] = "",
    end: Annotated[str, Query(max_length=10, alias="to")] = "",
    office: Annotated[str, Query(max_length=13)] = "",
) -> Response:
    return _ikm_export(page, start, end, office, "csv")


@router.get("/indicators/ikm.xlsx")
def ikm_xlsx(
    page: IndicatorPage,
    start: Annotated[str, Query(max_length=10, alias="from")] = "",
    end: Annotated[str, Query(max_length=10, alias="to")] = "",
    office: Annotated[str, Query(max_length=13)] = "",
) -> Response:
    return _ikm_export(page, start, end, office, "xlsx")
