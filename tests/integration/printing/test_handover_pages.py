"""The console's side of issue 15: hand a card over (to a proxy), record a death, cards not collected, and
the IKM on the indicators page with its CSV and XLSX exports. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlmodel import Session, update

from ktp_service.models import Card, utcnow
from tests.integration.printing.conftest import CLERK, SUPERVISOR, Counter
from tests.integration.printing.test_handover import printed
from tests.integration.printing.test_survey import ALL_THREE
from tests.integration.web.test_pages import _csrf, login


def test_a_clerk_hands_a_card_to_a_proxy_and_prints_the_receipt(counter: Counter) -> None:
    job = printed(counter)
    login(counter.client, CLERK)
    assert 'href="/jobs/{}/handover"'.format(job["id"]) in counter.client.get(f"/jobs/{job['id']}").text
    path = f"/jobs/{job['id']}/handover"
    form = {"csrf_token": _csrf(counter.client, path), "recipient": "kuasa", "proxy_name": "Budi"}
    r = counter.client.post(path, data=form)
    assert r.status_code == 422 and "memerlukan nama, NIK (16 angka) dan hubungan" in r.text
    form |= {"proxy_nik": "3314010101800003", "proxy_relation": "suami"}
    r = counter.client.post(path, data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = counter.client.get(path).text
    assert "Kartu sudah diserahkan" in page and "BUDI (suami)" in page and "/s/" in page
    pdf = counter.client.get(path + "/receipt.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    again = counter.client.post(path, data=form)
    assert again.status_code == 409 and "sudah diserahkan" in again.text


def test_a_clerk_records_a_death_from_the_resident_page(counter: Counter) -> None:
    printed(counter)
    login(counter.client, CLERK)
    assert (
        f'href="/residents/{counter.nik}/departure"' in counter.client.get(f"/residents/{counter.nik}").text
    )
    path = f"/residents/{counter.nik}/departure"
    form = {"csrf_token": _csrf(counter.client, path), "kind": "meninggal", "document_number": "3314-KM-77"}
    assert counter.client.post(path, data=form | {"document_date": "31-02-2026"}).status_code == 422
    r = counter.client.post(path, data=form | {"document_date": "20-11-2026"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = counter.client.get(path).text
    assert "Meninggal dunia (akta kematian)" in page and "dinyatakan tidak berlaku" in page
    refused = counter.print_card("hilang")
    assert refused.json()["error"] == "resident_deceased"


def test_cards_waiting_too_long_are_listed(counter: Counter) -> None:
    job = printed(counter)
    with Session(counter.world.engine) as s:
        s.exec(update(Card).values(issued_at=utcnow() - timedelta(days=15)))
        s.commit()
    login(counter.client, CLERK)
    page = counter.client.get("/uncollected").text
    assert f'data-card="{job["card_serial"]}"' in page
    assert f'data-card="{job["card_serial"]}"' not in counter.client.get("/uncollected?days=16").text


def test_the_indicators_page_shows_the_ikm_and_exports_it(counter: Counter) -> None:
    # Two receipts of Kalijambe answered: all 3s, and all 4s but U8 skipped.
    paths = []
    for reason in ("baru", "rusak"):
        job = printed(counter, reason)
        r = counter.client.post(
            f"/api/v1/print-jobs/{job['id']}/handover",
            json={"old_card_destroyed": reason == "rusak"},
            headers=counter.as_user(CLERK),
        )
        assert r.status_code == 201, r.text
        paths.append(r.json()["survey_url"].removeprefix("http://testserver"))
    login(counter.client, SUPERVISOR)
    empty = counter.client.get("/indicators").text
    assert "belum ada jawaban" in empty
    counter.client.post(paths[0], data=ALL_THREE)
    counter.client.post(paths[1], data={f"u{i}": "4" for i in range(1, 10)} | {"u8": ""})
    # By hand: U1..U7, U9 = (3 + 4) / 2 = 3,5; U8 = 3 / 1 = 3; sum 8 x 3,5 + 3 = 31; IKM = 31/9 = 3,444;
    # converted 86,11 (B, Baik).
    page = counter.client.get("/indicators").text
    assert "86,11" in page and "B (Baik)" in page and "3,444" in page
    assert "2 jawaban dari 2 tanda terima" in page
    csv_r = counter.client.get("/indicators/ikm.csv")
    assert csv_r.status_code == 200 and csv_r.content.startswith(b"\xef\xbb\xbf")
    lines = csv_r.content.decode("utf-8-sig").splitlines()
    kalijambe = next(line for line in lines if line.startswith("33.14.01;"))
    assert kalijambe.split(";")[2:4] == ["2", "2"] and ";86,11;B;Baik;" in kalijambe
    book = load_workbook(io.BytesIO(counter.client.get("/indicators/ikm.xlsx").content))
    values = [list(row) for row in book["IKM"].iter_rows(values_only=True)]
    assert any(row[0] == "33.14.01" and row[14] == "86,11" and row[15] == "B" for row in values)
