"""Finance and the partner's auditor: the month's statement with charts, reconciliation (money received,
differences, explanations), closing, documents and the signed bundle; contract versions. Calls
:mod:`ktp_service.services.billing` and :mod:`billing` exactly as the API's billing routes do, with the
API's role sets (``BillingReader``, ``FinanceOnly``, ``ContractEditor``)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import col, select
from starlette.datastructures import UploadFile

from billing import contracts, documents, records
from billing.errors import (
    BillingError,
    DuplicatePaymentReference,
    ImportRejected,
    InvalidInput,
    ShareAboveFee,
)
from billing.exports import account_name
from billing.periods import is_closed, month_bounds, month_days
from billing.records import SignatoryIn
from billing.statement import Statement, closes_from
from billing.vocab import PpnCollector, Reason, Rounding
from ktp_service import operations
from ktp_service.api.deps import BillingReader, ContractEditor, FinanceOnly, PartnerOnly
from ktp_service.billing_bridge import config_for, post_pending
from ktp_service.errors import DomainError
from ktp_service.models import Office
from ktp_service.schemas.identifiers import MONTH_PATTERN, AsciiInt, CheckedMonth, CheckedMonthOrEmpty
from ktp_service.schemas.text import ascii_digits
from ktp_service.services import agent_holds, billing
from ktp_service.services import offices as office_service
from ktp_service.verifier_wheel import wheel_name
from ktp_service.web import contract_form, forms, i18n
from ktp_service.web.core import Form, Page, PageFor, WebRoute, text
from ktp_service.web.indicators import bar_chart

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReaderPage = Annotated[Page, Depends(PageFor(BillingReader))]
FinancePage = Annotated[Page, Depends(PageFor(FinanceOnly))]
PartnerPage = Annotated[Page, Depends(PageFor(PartnerOnly))]
EditorPage = Annotated[Page, Depends(PageFor(ContractEditor))]
Month = Annotated[str, Path(pattern=MONTH_PATTERN), CheckedMonth]
MonthQuery = Annotated[str, Query(pattern=r"^([0-9]{4}-(0[1-9]|1[0-2]))?$"), CheckedMonthOrEmpty]
REASONS = tuple(Reason)


def _months_back(month: str, n: int) -> list[str]:
    """``n`` months ending with ``month``, oldest first."""
    y, m = (int(p) for p in month.split("-"))
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def _attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


# -- the month ------------------------------------------------------------------------------------------------
@router.get("/finance")
def finance_page(page: ReaderPage, month: MonthQuery = "") -> HTMLResponse:
    cfg = config_for(page.settings)
    current = billing.month_of_now(cfg)
    month = month or current
    with page.tx(writes=False) as session:
        st = billing.read_statement(session, page.me, month, cfg)
        trend: list[tuple[str, Statement | None]] = []
        for m in _months_back(month, 12):
            try:
                trend.append((m, billing.read_statement(session, page.me, m, cfg)))
            except BillingError:
                trend.append((m, None))
        unposted = billing.unposted_events(session, month, cfg)
        docs = records.month_documents(session, month)
        closed_anyway = agent_holds.close_note(agent_holds.override_for(session, month), page.lang)
        names = office_service.names(session)
    offices = sorted(st.by_office, key=lambda b: -b.cards_billed)
    return page.render(
        "finance.html",
        month=month,
        current_month=current,
        months=_months_back(current, 12)[::-1],
        st=st,
        unposted=unposted,
        office_chart=bar_chart(  # names beside codes: the short name under the bar, code and name on hover
            [short_office_name(b.key, names) for b in offices],
            [b.cards_billed for b in offices],
            width=560,
            height=180,
            fmt=i18n.number,
            titles=[f"{b.key} · {names.get(b.key, '')}".rstrip(" ·") for b in offices],
        ),
        office_names=names,
        trend_chart=bar_chart(
            [m[2:].replace("-", "/") for m, _ in trend],
            [s.gross_amount if s else 0 for _, s in trend],
            height=200,
            fmt=i18n.number,
        ),
        trend=trend,
        month_name=documents.month_name,
        can_close=page.can(FinanceOnly),
        can_edit_signatories=page.can(ContractEditor),
        docs=docs,
        month_over=_month_over(page, month),
        closes_from=closes_from(month, cfg.zone),
        closed_anyway=closed_anyway,
    )


def short_office_name(code: str, names: dict[str, str]) -> str:
    """An office's name without "Kantor Kecamatan"/"Kantor" (a chart's axis has little room); its code when
    it has no name."""
    name = names.get(code, "")
    if name.startswith("Kantor Pelayanan Terpadu "):
        return "KPT " + name.split()[-1]
    for prefix in ("Kantor Kecamatan ", "Kantor "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name or code


def _month_over(page: Page, month: str) -> bool:
    """Whether ``month`` has ended in the regency's zone: closing is offered only then."""
    return page.now() >= month_bounds(month, config_for(page.settings).zone)[1]


