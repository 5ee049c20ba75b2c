"""What every page shares: the signed session cookie, CSRF checks, the logged-in actor, role gates (the very
role sets of the API), transactions, and rendering templates.

Session: a cookie signed with itsdangerous (secret: the token secret in DATA_DIR/keys, with its own salt),
holding the key of a console session kept on the server (:mod:`ktp_service.services.console_sessions`), a
per-session CSRF token, the language and one-shot flash messages. The server ends the session at logout,
after ``console_idle_minutes`` without a request, ``console_max_hours`` after login, and at every account
event (password change or reset, role change, disabling, logout everywhere): a copied cookie stops at once.
Every POST form carries the CSRF token in a hidden field; a form without the right token is refused.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, get_args
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from billing.errors import BillingError
from ktp_service import lifecycle, messages
from ktp_service.api.deps import RequireRoles
from ktp_service.db import unit_of_work
from ktp_service.errors import DomainError, Forbidden, NotFound, error_text
from ktp_service.models import PrintJob
from ktp_service.security import token_secret
from ktp_service.services import console_sessions
from ktp_service.services.actor import Actor
from ktp_service.settings import Settings
from ktp_service.vocab import Role
from ktp_service.web import i18n, ikm_view

log = logging.getLogger("ktp.web")

COOKIE = "ktp_console"
HERE = Path(__file__).parent
TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=lambda value: "" if value is None else value,  # an absent value shows as nothing, not "None"
)
TEMPLATES.filters["rupiah"] = i18n.rupiah
TEMPLATES.filters["number"] = i18n.number
TEMPLATES.filters["percent"] = i18n.percent
TEMPLATES.filters["ikm"] = lambda value, places: ikm_view.decimal_text(value, places)
TEMPLATES.globals["has_text"] = i18n.has
TEMPLATES.globals["job_allowed"] = lifecycle.allowed
TEMPLATES.filters["zip_pairs"] = lambda values: [(v, v) for v in values]


class LoginRequired(Exception):
    """No valid session: the page sends the browser to the login form."""


class CsrfFailed(Exception):
    """A POST without this session's CSRF token."""


class PasswordChangeNeeded(Exception):
    """An administrator reset this user's password: every page but the change page sends them there."""


@dataclass
class WebSession:
    """What the signed cookie holds."""

    key: str | None = None  # the console session's key; its SHA-256 is the server-side row's id
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    lang: str = i18n.DEFAULT_LANGUAGE
    flash: list[tuple[str, str]] = field(default_factory=list)
    dirty: bool = False

    def dump(self) -> dict[str, Any]:
        return {"key": self.key, "csrf": self.csrf, "lang": self.lang, "flash": self.flash}


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(token_secret(settings.keys_dir), salt="ktp-web-session")


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def load_session(request: Request) -> WebSession:
    """The request's session, decoded once (an invalid or expired cookie is a fresh anonymous session)."""
    cached = getattr(request.state, "web_session", None)
    if isinstance(cached, WebSession):
        return cached
    settings = settings_of(request)
    raw = request.cookies.get(COOKIE)
    session = WebSession(dirty=True)
    request.state.session_expired = False
    if raw:
        try:
            data = _serializer(settings).loads(raw, max_age=settings.console_max_hours * 3600)
            lang = data.get("lang") if data.get("lang") in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
            session = WebSession(
                key=data.get("key") if isinstance(data.get("key"), str) else None,
                csrf=str(data.get("csrf") or secrets.token_urlsafe(24)),
                lang=lang,
                flash=[(str(k), str(t)) for k, t in data.get("flash") or []],
            )
        except (BadSignature, TypeError, ValueError, AttributeError):
            request.state.session_expired = True
    request.state.web_session = session
    return session


