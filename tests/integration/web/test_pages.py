"""The console's guards, without a browser: session cookie, CSRF on every form, the API's roles and office
scope, and no open redirect after login. Runs on SQLite and PostgreSQL like the API tests."""

from __future__ import annotations

import re
import threading

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, func, select

from ktp_service.models import LoginFailure, Resident
from tests.conftest import PASSWORD, World
from tests.factories import resident_payload

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(client: TestClient, path: str = "/login") -> str:
    match = CSRF.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, username: str, next_: str = "") -> str:
    r = client.post(
        "/login",
        data={"csrf_token": _csrf(client), "username": username, "password": PASSWORD, "next": next_},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def follow_operation(client: TestClient, started: Response) -> Response:
    """A long operation the page started (closing a month): wait, through its JSON progress, until it has
    ended, then load its page as the browser would (which goes on to the result). Returns that answer."""
    assert started.status_code == 303, started.text
    view = str(started.headers["location"])
    match = re.fullmatch(r"/operations/([0-9a-f-]{36})/view", view)
    if match is None:  # refused before anything started
        return client.get(view)
    pause = threading.Event()
    for _ in range(1200):  # up to a minute, asking every 50 ms
        state = client.get(f"/operations/{match.group(1)}").json()
        if state["state"] != "running":
            break
        pause.wait(0.05)
    assert state["state"] != "running", state
    return client.get(state["next"])


def _resident_form(token: str, **overrides: str) -> dict[str, str]:
    body = resident_payload(serial=77)
    y, m, d = body["tanggal_lahir"].split("-")
    form = {k: str(v) for k, v in body.items()}
    form["tanggal_lahir"] = f"{d}-{m}-{y}"
    form["csrf_token"] = token
    form.update(overrides)
    return form


def _residents(world: World) -> int:
    with Session(world.engine) as s:
        return int(s.exec(select(func.count()).select_from(Resident)).one())


def test_pages_need_a_session(client: TestClient) -> None:
    r = client.get("/jobs?state=pending", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/jobs%3Fstate%3Dpending"


def test_a_forged_or_missing_csrf_token_is_refused_and_nothing_is_saved(
    client: TestClient, world: World
) -> None:
    login(client, "kalijambe.clerk")
    token = _csrf(client, "/residents/new")
    for bad in ({"csrf_token": "forged"}, {"csrf_token": ""}):
        r = client.post("/residents/new", data=_resident_form(token) | bad)
        assert r.status_code == 403
        assert "kedaluwarsa" in r.text
    assert _residents(world) == 0
    r = client.post("/residents/new", data=_resident_form(token), follow_redirects=False)
    assert r.status_code == 303, r.text
    assert _residents(world) == 1


def test_the_token_changes_at_login(client: TestClient) -> None:
    before = _csrf(client)
    login(client, "kalijambe.clerk")
    assert _csrf(client, "/residents") != before


def test_a_tampered_cookie_is_an_anonymous_visitor(client: TestClient) -> None:
    login(client, "admin")
    cookie = client.cookies.get("ktp_console")
    assert cookie
    client.cookies.clear()
    client.cookies.set("ktp_console", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
    r = client.get("/admin/users", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        ("kalijambe.clerk", "/admin/users", 403),
        ("kalijambe.clerk", "/supervisor", 403),
        ("kalijambe.clerk", "/indicators", 403),
        ("finance", "/residents/new", 403),
        ("finance", "/jobs", 403),
        ("partner.auditor", "/residents", 403),
        ("kalijambe.supervisor", "/supervisor", 200),
        ("finance", "/indicators", 200),
        ("admin", "/admin/offices", 200),
    ],
)
def test_pages_admit_the_api_roles(client: TestClient, username: str, path: str, status: int) -> None:
    login(client, username)
    assert client.get(path).status_code == status


def test_a_clerk_cannot_open_a_resident_of_another_kecamatan(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    body = resident_payload("33.14.02.2001", serial=12)  # Plupuh, not Kalijambe
    r = client.post("/api/v1/residents", json=body, headers=as_user("kpt.clerk"))
    assert r.status_code == 201, r.text
    login(client, "kalijambe.clerk")
    r = client.get(f"/residents/{body['nik']}")
    assert r.status_code == 404  # like an unknown NIK: no hint of where the resident lives
    assert "33.14.02" not in r.text


def test_field_errors_are_shown_next_to_the_field_in_indonesian(client: TestClient, world: World) -> None:
    login(client, "kalijambe.clerk")
    token = _csrf(client, "/residents/new")
    r = client.post("/residents/new", data=_resident_form(token, kode_desa="33.14.02.2001", rt="0"))
    assert r.status_code == 422
    html = r.text
    assert (
        re.search(r'id="e-kode_desa"[^>]*>Kelurahan/desa ini tidak termasuk', html) is None
    )  # pydantic first
    assert re.search(r'id="e-rt"[^>]*>Isi angka 001 sampai 999.', html)
    r = client.post("/residents/new", data=_resident_form(token, kode_desa="33.14.02.2001"))
    assert re.search(
        r'id="e-kode_desa"[^>]*>Kelurahan/desa ini tidak termasuk kecamatan yang dipilih.', r.text
    )
    assert _residents(world) == 0


def test_login_never_redirects_off_site_and_failures_are_counted(client: TestClient, world: World) -> None:
    assert login(client, "kalijambe.clerk", next_="//evil.example/x") == "/residents"
    assert login(client, "kalijambe.clerk", next_="/jobs") == "/jobs"
    r = client.post("/login", data={"csrf_token": _csrf(client), "username": "admin", "password": "wrong"})
    assert r.status_code == 401 and "salah" in r.text
    with Session(world.engine) as s:
        assert s.exec(select(func.count()).select_from(LoginFailure)).one() == 1


def test_english_is_a_switch_away(client: TestClient) -> None:
    login(client, "kalijambe.clerk")
    r = client.post(
        "/lang", data={"csrf_token": _csrf(client, "/residents"), "lang": "en", "back": "/residents"}
    )
    assert r.status_code == 200 and "Find a resident" in r.text


def test_search_ignores_control_characters(client: TestClient) -> None:
    """A NUL byte typed or pasted into the search box never reaches the database (PostgreSQL refuses it)."""
    login(client, "kalijambe.clerk")
    r = client.get("/residents", params={"q": "SITI\x00"})
    assert r.status_code == 200
    assert "Tidak ada penduduk yang cocok" in r.text


def test_printer_refresh_never_redirects_off_site(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/printers",
        json={"name": "P9", "office": "33.14.01", "adapter": "simulator", "uri": "simulator://p9"},
        headers=as_user("admin"),
    )
    printer_id = r.json()["id"]
    login(client, "kalijambe.supervisor")
    for back, expected in (
        ("//evil.example/x", "/printers"),
        ("/\\evil.example", "/printers"),
        ("/stock", "/stock"),
    ):
        r = client.post(
            f"/printers/{printer_id}/status",
            data={"csrf_token": _csrf(client, "/printers"), "back": back},
            follow_redirects=False,
        )
        assert r.status_code in (302, 303), r.text
        assert r.headers["location"] == expected


def test_finance_ends_a_contract_version_from_the_console(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.printing.test_month_end import CONTRACT

    r = client.post("/api/v1/billing/contracts", json=CONTRACT, headers=as_user("finance"))
    version_id = r.json()["id"]
    login(client, "finance")
    token = _csrf(client, "/contracts")
    r = client.post(
        f"/contracts/{version_id}/end", data={"csrf_token": token, "effective_to": "bukan tanggal"}
    )
    assert r.status_code == 422
    r = client.post(f"/contracts/{version_id}/end", data={"csrf_token": token, "effective_to": "30-06-2026"})
    assert r.status_code in (200, 303), r.text
    versions = client.get("/api/v1/billing/contracts", headers=as_user("finance")).json()
    assert versions[0]["effective_to"] == "2026-06-30"


def test_service_errors_lead_in_the_page_language(client: TestClient) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    month = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")
    login(client, "finance")
    form = {"csrf_token": _csrf(client, "/finance"), "confirm": month}
    r = follow_operation(client, client.post(f"/finance/{month}/close", data=form, follow_redirects=False))
    assert f"Bulan {month} belum selesai; dapat ditutup mulai" in r.text  # the current month is not over
    assert "is not over until" not in r.text  # no English detail behind the Indonesian