@router.post("/finance/post-pending")
def post_outbox(page: FinancePage, form: Form) -> Response:
    with page.tx() as session:
        posted = post_pending(session, config_for(page.settings), retry_refused=True)  # a person asked
    page.flash("ok", page.t("fin.posted", n=posted))
    return page.redirect(f"/finance?month={text(form, 'month')}" if text(form, "month") else "/finance")


@router.get("/finance/{month}/close")
def close_confirmation(month: Month, page: FinancePage) -> HTMLResponse:
    """The step before closing: the month named, what closing means, and its totals; closing itself is a
    second, explicit button (a plain form: no script needed)."""
    cfg = config_for(page.settings)
    with page.tx(writes=False) as session:
        st = billing.read_statement(session, page.me, month, cfg)
        held = agent_holds.held_for_month(session, month, cfg.zone)
        unposted = billing.unposted_events(session, month, cfg, {h.job for h in held})
        closed_anyway = agent_holds.close_note(agent_holds.override_for(session, month), page.lang)
    return page.render(
        "finance_close.html",
        month=month,
        month_name=documents.month_name(month),
        st=st,
        unposted=unposted,
        held=held,
        closed_anyway=closed_anyway,
        reason_max=agent_holds.MAX_REASON,
        month_over=_month_over(page, month),
        closes_from=closes_from(month, cfg.zone),
    )


@router.post("/finance/{month}/close")
def close(month: Month, page: FinancePage, form: Form) -> Response:
    """Closing can take a while (posting waiting cards, the checks, the signed statement, the paper): it runs
    in the background and the person watches its steps on the operation's page, which goes to the closed
    month when it is done (or back to the confirmation, saying why, when it was refused)."""
    if text(form, "confirm") != month:  # only the confirmation page's button names the month
        return page.redirect(f"/finance/{month}/close")
    engine, actor, settings = page.request.app.state.engine, page.me, page.settings
    reason = text(form, "reason") or None  # closing with cards still at agents: why (checked there)
    op = operations.start(
        lambda report: billing.close_month_in_steps(engine, actor, month, settings, report, reason),
        owner=actor.user_id,
        steps=billing.CLOSE_STEPS,
        result_url=f"/finance?month={month}",
        failure_url=f"/finance/{month}/close",
        done_key="fin.closed",
        done_params={"month": documents.month_name(month)},
    )
    return page.redirect(f"/operations/{op.id}/view")


# -- documents ------------------------------------------------------------------------------------------------
LangQuery = Annotated[str, Query(pattern=r"^(id|en)?$")]


@router.get("/finance/{month}/statement.pdf")
def statement_pdf(month: Month, page: ReaderPage, lang: LangQuery = "") -> Response:
    with page.tx() as session:  # audited
        pdf = billing.statement_pdf(session, page.me, month, page.settings, lang or "id")
    return _attachment(pdf, "application/pdf", f"laporan-bagi-hasil-{month}.pdf")


@router.get("/finance/{month}/invoice.pdf")
def invoice_pdf(month: Month, page: ReaderPage, lang: LangQuery = "") -> Response:
    with page.tx() as session:
        pdf = billing.invoice_pdf(session, page.me, month, page.settings, lang or "id")
    return _attachment(pdf, "application/pdf", f"rancangan-tagihan-{month}.pdf")


@router.post("/partner/{month}/invoice-number")
def invoice_number(month: Month, page: PartnerPage, form: Form) -> Response:
    number = text(form, "invoice_number")[:100]
    try:
        with page.tx() as session:
            billing.record_invoice_number(session, page.me, month, number, page.settings)
    except BillingError as exc:
        page.flash("error", page.error_text(exc))
    else:
        page.flash("ok", page.t("doc.invoice_number_saved", number=number.strip()))
    return page.redirect(f"/partner?month={month}")


