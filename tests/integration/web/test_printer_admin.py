"""Printers from the console: editing within the registry's rules, switching off (no new jobs), and the
status history with availability per day. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ktp_service.models import AuditEvent, Printer, PrinterStatusChange
from ktp_service.services import printer_history, printers
from tests.conftest import World
from tests.integration.printing.conftest import add_resident
from tests.integration.web.test_pages import _csrf, login

JAKARTA = ZoneInfo("Asia/Jakarta")


def _printer(client: TestClient, as_user, name: str = "P1") -> int:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/printers",
        json={
            "name": name,
            "office": "33.14.01",
            "adapter": "simulator",
            "uri": f"simulator://{name.lower()}",
        },
        headers=as_user("admin"),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _edit(client: TestClient, printer_id: int, **fields: str) -> object:
    form = {
        "name": "P1",
        "office": "33.14.01",
        "uri": "simulator://p1",
        "config": "",
        "document_format": "image/png",
        "dpi": "300",
    }
    form.update(fields)
    form["csrf_token"] = _csrf(client, f"/printers/{printer_id}")
    r = client.post(f"/printers/{printer_id}/edit", data=form, follow_redirects=False)
    if r.status_code == 303 and r.headers["location"].startswith("/shown?kept="):
        return client.get(r.headers["location"])  # a refused form is shown by a GET (post/redirect/get)
    return r


def test_admin_edits_a_printer_within_the_rules(client: TestClient, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    printer_id = _printer(client, as_user)
    _printer(client, as_user, "P2")
    login(client, "admin")
    page = client.get(f"/printers/{printer_id}")
    assert (
        page.status_code == 200
        and "Ubah printer" in page.text
        and "33.14.01 · Kantor Kecamatan Kalijambe" in page.text
    )

    r = _edit(client, printer_id, name="Loket 1", config='{"speed": 2}', dpi="600")
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    with Session(world.engine) as s:
        p = s.get(Printer, printer_id)
        assert p is not None and (p.name, p.config, p.dpi) == ("Loket 1", {"speed": 2}, 600)
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "printer.update")).one()
        assert event.entity_id == str(printer_id) and sorted(event.detail["fields"]) == [
            "config",
            "dpi",
            "name",
        ]

    # The registry's own rules: a name taken in the office, a location the service chooses, not JSON.
    for fields, said, status in (
        ({"name": "P2"}, "sudah memiliki printer bernama P2", 409),
        ({"config": '{"state_dir": "/etc"}'}, 'id="f-config"', 422),
        ({"config": "speed=3"}, "objek JSON", 422),
        ({"uri": "simulator://x/../y"}, 'id="f-uri"', 422),
    ):
        r = _edit(
            client,
            printer_id,
            name=fields.get("name", "Loket 1"),
            **{k: v for k, v in fields.items() if k != "name"},
        )
        assert r.status_code == status, (fields, r.status_code)  # type: ignore[attr-defined]
        assert said in r.text, (fields, r.text[-2000:])  # type: ignore[attr-defined]
        if said.startswith("id="):  # the field is marked invalid, with its message beside it
            field = said[len('id="f-') : -1]
            assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', r.text, re.S), fields  # type: ignore[attr-defined]
            assert re.search(rf'id="e-{field}" aria-live="polite">[^<]+<', r.text), fields  # type: ignore[attr-defined]
    with Session(world.engine) as s:
        p = s.get(Printer, printer_id)
        assert p is not None and (p.name, p.config) == ("Loket 1", {"speed": 2})

    login(client, "kalijambe.supervisor")  # may look, may not edit
    assert client.get(f"/printers/{printer_id}").status_code == 200
    assert _edit(client, printer_id, name="X").status_code == 403  # type: ignore[attr-defined]


def test_a_switched_off_printer_gets_no_new_jobs(client: TestClient, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    printer_id = _printer(client, as_user)
    login(client, "admin")
    token = _csrf(client, f"/printers/{printer_id}")
    r = client.post(f"/printers/{printer_id}/active", data={"csrf_token": token, "active": "0"})
    assert r.status_code == 200 and "Printer P1 dinonaktifkan." in r.text
    nik = add_resident(client, as_user)
    r = client.post(
        "/api/v1/print-jobs",
        json={"nik": nik, "printer_id": printer_id, "reason": "baru"},
        headers=as_user("kalijambe.clerk"),
    )
    assert r.status_code == 409 and r.json()["error"] == "printer_inactive"

    r = client.post(f"/printers/{printer_id}/active", data={"csrf_token": token, "active": "1"})
    assert "Printer P1 diaktifkan." in r.text
    r = client.post(
        "/api/v1/print-jobs",
        json={"nik": nik, "printer_id": printer_id, "reason": "baru"},
        headers=as_user("kalijambe.clerk"),
    )
    assert r.status_code == 201, r.text
    with Session(world.engine) as s:
        actions = [
            e.action
            for e in s.exec(select(AuditEvent).where(AuditEvent.entity == "printer").order_by(AuditEvent.id))
        ]
    assert actions[-2:] == ["printer.disable", "printer.enable"]


def test_status_changes_are_recorded_and_availability_is_per_day(
    client: TestClient, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    printer_id = _printer(client, as_user)
    adapters = client.app.state.adapters  # type: ignore[attr-defined]
    from ktp_service.services.actor import SYSTEM

    # Three polls while ready: one change (unknown -> ready); a jam and its clearing: two more.
    for _ in range(3):
        printers.refresh(world.engine, SYSTEM, printer_id, adapters)
    printers.operate_simulator(world.engine, SYSTEM, printer_id, adapters, set_faults=("jam",))
    printers.refresh(world.engine, SYSTEM, printer_id, adapters)
    printers.operate_simulator(world.engine, SYSTEM, printer_id, adapters, clear_faults=("all",))
    with Session(world.engine) as s:
        rows = s.exec(
            select(PrinterStatusChange)
            .where(PrinterStatusChange.printer_id == printer_id)
            .order_by(PrinterStatusChange.id)
        ).all()
    assert [(r.state, any("jam" in x for x in r.reasons)) for r in rows] == [
        ("idle", False),
        ("stopped", True),
        ("idle", False),
    ]

    login(client, "kalijambe.supervisor")
    page = client.get(f"/printers/{printer_id}")
    assert page.status_code == 200
    assert page.text.count('data-state-key="pstate.media-jam"') == 1 and "Macet" in page.text


def test_availability_counts_known_time_only() -> None:
    now = datetime(2026, 9, 10, 12, 0, tzinfo=JAKARTA)  # noon, day 14 of the window

    def change(at: datetime, state: str, reasons: list[str]) -> PrinterStatusChange:
        return PrinterStatusChange(printer_id=1, at=at.astimezone(UTC), state=state, reasons=reasons)

    changes = [
        change(datetime(2026, 9, 8, 18, 0, tzinfo=JAKARTA), "idle", []),  # first known: 18:00 on the 8th
        change(datetime(2026, 9, 9, 6, 0, tzinfo=JAKARTA), "stopped", ["media-jam-error"]),
        change(datetime(2026, 9, 9, 12, 0, tzinfo=JAKARTA), "idle", []),
    ]
    days = printer_history.daily_availability(
        changes, lambda c: c.state != "stopped", days=14, now=now, zone=JAKARTA
    )
    assert (
        len(days) == 14
        and days[0].day.isoformat() == "2026-08-28"
        and days[-1].day.isoformat() == "2026-09-10"
    )
    assert all(d.percent is None for d in days[:11])  # nothing known before the 8th
    assert days[11].percent == 100.0 and days[11].known_seconds == 6 * 3600
    assert days[12].percent == 75.0  # jammed 06:00-12:00 of 24 hours
    assert days[13].percent == 100.0 and days[13].known_seconds == 12 * 3600  # today, up to noon
    assert sum(d.known_seconds for d in days) == (now - changes[0].at).total_seconds()
    assert timedelta(seconds=days[12].ready_seconds) == timedelta(hours=18)
