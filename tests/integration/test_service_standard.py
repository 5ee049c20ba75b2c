"""The service standard (issue 15) on SQLite and PostgreSQL: promised times, working week and holidays set
and refused (in Indonesian), each change audited; the indicators' per-office, per-month working times
(median and P90 by hand), the share within the promise, open cases older than the promise, and the exports
read back (CSV with BOM and decimal comma, XLSX through openpyxl); the API, the CLI and the pages."""

from __future__ import annotations

import csv
import io
import random
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select
from typer.testing import CliRunner

from ktp_service import lifecycle
from ktp_service.cli import app as cli
from ktp_service.errors import DomainError, error_text
from ktp_service.models import AuditEvent, Card, Handover, Office, Printer, PrintJob
from ktp_service.seed_handover import _resident
from ktp_service.services import handover, service_standard
from ktp_service.services.actor import Actor
from ktp_service.settings import Settings
from ktp_service.vocab import Role
from ktp_service.web import standard_view
from tests.conftest import World
from tests.integration.web.test_pages import _csrf, login

WIB = ZoneInfo("Asia/Jakarta")
ADMIN = Actor(user_id=None, username="admin", role=Role.ADMIN)
TODAY = date(2026, 12, 1)
HOUR = 3600


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


def make_card(
    s: Session,
    office: Office,
    printer: Printer,
    serial: int,
    requested: datetime,
    printed: datetime | None,
    handed: datetime | None,
    reason: str = "baru",
) -> PrintJob:
    resident = _resident(s, serial, random.Random(serial))
    assert resident.id is not None and office.id is not None and printer.id is not None
    status, message = lifecycle.initial(False)
    job = PrintJob(
        uuid=str(uuid.uuid4()), resident_id=resident.id, printer_id=printer.id, office_id=office.id,
        reason=reason, state=status, created_at=requested,
    )  # fmt: skip
    lifecycle.set_message(job, message)
    if printed is not None:
        lifecycle.claim(job, "test", printed)
        lifecycle.complete(job, printed)
        job.card_serial = f"T-{serial}"
    s.add(job)
    s.flush()
    if printed is None:
        return job
    card = Card(serial=f"T-{serial}", resident_id=resident.id, job_id=job.id or 0, issued_at=printed)
    s.add(card)
    s.flush()
    if handed is not None:
        s.add(
            Handover(
                card_id=card.id or 0, job_id=job.id or 0, office_id=office.id, at=handed,
                recipient="penduduk", survey_token=handover.new_token(),
            )
        )  # fmt: skip
        s.flush()
    return job


@pytest.fixture
def august(world: World) -> World:
    """Kalijambe, August 2026 (promise: 1 working day = 8 h, 08:00-16:00, Monday to Friday):

    A: asked Fri 14 Aug 14:00, printed 14:30, handed over Tue 18 Aug 10:00 (Mon 17 is Independence Day)
    B: asked Mon 10 Aug 09:00, printed 09:10, handed over Wed 12 Aug 09:00
    C: asked Tue 11 Aug 15:00, printed 15:20, handed over Wed 12 Aug 08:30
    D: asked Mon 3 Aug 09:00, printed 09:05, never handed over (open, far over the promise)
    E: asked Thu 20 Aug 11:00, printed 11:10, not handed over (open, within the promise at noon)
    """
    with Session(world.engine) as s:
        office = s.exec(select(Office).where(Office.code == "33.14.01")).one()
        assert office.id is not None
        printer = Printer(name="Kalijambe-Test", office_id=office.id, adapter="simulator")
        s.add(printer)
        s.flush()
        make_card(s, office, printer, 1, at(8, 14, 14), at(8, 14, 14, 30), at(8, 18, 10))
        make_card(s, office, printer, 2, at(8, 10, 9), at(8, 10, 9, 10), at(8, 12, 9))
        make_card(s, office, printer, 3, at(8, 11, 15), at(8, 11, 15, 20), at(8, 12, 8, 30))
        make_card(s, office, printer, 4, at(8, 3, 9), at(8, 3, 9, 5), None)
        make_card(s, office, printer, 5, at(8, 20, 11), at(8, 20, 11, 10), None)
        s.commit()
    return world


