"""A month end to end from the API and the CLI: prints -> postings -> statement -> reconciliation -> close
-> signed bundle verified offline, with access as finance, the partner's auditor and a clerk."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, update
from typer.testing import CliRunner

from billing.bundle import STATEMENT
from ktp_service.cli import app as cli
from ktp_service.models import CardPrintedEvent
from tests.integration.printing.conftest import CLERK, Counter, add_resident

MONTH = "2026-10"  # a month that is over, so it can be closed
CONTRACT: dict[str, Any] = {
    "number": "027/PKS/2026",
    "partner_name": "PT Kartu Nusantara",
    "effective_from": "2026-01-01",
    "effective_to": None,
    "fees": {
        "baru": {"amount": 10001, "payer": "citizen"},
        "hilang": {"amount": 10001, "payer": "citizen"},
        "rusak": {"amount": 10001, "payer": "citizen"},
        "perubahan_data": {"amount": 10001, "payer": "citizen"},
        "perpanjangan": {"amount": 0, "payer": "citizen"},
    },
    "partner_share": {"type": "percent", "basis_points": 3500},
    "rounding": "per_card",
    "pph23_basis_points": 200,
}


def _print_cards(counter: Counter, n: int) -> None:
    niks = [counter.nik] + [
        add_resident(counter.client, counter.as_user, serial=6000 + i) for i in range(n - 1)
    ]
    for nik in niks:
        r = counter.client.post(
            "/api/v1/print-jobs",
            json={"nik": nik, "printer_id": counter.printer_id, "reason": "baru"},
            headers=counter.as_user(CLERK),
        )
        assert r.status_code == 201, r.text
        counter.worker.run_once()
    # these cards were printed last month (test data dated in the past, before billing sees them)
    with Session(counter.world.engine) as s:
        s.exec(update(CardPrintedEvent).values(completed_at=datetime(2026, 10, 31, 16, 59, tzinfo=UTC)))
        s.commit()


def test_month_end_from_prints_to_verified_bundle(counter: Counter, tmp_path: Path) -> None:
    finance, auditor = counter.as_user("finance"), counter.as_user("partner.auditor")
    c = counter.client
    _print_cards(counter, 3)  # no contract yet: billing refuses to price them and they wait in the outbox
    r = c.post("/api/v1/billing/contracts", json=CONTRACT, headers=finance)
    assert r.status_code == 201, r.text

    # closing is refused while printed cards wait to be posted
    r = c.post(f"/api/v1/billing/periods/{MONTH}/close", headers=finance)
    assert r.status_code == 409 and r.json()["error"] == "cards_not_posted"
    assert r.json()["message"].startswith(f"3 kartu tercetak sampai bulan {MONTH} belum dibukukan")
    assert c.post("/api/v1/billing/post-pending", headers=finance).json() == {"posted": 3}

    st = c.get(f"/api/v1/billing/periods/{MONTH}/statement", headers=auditor).json()
    assert st["status"] == "open" and st["cards_billed"] == 3
    assert st["gross_amount"] == 30003
    assert st["partner_share"] == 3 * 3500 and st["regency_share"] == 30003 - 10500  # per-card rounding
    assert st["partner_share"] + st["regency_share"] == st["gross_amount"]
    assert [o["key"] for o in st["by_office"]] == ["33.14.01"]

    entries = c.get(f"/api/v1/billing/periods/{MONTH}/entries", headers=auditor).json()
    assert entries and all(counter.nik not in str(row) for row in entries)  # masked for the partner

    rec = c.get(f"/api/v1/billing/periods/{MONTH}/reconciliation", headers=finance).json()
    assert rec["status"] == "provisional" and rec["money_expected"] == 30003
    c.post(
        f"/api/v1/billing/periods/{MONTH}/money-received",
        json={"office_code": "33.14.01", "day": "2026-10-31", "amount": 30003, "reference": "STS-0091"},
        headers=finance,
    )

    r = c.post(f"/api/v1/billing/periods/{MONTH}/close", headers=finance)
    assert r.status_code == 200, r.text
    assert r.json()["statement"]["status"] == "closed"
    assert c.post(f"/api/v1/billing/periods/{MONTH}/close", headers=finance).status_code == 409

    bundle = c.get(f"/api/v1/billing/periods/{MONTH}/bundle", headers=auditor)
    assert bundle.status_code == 200 and zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    key = c.get("/api/v1/billing/public-key").text
    (tmp_path / "b.zip").write_bytes(bundle.content)
    (tmp_path / "key.pem").write_text(key)
    result = CliRunner().invoke(
        cli,
        ["billing", "verify-statement", str(tmp_path / "b.zip"), "--public-key", str(tmp_path / "key.pem")],
    )
    assert result.exit_code == 0, result.output
    # a statement edited after signing is caught, offline
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == STATEMENT:
                data = data.replace(b'"cards_billed":3', b'"cards_billed":4')
                assert b'"cards_billed":4' in data
            dst.writestr(name, data)
    result = CliRunner().invoke(
        cli, ["billing", "verify-statement", str(tampered), "--public-key", str(tmp_path / "key.pem")]
    )
    assert result.exit_code == 1 and "tanda tangan tidak cocok dengan statement.json" in result.output

    verify = c.get("/api/v1/billing/verify", headers=auditor).json()
    assert verify["ok"] is True and verify["transactions"] >= 4
    pdf = c.get(f"/api/v1/billing/periods/{MONTH}/statement.pdf", headers=finance)
    assert pdf.content.startswith(b"%PDF")
    ba = c.get(
        f"/api/v1/billing/periods/{MONTH}/berita-acara.pdf", params={"number": "01/BA/2026"}, headers=finance
    )
    assert ba.status_code == 200 and ba.content.startswith(b"%PDF")


@pytest.mark.parametrize("username", ["kalijambe.clerk", "kalijambe.supervisor"])
def test_clerks_see_no_billing(counter: Counter, username: str) -> None:
    r = counter.client.get(f"/api/v1/billing/periods/{MONTH}/statement", headers=counter.as_user(username))
    assert r.status_code == 403


def test_bad_contracts_are_refused_whole(counter: Counter) -> None:
    finance = counter.as_user("finance")
    c = counter.client
    bad = [
        CONTRACT | {"partner_share": {"type": "percent", "basis_points": 12000}},
        CONTRACT | {"fees": CONTRACT["fees"] | {"baru": {"amount": -1, "payer": "citizen"}}},
    ]
    for body in bad:
        r = c.post("/api/v1/billing/contracts", json=body, headers=finance)
        assert r.status_code == 422, r.text
    assert c.post("/api/v1/billing/contracts", json=CONTRACT, headers=finance).status_code == 201
    overlap = CONTRACT | {"number": "028/PKS/2026", "effective_from": "2026-06-01"}
    r = c.post("/api/v1/billing/contracts", json=overlap, headers=finance)
    assert r.status_code == 409 and "overlap" in r.json()["message"]
    assert len(c.get("/api/v1/billing/contracts", headers=finance).json()) == 1
    future = c.get("/api/v1/billing/periods/2027-05/statement", headers=finance)
    assert future.status_code == 422


def test_ledger_rows_cannot_be_changed_in_the_database(counter: Counter) -> None:
    """Beyond the hash chain (which detects a change), the migrated database refuses one outright."""
    from sqlalchemy import text

    finance = counter.as_user("finance")
    counter.client.post("/api/v1/billing/contracts", json=CONTRACT, headers=finance)
    counter.print_card()
    counter.worker.run_once()  # completes and posts
    for sql in ("UPDATE billing_entry SET debit = debit + 1", "DELETE FROM billing_transaction"):
        with counter.world.engine.begin() as conn, pytest.raises(Exception, match="append-only"):
            conn.execute(text(sql))


def test_a_wrongly_billed_card_is_corrected_by_a_new_entry(counter: Counter) -> None:
    finance = counter.as_user("finance")
    c = counter.client
    c.post("/api/v1/billing/contracts", json=CONTRACT, headers=finance)
    counter.print_card()
    counter.worker.run_once()  # completed and posted
    month = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")
    assert c.get(f"/api/v1/billing/periods/{month}/statement", headers=finance).json()["cards_billed"] == 1
    seq = next(
        row["seq"] for row in c.get(f"/api/v1/billing/periods/{month}/entries", headers=finance).json()
    )
    body = {"corrects_seq": seq, "correction_key": "koreksi-001", "note": "kartu ternyata rusak di loket"}
    r = c.post("/api/v1/billing/corrections", json=body, headers=finance)
    assert r.status_code == 201 and r.json()["status"] == "posted", r.text
    assert c.post("/api/v1/billing/corrections", json=body, headers=finance).json()["status"] == "duplicate"
    st = c.get(f"/api/v1/billing/periods/{month}/statement", headers=finance).json()
    assert st["gross_amount"] == 0 and st["partner_share"] == 0
    assert c.get("/api/v1/billing/verify", headers=finance).json()["ok"] is True
    assert c.get("/api/v1/billing/conflicts", headers=finance).json() == []


def test_an_explanation_stops_counting_when_the_difference_changes(counter: Counter) -> None:
    finance = counter.as_user("finance")
    c = counter.client
    _print_cards(counter, 1)
    c.post("/api/v1/billing/contracts", json=CONTRACT, headers=finance)
    c.post("/api/v1/billing/post-pending", headers=finance)
    rec = c.get(f"/api/v1/billing/periods/{MONTH}/reconciliation", headers=finance).json()
    money = next(line for line in rec["lines"] if line["status"] == "open" and "money" in line["item"])
    r = c.post(
        f"/api/v1/billing/periods/{MONTH}/explanations",
        json={"item": money["item"], "explanation": "setoran menyusul minggu depan"},
        headers=finance,
    )
    assert next(x for x in r.json()["lines"] if x["item"] == money["item"])["status"] == "explained"
    c.post(
        f"/api/v1/billing/periods/{MONTH}/money-received",
        json={"office_code": "33.14.01", "day": "2026-10-30", "amount": 5000, "reference": "STS-1"},
        headers=finance,
    )
    rec = c.get(f"/api/v1/billing/periods/{MONTH}/reconciliation", headers=finance).json()
    assert next(x for x in rec["lines"] if x["item"] == money["item"])["status"] == "open"
    r = c.post(
        "/api/v1/billing/periods/2099-01/money-received",
        json={"office_code": "33.14.01", "day": "2099-01-02", "amount": 1, "reference": "x"},
        headers=finance,
    )
    assert r.status_code == 422


def test_month_end_papers_are_records_the_partner_can_verify(counter: Counter) -> None:
    """Signatories configured, the month closed (its statement made, numbered, signed and stored), the
    reconciliation finalised (its Berita Acara likewise), each downloaded twice as the same bytes, listed
    with hash and signature in the month's record and in the bundle; the partner numbers its invoice."""
    import base64
    import hashlib
    import json

    from billing.signing import load_public_key, signature_valid
    from tests.pdf_checks import assert_readable

    finance, auditor = counter.as_user("finance"), counter.as_user("partner.auditor")
    c = counter.client
    regency = {"side": "regency", "name": "Drs. Sutrisno, M.Si.", "nip": "196801011990031001",
               "position": "Kepala Dinas Kependudukan dan Pencatatan Sipil",
               "institution": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sragen",
               "effective_from": "2026-01-01"}  # fmt: skip
    partner = {"side": "partner", "name": "Budi Santoso", "position": "Direktur Utama",
               "institution": "PT Kartu Nusantara", "npwp": "01.234.567.8-901.000",
               "effective_from": "2026-01-01"}  # fmt: skip
    assert c.post("/api/v1/billing/signatories", json=regency, headers=finance).status_code == 201
    assert (
        c.post("/api/v1/billing/signatories", json=partner, headers=counter.as_user("admin")).status_code
        == 201
    )
    assert c.post("/api/v1/billing/signatories", json=partner, headers=auditor).status_code == 403
    bad = c.post("/api/v1/billing/signatories", json=regency | {"nip": "123"}, headers=finance)
    assert bad.status_code == 422
    assert [s["name"] for s in c.get("/api/v1/billing/signatories", headers=finance).json()] == [
        "Budi Santoso",
        "Drs. Sutrisno, M.Si.",
    ]

    _print_cards(counter, 3)
    assert (
        c.post(
            "/api/v1/billing/contracts", json=CONTRACT | {"signed_on": "2025-12-20"}, headers=finance
        ).json()["signed_on"]
        == "2025-12-20"
    )
    c.post("/api/v1/billing/post-pending", headers=finance)
    c.post(
        f"/api/v1/billing/periods/{MONTH}/money-received",
        json={"office_code": "33.14.01", "day": "2026-10-31", "amount": 30003, "reference": "STS-0091"},
        headers=finance,
    )
    early = c.post(f"/api/v1/billing/periods/{MONTH}/reconciliation/finalise", headers=finance)
    assert early.status_code == 409 and early.json()["error"] == "month_not_closed"
    assert c.get(f"/api/v1/billing/months/{MONTH}/documents", headers=auditor).json() == []
    provisional = c.get(f"/api/v1/billing/periods/{MONTH}/statement.pdf", headers=auditor).content
    assert all("SEMENTARA" in page for page in assert_readable(provisional))

    assert c.post(f"/api/v1/billing/periods/{MONTH}/close", headers=finance).status_code == 200
    made = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    roman = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")[made.month - 1]
    ring = {k["key_id"]: k["public_key_pem"] for k in c.get("/api/v1/billing/public-keys").json()}

    def check(kind: str, url: str, number: str) -> str:
        listed = {
            d["kind"]: d for d in c.get(f"/api/v1/billing/months/{MONTH}/documents", headers=auditor).json()
        }
        record = listed[kind]
        assert record["number"] == number and record["made_on"] == made.isoformat()
        first, second = (c.get(url, headers=finance).content for _ in range(2))
        stored = c.get(record["url"], headers=auditor).content
        assert first == second == stored  # every download is the same bytes
        assert hashlib.sha256(first).hexdigest() == record["sha256"]
        key = load_public_key(ring[record["key_id"]])
        assert signature_valid(key, first, record["signature"])
        assert not signature_valid(key, first + b" ", record["signature"])
        assert base64.b64decode(record["signature"])
        text = " ".join(assert_readable(first))
        assert number in text and "SEMENTARA" not in text
        assert "Drs. Sutrisno, M.Si." in text and "Budi Santoso" in text and "PT Kartu Nusantara" in text
        assert "027/PKS/2026 tanggal 20-12-2025" in text
        return text

    text = check(
        "statement",
        f"/api/v1/billing/periods/{MONTH}/statement.pdf",
        f"001/LBH/DISDUKCAPIL/{roman}/{made.year}",
    )
    assert "33.14.01 Kantor Kecamatan Kalijambe" in text and "01-10-2026 s.d. 31-10-2026 (WIB)" in text
    english = c.get(f"/api/v1/billing/periods/{MONTH}/statement.pdf", params={"lang": "en"}, headers=auditor)
    english_pages = assert_readable(english.content, english_allowed=True)
    assert all("TRANSLATION" in p for p in english_pages) and "/LBH/" not in " ".join(english_pages)

    # finance explains every open difference, then finalises: the Berita Acara is made once
    rec = c.get(f"/api/v1/billing/periods/{MONTH}/reconciliation", headers=finance).json()
    for line in rec["lines"]:
        if line["status"] == "open":
            c.post(
                f"/api/v1/billing/periods/{MONTH}/explanations",
                json={"item": line["item"], "explanation": "Diperiksa bersama: selisih pencatatan awal"},
                headers=finance,
            )
    r = c.post(
        f"/api/v1/billing/periods/{MONTH}/reconciliation/finalise",
        json={"follow_up": ["Pembacaan penghitung printer dicatat setiap akhir bulan"]},
        headers=finance,
    )
    assert r.status_code == 201, r.text
    assert r.json()["number"] == f"001/BA-REKON/DISDUKCAPIL/{roman}/{made.year}"
    again = c.post(f"/api/v1/billing/periods/{MONTH}/reconciliation/finalise", headers=finance)
    assert again.status_code == 409 and again.json()["error"] == "reconciliation_finalised"
    text = check("berita_acara", f"/api/v1/billing/periods/{MONTH}/berita-acara.pdf", r.json()["number"])
    assert "Pembacaan penghitung printer dicatat setiap akhir bulan" in text
    assert "Seluruh selisih telah sesuai atau dijelaskan" in text
    late = c.post(
        f"/api/v1/billing/periods/{MONTH}/money-received",
        json={"office_code": "33.14.01", "day": "2026-10-31", "amount": 1, "reference": "STS-0092"},
        headers=finance,
    )
    assert late.status_code == 409 and late.json()["error"] == "reconciliation_finalised"

    bundle = zipfile.ZipFile(
        io.BytesIO(c.get(f"/api/v1/billing/periods/{MONTH}/bundle", headers=auditor).content)
    )
    listed = c.get(f"/api/v1/billing/months/{MONTH}/documents", headers=auditor).json()
    assert {d["sha256"] for d in json.loads(bundle.read("documents.json"))} == {d["sha256"] for d in listed}

    # the partner numbers its invoice in its own books and records it here (finance may not)
    body = {"invoice_number": "INV/KN/2026/0110"}
    assert (
        c.post(f"/api/v1/billing/periods/{MONTH}/invoice-number", json=body, headers=finance).status_code
        == 403
    )
    r = c.post(f"/api/v1/billing/periods/{MONTH}/invoice-number", json=body, headers=auditor)
    assert r.status_code == 200 and r.json()["invoice_number"] == "INV/KN/2026/0110"
    invoice = c.get(f"/api/v1/billing/periods/{MONTH}/invoice.pdf", headers=auditor).content
    text = " ".join(assert_readable(invoice))
    assert "Nomor tagihan mitra : INV/KN/2026/0110" in text and "Jumlah diterima mitra Rp 10.290" in text
