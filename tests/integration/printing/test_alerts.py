"""Alerts (issue 15, part 4) on SQLite and PostgreSQL: each condition raises an alert and clears it when it
ends; evaluating again changes nothing; two evaluators at once raise each alert once (the database's partial
unique index); acknowledgement is audited, once only, and scoped to the supervisor's office."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ktp_service.models import Alert, AuditEvent, Office, PrintAgent, utcnow
from ktp_service.services import alerts
from tests.integration.printing.conftest import CLERK, SUPERVISOR, Counter
from tests.integration.printing.test_handover import hand_over, printed

ADMIN = "admin"


def evaluate(counter: Counter, now: datetime | None = None) -> alerts.Outcome:
    return alerts.evaluate(counter.world.engine, counter.settings, now or utcnow())


def rows(counter: Counter, kind: str | None = None) -> list[Alert]:
    with Session(counter.world.engine) as s:
        query = select(Alert).order_by(col(Alert.id))
        if kind:
            query = query.where(Alert.kind == kind)
        return list(s.exec(query))


def api_alerts(counter: Counter, user: str = ADMIN, **params: str) -> list[dict[str, Any]]:
    r = counter.client.get("/api/v1/alerts", params=params, headers=counter.as_user(user))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def refresh(counter: Counter) -> None:
    r = counter.client.post(
        f"/api/v1/printers/{counter.printer_id}/status", headers=counter.as_user(SUPERVISOR)
    )
    assert r.status_code == 200, r.text


def test_a_printer_down_too_long_raises_an_alert_that_clears_when_it_is_back(counter: Counter) -> None:
    counter.simulate(set=["offline"])
    refresh(counter)
    minutes = counter.settings.alert_printer_down_minutes
    assert evaluate(counter, utcnow() + timedelta(minutes=minutes - 5)).raised == 0  # not long enough yet
    later = utcnow() + timedelta(minutes=minutes + 1)
    assert evaluate(counter, later).raised == 1
    again = evaluate(counter, later + timedelta(minutes=1))
    assert (again.raised, again.cleared) == (0, 0)  # idempotent
    [alert] = rows(counter, alerts.PRINTER_DOWN)
    assert alert.subject == f"printer:{counter.printer_id}" and alert.subject_name == "Evolis-1"
    assert alert.detail["state"] == "offline" and alert.cleared_at is None
    [shown] = api_alerts(counter)
    assert shown["kind_name"] == "Printer mati" and shown["office"] == "33.14.01"
    assert "Printer Evolis-1" in shown["text"] and "di 33.14.01 · Kantor Kecamatan Kalijambe" in shown["text"]
    assert "Cek sekarang" in shown["what_to_do"]
    en = counter.client.get("/api/v1/alerts", headers=counter.as_user(ADMIN) | {"Accept-Language": "en"})
    assert en.json()[0]["kind_name"] == "Printer down"

    counter.simulate(clear=["offline"])
    refresh(counter)
    assert evaluate(counter, later + timedelta(minutes=2)).cleared == 1
    [alert] = rows(counter, alerts.PRINTER_DOWN)
    assert alert.cleared_at is not None
    # Cleared but not acknowledged: still counted for the badge, no longer open.
    assert api_alerts(counter, show="open") == []
    assert len(api_alerts(counter)) == 1


def test_an_agent_silent_too_long_raises_an_alert_that_clears_when_it_calls(counter: Counter) -> None:
    now = utcnow()
    with Session(counter.world.engine) as s:
        office = s.exec(select(Office).where(Office.code == "33.14.01")).one()
        agent = PrintAgent(
            name="agen-kalijambe",
            office_id=office.id,
            enrolled_at=now - timedelta(hours=3),
            last_contact_at=now - timedelta(minutes=counter.settings.alert_agent_down_minutes + 5),
        )
        s.add(agent)
        s.commit()
        agent_id = agent.id
    assert evaluate(counter, now).raised == 1
    [alert] = rows(counter, alerts.AGENT_DOWN)
    assert (alert.subject, alert.subject_name) == (f"agent:{agent_id}", "agen-kalijambe")
    assert "Agen cetak agen-kalijambe" in api_alerts(counter)[0]["text"]
    with Session(counter.world.engine) as s:
        agent = s.get(PrintAgent, agent_id)
        assert agent is not None
        agent.last_contact_at = now
        s.add(agent)
        s.commit()
    assert evaluate(counter, now).cleared == 1
    # A revoked agent is not watched.
    with Session(counter.world.engine) as s:
        agent = s.get(PrintAgent, agent_id)
        assert agent is not None
        agent.last_contact_at, agent.revoked_at = now - timedelta(days=1), now
        s.add(agent)
        s.commit()
    assert evaluate(counter, now).raised == 0


def test_low_stock_uses_the_office_threshold_else_the_default(counter: Counter) -> None:
    # The counter's office holds 100 blank cards; the default threshold is 50.
    assert evaluate(counter).raised == 0
    r = counter.client.put(
        "/api/v1/offices/33.14.01/low-stock-threshold",
        json={"threshold": 100},
        headers=counter.as_user(ADMIN),
    )
    assert r.status_code == 200 and r.json()["low_stock_threshold"] == 100, r.text
    refused = counter.client.put(
        "/api/v1/offices/33.14.01/low-stock-threshold", json={"threshold": -1}, headers=counter.as_user(ADMIN)
    )
    assert refused.status_code == 422
    assert evaluate(counter).raised == 1
    [alert] = rows(counter, alerts.STOCK_LOW)
    assert alert.subject == "office:33.14.01" and alert.detail == {"balance": 100, "threshold": 100}
    printed(counter)  # one card used: the figures follow, the alert stays the same one
    outcome = evaluate(counter)
    assert (outcome.raised, outcome.updated) == (0, 1)
    [alert] = rows(counter, alerts.STOCK_LOW)
    assert alert.detail == {"balance": 99, "threshold": 100}
    assert "tinggal 99 blanko" in api_alerts(counter)[0]["text"]
    r = counter.client.put(
        "/api/v1/offices/33.14.01/low-stock-threshold",
        json={"threshold": None},
        headers=counter.as_user(ADMIN),
    )
    assert r.status_code == 200 and r.json()["low_stock_threshold"] is None
    assert evaluate(counter).cleared == 1
    with Session(counter.world.engine) as s:
        audited = list(s.exec(select(AuditEvent).where(AuditEvent.action == "office.low_stock_threshold")))
    assert [e.detail["threshold"] for e in audited] == [100, None]


def test_a_job_waiting_too_long_for_approval_raises_an_alert_until_approved(counter: Counter) -> None:
    printed(counter)
    r = counter.print_card("rusak")
    assert r.status_code == 201 and r.json()["state"] == "pending-held", r.text
    job = r.json()
    minutes = counter.settings.alert_approval_minutes
    assert evaluate(counter, utcnow() + timedelta(minutes=minutes - 1)).raised == 0
    later = utcnow() + timedelta(minutes=minutes + 1)
    assert evaluate(counter, later).raised == 1
    [alert] = rows(counter, alerts.APPROVAL_WAITING)
    assert alert.subject == f"job:{job['id']}" and alert.detail["reason"] == "rusak"
    r = counter.client.post(
        f"/api/v1/print-jobs/{job['id']}/approve", json={}, headers=counter.as_user(SUPERVISOR)
    )
    assert r.status_code == 200, r.text
    assert evaluate(counter, later).cleared == 1


def test_cards_not_collected_raise_one_alert_per_office_until_handed_over(counter: Counter) -> None:
    job = printed(counter)
    days = counter.settings.uncollected_days
    assert evaluate(counter, utcnow() + timedelta(days=days - 1)).raised == 0
    later = utcnow() + timedelta(days=days, hours=1)
    assert evaluate(counter, later).raised == 1
    [alert] = rows(counter, alerts.UNCOLLECTED)
    assert alert.subject == "office:33.14.01" and alert.detail["count"] == 1
    assert "1 kartu di 33.14.01 · Kantor Kecamatan Kalijambe belum diambil" in api_alerts(counter)[0]["text"]
    assert hand_over(counter, job["id"]).status_code == 201
    assert evaluate(counter, later).cleared == 1


def test_two_evaluators_at_once_raise_each_alert_once(counter: Counter) -> None:
    counter.client.put(
        "/api/v1/offices/33.14.01/low-stock-threshold",
        json={"threshold": 500},
        headers=counter.as_user(ADMIN),
    )
    counter.simulate(set=["offline"])
    refresh(counter)
    now = utcnow() + timedelta(minutes=counter.settings.alert_printer_down_minutes + 1)
    start = threading.Barrier(4)
    outcomes: list[alerts.Outcome] = []
    failures: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            outcomes.append(alerts.evaluate(counter.world.engine, counter.settings, now))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures
    assert sum(o.raised for o in outcomes) == 2
    assert sorted(a.kind for a in rows(counter)) == [alerts.PRINTER_DOWN, alerts.STOCK_LOW]


def test_the_database_refuses_a_second_open_alert_for_one_subject(counter: Counter) -> None:
    with Session(counter.world.engine) as s:
        office_id = s.exec(select(Office.id).where(Office.code == "33.14.01")).one()
        s.add(Alert(kind=alerts.STOCK_LOW, office_id=office_id, subject="office:33.14.01"))
        s.commit()
        s.add(Alert(kind=alerts.STOCK_LOW, office_id=office_id, subject="office:33.14.01"))
        with pytest.raises(IntegrityError):
            s.commit()
        s.rollback()
        first = s.exec(select(Alert)).one()
        first.cleared_at = utcnow()
        s.add(first)
        s.commit()
        s.add(Alert(kind=alerts.STOCK_LOW, office_id=office_id, subject="office:33.14.01"))
        s.commit()  # a cleared alert does not hold the place: the condition may come back
        assert len(list(s.exec(select(Alert)))) == 2


def _raise_stock_alert(counter: Counter, office: str = "33.14.01") -> int:
    r = counter.client.put(
        f"/api/v1/offices/{office}/low-stock-threshold",
        json={"threshold": 1000},
        headers=counter.as_user(ADMIN),
    )
    assert r.status_code == 200, r.text
    evaluate(counter)
    return rows(counter, alerts.STOCK_LOW)[-1].id or 0


def test_acknowledging_is_audited_once_and_scoped_to_the_office(counter: Counter) -> None:
    alert_id = _raise_stock_alert(counter)
    count = counter.client.get("/api/v1/alerts/count", headers=counter.as_user(SUPERVISOR))
    assert count.json() == {"unacknowledged": 1}
    # Another office's supervisor neither sees nor acknowledges it; a clerk sees no alerts at all.
    assert api_alerts(counter, "kpt.supervisor") == []
    assert counter.client.get("/api/v1/alerts/count", headers=counter.as_user("kpt.supervisor")).json() == {
        "unacknowledged": 0
    }
    other = counter.client.post(
        f"/api/v1/alerts/{alert_id}/acknowledge",
        json={"note": "x"},
        headers=counter.as_user("kpt.supervisor"),
    )
    assert other.status_code == 404 and other.json()["error"] == "alert_not_found"
    assert counter.client.get("/api/v1/alerts", headers=counter.as_user(CLERK)).status_code == 403
    long = counter.client.post(
        f"/api/v1/alerts/{alert_id}/acknowledge",
        json={"note": "x" * 301},
        headers=counter.as_user(SUPERVISOR),
    )
    assert long.status_code == 422

    r = counter.client.post(
        f"/api/v1/alerts/{alert_id}/acknowledge",
        json={"note": "Minta kiriman 200 blanko dari KPT"},
        headers=counter.as_user(SUPERVISOR),
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert (
        got["acknowledged_by"] == SUPERVISOR
        and got["acknowledge_note"] == "Minta kiriman 200 blanko dari KPT"
    )
    again = counter.client.post(
        f"/api/v1/alerts/{alert_id}/acknowledge", json={"note": ""}, headers=counter.as_user(ADMIN)
    )
    assert again.status_code == 409 and again.json()["error"] == "alert_already_acknowledged"
    assert "sudah ditanggapi" in again.json()["message"]
    with Session(counter.world.engine) as s:
        events = list(s.exec(select(AuditEvent).where(AuditEvent.action == "alert.acknowledge")))
    assert [(e.username, e.entity_id, e.office_code, e.detail["kind"]) for e in events] == [
        (SUPERVISOR, str(alert_id), "33.14.01", alerts.STOCK_LOW)
    ]
    assert counter.client.get("/api/v1/alerts/count", headers=counter.as_user(ADMIN)).json() == {
        "unacknowledged": 0
    }
    # Acknowledged and still open: shown among the open ones, not counted.
    assert [a["id"] for a in api_alerts(counter, show="open")] == [alert_id]


def test_users_email_is_validated_and_audited_without_the_address(counter: Counter) -> None:
    with Session(counter.world.engine) as s:
        user_id = counter.world.users[SUPERVISOR].id
    bad = counter.client.put(
        f"/api/v1/users/{user_id}/email", json={"email": "bukan alamat"}, headers=counter.as_user(ADMIN)
    )
    assert bad.status_code == 422
    ok = counter.client.put(
        f"/api/v1/users/{user_id}/email",
        json={"email": "Supervisor@Kalijambe.Sragenkab.GO.ID"},
        headers=counter.as_user(ADMIN),
    )
    assert ok.status_code == 200 and ok.json()["email"] == "Supervisor@kalijambe.sragenkab.go.id", ok.text
    created = counter.client.post(
        "/api/v1/users",
        json={
            "username": "sumberlawang.spv",
            "password": "a-long-password-1",
            "role": "supervisor",
            "office": "33.14.02",
            "email": "spv@sumberlawang.go.id",
        },
        headers=counter.as_user(ADMIN),
    )
    assert created.status_code == 201 and created.json()["email"] == "spv@sumberlawang.go.id", created.text
    with Session(counter.world.engine) as s:
        events = list(s.exec(select(AuditEvent).where(AuditEvent.action == "user.email_change")))
    assert [e.detail for e in events] == [{"has_email": True}]
    assert "sragenkab" not in str(events[0].detail)