NOON_20TH = at(8, 20, 12)


def figures(world: World) -> standard_view.StandardFigures:
    with Session(world.engine) as s:
        return standard_view.compute(
            s, zone="Asia/Jakarta", start=date(2026, 8, 1), end=date(2026, 8, 31), office_code=None,
            now=NOON_20TH,
        )  # fmt: skip


def test_times_by_hand_median_p90_share_and_open_cases(august: World) -> None:
    f = figures(august)
    [row] = f.rows
    assert (row.month, row.code, row.name) == ("2026-08", "33.14.01", "Kantor Kecamatan Kalijambe")
    # Request -> printed: A 30 min, B 10 min, C 20 min, D 5 min, E 10 min (all inside service hours).
    assert sorted(row.to_print) == [300, 600, 600, 1200, 1800]
    assert row.stat("to_print", 50) == 600 and row.stat("to_print", 90) == 1800
    # Request -> handed over: A = Fri 2 h + Tue 2 h = 4 h (weekend and the 17th skipped);
    # B = Mon 7 h + Tue 8 h + Wed 1 h = 16 h; C = Tue 1 h + Wed 30 min = 1 h 30 min.
    assert sorted(row.total) == [5400, 4 * HOUR, 16 * HOUR]
    assert row.stat("total", 50) == 4 * HOUR and row.stat("total", 90) == 16 * HOUR
    # Printed -> handed over: A 1 h 30 + 2 h = 3 h 30; B 6 h 50 + 8 h + 1 h = 15 h 50; C 40 min + 30 min.
    assert sorted(row.to_handover) == [4200, 12600, 57000]
    # Within 1 working day (8 h): A and C, not B -> 2 of 3 = 66,7 %.
    assert (row.within, row.handed_over, row.share_text()) == (2, 3, "66,7 %")
    # Open: D waited since 3 Aug (far over 8 h); E only 50 min of working time at noon on the 20th.
    [case] = f.open_cases
    assert case.printed and case.promise == 8 * HOUR and case.code == "33.14.01"
    # D: 3 Aug 09:00-16:00 = 7 h, then 4-7, 10-14 (9 days x 8 h), 17 Aug off, 18-19 (2 x 8 h), 20th 08-12.
    assert case.elapsed == (7 + 9 * 8 + 2 * 8 + 4) * HOUR


def test_a_holiday_added_or_removed_changes_the_count(august: World) -> None:
    with Session(august.engine) as s:
        service_standard.add_holiday(s, ADMIN, date(2026, 8, 18), "Libur daerah (uji)", TODAY)
        s.commit()
    # A: Tuesday 18th off too, and the card was handed over on the 18th at 10:00: only Friday's 2 h count.
    assert sorted(figures(august).rows[0].total) == [5400, 2 * HOUR, 16 * HOUR]
    with Session(august.engine) as s:
        service_standard.undo_change(s, ADMIN, date(2026, 8, 18))
        service_standard.remove_holiday(s, ADMIN, date(2026, 8, 17), "Kantor buka", TODAY)
        s.commit()
    # A with the 17th a working day: 2 h + 8 h + 2 h = 12 h, over the promise now.
    row = figures(august).rows[0]
    assert 12 * HOUR in row.total and row.within == 1
    with Session(august.engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-3:] == ["standard.holiday_add", "standard.holiday_undo", "standard.holiday_remove"]


def test_a_promise_per_reason_changes_the_share(august: World) -> None:
    with Session(august.engine) as s:
        service_standard.set_promise(s, ADMIN, "baru", 2, 0)  # 16 h: B (exactly 16 h) is within now
        s.commit()
    row = figures(august).rows[0]
    assert row.within == 3 and row.share_text() == "100,0 %"
    with Session(august.engine) as s:
        service_standard.set_week(s, ADMIN, [1, 2, 3, 4, 5], "08:00", "12:00")  # 4 h days: 2 days = 8 h
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "standard.promise")).one()
        assert event.entity_id == "baru" and event.detail["days"] == 2
        s.commit()
    row = figures(august).rows[0]
    # With 08:00-12:00: A = 0 (Fri after 12) + Tue 2 h = 2 h; B = Mon 3 h + Tue 4 h + Wed 1 h = 8 h; C = 30 min.
    assert sorted(row.total) == [1800, 2 * HOUR, 8 * HOUR] and row.within == 3


