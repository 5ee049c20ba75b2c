"""What every page shares: the signed session cookie, CSRF checks, the logged-in actor, role gates (the very
role sets of the API), transactions, and rendering templates.

Session: a cookie signed with itsdangerous (secret: the token secret in DATA_DIR/keys, with its own salt),
holding the key of a console session kept on the server (:mod:`ktp_service.services.console_sessions`), a
per-session CSRF token, the language and one-shot flash messages. The server ends the session at logout,
after ``console_idle_minutes`` without a request, ``console_max_hours`` after login, and at every account
event (password change or reset, role change, disabling, logout everywhere): a copied cookie stops at once.
Every POST form carries the CSRF token in a hidden field; a form without the right token is refused.

Each page knows how long its session still holds (``Page.session_left``), so a small script warns before it
ends. A form sent after the session ended is kept on the server (:mod:`ktp_service.services.kept_forms`) and
refilled after the same user logs in again; a form refused with errors is kept the same way and shown by a
GET (post-redirect-get), so refreshing the page re-sends nothing.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, get_args
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from billing.errors import BillingError
from ktp_service import lifecycle, messages, regions
from ktp_service.api.deps import RequireRoles
from ktp_service.db import unit_of_work
from ktp_service.errors import DomainError, Forbidden, NotFound, error_text
from ktp_service.models import PrintJob
from ktp_service.security import token_secret
from ktp_service.services import alerts, console_sessions, kept_forms
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


def region_name(code: str | None) -> str:
    """The Kemendagri name of an office's or a village's code ("Kalijambe", "Keden"); empty if unknown."""
    found = regions.get_region(code) if code else None
    return found.name if found is not None else ""


# Names beside codes (issue 12): templates write "33.14.01 · Kalijambe" where only the code is at hand.
TEMPLATES.globals["region_name"] = region_name
TEMPLATES.filters["zip_pairs"] = lambda values: [(v, v) for v in values]
# Offices as (code, "code · name") choices: a name beside every code.
TEMPLATES.filters["office_pairs"] = lambda offices: [(o.code, f"{o.code} · {o.name}") for o in offices]


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
    kept: str | None = None  # the key of a form kept on the server (kept_forms), if any
    dirty: bool = False

    def dump(self) -> dict[str, Any]:
        return {"key": self.key, "csrf": self.csrf, "lang": self.lang, "flash": self.flash, "kept": self.kept}


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
                kept=data.get("kept") if isinstance(data.get("kept"), str) else None,
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
    session_left: int = 0  # seconds the session holds from this request on, if nothing else happens
    _alert_count: int | None = None

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

    @property
    def alert_count(self) -> int:
        """The menu's badge: alerts this administrator or supervisor has not seen acknowledged (0 for the
        other roles, who see no alerts). Read once per page."""
        if self.actor is None or not alerts.may_see(self.actor):
            return 0
        if self._alert_count is None:
            with self.tx(writes=False) as session:
                self._alert_count = alerts.unacknowledged_count(session, self.actor)
        return self._alert_count

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
        if self.request.method == "POST" and status_code >= 400 and template not in NOT_KEPT:
            return self._shown_by_get(html, status_code)
        return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})

    def _shown_by_get(self, html: str, status_code: int) -> HTMLResponse:
        """Post/redirect/get for every refused console form (issue 12): the page a POST drew with its
        errors is kept on the server (:mod:`ktp_service.services.kept_forms`, encrypted, tied to this
        browser and user, a few minutes) and the browser is sent to ``/shown?kept=...``, whose GET shows it
        with the same status. Refreshing it re-sends nothing. Forms that keep their own fields (registration,
        correction, print, batch) already redirect before they get here."""
        with self.tx() as db:
            if self.session.kept:
                kept_forms.drop(db, self.session.kept)  # one kept form per browser: the newest
            key = kept_forms.keep(
                db,
                purpose=kept_forms.ERRORS,
                path=SHOWN,
                fields={},
                extra={"html": html, "status": status_code, "from": self.request.url.path},
                user_id=self.actor.user_id if self.actor else None,
                now=self.now(),
                lifetime=timedelta(minutes=self.settings.kept_form_minutes),
            )
        self.session.kept = key
        return HTMLResponse(
            "", status_code=303, headers={"Location": _with_kept(SHOWN, key), "Cache-Control": "no-store"}
        )

    def redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    # -- forms kept on the server (kept_forms) ------------------------------------------------------------
    def keep_form(
        self, path: str, fields: dict[str, str], extra: dict[str, Any] | None = None
    ) -> RedirectResponse:
        """Post-redirect-get for a refused form: keep what was typed and what the page said about it, and
        send the browser to ``path``, whose GET shows it again (:meth:`kept`)."""
        with self.tx() as db:
            if self.session.kept:
                kept_forms.drop(db, self.session.kept)  # one kept form per browser: the newest
            key = kept_forms.keep(
                db,
                purpose=kept_forms.ERRORS,
                path=path.split("?", 1)[0],
                fields=fields,
                extra=extra,
                user_id=self.actor.user_id if self.actor else None,
                now=self.now(),
                lifetime=timedelta(minutes=self.settings.kept_form_minutes),
            )
        self.session.kept = key
        return self.redirect(_with_kept(path, key))

    def kept(self) -> kept_forms.Kept | None:
        """The form kept for this page (the address names it with ``?kept=``), or None."""
        key, tag = self.session.kept, self.request.query_params.get("kept")
        if not key or not tag or not hmac.compare_digest(tag, kept_forms.handle(key)):
            return None
        with self.tx() as db:
            found = kept_forms.read(
                db,
                key,
                path=self.request.url.path,
                user_id=self.actor.user_id if self.actor else None,
                now=self.now(),
            )
        if found is None or found.purpose == kept_forms.EXPIRED:
            self.session.kept = None
        if found is not None and found.purpose == kept_forms.EXPIRED:
            self.flash("info", self.t("session.form_restored"))
        return found

    def drop_kept(self) -> None:
        """The form went through: what was kept of an earlier attempt goes."""
        if self.session.kept:
            with self.tx() as db:
                kept_forms.drop(db, self.session.kept)
            self.session.kept = None


SHOWN = "/shown"  # where a refused form's page is shown again by a GET (Page._shown_by_get)
# Drawn by a POST with an error status yet not kept: the login page (a failed login must not replace a form
# kept from an ended session, which the next successful login restores; it redirects by itself).
NOT_KEPT = frozenset({"login.html"})


def _with_kept(path: str, key: str) -> str:
    """``path`` naming the kept form ``key`` (an earlier ``kept=`` in it replaced)."""
    base, _, query = path.partition("?")
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "kept"]
    return f"{base}?{urlencode([*pairs, ('kept', kept_forms.handle(key))])}"


_C, _S, _A, _F, _P = Role.CLERK, Role.SUPERVISOR, Role.ADMIN, Role.FINANCE, Role.PARTNER_AUDITOR
# The menu: (href, catalogue key, roles that see it). Each page still checks its own roles.
NAV: list[tuple[str, str, frozenset[Role]]] = [
    ("/alerts", "nav.alerts", frozenset({_S, _A})),
    ("/supervisor", "nav.approvals", frozenset({_S})),
    ("/complaints", "nav.complaints", frozenset({_S})),
    ("/residents", "nav.counter", frozenset({_C, _S, _A, _F})),
    ("/residents/new", "nav.register", frozenset({_C, _S})),
    ("/jobs", "nav.queue", frozenset({_C, _S})),
    ("/uncollected", "nav.uncollected", frozenset({_C, _S, _A})),
    ("/printers", "nav.printers", frozenset({_C, _S, _A})),
    ("/stock", "nav.stock", frozenset({_C, _S, _A, _F})),
    ("/admin/offices", "nav.offices", frozenset({_A})),
    ("/admin/agents", "nav.agents", frozenset({_A})),
    ("/admin/users", "nav.users", frozenset({_A})),
    ("/audit", "nav.audit", frozenset({_A, _S})),
    ("/indicators", "nav.indicators", frozenset({_S, _A, _F})),
    ("/finance", "nav.finance", frozenset({_F, _A})),
    ("/partner", "nav.partner", frozenset({_P})),
    ("/contracts", "nav.contracts", frozenset({_F, _A, _P})),
    ("/billing/conflicts", "nav.fixes", frozenset({_F})),
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
            now = clock_of(request)
            idle = timeouts(page.settings).idle
            page.session_left = max(0, int((min(now + idle, found.expires_at) - now).total_seconds()))
            user = found.user
            page.actor = Actor(
                user_id=user.id, username=user.username, role=Role(user.role), office_code=found.office_code
            )
            page.full_name = user.full_name or user.username
            page.must_change_password = user.must_change_password
        else:
            with unit_of_work(request.app.state.engine, writes=False) as db:
                request.state.expired_user = console_sessions.owner(db, session.key)
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
                if request.method == "POST":
                    target = await _keep_expired_form(request, session)
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


# Pages whose GET refills a form kept after the session ended (their forms are typed at length).
REFILLABLE = (re.compile(r"^/residents/new$"), re.compile(r"^/residents/[0-9]{16}/edit$"))
# Never kept, whatever the form: passwords and the form's own token.
_NOT_KEPT = ("csrf_token", "password", "old_password", "new_password", "new_password_again")


async def _keep_expired_form(request: Request, session: WebSession) -> str:
    """A form sent after its session ended: keep its fields on the server for the same user, and return
    where to go back after logging in (the page the form was on, refilled there). Only a form carrying
    this browser's CSRF token is kept, so another site cannot plant a form to be refilled."""
    back = _referer_path(request) or "/"
    user_id = getattr(request.state, "expired_user", None)
    if user_id is None or not any(p.match(back.split("?", 1)[0]) for p in REFILLABLE):
        return back
    form = await request.form(max_files=4, max_fields=200)
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf):
        return back
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k not in _NOT_KEPT}
    if not fields:
        return back
    settings = settings_of(request)
    now = clock_of(request)
    with unit_of_work(request.app.state.engine, writes=True) as db:
        if session.kept:
            kept_forms.drop(db, session.kept)
        key = kept_forms.keep(
            db,
            purpose=kept_forms.EXPIRED,
            path=back.split("?", 1)[0],
            fields=fields,
            extra={"action": request.url.path},
            user_id=user_id,
            now=now,
            lifetime=timedelta(minutes=settings.kept_form_minutes),
        )
    session.kept = key
    session.flash.append(("info", i18n.translate("session.form_kept", session.lang)))
    return _with_kept(back, key)


def _referer_path(request: Request) -> str | None:
    """The page a form was sent from, if it is a page of this site."""
    referer = request.headers.get("referer", "")
    origin = f"{request.url.scheme}://{request.url.netloc}"
    if not referer.startswith(origin + "/"):
        return None
    return local_path(referer[len(origin) :].split("#", 1)[0])


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
