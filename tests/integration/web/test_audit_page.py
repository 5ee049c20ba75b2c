"""The audit page and a resident's access report (SQLite and PostgreSQL): who did what, filtered by person,
office, resident and day, a page at a time; supervisors see their office only; every read of a resident's
data, including lists and job pages, reaches the resident's report."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ktp_service.models import AuditEvent
from tests.conftest import World
from tests.factories import resident_payload
from tests.integration.web.test_pages import login

JAKARTA = ZoneInfo("Asia/Jakarta")
ROW = re.compile(r'<td data-action="([a-z_.]+)">')


def _actions(html: str) -> list[str]:
    return ROW.findall(html)


def _resident(client: TestClient, as_user, **kw: object) -> str:  # type: ignore[no-untyped-def]
    body = resident_payload(**kw)
    r = client.post("/api/v1/residents", json=body, headers=as_user("kalijambe.clerk"))
    assert r.status_code == 201, r.text
    return str(body["nik"])


def test_admin_filters_by_person_resident_and_day(client: TestClient, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    nik = _resident(client, as_user)
    other = _resident(client, as_user, kode_desa="33.14.01.2002")
    client.get(f"/api/v1/residents/{nik}", headers=as_user("kalijambe.clerk"))
    client.get(f"/api/v1/residents/{other}", headers=as_user("kalijambe.supervisor"))
    login(client, "admin")

    r = client.get("/audit", params={"user": "kalijambe.clerk"})
    assert r.status_code == 200
    acts = _actions(r.text)
    assert acts[:3] == ["resident.read", "resident.create", "resident.create"], acts
    assert "Membaca data penduduk" in r.text and "Petugas Kecamatan Kalijambe" in r.text  # words and names
    assert "33.14.01 · Kantor Kecamatan Kalijambe" in r.text

    r = client.get("/audit", params={"nik": other})
    assert _actions(r.text) == ["resident.read", "resident.create"]
    assert f"/audit/residents/{other}" in r.text  # the report is one click away

    today = datetime.now(JAKARTA).date()
    assert _actions(client.get("/audit", params={"day": today.strftime("%d-%m-%Y"), "nik": nik}).text)
    yesterday = (today - timedelta(days=1)).strftime("%d-%m-%Y")
    r = client.get("/audit", params={"day": yesterday, "nik": nik})
    assert _actions(r.text) == [] and "0 peristiwa" in r.text
    r = client.get("/audit", params={"day": "2026-13-01"})
    assert r.status_code == 422 and "dd-mm-yyyy" in r.text


def test_pages_of_fifty(client: TestClient, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    for _ in range(55):
        client.get("/api/v1/residents", params={"nama": "SITI"}, headers=as_user("kalijambe.clerk"))
    login(client, "admin")
    first = client.get("/audit", params={"user": "kalijambe.clerk"})
    assert len(_actions(first.text)) == 50 and "Halaman 1 dari 2" in first.text
    assert 'href="/audit?user=kalijambe.clerk&amp;p=2"' in first.text
    second = client.get("/audit", params={"user": "kalijambe.clerk", "p": 2})
    # 55 searches and the token's login (the API's auth.login), newest first across the two pages.
    assert (
        _actions(second.text) == ["resident.search"] * 5 + ["auth.login"]
        and "Halaman 2 dari 2" in second.text
    )


def test_a_supervisor_sees_their_office_only(client: TestClient, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/users",
        json={
            "username": "plupuh.supervisor",
            "password": "a-long-enough-password",
            "role": "supervisor",
            "office": "33.14.02",
        },
        headers=as_user("admin"),
    )
    assert r.status_code == 201, r.text
    nik = _resident(client, as_user)
    client.get(f"/api/v1/residents/{nik}", headers=as_user("kalijambe.clerk"))

    login(client, "kalijambe.supervisor")
    r = client.get("/audit")
    assert r.status_code == 200 and "resident.read" in _actions(r.text)
    assert "user.create" not in _actions(r.text)  # the administrator's, about a user of another office
    assert client.get(f"/audit/residents/{nik}").status_code == 200

    client.cookies.clear()
    # Plupuh's supervisor: nothing of Kalijambe's, and Kalijambe's residents look unknown.
    r = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/login",
        data={"csrf_token": token, "username": "plupuh.supervisor", "password": "a-long-enough-password"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.get("/audit")
    assert "resident.read" not in _actions(r.text) and "resident.create" not in _actions(r.text)
    r = client.get("/audit", params={"nik": nik})
    assert r.status_code == 422 and "Tidak ada penduduk dengan NIK ini" in r.text
    assert client.get(f"/audit/residents/{nik}").status_code == 404

    login(client, "kalijambe.clerk")
    assert client.get("/audit").status_code == 403


def test_the_resident_report_names_everyone_who_read_or_printed(
    client: TestClient, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.printing.conftest import add_resident

    nik = add_resident(client, as_user)
    other = add_resident(client, as_user, kode_desa="33.14.01.2002")
    printer = client.post(
        "/api/v1/printers",
        json={"name": "P1", "office": "33.14.01", "adapter": "simulator", "uri": "simulator://p1"},
        headers=as_user("admin"),
    ).json()["id"]
    clerk = as_user("kalijambe.clerk")
    job = client.post(
        "/api/v1/print-jobs", json={"nik": nik, "printer_id": printer, "reason": "baru"}, headers=clerk
    ).json()
    client.get("/api/v1/residents", params={"nama": "SITI"}, headers=as_user("kalijambe.supervisor"))
    # A job page and a list of jobs show name and NIK: both are reads, a job page's refreshes only once.
    for _ in range(3):
        r = client.get(f"/api/v1/print-jobs/{job['id']}", headers=as_user("kalijambe.supervisor"))
        assert r.status_code == 200
    r = client.post(
        "/api/v1/print-jobs", json={"nik": other, "printer_id": printer, "reason": "baru"}, headers=clerk
    )
    assert r.status_code == 201, r.text
    assert client.get("/api/v1/print-jobs", headers=clerk).json()["count"] == 2  # a list of two residents
    client.get(
        f"/api/v1/residents/{other}", headers=as_user("kpt.clerk")
    )  # another resident: not in the report

    login(client, "kalijambe.supervisor")
    r = client.get(f"/audit/residents/{nik}")
    assert r.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text))
    for words in (
        "Laporan akses data penduduk",
        "Mendaftarkan penduduk",
        "Mengunggah foto",
        "Meminta cetak kartu",
        "Mencari penduduk",
        "Melihat daftar cetak",
        "Membaca data penduduk",
        "Petugas Kecamatan Kalijambe",
        nik,
    ):
        assert words in text, words
    assert "Cetak laporan" in r.text and "@media print" not in r.text
    with Session(world.engine) as s:
        made = s.exec(select(AuditEvent).where(AuditEvent.action == "resident.audit_report")).one()
        assert made.username == "kalijambe.supervisor"
        job_reads = s.exec(
            select(AuditEvent).where(
                AuditEvent.action == "resident.read", AuditEvent.username == "kalijambe.supervisor"
            )
        ).all()
        assert len(job_reads) == 1 and job_reads[0].detail == {
            "via": "print_job"
        }  # three refreshes, one read
        other_reads = s.exec(
            select(AuditEvent).where(AuditEvent.action == "resident.read", AuditEvent.username == "kpt.clerk")
        ).all()
        assert len(other_reads) == 1
    assert "(kpt.clerk)" not in text  # who read only another resident is not in this one's report
