"""The demo out of the box: its printers' counters are read at seeding, so the month's reconciliation shows
no counter difference, before and after the demo prints cards; money received for the month's billed cards
leaves no money difference. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ktp_service import seed
from ktp_service.billing_bridge import config_for, poster
from ktp_service.db import unit_of_work
from ktp_service.main import create_app
from ktp_service.models import CounterReading, Printer
from ktp_service.services import billing
from ktp_service.services.actor import SYSTEM
from ktp_service.settings import Settings
from ktp_service.status_poller import StatusPoller
from ktp_service.worker import PrintWorker

MONTH = datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")


def _report(engine: Engine, settings: Settings) -> dict[str, tuple[int, int, str]]:
    with unit_of_work(engine) as s:
        rec = billing.reconcile(s, SYSTEM, MONTH, config_for(settings))
    return {x.item: (x.expected, x.actual, x.status) for x in rec.lines}


def test_the_demo_shows_no_false_difference(engine: Engine, settings: Settings) -> None:
    with unit_of_work(engine) as s:
        counts = seed.seed_demo(s, settings)
    assert counts["money"] == 0  # nothing billed yet: no money with no card behind it
    assert seed.read_counters(engine, settings) == 4  # the demo has four printers
    assert seed.read_counters(engine, settings) == 0  # read once; the poll records changes from then on
    with Session(engine) as s:
        assert {r.value for r in s.exec(select(CounterReading))} == {0}
    lines = _report(engine, settings)
    assert lines["printer_counters"] == (0, 0, "match")

    app = create_app(settings, engine)
    with TestClient(app) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "kalijambe.clerk", "password": seed.DEMO_PASSWORD}
        ).json()["access_token"]
        with Session(engine) as s:
            printer = s.exec(select(Printer).where(Printer.name == "Kalijambe-Simulator")).one()
        for nik, *_ in seed.DEMO_RESIDENTS[:2]:
            r = client.post(
                "/api/v1/print-jobs",
                json={"nik": nik, "printer_id": printer.id, "reason": "baru"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 201, r.text
        adapters = app.state.adapters
        worker = PrintWorker(
            engine, settings, name="demo-worker", adapters=adapters, post_events=poster(settings)
        )
        for _ in range(6):
            worker.run_once()
        StatusPoller(engine, adapters, interval=60).poll_all()  # the background poll, once
    lines = _report(engine, settings)
    assert lines["cards_completed"] == (2, 2, "match")
    assert lines["printer_counters"] == (2, 2, "match")
    assert lines["money:33.14.01"] == (20000, 0, "open")  # the demo contract: Rp 10.000 a card
    # the demo's treasury report for the month: exactly what the ledger expects, once
    with unit_of_work(engine) as s:
        assert seed.seed_money_received(s, settings, MONTH) == 1
    with unit_of_work(engine) as s:
        assert seed.seed_money_received(s, settings, MONTH) == 0
    lines = _report(engine, settings)
    assert lines["money:33.14.01"] == (20000, 20000, "match")
    assert {item: status for item, (_, _, status) in lines.items()} == {
        "cards_completed": "match",
        "printer_counters": "match",
        "stock_consumed": "match",
        "stock:33.14": "match",  # each office's blank-card line (issue 15): no false difference either
        "stock:33.14.01": "match",
        "money:33.14.01": "match",
    }
