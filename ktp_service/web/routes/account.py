"""The logged-in user's own account: change the password (also the page a user whose password was reset is
sent to) and log out everywhere."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from ktp_service.errors import DomainError, TooManyAttempts
from ktp_service.schemas.auth import PasswordChange
from ktp_service.services import accounts, console_sessions
from ktp_service.web import forms
from ktp_service.web.core import Form, LoginRequired, Page, WebRoute, any_page, timeouts

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def own_page(request: Request) -> Page:
    """Any logged-in user, including one who must change their password first."""
    page = any_page(request)
    if page.actor is None:
        raise LoginRequired()
    return page


OwnPage = Annotated[Page, Depends(own_page)]


def _form(
    page: Page, errors: dict[str, str] | None = None, error: str = "", status: int = 200
) -> HTMLResponse:
    return page.render("account.html", status_code=status, errors=errors or {}, error=error)


@router.get("/account/password")
def password_page(page: OwnPage) -> HTMLResponse:
    return _form(page)


@router.post("/account/password")
def change_password(page: OwnPage, form: Form) -> Response:
    old, new = str(form.get("old_password") or ""), str(form.get("new_password") or "")
    if new != str(form.get("new_password_again") or ""):
        return _form(page, {"new_password_again": page.t("account.mismatch")}, status=422)
    settings = page.settings
    refused: DomainError | None = None
    try:
        body = PasswordChange(old_password=old, new_password=new)
        with page.tx() as session:
            try:
                user = accounts.change_own_password(
                    session,
                    page.me,
                    body.old_password,
                    body.new_password,
                    max_failures=settings.login_max_failures,
                    window_minutes=settings.login_lockout_minutes,
                )
            except accounts.WrongPassword as exc:
                refused = exc  # leave the block normally: the failure is committed, it throttles guesses
            else:
                # Every session ended, this one too; this browser goes on in a new one.
                key = console_sessions.start(session, user, page.now(), timeouts(settings))
    except ValidationError as exc:
        return _form(page, forms.from_validation(exc, page.lang), status=422)
    except TooManyAttempts:
        return _form(page, error=page.t("auth.locked"), status=429)
    except DomainError as exc:
        refused = exc
    if refused is not None:
        fields, whole = forms.from_domain(refused, page.lang)
        return _form(page, fields, whole, status=refused.status_code)
    page.session.key, page.session.csrf = key, secrets.token_urlsafe(24)
    page.flash("ok", page.t("account.changed"))
    return page.redirect("/")


@router.post("/account/logout-all")
def logout_everywhere(page: OwnPage, form: Form) -> RedirectResponse:
    with page.tx() as session:
        accounts.logout_everywhere(session, page.me)
    page.session.key, page.session.csrf = None, secrets.token_urlsafe(24)
    page.flash("info", page.t("account.logged_out_everywhere"))
    return page.redirect("/login")
