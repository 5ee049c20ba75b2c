"""The demo seed gives every role something to see: a contract in force (finance and the partner see real
amounts), a slow simulator beside the instant ones (a jam can catch a card). Idempotent. SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from billing.models import ContractVersion, LedgerTransaction
from billing.vocab import TransactionKind
from ktp_service.billing_bridge import config_for
from ktp_service.db import unit_of_work
from ktp_service.models import CardPrintedEvent, Handover, Printer, PrintJob
from ktp_service.seed import seed_demo
from ktp_service.seed_history import seed_print_history
from ktp_service.services import billing
from ktp_service.services.actor import SYSTEM
from ktp_service.services.cards import local_today
from ktp_service.services.printers import AdapterCache
from ktp_service.settings import Settings


def test_the_demo_seeds_a_contract_and_a_slow_simulator_once(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=engine.url.render_as_string(hide_password=False))
    with unit_of_work(engine) as s:
        first = seed_demo(s, settings)
    with unit_of_work(engine) as s:
        again = seed_demo(s, settings)
    assert first["contracts"] == 1 and first["printers"] == 4
    assert again == {
        "offices": 0,
        "users": 0,
        "printers": 0,
        "residents": 0,
        "contracts": 0,
        "money": 0,
        "handover_history": 0,
    }
    today = local_today(settings.timezone)
    with Session(engine) as s:
        (version,) = s.exec(select(ContractVersion)).all()
        assert version.effective_from <= today.replace(month=1, day=1) and version.effective_to is None
        speeds = {
            p.name: p.config.get("speed", 0) for p in s.exec(select(Printer)) if p.adapter == "simulator"
        }
    assert speeds == {"KPT-Simulator": 0, "Kalijambe-Simulator": 0, "KPT-Simulator-Lambat": 4}


def test_without_the_contract(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=engine.url.render_as_string(hide_password=False))
    with unit_of_work(engine) as s:
        assert "contracts" not in seed_demo(s, settings, contract=False)
    with Session(engine) as s:
        assert s.exec(select(ContractVersion)).all() == []


def test_ktp_demo_seed_prints_a_history_through_the_print_path(engine: Engine, tmp_path: Path) -> None:
    """What `ktp demo seed` adds to seed_demo: last month's and this month's cards at the KPT, printed by the
    worker on the instant simulator and posted to the ledger by it, dated in their month; every line of
    both months' reconciliation matches (cards, counters, stock, money, the partner's count); once."""
    settings = Settings(data_dir=tmp_path, database_url=engine.url.render_as_string(hide_password=False))
    with unit_of_work(engine) as s:
        assert seed_demo(s, settings, handovers=False)["handover_history"] == 0
    adapters = AdapterCache(settings)
    made = seed_print_history(engine, settings, adapters)
    zone = ZoneInfo(settings.timezone)
    now = datetime.now(zone)
    this_month = f"{now:%Y-%m}"
    last_month = f"{now.replace(day=1) - timedelta(days=1):%Y-%m}"
    assert made["history_previous_month"] == 24 and made["history_counters"] == 4
    assert made["history_handovers"] > 0 and made["history_money"] >= 1
    assert seed_print_history(engine, settings, adapters)["history_previous_month"] == 0  # once
    with Session(engine) as s:
        events = s.exec(select(CardPrintedEvent)).all()
        assert all(e.posted_at is not None for e in events)  # the worker posted them
        months = [f"{e.completed_at.replace(tzinfo=UTC).astimezone(zone):%Y-%m}" for e in events]
        assert months.count(last_month) == 24
        assert months.count(this_month) == made["history_running_month"]
        cards = s.exec(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == TransactionKind.CARD)
        ).one()
        assert cards == len(events)
        jobs = s.exec(select(PrintJob)).all()
        assert all(j.created_at <= j.completed_at <= datetime.now(UTC) for j in jobs if j.completed_at)
        assert s.exec(select(Handover)).first() is not None
    for month in (last_month, this_month) if made["history_running_month"] else (last_month,):
        with unit_of_work(engine) as s:
            lines = {
                x.item: x.status for x in billing.reconcile(s, SYSTEM, month, config_for(settings)).lines
            }
        assert set(lines.values()) == {"match"}, (month, lines)
        assert "money:33.14" in lines and "printer_counters" in lines
    with unit_of_work(engine) as s:
        lines = {
            x.item: x.status for x in billing.reconcile(s, SYSTEM, last_month, config_for(settings)).lines
        }
    assert lines["partner_count"] == "match"
    _every_role_sees_the_history(engine, settings, last_month, this_month)


def _every_role_sees_the_history(
    engine: Engine, settings: Settings, last_month: str, this_month: str
) -> None:
    """The pages over the demo's history: a past open month reads as not yet closed, the running one as
    running; offices, reasons, accounts and villages in words beside their codes."""
    from fastapi.testclient import TestClient

    from ktp_service.main import create_app
    from ktp_service.seed import DEMO_PASSWORD
    from tests.integration.web.test_pages import _csrf

    def login(client: TestClient, username: str) -> None:
        form = {"csrf_token": _csrf(client), "username": username, "password": DEMO_PASSWORD, "next": ""}
        assert client.post("/login", data=form, follow_redirects=False).status_code == 303

    with TestClient(create_app(settings, engine)) as client:
        login(client, "finance")
        page = client.get(f"/finance?month={last_month}").text
        assert 'data-testid="period-status">Terbuka (belum ditutup)</span>' in page
        assert 'data-testid="cards-billed">24<' in page
        assert "<title>33.14 · Kantor Pelayanan Terpadu Kabupaten Sragen: 24</title>" in page  # the chart
        assert ">KPT Sragen</text>" in page  # its axis: the short name, not the code
        assert '<span class="mono">33.14</span> · Kantor Pelayanan Terpadu Kabupaten Sragen</td>' in page
        running = client.get(f"/finance?month={this_month}").text
        assert 'data-testid="period-status">Terbuka (berjalan)</span>' in running
        client.post("/logout", data={"csrf_token": _csrf(client, "/finance")})

        login(client, "partner.auditor")
        page = client.get(f"/partner?month={last_month}").text
        assert "Terbuka (belum ditutup)" in page and 'data-testid="cards-billed">24<' in page
        assert "citizen_fees_collected" not in page and "partner_payable" not in page
        assert "Retribusi KTP diterima dari warga" in page and "Utang bagi hasil mitra" in page
        assert "<td>Baru</td>" in page and "<td>baru</td>" not in page
        client.post("/logout", data={"csrf_token": _csrf(client, f"/partner?month={last_month}")})

        login(client, "kpt.clerk")
        found = client.get("/residents", params={"q": "SITI"}).text  # SITI NUR'AINI, of Keden
        assert "Keden" in found and "33.14.01.2001" in found  # the village's name beside its code
        assert "33.14 Kabupaten Sragen" in client.get("/jobs").text  # the office's name in the header
