"""Finance's conflicts and corrections pages: events that arrived under a posted key with other content
(each blocks its month's close until resolved), and reversals of billed cards (a card billed that was in
fact spoiled...). Both go through the service functions the API and ``ktp billing`` use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from billing.errors import BillingError
from ktp_service.api.deps import FinanceOnly
from ktp_service.billing_bridge import config_for
from ktp_service.errors import DomainError
from ktp_service.schemas.billing import CorrectionIn, Resolution
from ktp_service.services import billing, billing_fixes, offices
from ktp_service.web.core import Form, Page, PageFor, WebRoute, text

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FinancePage = Annotated[Page, Depends(PageFor(FinanceOnly))]
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _conflicts_page(page: Page, errors: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    with page.tx(writes=False) as session:
        open_, resolved = billing_fixes.conflicts(session)
    return page.render(
        "billing_conflicts.html", status_code=status, open=open_, resolved=resolved, errors=errors or {}
    )


@router.get("/billing/conflicts")
def conflicts_page(page: FinancePage) -> HTMLResponse:
    return _conflicts_page(page)


@router.post("/billing/conflicts/{conflict_id}/resolve")
def resolve(conflict_id: RecordId, page: FinancePage, form: Form) -> Response:
    try:
        body = Resolution.model_validate({"resolution": text(form, "resolution")})
        with page.tx() as session:
            billing.resolve_conflict(session, page.me, conflict_id, body.resolution)
    except ValidationError:
        return _conflicts_page(page, {str(conflict_id): page.t("fix.resolution_needed")}, 422)
    except (DomainError, BillingError) as exc:
        return _conflicts_page(page, {str(conflict_id): page.error_text(exc)}, exc.status_code)
    page.flash("ok", page.t("fix.resolved"))
    return page.redirect("/billing/conflicts")


def _corrections_page(
    page: Page, errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status: int = 200
) -> HTMLResponse:
    with page.tx(writes=False) as session:
        rows = billing_fixes.reversals(session)
        office_names = offices.names(session)
    return page.render(
        "billing_corrections.html",
        status_code=status,
        rows=rows,
        office_names=office_names,
        errors=errors or {},
        values=values or {},
    )


@router.get("/billing/corrections")
def corrections_page(page: FinancePage) -> HTMLResponse:
    return _corrections_page(page)


@router.post("/billing/corrections")
def correct(page: FinancePage, form: Form) -> Response:
    """Reverse a billed card, named by its serial (what finance has in hand), with the reason."""
    values = {"card_serial": text(form, "card_serial").upper(), "note": text(form, "note")}
    if not values["card_serial"]:
        return _corrections_page(page, {"card_serial": page.t("fix.serial_needed")}, values, 422)
    try:
        with page.tx() as session:
            original = billing_fixes.billed_card(session, values["card_serial"])
            # One reversal per card: the key names the card's transaction, so sending the form twice posts
            # nothing the second time.
            body = CorrectionIn.model_validate(
                {
                    "corrects_seq": original.seq,
                    "correction_key": f"console-reversal-{original.seq}",
                    "note": values["note"],
                }
            )
            outcome = billing.correct(
                session, page.me, body.corrects_seq, body.correction_key, body.note, config_for(page.settings)
            )
    except ValidationError:
        return _corrections_page(page, {"note": page.t("fix.note_needed")}, values, 422)
    except (DomainError, BillingError) as exc:
        return _corrections_page(page, {"card_serial": page.error_text(exc)}, values, exc.status_code)
    key = "fix.corrected" if outcome.status != "duplicate" else "fix.already_corrected"
    page.flash("ok", page.t(key, serial=values["card_serial"]))
    return page.redirect("/billing/corrections")
