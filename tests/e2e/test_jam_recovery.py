"""Jam recovery at the counter (issue 12), in a real browser against the running service (its print worker
and printer poll included): a card waits on a jammed printer, the page says so in the clerk's words with the
printer's advice, and the card prints by itself once the jam is cleared at the printer; a held job moves to
another ready printer of the office from its page. Every wait is on what the page shows, never a sleep.

The jam is raised and cleared on the simulator's own panel (a person at the printer), so the service only
learns of it by asking the printer, as it would a real one."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select, update

from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.db import unit_of_work
from ktp_service.models import Printer, PrintJob, utcnow
from ktp_service.seed import DEMO_PASSWORD
from ktp_service.services import printers
from ktp_service.services.actor import Actor
from ktp_service.vocab import Role
from tests.e2e.conftest import PRINTER, Site
from tests.factories import resident_payload

pytestmark = pytest.mark.browser

Open = Callable[[str], Any]
CLERK = "kalijambe.clerk"
SPARE = "Kalijambe-Cadangan"
ADVICE = "Kartu macet: buka penutup printer, keluarkan kartu yang macet, lalu tutup kembali."


def _wait(what: str, condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        pause.wait(0.1)


def _resident(site: Site, serial: int) -> str:
    """A resident with photo and signature, registered through the API as the clerk."""
    with httpx.Client(base_url=site.url, timeout=30) as api:
        r = api.post("/api/v1/auth/token", data={"username": CLERK, "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        body = resident_payload(born=date(1990, 6, 1), serial=serial, nama="Sri Wahyuni")
        assert api.post("/api/v1/residents", json=body, headers=headers).status_code == 201
        for kind, data in (("photo", make_photo(seed=serial)), ("signature", make_signature(seed=serial))):
            r = api.put(
                f"/api/v1/residents/{body['nik']}/{kind}",
                files={"file": (f"{kind}.png", data, "image/png")},
                headers=headers,
            )
            assert r.status_code == 200, r.text
    return str(body["nik"])


def _panel(site: Site, name: str = PRINTER) -> printers.SimulatorControl:
    """The simulated printer's own panel: what a person at the printer does, unseen until it is asked."""
    return printers.simulator_control(site.printer(name), site.settings)


def _polled_as(site: Site, name: str, reason: str | None) -> Callable[[], bool]:
    """The background poll has seen ``reason`` on the printer (None: seen it ready)."""

    def seen() -> bool:
        p = site.printer(name)
        if reason is None:
            return p.status_state == "idle" and not p.status_reasons
        return reason in p.status_reasons

    return seen


def _job_of(site: Site, page: Page) -> PrintJob:
    uuid = page.url.rsplit("/", 1)[-1]
    with Session(site.engine) as s:
        job = s.exec(select(PrintJob).where(PrintJob.uuid == uuid)).one()
        s.expunge(job)
        return job


def _held(site: Site, page: Page) -> Callable[[], bool]:
    def held() -> bool:
        job = _job_of(site, page)
        return job.attempts >= 1 and job.state == "pending"

    return held


def _back_off_long(site: Site, page: Page) -> None:
    """As after many failed attempts: the next try 10 minutes away. From here only the printer being ready
    again (or a person) brings the card out within the test's wait."""
    _wait("the worker's attempt to be held by the jam", _held(site, page))
    uuid = page.url.rsplit("/", 1)[-1]
    with unit_of_work(site.engine) as s:
        s.exec(  # type: ignore[call-overload]
            update(PrintJob)
            .where(PrintJob.uuid == uuid)  # type: ignore[arg-type]
            .values(next_attempt_at=utcnow() + timedelta(minutes=10))
        )


def _print_on(page: Page, site: Site, nik: str, printer: str) -> None:
    page.goto(f"{site.url}/residents/{nik}")
    page.locator("label.printer-choice", has_text=printer).locator("input").check()
    page.locator("#reason").select_option("baru")
    page.get_by_role("button", name="Cetak kartu").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]{36}$"))