@pytest.mark.parametrize(
    ("call", "code", "words"),
    [
        (lambda s: service_standard.set_promise(s, ADMIN, "baru", 0, 0), "promise_invalid", "lebih dari nol"),
        (lambda s: service_standard.set_promise(s, ADMIN, "baru", -1, 4), "promise_invalid", "tertulis -1 hari"),
        (lambda s: service_standard.set_promise(s, ADMIN, "ganti", 1, 0), "reason_unknown", "tidak dikenal"),
        (lambda s: service_standard.set_week(s, ADMIN, [], "08:00", "16:00"), "workweek_invalid", "satu hari"),
        (lambda s: service_standard.set_week(s, ADMIN, [1], "16:00", "08:00"), "service_hours_invalid",
         "jam buka sebelum jam tutup"),
        (lambda s: service_standard.add_holiday(s, ADMIN, date(1900, 1, 2), "Libur", TODAY),
         "holiday_out_of_range", "hanya dapat diatur untuk tahun 1946 sampai 2031"),
        (lambda s: service_standard.add_holiday(s, ADMIN, date(2040, 1, 2), "Libur", TODAY),
         "holiday_out_of_range", "02-01-2040 di luar rentang"),
        (lambda s: service_standard.add_holiday(s, ADMIN, date(2026, 8, 17), "Libur", TODAY),
         "holiday_already_off", "sudah hari libur nasional"),
        (lambda s: service_standard.add_holiday(s, ADMIN, date(2026, 8, 19), "  ", TODAY),
         "holiday_name_missing", "nama hari libur"),
        (lambda s: service_standard.remove_holiday(s, ADMIN, date(2026, 8, 19), "", TODAY),
         "holiday_not_national", "bukan hari libur nasional"),
        (lambda s: service_standard.undo_change(s, ADMIN, date(2026, 8, 19)), "holiday_change_not_found",
         "Tidak ada perubahan"),
    ],
)  # fmt: skip
def test_refusals_in_indonesian(world: World, call: object, code: str, words: str) -> None:
    with Session(world.engine) as s:
        with pytest.raises(DomainError) as caught:
            call(s)  # type: ignore[operator]
        s.rollback()
        assert caught.value.code == code
        assert words in error_text(caught.value, "id"), error_text(caught.value, "id")
        assert s.exec(select(AuditEvent).where(AuditEvent.action.startswith("standard."))).first() is None  # type: ignore[attr-defined]


def test_a_day_changed_twice_is_refused(world: World) -> None:
    with Session(world.engine) as s:
        service_standard.add_holiday(s, ADMIN, date(2026, 12, 24), "Cuti bersama Natal", TODAY)
        with pytest.raises(service_standard.HolidayAlreadyChanged):
            service_standard.add_holiday(s, ADMIN, date(2026, 12, 24), "Lagi", TODAY)


def test_exports_read_back(august: World) -> None:
    f = figures(august)
    raw = standard_view.to_csv(f, "id", date(2026, 8, 1), date(2026, 8, 31))
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    kalijambe = next(r for r in rows if r[:2] == ["2026-08", "33.14.01"])
    # month; code; name; printed; print median, p90 (h); handed; handover median, p90; total median, p90; ...
    assert kalijambe[2] == "Kantor Kecamatan Kalijambe" and kalijambe[3] == "5"
    assert kalijambe[4:6] == ["0,17", "0,50"]  # 10 min, 30 min in hours
    assert kalijambe[6] == "3" and kalijambe[9:13] == ["4,00", "16,00", "2", "66,7 %"]
    assert any("jam layanan 08.00–16.00" in r[0] for r in rows if r)
    open_row = next(r for r in rows if len(r) > 2 and r[2] == "4")
    assert open_row[:2] == ["33.14.01", "Kantor Kecamatan Kalijambe"] and open_row[5] == "Menunggu diambil"
    book = load_workbook(io.BytesIO(standard_view.to_xlsx(f, "en", date(2026, 8, 1), date(2026, 8, 31))))
    values = [list(r) for r in book["Service standard"].iter_rows(values_only=True)]
    row = next(r for r in values if r[:2] == ["2026-08", "33.14.01"])
    assert row[9] == 4.0 and row[10] == 16.0 and row[11] == 2 and row[12] == pytest.approx(0.6667)
    assert values[2][0] == "Month" and "Share within the promise" in values[2]


