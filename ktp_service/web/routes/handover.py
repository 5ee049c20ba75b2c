"""Console pages of the card's last step (issue 15): hand a printed card over (and print its receipt),
record a resident's death or move out of the regency, and the cards waiting too long to be collected.

The job and resident pages only link here (one include each), so their own templates stay as they are."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from ktp_service.api.deps import PrintOperator, RegistryReader, RegistryWriter
from ktp_service.api.routes.handover import receipt_bytes, survey_url
from ktp_service.errors import DomainError
from ktp_service.lifecycle import JobStatus
from ktp_service.models import Card, Resident
from ktp_service.schemas.handover import DepartureCreate, HandoverCreate
from ktp_service.services import handover, offices, print_jobs, residents
from ktp_service.web import forms
from ktp_service.web.core import Form, Page, PageFor, WebRoute, text

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PrintPage = Annotated[Page, Depends(PageFor(PrintOperator))]
ReaderPage = Annotated[Page, Depends(PageFor(RegistryReader))]
WriterPage = Annotated[Page, Depends(PageFor(RegistryWriter))]
Nik = Annotated[str, Path(pattern=r"^[0-9]{16}$")]
JobId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
PROXY_FIELDS = ("proxy_name", "proxy_nik", "proxy_relation", "proxy_letter")


def _handover_page(
    page: Page, job_id: str, errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    with page.tx(writes=False) as session:
        job = print_jobs.get(session, page.me, job_id)
        resident = session.get(Resident, job.resident_id)
        card = handover.card_of(session, job)
        done = handover.for_job(session, job)
        old = handover.replaced_card(session, card) if card else None
        old_done = session.get(Card, done.old_card_id) if done and done.old_card_id else None
        link = survey_url(page.settings, page.request, done.survey_token) if done else ""
    return page.render(
        "handover.html",
        status_code=status,
        job=job,
        resident=resident,
        card=card,
        done=done,
        old=old if handover.needs_old_card(job, old) else None,
        old_done=old_done,
        printed=job.state == JobStatus.COMPLETED,
        link=link,
        errors=errors or {},
        values=values or {"recipient": "penduduk"},
    )


@router.get("/jobs/{job_id}/handover")
def handover_page(job_id: JobId, page: PrintPage) -> HTMLResponse:
    return _handover_page(page, job_id)


@router.post("/jobs/{job_id}/handover")
def record_handover(job_id: JobId, page: PrintPage, form: Form) -> Response:
    values = {k: text(form, k) for k in ("recipient", *PROXY_FIELDS)}
    destroyed = text(form, "old_card_destroyed") == "1"
    proxy = values["recipient"] == "kuasa"
    try:
        body = HandoverCreate.model_validate(
            {"recipient": values["recipient"] or "penduduk", "old_card_destroyed": destroyed}
            | ({k: values[k] for k in PROXY_FIELDS} if proxy else {})
        )
    except ValidationError as exc:
        errors = forms.from_validation(exc, page.lang) or {"recipient": page.t("handover.proxy_needed")}
        if proxy and not all(values[k] for k in ("proxy_name", "proxy_nik", "proxy_relation")):
            errors["proxy_name"] = page.t("handover.proxy_needed")
        return _handover_page(page, job_id, errors, values, 422)
    try:
        with page.tx() as session:
            handover.hand_over(session, page.me, print_jobs.get(session, page.me, job_id, lock=True), body)
    except DomainError as exc:
        return _handover_page(page, job_id, {"whole": page.error_text(exc)}, values, exc.status_code)
    page.flash("ok", page.t("handover.done"))
    return page.redirect(f"/jobs/{job_id}/handover")


@router.get("/jobs/{job_id}/handover/receipt.pdf")
def receipt(job_id: JobId, page: PrintPage) -> Response:
    with page.tx(writes=False) as session:
        job = print_jobs.get(session, page.me, job_id)
        row = handover.for_job(session, job)
        if row is None:
            return page.redirect(f"/jobs/{job_id}/handover")
        data = receipt_bytes(session, page.settings, page.request, job, row, page.lang)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="tanda-terima-{job.card_serial}.pdf"'},
    )


# -- a resident who died or moved away ---------------------------------------------------------------------
def _departure_page(
    page: Page, nik: str, errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    with page.tx(writes=False) as session:
        resident = residents.read(session, page.me, nik)
        assert resident.id is not None
        gone = handover.departure_of(session, resident.id)
        card = session.get(Card, gone.card_id) if gone and gone.card_id else None
    return page.render(
        "departure.html",
        status_code=status,
        r=resident,
        gone=gone,
        card=card,
        errors=errors or {},
        values=values or {},
    )


@router.get("/residents/{nik}/departure")
def departure_page(nik: Nik, page: WriterPage) -> HTMLResponse:
    return _departure_page(page, nik)


@router.post("/residents/{nik}/departure")
def record_departure(nik: Nik, page: WriterPage, form: Form) -> Response:
    values = {k: text(form, k) for k in ("kind", "document_number", "document_date")}
    try:
        body = DepartureCreate.model_validate(
            {**values, "document_date": forms.parse_date(values["document_date"])}
        )
    except ValidationError as exc:
        return _departure_page(page, nik, forms.from_validation(exc, page.lang), values, 422)
    try:
        with page.tx() as session:
            handover.record_departure(session, page.me, residents.read(session, page.me, nik), body)
    except DomainError as exc:
        return _departure_page(page, nik, {"whole": page.error_text(exc)}, values, exc.status_code)
    page.flash("ok", page.t("departure.done"))
    return page.redirect(f"/residents/{nik}/departure")


# -- cards waiting to be collected --------------------------------------------------------------------------
@router.get("/uncollected")
def uncollected_page(
    page: ReaderPage,
    office: Annotated[str, Query(max_length=13)] = "",
    days: Annotated[str, Query(max_length=3)] = "",
) -> HTMLResponse:
    wait = int(days) if days.isascii() and days.isdigit() else page.settings.uncollected_days
    if page.me.role.office_bound:
        office = page.me.office_code or ""
    with page.tx(writes=False) as session:
        office_list = offices.choices(session, page.me)
        chosen = [offices.get_by_code(session, office)] if office else offices.list_offices(session)
        rows: list[dict[str, Any]] = []
        for o in chosen:
            for w in handover.uncollected(session, o, older_than_days=wait):
                rows.append(
                    {"office": o, "job": w.job, "card": w.card, "resident": w.resident, "days": w.days}
                )
    rows.sort(key=lambda r: -r["days"])
    return page.render(
        "uncollected.html",
        rows=rows,
        office=office,
        offices=office_list,
        days=wait,
        can_hand=page.can(PrintOperator),
    )
