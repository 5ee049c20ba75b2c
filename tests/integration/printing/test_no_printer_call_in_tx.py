"""Issue 10, finding 6: no printer call runs inside a transaction. A stalled printer asked "now" through
the API holds no other office's write; and every adapter call the service makes (status, capabilities,
submit, job_status, cancel), from the API, the console, the CLI, the worker and the background poll, is
made with no database connection checked out of any engine's pool."""

from __future__ import annotations

import socket
import threading
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool
from typer.testing import CliRunner

from ktp_service.cli import app as cli
from ktp_service.services import printers
from ktp_service.status_poller import StatusPoller
from printers.base import PrinterAdapter
from tests.integration.printing.conftest import SUPERVISOR, Counter, add_printer
from tests.integration.web.test_pages import _csrf, login

CALLS = ("status", "capabilities", "submit", "job_status", "cancel")


@pytest.fixture
def stalled_printer() -> Iterator[tuple[int, threading.Event, Callable[[], None]]]:
    """A TCP server that takes an IPP request and never answers: (port, request arrived, hang up)."""
    server = socket.create_server(("127.0.0.1", 0))
    arrived, done = threading.Event(), threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        conn, _ = server.accept()
        held.append(conn)
        conn.recv(65536)
        arrived.set()
        done.wait()
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], arrived, done.set
    done.set()
    server.close()
    thread.join(timeout=30)


def test_a_stalled_printer_holds_no_other_offices_write(
    counter: Counter, stalled_printer: tuple[int, threading.Event, Callable[[], None]]
) -> None:
    port, arrived, hang_up = stalled_printer
    client, as_user = counter.client, counter.as_user
    r = client.post(
        "/api/v1/printers",
        json={
            "name": "Stalled",
            "office": "33.14.01",
            "adapter": "ipp",
            "uri": f"ipp://127.0.0.1:{port}/ipp/print",
            "config": {"timeout": 120},
        },
        headers=as_user("admin"),
    )
    assert r.status_code == 201, r.text
    asker, other = as_user(SUPERVISOR), as_user("kpt.supervisor")  # log in before the ask
    with ThreadPoolExecutor(max_workers=2) as pool:
        ask = pool.submit(client.post, f"/api/v1/printers/{r.json()['id']}/status", headers=asker)
        assert arrived.wait(timeout=60), "the printer never received the request"
        write = pool.submit(
            client.post, "/api/v1/offices/33.14/stock", json={"quantity": 5, "note": "kiriman"}, headers=other
        )
        # The other office's write completes while the ask is still waiting on the printer (which would
        # take 120 s to time out); before the fix it waited for the ask.
        assert write.result(timeout=60).status_code == 201
        assert not ask.done()
        hang_up()
        answer = ask.result(timeout=60)
    assert answer.status_code == 200 and answer.json()["state"] == "offline", answer.text


class _Guarded:
    """An adapter whose every port call first checks that no pooled connection is checked out."""

    def __init__(
        self, adapter: PrinterAdapter, open_connections: Callable[[], int], calls: Tally[str]
    ) -> None:
        self._adapter, self._open, self._calls = adapter, open_connections, calls

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._adapter, name)
        if name not in CALLS:
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            assert self._open() == 0, f"{name} called with a database connection checked out"
            self._calls[name] += 1
            return attr(*args, **kwargs)

        return call


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tally[str]]:
    """Counts connections checked out of every pool (any engine: the app's, the CLI's) and wraps every
    adapter the service builds; yields the calls made."""
    lock, out = threading.Lock(), [0]

    def checkout(*_: Any) -> None:
        with lock:
            out[0] += 1

    def checkin(*_: Any) -> None:
        with lock:
            out[0] -= 1

    calls: Tally[str] = Tally()
    original = printers.AdapterCache.get

    def get(cache: printers.AdapterCache, printer: Any) -> Any:
        return _Guarded(original(cache, printer), lambda: out[0], calls)

    monkeypatch.setattr(printers.AdapterCache, "get", get)
    event.listen(Pool, "checkout", checkout)
    event.listen(Pool, "checkin", checkin)
    yield calls
    event.remove(Pool, "checkout", checkout)
    event.remove(Pool, "checkin", checkin)


def test_no_printer_call_runs_with_a_connection_checked_out(counter: Counter, guarded: Tally[str]) -> None:
    client, as_user = counter.client, counter.as_user
    slow = add_printer(client, as_user, "Slow-1", speed=3600)  # a card stays at the printer until canceled
    r = client.post(
        "/api/v1/print-jobs",
        json={"nik": counter.nik, "printer_id": slow, "reason": "baru"},
        headers=as_user("kalijambe.clerk"),
    )
    job_id = r.json()["id"]
    counter.worker.run_once()  # submit, then job_status
    assert counter.job(job_id)["state"] == "processing"
    r = client.post(f"/api/v1/print-jobs/{job_id}/cancel", headers=as_user("kalijambe.clerk"))
    assert r.status_code in (200, 202), r.text
    counter.worker.run_once()  # cancel, then job_status
    assert counter.job(job_id)["state"] == "canceled"

    assert client.post(f"/api/v1/printers/{slow}/status", headers=as_user(SUPERVISOR)).status_code == 200
    r = client.post(f"/api/v1/printers/{slow}/simulator", json={"set": ["jam"]}, headers=as_user(SUPERVISOR))
    assert r.status_code == 200
    StatusPoller(counter.world.engine, client.app.state.adapters, 1).poll_all()  # type: ignore[attr-defined]

    login(client, SUPERVISOR)
    for path, form in (
        (f"/printers/{slow}/status", {}),
        (f"/printers/{slow}/simulator", {"action": "clear", "fault": "all"}),
    ):
        r = client.post(path, data={"csrf_token": _csrf(client, "/printers"), **form}, follow_redirects=False)
        assert r.status_code in (302, 303), r.text

    result = CliRunner().invoke(cli, ["printers", "status", str(slow)], obj=counter.settings)
    assert result.exit_code == 0, result.output
    assert set(guarded) == set(CALLS), guarded
