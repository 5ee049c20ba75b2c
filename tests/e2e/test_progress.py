"""Progress fed by the server for the console's long operations (issue 12), in Chromium at 1366x768: a batch
of new cards printed from the queue page (the jobs made, then the cards printing on the demo's slow
simulator, counted), and an export made on the server and downloaded when ready. The page's script polls
``GET /operations/{id}``; the test reads those answers on their way to the page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.seed import DEMO_PASSWORD
from tests.e2e.conftest import Site
from tests.e2e.test_accessibility import _axe_source, _describe, _serious
from tests.factories import resident_payload

pytestmark = pytest.mark.browser

Open = Callable[[str], Any]
CLERK = "kpt.clerk"
SLOW = "KPT-Simulator-Lambat"  # the demo's slow simulator: a few seconds a card
OPERATION = re.compile(r"/operations/[0-9a-f-]{36}$")


def _residents(site: Site, serials: range) -> list[str]:
    """Residents with photo and signature, registered through the API by the KPT's clerk."""
    niks = []
    with httpx.Client(base_url=site.url, timeout=30) as api:
        r = api.post("/api/v1/auth/token", data={"username": CLERK, "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        for serial in serials:
            body = resident_payload(born=date(1979, 4, 2), serial=serial, nama="Joko Susanto", female=False)
            assert api.post("/api/v1/residents", json=body, headers=headers).status_code == 201
            for kind, data in (
                ("photo", make_photo(seed=serial)),
                ("signature", make_signature(seed=serial)),
            ):
                r = api.put(
                    f"/api/v1/residents/{body['nik']}/{kind}",
                    files={"file": (f"{kind}.png", data, "image/png")},
                    headers=headers,
                )
                assert r.status_code == 200, r.text
            niks.append(str(body["nik"]))
    return niks


def _record_polls(page: Any) -> list[dict[str, Any]]:
    polls: list[dict[str, Any]] = []

    def poll(route: Any) -> None:
        answer = route.fetch()
        polls.append(answer.json())
        route.fulfill(response=answer)

    page.route(OPERATION, poll)
    return polls


def test_a_batch_of_cards_prints_with_its_progress_from_the_server(desk: Open, site: Site) -> None:
    niks = _residents(site, range(7101, 7103))
    clerk = desk(CLERK)
    page = clerk.page
    page.goto(f"{site.url}/jobs")
    section = page.get_by_test_id("batch-section")
    section.locator("summary").click()
    # A wrong entry: nothing printed, the list shown again by a GET (a refresh re-sends nothing).
    section.get_by_label("NIK penduduk, satu per baris").fill("\n".join([*niks, "12345"]))
    section.get_by_label("Printer").select_option(label=SLOW)
    section.get_by_role("button", name="Cetak semua").click()
    page.wait_for_url(re.compile(r"/jobs\?kept="))
    expect(page.get_by_role("alert")).to_have_text("Bukan NIK 16 angka: 12345. Tidak ada yang dicetak.")
    page.reload()
    expect(page.get_by_label("NIK penduduk, satu per baris")).to_have_value("\n".join([*niks, "12345"]))
    found = _serious(page, _axe_source())  # the queue with the batch form and its error: axe-core
    assert not found, _describe(page.url, found)

    polls = _record_polls(page)
    page.get_by_label("NIK penduduk, satu per baris").fill("\n".join(niks))
    page.get_by_test_id("batch-section").get_by_role("button", name="Cetak semua").click()
    page.wait_for_url(re.compile(r"/operations/[0-9a-f-]{36}/view$"))
    step = page.locator("[data-op-step]")
    expect(step).to_have_text(re.compile(r"^Mencetak kartu: [01] dari 2$"), timeout=30_000)
    clerk.shot("29-cetak-sekumpulan")
    page.wait_for_url(re.compile(r"/jobs$"), timeout=60_000)
    expect(page.get_by_role("status")).to_contain_text(
        "Sekumpulan selesai: 2 kartu dicetak, 0 perlu perhatian"
    )
    page.unroute(OPERATION)
    assert polls and polls[-1]["state"] == "done" and polls[-1]["percent"] == 100, polls[-3:]
    percents = [p["percent"] for p in polls]
    assert percents == sorted(percents)
    counted = {(p["step"], p["count"], p["total"]) for p in polls}
    assert ("op.batch.print", 2, 2) in counted and any(
        s == "op.batch.print" and c < 2 for s, c, _ in counted
    ), counted  # the cards were seen printing, one by one


def test_an_export_is_made_on_the_server_and_downloaded_when_ready(desk: Open, site: Site) -> None:
    month = datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")
    finance = desk("finance")
    page = finance.page
    page.goto(f"{site.url}/finance?month={month}")
    polls = _record_polls(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Entri buku besar (CSV)").click()
    assert download.value.suggested_filename == f"entri-{month}.csv"
    expect(page.get_by_role("heading", level=1)).to_have_text("File siap")
    expect(page.get_by_test_id("operation-download")).to_have_text(f"Unduh entri-{month}.csv")
    finance.shot("30-ekspor-siap")
    found = _serious(page, _axe_source())
    assert not found, _describe(page.url, found)
    page.unroute(OPERATION)
    assert polls and polls[-1]["state"] == "done" and polls[-1]["download"], polls
