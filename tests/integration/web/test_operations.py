"""Closing a month from the console runs in the background with a progress display fed by the server: the
JSON progress climbs through the named steps to 100, the page then goes to the closed month with its
message; another user cannot follow someone else's operation."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
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
