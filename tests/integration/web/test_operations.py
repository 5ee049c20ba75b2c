"""Closing a month from the console runs in the background with a progress display fed by the server: the
JSON progress climbs through the named steps to 100, the page then goes to the closed month with its
message; another user cannot follow someone else's operation."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from billing.models import Period
from ktp_service.services.billing import CLOSE_STEPS
from tests.conftest import World
from tests.integration.web.test_pages import _csrf, login


def _last_month() -> str:
    first = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


def test_closing_a_month_shows_its_progress_and_ends_on_the_closed_month(
    client: TestClient, world: World
) -> None:
    month = _last_month()
    login(client, "finance")
    token = _csrf(client, f"/finance/{month}/close")
    started = client.post(
        f"/finance/{month}/close", data={"csrf_token": token, "confirm": month}, follow_redirects=False
    )
    assert started.status_code == 303
    match = re.fullmatch(r"/operations/([0-9a-f-]{36})/view", started.headers["location"])
    assert match, started.headers["location"]
    op_id = match.group(1)

    seen: list[int] = []
    pause = threading.Event()
    for _ in range(1200):
        state = client.get(f"/operations/{op_id}").json()
        seen.append(state["percent"])
        if state["state"] != "running":
            break
        # While it runs the page shows the bar and the step it is on.
        page = client.get(f"/operations/{op_id}/view").text
        assert 'data-testid="operation-progress"' in page and "<progress" in page
        pause.wait(0.02)
    assert state["state"] == "done", state
    assert state["percent"] == 100 and seen == sorted(seen)
    assert [s["key"] for s in state["steps"]] == list(CLOSE_STEPS)
    assert all(s["done"] for s in state["steps"])
    assert [s["text"] for s in state["steps"]][0] == "Membukukan kartu yang belum dibukukan"
    assert state["next"] == f"/operations/{op_id}/done"

    # The page, asked again (by the script, or by the refresh without one), goes on to the closed month.
    ended = client.get(f"/operations/{op_id}/view").text
    assert '<progress max="100" value="100"' in ended
    assert f'content="0;url=/operations/{op_id}/done"' in ended  # without a script: on at once
    done = client.get(f"/operations/{op_id}/done", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/finance?month={month}"
    result = client.get(done.headers["location"]).text
    assert re.search(r"Bulan [A-Z][a-z]+ \d{4} ditutup dan laporan ditandatangani\.", result)
    assert 'data-testid="bundle-link"' in result  # the closed month's signed bundle is offered
    with Session(world.engine) as s:
        assert s.exec(select(Period.status).where(Period.month == month)).one() == "closed"

    # Someone else cannot follow it (as if unknown).
    other = TestClient(client.app)
    login(other, "admin")
    assert other.get(f"/operations/{op_id}").status_code == 404
    assert other.get(f"/operations/{op_id}/view").status_code == 404


def test_a_refused_close_returns_to_the_confirmation_saying_why(client: TestClient) -> None:
    month = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")  # not over yet
    login(client, "finance")
    token = _csrf(client, "/finance")
    started = client.post(
        f"/finance/{month}/close", data={"csrf_token": token, "confirm": month}, follow_redirects=False
    )
    op_id = started.headers["location"].split("/")[2]
    pause = threading.Event()
    for _ in range(1200):
        state = client.get(f"/operations/{op_id}").json()
        if state["state"] != "running":
            break
        pause.wait(0.02)
    assert state["state"] == "failed" and state["percent"] < 100
    r = client.get(f"/operations/{op_id}/done", follow_redirects=False)
    assert r.headers["location"] == f"/finance/{month}/close"
    assert f"Bulan {month} belum selesai" in client.get(r.headers["location"]).text


def _follow(client: TestClient, op_id: str) -> tuple[dict[str, Any], list[int]]:
    seen: list[int] = []
    pause = threading.Event()
    for _ in range(1500):
        state = client.get(f"/operations/{op_id}").json()
        seen.append(state["percent"])
        if state["state"] != "running":
            return state, seen
        pause.wait(0.02)
    raise AssertionError(f"operation {op_id} did not end: {state}")


def test_an_export_is_made_with_its_progress_then_offered_and_downloaded(client: TestClient) -> None:
    """Exports from the finance (and partner) page run as an operation: its progress from the server, then a
    page that offers the file and starts its download; only the person who asked gets the file."""
    month = _last_month()
    login(client, "finance")
    token = _csrf(client, f"/finance?month={month}")
    assert 'action="/finance/' + month + '/export"' in client.get(f"/finance?month={month}").text
    started = client.post(
        f"/finance/{month}/export",
        data={"csrf_token": token, "kind": "entries.csv"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    op_id = started.headers["location"].split("/")[2]
    state, seen = _follow(client, op_id)
    assert state["state"] == "done" and state["percent"] == 100 and seen == sorted(seen)
    assert [s["text"] for s in state["steps"]] == ["Menyusun file dari buku besar"]
    assert state["download"] == f"/operations/{op_id}/file"
    ready = client.get(f"/operations/{op_id}/done", follow_redirects=False)
    assert ready.status_code == 200 and 'data-testid="operation-ready"' in ready.text
    assert f'content="0;url=/operations/{op_id}/file"' in ready.text  # the download starts by itself
    assert f"File entri-{month}.csv siap" in ready.text
    got = client.get(f"/operations/{op_id}/file")
    assert (
        got.status_code == 200
        and got.headers["content-disposition"] == f'attachment; filename="entri-{month}.csv"'
    )
    assert (
        got.content == client.get(f"/finance/{month}/entries.csv").content
    )  # the same as the plain download

    other = TestClient(client.app)
    login(other, "partner.auditor")
    assert other.get(f"/operations/{op_id}/file").status_code == 404
    bad = client.post(
        f"/finance/{month}/export", data={"csrf_token": token, "kind": "../etc"}, follow_redirects=False
    )
    assert bad.status_code == 303 and bad.headers["location"] == f"/finance?month={month}"


def test_a_refused_batch_is_shown_again_by_a_get(client: TestClient) -> None:
    """A batch with a wrong entry creates nothing; the queue page shows the list again with the entry named,
    from a GET (post/redirect/get: refreshing re-sends nothing)."""
    login(client, "kpt.clerk")
    page = client.get("/jobs").text
    assert 'data-testid="batch-section"' not in page  # the KPT has no printer in this world
    with Session(client.app.state.engine) as s:
        from ktp_service.models import Office, Printer

        kpt = s.exec(select(Office).where(Office.code == "33.14")).one()
        s.add(Printer(name="KPT-Uji", office_id=kpt.id or 0, adapter="simulator", uri="simulator://kpt-uji"))
        s.commit()
    token = _csrf(client, "/jobs")
    assert 'data-testid="batch-section"' in client.get("/jobs").text
    r = client.post(
        "/jobs/batch",
        data={"csrf_token": token, "niks": "3314015708850001\n12345", "printer_id": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and re.fullmatch(r"/jobs\?kept=[\w-]+", r.headers["location"])
    shown = client.get(r.headers["location"])
    assert "Bukan NIK 16 angka: 12345. Tidak ada yang dicetak." in shown.text
    assert "3314015708850001\n12345</textarea>" in shown.text
    assert client.get(r.headers["location"]).status_code == 200  # a refresh: a GET again, nothing sent
    with Session(client.app.state.engine) as s:
        from ktp_service.models import PrintJob

        assert s.exec(select(PrintJob)).all() == []
