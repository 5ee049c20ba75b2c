"""Issue 14 in the browser: the console's month close page, as finance sees it at 1366x768, lists the cards a
print agent still holds of the month (card serial, office with its name, agent), asks for a reason, keeps
its primary button on screen, and has no serious accessibility problem (axe-core)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from ktp_service import lifecycle
from ktp_service.db import unit_of_work
from ktp_service.lifecycle import JobStatus
from ktp_service.models import Office, Printer, PrintJob, User
from ktp_service.schemas.printing import PrintJobCreate
from ktp_service.services import agents, print_jobs
from ktp_service.services.actor import SYSTEM, Actor
from ktp_service.vocab import Role
from tests.e2e.conftest import Desk, Site
from tests.e2e.test_above_the_fold import _outside
from tests.e2e.test_accessibility import _axe_source, _describe, _serious
from tests.e2e.test_guards import _resident

pytestmark = pytest.mark.browser
JAKARTA = ZoneInfo("Asia/Jakarta")


def _last_month() -> tuple[str, datetime]:
    first = datetime.now(JAKARTA).replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    mid = first - timedelta(days=15)
    return f"{mid:%Y-%m}", mid


def _held_by_an_agent(site: Site, nik: str, at: datetime) -> tuple[str, str]:
    """A card of Kalijambe handed to its print agent ``e2e-agen`` at ``at`` (the agent never reports)."""
    with unit_of_work(site.engine) as s:
        agent, _ = agents.create(s, SYSTEM, "e2e-agen", "33.14.01", site.settings)
        office = s.exec(select(Office).where(Office.code == "33.14.01")).one()
        s.add(
            Printer(
                name="E2E-Agen-1",
                office_id=office.id or 0,
                adapter="simulator",
                uri="simulator://e2e-agen-1",
                agent_id=agent.id,
            )
        )
    with unit_of_work(site.engine) as s:
        printer = s.exec(select(Printer).where(Printer.name == "E2E-Agen-1")).one()
        clerk = s.exec(select(User).where(User.username == "kalijambe.clerk")).one()
        actor = Actor(user_id=clerk.id, username=clerk.username, role=Role.CLERK, office_code="33.14.01")
        body = PrintJobCreate.model_validate({"nik": nik, "printer_id": printer.id, "reason": "baru"})
        job, _ = print_jobs.create(s, actor, body, idempotency_key=None, settings=site.settings)
        lifecycle.hand_to_agent(job, printer.agent_id or 0, at)
        s.add(job)
        return job.uuid, job.card_serial or ""


def test_the_close_page_lists_cards_held_by_agents(browser: Any, site: Site) -> None:
    axe = _axe_source()
    month, at = _last_month()
    job_id, serial = _held_by_an_agent(site, _resident(site, 7611, "WULAN AGENTI"), at)
    desk = Desk(browser, site, "finance")
    try:
        page = desk.login()
        page.goto(f"{site.url}/finance/{month}/close")
        rows = page.get_by_test_id("held-card")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(serial)
        expect(rows.first).to_contain_text("Kantor Kecamatan Kalijambe")
        expect(rows.first).to_contain_text("e2e-agen")
        expect(page.get_by_test_id("close-reason")).to_be_visible()
        expect(page.locator("[data-primary]")).to_contain_text("walau kartu masih di agen")
        assert _outside(page, f"/finance/{month}/close") is None
        assert _describe(f"/finance/{month}/close", _serious(page, axe)) == []
        desk.shot("close-held-by-agents")
    finally:
        desk.close()
        with unit_of_work(site.engine) as s:  # the other browser tests close months: leave nothing held
            job = s.exec(select(PrintJob).where(PrintJob.uuid == job_id)).one()
            job.state = JobStatus.CANCELED
            s.add(job)
