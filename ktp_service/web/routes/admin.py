"""Administration: offices, users and roles, password resets, disabling (printers are on the printers page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from ktp_service.api.deps import AdminOnly
from ktp_service.errors import DomainError
from ktp_service.schemas.admin import EmailChange, LowStockThreshold, OfficeCreate, RoleChange, UserCreate
from ktp_service.services import accounts, offices, users
from ktp_service.vocab import Role
from ktp_service.web import forms
from ktp_service.web.core import Form, Page, PageFor, WebRoute, text

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AdminPage = Annotated[Page, Depends(PageFor(AdminOnly))]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _refused(page: Page, exc: ValidationError | DomainError, whole_field: str) -> tuple[dict[str, str], int]:
    """A refused form's field messages and status: pydantic's (422), or the service's, whose message about
    the whole form shows at ``whole_field``."""
    if isinstance(exc, ValidationError):
        return forms.from_validation(exc, page.lang), 422
    fields, whole = forms.from_domain(exc, page.lang)
    return fields or {whole_field: page.error_text(exc) if whole else whole}, exc.status_code


def _offices_page(
    page: Page, errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status: int = 200
) -> HTMLResponse:
    with page.tx(writes=False) as session:
        rows = offices.list_offices(session)
    by_id = {o.id: o for o in rows}
    return page.render(
        "offices.html",
        status_code=status,
        rows=rows,
        parents={o.id: by_id[o.parent_id] for o in rows if o.parent_id in by_id},
        errors=errors or {},
        values=values or {},
        default_threshold=page.settings.low_stock_threshold,
    )


@router.get("/admin/offices")
def offices_page(page: AdminPage) -> HTMLResponse:
    return _offices_page(page)


@router.post("/admin/offices")
def add_office(page: AdminPage, form: Form) -> Response:
    values = {"code": text(form, "code"), "name": text(form, "name")}
    try:
        body = OfficeCreate.model_validate({"code": values["code"], "name": values["name"] or None})
        with page.tx() as session:
            offices.create(session, page.me, body.code, body.name)
    except (ValidationError, DomainError) as exc:
        errors, status = _refused(page, exc, "code")
        return _offices_page(page, errors, values, status)
    page.flash("ok", page.t("office.added", code=body.code))
    return page.redirect("/admin/offices")


def _users_page(
    page: Page, errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status: int = 200
) -> HTMLResponse:
    with page.tx(writes=False) as session:
        rows = users.list_users(session)
        office_list = offices.list_offices(session)
    return page.render(
        "users.html",
        status_code=status,
        rows=rows,
        offices=office_list,
        office_names={o.code: o.name for o in office_list},
        roles=[r.value for r in Role],
        errors=errors or {},
        values=values or {},
    )


@router.get("/admin/users")
def users_page(page: AdminPage) -> HTMLResponse:
    return _users_page(page)


@router.post("/admin/users")
def add_user(page: AdminPage, form: Form) -> Response:
    values = {k: text(form, k) for k in ("username", "full_name", "role", "office", "email")}
    try:
        body = UserCreate.model_validate(
            {
                **values,
                "office": values["office"] or None,
                "email": values["email"] or None,
                "password": str(form.get("password") or ""),
            }
        )
        with page.tx() as session:
            users.register(session, page.me, body)
    except (ValidationError, DomainError) as exc:
        errors, status = _refused(page, exc, "username")
        return _users_page(page, errors, values, status)
    page.flash("ok", page.t("user.added", username=body.username))
    return page.redirect("/admin/users")


def _account_action(page: Page, action: Callable[[Session], str]) -> Response:
    """Runs an administrator's account action; a refusal (own account, no such user...) shows on the page."""
    try:
        with page.tx() as session:
            done = action(session)
    except (ValidationError, DomainError) as exc:
        errors, status = _refused(page, exc, "actions")
        if isinstance(exc, DomainError) and not exc.problems:
            errors = {"actions": page.error_text(exc)}  # a refusal of the action, in the page's language
        return _users_page(page, {"actions": " ".join(errors.values())}, {}, status)
    page.flash("ok", done)
    return page.redirect("/admin/users")


@router.post("/admin/users/{user_id}/reset")
def reset_password(page: AdminPage, form: Form, user_id: UserId) -> Response:
    def act(session: Session) -> str:
        user, password = accounts.reset_password(session, page.me, user_id)
        return page.t("user.reset_done", username=user.username, password=password)

    return _account_action(page, act)


@router.post("/admin/users/{user_id}/active")
def set_active(page: AdminPage, form: Form, user_id: UserId) -> Response:
    active = text(form, "active") == "1"

    def act(session: Session) -> str:
        user = accounts.set_active(session, page.me, user_id, active)
        return page.t("user.enabled" if active else "user.disabled", username=user.username)

    return _account_action(page, act)


@router.post("/admin/users/{user_id}/role")
def change_role(page: AdminPage, form: Form, user_id: UserId) -> Response:
    def act(session: Session) -> str:
        body = RoleChange.model_validate({"role": text(form, "role"), "office": text(form, "office") or None})
        user = accounts.change_role(session, page.me, user_id, body.role, body.office)
        return page.t("user.role_changed", username=user.username)

    return _account_action(page, act)


@router.post("/admin/users/{user_id}/email")
def change_email(page: AdminPage, form: Form, user_id: UserId) -> Response:
    """Where the user's alerts are mailed (issue 15); empty stops the mail."""

    def act(session: Session) -> str:
        body = EmailChange.model_validate({"email": text(form, "email") or None})
        user = accounts.set_email(session, page.me, user_id, body.email)
        return page.t("user.email_saved", username=user.username)

    return _account_action(page, act)


@router.post("/admin/offices/{code}/low-stock-threshold")
def set_low_stock_threshold(
    page: AdminPage, form: Form, code: Annotated[str, Path(pattern=r"^[0-9]{2}\.[0-9]{2}(\.[0-9]{2})?$")]
) -> Response:
    """The office's own low-stock alert threshold (issue 15); empty returns it to the default."""
    raw = text(form, "threshold")
    try:
        body = LowStockThreshold.model_validate({"threshold": raw or None})
        with page.tx() as session:
            offices.set_low_stock_threshold(session, page.me, code, body.threshold)
    except (ValidationError, DomainError) as exc:
        errors, status = _refused(page, exc, "threshold")
        return _offices_page(page, {f"threshold-{code}": " ".join(errors.values())}, {}, status)
    page.flash("ok", page.t("office.threshold_saved", code=code))
    return page.redirect("/admin/offices")
