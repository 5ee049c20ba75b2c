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
    assert result.exit_code == 1 and "signature" in result.output.lower()

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
