"""The alerts page and the menu's badge (issue 15, part 4), SQLite and PostgreSQL: administrators and
supervisors see the count of alerts not acknowledged (supervisors their own office's only); acknowledging
from the page is audited; users' e-mail and an office's threshold are edited where users and offices are."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ktp_service.models import Alert, AuditEvent, Office, User
from ktp_service.services import alerts
from tests.conftest import World
from tests.integration.web.test_pages import _csrf, login

BADGE = re.compile(r'data-alert-count="(\d+)"')


def raise_alerts(world: World) -> dict[str, int]:
    """A low-stock alert at Kalijambe and one at the regency office, raised directly."""
    ids = {}
    with Session(world.engine) as s:
        for code in ("33.14.01", "33.14"):
            office = s.exec(select(Office).where(Office.code == code)).one()
            assert office.id is not None
            alert = Alert(
                kind=alerts.STOCK_LOW,
                office_id=office.id,
                subject=f"office:{code}",
                subject_name=office.name,
                detail={"balance": 3, "threshold": 50},
            )
            s.add(alert)
            s.flush()
            ids[code] = alert.id or 0
        s.commit()
    return ids


def badge(client: TestClient, path: str = "/residents") -> int:
    match = BADGE.search(client.get(path).text)
    return int(match.group(1)) if match else 0


def test_the_badge_counts_alerts_by_role_and_office(client: TestClient, world: World) -> None:
    raise_alerts(world)
    login(client, "admin")
    assert badge(client, "/admin/users") == 2
    login(client, "kalijambe.supervisor")
    assert badge(client) == 1
    page = client.get("/alerts")
    assert page.status_code == 200
    assert "Stok blanko menipis" in page.text and "stock_low" in page.text
    assert "33.14.01</span> · Kantor Kecamatan Kalijambe" in page.text
    assert "tinggal 3 blanko kartu" in page.text and "Kirim blanko dari kantor kabupaten" in page.text
    assert 'data-alert="' in page.text and "33.14 ·" not in page.text  # not the regency office's
    login(client, "kalijambe.clerk")
    assert badge(client) == 0
    assert client.get("/alerts").status_code == 403


def test_acknowledging_from_the_page_is_audited(client: TestClient, world: World) -> None:
    ids = raise_alerts(world)
    login(client, "kalijambe.supervisor")
    token = _csrf(client, "/alerts")
    # Another office's alert is not this supervisor's to acknowledge.
    other = client.post(f"/alerts/{ids['33.14']}/acknowledge", data={"csrf_token": token, "note": "x"})
    assert other.status_code == 404
    r = client.post(
        f"/alerts/{ids['33.14.01']}/acknowledge",
        data={"csrf_token": token, "note": "Minta kiriman dari KPT", "show": "all"},
    )
    assert r.status_code == 200 and "Peringatan ditanggapi." in r.text
    assert "Ditanggapi kalijambe.supervisor" in r.text and "Minta kiriman dari KPT" in r.text
    assert badge(client) == 0
    again = client.post(f"/alerts/{ids['33.14.01']}/acknowledge", data={"csrf_token": token, "note": ""})
    assert again.status_code == 409 and "sudah ditanggapi" in again.text
    with Session(world.engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "alert.acknowledge")).one()
    assert event.username == "kalijambe.supervisor" and event.entity_id == str(ids["33.14.01"])
    login(client, "admin")
    assert badge(client, "/admin/users") == 1
    assert "Menanggapi peringatan" in client.get("/audit").text


def test_email_and_threshold_are_edited_on_the_users_and_offices_pages(
    client: TestClient, world: World
) -> None:
    login(client, "admin")
    token = _csrf(client, "/admin/users")
    spv = world.users["kalijambe.supervisor"].id
    bad = client.post(f"/admin/users/{spv}/email", data={"csrf_token": token, "email": "bukan-alamat"})
    assert bad.status_code == 422 and "Bukan alamat e-mail" in bad.text
    ok = client.post(f"/admin/users/{spv}/email", data={"csrf_token": token, "email": "spv@sragenkab.go.id"})
    assert ok.status_code == 200 and 'value="spv@sragenkab.go.id"' in ok.text
    with Session(world.engine) as s:
        assert s.get(User, spv).email == "spv@sragenkab.go.id"  # type: ignore[union-attr]

    token = _csrf(client, "/admin/offices")
    bad = client.post(
        "/admin/offices/33.14.01/low-stock-threshold", data={"csrf_token": token, "threshold": "-4"}
    )
    assert bad.status_code == 422
    ok = client.post(
        "/admin/offices/33.14.01/low-stock-threshold", data={"csrf_token": token, "threshold": "80"}
    )
    assert ok.status_code == 200 and "Batas stok kantor 33.14.01 disimpan." in ok.text
    with Session(world.engine) as s:
        office = s.exec(select(Office).where(Office.code == "33.14.01")).one()
    assert office.low_stock_threshold == 80


def test_every_kind_shows_its_words_and_a_way_to_its_page(client: TestClient, world: World) -> None:
    details = {
        alerts.PRINTER_DOWN: ("printer:7", "Evolis-7", {"state": "stopped", "reasons": ["media-jam-error"]}),
        alerts.AGENT_DOWN: ("agent:3", "agen-1", {"last_contact": None}),
        alerts.APPROVAL_WAITING: ("job:0f0e", "0f0e", {"reason": "hilang", "job": "0f0e"}),
        alerts.UNCOLLECTED: ("office:33.14.01", "Kalijambe", {"count": 4, "days": 14, "oldest_days": 20}),
    }
    with Session(world.engine) as s:
        office = s.exec(select(Office).where(Office.code == "33.14.01")).one()
        for kind, (subject, name, detail) in details.items():
            s.add(
                Alert(kind=kind, office_id=office.id or 0, subject=subject, subject_name=name, detail=detail)
            )
        s.commit()
    login(client, "kalijambe.supervisor")
    page = client.get("/alerts").text
    for words in (
        "Printer mati",
        "status stopped: media-jam-error",
        'href="/printers/7"',
        "Agen cetak agen-1",
        "Menunggu persetujuan terlalu lama",
        'href="/jobs/0f0e"',
        "4 kartu di 33.14.01 · Kantor Kecamatan Kalijambe belum diambil lebih dari 14 hari",
        'href="/uncollected"',
    ):
        assert words in page, words
    login(client, "admin")
    page = client.get("/alerts?show=open&office=33.14.01").text
    assert 'href="/jobs/0f0e"' not in page and 'href="/printers/7"' in page
