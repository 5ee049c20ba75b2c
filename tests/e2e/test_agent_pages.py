"""Print agents and village service points in the browser (issue 14): the administrator adds a village office
under its kecamatan, adds an agent (its one-time code shown once, with its expiry), revokes and re-enrolls
it through a confirmation page; the village's clerk sees on the job page when the card reached the agent,
that the agent is unreachable since a time, and when it was printed and reported. Everything here happens at
Krikilan (33.14.01.2005), a village no other test uses."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlmodel import select, update

from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.db import unit_of_work
from ktp_service.models import Office, PrintAgent, PrintJob, utcnow
from ktp_service.schemas.printing import PrintJobCreate
from ktp_service.schemas.residents import ResidentCreate
from ktp_service.seed import DEMO_PASSWORD
from ktp_service.services import agents, offices, print_jobs, printers, residents, users
from ktp_service.services.actor import SYSTEM, Actor
from ktp_service.vocab import Role
from tests.e2e.conftest import Site
from tests.e2e.test_above_the_fold import _outside
from tests.e2e.test_accessibility import _axe_source, _describe, _serious
from tests.factories import make_nik

pytestmark = pytest.mark.browser

VILLAGE, KECAMATAN = "33.14.01.2005", "33.14.01"
VILLAGE_CLERK = "krikilan.clerk"


def _village_with_an_agent(site: Site) -> tuple[str, dict[str, str], str]:
    """Krikilan's office, its clerk, an agent (enrolled over HTTP) with one printer, a resident and a card
    ordered by the village's clerk: (job id, the agent's headers, the job's document digest)."""
    with unit_of_work(site.engine) as s:
        if s.exec(select(Office).where(Office.code == VILLAGE)).first() is None:
            offices.create(s, SYSTEM, VILLAGE)
        user = users.create(
            s, SYSTEM, username=VILLAGE_CLERK, password=DEMO_PASSWORD, role=Role.CLERK, office_code=VILLAGE
        )
        clerk_id = user.id
        agent, code = agents.create(s, SYSTEM, "krikilan", VILLAGE, site.settings)
        printer = printers.create(
            s,
            SYSTEM,
            name="Krikilan-Agen",
            office=VILLAGE,
            adapter="simulator",
            uri="simulator://krikilan-agen",
            config={},
            document_format="image/png",
            dpi=300,
            settings=site.settings,
            agent_id=agent.id,
        )
        printer_id = printer.id
    clerk = Actor(user_id=clerk_id, username=VILLAGE_CLERK, role=Role.CLERK, office_code=VILLAGE)
    nik = make_nik(KECAMATAN, date(1979, 3, 2), female=False, serial=7601)
    with unit_of_work(site.engine) as s:
        office = s.exec(select(Office).where(Office.code == VILLAGE)).one()
        body = ResidentCreate(
            nik=nik, nama="SUPARNO", tempat_lahir="SRAGEN", tanggal_lahir=date(1979, 3, 2),
            jenis_kelamin="LAKI-LAKI", golongan_darah="B", alamat="Dk. Krikilan", rt="002", rw="001",
            kode_kecamatan=KECAMATAN, kode_desa=VILLAGE, agama="ISLAM", status_perkawinan="KAWIN",
            pekerjaan="PETANI/PEKEBUN",
        )  # fmt: skip
        residents.create(s, clerk, body, office.id)
        residents.set_image(s, clerk, nik, "photo", make_photo(seed=7601), site.settings)
        residents.set_image(s, clerk, nik, "signature", make_signature(seed=7601), site.settings)
    with unit_of_work(site.engine) as s:
        order = PrintJobCreate.model_validate({"nik": nik, "printer_id": printer_id, "reason": "baru"})
        job, _ = print_jobs.create(s, clerk, order, idempotency_key=None, settings=site.settings)
        job_id = str(job.uuid)
    credential = httpx.post(f"{site.url}/api/v1/agent/enroll", json={"code": code}, timeout=30).json()[
        "credential"
    ]
    headers = {"Authorization": f"Bearer {credential}"}
    offers = httpx.post(f"{site.url}/api/v1/agent/fetch-jobs", json={}, headers=headers, timeout=60).json()[
        "jobs"
    ]
    assert [o["job_id"] for o in offers] == [job_id]
    return job_id, headers, str(offers[0]["document_sha256"])