def save_session(request: Request, response: Response) -> None:
    """Re-sign the session onto the response: this also renews its idle timeout."""
    session = getattr(request.state, "web_session", None)
    if not isinstance(session, WebSession):
        return
    settings = settings_of(request)
    response.set_cookie(
        COOKIE,
        _serializer(settings).dumps(session.dump()),
        max_age=settings.console_max_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


@dataclass
class Page:
    """One request of a page: who is asking, in which language, and the tools to answer."""

    request: Request
    session: WebSession
    actor: Actor | None = None
    full_name: str = ""
    must_change_password: bool = False

    @property
    def lang(self) -> str:
        return self.session.lang

    @property
    def settings(self) -> Settings:
        return settings_of(self.request)

    def now(self) -> datetime:
        return clock_of(self.request)

    @property
    def me(self) -> Actor:
        if self.actor is None:
            raise LoginRequired()
        return self.actor

    def t(self, key: str, **values: object) -> str:
        return i18n.translate(key, self.lang, **values)

    def error_text(self, exc: DomainError | BillingError) -> str:
        """A service's error for this page's reader (:func:`ktp_service.errors.error_text`)."""
        return error_text(exc, self.lang)

    def job_message(self, job: PrintJob) -> str:
        """What the job tells a person, in this page's language."""
        return messages.render(job.message_code, job.message_params, self.lang)

    def flash(self, kind: str, text: str) -> None:
        self.session.flash.append((kind, text))

    def tx(self, *, writes: bool = True) -> Any:
        """A unit of work: commits at the end of the block, rolls back if it raises."""
        return unit_of_work(self.request.app.state.engine, writes=writes)

    @property
    def nav(self) -> list[tuple[str, str]]:
        """(href, catalogue key) of the menu for this user's role."""
        if self.actor is None:
            return []
        return [(href, key) for href, key, roles in NAV if self.actor.role in roles]

    def can(self, alias: Any) -> bool:
        return self.actor is not None and self.actor.role in roles_of(alias)

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        flashes, self.session.flash = self.session.flash, []
        html = TEMPLATES.get_template(template).render(
            page=self,
            _=self.t,
            flashes=flashes,
            tanggal=lambda v: i18n.tanggal(v, self.settings.timezone),
            waktu=lambda v: i18n.waktu(v, self.settings.timezone),
            **context,
        )
        return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})

    def redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)


_C, _S, _A, _F, _P = Role.CLERK, Role.SUPERVISOR, Role.ADMIN, Role.FINANCE, Role.PARTNER_AUDITOR
# The menu: (href, catalogue key, roles that see it). Each page still checks its own roles.
NAV: list[tuple[str, str, frozenset[Role]]] = [
    ("/supervisor", "nav.approvals", frozenset({_S})),
    ("/complaints", "nav.complaints", frozenset({_S})),
    ("/residents", "nav.counter", frozenset({_C, _S, _A, _F})),
    ("/residents/new", "nav.register", frozenset({_C, _S})),
    ("/jobs", "nav.queue", frozenset({_C, _S})),
    ("/uncollected", "nav.uncollected", frozenset({_C, _S, _A})),
    ("/printers", "nav.printers", frozenset({_C, _S, _A})),
    ("/stock", "nav.stock", frozenset({_C, _S, _A, _F})),
    ("/admin/offices", "nav.offices", frozenset({_A})),
    ("/admin/users", "nav.users", frozenset({_A})),
    ("/indicators", "nav.indicators", frozenset({_S, _A, _F})),
    ("/finance", "nav.finance", frozenset({_F, _A})),
    ("/partner", "nav.partner", frozenset({_P})),
    ("/contracts", "nav.contracts", frozenset({_F, _A, _P})),
]


def roles_of(alias: Any) -> frozenset[Role]:
    """The roles an API dependency alias (``PrintOperator``, ``AdminOnly``...) admits: pages reuse the API's
    own role sets, so the two can never disagree."""
    for meta in get_args(alias)[1:]:
        dependency = getattr(meta, "dependency", None)
        if isinstance(dependency, RequireRoles):
            return dependency.roles
    raise TypeError(f"{alias!r} is not a role alias from ktp_service.api.deps")


