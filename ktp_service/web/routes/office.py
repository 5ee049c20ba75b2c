"""Running an office: printers (state, checks, simulator faults for training), blank-card stock, and the
supervisor's decisions (second cards waiting for approval, jobs whose outcome needs confirming)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from ktp_service.api.deps import AdminOnly, AnyUser, PrinterOperator, Supervisor
from ktp_service.errors import DomainError, Invalid
from ktp_service.lifecycle import JobStatus, RefusalNeedsNote
from ktp_service.models import Office, Printer, PrinterStatusChange
from ktp_service.schemas.identifiers import AsciiInt
from ktp_service.schemas.printing import PrinterCreate
from ktp_service.schemas.text import ascii_digits
from ktp_service.services import job_rows, offices, print_jobs, printer_history, printers, stock
from ktp_service.web import forms
from ktp_service.web.core import Form, Page, PageFor, WebRoute, local_path, text
from ktp_service.web.views import StateView, job_state, printer_state
from printers.registry import ADAPTER_NAMES
from printers.simulator import FAULTS

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AnyPage = Annotated[Page, Depends(PageFor(AnyUser))]
CarePage = Annotated[Page, Depends(PageFor(PrinterOperator))]
AdminPage = Annotated[Page, Depends(PageFor(AdminOnly))]
SupervisorPage = Annotated[Page, Depends(PageFor(Supervisor))]
PrinterId = Annotated[int, AsciiInt, Path(ge=1, le=2_000_000_000)]


# -- printers ----------------------------------------------------------------------------------------------
def _printers_page(
    page: Page,
    *,
    office: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    settings = page.settings
    with page.tx(writes=False) as session:
        rows: list[dict[str, Any]] = []
        for p, code in printers.list_printers(session, page.me, office or None):
            faults: list[str] = []
            if p.adapter == "simulator":
                faults = list(printers.simulator_control(p, settings).info().faults)
            rows.append({"printer": p, "office": code, "view": printer_state(p), "faults": faults})
        office_list = offices.choices(session, page.me)
        office_names = offices.names(session)
    return page.render(
        "printers.html",
        office_names=office_names,
        status_code=status,
        rows=rows,
        office=office,
        offices=office_list,
        can_care=page.can(PrinterOperator),
        can_add=page.can(AdminOnly),
        faults=list(FAULTS),
        adapters=ADAPTER_NAMES,
        errors=errors or {},
        values=values or {"adapter": "simulator", "document_format": "image/png", "dpi": "300"},
    )


@router.get("/printers")
def printers_page(page: AnyPage, office: Annotated[str, Query(max_length=13)] = "") -> HTMLResponse:
    return _printers_page(page, office=office)


@router.post("/printers")
def add_printer(page: AdminPage, form: Form) -> Response:
    values = {k: text(form, k) for k in ("name", "office", "adapter", "uri", "document_format", "dpi")}
    try:
        body = PrinterCreate.model_validate({**values, "dpi": int(values["dpi"] or 300)})
    except (ValidationError, ValueError) as exc:
        errors = (
            forms.from_validation(exc, page.lang)
            if isinstance(exc, ValidationError)
            else {"dpi": page.t("v.number")}
        )
        return _printers_page(page, errors=errors, values=values, status=422)
    try:
        with page.tx() as session:
            printers.register(session, page.me, body, page.settings)
    except DomainError as exc:
        fields, whole = forms.from_domain(exc, page.lang)
        if whole:
            fields["name"] = whole
        return _printers_page(page, errors=fields, values=values, status=exc.status_code)
    page.flash("ok", page.t("printer.added", name=body.name))
    return page.redirect("/printers")


def _own_printer(page: Page, session: Any, printer_id: int) -> Printer:
    p = printers.get(session, printer_id)
    printers.check_office(session, page.me, p)
    return p


@router.post("/printers/{printer_id}/status")
def refresh_printer(printer_id: PrinterId, page: CarePage, form: Form) -> RedirectResponse:
    app = page.request.app
    printers.refresh(app.state.engine, page.me, printer_id, app.state.adapters)
    return page.redirect(local_path(text(form, "back")) or "/printers")


@router.post("/printers/{printer_id}/counter")
def record_counter(printer_id: PrinterId, page: CarePage, form: Form) -> Response:
    """A counter reading from the printer's panel, for month-end reconciliation."""
    raw = text(form, "value").replace(".", "")
    if not ascii_digits(raw):
        page.flash("error", page.t("v.number"))
        return page.redirect(f"/printers#printer-{printer_id}")
    with page.tx() as session:
        printers.record_counter(
            session, page.me, _own_printer(page, session, printer_id), int(raw), text(form, "note")[:200]
        )
    page.flash("ok", page.t("printer.counter_saved", value=int(raw)))
    return page.redirect(f"/printers#printer-{printer_id}")


