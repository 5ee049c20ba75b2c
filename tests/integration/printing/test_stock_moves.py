"""Blank cards between offices (issue 15): a delivery at the regency office, a transfer to Kalijambe in
transit until counted there (with a difference), a stock count, and the refusals: received twice, a count
below zero, sending more than in stock. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from ktp_service.models import AuditEvent
from tests.conftest import World

Headers = Callable[[str], dict[str, str]]
KPT, KALIJAMBE = "kpt.supervisor", "kalijambe.supervisor"


def _balance(client: TestClient, as_user: Headers, code: str, user: str) -> int:
    r = client.get(f"/api/v1/offices/{code}/stock", headers=as_user(user))
    assert r.status_code == 200, r.text
    return int(r.json()["balance"])


def _deliver(client: TestClient, as_user: Headers, quantity: int = 1000) -> Any:
    return client.post(
        "/api/v1/offices/33.14/stock/deliveries",
        json={"quantity": quantity, "supplier": "Ditjen Dukcapil Kemendagri", "batch": "2026-11/B07",
              "serial_from": "0007000001", "serial_to": "0007001000"},
        headers=as_user(KPT),
    )  # fmt: skip


def test_cards_go_from_the_regency_to_a_kecamatan_and_are_counted_on_arrival(
    client: TestClient, as_user: Headers, world: World
) -> None:
    r = _deliver(client, as_user)
    assert r.status_code == 201, r.text
    assert r.json()["supplier"] == "Ditjen Dukcapil Kemendagri" and r.json()["quantity"] == 1000
    assert _balance(client, as_user, "33.14", KPT) == 1000

    sent = client.post(
        "/api/v1/offices/33.14/stock/transfers",
        json={"to_office": "33.14.01", "quantity": 300},
        headers=as_user(KPT),
    )
    assert sent.status_code == 201, sent.text
    t = sent.json()
    assert t["in_transit"] is True and t["quantity_received"] is None
    # in transit: gone from the sender, not yet at the receiver
    assert _balance(client, as_user, "33.14", KPT) == 700
    assert _balance(client, as_user, "33.14.01", KALIJAMBE) == 0

    url = f"/api/v1/stock/transfers/{t['id']}/receive"
    # the sender's supervisor does not confirm for the receiving office
    assert client.post(url, json={"quantity_received": 300}, headers=as_user(KPT)).status_code == 404
    short = client.post(url, json={"quantity_received": 298}, headers=as_user(KALIJAMBE))
    assert short.status_code == 422  # a difference needs its reason
    r = client.post(url, json={"quantity_received": 298, "note": "2 kartu retak"}, headers=as_user(KALIJAMBE))
    assert r.status_code == 200, r.text
    assert (r.json()["in_transit"], r.json()["quantity_received"], r.json()["difference"]) == (False, 298, -2)
    assert _balance(client, as_user, "33.14.01", KALIJAMBE) == 298

    again = client.post(url, json={"quantity_received": 298, "note": "lagi"}, headers=as_user(KALIJAMBE))
    assert again.status_code == 409 and again.json()["error"] == "transfer_already_received"
    assert again.json()["message"].startswith(f"Kiriman {t['id']} sudah diterima (298 kartu)")
    assert _balance(client, as_user, "33.14.01", KALIJAMBE) == 298

    listed = client.get("/api/v1/offices/33.14.01/stock/transfers", headers=as_user(KALIJAMBE)).json()
    assert [(x["from_office"], x["quantity_sent"], x["difference"]) for x in listed] == [("33.14", 300, -2)]
    history = client.get("/api/v1/offices/33.14/stock", headers=as_user(KPT)).json()["movements"]
    assert [m["kind"] for m in history] == ["transfer_out", "receipt"]
    with Session(world.engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]
    moves = [a for a in actions if a.startswith("stock.")]
    assert moves == ["stock.delivery", "stock.transfer_send", "stock.transfer_receive"]


def test_no_office_sends_more_than_it_holds(client: TestClient, as_user: Headers) -> None:
    _deliver(client, as_user, 10)
    r = client.post(
        "/api/v1/offices/33.14/stock/transfers",
        json={"to_office": "33.14.01", "quantity": 11},
        headers=as_user(KPT),
    )
    assert r.status_code == 409 and r.json()["error"] == "insufficient_stock"
    assert r.json()["message"] == "Kantor 33.14 hanya memiliki 10 blanko; 11 tidak dapat dikirim."
    assert _balance(client, as_user, "33.14", KPT) == 10  # nothing left the stock
    to_self = client.post(
        "/api/v1/offices/33.14/stock/transfers",
        json={"to_office": "33.14", "quantity": 1},
        headers=as_user(KPT),
    )
    assert to_self.status_code == 409 and to_self.json()["error"] == "transfer_to_itself"
    other = client.post(
        "/api/v1/offices/33.14/stock/transfers",
        json={"to_office": "33.14.01", "quantity": 1},
        headers=as_user(KALIJAMBE),
    )
    assert other.status_code == 404  # a supervisor sends from their own office only


def test_a_stock_count_records_its_difference_and_is_never_below_zero(
    client: TestClient, as_user: Headers
) -> None:
    _deliver(client, as_user, 50)
    url = "/api/v1/offices/33.14/stock/counts"
    below = client.post(url, json={"counted": -1}, headers=as_user(KPT))
    assert below.status_code == 409 and below.json()["error"] == "count_below_zero"
    assert "tidak boleh kurang dari nol" in below.json()["message"]
    assert client.post(url, json={"counted": 48}, headers=as_user(KPT)).status_code == 422  # reason needed
    r = client.post(url, json={"counted": 48, "note": "2 blanko hilang"}, headers=as_user(KPT))
    assert r.status_code == 201, r.text
    assert (r.json()["book_balance"], r.json()["difference"]) == (50, -2)
    assert _balance(client, as_user, "33.14", KPT) == 48
    same = client.post(url, json={"counted": 48}, headers=as_user(KPT))
    assert same.status_code == 201 and same.json()["difference"] == 0  # a count that agrees needs no note
    counts = client.get(url, headers=as_user(KPT)).json()
    assert [c["difference"] for c in counts] == [0, -2]


def test_the_console_sends_receives_and_counts(client: TestClient, as_user: Headers) -> None:
    from tests.integration.web.test_pages import _csrf, login

    _deliver(client, as_user, 100)
    login(client, KPT)
    assert 'href="/stock/moves?office=33.14"' in client.get("/stock").text
    token = _csrf(client, "/stock/moves")
    r = client.post(
        "/stock/moves/33.14/send", data={"csrf_token": token, "to_office": "33.14.01", "quantity": "1.000"}
    )
    assert "hanya memiliki 100 blanko" in r.text  # the redirect's page shows the refusal
    client.post(
        "/stock/moves/33.14/send", data={"csrf_token": token, "to_office": "33.14.01", "quantity": "40"}
    )
    assert _balance(client, as_user, "33.14", KPT) == 60
    client.cookies.clear()
    login(client, KALIJAMBE)
    page = client.get("/stock/moves").text
    assert "Dalam perjalanan" not in page and 'action="/stock/transfers/' in page  # the receiver confirms
    transfer_id = client.get("/api/v1/offices/33.14.01/stock/transfers", headers=as_user(KALIJAMBE)).json()[
        0
    ]["id"]
    token = _csrf(client, "/stock/moves")
    form = {"csrf_token": token, "office": "33.14.01", "quantity": "40"}
    client.post(f"/stock/transfers/{transfer_id}/receive", data=form)
    page = client.post(f"/stock/transfers/{transfer_id}/receive", data=form).text
    assert "sudah diterima (40 kartu)" in page
    assert _balance(client, as_user, "33.14.01", KALIJAMBE) == 40
    page = client.post("/stock/moves/33.14.01/count", data={"csrf_token": token, "quantity": "-3"}).text
    assert "tidak boleh kurang dari nol" in page
    client.post(
        "/stock/moves/33.14.01/count", data={"csrf_token": token, "quantity": "39", "note": "1 retak"}
    )
    assert _balance(client, as_user, "33.14.01", KALIJAMBE) == 39