def clock_of(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now


def timeouts(settings: Settings) -> console_sessions.Timeouts:
    return console_sessions.Timeouts(
        idle=timedelta(minutes=settings.console_idle_minutes),
        absolute=timedelta(hours=settings.console_max_hours),
    )


def _page(request: Request) -> Page:
    session = load_session(request)
    page = Page(request, session)
    if session.key is not None:
        # A write: a session that holds is marked as seen, one that timed out is ended.
        with unit_of_work(request.app.state.engine, writes=True) as db:
            found = console_sessions.resolve(db, session.key, clock_of(request), timeouts(page.settings))
        if isinstance(found, console_sessions.Resolved):
            user = found.user
            page.actor = Actor(
                user_id=user.id, username=user.username, role=Role(user.role), office_code=found.office_code
            )
            page.full_name = user.full_name or user.username
            page.must_change_password = user.must_change_password
        else:
            session.key = None
            request.state.session_expired = True
    return page


def any_page(request: Request) -> Page:
    """Anyone, logged in or not (the login page)."""
    return _page(request)


class PageFor:
    """A page dependency for the roles of an API alias; anonymous visitors are sent to log in."""

    def __init__(self, *aliases: Any) -> None:
        self.roles = frozenset().union(*(roles_of(a) for a in aliases))

    def __call__(self, request: Request) -> Page:
        page = _page(request)
        if page.actor is None:
            raise LoginRequired()
        if page.must_change_password:
            raise PasswordChangeNeeded()
        if page.actor.role not in self.roles:
            raise Forbidden(page.t("error.forbidden"))
        return page


async def posted_form(request: Request) -> AsyncIterator[FormData]:
    """The POSTed form, after checking its CSRF token against the session's. Uploaded files are closed
    when the request ends."""
    form = await request.form(max_files=4, max_fields=200)
    try:
        session = load_session(request)
        sent = form.get("csrf_token")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf):
            raise CsrfFailed()
        yield form
    finally:
        await form.close()


Form = Annotated[FormData, Depends(posted_form)]


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


class WebRoute(APIRoute):
    """Turns what a page raises into pages (login redirect, error page) and saves the session cookie on
    every answer. Routes catch the DomainErrors they can show next to a field; the rest land here."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                response = await handler(request)
            except LoginRequired:
                session = load_session(request)
                if request.state.session_expired:  # say why on the login page it leads to
                    session.flash.append(("info", i18n.translate("auth.expired", session.lang)))
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            except PasswordChangeNeeded:
                response = RedirectResponse("/account/password", status_code=303)
            except CsrfFailed:
                response = _error_page(request, 403, "error.csrf")
            except RequestValidationError as exc:  # a bad month, NIK or id in the address: the reader's slip
                problems = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())
                response = _error_page(request, 422, "error.invalid_address", problems)
            except DomainError as exc:
                key = "error.not_found" if isinstance(exc, NotFound) else None
                response = _error_page(request, exc.status_code, key, _lead(request, exc))
            except BillingError as exc:
                response = _error_page(request, exc.status_code, None, _lead(request, exc))
            except Exception:
                log.exception("page %s failed", request.url.path)
                response = _error_page(request, 500, "error.internal")
            save_session(request, response)
            return response

        return run


def _lead(request: Request, exc: DomainError | BillingError) -> str:
    return Page(request, load_session(request)).error_text(exc)


def _error_page(request: Request, status: int, key: str | None, message: str = "") -> Response:
    page = Page(request, load_session(request))
    text_ = page.t(key) if key else message
    detail = message if key and message and page.lang == "en" else ""
    return page.render("error.html", status_code=status, message=text_, detail=detail)


def local_path(target: str | None) -> str | None:
    """Only paths of this site (never //host, /\\host or a scheme) may be a redirect target."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