@router.post("/finance/{month}/finalise")
def finalise(month: Month, page: FinancePage, form: Form) -> Response:
    lines = text(form, "follow_up").splitlines()
    follow_up = [x.strip()[:300] for x in lines if x.strip() and x.isprintable()][:20]
    try:
        with page.tx() as session:
            doc = billing.finalise_reconciliation(session, page.me, month, page.settings, follow_up)
    except BillingError as exc:
        page.flash("error", page.error_text(exc))
    else:
        page.flash("ok", page.t("doc.finalised", number=doc.number))
    return page.redirect(f"/finance/{month}/reconciliation")


# -- signatories ----------------------------------------------------------------------------------------------
def _signatories_page(
    page: Page,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with page.tx() as session:  # reading them is audited
        rows = billing.list_signatories(session, page.me)
    return page.render(
        "signatories.html",
        status_code=status,
        rows=rows,
        errors=errors or {},
        values=values or {"side": "regency"},
        date_text=forms.date_text,
    )


@router.get("/finance/signatories")
def signatories_page(page: EditorPage) -> HTMLResponse:
    return _signatories_page(page)


@router.post("/finance/signatories")
def add_signatory(page: EditorPage, form: Form) -> Response:
    fields = ("side", "name", "nip", "rank", "position", "institution", "npwp", "address")
    values = {k: text(form, k) for k in (*fields, "effective_from")}
    day = forms.parse_date(values["effective_from"])
    if not isinstance(day, date):
        return _signatories_page(page, errors={"effective_from": page.t("v.date")}, values=values, status=422)
    try:
        data = SignatoryIn(**{k: values[k] for k in fields}, effective_from=day)
    except ValidationError as exc:
        errors = {str(e["loc"][0]): page.t("err.invalid_input") for e in exc.errors()}
        return _signatories_page(page, errors=errors, values=values, status=422)
    with page.tx() as session:
        billing.add_signatory(session, page.me, data)
    page.flash("ok", page.t("doc.signatory_saved", name=data.name))
    return page.redirect("/finance/signatories")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/finance/{month}/statement.xlsx")
def statement_xlsx(month: Month, page: ReaderPage, lang: LangQuery = "id") -> Response:
    with page.tx(writes=False) as session:
        data = billing.statement_xlsx(session, page.me, month, page.settings, lang)
    return _attachment(data, XLSX, f"laporan-bagi-hasil-{month}.xlsx")


@router.get("/finance/{month}/statement.csv")
def statement_csv(month: Month, page: ReaderPage, lang: LangQuery = "id") -> Response:
    with page.tx(writes=False) as session:
        data = billing.statement_csv(session, page.me, month, page.settings, lang)
    return _attachment(data, "text/csv; charset=utf-8", f"laporan-bagi-hasil-{month}.csv")


@router.get("/finance/{month}/entries.csv")
def entries_csv(month: Month, page: ReaderPage, lang: LangQuery = "id") -> Response:
    with page.tx(writes=False) as session:
        data = billing.entries_csv(session, page.me, month, page.settings, lang)
    return _attachment(data, "text/csv; charset=utf-8", f"entri-{month}.csv")


@router.get("/finance/{month}/bundle.zip")
def bundle(month: Month, page: ReaderPage) -> Response:
    with page.tx(writes=False) as session:
        data = billing.bundle_bytes(session, page.me, month)
    return _attachment(data, "application/zip", f"ktp-billing-{month}.zip")


# -- exports with a progress display ------------------------------------------------------------------------
# kind -> (how it is made, media type, file name): the same functions as the plain downloads above.
EXPORTS: dict[str, tuple[Any, str, str]] = {
    "statement.pdf": (billing.statement_pdf, "application/pdf", "laporan-bagi-hasil-{month}{suffix}.pdf"),
    "invoice.pdf": (billing.invoice_pdf, "application/pdf", "rancangan-tagihan-{month}{suffix}.pdf"),
    "statement.xlsx": (billing.statement_xlsx, XLSX, "laporan-bagi-hasil-{month}{suffix}.xlsx"),
    "statement.csv": (
        billing.statement_csv,
        "text/csv; charset=utf-8",
        "laporan-bagi-hasil-{month}{suffix}.csv",
    ),
    "entries.csv": (billing.entries_csv, "text/csv; charset=utf-8", "entri-{month}{suffix}.csv"),
    "bundle.zip": (None, "application/zip", "ktp-billing-{month}.zip"),
}
EXPORT_STEPS = ("op.export.make",)


@router.post("/finance/{month}/export")
def export(month: Month, page: ReaderPage, form: Form) -> Response:
    """Make an export in the background, its progress on the operation's page, which offers the file when
    it is ready (and starts the download). The plain GET addresses above still answer at once."""
    kind, lang = text(form, "kind"), text(form, "lang") or "id"
    if kind not in EXPORTS or lang not in ("id", "en"):
        page.flash("error", page.t("err.invalid_input"))
        return page.redirect(f"/finance?month={month}")
    engine, actor, settings = page.request.app.state.engine, page.me, page.settings
    make, media, name = EXPORTS[kind]
    filename = name.format(month=month, suffix="-en" if lang == "en" else "")

    def work(report: operations.Report) -> None:
        from ktp_service.db import unit_of_work

        report(EXPORT_STEPS[0])
        with unit_of_work(engine) as session:  # the papers' reads are audited
            if make is None:
                data = billing.bundle_bytes(session, actor, month)
            else:
                data = make(session, actor, month, settings, lang)
        report.deliver(data.encode() if isinstance(data, str) else data, media, filename)

    back = "/partner" if actor.role == "partner_auditor" else "/finance"
    op = operations.start(
        work,
        owner=actor.user_id,
        steps=EXPORT_STEPS,
        result_url=f"{back}?month={month}",
        failure_url=f"{back}?month={month}",
        done_key="op.export.ready",
        done_params={"file": filename},
    )
    return page.redirect(f"/operations/{op.id}/view")


@router.get("/finance/public-key.pem")
def public_key(page: ReaderPage) -> Response:
    pem = config_for(page.settings).keys.public_key_pem()
    return _attachment(pem, "application/x-pem-file", "ktp-billing-public-key.pem")


@router.get("/finance/{month}/berita-acara.pdf")
def berita_acara(month: Month, page: FinancePage, lang: LangQuery = "") -> Response:
    with page.tx() as session:
        pdf = billing.berita_acara(session, page.me, month, page.settings, lang or "id")
    return _attachment(pdf, "application/pdf", f"berita-acara-{month}.pdf")


# -- reconciliation -----------------------------------------------------------------------------------------
def _reconciliation_page(
    page: Page,
    month: str,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    cfg = config_for(page.settings)
    with page.tx(writes=False) as session:
        report = billing.reconcile(session, page.me, month, cfg)
        names = dict(session.exec(select(Office.code, Office.name)).all())
        final_doc = records.get_document(session, month, "berita_acara")
        closed = is_closed(session, month)
    return page.render(
        "reconciliation.html",
        status_code=status,
        month=month,
        month_name=documents.month_name(month),
        report=report,
        office_names=names,
        errors=errors or {},
        final_doc=final_doc,
        closed=closed,
    )


@router.get("/finance/{month}/reconciliation")
def reconciliation_page(month: Month, page: FinancePage) -> HTMLResponse:
    return _reconciliation_page(page, month)


@router.post("/finance/{month}/explain")
def explain(month: Month, page: FinancePage, form: Form) -> Response:
    explanation = text(form, "explanation")[:1000]
    if len(explanation.strip()) < 3:  # as the API: a dash is not an explanation
        return _reconciliation_page(
            page, month, errors={f"explain-{text(form, 'item')}": page.t("v.missing")}, status=422
        )
    try:
        with page.tx() as session:
            billing.explain(
                session, page.me, month, text(form, "item"), explanation, config_for(page.settings)
            )
    except BillingError as exc:
        return _reconciliation_page(
            page, month, errors={f"explain-{text(form, 'item')}": page.error_text(exc)}, status=422
        )
    page.flash("ok", page.t("fin.explained"))
    return page.redirect(f"/finance/{month}/reconciliation")


# -- money received -------------------------------------------------------------------------------------------
def _default_day(page: Page, month: str) -> date:
    """Today in the regency's zone when it falls in ``month``, else the month's last day (a past month)."""
    today = page.now().astimezone(ZoneInfo(page.settings.timezone)).date()
    first, last = month_days(month)
    return today if first <= today <= last else min(last, today)


def _money_page(
    page: Page,
    month: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    import_rows: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with page.tx(writes=False) as session:
        entries = billing.money_entries(session, page.me, month)
        # Chosen by name; the code beside it tells two offices of the same name apart.
        options = [
            (o.code, f"{o.name} ({o.code})") for o in session.exec(select(Office).order_by(col(Office.code)))
        ]
    zone = page.settings.timezone
    for row in entries:  # recorded_at is UTC text; shown in the regency's zone like every time
        row["when"] = i18n.waktu(datetime.fromisoformat(str(row["recorded_at"])), zone)
    active = [r for r in entries if r["reverses_id"] is None and r["reversed_by_id"] is None]
    first, last = month_days(month)
    return page.render(
        "money.html",
        status_code=status,
        month=month,
        month_name=documents.month_name(month),
        entries=entries,
        total=sum(r["amount"] for r in entries),
        counted=len(active),
        office_options=options,
        errors=errors or {},
        values=values or {"day": forms.date_text(_default_day(page, month))},
        import_rows=import_rows or [],
        first=forms.date_text(first),
        last=forms.date_text(last),
    )


@router.get("/finance/{month}/money")
def money_page(month: Month, page: FinancePage) -> HTMLResponse:
    return _money_page(page, month)


@router.post("/finance/{month}/money")
def add_money(month: Month, page: FinancePage, form: Form) -> Response:
    values = {k: text(form, k) for k in ("office_code", "day", "amount", "reference")}
    day = forms.parse_date(values["day"])
    errors: dict[str, str] = {}
    if not values["office_code"]:
        errors["office_code"] = page.t("v.missing")
    if not isinstance(day, date):
        errors["day"] = page.t("v.date")
    amount = 0
    try:
        amount = forms.parse_rupiah(values["amount"])
    except forms.RupiahRefused as exc:
        errors["amount"] = page.t(f"v.rupiah.{exc.code}")
    if not errors:
        assert isinstance(day, date)
        try:
            with page.tx() as session:
                billing.record_money(
                    session,
                    page.me,
                    month,
                    config_for(page.settings),
                    office_code=values["office_code"],
                    day=day,
                    amount=amount,
                    reference=values["reference"][:100],
                )
        except DuplicatePaymentReference as exc:
            errors["reference"] = page.error_text(exc)
        except DomainError as exc:  # an office that is not ours
            errors["office_code"] = page.error_text(exc)
        except InvalidInput as exc:  # a day outside the month or after today, a reference unfit to keep
            errors["reference" if "reference" in exc.message else "day"] = page.error_text(exc)
        except BillingError as exc:  # the month's minutes are final
            errors["amount"] = page.error_text(exc)
    if errors:
        return _money_page(page, month, errors=errors, values=values, status=422)
    page.flash("ok", page.t("money.saved", amount=i18n.rupiah(amount), words=terbilang_lower(amount)))
    return page.redirect(f"/finance/{month}/money")


@router.post("/finance/{month}/money/{entry_id}/reverse")
def reverse_money(
    month: Month,
    entry_id: Annotated[int, AsciiInt, Path(ge=1, le=2_000_000_000)],
    page: FinancePage,
    form: Form,
) -> Response:
    reason = text(form, "reason")[:500]
    if len(reason.strip()) < 3:
        return _money_page(
            page, month, errors={f"reverse-{entry_id}": page.t("money.reason_needed")}, status=422
        )
    try:
        with page.tx() as session:
            row = billing.reverse_money(session, page.me, entry_id, reason, config_for(page.settings))
    except BillingError as exc:
        return _money_page(
            page, month, errors={f"reverse-{entry_id}": page.error_text(exc)}, status=exc.status_code
        )
    page.flash("ok", page.t("money.reversed", entry=entry_id, amount=i18n.rupiah(-row.amount)))
    return page.redirect(f"/finance/{month}/money")


@router.post("/finance/{month}/money/import")
def import_money(month: Month, page: FinancePage, form: Form) -> Response:
    upload = form.get("file")
    limit = page.settings.max_import_bytes
    raw = upload.file.read(limit + 1) if isinstance(upload, UploadFile) else b""
    name = upload.filename if isinstance(upload, UploadFile) else "upload"
    try:
        text_csv = billing.decode_upload(raw, limit)  # too large or not UTF-8: refused whole, as in the API
        with page.tx() as session:
            rows = billing.import_money(
                session, page.me, month, text_csv, f"import:{name}", config_for(page.settings)
            )
    except ImportRejected as exc:
        problems = [str(e) for e in getattr(exc, "errors", [])]
        return _money_page(
            page, month, errors={"file": page.error_text(exc)}, import_rows=problems, status=422
        )
    except BillingError as exc:
        return _money_page(page, month, errors={"file": page.error_text(exc)}, status=exc.status_code)
    page.flash("ok", page.t("fin.imported", n=rows))
    return page.redirect(f"/finance/{month}/money")


def terbilang_lower(amount: int) -> str:
    """``30000`` -> ``tiga puluh ribu rupiah`` (the amount in words, as the page confirms it)."""
    from lokal import terbilang

    return str(terbilang(amount, currency=True, case="lower"))


# -- the partner's auditor ------------------------------------------------------------------------------------
@router.get("/partner")
def partner_page(
    page: ReaderPage, month: MonthQuery = "", offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0
) -> HTMLResponse:
    return _partner_page(page, month, offset)


def _partner_page(
    page: Page,
    month: str,
    offset: int = 0,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    cfg = config_for(page.settings)
    current = billing.month_of_now(cfg)
    month = month or current
    with page.tx(writes=False) as session:
        st = billing.read_statement(session, page.me, month, cfg)
        shown, total_rows = billing.entries_page(session, page.me, month, offset, 100)
        versions = contracts.list_contract_versions(session)
        docs = records.month_documents(session, month)
        invoice_number = records.invoice_number(session, month)
        counts = billing.partner_count_history(session, page.me, month)
    zone = page.settings.timezone
    for row in shown:  # ledger times are UTC text; show them in the office's zone, dd-mm-yyyy
        at = row.get("event_at")
        row["when"] = i18n.waktu(datetime.fromisoformat(str(at)), zone) if at else ""
        # words, not keys: "Baru", "Retribusi dipungut dari penduduk" (the key stays in the exports)
        reason = str(row.get("reason") or "")
        row["reason"] = page.t(f"reason.{reason}") if reason and i18n.has(f"reason.{reason}") else reason
        account = str(row.get("account") or "")
        row["account"] = account_name(account, page.lang) if account else ""
    history = [
        {
            "cards": c.cards,
            "note": c.note,
            "author": c.author,
            "when": i18n.waktu(datetime.fromisoformat(c.recorded_at), zone),
        }
        for c in counts
    ]
    return page.render(
        "partner.html",
        verifier_wheel=wheel_name(),
        status_code=status,
        month=month,
        current_month=current,
        months=_months_back(current, 12)[::-1],
        month_name=documents.month_name,
        st=st,
        rows=shown,
        total_rows=total_rows,
        offset=offset,
        versions=versions,
        docs=docs,
        invoice_number=invoice_number,
        can_number_invoice=page.can(PartnerOnly),
        counts=history[::-1],
        can_count=page.can(PartnerOnly),
        errors=errors or {},
        values=values or {"cards": str(counts[-1].cards) if counts else ""},
    )


@router.post("/partner/{month}/count")
def partner_count(month: Month, page: PartnerPage, form: Form) -> Response:
    values = {"cards": text(form, "cards").replace(".", ""), "note": text(form, "note")[:500]}
    if not ascii_digits(values["cards"]) or len(values["cards"]) > 9:
        return _partner_page(page, month, errors={"cards": page.t("v.number")}, values=values, status=422)
    try:
        with page.tx() as session:
            billing.set_partner_count(
                session, page.me, month, int(values["cards"]), values["note"], config_for(page.settings)
            )
    except BillingError as exc:
        return _partner_page(
            page, month, errors={"cards": page.error_text(exc)}, values=values, status=exc.status_code
        )
    page.flash("ok", page.t("partner.count_saved", n=i18n.number(int(values["cards"]))))
    return page.redirect(f"/partner?month={month}")


# -- contracts ------------------------------------------------------------------------------------------------
CONTRACT_DEFAULTS = {
    "rounding": Rounding.PER_CARD,
    "share_kind": "fixed",
    "share": "35 %",
    "pph23": "2 %",
    "ppn_collector": PpnCollector.PARTNER,
}


def _contracts_page(
    page: Page,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    understood: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with page.tx(writes=False) as session:
        versions = contracts.list_contract_versions(session)
    shown = []
    for v in versions:
        # The terms as stored (what their hash covers); the signing day is the version's, beside them.
        data = json.loads(v.terms_json)
        signed = i18n.tanggal(v.signed_on) if v.signed_on else ""
        shown.append((v, data, contract_form.describe(data, page.lang), signed))
    return page.render(
        "contracts.html",
        status_code=status,
        versions=shown,
        reasons=REASONS,
        tier_rows=range(1, contract_form.TIER_ROWS + 1),
        errors=errors or {},
        values=values or CONTRACT_DEFAULTS,
        understood=understood,
        can_edit=page.can(ContractEditor),
    )


@router.get("/contracts")
def contracts_page(page: ReaderPage) -> HTMLResponse:
    return _contracts_page(page)


def _share_errors(page: Page, values: dict[str, str], exc: ShareAboveFee) -> dict[str, str]:
    """A share above the fee it splits, shown on the share (or the first tier above that fee) and on the
    fee it does not fit in."""
    message = page.error_text(exc)
    reason = str(exc.params.get("reason", ""))
    fee = contract_form.parse_rupiah(values.get(f"fee_{reason}", "")) if reason else None
    errors = {f"fee_{reason}": message} if reason else {}
    if values.get("share_kind") != "tiers":
        return errors | {"share": message}
    for i in range(1, contract_form.TIER_ROWS + 1):
        share = contract_form.parse_share(values.get(f"tier_share_{i}", ""))
        if isinstance(share, contract_form.Share) and isinstance(fee, int) and (share.rupiah or 0) > fee:
            return errors | {f"tier_share_{i}": message}
    return errors | {"tier_share_1": message}


@router.post("/contracts")
def add_contract(page: EditorPage, form: Form) -> Response:
    """Check (``action=check``: show what the form says, in words) or save a contract version. Shares are
    typed as percent (``12,5 %``) or rupiah per card (``Rp 3.000``), fixed or by tier."""
    values: dict[str, str] = {
        k: text(form, k) for k in form if isinstance(form.get(k), str) and k != "csrf_token"
    }
    read = contract_form.read_form(values)
    if read.errors:
        errors = {k: page.t(key) for k, key in read.errors.items()}
        return _contracts_page(page, errors=errors, values=values, status=422)
    try:
        contracts.parse_terms(read.terms)  # the contract's own rules, before anything is stored
        if values.get("action") == "check":
            understood = contract_form.describe(read.body, page.lang)
            return _contracts_page(page, values=values, understood=understood)
        with page.tx() as session:
            version = billing.add_contract(session, page.me, read.body)
    except ShareAboveFee as exc:
        errors = _share_errors(page, values, exc)
        return _contracts_page(page, errors=errors, values=values, status=exc.status_code)
    except BillingError as exc:
        return _contracts_page(
            page, errors={"number": page.error_text(exc)}, values=values, status=exc.status_code
        )
    page.flash("ok", page.t("contract.added", number=version.number))
    return page.redirect("/contracts")


@router.post("/contracts/{version_id}/end")
def end_contract(
    version_id: Annotated[int, AsciiInt, Path(ge=1, le=2_000_000_000)], page: EditorPage, form: Form
) -> Response:
    """End an open version on a date, to make room for the next one (the API's /contracts/{id}/end)."""
    end = forms.parse_date(text(form, "effective_to"))
    if not isinstance(end, date):
        return _contracts_page(page, errors={f"end-{version_id}": page.t("v.date")}, status=422)
    try:
        with page.tx() as session:
            version = billing.end_contract(session, page.me, version_id, end)
    except BillingError as exc:
        return _contracts_page(
            page, errors={f"end-{version_id}": page.error_text(exc)}, status=exc.status_code
        )
    page.flash("ok", page.t("contract.ended", number=version.number, date=i18n.tanggal(end)))
    return page.redirect("/contracts")
