"""The clerk's counter: find or register a resident, photo and signature, card preview, print, follow the job,
reprint, and the office's queue. Every action calls the same service as the API, as the logged-in actor."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select
from starlette.datastructures import UploadFile

from ktp_service import regions
from ktp_service.api.deps import PrintOperator, RegistryReader, RegistryWriter
from ktp_service.cards import CardError, render_card
from ktp_service.errors import Conflict, DomainError
from ktp_service.images import ImageKind
from ktp_service.models import Office, Printer, PrintJob, Resident, User
from ktp_service.nik import check_nik
from ktp_service.schemas.printing import PrintJobCreate
from ktp_service.schemas.residents import ResidentCreate, ResidentUpdate
from ktp_service.services import audit, cards, offices, print_jobs, printers, residents, stock
from ktp_service.services.actor import Actor
from ktp_service.vocab import PEKERJAAN, Agama, GolonganDarah, JenisKelamin, Kewarganegaraan, StatusPerkawinan
from ktp_service.web import forms
from ktp_service.web.core import Form, Page, PageFor, WebRoute, text
from ktp_service.web.views import TERMINAL_JOB_STATES, job_state, printer_state

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReaderPage = Annotated[Page, Depends(PageFor(RegistryReader))]
WriterPage = Annotated[Page, Depends(PageFor(RegistryWriter))]
PrintPage = Annotated[Page, Depends(PageFor(PrintOperator))]
Nik = Annotated[str, Path(pattern=r"^\d{16}$")]
JobId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
REASONS = ("baru", "hilang", "rusak", "perubahan_data", "perpanjangan")

CHOICES: dict[str, list[str]] = {
    "jenis_kelamin": [v.value for v in JenisKelamin],
    "golongan_darah": [v.value for v in GolonganDarah],
    "agama": [v.value for v in Agama],
    "status_perkawinan": [v.value for v in StatusPerkawinan],
    "kewarganegaraan": [v.value for v in Kewarganegaraan],
    "pekerjaan": list(PEKERJAAN),
}


@lru_cache(maxsize=64)
def _kecamatan_options(office_code: str | None) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """(kecamatan code, name, ((desa code, name)...)) that an office serves; all of the regency for an office
    that is not bound to one kecamatan (and for roles without an office, Sragen's)."""
    code = office_code or "33.14"
    if code.count(".") == 2:
        kecamatan = [r for r in [regions.get_region(code)] if r is not None]
    else:
        kecamatan = [r for r in regions.children(code) if r.kind == "kecamatan"]
    return tuple(
        (k.code, k.name, tuple((d.code, d.name) for d in regions.children(k.code))) for k in kecamatan
    )


def _office_id(session: Session, actor: Actor) -> int | None:
    return offices.get_by_code(session, actor.office_code).id if actor.office_code else None


# -- find ----------------------------------------------------------------------------------------------------
@router.get("/residents")
def find(
    page: ReaderPage,
    q: Annotated[str, Query(max_length=80)] = "",
) -> HTMLResponse:
    q = "".join(ch for ch in q if ch.isprintable()).strip()  # no NUL or control bytes reach the database
    found: list[Resident] | None = None
    total, error = 0, ""
    digits = q.replace(" ", "")
    if q:
        by_nik = digits.isdigit()
        if (by_nik and len(digits) > 16) or (not by_nik and len(q) < 2):
            error = page.t("res.query_short")
        else:
            with page.tx(writes=False) as session:
                found, total = residents.search(
                    session,
                    page.me,
                    nik_prefix=digits if by_nik else None,
                    nama=None if by_nik else q,
                    limit=50,
                    offset=0,
                )
    return page.render("residents.html", q=q, found=found, total=total, error=error)


# -- register and correct ------------------------------------------------------------------------------------
def _form_page(
    page: Page,
    *,
    mode: str,
    values: dict[str, Any],
    errors: dict[str, str],
    message: str = "",
    status: int = 200,
) -> HTMLResponse:
    return page.render(
        "resident_form.html",
        status_code=status,
        mode=mode,
        values=values,
        errors=errors,
        message=message,
        choices=CHOICES,
        kecamatan=_kecamatan_options(page.me.office_code),
    )


@router.get("/residents/new")
def new_form(page: WriterPage, nik: Annotated[str, Query(max_length=16)] = "") -> HTMLResponse:
    values = {"nik": nik if nik.isdigit() else "", "kewarganegaraan": "WNI", "golongan_darah": "-"}
    kec = _kecamatan_options(page.me.office_code)
    if len(kec) == 1:
        values["kode_kecamatan"] = kec[0][0]
    return _form_page(page, mode="new", values=values, errors={})


class _DryRun(Exception):
    """Raised to roll back a check-only run of a service."""


def _register(page: Page, form: Any, *, dry_run: bool) -> tuple[Resident | None, dict[str, str], str]:
    data = forms.resident_data(form, with_nik=True)
    try:
        body = ResidentCreate.model_validate(data)
    except ValidationError as exc:
        errors = forms.from_validation(exc, page.lang)
        if "nik" not in errors:
            # The form is incomplete, so the service is not reached yet; its NIK rule still is, so a NIK
            # that disagrees with the birth date or sex typed so far is flagged at once.
            born = data.get("tanggal_lahir") if "tanggal_lahir" not in errors else None
            sex = data.get("jenis_kelamin") if "jenis_kelamin" not in errors else None
            for p in check_nik(str(data.get("nik", "")), born, sex).problems:
                errors.setdefault("nik", forms.message(page.lang, "nik", p.code, p.message))
        return None, errors, ""
    try:
        with page.tx() as session:
            resident, _ = residents.create(session, page.me, body, _office_id(session, page.me))
            if dry_run:
                raise _DryRun()
    except _DryRun:
        return None, {}, ""
    except DomainError as exc:
        fields, whole = forms.from_domain(exc, page.lang)
        return None, fields, whole
    return resident, {}, ""


@router.post("/residents/new")
def register(page: WriterPage, form: Form) -> Response:
    resident, errors, message = _register(page, form, dry_run=False)
    if resident is None:
        values = {k: text(form, k) for k in forms.RESIDENT_FIELDS}
        return _form_page(page, mode="new", values=values, errors=errors, message=message, status=422)
    page.flash("ok", page.t("res.created"))
    return page.redirect(f"/residents/{resident.nik}")


@router.post("/residents/check")
def check(page: WriterPage, form: Form) -> JSONResponse:
    """Live validation while the clerk types: the whole registration (or correction) is run through the
    same service and rolled back, and the field messages are returned."""
    nik = text(form, "_existing")
    if nik:
        _, errors, message = _correct(page, nik, form, dry_run=True)
    else:
        _, errors, message = _register(page, form, dry_run=True)
    return JSONResponse({"errors": errors, "message": message}, headers={"Cache-Control": "no-store"})


@router.get("/residents/{nik}/edit")
def edit_form(nik: Nik, page: WriterPage) -> HTMLResponse:
    with page.tx(writes=False) as session:
        resident = residents.read(session, page.me, nik)
    values: dict[str, Any] = {k: getattr(resident, k) for k in forms.RESIDENT_FIELDS}
    values["tanggal_lahir"] = forms.date_text(resident.tanggal_lahir)
    values["berlaku_hingga"] = forms.date_text(resident.berlaku_hingga)
    values["version"] = resident.version
    return _form_page(page, mode="edit", values=values, errors={})


def _correct(
    page: Page, nik: str, form: Any, *, dry_run: bool
) -> tuple[tuple[Resident, bool] | None, dict[str, str], str]:
    data = forms.resident_data(form, with_nik=False)
    raw_version = text(form, "version")
    version = int(raw_version) if raw_version.isdigit() else None
    try:
        body = ResidentUpdate.model_validate(data)
    except ValidationError as exc:
        return None, forms.from_validation(exc, page.lang), ""
    try:
        with page.tx() as session:
            before = residents.read(session, page.me, nik).version
            resident, _ = residents.update(session, page.me, nik, body, version)
            if dry_run:
                raise _DryRun()
    except _DryRun:
        return None, {}, ""
    except Conflict as exc:
        return None, {}, page.t("res.stale") if "version" in exc.message else page.error_text(exc)
    except DomainError as exc:
        fields, whole = forms.from_domain(exc, page.lang)
        return None, fields, whole
    return (resident, resident.version != before), {}, ""


@router.post("/residents/{nik}/edit")
def correct(nik: Nik, page: WriterPage, form: Form) -> Response:
    done, errors, message = _correct(page, nik, form, dry_run=False)
    if done is None:
        values: dict[str, Any] = {k: text(form, k) for k in forms.RESIDENT_FIELDS}
        values["nik"], values["version"] = nik, text(form, "version")
        return _form_page(page, mode="edit", values=values, errors=errors, message=message, status=422)
    resident, changed = done
    page.flash("ok", page.t("res.updated", version=resident.version) if changed else page.t("res.unchanged"))
    return page.redirect(f"/residents/{nik}")


# -- one resident: images, preview, print ----------------------------------------------------------------------
def _resident_jobs(session: Session, resident: Resident) -> list[dict[str, Any]]:
    rows = session.exec(
        select(PrintJob)
        .where(PrintJob.resident_id == resident.id)
        .order_by(col(PrintJob.id).desc())
        .limit(20)
    ).all()
    return [_job_row(session, j) for j in rows]


def _job_row(session: Session, job: PrintJob) -> dict[str, Any]:
    printer = session.get(Printer, job.printer_id)
    clerk = session.get(User, job.clerk_id) if job.clerk_id else None
    return {
        "job": job,
        "view": job_state(job),
        "printer": printer.name if printer else "?",
        "clerk": clerk.username if clerk else "-",
    }


def _printer_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    return [
        {"printer": p, "office": code, "view": printer_state(p)}
        for p, code in printers.list_printers(session, actor)
    ]


def _resident_page(
    page: Page, nik: str, *, upload_errors: dict[str, str] | None = None, status: int = 200
) -> HTMLResponse:
    with page.tx(writes=False) as session:
        resident = residents.read(session, page.me, nik)
        kec = regions.get_region(resident.kode_kecamatan)
        desa = regions.get_region(resident.kode_desa)
        valid = print_jobs.valid_card(session, resident)
        jobs = _resident_jobs(session, resident)
        can_print = page.can(PrintOperator)
        printer_rows = (
            [r for r in _printer_rows(session, page.me) if r["printer"].active] if can_print else []
        )
    return page.render(
        "resident.html",
        status_code=status,
        r=resident,
        kecamatan=kec.name.upper() if kec else resident.kode_kecamatan,
        desa=desa.name.upper() if desa else resident.kode_desa,
        valid=valid,
        jobs=jobs,
        printers=printer_rows,
        default_printer=next((r["printer"].id for r in printer_rows if r["view"].ready), None),
        reasons=REASONS,
        can_write=page.can(RegistryWriter),
        can_print=can_print,
        upload_errors=upload_errors or {},
        idempotency_key=secrets.token_urlsafe(16),
        active_job=next((j for j in jobs if j["job"].state not in TERMINAL_JOB_STATES), None),
    )


@router.get("/residents/{nik}")
def resident_page(nik: Nik, page: ReaderPage) -> HTMLResponse:
    return _resident_page(page, nik)


@router.get("/residents/{nik}/history")
def history(nik: Nik, page: ReaderPage) -> HTMLResponse:
    with page.tx(writes=False) as session:
        resident = residents.read(session, page.me, nik)
        versions = residents.history(session, page.me, nik)
    return page.render("history.html", r=resident, versions=versions[::-1])


@router.post("/residents/{nik}/images")
def upload_image(nik: Nik, page: WriterPage, form: Form) -> Response:
    kind: ImageKind = "signature" if text(form, "kind") == "signature" else "photo"
    field = "foto" if kind == "photo" else "tanda_tangan"
    upload = form.get("file")
    raw = b""
    settings = page.settings
    if isinstance(upload, UploadFile):
        raw = upload.file.read(settings.max_image_bytes + 1)
    try:
        with page.tx() as session:
            residents.set_image(
                session,
                page.me,
                nik,
                kind,
                raw,
                images_dir=settings.images_dir,
                max_bytes=settings.max_image_bytes,
                max_pixels=settings.max_image_pixels,
            )
    except DomainError as exc:
        fields, whole = forms.from_domain(exc, page.lang)
        return _resident_page(page, nik, upload_errors={field: fields.get("file") or whole}, status=422)
    page.flash("ok", page.t("res.image_saved", what=page.t(f"f.{field}")))
    return page.redirect(f"/residents/{nik}#{field}")


@router.get("/residents/{nik}/card.png")
def card_preview(nik: Nik, page: ReaderPage) -> Response:
    """The card as it would print today, marked CONTOH: the API's card-preview, as an image for the page."""
    settings = page.settings
    with page.tx(writes=False) as session:
        resident = residents.read(session, page.me, nik)
        tpl = cards.template(settings.default_template, settings.templates_dir)
        data = cards.card_data(
            resident, settings.images_dir, tanggal_terbit=cards.local_today(settings.timezone)
        )
        try:
            rendered = render_card(tpl, data, dpi=300, fmt="png", specimen=True)
        except CardError as exc:
            return Response(str(exc), status_code=422, media_type="text/plain; charset=utf-8")
        audit.record(
            session,
            page.me,
            "resident.card_preview",
            "resident",
            resident.id,
            office_code=resident.kode_kecamatan,
        )
    return Response(rendered.content, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.post("/residents/{nik}/print")
def print_card(nik: Nik, page: PrintPage, form: Form) -> Response:
    settings = page.settings
    try:
        body = PrintJobCreate.model_validate(
            {"nik": nik, "printer_id": int(text(form, "printer_id") or 0), "reason": text(form, "reason")}
        )
    except (ValidationError, ValueError):
        return _resident_page(page, nik, upload_errors={"print": page.t("print.only_ready")}, status=422)
    try:
        with page.tx() as session:
            job, _ = print_jobs.create(
                session,
                page.me,
                body,
                idempotency_key=text(form, "idempotency_key")[:100] or None,
                images_dir=settings.images_dir,
                templates_dir=settings.templates_dir,
                template_id=settings.default_template,
                timezone=settings.timezone,
            )
    except DomainError as exc:
        fields, whole = forms.from_domain(exc, page.lang)
        msg = whole or " ".join(dict.fromkeys(fields.values()))
        return _resident_page(page, nik, upload_errors={"print": msg}, status=exc.status_code)
    page.flash("ok", page.t("job.held_flash" if job.state == "pending-held" else "job.created_flash"))
    return page.redirect(f"/jobs/{job.uuid}")


# -- jobs ------------------------------------------------------------------------------------------------------
def _job_context(session: Session, page: Page, job_id: str) -> dict[str, Any]:
    job = print_jobs.get(session, page.me, job_id)
    resident = session.get(Resident, job.resident_id)
    printer = session.get(Printer, job.printer_id)
    assert resident is not None and printer is not None
    reprinted = session.exec(select(PrintJob).where(PrintJob.reprint_of_id == job.id)).first()
    original = session.get(PrintJob, job.reprint_of_id) if job.reprint_of_id else None
    row = _job_row(session, job)
    return {
        **row,
        "resident": resident,
        "printer_obj": printer,
        "printer_view": printer_state(printer),
        "reprinted": reprinted,
        "original": original,
        "terminal": job.state in TERMINAL_JOB_STATES,
    }


@router.get("/jobs/{job_id}")
def job_page(job_id: JobId, page: PrintPage) -> HTMLResponse:
    with page.tx(writes=False) as session:
        ctx = _job_context(session, page, job_id)
    return page.render("job.html", **ctx)


@router.get("/jobs/{job_id}/panel")
def job_panel(job_id: JobId, page: PrintPage) -> HTMLResponse:
    """The job's status block alone, fetched by the page every second or two until the job ends."""
    with page.tx(writes=False) as session:
        ctx = _job_context(session, page, job_id)
    return page.render("_job_panel.html", **ctx)


@router.post("/jobs/{job_id}/reprint")
def reprint(job_id: JobId, page: PrintPage, form: Form) -> RedirectResponse:
    with page.tx() as session:
        new = print_jobs.reprint(session, page.me, print_jobs.get(session, page.me, job_id, lock=True))
    page.flash("ok", page.t("job.reprint_flash"))
    return page.redirect(f"/jobs/{new.uuid}")


@router.post("/jobs/{job_id}/cancel")
def cancel(job_id: JobId, page: PrintPage, form: Form) -> RedirectResponse:
    with page.tx() as session:
        print_jobs.cancel(session, page.me, print_jobs.get(session, page.me, job_id, lock=True))
    page.flash("ok", page.t("job.canceled"))
    return page.redirect(f"/jobs/{job_id}")


@router.get("/jobs")
def queue(
    page: PrintPage,
    state: Annotated[str, Query(max_length=24)] = "",
    office: Annotated[str, Query(max_length=13)] = "",
) -> HTMLResponse:
    with page.tx(writes=False) as session:
        rows, total = print_jobs.list_jobs(
            session, page.me, office=office or None, state=state or None, limit=100, offset=0
        )
        jobs = []
        for j in rows:
            row = _job_row(session, j)
            resident = session.get(Resident, j.resident_id)
            row["resident"] = resident
            jobs.append(row)
        printer_rows = _printer_rows(session, page.me)
        office_row = session.exec(select(Office).where(Office.code == page.me.office_code)).first()
        balance = stock.balance(session, office_row.id) if office_row and office_row.id else None
    return page.render(
        "queue.html",
        jobs=jobs,
        total=total,
        state=state,
        states=(
            "pending",
            "pending-held",
            "processing",
            "processing-stopped",
            "needs-confirmation",
            "aborted",
            "completed",
            "canceled",
        ),
        printers=printer_rows,
        balance=balance,
        low_threshold=page.settings.low_stock_threshold,
    )
