"""The console's side of the month-end papers: the signatories form (finance, administrator), the partner's
invoice number, the draft invoice download, and who may not."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.web.test_pages import _csrf, login
from tests.pdf_checks import assert_readable


def test_finance_records_a_signatory_and_the_partner_its_invoice_number(client: TestClient) -> None:
    login(client, "finance")
    page = client.get("/finance/signatories")
    assert page.status_code == 200 and "Penanda tangan dokumen" in page.text
    form = {"csrf_token": _csrf(client, "/finance/signatories"), "side": "regency", "name": "Drs. Sutrisno",
            "position": "Kepala Dinas", "institution": "Dinas Dukcapil Kabupaten Sragen",
            "nip": "12345", "effective_from": "01-01-2026"}  # fmt: skip
    bad = client.post("/finance/signatories", data=form)
    assert bad.status_code == 422 and 'data-field="nip"' in bad.text and "Isian tidak sah." in bad.text
    r = client.post("/finance/signatories", data=form | {"nip": "196801011990031001"}, follow_redirects=True)
    assert r.status_code == 200 and "Drs. Sutrisno" in r.text and "01-01-2026" in r.text
    assert client.get("/finance?month=2026-10").status_code == 200
    client.post("/logout", data={"csrf_token": _csrf(client, "/finance")})

    login(client, "partner.auditor")
    assert client.get("/finance/signatories", follow_redirects=False).status_code in (303, 403)
    page = client.get("/partner?month=2026-10")
    assert page.status_code == 200 and 'value="invoice.pdf"' in page.text  # an export with progress
    token = _csrf(client, "/partner?month=2026-10")
    r = client.post("/partner/2026-10/invoice-number", data={"csrf_token": token, "invoice_number": "INV/7"})
    assert r.status_code == 200 and "INV/7" in r.text
    invoice = client.get("/finance/2026-10/invoice.pdf")
    assert invoice.status_code == 200
    text = " ".join(assert_readable(invoice.content))
    assert "Nomor tagihan mitra : INV/7" in text and "SEMENTARA" in text and "RANCANGAN" in text
