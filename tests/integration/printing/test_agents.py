"""Print agents (issue 14) in process: enrollment, office scoping, fetch binding, idempotent reports and a
card printed by a real agent (``ktp_service.print_agent``) over the API, through the TestClient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select, update

from ktp_service import print_agent
from ktp_service.models import AgentReport, AuditEvent, PrintAgent, PrintJob, StockMovement
from printers.simulator import SimulatorControl
from tests.integration.printing.conftest import CLERK, SUPERVISOR, Counter, Headers, add_resident

A = "/api/v1/agent"


def new_agent(
    client: TestClient, as_user: Headers, name: str = "kalijambe", office: str = "33.14.01"
) -> tuple[int, str]:
    r = client.post("/api/v1/agents", json={"name": name, "office": office}, headers=as_user("admin"))
    assert r.status_code == 201, r.text
    return int(r.json()["id"]), str(r.json()["enrollment_code"])


def enroll(client: TestClient, code: str) -> dict[str, str]:
    r = client.post(f"{A}/enroll", json={"code": code})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['credential']}"}


def agent_printer(
    client: TestClient,
    as_user: Headers,
    agent_id: int,
    name: str = "Agen-1",
    office: str = "33.14.01",
    **config: Any,
) -> int:
    r = client.post(
        "/api/v1/printers",
        json={
            "name": name,
            "office": office,
            "adapter": "simulator",
            "uri": f"simulator://{name.lower()}",
            "config": config,
            "agent_id": agent_id,
        },
        headers=as_user("admin"),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def order(counter: Counter, printer_id: int, nik: str | None = None) -> str:
    r = counter.client.post(
        "/api/v1/print-jobs",
        json={"nik": nik or counter.nik, "printer_id": printer_id, "reason": "baru"},
        headers=counter.as_user(CLERK),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def job_row(counter: Counter, job_id: str) -> PrintJob:
    with Session(counter.world.engine) as s:
        job = s.exec(select(PrintJob).where(PrintJob.uuid == job_id)).one()
        s.expunge(job)
        return job


def test_enrollment_code_once_expired_revoked_re_enrolled(counter: Counter) -> None:
    c, admin = counter.client, counter.as_user("admin")
    agent_id, code = new_agent(c, counter.as_user)
    creds = enroll(c, code.lower())  # typed by a person: case and dashes do not matter
    again = c.post(f"{A}/enroll", json={"code": code})
    assert again.status_code == 401 and again.json()["error"] == "enrollment_code_invalid"
    assert c.post(f"{A}/fetch-jobs", json={}, headers=creds).status_code == 200

    listed = c.get("/api/v1/agents", headers=admin).json()
    assert [(a["id"], a["office"], a["enrolled_at"] is not None) for a in listed] == [
        (agent_id, "33.14.01", True)
    ]

    r = c.post(f"/api/v1/agents/{agent_id}/revoke", headers=admin)
    assert r.status_code == 200 and r.json()["revoked_at"]
    refused = c.post(f"{A}/fetch-jobs", json={}, headers=creds)
    assert refused.status_code == 401 and refused.json()["error"] == "agent_revoked"
    assert "dicabut" in refused.json()["message"]  # Indonesian by default

    r = c.post(f"/api/v1/agents/{agent_id}/re-enroll", headers=admin)
    new_code = r.json()["enrollment_code"]
    old = c.post(f"{A}/fetch-jobs", json={}, headers=creds)
    assert old.status_code == 401 and old.json()["error"] == "agent_credential_invalid"
    with Session(counter.world.engine) as s:  # a day later, the code has expired
        s.exec(update(PrintAgent).values(enrollment_expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        s.commit()
    expired = c.post(f"{A}/enroll", json={"code": new_code}, headers={"Accept-Language": "en"})
    assert expired.status_code == 401 and expired.json()["error"] == "enrollment_code_expired"
    assert "expired" in expired.json()["message"]

    with Session(counter.world.engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.entity == "print_agent"))]
    assert actions == ["agent.create", "agent.enroll", "agent.revoke", "agent.re_enroll"]


def test_a_fetched_job_is_bound_to_its_agent_and_scoped_to_its_office(counter: Counter) -> None:
    c, as_user = counter.client, counter.as_user
    a_id, a_code = new_agent(c, as_user, "kalijambe")
    b_id, b_code = new_agent(c, as_user, "kalijambe-2")  # two agents at one office
    x_id, x_code = new_agent(c, as_user, "plupuh", office="33.14.02")
    a, b, x = enroll(c, a_code), enroll(c, b_code), enroll(c, x_code)
    pa = agent_printer(c, as_user, a_id, "Agen-A")
    agent_printer(c, as_user, b_id, "Agen-B")
    job_id = order(counter, pa)

    counter.worker.run_once()  # the central worker leaves agent printers to their agent
    assert job_row(counter, job_id).state == "pending"

    jobs = c.post(f"{A}/fetch-jobs", json={}, headers=a).json()["jobs"]
    assert [j["job_id"] for j in jobs] == [job_id] and jobs[0]["attempt"] == 1
    again = c.post(f"{A}/fetch-jobs", json={}, headers=a).json()["jobs"]
    assert again == jobs  # a lost answer costs nothing: the same job again, not a copy
    for other in (b, x):
        assert c.post(f"{A}/fetch-jobs", json={}, headers=other).json()["jobs"] == []
        for method, path, body in (
            ("POST", f"{A}/jobs/{job_id}/acknowledge", {"attempt": 1}),
            ("GET", f"{A}/jobs/{job_id}/document", None),
            ("POST", f"{A}/jobs/{job_id}/status", {"attempt": 1, "event": "printed"}),
        ):
            r = c.request(method, path, json=body, headers=other)
            assert r.status_code == 404 and r.json()["error"] == "agent_job_not_found", (path, r.text)
    counter.worker.run_once()
    held = job_row(counter, job_id)
    assert (held.state, held.agent_id, held.claimed_by) == ("processing", a_id, f"agent:{a_id}")

    c.post(f"/api/v1/agents/{a_id}/revoke", headers=as_user("admin"))
    counter.worker.run_once()  # revoked, the agent still holds the job (it may have printed): nobody takes it
    assert c.post(f"{A}/fetch-jobs", json={}, headers=b).json()["jobs"] == []
    assert job_row(counter, job_id).agent_id == a_id
    view = c.get(f"/api/v1/print-jobs/{job_id}", headers=as_user(CLERK)).json()
    assert view["agent"]["name"] == "kalijambe" and view["agent"]["fetched_at"]


def test_status_reports_are_idempotent_and_billed_once(counter: Counter) -> None:
    c, as_user = counter.client, counter.as_user
    agent_id, code = new_agent(c, as_user)
    creds = enroll(c, code)
    printer = agent_printer(c, as_user, agent_id)
    job_id = order(counter, printer)
    offer = c.post(f"{A}/fetch-jobs", json={}, headers=creds).json()["jobs"][0]
    doc = c.get(f"{A}/jobs/{job_id}/document", headers=creds)
    import hashlib

    assert (
        hashlib.sha256(doc.content).hexdigest()
        == offer["document_sha256"]
        == doc.headers["x-document-sha256"]
    )
    r = c.post(f"{A}/jobs/{job_id}/acknowledge", json={"attempt": 1}, headers=creds)
    assert r.status_code == 200 and r.json()["state"] == "processing"

    stale = c.post(f"{A}/jobs/{job_id}/status", json={"attempt": 2, "event": "printing"}, headers=creds)
    assert stale.status_code == 409 and stale.json()["error"] == "agent_attempt_stale"
    long_ago = (datetime.now(UTC) - timedelta(days=40)).isoformat()  # a printer clock a month behind
    printed = {
        "attempt": 1,
        "event": "printed",
        "printer_time": long_ago,
        "document_sha256": offer["document_sha256"],
    }
    first = c.post(f"{A}/jobs/{job_id}/status", json=printed, headers=creds)
    assert first.status_code == 200 and first.json()["state"] == "completed"
    repeat = c.post(f"{A}/jobs/{job_id}/status", json=printed, headers=creds)
    assert repeat.json() == first.json()  # a repeat changes nothing and gets the same answer
    late = c.post(f"{A}/jobs/{job_id}/status", json={"attempt": 1, "event": "printing"}, headers=creds)
    assert late.status_code == 200 and late.json()["state"] == "completed"  # reordered: changes nothing
    contradiction = c.post(
        f"{A}/jobs/{job_id}/status", json={"attempt": 1, "event": "spoiled"}, headers=creds
    )
    assert contradiction.status_code == 409

    job = job_row(counter, job_id)
    assert job.completed_at is not None and job.agent_fetched_at is not None
    assert job.completed_at == job.agent_fetched_at  # clamped: not before the agent had the card
    assert len(counter.outbox()) == 1
    with Session(counter.world.engine) as s:
        printed_stock = s.exec(select(StockMovement).where(StockMovement.kind == "printed")).all()
        reports = s.exec(select(AgentReport)).all()
    assert len(printed_stock) == 1 and sorted(r.event for r in reports) == ["printed", "printing"]
    view = c.get(f"/api/v1/print-jobs/{job_id}", headers=as_user(CLERK)).json()
    assert (
        view["state"] == "completed"
        and view["agent"]["reported_at"]
        and view["agent"]["unreachable_since"] is None
    )


def _agent_process(counter: Counter, tmp_path: Path, code: str) -> print_agent.PrintAgent:
    data_dir = tmp_path / "agent"
    print_agent.enroll("http://testserver", code, data_dir, allow_http=True, http=counter.client)
    assert (data_dir / "agent.json").stat().st_mode & 0o777 == 0o600
    return print_agent.PrintAgent(data_dir, http=counter.client)


def test_an_agent_prints_reports_and_deletes_the_card(counter: Counter, tmp_path: Path) -> None:
    c, as_user = counter.client, counter.as_user
    agent_id, code = new_agent(c, as_user)
    printer = agent_printer(c, as_user, agent_id)
    second = add_resident(c, as_user, serial=7001)
    jobs = [order(counter, printer), order(counter, printer, second)]
    agent = _agent_process(counter, tmp_path, code)
    for _ in range(6):
        agent.run_once()
    assert [job_row(counter, j).state for j in jobs] == ["completed", "completed"]
    sim = SimulatorControl(f"printer-{printer}", state_dir=str(tmp_path / "agent" / "simulators"))
    assert sim.info().card_counter == 2  # printed at the agent, on its own simulator
    assert len(counter.outbox()) == 2
    assert list((tmp_path / "agent" / "cards").iterdir()) == []  # cards leave the office once printed
    assert agent.journal.counts().get("waiting_to_report") == 0
    listed = c.get("/api/v1/agents", headers=as_user("admin")).json()[0]
    assert listed["queue_depth"] == 0 and listed["version"] and listed["printers"][0]["state"] == "idle"
    page = agent.status_html()
    assert "Selesai / finished</td><td>2" in page and "centre reachable" in page


def test_killed_while_sending_waits_for_a_person(counter: Counter, tmp_path: Path) -> None:
    c, as_user = counter.client, counter.as_user
    agent_id, code = new_agent(c, as_user)
    printer = agent_printer(c, as_user, agent_id)
    job_id = order(counter, printer)
    agent = _agent_process(counter, tmp_path, code)
    agent._talk(agent._sync)
    agent._talk(agent._fetch)
    agent._talk(agent._download)
    agent.journal.intend(job_id)  # the intent was journaled, then the agent died before the printer answered
    agent.journal.close()

    restarted = print_agent.PrintAgent(tmp_path / "agent", http=c)
    restarted.run_once()
    assert job_row(counter, job_id).state == "needs-confirmation"
    sim = SimulatorControl(f"printer-{printer}", state_dir=str(tmp_path / "agent" / "simulators"))
    assert sim.info().card_counter == 0  # never resent
    r = c.post(
        f"/api/v1/print-jobs/{job_id}/confirm", json={"outcome": "spoiled"}, headers=as_user(SUPERVISOR)
    )
    assert r.status_code == 200 and r.json()["state"] == "aborted" and counter.outbox() == []
