"""Request body limits (issue 10): refused with 413 while being read, before login, in the one error shape;
the bytes past the limit are never pulled from the server. The ASGI tests drive the application with a
``receive`` that counts what it hands over, which a test client (it reads the whole body first) cannot."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ktp_service.api.body_limits import MemoryBudget
from ktp_service.db import make_engine
from ktp_service.main import create_app
from ktp_service.settings import Settings
from tests.conftest import World
from tests.factories import png_bytes

JSON_LIMIT = 64 * 1024
CHUNK = 16 * 1024


class CountingBody:
    """An ASGI ``receive`` streaming ``total`` bytes in ``CHUNK``-sized messages; ``pulled`` counts what the
    application took."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.pulled = 0
        self.finished = False

    async def __call__(self) -> dict[str, Any]:
        if self.pulled >= self.total:
            self.finished = True
            await asyncio.sleep(3600)  # the client waits for its answer; a disconnect never comes
        size = min(CHUNK, self.total - self.pulled)
        self.pulled += size
        return {"type": "http.request", "body": b"{" * size, "more_body": self.pulled < self.total}


def call(app: FastAPI, method: str, path: str, headers: dict[str, str], body: CountingBody) -> dict[str, Any]:
    """One request straight into the ASGI application; the answer's status, headers and JSON body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    out: dict[str, Any] = {"body": b""}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    async def run() -> None:
        await asyncio.wait_for(app(scope, body, send), timeout=30)

    asyncio.run(run())
    out["json"] = json.loads(out["body"])
    return out


@pytest.fixture
def app(settings: Settings, world: World) -> FastAPI:
    return create_app(settings, world.engine)


def assert_too_large(answer: dict[str, Any], limit: int) -> None:
    assert answer["status"] == 413, answer
    assert answer["json"] == {
        "error": "request_too_large",
        "message": f"Isi permintaan terlalu besar; batasnya {limit} byte.",
        "params": {"limit": limit},
    }
    assert answer["headers"]["connection"] == "close"


def test_oversize_json_without_token_is_413_and_read_no_further_than_the_limit(app: FastAPI) -> None:
    # Chunked, no Content-Length: 200 MB announced by nothing; the application stops at the limit.
    body = CountingBody(200 * 1024 * 1024)
    headers = {"content-type": "application/json", "transfer-encoding": "chunked"}
    answer = call(app, "POST", "/api/v1/residents", headers, body)
    assert_too_large(answer, JSON_LIMIT)
    assert body.pulled <= JSON_LIMIT + CHUNK


def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read(app: FastAPI) -> None:
    # The 1.9 GB photo upload of the finding: no token, refused before reading (no temporary file).
    body = CountingBody(1900 * 1024 * 1024)
    headers = {"content-type": "multipart/form-data; boundary=x", "content-length": str(body.total)}
    answer = call(app, "PUT", "/api/v1/residents/3314015708850001/photo", headers, body)
    assert_too_large(answer, 5 * 1024 * 1024 + 64 * 1024)
    assert body.pulled == 0


def test_a_lying_content_length_buys_nothing(app: FastAPI) -> None:
    body = CountingBody(50 * 1024 * 1024)
    headers = {"content-type": "application/json", "content-length": "100"}
    answer = call(app, "POST", "/api/v1/residents", headers, body)
    assert_too_large(answer, JSON_LIMIT)
    assert body.pulled <= CHUNK  # the first chunk already passes the 100 bytes it declared


def test_a_get_without_framing_carries_no_body(app: FastAPI) -> None:
    body = CountingBody(10 * 1024 * 1024)
    answer = call(app, "GET", "/api/v1/auth/me", {}, body)
    assert_too_large(answer, JSON_LIMIT)
    assert body.pulled == CHUNK


def test_limits_are_per_route_and_a_body_within_them_reaches_login(client: TestClient) -> None:
    # 1 MB is over the JSON limit but within the photo limit: it goes on, to the missing token (401).
    photo = {"file": ("p.png", b"\x89PNG" + b"0" * 1024 * 1024, "image/png")}
    assert client.put("/api/v1/residents/3314015708850001/photo", files=photo).status_code == 401
    big_json = b'{"nik": "' + b"1" * (JSON_LIMIT) + b'"}'
    r = client.post("/api/v1/residents", content=big_json, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["params"] == {"limit": JSON_LIMIT}
    # The money import: its own limit (5 MB plus the multipart allowance).
    csv = {"file": ("m.csv", b"x" * (6 * 1024 * 1024), "text/csv")}
    r = client.post("/api/v1/billing/periods/2026-01/money-received/import", files=csv)
    assert r.status_code == 413 and r.json()["params"] == {"limit": 5_000_000 + 64 * 1024}
    r = client.post("/api/v1/billing/periods/2026-01/money-received/import", files={"file": ("m.csv", b"x")})
    assert r.status_code == 401
    # Login, the console's forms: the small limit, before anything else.
    r = client.post("/api/v1/auth/token", data={"username": "x" * JSON_LIMIT, "password": "p"})
    assert r.status_code == 413
    r = client.post("/login", data={"username": "x" * JSON_LIMIT, "password": "p"})
    assert r.status_code == 413


def test_english_on_request(client: TestClient) -> None:
    r = client.post(
        "/api/v1/residents",
        content=b"x" * (JSON_LIMIT + 1),
        headers={"content-type": "application/json", "accept-language": "en"},
    )
    assert r.status_code == 413
    assert r.json()["message"] == f"The request body is too large; the limit is {JSON_LIMIT} bytes."


def test_an_upload_within_the_limit_still_works(client: TestClient, as_user: Any) -> None:
    from tests.factories import resident_payload

    headers = as_user("kalijambe.clerk")
    nik = client.post("/api/v1/residents", json=resident_payload(), headers=headers).json()["nik"]
    r = client.put(
        f"/api/v1/residents/{nik}/photo", files={"file": ("p.png", png_bytes(), "image/png")}, headers=headers
    )
    assert r.status_code == 200, r.text


def test_settings_set_the_limits(world: World, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=world.engine.url.render_as_string(hide_password=False),
        run_worker=False,
        max_json_body_bytes=2048,
    )
    with TestClient(create_app(settings, world.engine)) as c:
        r = c.post("/api/v1/auth/token", data={"username": "u" * 3000, "password": "p"})
        assert r.status_code == 413 and r.json()["params"] == {"limit": 2048}


# -- the memory budget ------------------------------------------------------------------------------------
def test_memory_budget_holds_the_total_and_serves_in_order() -> None:
    async def scenario() -> list[str]:
        budget = MemoryBudget(100)
        assert await budget.acquire(1000) == 100  # never more than the whole budget
        budget.release(100)
        assert await budget.acquire(60) == 60
        order: list[str] = []

        async def waiter(name: str, size: int) -> None:
            got = await budget.acquire(size)
            order.append(name)
            await asyncio.sleep(0.01)
            budget.release(got)

        tasks = [asyncio.create_task(waiter("a", 50)), asyncio.create_task(waiter("b", 30))]
        await asyncio.sleep(0.01)
        assert order == [] and budget.free == 40  # a does not fit; b would, but waits behind a
        budget.release(60)
        await asyncio.gather(*tasks)
        assert budget.free == 100
        return order

    assert asyncio.run(scenario()) == ["a", "b"]


def test_memory_budget_cancelled_waiter_takes_nothing() -> None:
    async def scenario() -> int:
        budget = MemoryBudget(100)
        await budget.acquire(100)
        task = asyncio.create_task(budget.acquire(10))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        budget.release(100)
        return budget.free

    assert asyncio.run(scenario()) == 100


class StalledBody(CountingBody):
    """A slow client: one chunk, then nothing."""

    async def __call__(self) -> dict[str, Any]:
        if self.pulled:
            await asyncio.sleep(3600)
        self.pulled += CHUNK
        return {"type": "http.request", "body": b"{" * CHUNK, "more_body": True}


def test_requests_wait_for_the_budget_rather_than_hold_more(app: FastAPI, settings: Settings) -> None:
    """With room for one body at a time, a second request is not read while the first holds it."""
    from ktp_service.api.body_limits import BodyLimits

    async def scenario() -> tuple[int, int]:
        middleware = BodyLimits(app, settings)
        middleware.budget = MemoryBudget(JSON_LIMIT)
        first, second = StalledBody(JSON_LIMIT), CountingBody(1024)
        chunked = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]
        scope = {"type": "http", "method": "POST", "path": "/api/v1/residents", "headers": chunked}

        async def send(message: dict[str, Any]) -> None:
            pass

        one = asyncio.create_task(middleware(dict(scope), first, send))
        await asyncio.sleep(0.05)  # the first reserved the whole budget and waits for its client
        two = asyncio.create_task(middleware(dict(scope), second, send))
        await asyncio.sleep(0.05)
        pulled_while_waiting = second.pulled
        one.cancel()  # the first client goes away: its reservation comes back
        await asyncio.sleep(0.2)
        two.cancel()
        return pulled_while_waiting, second.pulled

    waiting, after = asyncio.run(scenario())
    assert waiting == 0
    assert after == 1024


# -- a real server ----------------------------------------------------------------------------------------
@pytest.fixture
def server(world: World, tmp_path: Path) -> Iterator[tuple[str, int]]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=world.engine.url.render_as_string(hide_password=False),
        run_worker=False,
        max_json_body_bytes=8 * 1024,
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = make_engine(settings.effective_database_url)
    app = create_app(settings, engine)
    # log_config=None: leave the process's logging alone (other tests read uvicorn's loggers).
    srv = uvicorn.Server(uvicorn.Config(app, port=port, log_config=None))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    ready = threading.Event()
    while not srv.started:
        ready.wait(0.02)
    yield "127.0.0.1", port
    srv.should_exit = True
    thread.join(timeout=30)
    engine.dispose()  # the app does not dispose an engine it was handed


def test_chunked_body_over_the_limit_through_uvicorn(server: tuple[str, int]) -> None:
    chunks = b"".join(b"1000\r\n" + b"{" * 4096 + b"\r\n" for _ in range(4))  # 16 KiB, the limit is 8 KiB
    request = (
        b"POST /api/v1/residents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    )
    answer = b""
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(request)  # one write: it is all in the socket buffers before the server answers
        try:
            while chunk := sock.recv(65536):
                answer += chunk  # the server closes the connection after its answer
        except ConnectionResetError:
            pass
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body) == {
        "error": "request_too_large",
        "message": "Isi permintaan terlalu besar; batasnya 8192 byte.",
        "params": {"limit": 8192},
    }


def test_the_console_gets_a_page_not_json(client: TestClient) -> None:
    """A console form over the limit (here an upload form on a resident's page) is answered with a page in
    the browser's language, the limit in MB, and a link back to the page it came from (never off-site)."""
    for language, words in (("id", "paling banyak 5,0 MB"), ("en", "at most 5.0 MB")):
        r = client.post(
            "/residents/3314015708850001/images",
            content=b"x" * (6 * 1024 * 1024),
            headers={
                "content-type": "multipart/form-data; boundary=x",
                "accept-language": language,
                "referer": "http://evil.example/residents/3314015708850001?tab=foto",
            },
        )
        assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
        assert words in r.text
        assert 'href="/residents/3314015708850001?tab=foto"' in r.text  # the path only: the host is dropped
