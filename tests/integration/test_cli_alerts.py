"""``ktp alerts check`` and ``ktp alerts list`` on the demo regency, and the worker's pass running the
evaluation (issue 15, part 4)."""

from __future__ import annotations

from sqlmodel import Session, select
from typer.testing import CliRunner

from ktp_service.cli import app
from ktp_service.models import Alert, Office
from ktp_service.settings import Settings
from ktp_service.wiring import wire


def _threshold(settings: Settings, code: str, value: int | None) -> None:
    wiring = wire(settings)
    try:
        with Session(wiring.engine) as s:
            office = s.exec(select(Office).where(Office.code == code)).one()
            office.low_stock_threshold = value
            s.add(office)
            s.commit()
    finally:
        wiring.close()


def test_alerts_check_raises_once_and_lists_in_indonesian(cli_settings: Settings) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], obj=cli_settings).exit_code == 0
    assert runner.invoke(app, ["demo", "seed", "--if-empty"], obj=cli_settings).exit_code == 0
    first = runner.invoke(app, ["alerts", "check"], obj=cli_settings)
    assert first.exit_code == 0, first.output
    assert "mail: KTP_SMTP_HOST not set, nothing mailed" in first.output
    _threshold(cli_settings, "33.14.01", 1_000_000)
    raised = runner.invoke(app, ["alerts", "check"], obj=cli_settings)
    assert "alerts: 1 raised, 0 cleared" in raised.output, raised.output
    again = runner.invoke(app, ["alerts", "check"], obj=cli_settings)
    assert "alerts: 0 raised, 0 cleared" in again.output, again.output
    listed = runner.invoke(app, ["alerts", "list"], obj=cli_settings)
    assert "stock_low (Stok blanko menipis) [berlangsung]" in listed.output, listed.output
    assert "33.14.01 · Kantor Kecamatan Kalijambe tinggal" in listed.output
    _threshold(cli_settings, "33.14.01", None)
    cleared = runner.invoke(app, ["alerts", "check"], obj=cli_settings)
    assert "0 raised, 1 cleared" in cleared.output, cleared.output


def test_the_worker_pass_evaluates_alerts(cli_settings: Settings) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], obj=cli_settings).exit_code == 0
    assert runner.invoke(app, ["demo", "seed", "--if-empty"], obj=cli_settings).exit_code == 0
    _threshold(cli_settings, "33.14.01", 1_000_000)
    wiring = wire(cli_settings)
    try:
        worker = wiring.print_worker("alerts-test")
        assert worker.run_once().errors == []
        worker.release()
        with Session(wiring.engine) as s:
            kinds = [a.kind for a in s.exec(select(Alert).where(Alert.subject == "office:33.14.01"))]
    finally:
        wiring.close()
    assert "stock_low" in kinds
