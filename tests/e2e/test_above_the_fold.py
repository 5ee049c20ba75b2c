"""Issue 12: every page with a primary action (print, save, approve, close, record) shows that action on a
1366x768 screen without scrolling. Each page marks its primary button with ``data-primary``; the test
opens the page as the role that uses it and reads the button's bounding box. Every page is checked before
anything is asserted, so one run names every page that fails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from ktp_service.db import unit_of_work
from ktp_service.models import User
from ktp_service.schemas.printing import PrintJobCreate
from ktp_service.services import print_jobs
from ktp_service.services.actor import Actor
from ktp_service.vocab import Role
from tests.e2e.conftest import VIEWPORT, Site
from tests.e2e.test_guards import _resident

pytestmark = pytest.mark.browser

Open = Callable[[str], Any]
CLERK, SUPERVISOR = "kalijambe.clerk", "kalijambe.supervisor"
RESIDENT = "3314015708850001"  # seeded at Kalijambe
JAKARTA = ZoneInfo("Asia/Jakarta")


def _months_ago(n: int) -> str:
    now = datetime.now(JAKARTA)
    y, m = now.year, now.month - n
    while m < 1:
        y, m = y - 1, m + 12
    return f"{y:04d}-{m:02d}"


def _print(site: Site, nik: str, reason: str) -> str:
    """A print job filed as the Kalijambe clerk (through the service, as the console's form does)."""
    printer = site.printer().id  # before the write transaction: SQLite has one writer
    with unit_of_work(site.engine) as s:
        clerk = s.exec(select(User).where(User.username == CLERK)).one()
        actor = Actor(user_id=clerk.id, username=CLERK, role=Role.CLERK, office_code="33.14.01")
        body = PrintJobCreate.model_validate({"nik": nik, "printer_id": printer, "reason": reason})
        job, _ = print_jobs.create(s, actor, body, idempotency_key=None, settings=site.settings)
        return str(job.uuid)


def _outside(page: Any, path: str) -> str | None:
    """Why the page's primary button is not fully on screen, or None when it is."""
    button = page.locator("[data-primary]").first
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None
    inside = (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= VIEWPORT["width"]
        and box["y"] + box["height"] <= VIEWPORT["height"]
    )
    scrolled = page.evaluate("() => window.scrollY")
    if inside and scrolled == 0:
        return None
    return f"{path}: {button.inner_text()!r} at {box} (scrolled {scrolled})"


def _check(desk: Any, paths: list[str], problems: list[str], shot: str | None = None) -> None:
    page = desk.page
    for path in paths:
        response = page.goto(desk.site.url + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        problem = _outside(page, path)
        if problem:
            problems.append(f"{desk.username} {problem}")
    if shot:
        desk.shot(shot)


def test_every_primary_action_is_on_screen_without_scrolling(desk: Open, site: Site) -> None:
    site.set_speed(0)
    problems: list[str] = []
    printer = site.printer().id
    past = _months_ago(2)  # over, and closed by no other test
    running = _months_ago(0)

    # A held second card for the supervisor's list: a first card printed, then a lost-card request.
    nik = _resident(site, 7401, "WAHYU PRASETYO")
    clerk = desk(CLERK)
    first = _print(site, nik, "baru")
    clerk.page.goto(f"{site.url}/jobs/{first}")
    expect(clerk.page.get_by_test_id("job-state")).to_have_text("Selesai")
    held = _print(site, nik, "hilang")
    _check(clerk, [f"/residents/{RESIDENT}", "/residents/new"], problems, "30-daftar-penduduk")

    sup = desk(SUPERVISOR)
    _check(sup, ["/supervisor"], problems, "31-supervisor")
    # The primary button checked is the held card's approval; approving it leaves the list as it was.
    row = sup.page.locator(f"#job-{held}")
    expect(row.locator("[data-primary]")).to_have_text("Setujui")
    row.locator("[data-primary]").click()
    expect(sup.page.locator(f"#job-{held}")).to_have_count(0)

    fin = desk("finance")
    _check(
        fin,
        [
            f"/finance?month={past}",
            f"/finance/{past}/close",
            f"/finance/{running}/money",
            "/contracts",
            "/finance/signatories",
        ],
        problems,
        "32-keuangan-tutup-bulan",
    )

    partner = desk("partner.auditor")
    _check(partner, [f"/partner?month={past}"], problems)

    from tests.e2e.test_accessibility import _agent

    agent = _agent(site, "fold-agent")
    admin = desk("admin")
    _check(
        admin,
        [
            "/admin/users",
            "/admin/offices",
            "/admin/agents",
            f"/admin/agents/{agent}/revoke",
            f"/admin/agents/{agent}/re-enroll",
            "/printers",
            f"/printers/{printer}",
            "/stock",
        ],
        problems,
        "33-admin-stok",
    )
    assert problems == [], "\n".join(problems)
