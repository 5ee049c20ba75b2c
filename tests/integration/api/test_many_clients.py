"""Many more clients than thread-pool threads at once, against a real uvicorn server: every request is
answered (admission control keeps SQLite's queue of writers, or waits for connections, from taking every
thread)."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn

from ktp_service.db import make_engine
from ktp_service.main import create_app
from ktp_service.settings import Settings
from tests.conftest import PASSWORD, World
from tests.factories import resident_payload


@pytest.fixture
def server(world: World, tmp_path: Path) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=world.engine.url.render_as_string(hide_password=False),
        run_worker=False,
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = make_engine(settings.effective_database_url)
    config = uvicorn.Config(create_app(settings, engine), port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    ready = threading.Event()
    while not srv.started:
        ready.wait(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)
    engine.dispose()  # the app does not dispose an engine it was handed


def test_150_concurrent_writers_all_answered(server: str) -> None:

    with httpx.Client(base_url=server, timeout=60) as c:
        r = c.post("/api/v1/auth/token", data={"username": "kalijambe.clerk", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}

        def register(i: int) -> int:
            body = resident_payload(born=date(1950, 1, 1) + timedelta(days=i), serial=100 + i)
            return c.post("/api/v1/residents", json=body, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=150) as pool:
            statuses = Counter(pool.map(register, range(300)))
    assert statuses == {201: 300}
