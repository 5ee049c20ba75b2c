"""The smaller annoyances of issue 12 and closing a month, without a browser: closing asks for confirmation
and is offered only once the month is over (saying from when, in Indonesian); the menu says what it does; an
empty search offers to register the NIK; the NIK error says what the NIK encodes; a too small image says the
minimum in pixels."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from billing.models import Period
from billing.statement import closes_from
from tests.factories import make_nik, png_bytes, resident_payload
from tests.integration.web.test_pages import _csrf, _resident_form, follow_operation, login

JAKARTA = ZoneInfo("Asia/Jakarta")


def _months() -> tuple[str, str]:
    """This month and the one before, in Jakarta."""
    first = datetime.now(UTC).astimezone(JAKARTA).date().replace(day=1)
    return f"{first:%Y-%m}", f"{first - timedelta(days=1):%Y-%m}"


def test_the_running_month_is_not_offered_for_closing(client: TestClient) -> None:
    current, _ = _months()
    login(client, "finance")
    page = client.get(f"/finance?month={current}").text
    section = page[page.index('data-testid="close-section"') :]
    assert f"Dapat ditutup mulai {closes_from(current, JAKARTA)}." in section
    assert f'href="/finance/{current}/close"' not in page
    confirm = client.get(f"/finance/{current}/close").text
    assert f'name="confirm" value="{current}"' not in confirm  # no button on the confirmation page either


def test_closing_needs_the_confirmation_step(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    _, last = _months()
    login(client, "finance")
    page = client.get(f"/finance?month={last}").text
    assert f'href="/finance/{last}/close"' in page  # a link to the confirmation, not a form that closes
    token = _csrf(client, f"/finance?month={last}")

    # One click on an old page's form (no confirmation) closes nothing: it leads to the confirmation.
    r = client.post(f"/finance/{last}/close", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/finance/{last}/close"
    r = client.post(
        f"/finance/{last}/close", data={"csrf_token": token, "confirm": "2000-01"}, follow_redirects=False
    )
    assert r.headers["location"] == f"/finance/{last}/close"
    with Session(world.engine) as s:
        assert s.get(Period, last) is None or s.get(Period, last).status != "closed"  # type: ignore[union-attr]

    confirm = client.get(f"/finance/{last}/close").text
    assert re.search(r"<h1>Tutup bulan [A-Z][a-z]+ \d{4}\?</h1>", confirm)
    assert "Penutupan tidak dapat dibatalkan." in confirm
    button = re.search(r"Ya, tutup bulan ([A-Z][a-z]+ \d{4})", confirm)
    assert button
    r = follow_operation(
        client,
        client.post(
            f"/finance/{last}/close", data={"csrf_token": token, "confirm": last}, follow_redirects=False
        ),
    )
    assert r.status_code == 200 and f"Bulan {button.group(1)} ditutup" in r.text
    with Session(world.engine) as s:
        assert s.exec(select(Period.status).where(Period.month == last)).one() == "closed"
    # Closing again: refused in Indonesian, on the confirmation page.
    r = follow_operation(
        client,
        client.post(
            f"/finance/{last}/close", data={"csrf_token": token, "confirm": last}, follow_redirects=False
        ),
    )
    assert f"Bulan {last} sudah ditutup." in r.text and "already closed" not in r.text


def test_the_menu_and_an_empty_search_lead_to_registering(client: TestClient) -> None:
    login(client, "kalijambe.clerk")
    page = client.get("/residents").text
    assert '<a href="/residents/new">Daftarkan penduduk</a>' in page
    nik = make_nik("33.14.01", date(1990, 1, 2), female=False, serial=555)
    found = client.get("/residents", params={"q": nik}).text
    assert "Tidak ada penduduk yang cocok" in found
    assert re.search(rf'href="/residents/new\?nik={nik}"[^>]*>Daftarkan penduduk baru dengan NIK ini<', found)
    by_name = client.get("/residents", params={"q": "Tidak Ada"}).text
    assert ">Daftarkan penduduk baru<" in by_name


def test_the_nik_error_says_what_the_nik_encodes(client: TestClient) -> None:
    login(client, "kalijambe.clerk")
    token = _csrf(client, "/residents/new")
    nik = make_nik("33.14.01", date(1995, 3, 15), female=True, serial=4321)
    form = _resident_form(token, nik=nik, tanggal_lahir="16-03-1995", jenis_kelamin="PEREMPUAN")
    errors = client.post("/residents/check", data=form).json()["errors"]
    assert errors["nik"] == (
        "Tanggal lahir di NIK tidak sama dengan tanggal lahir yang diisi. NIK ini menyatakan lahir 15-03-1995, "
        "PEREMPUAN."
    )
    form = _resident_form(token, nik=nik, tanggal_lahir="15-03-1995", jenis_kelamin="LAKI-LAKI")
    errors = client.post("/residents/check", data=form).json()["errors"]
    assert errors["nik"].endswith("NIK ini menyatakan lahir 15-03-1995, PEREMPUAN.")
    client.post("/lang", data={"csrf_token": token, "lang": "en", "back": "/residents"})
    errors = client.post("/residents/check", data=form).json()["errors"]
    assert errors["nik"].endswith("This NIK encodes birth date 15-03-1995, PEREMPUAN.")


def test_a_too_small_image_says_the_minimum(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    body = resident_payload(serial=91)
    assert client.post("/api/v1/residents", json=body, headers=as_user("kalijambe.clerk")).status_code == 201
    login(client, "kalijambe.clerk")
    token = _csrf(client, f"/residents/{body['nik']}")
    r = client.post(
        f"/residents/{body['nik']}/images",
        data={"csrf_token": token, "kind": "photo"},
        files={"file": ("kecil.png", png_bytes(100, 120), "image/png")},
    )
    assert r.status_code == 422
    assert "Gambar terlalu kecil untuk dicetak: minimal 240x320 piksel." in r.text
