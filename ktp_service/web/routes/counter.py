"""The clerk's counter: a resident's page (photo and signature, card preview, print), following a job,
reprint and cancel, and the office's queue. Registering and correcting residents is in ``registration``.
Every action calls the same service as the API, as the logged-in actor."""

from __future__ import annotations

import math
import secrets
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import UploadFile

from billing.vocab import Reason
from ktp_service import lifecycle, operations, regions
from ktp_service.api.deps import PrintOperator, RegistryReader, RegistryWriter, Supervisor
from ktp_service.api.routes.printing import agent_on_job
from ktp_service.cards import CardError, render_card
from ktp_service.errors import DomainError
from ktp_service.images import MIN_SIZE, ImageKind
from ktp_service.lifecycle import JobStatus
from ktp_service.models import Printer, PrintJob, utcnow
from ktp_service.schemas.printing import PrintJobCreate
from ktp_service.services import (
    agent_holds,
    agents,
    audit,
    batch_print,
    cards,
    job_rows,
    offices,
    print_jobs,
    printers,
    residents,
    stock,
    waiting,
)
from ktp_service.services.actor import Actor
from ktp_service.services.job_rows import JobRow
from ktp_service.vocab import Role
from ktp_service.web import forms
from ktp_service.web.core import Form, Page, PageFor, WebRoute, text
from ktp_service.web.views import job_state, printer_state

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReaderPage = Annotated[Page, Depends(PageFor(RegistryReader))]
WriterPage = Annotated[Page, Depends(PageFor(RegistryWriter))]
PrintPage = Annotated[Page, Depends(PageFor(PrintOperator))]
SupervisorPage = Annotated[Page, Depends(PageFor(Supervisor))]
Nik = Annotated[str, Path(pattern=r"^[0-9]{16}$")]
JobId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
REASONS = tuple(Reason)
# The queue's state filter, in the order a clerk reads them (active first).
QUEUE_STATES = tuple(JobStatus)


def image_minimum(kind: ImageKind) -> dict[str, int]:
    width, height = MIN_SIZE[kind]
    return {"width": width, "height": height}


# -- one resident: images, preview, print ----------------------------------------------------------------------
def _job_row(row: JobRow) -> dict[str, Any]:
    return {
        "job": row.job,
        "view": job_state(row.job),
        "resident": row.resident,
        "printer": row.printer.name if row.printer else "?",
        "clerk": row.clerk or "-",
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
        card = print_jobs.card_on_file(session, resident.id) if valid is not None and resident.id else None
        jobs = [_job_row(r) for r in job_rows.of_resident(session, resident)]
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
        card=card,
        jobs=jobs,
        printers=printer_rows,
        # A ready printer if there is one; else the first, so "Cetak kartu" queues the card and says why it
        # waits (a list with nothing chosen made the button do nothing).
        default_printer=next(
            (r["printer"].id for r in printer_rows if r["view"].ready),
            printer_rows[0]["printer"].id if printer_rows else None,
        ),
        reasons=REASONS,
        can_write=page.can(RegistryWriter),
        can_print=can_print,
        upload_errors=upload_errors or {},
        idempotency_key=secrets.token_urlsafe(16),
        active_job=next((j for j in jobs if not JobStatus(j["job"].state).final), None),
    )


@router.get("/residents/{nik}")
def resident_page(nik: Nik, page: ReaderPage) -> HTMLResponse:
    kept = page.kept()  # a refused print or upload, shown again by this GET (a refresh re-sends nothing)
    if kept is not None:
        errors = {str(k): str(v) for k, v in dict(kept.extra.get("upload_errors") or {}).items()}
        return _resident_page(page, nik, upload_errors=errors, status=422 if errors else 200)
    return _resident_page(page, nik)


