"""Finance's conflicts and corrections pages (SQLite and PostgreSQL): an open conflict resolved with a
note, a billed card reversed by its serial, both through the service functions the API uses, audited."""

from __future__ import annotations

from sqlmodel import Session, select

from billing.models import EventConflictRecord, LedgerTransaction
from ktp_service.models import AuditEvent, Card
from tests.integration.printing.conftest import Counter
from tests.integration.printing.test_month_end import CONTRACT
from tests.integration.web.test_pages import _csrf, login


def test_finance_resolves_a_conflict_from_the_console(counter: Counter) -> None:
    with Session(counter.world.engine) as s:
        s.add(
            EventConflictRecord(
                event_key="card:KTP-X",
                event_period="2026-10",
                existing_seq=None,
                received_digest="0" * 64,
                detail="the same key arrived with another card",
                received_at="2026-10-31T01:00:00.000000Z",
            )
        )
        s.commit()
        conflict_id = s.exec(select(EventConflictRecord.id)).one()
    c = counter.client
    login(c, "finance")
    page = c.get("/billing/conflicts")
    assert page.status_code == 200 and "Belum diselesaikan (1)" in page.text and "card:KTP-X" in page.text
    token = _csrf(c, "/billing/conflicts")
    r = c.post(f"/billing/conflicts/{conflict_id}/resolve", data={"csrf_token": token, "resolution": "x"})
    assert r.status_code == 422 and "paling sedikit 3 huruf" in r.text
    r = c.post(
        f"/billing/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, "resolution": "kartu yang benar dibukukan ulang dengan kunci baru"},
    )
    assert r.status_code == 200 and "Konflik dicatat selesai." in r.text
    assert "Tidak ada konflik yang terbuka." in r.text and "dibukukan ulang" in r.text
    with Session(counter.world.engine) as s:
        assert s.exec(select(EventConflictRecord)).one().resolved_at is not None
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "billing.conflict.resolve")).one()

    login(c, "partner.auditor")
    assert c.get("/billing/conflicts").status_code == 403


def test_finance_reverses_a_billed_card_by_its_serial(counter: Counter) -> None:
    c = counter.client
    finance = counter.as_user("finance")
    assert c.post("/api/v1/billing/contracts", json=CONTRACT, headers=finance).status_code == 201
    assert counter.print_card().status_code == 201
    counter.worker.run_once()
    c.post("/api/v1/billing/post-pending", headers=finance)
    with Session(counter.world.engine) as s:
        serial = s.exec(select(Card.serial)).one()

    login(c, "finance")
    token = _csrf(c, "/billing/corrections")
    for data, said in (
        ({"card_serial": "KTP-TIDAK-ADA", "note": "rusak di loket"}, "Tidak ada kartu tertagih"),
        ({"card_serial": serial, "note": ""}, "Tuliskan alasannya"),
    ):
        r = c.post("/billing/corrections", data={"csrf_token": token, **data})
        assert r.status_code in (404, 422) and said in r.text, r.text[-1500:]
    for _ in range(2):  # sent twice: reversed once
        r = c.post(
            "/billing/corrections",
            data={"csrf_token": token, "card_serial": serial, "note": "kartu rusak di loket"},
        )
        assert r.status_code == 200
    assert "sudah dibatalkan sebelumnya" in r.text
    assert serial in r.text and "33.14.01 · Kantor Kecamatan Kalijambe" in r.text and "Baru" in r.text
    with Session(counter.world.engine) as s:
        reversal = s.exec(select(LedgerTransaction).where(LedgerTransaction.kind == "reversal")).one()
        assert reversal.note == "kartu rusak di loket" and reversal.fee == -10001
        assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "billing.correction")).all()) == 2
    assert c.get("/api/v1/billing/verify", headers=finance).json()["ok"] is True
