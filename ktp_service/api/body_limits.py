"""Request body limits, enforced while the body is read, before anything else looks at the request.

A pure ASGI middleware, the outermost one: it reads the body itself, up to its route's limit, and only then
hands the request on. So a body over the limit is answered 413 before login, before JSON or multipart
parsing, before a temporary file is written, and the bytes past the limit are never pulled from the
server. The one error shape::

    {"error": "request_too_large", "message": "...", "params": {"limit": 65536}}

(Indonesian by default, English on ``Accept-Language: en``.)

- **Per route**: photo and signature uploads get ``max_image_bytes`` plus ``multipart_overhead_bytes``; the
  money-received CSV import ``max_import_bytes`` plus the same overhead; every other request (JSON bodies,
  the login form, the console's forms) ``max_json_body_bytes``.
- **Framing**: a ``Content-Length`` over the limit is refused at once, without reading; a body longer than
  the ``Content-Length`` it declared is refused as soon as it passes it (a lying length buys nothing); a
  chunked body, or one with no length, is counted as it arrives and refused when it passes the limit.
  A GET, HEAD or OPTIONS with neither header carries no body, and is held to that.
- **Memory**: the bodies being held, all requests together, stay within ``max_body_bytes_in_memory``. A
  request reserves what it may hold (its declared length, or its route's limit when it declared none)
  before it reads a byte, and gives it back when it is answered; a request that finds the budget spent
  waits its turn without reading (its bytes stay with the server and the client, which TCP slows down).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import re
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ktp_service.catalogue import translate
from ktp_service.errors import RequestTooLarge, error_body
from ktp_service.messages import pick_language
from ktp_service.settings import Settings

# Routes that take an upload (method, path). Everything else is a small JSON or form body.
_IMAGE_ROUTES = (
    ("PUT", re.compile(r"/api/v1/residents/[^/]+/(photo|signature)")),
    ("POST", re.compile(r"/residents/[^/]+/images")),  # the console's upload form
)
_IMPORT_ROUTES = (
    ("POST", re.compile(r"/api/v1/billing/periods/[^/]+/money-received/import")),
    ("POST", re.compile(r"/finance/[^/]+/money/import")),  # the console's import form
)
_BODILESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class RouteLimits:
    """The body limit of each route, in bytes, from the settings."""

    json: int
    image: int
    csv_import: int
    overhead: int = 0  # of a multipart form around an uploaded file

    @classmethod
    def from_settings(cls, settings: Settings) -> RouteLimits:
        overhead = settings.multipart_overhead_bytes
        return cls(
            json=settings.max_json_body_bytes,
            image=settings.max_image_bytes + overhead,
            csv_import=settings.max_import_bytes + overhead,
            overhead=overhead,
        )

    def for_request(self, method: str, path: str) -> int:
        if any(method == m and pattern.fullmatch(path) for m, pattern in _IMAGE_ROUTES):
            return self.image
        if any(method == m and pattern.fullmatch(path) for m, pattern in _IMPORT_ROUTES):
            return self.csv_import
        return self.json

    def for_people(self, method: str, path: str) -> int:
        """The limit as a person knows it: the file's own size on an upload route, not the form around it."""
        limit = self.for_request(method, path)
        return limit if limit == self.json else limit - self.overhead