def _refused(page: Page, nik: str, errors: dict[str, str]) -> Response:
    return page.keep_form(f"/residents/{nik}", {}, {"upload_errors": errors})


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
            residents.set_image(session, page.me, nik, kind, raw, settings)
    except DomainError as exc:
        fields, whole = forms.from_domain(exc, page.lang)
        if exc.problems and exc.problems[0].code == "too_small":
            fields["file"] = page.t("v.image_too_small_px", **image_minimum(kind))
        return _refused(page, nik, {field: fields.get("file") or whole})
    page.drop_kept()
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
            office_code=resident.kode_desa,
        )
    return Response(rendered.content, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.post("/residents/{nik}/print")
def print_card(nik: Nik, page: PrintPage, form: Form) -> Response:
    settings = page.settings
    if not text(form, "reason"):  # a second card has no default reason: the clerk must choose one
        return _refused(
            page, nik, {"print": page.t("print.choose_reason_error"), "reason": page.t("v.choose")}
        )
    try:
        body = PrintJobCreate.model_validate(
            {"nik": nik, "printer_id": int(text(form, "printer_id") or 0), "reason": text(form, "reason")}
        )
    except (ValidationError, ValueError):
        return _refused(page, nik, {"print": page.t("print.only_ready")})
    try:
        with page.tx() as session:
            job, _ = print_jobs.create(
                session,
                page.me,
                body,
                idempotency_key=text(form, "idempotency_key")[:100] or None,
                settings=settings,
            )
            warning = waiting.readiness_warning(session, job, page.lang)
    except DomainError as exc:
        fields, whole = forms.from_domain(exc, page.lang)
        msg = whole or " ".join(dict.fromkeys(fields.values()))
        return _refused(page, nik, {"print": msg})
    page.drop_kept()
    page.flash("ok", page.t("job.held_flash" if job.state == JobStatus.PENDING_HELD else "job.created_flash"))
    if warning:  # queued all the same: the card prints by itself once the printer is ready, or is moved
        page.flash("warn", warning)
    return page.redirect(f"/jobs/{job.uuid}")


# -- jobs ------------------------------------------------------------------------------------------------------
def _job_context(session: Session, page: Page, job_id: str) -> dict[str, Any]:
    found = job_rows.detail(session, page.me, job_id)
    job, printer = found.row.job, found.row.printer
    assert found.row.resident is not None and printer is not None
    others = [p for p in waiting.office_printers(session, job.office_id) if p.id != printer.id]
    ready_others = [p for p in others if waiting.printer_ready(p)]
    return {
        **_job_row(found.row),
        "view": job_state(job, printer),
        # The office's print agent, when the card went to one (issue 14): what the centre knows of it.
        "agent": agent_on_job(session, job, page.settings),
        "condition": waiting.condition(printer, page.lang),
        "printer_obj": printer,
        "printer_view": printer_state(printer),
        "reprinted": found.reprinted,
        "original": found.original,
        "terminal": JobStatus(job.state).final,
        **_retry(page, job),
        # A supervisor may take a job back from the print agent holding it (issue 14).
        "can_recall": page.me.role == Role.SUPERVISOR
        and job.agent_id is not None
        and job.state in lifecycle.AT_PRINTER
        and job.agent_recalled_at is None,
        "refused_reports": agent_holds.conflicts(session, job_uuid=job.uuid) if job.agent_recalled_at else [],
        "move_targets": ready_others if lifecycle.allowed(job, "move") else [],
        "reprint_targets": ready_others,
        # The actions the page offers and the printers it offers them for: when these change (the job
        # reached the printer, another printer became ready) the page reloads to offer the right ones.
        "actions": ",".join(a for a in ("move", "cancel", "reprint") if lifecycle.allowed(job, a))
        + "|"
        + ",".join(str(p.id) for p in ready_others),
    }


def _retry(page: Page, job: PrintJob) -> dict[str, Any]:
    """When a waiting job is tried next: the time in the office's zone and the seconds until then (the page
    counts them down between refreshes), or nothing when it is due already or not waiting."""
    if job.state != JobStatus.PENDING or job.next_attempt_at is None:
        return {"retry_in": None, "retry_time": None}
    at = (
        job.next_attempt_at
        if job.next_attempt_at.tzinfo
        else job.next_attempt_at.replace(tzinfo=ZoneInfo("UTC"))
    )
    seconds = math.ceil((at - utcnow()).total_seconds())
    if seconds <= 0:
        return {"retry_in": None, "retry_time": None}
    local = at.astimezone(ZoneInfo(page.settings.timezone)).strftime("%H:%M:%S")
    return {"retry_in": seconds, "retry_time": local}


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


def _printer_id(form: Any) -> int | None:
    raw = text(form, "printer_id")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else None


@router.post("/jobs/{job_id}/reprint")
def reprint(job_id: JobId, page: PrintPage, form: Form) -> RedirectResponse:
    try:
        with page.tx() as session:
            job = print_jobs.get(session, page.me, job_id, lock=True)
            new = print_jobs.reprint(session, page.me, job, _printer_id(form))
    except DomainError as exc:
        page.flash("error", page.error_text(exc))
        return page.redirect(f"/jobs/{job_id}")
    page.flash("ok", page.t("job.reprint_flash"))
    return page.redirect(f"/jobs/{new.uuid}")


@router.post("/jobs/{job_id}/retry")
def try_now(job_id: JobId, page: PrintPage, form: Form) -> RedirectResponse:
    """ "Coba sekarang": ask the printer first (no transaction open), then make the job due; the answer says
    whether the printer is ready now or still in trouble."""
    engine, adapters = page.request.app.state.engine, page.request.app.state.adapters
    try:
        with page.tx(writes=False) as session:
            printer_id = print_jobs.get(session, page.me, job_id).printer_id
        printer, _ = printers.refresh(engine, page.me, printer_id, adapters)
        with page.tx() as session:
            print_jobs.try_now(session, page.me, print_jobs.get(session, page.me, job_id, lock=True))
    except DomainError as exc:
        page.flash("error", page.error_text(exc))
        return page.redirect(f"/jobs/{job_id}")
    page.flash(*_printer_answer(page, printer))
    return page.redirect(f"/jobs/{job_id}")


def _printer_answer(page: Page, printer: Printer) -> tuple[str, str]:
    if waiting.printer_ready(printer):
        return "ok", page.t("job.try_now_sent", printer=printer.name)
    return "warn", page.t(
        "job.try_now_still", printer=printer.name, condition=waiting.condition(printer, page.lang)
    )


@router.post("/jobs/{job_id}/move")
def move(job_id: JobId, page: PrintPage, form: Form) -> RedirectResponse:
    target = _printer_id(form)
    if target is None:
        page.flash("error", page.t("print.only_ready"))
        return page.redirect(f"/jobs/{job_id}")
    try:
        with page.tx() as session:
            job = print_jobs.get(session, page.me, job_id, lock=True)
            print_jobs.move(session, page.me, job, target)
            name = printers.get(session, target).name
    except DomainError as exc:
        page.flash("error", page.error_text(exc))
        return page.redirect(f"/jobs/{job_id}")
    page.flash("ok", page.t("job.moved_flash", printer=name))
    return page.redirect(f"/jobs/{job_id}")


@router.post("/jobs/{job_id}/recall")
def recall(job_id: JobId, page: SupervisorPage, form: Form) -> RedirectResponse:
    """A supervisor takes the job back from the print agent holding it, with a note (issue 14)."""
    try:
        with page.tx() as session:
            job = print_jobs.get(session, page.me, job_id, lock=True)
            agent_holds.recall(session, page.me, job, text(form, "note")[:500], settings=page.settings)
    except DomainError as exc:
        page.flash("error", page.error_text(exc))
    else:
        page.flash("ok", page.t("job.recalled_flash"))
    return page.redirect(f"/jobs/{job_id}")


@router.post("/jobs/{job_id}/cancel")
def cancel(job_id: JobId, page: PrintPage, form: Form) -> RedirectResponse:
    with page.tx() as session:
        job = print_jobs.cancel(session, page.me, print_jobs.get(session, page.me, job_id, lock=True))
        if job.agent_recalled_at is not None:  # taken back from its agent: no agent may fetch the card now
            agents.drop_document(page.settings, session, job)
    page.flash("ok", page.t("job.canceled"))
    return page.redirect(f"/jobs/{job_id}")


# -- a batch of new cards --------------------------------------------------------------------------------------
@router.post("/jobs/batch")
def print_batch(page: PrintPage, form: Form) -> Response:
    """Print new cards for a pasted list of NIKs on one printer of the office, as an operation whose progress
    page shows the jobs being made, then the cards printing. A list with a wrong entry is sent back to the
    queue page (kept, shown by a GET) with the entries named; nothing is created."""
    raw = text(form, "niks")[:20_000]
    niks, bad = batch_print.parse_niks(raw)
    problem = ""
    if bad:
        problem = page.t("batch.bad_niks", entries=", ".join(bad[:5]))
    elif not niks:
        problem = page.t("batch.empty")
    elif len(niks) > batch_print.MAX_BATCH:
        problem = page.t("batch.too_many", most=str(batch_print.MAX_BATCH))
    try:
        printer_id = int(text(form, "printer_id") or 0)
    except ValueError:
        printer_id = 0
    if not problem and printer_id <= 0:
        problem = page.t("print.only_ready")
    if problem:
        values = {"niks": raw, "printer_id": text(form, "printer_id")}
        return page.keep_form("/jobs", values, {"batch_error": problem})
    engine, actor, settings, lang = page.request.app.state.engine, page.me, page.settings, page.lang
    key = text(form, "idempotency_key")[:40] or secrets.token_hex(8)
    op = operations.start(
        lambda report: batch_print.run(engine, settings, actor, niks, printer_id, key, report, lang),
        owner=actor.user_id,
        steps=batch_print.BATCH_STEPS,
        result_url="/jobs",
        failure_url="/jobs",
    )
    page.drop_kept()
    return page.redirect(f"/operations/{op.id}/view")


@router.get("/jobs")
def queue(
    page: PrintPage,
    state: Annotated[str, Query(max_length=24)] = "",
    office: Annotated[str, Query(max_length=13)] = "",
) -> HTMLResponse:
    kept = page.kept()  # a refused batch, shown again by this GET (a refresh re-sends nothing)
    with page.tx(writes=False) as session:
        wanted = JobStatus(state) if state in QUEUE_STATES else None  # an unknown state filters nothing
        rows, total = job_rows.listed(session, page.me, office=office or None, state=wanted)
        jobs = [_job_row(r) for r in rows]
        printer_rows = _printer_rows(session, page.me)
        balance = stock.office_balance(session, page.me.office_code)
        office_id = _office_id(session, page.me)
        batch_printers = waiting.office_printers(session, office_id) if office_id else []
    return page.render(
        "queue.html",
        batch_printers=batch_printers,
        batch_key=secrets.token_hex(8),
        batch_kept=kept,
        jobs=jobs,
        total=total,
        state=state,
        states=QUEUE_STATES,
        printers=printer_rows,
        balance=balance,
        low_threshold=page.settings.low_stock_threshold,
    )


def _office_id(session: Session, actor: Actor) -> int | None:
    if not actor.office_code:
        return None
    return offices.get_by_code(session, actor.office_code).id
