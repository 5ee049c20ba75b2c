"""Login, logout, language and the start page."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ktp_service.db import unit_of_work
from ktp_service.errors import TooManyAttempts, Unauthorized
from ktp_service.services import audit, console_sessions, kept_forms, users
from ktp_service.vocab import Role
from ktp_service.web import i18n
from ktp_service.web.core import (
    SHOWN,
    Form,
    Page,
    WebRoute,
    any_page,
    clock_of,
    load_session,
    local_path,
    settings_of,
    text,
    timeouts,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AnyPage = Annotated[Page, Depends(any_page)]

# Where each role starts its day.
START = {
    Role.CLERK: "/residents",
    Role.SUPERVISOR: "/supervisor",
    Role.ADMIN: "/printers",
    Role.FINANCE: "/indicators",
    Role.PARTNER_AUDITOR: "/partner",
}


@router.get("/")
def home(page: AnyPage) -> RedirectResponse:
    if page.actor is None:
        return page.redirect("/login")
    return page.redirect(START.get(page.actor.role, "/residents"))


LOGIN_ERROR, LOGIN_USERNAME = "login-error", "login-username"  # carried to the GET in the signed cookie


@router.get("/login")
def login_form(page: AnyPage, next: Annotated[str | None, Query(max_length=300)] = None) -> HTMLResponse:
    if page.request.state.session_expired:
        page.flash("info", page.t("auth.expired"))
    # A refused login comes back here (post/redirect/get) with its message and the name typed.
    said = {k: t for k, t in page.session.flash if k in (LOGIN_ERROR, LOGIN_USERNAME)}
    page.session.flash = [(k, t) for k, t in page.session.flash if k not in (LOGIN_ERROR, LOGIN_USERNAME)]
    return page.render(
        "login.html",
        status_code=401 if said else 200,
        next=local_path(next) or "",
        username=said.get(LOGIN_USERNAME, ""),
        error=said.get(LOGIN_ERROR, ""),
    )


@router.post("/login")
def login(page: AnyPage, form: Form) -> Response:
    username, password = text(form, "username"), str(form.get("password") or "")
    settings = page.settings
    error = ""
    with page.tx() as session:
        try:
            user = users.authenticate(
                session,
                username,
                password,
                max_failures=settings.login_max_failures,
                window_minutes=settings.login_lockout_minutes,
            )
        except TooManyAttempts:
            error = page.t("auth.locked")
        except Unauthorized:
            error = page.t("auth.wrong")  # the failure is committed: it throttles the next guesses
        else:
            audit.record(
                session, users.actor_for(session, user), "auth.login", "user", user.id, channel="web"
            )
            key = console_sessions.start(session, user, page.now(), timeouts(settings))
            # Housekeeping at each login (cheap, indexed): old ended sessions and expired kept forms go.
            console_sessions.purge(
                session,
                page.now(),
                timedelta(days=settings.console_session_retention_days),
                timeouts(settings),
            )
            kept_forms.purge(session, page.now())
            kept = page.session.kept
            if kept and user.id is not None and kept_forms.release_foreign(session, kept, user.id):
                page.session.kept = None  # another user's typed form is not theirs to see
    if error:  # post/redirect/get: the login page says why, and a refresh re-sends no password
        page.session.flash += [(LOGIN_ERROR, error), (LOGIN_USERNAME, username[:150])]
        back = local_path(text(form, "next")) or ""
        return page.redirect("/login" + (f"?{urlencode({'next': back})}" if back else ""))
    # A new CSRF token at login: a token seen before logging in is worth nothing afterwards.
    page.session.key, page.session.csrf = key, secrets.token_urlsafe(24)
    if user.must_change_password:
        return page.redirect("/account/password")
    role = Role(user.role)
    return page.redirect(local_path(text(form, "next")) or START.get(role, "/residents"))


@router.get(SHOWN)
def shown(page: AnyPage) -> Response:
    """A refused form's page, drawn by its POST and kept on the server (:meth:`Page._shown_by_get`), shown by
    this GET with its status: refreshing it re-sends nothing. Gone (expired, or not this browser's): home."""
    kept = page.kept()
    if kept is None or "html" not in kept.extra:
        return page.redirect("/")
    status = int(kept.extra.get("status", 200))
    return HTMLResponse(str(kept.extra["html"]), status_code=status, headers={"Cache-Control": "no-store"})


@router.post("/logout")
def logout(page: AnyPage, form: Form) -> RedirectResponse:
    """Ends the session on the server, so a copy of the cookie is worth nothing from now on."""
    if page.session.key is not None:
        with page.tx() as session:
            console_sessions.end(session, page.session.key, page.now())
            if page.actor is not None:
                audit.record(session, page.actor, "auth.logout", "user", page.actor.user_id, channel="web")
    page.session.key, page.session.csrf = None, secrets.token_urlsafe(24)
    page.flash("info", page.t("auth.logged_out"))
    return page.redirect("/login")


@router.post("/lang")
def switch_language(page: AnyPage, form: Form) -> RedirectResponse:
    lang = text(form, "lang")
    page.session.lang = lang if lang in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
    return page.redirect(local_path(text(form, "back")) or "/")


# -- the session's remaining time, for the warning before it ends ---------------------------------------------
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/session/status")
def session_status(request: Request) -> JSONResponse:
    """Seconds the session still holds, read without renewing it (another tab may have used it)."""
    session = load_session(request)
    left = None
    if session.key is not None:
        settings = settings_of(request)
        with unit_of_work(request.app.state.engine, writes=False) as db:
            left = console_sessions.remaining(db, session.key, clock_of(request), timeouts(settings))
    return JSONResponse({"left": int(left.total_seconds()) if left else 0}, headers=NO_STORE)


@router.post("/session/extend")
def extend_session(page: AnyPage, form: Form) -> Response:
    """The warning's button: any request renews the idle time, this one does nothing else. Answers JSON to
    the script and sends a browser without it back to its page."""
    if "application/json" in page.request.headers.get("accept", ""):
        return JSONResponse({"left": page.session_left if page.actor else 0}, headers=NO_STORE)
    if page.actor is None:
        return page.redirect("/login")
    return page.redirect(local_path(text(form, "back")) or "/")