def test_a_card_held_by_a_jam_prints_by_itself_once_the_jam_is_cleared(desk: Open, site: Site) -> None:
    site.set_speed(0)
    nik = _resident(site, 8101)
    _panel(site).set_fault("jam")
    _wait("the poll to see the jam", _polled_as(site, PRINTER, "media-jam-error"))

    clerk = desk(CLERK)
    page = clerk.page
    _print_on(page, site, nik, PRINTER)
    # The print action says where the card waits and why, naming the printer and its state.
    expect(page.locator(".flash.warn:not(#session-warning)")).to_contain_text(
        re.compile(r"Kalijambe-Simulator.*\(macet\)")
    )
    expect(page.get_by_test_id("job-state")).to_have_text("Tertahan: printer macet")
    expect(page.get_by_test_id("job-advice")).to_contain_text(ADVICE)
    expect(page.get_by_test_id("job-printer")).to_contain_text("Macet")
    expect(page.get_by_test_id("job-message")).to_contain_text(
        "Printer Kalijambe-Simulator belum siap (Macet); kartu dicetak otomatis begitu printer siap."
    )
    assert "media-jam-error" not in page.locator("#job-panel").inner_text()  # never the adapter's words

    # A long back-off: the page shows when the next try is, counting down; "Coba sekarang" answers that the
    # printer is still jammed.
    _back_off_long(site, page)
    retry = page.get_by_test_id("job-retry")
    expect(retry).to_contain_text(
        re.compile(r"Dicoba lagi otomatis pukul \d\d:\d\d:\d\d \(dalam \d+ detik\)")
    )
    clerk.shot("20-tertahan-printer-macet")
    tried = _job_of(site, page).attempts
    retry.get_by_role("button", name="Coba sekarang").click()
    expect(page.locator(".flash.warn:not(#session-warning)")).to_contain_text(
        "Printer Kalijambe-Simulator masih bermasalah (macet); kartu dicetak otomatis begitu printer siap."
    )
    _wait("the attempt made at once", lambda: _job_of(site, page).attempts > tried)
    _back_off_long(site, page)

    # The supervisor clears the jam at the printer: the card comes out with nobody clicking.
    _panel(site).clear_fault("jam")
    expect(page.get_by_test_id("job-state")).to_have_text("Selesai")
    expect(page.get_by_text("Kartu selesai dicetak. Serahkan kepada pemiliknya.")).to_be_visible()
    clerk.shot("21-macet-diatasi-selesai")


def _add_spare(site: Site) -> None:
    admin = Actor(user_id=None, username="e2e", role=Role.ADMIN, office_code=None)
    with unit_of_work(site.engine) as s:
        if s.exec(select(Printer).where(Printer.name == SPARE)).first() is None:
            printers.create(
                s,
                admin,
                name=SPARE,
                office="33.14.01",
                adapter="simulator",
                uri="simulator://e2e-cadangan",
                config={},
                document_format="image/png",
                dpi=300,
                settings=site.settings,
            )


def _switch_off(site: Site, name: str) -> None:
    with unit_of_work(site.engine) as s:
        p = s.exec(select(Printer).where(Printer.name == name)).one()
        p.active = False
        s.add(p)


def test_a_held_job_moves_to_another_ready_printer_from_its_page(desk: Open, site: Site) -> None:
    site.set_speed(0)
    _add_spare(site)
    nik = _resident(site, 8102)
    _panel(site).set_fault("jam")
    _wait("the poll to see the jam", _polled_as(site, PRINTER, "media-jam-error"))
    _wait("the poll to see the spare ready", _polled_as(site, SPARE, None))
    try:
        clerk = desk(CLERK)
        page = clerk.page
        _print_on(page, site, nik, PRINTER)
        expect(page.get_by_test_id("job-state")).to_have_text("Tertahan: printer macet")
        _back_off_long(site, page)  # the worker leaves it alone while the clerk decides
        page.reload()
        move = page.get_by_test_id("move-job")
        expect(move.locator("#move-printer option")).to_contain_text([SPARE])
        assert PRINTER not in move.locator("#move-printer").inner_text()  # only other, ready printers
        clerk.shot("22-pindahkan-printer")
        move.locator("#move-printer").select_option(label=f"{SPARE} (Siap)")
        move.get_by_role("button", name="Pindahkan").click()
        expect(page.get_by_role("status").filter(has_text="dipindahkan")).to_contain_text(
            f"Pekerjaan dipindahkan ke printer {SPARE}."
        )
        expect(page.get_by_test_id("job-state")).to_have_text("Selesai")
        expect(page.get_by_test_id("job-printer-name")).to_contain_text(SPARE)
        assert _job_of(site, page).printer_id == site.printer(SPARE).id
        clerk.shot("23-dipindahkan-selesai")
    finally:
        _panel(site).clear_fault("jam")
        _switch_off(site, SPARE)  # the flows after this one see the office as seeded
