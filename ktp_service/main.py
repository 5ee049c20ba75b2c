"""The FastAPI application: routes, error rendering, health; its parts come from ``ktp_service.wiring``."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from billing.errors import BillingError
from ktp_service import __version__, health, web
from ktp_service.api import docs, error_codes, links
from ktp_service.api.body_limits import BodyLimits
from ktp_service.api.deps import refuse_control_characters
from ktp_service.api.routes import (
    admin,
    agents,
    alerts,
    auth,
    billing,
    handover,
    printing,
    residents,
    standard,
    stock_moves,
)
from ktp_service.cards import CardError
from ktp_service.db import is_busy
from ktp_service.errors import DomainError, ServiceBusy, error_body
from ktp_service.messages import pick_language
from ktp_service.models import utcnow
from ktp_service.settings import Settings
from ktp_service.status_poller import StatusPoller
from ktp_service.wiring import wire
from ktp_service.worker import PrintWorker

log = logging.getLogger("ktp")
THREADPOOL_SIZE = 100


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "request"


# Plain words for pattern rules, which pydantic can only describe by their regular expression.
PATTERN_MESSAGES = {
    "nik": "must be exactly 16 digits (0-9).",
    "rt": "must be a number of up to three digits, e.g. 003.",
    "rw": "must be a number of up to three digits, e.g. 019.",
    "kode_kecamatan": "must be a dotted kecamatan code such as 33.14.01.",
    "kode_desa": "must be a dotted kelurahan/desa code such as 33.14.01.2001.",
    "code": "must be a dotted region code such as 33.14 or 33.14.01.",
    "username": "may use 3-64 lower-case letters, digits, dots, dashes and underscores.",
}


def _validation_body(exc: RequestValidationError) -> dict[str, Any]:
    detail = []
    for err in exc.errors():
        field = _field_name(tuple(err.get("loc", ())))
        message = str(err.get("msg", "is invalid"))
        message = message.removeprefix("Value error, ")
        if err.get("type") == "string_pattern_mismatch":
            message = PATTERN_MESSAGES.get(field.rsplit(".", 1)[-1], message)
        detail.append({"field": field, "message": message, "code": str(err.get("type", "invalid"))})
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in detail)
    return {"error": "validation_error", "message": summary or "The request is invalid.", "detail": detail}


class AdmissionControl:
    """At most ``limit`` requests in progress; the rest wait their turn on the event loop.

    A request in progress holds at most one thread-pool thread at a time, and a write transaction (the
    SQLite write lock) across its thread hops. Were the pool's threads all taken by requests waiting for
    that lock or for a database connection, the holder could not get the thread it needs to finish, and
    nothing would move. Admitting fewer requests than there are threads and connections rules that out;
    waiting requests cost no thread.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.slots = asyncio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with self.slots:
            await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    wiring = wire(settings, engine)
    settings, engine, adapters = wiring.settings, wiring.engine, wiring.adapters

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync routes and dependencies run in AnyIO's thread pool (40 threads by default). Writers on
        # SQLite queue for the write lock inside those threads, so give the pool room for a busy office.
        to_thread.current_default_thread_limiter().total_tokens = THREADPOOL_SIZE
        background: list[tuple[PrintWorker | StatusPoller, threading.Thread]] = []
        if settings.run_worker:
            worker, poller = wiring.print_worker(), wiring.status_poller()
            for name, runner in (("print-worker", worker), ("status-poller", poller)):
                thread = threading.Thread(target=runner.run, name=name, daemon=True)
                thread.start()
                background.append((runner, thread))
        yield
        for runner, thread in background:
            runner.stop()
            thread.join(timeout=10)
        wiring.close()

    app = FastAPI(
        title="ktp-service",
        version=__version__,
        summary="KTP card printing and revenue-share billing for a regency's civil registry.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_control_characters)],
        docs_url=None,  # served from the package by docs.install: no CDN, no web fonts
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.adapters = adapters
    app.state.clock = utcnow  # console session timeouts read it; tests put their own clock here

    # One handler for the service's own errors: domain, billing and card layout share the code, status and
    # message protocol, and answer in the language the client asks for (Accept-Language).
    async def _service_error(request: Request, exc: Exception) -> JSONResponse:
        status = int(getattr(exc, "status_code", 400))
        if status >= 500:  # a card font missing: the server's setup, not the clerk's input
            log.error("%s: %s", type(exc).__name__, exc)
        body = error_body(exc, pick_language(request.headers.get("accept-language")))
        return JSONResponse(body, status_code=status)

    for error_base in (DomainError, BillingError, CardError):
        app.add_exception_handler(error_base, _service_error)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_validation_body(exc), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
        return JSONResponse(
            {"error": codes.get(exc.status_code, "http_error"), "message": str(exc.detail)},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error: %s", type(exc).__name__)
        return JSONResponse(
            {"error": "internal_error", "message": "Something went wrong on the server; nothing was saved."},
            status_code=500,
        )

    @app.exception_handler(OperationalError)
    async def _database_error(request: Request, exc: Exception) -> JSONResponse:
        # A lock not had in time is load, not a fault: the unit of work rolled back, so the client may send
        # the same request again (503 + Retry-After), and the clerk reads that nothing was saved.
        if not is_busy(exc):
            return await _unexpected(request, exc)
        log.warning("database busy: %s", type(getattr(exc, "orig", exc)).__name__)
        busy = ServiceBusy("The database was busy; nothing was saved. Send the request again.")
        answer = await _service_error(request, busy)
        answer.headers["Retry-After"] = str(ServiceBusy.retry_after_seconds)
        return answer

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """Service status: the database answers, and the data directory (photos, spool, keys) takes writes
        and has room. Any check failing makes it ``degraded`` with HTTP 503; each check says how it went."""
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            db = {"status": "ok", "backend": engine.dialect.name}
        except Exception as exc:  # the health check reports, it never raises
            db = {"status": "error", "backend": engine.dialect.name, "error": type(exc).__name__}
        disk = health.data_dir_status(settings.data_dir, settings.min_free_disk_bytes)
        ok = db["status"] == "ok" and disk["status"] == "ok"
        return JSONResponse(
            {"status": "ok" if ok else "degraded", "version": __version__, "database": db, "data_dir": disk},
            status_code=200 if ok else 503,
        )

    app.include_router(auth.router)
    app.include_router(residents.router)
    app.include_router(admin.router)
    app.include_router(printing.router)
    app.include_router(agents.router)
    app.include_router(billing.router)
    app.include_router(handover.router)
    app.include_router(stock_moves.router)
    app.include_router(standard.router)
    app.include_router(alerts.router)
    app.include_router(web.router)
    docs.install(app)
    error_codes.install(app)
    links.install(app)
    app.add_middleware(AdmissionControl, limit=settings.max_concurrent_requests)
    # Added last, so it runs first: an oversize body is refused before admission, login or parsing.
    app.add_middleware(BodyLimits, settings=settings)
    return app
