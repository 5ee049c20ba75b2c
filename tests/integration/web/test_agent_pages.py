"""Print agents in the console (issue 14): the list with contact, version, queue, jobs held and printers as
last reported; adding one shows its one-time code once with its expiry; revoking and re-enrolling ask first;
a village service point on the offices page with its kecamatan office; the job page's agent part.
SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select, update

from ktp_service.models import AuditEvent, PrintAgent, utcnow
from tests.conftest import World
from tests.integration.printing.conftest import Counter, counter  # noqa: F401 (the fixture)
from tests.integration.printing.test_agents import agent_printer, enroll, order
from tests.integration.web.test_pages import _csrf, login

A = "/api/v1/agent"


def _code(html: str) -> str:
    found = re.search(r'data-testid="enrollment-code">([^<]+)<', html)
    assert found, html
    return found.group(1).strip()


def test_admin_adds_lists_revokes_and_re_enrolls_an_agent(client: TestClient, world: World) -> None:
    login(client, "admin")
    page = client.get("/admin/agents")
    assert page.status_code == 200 and "Belum ada agen cetak." in page.text
    assert "33.14.01 · Kantor Kecamatan Kalijambe" in page.text  # names beside codes in the office list

    bad = client.post(
        "/admin/agents",
        data={"name": "bad name!", "office": "33.14.01", "csrf_token": _csrf(client, "/admin/agents")},
    )
    assert bad.status_code == 422 and "Nama diawali huruf atau angka" in bad.text

    added = client.post(
        "/admin/agents",
        data={"name": "kalijambe", "office": "33.14.01", "csrf_token": _csrf(client, "/admin/agents")},
    )
    assert added.status_code == 200, added.text
    code = _code(added.text)
    assert "Berlaku sampai" in added.text and "ditampilkan sekali ini saja" in added.text
    assert f"ktp agent enroll --server http://testserver --code {code}" in added.text
    taken = client.post(
        "/admin/agents",
        data={"name": "kalijambe", "office": "33.14.01", "csrf_token": _csrf(client, "/admin/agents")},
    )
    assert taken.status_code == 409 and "sudah memiliki agen cetak bernama kalijambe" in taken.text

    listing = client.get("/admin/agents").text
    assert code not in listing  # shown once only
    assert "menunggu pendaftaran" in listing and "Kode berlaku sampai" in listing

    creds = enroll(client, code)
    r = client.post(
        f"{A}/device-attributes", json={"version": "1.2.3", "queue_depth": 4, "printers": []}, headers=creds
    )
    assert r.status_code == 200, r.text
    listing = client.get("/admin/agents").text
    assert "Terhubung" in listing and "1.2.3" in listing and "1.2.3</span> · 4<" in listing

    with Session(world.engine) as s:
        agent = s.exec(select(PrintAgent)).one()
        agent_id = agent.id
        s.exec(update(PrintAgent).values(last_contact_at=utcnow() - timedelta(hours=2)))  # type: ignore[call-overload]
        s.commit()
    assert "Tidak terjangkau sejak" in client.get("/admin/agents").text

    # Revoking asks first; the confirmation page's button does it.
    ask = client.get(f"/admin/agents/{agent_id}/revoke")
    assert ask.status_code == 200 and "Cabut agen kalijambe?" in ask.text
    token = _csrf(client, f"/admin/agents/{agent_id}/revoke")
    unconfirmed = client.post(
        f"/admin/agents/{agent_id}/revoke", data={"csrf_token": token}, follow_redirects=False
    )
    assert unconfirmed.status_code == 303 and unconfirmed.headers["location"].endswith("/revoke")
    assert client.post(f"{A}/fetch-jobs", json={}, headers=creds).status_code == 200  # not revoked yet
    done = client.post(
        f"/admin/agents/{agent_id}/revoke", data={"csrf_token": token, "confirm": str(agent_id)}
    )
    assert done.status_code == 200 and "Agen kalijambe dicabut." in done.text
    assert client.post(f"{A}/fetch-jobs", json={}, headers=creds).status_code == 401

    ask = client.get(f"/admin/agents/{agent_id}/re-enroll")
    assert "Daftarkan ulang agen kalijambe?" in ask.text
    token = _csrf(client, f"/admin/agents/{agent_id}/re-enroll")
    again = client.post(
        f"/admin/agents/{agent_id}/re-enroll", data={"csrf_token": token, "confirm": str(agent_id)}
    )
    assert again.status_code == 200 and "Kode pendaftaran baru" in again.text
    enroll(client, _code(again.text))
    assert client.get("/admin/agents/99999/revoke").status_code == 404
    with Session(world.engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.entity == "print_agent"))]
    assert actions == ["agent.create", "agent.enroll", "agent.revoke", "agent.re_enroll", "agent.enroll"]

    login(client, "kalijambe.clerk")
    assert client.get("/admin/agents").status_code == 403


def test_offices_page_adds_a_village_under_its_kecamatan(client: TestClient) -> None:
    login(client, "admin")
    r = client.post(
        "/admin/offices",
        data={"code": "33.14.01.2001", "name": "", "csrf_token": _csrf(client, "/admin/offices")},
    )
    assert r.status_code == 200 and "Kantor 33.14.01.2001 ditambahkan." in r.text
    row = re.search(r'<tr data-office="33.14.01.2001">.*?</tr>', r.text, flags=re.S)
    assert row and "Kantor Desa Keden" in row.group(0) and "Desa (tempat pelayanan)" in row.group(0)
    assert "33.14.01</span> Kantor Kecamatan Kalijambe" in row.group(0)
    r = client.post(
        "/admin/offices",
        data={"code": "33.13.01.2001", "name": "", "csrf_token": _csrf(client, "/admin/offices")},
    )
    assert r.status_code == 404 and "Daftarkan dulu kantor kecamatan 33.13.01 (Jatipuro)" in r.text


def test_the_job_page_shows_the_agent_part(counter: Counter) -> None:  # noqa: F811 (the fixture)
    c = counter.client
    r = c.post(
        "/api/v1/agents", json={"name": "kalijambe", "office": "33.14.01"}, headers=counter.as_user("admin")
    )
    creds = enroll(c, r.json()["enrollment_code"])
    printer_id = agent_printer(c, counter.as_user, int(r.json()["id"]))
    job_id = order(counter, printer_id)
    fetched = c.post(f"{A}/fetch-jobs", json={}, headers=creds)
    assert [j["job_id"] for j in fetched.json()["jobs"]] == [job_id]
    login(c, "kalijambe.clerk")
    page = c.get(f"/jobs/{job_id}").text
    assert 'data-testid="job-agent"' in page and "Sampai di agen" in page and "belum dilaporkan" in page
    with Session(counter.world.engine) as s:
        s.exec(update(PrintAgent).values(last_contact_at=utcnow() - timedelta(hours=1)))  # type: ignore[call-overload]
        s.commit()
    page = c.get(f"/jobs/{job_id}/panel").text
    assert "Agen kalijambe tidak terjangkau sejak" in page
