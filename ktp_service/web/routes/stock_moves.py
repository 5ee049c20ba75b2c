"""Console page of blank cards between offices (issue 15): deliveries, transfers sent and to confirm, and
stock counts, per office. The stock page links here (one include)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from ktp_service.api.deps import AnyUser, PrinterOperator
from ktp_service.errors import DomainError
from ktp_service.models import Office
from ktp_service.schemas.identifiers import REGION_CODE_PATTERN, AsciiInt
from ktp_service.schemas.text import ascii_digits
from ktp_service.services import offices, stock, stock_transfers
from ktp_service.web.core import Form, Page, PageFor, WebRoute, text

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AnyPage = Annotated[Page, Depends(PageFor(AnyUser))]
CarePage = Annotated[Page, Depends(PageFor(PrinterOperator))]


def _office(page: Page, session: Any, code: str) -> Office:
    if page.me.role.office_bound:
        code = page.me.office_code or ""
    return offices.get_by_code(session, code or "33.14")


@router.get("/stock/moves")
def moves_page(page: AnyPage, office: Annotated[str, Query(max_length=13)] = "") -> HTMLResponse:
    with page.tx(writes=False) as session:
        the_office = _office(page, session, office)
        assert the_office.id is not None
        ctx: dict[str, Any] = {
            "office": the_office,
            "offices": offices.choices(session, page.me),
            "all_offices": offices.list_offices(session),
            "balance": stock.balance(session, the_office.id),
            "transfers": stock_transfers.transfers(session, the_office),
            "counts": stock_transfers.counts(session, the_office),
            "deliveries": stock_transfers.deliveries(session, the_office),
        }
    return page.render("stock_moves.html", can_care=page.can(PrinterOperator), **ctx)


def _number(raw: str) -> int | None:
    """A whole number typed by a person (dots as thousands separators allowed; a leading minus kept so a
    negative count reaches its refusal)."""
    raw = raw.replace(".", "").strip()
    negative = raw.startswith("-")
    digits = raw.removeprefix("-")
    if not digits or not ascii_digits(digits) or len(digits) > 9:
        return None
    return -int(digits) if negative else int(digits)


def _done(
    page: Page, code: str, key: str | None = None, error: DomainError | None = None
) -> RedirectResponse:
    if error is not None:
        page.flash("error", page.error_text(error))
    elif key:
        page.flash("ok", page.t(key))
    return page.redirect(f"/stock/moves?office={code}")


@router.post("/stock/moves/{code}/{action}")
def act(
    code: Annotated[str, Path(pattern=REGION_CODE_PATTERN)],
    action: Annotated[str, Path(pattern=r"^(deliver|send|count)$")],
    page: CarePage,
    form: Form,
) -> RedirectResponse:
    quantity = _number(text(form, "quantity"))
    if quantity is None:
        page.flash("error", page.t("v.number"))
        return page.redirect(f"/stock/moves?office={code}")
    note = text(form, "note")[:200]
    try:
        with page.tx() as session:
            office = _office(page, session, code)
            code = office.code
            if action == "deliver":
                stock_transfers.deliver(
                    session, page.me, office, quantity=quantity, supplier=text(form, "supplier")[:120],
                    batch=text(form, "batch")[:60], serial_from=text(form, "serial_from")[:40],
                    serial_to=text(form, "serial_to")[:40], note=note,
                )  # fmt: skip
            elif action == "send":
                receiver = offices.get_by_code(session, text(form, "to_office"))
                stock_transfers.send(session, page.me, office, receiver, quantity, note)
            else:
                stock_transfers.count(session, page.me, office, quantity, note)
    except DomainError as exc:
        return _done(page, code, error=exc)
    return _done(page, code, f"moves.{action}_done")


@router.post("/stock/transfers/{transfer_id}/receive")
def receive(
    transfer_id: Annotated[int, AsciiInt, Path(ge=1, le=2_000_000_000)], page: CarePage, form: Form
) -> RedirectResponse:
    code = text(form, "office")
    quantity = _number(text(form, "quantity"))
    if quantity is None:
        page.flash("error", page.t("v.number"))
        return page.redirect(f"/stock/moves?office={code}")
    try:
        with page.tx() as session:
            stock_transfers.receive(session, page.me, transfer_id, quantity, text(form, "note")[:200])
    except DomainError as exc:
        return _done(page, code, error=exc)
    return _done(page, code, "moves.receive_done")
