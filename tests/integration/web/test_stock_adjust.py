"""Stock adjustments from the console (SQLite and PostgreSQL): a difference with its reason, audited; no
reason or a zero difference changes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ktp_service.models import AuditEvent, StockMovement
from tests.conftest import World
from tests.integration.web.test_pages import _csrf, login


def test_a_supervisor_adjusts_the_stock_with_a_reason(client: TestClient, world: World) -> None:
    login(client, "kalijambe.supervisor")
    token = _csrf(client, "/stock")
    r = client.post("/stock", data={"csrf_token": token, "office": "33.14.01", "quantity": "100", "note": ""})
    assert r.status_code == 200
    for data in (
        {"difference": "-3", "reason": ""},
        {"difference": "0", "reason": "hitung"},
        {"difference": "tiga", "reason": "x"},
    ):
        r = client.post("/stock/adjust", data={"csrf_token": token, "office": "33.14.01", **data})
        assert r.status_code == 422, data
    r = client.post(
        "/stock/adjust",
        data={
            "csrf_token": token,
            "office": "33.14.01",
            "difference": "-3",
            "reason": "hitung fisik 30-09: 3 blanko tertekuk",
        },
    )
    assert r.status_code == 200 and "Stok disesuaikan -3." in r.text
    assert (
        'data-testid="stock-balance">97<' in r.text
        and "hitung fisik 30-09" in r.text
        and "Penyesuaian" in r.text
    )
    with Session(world.engine) as s:
        moves = s.exec(select(StockMovement).order_by(StockMovement.id)).all()
        assert [(m.kind, m.quantity) for m in moves] == [("receipt", 100), ("adjustment", -3)]
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "stock.adjustment")).one()
        assert event.username == "kalijambe.supervisor" and event.detail == {"quantity": -3}
    # In the audit trail, in words.
    assert "Menyesuaikan stok blanko" in client.get("/audit").text

    # A clerk sees the stock but adjusts nothing (the API's printer-care roles).
    login(client, "kalijambe.clerk")
    token = _csrf(client, "/stock")
    r = client.post(
        "/stock/adjust", data={"csrf_token": token, "office": "33.14.01", "difference": "5", "reason": "x"}
    )
    assert r.status_code == 403
