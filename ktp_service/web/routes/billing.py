"""Finance and the partner's auditor: the month's statement with charts, reconciliation (money received,
differences, explanations), closing, documents and the signed bundle; contract versions. Calls
:mod:`ktp_service.services.billing` and :mod:`billing` exactly as the API's billing routes do, with the
API's role sets (``BillingReader``, ``FinanceOnly``, ``ContractEditor``)."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date, datetime
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from billing import contracts, documents
from billing.errors import BillingError, ImportRejected, ShareAboveFee
from billing.periods import month_days
from billing.statement import Statement
from billing.vocab import PpnCollector, Reason, Rounding
from ktp_service.api.deps import BillingReader, ContractEditor, FinanceOnly
from ktp_service.billing_bridge import config_for, post_pending
from ktp_service.schemas.identifiers import MONTH_PATTERN, AsciiInt, CheckedMonth, CheckedMonthOrEmpty
from ktp_service.schemas.text import ascii_digits
from ktp_service.services import billing
from ktp_service.web import contract_form, forms, i18n
from ktp_service.web.core import Form, Page, PageFor, WebRoute, text
from ktp_service.web.indicators import bar_chart

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReaderPage = Annotated[Page, Depends(PageFor(BillingReader))]
FinancePage = Annotated[Page, Depends(PageFor(FinanceOnly))]
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
    offices = sorted(st.by_office, key=lambda b: -b.cards_billed)
    return page.render(
        "finance.html",
        month=month,
        months=_months_back(current, 12)[::-1],
        st=st,
        unposted=unposted,
        office_chart=bar_chart(
            [b.key for b in offices],
            [b.cards_billed for b in offices],
            width=560,
            height=180,
            fmt=i18n.number,
        ),
        trend_chart=bar_chart(
            [m[2:].replace("-", "/") for m, _ in trend],
            [s.gross_amount if s else 0 for _, s in trend],
            height=200,
            fmt=i18n.number,
        ),
        trend=trend,
        month_name=documents.month_name,
        can_close=page.can(FinanceOnly),
    )


@router.post("/finance/post-pending")
def post_outbox(page: FinancePage, form: Form) -> Response:
    with page.tx() as session:
        posted = post_pending(session, config_for(page.settings), retry_refused=True)  # a person asked
    page.flash("ok", page.t("fin.posted", n=posted))
    return page.redirect(f"/finance?month={text(form, 'month')}" if text(form, "month") else "/finance")


@router.post("/finance/{month}/close")
def close(month: Month, page: FinancePage, form: Form) -> Response:
    try:
        with page.tx() as session:
            billing.close_month(session, page.me, month, config_for(page.settings))
    except BillingError as exc:
        page.flash("error", page.error_text(exc))
    else:
        page.flash("ok", page.t("fin.closed", month=documents.month_name(month)))
    return page.redirect(f"/finance?month={month}")


# -- documents ------------------------------------------------------------------------------------------------
@router.get("/finance/{month}/statement.pdf")
def statement_pdf(month: Month, page: ReaderPage) -> Response:
    with page.tx(writes=False) as session:
        st = billing.read_statement(session, page.me, month, config_for(page.settings))
    pdf = documents.statement_pdf(st, regency=page.settings.regency_name)
    return _attachment(pdf, "application/pdf", f"laporan-bagi-hasil-{month}.pdf")


@router.get("/finance/{month}/statement.xlsx")
def statement_xlsx(month: Month, page: ReaderPage) -> Response:
    with page.tx(writes=False) as session, tempfile.TemporaryDirectory() as tmp:
        st = billing.read_statement(session, page.me, month, config_for(page.settings))
        billing.entries(session, page.me, month)  # audited like the API's read of the entries
        data = documents.write_xlsx(st, session, FsPath(tmp) / "statement.xlsx").read_bytes()
    return _attachment(
        data,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"laporan-bagi-hasil-{month}.xlsx",
    )


@router.get("/finance/{month}/entries.csv")
def entries_csv(month: Month, page: ReaderPage) -> Response:
    with page.tx(writes=False) as session:
        rows = billing.entries(session, page.me, month)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(documents.ENTRY_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return _attachment(out.getvalue(), "text/csv; charset=utf-8", f"entries-{month}.csv")


@router.get("/finance/{month}/bundle.zip")
def bundle(month: Month, page: ReaderPage) -> Response:
    with page.tx(writes=False) as session:
        data = billing.bundle_bytes(session, page.me, month)
    return _attachment(data, "application/zip", f"ktp-billing-{month}.zip")


@router.get("/finance/public-key.pem")
def public_key(page: ReaderPage) -> Response:
    pem = config_for(page.settings).keys.public_key_pem()
    return _attachment(pem, "application/x-pem-file", "ktp-billing-public-key.pem")


@router.get("/finance/{month}/berita-acara.pdf")
def berita_acara(
    month: Month, page: FinancePage, number: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    with page.tx(writes=False) as session:
        pdf = billing.berita_acara(session, page.me, month, page.settings, number or None)
    return _attachment(pdf, "application/pdf", f"berita-acara-{month}.pdf")


# -- reconciliation -----------------------------------------------------------------------------------------
def _reconciliation_page(
    page: Page,
    month: str,
    *,
    errors: dict[str, str] | None = None,
    rows: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    cfg = config_for(page.settings)
    partner_count = page.request.query_params.get("partner_count")
    with page.tx(writes=False) as session:
        report = billing.reconcile(
            session,
            page.me,
            month,
            cfg,
            int(partner_count) if partner_count and ascii_digits(partner_count) else None,
        )
    first, last = month_days(month)
    return page.render(
        "reconciliation.html",
        status_code=status,
        month=month,
        month_name=documents.month_name(month),
        report=report,
        errors=errors or {},
        import_rows=rows or [],
        first=forms.date_text(first),
        last=forms.date_text(last),
    )


@router.get("/finance/{month}/reconciliation")
def reconciliation_page(month: Month, page: FinancePage) -> HTMLResponse:
    return _reconciliation_page(page, month)


@router.post("/finance/{month}/money")
def add_money(month: Month, page: FinancePage, form: Form) -> Response:
    day = forms.parse_date(text(form, "day"))
    amount = text(form, "amount").replace(".", "").replace("Rp", "").strip()
    errors: dict[str, str] = {}
    if not isinstance(day, date):
        errors["day"] = page.t("v.date")
    if not ascii_digits(amount):
        errors["amount"] = page.t("v.number")
    if not errors:
        assert isinstance(day, date)
        try:
            with page.tx() as session:
                billing.record_money(
                    session,
                    page.me,
                    month,
                    config_for(page.settings),
                    office_code=text(form, "office_code"),
                    day=day,
                    amount=int(amount),
                    reference=text(form, "reference")[:100],
                )
        except BillingError as exc:
            errors["amount"] = page.error_text(exc)
    if errors:
        return _reconciliation_page(page, month, errors=errors, status=422)
    page.flash("ok", page.t("fin.money_saved"))
    return page.redirect(f"/finance/{month}/reconciliation")


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
        return _reconciliation_page(
            page, month, errors={"file": page.error_text(exc)}, rows=problems, status=422
        )
    except BillingError as exc:
        return _reconciliation_page(
            page, month, errors={"file": page.error_text(exc)}, status=exc.status_code
        )
    page.flash("ok", page.t("fin.imported", n=rows))
    return page.redirect(f"/finance/{month}/reconciliation")


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


# -- the partner's auditor ------------------------------------------------------------------------------------
@router.get("/partner")
def partner_page(
    page: ReaderPage, month: MonthQuery = "", offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0
) -> HTMLResponse:
    cfg = config_for(page.settings)
    current = billing.month_of_now(cfg)
    month = month or current
    with page.tx(writes=False) as session:
        st = billing.read_statement(session, page.me, month, cfg)
        shown, total_rows = billing.entries_page(session, page.me, month, offset, 100)
        versions = contracts.list_contract_versions(session)
    zone = page.settings.timezone
    for row in shown:  # ledger times are UTC text; show them in the office's zone, dd-mm-yyyy
        at = row.get("event_at")
        row["when"] = i18n.waktu(datetime.fromisoformat(str(at)), zone) if at else ""
    return page.render(
        "partner.html",
        month=month,
        months=_months_back(current, 12)[::-1],
        month_name=documents.month_name,
        st=st,
        rows=shown,
        total_rows=total_rows,
        offset=offset,
        versions=versions,
    )


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
        terms = contracts.terms_of(v)
        signed = i18n.tanggal(terms.signed_on) if terms.signed_on else ""
        data = terms.model_dump(mode="json")
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
        contracts.parse_terms(read.body)  # the contract's own rules, before anything is stored
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
