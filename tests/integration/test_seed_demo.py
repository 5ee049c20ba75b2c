"""The demo seed gives every role something to see: a contract in force (finance and the partner see real
amounts), a slow simulator beside the instant ones (a jam can catch a card). Idempotent. SQLite and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from billing.models import ContractVersion
from ktp_service.db import unit_of_work
from ktp_service.models import Printer
from ktp_service.seed import seed_demo
from ktp_service.services.cards import local_today
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