@router.post("/printers/{printer_id}/simulator")
def simulator(printer_id: PrinterId, page: CarePage, form: Form) -> RedirectResponse:
    """Training: raise or clear one fault of a simulated printer (as the API's simulator route does)."""
    action, fault = text(form, "action"), text(form, "fault")
    app = page.request.app
    # No transaction open while the simulator is changed and asked (printers.operate_simulator).
    p, _ = printers.operate_simulator(
        app.state.engine,
        page.me,
        printer_id,
        app.state.adapters,
        set_faults=(fault,) if action == "set" else (),
        clear_faults=(fault,) if action != "set" else (),
    )
    state = page.t(printer_state(p).key)
    page.flash("ok", page.t("printer.sim_done", state=state))
    return page.redirect(f"/printers#printer-{printer_id}")


# -- one printer: its history, and (administrators) editing and switching it off ---------------------------
HISTORY_DAYS = 14


def _printer_page(
    page: Page,
    printer_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    zone = ZoneInfo(page.settings.timezone)
    now = page.now()
    with page.tx(writes=False) as session:
        p = _own_printer(page, session, printer_id)
        assert p.id is not None
        code = printers.office_code(session, p)
        since = datetime.combine(
            now.astimezone(zone).date() - timedelta(days=HISTORY_DAYS - 1), datetime.min.time(), zone
        )
        changes = printer_history.changes_since(session, p.id, since)
        recent = printer_history.recent_changes(session, p.id)
        waiting = printers.waiting_jobs(session, p.id)
        office_list = offices.list_offices(session) if page.can(AdminOnly) else []
        office_name = offices.names(session).get(code, "")
    days = printer_history.daily_availability(
        changes, lambda c: _change_view(c).ready, days=HISTORY_DAYS, now=now, zone=zone
    )
    config = json.dumps(p.config, ensure_ascii=False, sort_keys=True) if p.config else ""
    return page.render(
        "printer.html",
        status_code=status,
        p=p,
        office=code,
        office_name=office_name,
        view=printer_state(p),
        days=days,
        recent=[(c, _change_view(c)) for c in recent],
        waiting=waiting,
        offices=office_list,
        can_edit=page.can(AdminOnly),
        errors=errors or {},
        values=values
        or {
            "name": p.name,
            "office": code,
            "uri": p.uri,
            "config": config,
            "document_format": p.document_format,
            "dpi": str(p.dpi),
        },
    )


def _change_view(change: PrinterStatusChange) -> StateView:
    """A recorded status in the words of the printers page (the same rule says which states are ready)."""
    return printer_state(
        Printer(name="-", office_id=0, adapter="-", status_state=change.state, status_reasons=change.reasons)
    )


@router.get("/printers/{printer_id}")
def printer_page(printer_id: PrinterId, page: AnyPage) -> HTMLResponse:
    return _printer_page(page, printer_id)


@router.post("/printers/{printer_id}/edit")
def edit_printer(printer_id: PrinterId, page: AdminPage, form: Form) -> Response:
    values = {k: text(form, k) for k in ("name", "office", "uri", "config", "document_format", "dpi")}
    try:
        config = json.loads(values["config"]) if values["config"] else {}
        if not isinstance(config, dict):
            raise ValueError("not an object")
    except ValueError:
        return _printer_page(
            page, printer_id, errors={"config": page.t("printer.config_not_json")}, values=values, status=422
        )
    try:
        with page.tx() as session:
            p = printers.get(session, printer_id)
            body = PrinterCreate.model_validate(
                {**values, "adapter": p.adapter, "config": config, "dpi": int(values["dpi"] or 0)}
            )
            changed = printers.update(session, page.me, p, body, page.settings)
    except (ValidationError, ValueError) as exc:
        errors = (
            forms.from_validation(exc, page.lang)
            if isinstance(exc, ValidationError)
            else {"dpi": page.t("v.number")}
        )
        return _printer_page(page, printer_id, errors=errors, values=values, status=422)
    except DomainError as exc:
        fields, whole = forms.from_domain(exc, page.lang)
        # The form has one configuration box: problems with a key of it (config.state_dir) show there.
        fields = {k.split(".", 1)[0]: v for k, v in fields.items()}
        if whole:
            fields["name"] = page.error_text(exc)  # the refusal in the page's language
        return _printer_page(page, printer_id, errors=fields, values=values, status=exc.status_code)
    page.flash("ok", page.t("printer.updated", name=body.name) if changed else page.t("printer.unchanged"))
    return page.redirect(f"/printers/{printer_id}")


@router.post("/printers/{printer_id}/active")
def switch_printer(printer_id: PrinterId, page: AdminPage, form: Form) -> Response:
    active = text(form, "active") == "1"
    with page.tx() as session:
        p = printers.set_active(session, page.me, printers.get(session, printer_id), active)
        name = p.name
    page.flash("ok", page.t("printer.enabled" if active else "printer.disabled", name=name))
    return page.redirect(f"/printers/{printer_id}")


# -- stock -------------------------------------------------------------------------------------------------
def _stock_office(page: Page, session: Any, code: str) -> Office:
    if page.me.role.office_bound:
        code = page.me.office_code or ""
    return offices.get_by_code(session, code or "33.14")


@router.get("/stock")
def stock_page(page: AnyPage, office: Annotated[str, Query(max_length=13)] = "") -> HTMLResponse:
    return _stock_page(page, office)


def _stock_page(
    page: Page, office: str, errors: dict[str, str] | None = None, status: int = 200
) -> HTMLResponse:
    with page.tx(writes=False) as session:
        the_office = _stock_office(page, session, office)
        assert the_office.id is not None
        balance = stock.balance(session, the_office.id)
        moves = stock.movements(session, the_office.id, limit=30)
        office_list = offices.choices(session, page.me)
    threshold = page.settings.low_stock_threshold
    return page.render(
        "stock.html",
        status_code=status,
        office=the_office,
        offices=office_list,
        balance=balance,
        low=balance <= threshold,
        threshold=threshold,
        moves=moves,
        can_care=page.can(PrinterOperator),
        errors=errors or {},
    )


@router.post("/stock")
def receive_stock(page: CarePage, form: Form) -> Response:
    code = text(form, "office")
    raw = text(form, "quantity")
    if not ascii_digits(raw.lstrip("-")):
        return _stock_page(page, code, {"quantity": page.t("v.number")}, 422)
    try:
        with page.tx() as session:
            the_office = _stock_office(page, session, code)
            stock.receive(session, page.me, the_office, int(raw), text(form, "note")[:200])
            code = the_office.code
    except DomainError as exc:
        fields, whole = forms.from_domain(exc, page.lang)
        return _stock_page(page, code, {"quantity": fields.get("quantity") or whole}, exc.status_code)
    page.flash("ok", page.t("stock.received", quantity=int(raw)))
    return page.redirect(f"/stock?office={code}")


@router.post("/stock/adjust")
def adjust_stock(page: CarePage, form: Form) -> Response:
    """A count that differs from the books: the difference (+ or -) with its reason, audited."""
    code, raw, note = (
        text(form, "office"),
        text(form, "difference").replace(" ", ""),
        text(form, "reason")[:200],
    )
    if not ascii_digits(raw.removeprefix("-").removeprefix("+")):
        return _stock_page(page, code, {"difference": page.t("v.number")}, 422)
    try:
        with page.tx() as session:
            the_office = _stock_office(page, session, code)
            stock.adjust(session, page.me, the_office, int(raw), note)
            code = the_office.code
    except DomainError:
        return _stock_page(page, code, {"reason": page.t("stock.adjust_needs")}, 422)
    page.flash("ok", page.t("stock.adjusted", quantity=f"{int(raw):+d}"))
    return page.redirect(f"/stock?office={code}")


# -- supervisor --------------------------------------------------------------------------------------------
@router.get("/supervisor")
def supervisor_page(page: SupervisorPage) -> HTMLResponse:
    lists: dict[str, list[dict[str, Any]]] = {}
    with page.tx(writes=False) as session:
        for state in (JobStatus.PENDING_HELD, JobStatus.NEEDS_CONFIRMATION):
            rows, _ = job_rows.listed(session, page.me, office=None, state=state)
            # A second card's row shows the card the resident holds: printed when, where, on which printer.
            on_file = print_jobs.cards_on_file(session, [r.job.resident_id for r in rows])
            lists[state] = [
                {
                    "job": r.job,
                    "view": job_state(r.job),
                    "resident": r.resident,
                    "printer": r.printer,
                    "clerk": r.clerk or "-",
                    "card": on_file.get(r.job.resident_id),
                }
                for r in rows
            ]
    return page.render(
        "supervisor.html", held=lists[JobStatus.PENDING_HELD], confirm=lists[JobStatus.NEEDS_CONFIRMATION]
    )


JobId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]


@router.post("/supervisor/jobs/{job_id}")
def decide(job_id: JobId, page: SupervisorPage, form: Form) -> RedirectResponse:
    decision, note = text(form, "decision"), text(form, "note")[:200]
    serial = job_id
    try:
        with page.tx() as session:
            job = print_jobs.get(session, page.me, job_id, lock=True)
            serial = job.card_serial or job_id
            if decision == "approve":
                print_jobs.approve(session, page.me, job, note)
                done = "sup.approved"
            elif decision == "refuse":
                print_jobs.refuse(session, page.me, job, note)
                done = "sup.refused"
            elif decision in ("printed", "spoiled"):
                print_jobs.resolve(session, page.me, job, decision, note)
                done = "sup.resolved"
            else:
                raise Invalid(f"Unknown decision {decision!r}.")
    except RefusalNeedsNote:
        page.flash("error", page.t("sup.refuse_needs_note", serial=serial))
        return page.redirect(f"/supervisor#job-{job_id}")
    except DomainError as exc:
        page.flash("error", page.error_text(exc))
    else:
        page.flash("ok", page.t(done))
    return page.redirect("/supervisor")