def test_a_village_clerk_follows_a_card_through_the_village_agent(desk: Any, site: Site) -> None:
    job_id, headers, sha = _village_with_an_agent(site)
    clerk = desk(VILLAGE_CLERK)
    page = clerk.page
    page.goto(f"{site.url}/jobs/{job_id}")
    part = page.get_by_test_id("job-agent")
    expect(part).to_contain_text("Sampai di agen")
    expect(page.get_by_test_id("agent-reported")).to_have_text("belum dilaporkan")

    # The agent falls silent: the page says since when (the centre cannot know more).
    with unit_of_work(site.engine) as s:
        s.exec(
            update(PrintAgent)
            .where(PrintAgent.name == "krikilan")
            .values(last_contact_at=utcnow() - timedelta(hours=3))
        )  # type: ignore[call-overload]
    page.reload()
    expect(page.get_by_test_id("agent-unreachable")).to_contain_text("tidak terjangkau sejak")

    # It comes back and reports the card printed: printed and reported times appear.
    api = f"{site.url}/api/v1/agent/jobs/{job_id}"
    assert (
        httpx.post(f"{api}/acknowledge", json={"attempt": 1}, headers=headers, timeout=60).status_code == 200
    )
    printed_at = (utcnow() - timedelta(minutes=1)).isoformat()
    r = httpx.post(
        f"{api}/status",
        json={"attempt": 1, "event": "printed", "printer_time": printed_at, "document_sha256": sha},
        headers=headers,
        timeout=60,
    )
    assert r.status_code == 200, r.text
    page.reload()
    expect(page.get_by_test_id("job-state")).to_have_text("Selesai")
    expect(page.get_by_test_id("agent-printed")).to_have_text(re.compile(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}"))
    expect(page.get_by_test_id("agent-reported")).to_have_text(re.compile(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}"))
    expect(page.get_by_test_id("agent-unreachable")).to_have_count(0)
    with unit_of_work(site.engine, writes=False) as s:
        assert s.exec(select(PrintJob.state).where(PrintJob.uuid == job_id)).one() == "completed"


def test_the_administrator_adds_revokes_and_re_enrolls_an_agent(desk: Any, site: Site) -> None:
    axe = _axe_source()
    admin = desk("admin")
    page = admin.page
    problems: list[str] = []

    # A village office from the offices page, shown under its kecamatan office.
    page.goto(f"{site.url}/admin/offices")
    page.fill("#f-code", "33.14.01.2006")
    page.locator("[data-primary]").click()
    row = page.locator('tr[data-office="33.14.01.2006"]')
    expect(row).to_contain_text("Desa (tempat pelayanan)")
    expect(row).to_contain_text("Kantor Kecamatan Kalijambe")

    page.goto(f"{site.url}/admin/agents")
    for problem in [_outside(page, "/admin/agents")]:
        if problem:
            problems.append(problem)
    page.fill("#f-name", "e2e-agent")
    page.select_option("#f-office", "33.14.01.2006")
    page.locator("[data-primary]").click()
    code = page.get_by_test_id("enrollment-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9-]{8,}", code), code
    expect(page.get_by_test_id("code-expiry")).to_contain_text("Berlaku sampai")
    problems += _describe("agent code page", _serious(page, axe))
    problem = _outside(page, "agent code page")
    if problem:
        problems.append(problem)
    admin.shot("40-agen-kode")

    page.locator("[data-primary]").click()  # back to the list: the code is not shown again
    row = page.locator('tr[data-agent="e2e-agent"]')
    expect(row).to_contain_text("menunggu pendaftaran")
    assert code not in page.content()

    credential = httpx.post(f"{site.url}/api/v1/agent/enroll", json={"code": code}, timeout=30).json()[
        "credential"
    ]
    agent_headers = {"Authorization": f"Bearer {credential}"}
    r = httpx.post(
        f"{site.url}/api/v1/agent/device-attributes",
        json={"version": "9.9.9", "queue_depth": 2, "printers": []},
        headers=agent_headers,
        timeout=60,
    )
    assert r.status_code == 200, r.text
    page.reload()
    expect(row.get_by_test_id("agent-contact")).to_contain_text("Terhubung")
    expect(row).to_contain_text("9.9.9")
    admin.shot("41-agen-daftar")

    # Revoke: asked first, refused on the agent's next request.
    row.get_by_role("link", name=re.compile("^Cabut")).click()
    expect(page.locator("h1")).to_have_text("Cabut agen e2e-agent?")
    problems += _describe("revoke confirmation", _serious(page, axe))
    problem = _outside(page, "revoke confirmation")
    if problem:
        problems.append(problem)
    page.locator("[data-primary]").click()
    expect(page.locator(".flash.ok")).to_contain_text("Agen e2e-agent dicabut.")
    fetch = httpx.post(f"{site.url}/api/v1/agent/fetch-jobs", json={}, headers=agent_headers, timeout=60)
    assert fetch.status_code == 401
    expect(page.locator('tr[data-agent="e2e-agent"]')).to_contain_text("Dicabut")

    # Re-enroll: asked first, then a new code, once.
    page.locator('tr[data-agent="e2e-agent"]').get_by_role("link", name=re.compile("^Daftar ulang")).click()
    expect(page.locator("h1")).to_have_text("Daftarkan ulang agen e2e-agent?")
    page.locator("[data-primary]").click()
    expect(page.locator("h1")).to_have_text("Kode pendaftaran baru")
    new_code = page.get_by_test_id("enrollment-code").inner_text().strip()
    assert new_code != code
    r = httpx.post(f"{site.url}/api/v1/agent/enroll", json={"code": new_code}, timeout=30)
    assert r.status_code == 200, r.text
    assert problems == [], "\n".join(problems)
