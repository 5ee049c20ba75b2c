"""The console's money received page (finance) and the partner's count (partner's auditor), through the
TestClient: a rupiah input that says what it understood, offices by name, today's date by default, a
duplicate payment reference refused next to the field, reversal with a reason. SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.integration.web.test_pages import _csrf, login

TODAY = datetime.now(ZoneInfo("Asia/Jakarta")).date()
MONTH = f"{TODAY:%Y-%m}"
PAGE = f"/finance/{MONTH}/money"


def _entry(client: TestClient, **fields: str) -> object:
    form = {"office_code": "33.14.01", "day": f"{TODAY:%d-%m-%Y}", "amount": "", "reference": ""} | fields
    r = client.post(PAGE, data=form | {"csrf_token": _csrf(client, PAGE)}, follow_redirects=False)
    if r.status_code == 303 and r.headers["location"].startswith("/shown?kept="):
        return client.get(r.headers["location"])  # a refused form is shown by a GET (post/redirect/get)
    return r


def _field_error(page: str, name: str) -> str:
    match = re.search(rf'<p class="error" id="e-{name}"[^>]*>([^<]*)</p>', page)
    assert match, f"no error paragraph for {name}"
    return html.unescape(match.group(1))


def test_finance_records_money_and_the_page_says_what_it_understood(client: TestClient) -> None:
    login(client, "finance")
    page = client.get(PAGE)
    assert page.status_code == 200
    # today in the regency's zone by default; offices chosen from a list by name, code beside it
    assert re.search(rf'id="f-day" name="day" type="text" value="{TODAY:%d-%m-%Y}"', page.text)
    assert '<option value="33.14.01">Kantor Kecamatan Kalijambe (33.14.01)</option>' in page.text
    assert 'name="office_code" required' in page.text and "<select" in page.text

    r = _entry(client, amount="Rp 30.000", reference="STS-W1")
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    page = client.get(PAGE).text
    assert "Dicatat: Rp 30.000 (tiga puluh ribu rupiah)." in page
    row = re.search(r'<tr data-entry="1"[^>]*>(.*?)</tr>', page, re.S)
    assert row and "STS-W1" in row.group(1) and "Rp 30.000" in row.group(1) and "finance" in row.group(1)
    assert "Kalijambe" in row.group(1) and "33.14.01" in row.group(1)

    for typed, message in (
        ("30,5", "Rupiah ditulis utuh tanpa sen"),
        ("-30000", "Jumlah tidak boleh negatif."),
        ("", "Isi jumlah rupiah."),
        ("3.00", "Tulis jumlah seperti 30000, 30.000 atau Rp 30.000."),
    ):
        r = _entry(client, amount=typed, reference="STS-W2")
        assert r.status_code == 422  # type: ignore[attr-defined]
        assert _field_error(r.text, "amount").startswith(message)  # type: ignore[attr-defined]

    # the same slip again (as typed by someone else): refused next to the reference, naming the entry
    r = _entry(client, amount="30000", reference=" sts-w1 ", office_code="33.14.02")
    assert r.status_code == 422  # type: ignore[attr-defined]
    said = _field_error(r.text, "reference")  # type: ignore[attr-defined]
    assert said.startswith(
        f"Referensi pembayaran STS-W1 sudah dicatat pada entri #1 (33.14.01, {TODAY:%d-%m-%Y}, Rp 30.000, oleh finance)."
    )
    # what was typed stays in the form, the office chosen included
    assert 'id="f-reference" name="reference" type="text" value="sts-w1"' in r.text  # type: ignore[attr-defined]
    assert '<option value="33.14.02" selected>' in r.text  # type: ignore[attr-defined]
    # an office that is not ours
    r = _entry(client, amount="1000", office_code="33.99.99")
    assert _field_error(r.text, "office_code") == "Kantor 33.99.99 tidak terdaftar di layanan ini."  # type: ignore[attr-defined]


def test_finance_reverses_an_entry_with_a_reason(client: TestClient) -> None:
    login(client, "finance")
    _entry(client, amount="30.000", reference="STS-R1")
    token = _csrf(client, PAGE)
    r = client.post(f"{PAGE}/1/reverse", data={"csrf_token": token, "reason": ""})
    assert r.status_code == 422 and "Tulis alasan pembatalan" in r.text
    r = client.post(
        f"{PAGE}/1/reverse", data={"csrf_token": token, "reason": "salah kantor"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    page = client.get(PAGE).text
    assert "Entri #1 (Rp 30.000) dibatalkan dengan entri pembalik." in page
    original = re.search(r'<tr data-entry="1"[^>]*>(.*?)</tr>', page, re.S)
    reversal = re.search(r'<tr data-entry="2"[^>]*>(.*?)</tr>', page, re.S)
    assert (
        original and "Dibatalkan oleh entri #2" in original.group(1) and "/reverse" not in original.group(1)
    )
    assert reversal and "Pembatalan entri #1" in reversal.group(1) and "salah kantor" in reversal.group(1)
    assert "-Rp 30.000" in reversal.group(1) and "/reverse" not in reversal.group(1)
    assert re.search(r'data-testid="money-total">Rp 0</strong>', page)
    # a reversal of the reversal, asked for directly, is refused with the reason
    r = client.post(f"{PAGE}/2/reverse", data={"csrf_token": _csrf(client, PAGE), "reason": "batal"})
    assert r.status_code == 409 and "tidak dapat dibatalkan lagi" in r.text
    # in English too
    client.post("/lang", data={"csrf_token": _csrf(client, PAGE), "lang": "en", "back": PAGE})
    r = client.post(f"{PAGE}/2/reverse", data={"csrf_token": _csrf(client, PAGE), "reason": "undo"})
    assert "is the reversal of entry #1 and cannot itself be reversed" in r.text
    r = _entry(client, amount="30,5", reference="STS-R2")
    assert _field_error(r.text, "amount").startswith("Rupiah are whole, without cents")  # type: ignore[attr-defined]


def test_only_finance_has_the_money_page(client: TestClient) -> None:
    for username in ("partner.auditor", "admin", "kalijambe.clerk"):
        login(client, username)
        assert client.get(PAGE).status_code == 403


def test_the_partner_enters_its_count_on_its_page(client: TestClient) -> None:
    login(client, "partner.auditor")
    page = client.get(f"/partner?month={MONTH}").text
    assert "Belum ada hitungan untuk bulan ini." in page and 'id="f-cards"' in page
    token = _csrf(client, f"/partner?month={MONTH}")
    r = client.post(f"/partner/{MONTH}/count", data={"csrf_token": token, "cards": "lima"})
    assert r.status_code == 422 and _field_error(r.text, "cards") == "Isi dengan angka."
    for cards in ("12", "1.250"):
        r = client.post(
            f"/partner/{MONTH}/count",
            data={"csrf_token": token, "cards": cards, "note": "gudang"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
    page = client.get(f"/partner?month={MONTH}").text
    assert "Hitungan mitra disimpan: 1.250 kartu." in page
    history = re.search(r'data-testid="partner-count-history">(.*?)</table>', page, re.S)
    assert history and re.findall(r'<td class="num">([0-9.]+)</td>', history.group(1)) == ["1.250", "12"]
    # finance sees it in the reconciliation, and cannot enter it
    login(client, "finance")
    rec = client.get(f"/finance/{MONTH}/reconciliation").text
    assert "1.250 kartu, dicatat oleh partner.auditor (perubahan ke-2)." in rec
    assert 'data-item="partner_count"' in rec
    r = client.post(f"/partner/{MONTH}/count", data={"csrf_token": _csrf(client, "/finance"), "cards": "1"})
    assert r.status_code == 403