def test_api_cli_and_pages(august: World, settings: Settings, client: TestClient, as_user: object) -> None:
    admin = as_user("admin")  # type: ignore[operator]
    r = client.put("/api/v1/service-standard/promises/hilang", json={"days": 0, "hours": 0}, headers=admin)
    assert r.status_code == 422 and r.json()["error"] == "promise_invalid"
    assert "lebih dari nol" in r.json()["message"]
    r = client.put("/api/v1/service-standard/promises/hilang", json={"days": 3, "hours": 4}, headers=admin)
    assert r.status_code == 200 and r.json()["promises"]["hilang"] == {"days": 3, "hours": 4}
    r = client.post(
        "/api/v1/service-standard/holidays",
        json={"day": "2026-12-24", "action": "add", "name": "Cuti bersama Natal"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    clerk = as_user("kalijambe.clerk")  # type: ignore[operator]
    assert client.put("/api/v1/service-standard/week", json={"workdays": [1], "opens": "08:00",
                      "closes": "12:00"}, headers=clerk).status_code == 403  # fmt: skip
    days = client.get("/api/v1/service-standard/holidays?year=2026", headers=admin).json()
    assert {"day": "2026-12-24", "name": "Cuti bersama Natal", "source": "added", "removed": False} in days
    assert any(d["day"] == "2026-08-17" and d["source"] == "package" for d in days)
    assert client.delete("/api/v1/service-standard/holidays/2026-12-24", headers=admin).status_code == 204

    runner = CliRunner()
    out = runner.invoke(
        cli, ["standard", "holiday-add", "2026-12-31", "--name", "Libur daerah"], obj=settings
    )
    assert out.exit_code == 0, out.output
    out = runner.invoke(cli, ["standard", "promise", "rusak", "--days", "0"], obj=settings)
    assert out.exit_code == 2 and "more than zero" in out.output
    out = runner.invoke(cli, ["standard", "holidays", "--year", "2026"], obj=settings)
    assert "2026-12-31  added     Libur daerah" in out.output and "2026-08-17  national" in out.output

    login(client, "admin")
    page = client.get("/standard?year=2026")
    assert page.status_code == 200 and "Libur daerah" in page.text and "Hari Kemerdekaan" in page.text
    r = client.post(
        "/standard/holiday_add",
        data={"csrf_token": _csrf(client, "/standard"), "day": "30-12-2026", "name": "Cuti bersama"},
        follow_redirects=True,
    )
    assert "Standar pelayanan disimpan." in r.text and 'data-day="2026-12-30"' in r.text
    r = client.post(
        "/standard/promises",
        data={"csrf_token": _csrf(client, "/standard")}
        | {f"days_{x}": "0" for x in service_standard.REASONS},
        follow_redirects=True,
    )
    assert "lebih dari nol" in r.text
    ind = client.get("/indicators?from=01-08-2026&to=31-08-2026")
    assert ind.status_code == 200 and 'data-testid="standard"' in ind.text
    assert "66,7 %" in ind.text and "Kalijambe" in ind.text
    exported = client.get("/indicators/standard.csv?from=01-08-2026&to=31-08-2026")
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")
    assert b"2026-08;33.14.01;Kantor Kecamatan Kalijambe;5;" in exported.content
    assert client.get("/indicators/standard.xlsx?from=01-08-2026&to=31-08-2026").status_code == 200
    with Session(august.engine) as s:
        actions = {e.action for e in s.exec(select(AuditEvent))}
    assert {"standard.promise", "standard.holiday_add", "standard.holiday_undo"} <= actions