class MemoryBudget:
    """Bytes of request bodies held at once. First come, first served: a request that does not fit waits
    until those before it have been answered. Bound to no event loop (futures are made on the caller's)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.free = total
        self._waiters: deque[tuple[int, asyncio.Future[None]]] = deque()

    async def acquire(self, size: int) -> int:
        """Reserve ``size`` bytes (at most the whole budget), waiting if need be; returns what was reserved."""
        size = min(size, self.total)
        if not self._waiters and size <= self.free:
            self.free -= size
            return size
        waiter = (size, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        try:
            await waiter[1]
        except BaseException:  # cancelled (the client left): give back what may have been granted meanwhile
            if waiter[1].done() and not waiter[1].cancelled():
                self.release(size)
            else:
                with contextlib.suppress(ValueError):  # already skipped by _wake
                    self._waiters.remove(waiter)
                self._wake()
            raise
        return size

    def release(self, size: int) -> None:
        self.free += size
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._waiters[0][0] <= self.free:
            size, future = self._waiters.popleft()
            if future.done():  # cancelled while waiting
                continue
            self.free -= size
            future.set_result(None)


def _framing(scope: Scope) -> tuple[int | None, bool]:
    """The declared ``Content-Length`` (None when absent or unreadable) and whether the body is chunked."""
    length: int | None = None
    chunked = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            # ASCII digits only: int() would take " 1_0" or full-width digits.
            length = int(text) if text.isascii() and text.isdigit() else None
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


class BodyLimits:
    """The middleware (see the module's description). Register it last, so that it runs first."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limits = RouteLimits.from_settings(settings)
        self.budget = MemoryBudget(settings.max_body_bytes_in_memory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_request(scope["method"], scope["path"])
        declared, chunked = _framing(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, limit, self.limits.for_people(scope["method"], scope["path"]))
            return
        if declared is not None:
            cap = declared
        elif chunked or scope["method"] not in _BODILESS_METHODS:
            cap = limit
        else:
            cap = 0
        held = await self.budget.acquire(cap)
        try:
            body = await _read_body(receive, cap)
            if body is None:  # the client left before sending it all: nobody to answer
                return
            if isinstance(body, _TooLarge):
                await _refuse(scope, send, limit, self.limits.for_people(scope["method"], scope["path"]))
                return
            await self.app(scope, _replay(body, receive), send)
        finally:
            self.budget.release(held)


class _TooLarge:
    pass


async def _read_body(receive: Receive, cap: int) -> bytes | _TooLarge | None:
    """The whole body if it is at most ``cap`` bytes; stops pulling as soon as it passes ``cap``."""
    buffer = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        if len(buffer) + len(chunk) > cap:
            return _TooLarge()
        buffer += chunk
        if not message.get("more_body", False):
            return bytes(buffer)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body read, then passes on what the server says next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(scope: Scope, send: Send, limit: int, shown: int) -> None:
    """413: in the service's error shape for the API, as a page for the console (a clerk whose photo was too
    big sees why, in words, with a way back). The connection is closed after it: the rest of the body is
    never read, so it cannot be the start of a next request."""
    headers = dict(scope.get("headers", ()))
    language = pick_language(headers.get(b"accept-language", b"").decode("latin-1"))
    if scope["path"].startswith("/api/"):
        error = RequestTooLarge(
            f"The request body is larger than this route's limit of {limit} bytes.", params={"limit": limit}
        )
        payload = json.dumps(error_body(error, language), ensure_ascii=False).encode("utf-8")
        content_type = b"application/json"
    else:
        back = urlsplit(headers.get(b"referer", b"").decode("latin-1"))
        payload = too_large_page(shown, language, back.path + (f"?{back.query}" if back.query else ""))
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": RequestTooLarge.status_code,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(payload)).encode("ascii")),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def human_size(size: int, language: str) -> str:
    """``5243904`` -> ``5,0 MB`` (``5.0 MB`` in English): what a person reads, not a byte count."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            text = f"{size / scale:.1f} {unit}"
            return text.replace(".", ",") if language == "id" else text
    return f"{size} byte" if language == "id" else f"{size} bytes"


def too_large_page(limit: int, language: str, back: str) -> bytes:
    """A page of its own (the request never reached the console, so none of its layout or session): the
    limit in words and a link back to the page the form was on (a path on this site only)."""
    back = back if back.startswith("/") and not back.startswith("//") else "/"
    title = html.escape(translate("error.title", language))
    text = html.escape(translate("error.too_large_page", language, size=human_size(limit, language)))
    link = html.escape(translate("error.back", language))
    page = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
        f'<link rel="stylesheet" href="/static/app.css"></head>'
        f'<body><main><section class="card narrow"><h1>{title}</h1>'
        f'<p class="lead" data-testid="error-message">{text}</p>'
        f'<p><a class="button" href="{html.escape(back)}">{link}</a></p></section></main></body></html>'
    )
    return page.encode("utf-8")
