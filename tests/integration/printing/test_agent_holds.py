"""Print agents and the month close, and a supervisor taking a job back from its agent (issue 14), through
the API as the agents speak it (SQLite and PostgreSQL):

- closing a month lists the cards agents still hold of it, with office and agent names, and refuses; finance
  closes anyway only with a reason, which is recorded, audited and printed on the statement paper;
- a card such an agent reports printed afterwards is dated in the closed month and billed in the next open
  month as a prior-period item, never in the closed one;
- a supervisor takes a job back (note required): it waits in needs-confirmation; the agent is told, drops a
  card it has not sent, and a report it sends anyway is refused and kept as a conflict, never billed;
- cancelling a job an agent holds takes it back likewise.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pypdf import PdfReader
from sqlmodel import Session, select, update

from billing.models import LedgerTransaction, MonthDocument
from ktp_service import print_agent
from ktp_service.models import AgentReportConflict, AuditEvent, MonthCloseOverride, PrintJob
from printers.simulator import SimulatorControl
from tests.integration.printing.conftest import CLERK, SUPERVISOR, Counter
from tests.integration.printing.test_agents import A, agent_printer, enroll, job_row, new_agent, order
from tests.integration.printing.test_month_end import CONTRACT

MONTH, NEXT = "2026-10", "2026-11"  # months that are over, so they can be closed
HANDED = datetime(2026, 10, 30, 3, 0, tzinfo=UTC)  # the card reached the agent on 30 October (WIB)
PRINTED = datetime(2026, 10, 31, 10, 0, tzinfo=UTC)  # and came out on 31 October, 17:00 WIB
REASON = "Jaringan Kalijambe putus sejak 30 Oktober; laporan agen menyusul"


def _pdf_words(content: bytes) -> str:
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def _held_in_october(counter: Counter) -> tuple[str, dict[str, str], dict[str, object]]:
    """A Kalijambe agent holding one card, handed to it at the end of October; its printing reported."""
    c, as_user = counter.client, counter.as_user
    agent_id, code = new_agent(c, as_user)
    creds = enroll(c, code)
    printer = agent_printer(c, as_user, agent_id)
    job_id = order(counter, printer)
    offer = c.post(f"{A}/fetch-jobs", json={}, headers=creds).json()["jobs"][0]
    assert c.post(f"{A}/jobs/{job_id}/acknowledge", json={"attempt": 1}, headers=creds).status_code == 200
    with Session(counter.world.engine) as s:  # the hand-over happened in October (test data, in the past)
        s.exec(update(PrintJob).where(PrintJob.uuid == job_id).values(agent_fetched_at=HANDED))
        s.commit()
    printing = {"attempt": 1, "event": "printing", "printer_time": HANDED.isoformat()}
    assert c.post(f"{A}/jobs/{job_id}/status", json=printing, headers=creds).status_code == 200
    return job_id, creds, offer


def test_close_refuses_while_agents_hold_cards_then_closes_with_a_reason_and_books_the_late_report_in_the_next_month(
    counter: Counter,
) -> None:
    c, finance = counter.client, counter.as_user("finance")
    assert c.post("/api/v1/billing/contracts", json=CONTRACT, headers=finance).status_code == 201
    job_id, creds, offer = _held_in_october(counter)
    serial = job_row(counter, job_id).card_serial

    # The month's close lists the held card with its office and agent, and refuses.
    held = c.get(f"/api/v1/billing/periods/{MONTH}/held-by-agents", headers=finance).json()
    assert [(h["job"], h["office"], h["office_name"], h["agent"]) for h in held["cards"]] == [
        (job_id, "33.14.01", "Kantor Kecamatan Kalijambe", "kalijambe")
    ]
    assert held["closed_anyway"] is None
    refused = c.post(f"/api/v1/billing/periods/{MONTH}/close", headers=finance)
    assert refused.status_code == 409 and refused.json()["error"] == "month_cards_held_by_agents"
    message = refused.json()["message"]
    assert message.startswith(
        f"1 kartu bulan {MONTH} masih dipegang agen cetak: {serial} (Kantor Kecamatan Kalijambe"
    )
    assert "kalijambe" in message and "alasan" in message
    assert refused.json()["params"]["cards"] == [f"{serial} (Kantor Kecamatan Kalijambe 33.14.01, kalijambe)"]
    english = c.post(
        f"/api/v1/billing/periods/{MONTH}/close", headers={**finance, "Accept-Language": "en"}
    ).json()["message"]
    assert english.startswith(f"1 card(s) of {MONTH} are still held by print agents")
    short = c.post(f"/api/v1/billing/periods/{MONTH}/close", json={"reason": "  ok  "}, headers=finance)
    assert short.status_code == 422 and short.json()["error"] == "close_reason_required"
    clerk = c.post(
        f"/api/v1/billing/periods/{MONTH}/close", json={"reason": REASON}, headers=counter.as_user(CLERK)
    )
    assert clerk.status_code == 403
    with Session(counter.world.engine) as s:  # nothing of the refusals survived
        assert s.exec(select(MonthCloseOverride)).all() == []

    # Finance closes anyway, with a reason: recorded, audited, shown with the close and on the paper.
    closed = c.post(f"/api/v1/billing/periods/{MONTH}/close", json={"reason": REASON}, headers=finance)
    assert closed.status_code == 200, closed.text
    anyway = closed.json()["closed_anyway"]
    assert anyway["reason"] == REASON and anyway["closed_by"] == "finance"
    assert [h["job"] for h in anyway["cards"]] == [job_id]
    assert anyway["note"].startswith(
        "Bulan ini ditutup oleh finance selagi 1 kartu masih dipegang agen cetak"
    )
    again = c.post(f"/api/v1/billing/periods/{MONTH}/close", headers=finance)
    assert again.status_code == 409 and again.json()["error"] == "month_already_closed"  # not "held"
    current = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")
    early = c.post(f"/api/v1/billing/periods/{current}/close", headers=finance)
    assert early.json()["error"] == "month_not_over"  # the card is held, but the month is not over yet
    shown = c.get(f"/api/v1/billing/periods/{MONTH}/held-by-agents", headers=finance).json()
    assert shown["closed_anyway"]["reason"] == REASON and len(shown["cards"]) == 1  # still held
    with Session(counter.world.engine) as s:
        audit = s.exec(
            select(AuditEvent).where(AuditEvent.action == "billing.close.cards_held_by_agents")
        ).one()
        paper = s.exec(select(MonthDocument).where(MonthDocument.month == MONTH)).first()
    assert (
        audit.username == "finance" and audit.detail["reason"] == REASON and audit.detail["cards"] == [job_id]
    )
    assert paper is not None and REASON[:30] in _pdf_words(paper.content)

    # The agent reports the card printed on 31 October, after October closed.
    printed = {
        "attempt": 1,
        "event": "printed",
        "printer_time": PRINTED.isoformat(),
        "document_sha256": offer["document_sha256"],
    }
    r = c.post(f"{A}/jobs/{job_id}/status", json=printed, headers=creds)
    assert r.status_code == 200 and r.json()["state"] == "completed"
    assert job_row(counter, job_id).completed_at == PRINTED  # dated when the agent's printer finished it
    assert c.post("/api/v1/billing/post-pending", headers=finance).json() == {"posted": 1}

    # Booked in the next open month as a prior-period item; the closed month is as it was signed.
    with Session(counter.world.engine) as s:
        tx = s.exec(select(LedgerTransaction).where(LedgerTransaction.card_serial == serial)).one()
    assert (tx.period, tx.event_period, tx.prior_period) == (NEXT, MONTH, True)
    october = c.get(f"/api/v1/billing/periods/{MONTH}/statement", headers=finance).json()
    november = c.get(f"/api/v1/billing/periods/{NEXT}/statement", headers=finance).json()
    assert october["status"] == "closed" and october["cards_billed"] == 0
    assert november["prior_period"]["cards_billed"] == 1 and november["cards_billed"] == 1
    assert november["prior_period"]["gross_amount"] == 10001
    assert (
        "periode sebelumnya"
        in _pdf_words(c.get(f"/api/v1/billing/periods/{NEXT}/statement.pdf", headers=finance).content).lower()
    )
    verify = c.get("/api/v1/billing/verify", headers=finance).json()
    assert verify["ok"] is True


def test_a_month_no_agent_holds_a_card_of_closes_without_a_reason(counter: Counter) -> None:
    c, finance = counter.client, counter.as_user("finance")
    _held_in_october(counter)
    r = c.post("/api/v1/billing/periods/2026-09/close", headers=finance)  # handed over after September
    assert r.status_code == 200, r.text
    assert r.json()["closed_anyway"] is None


def test_a_supervisor_takes_a_job_back_and_the_agents_later_report_is_refused_and_kept(
    counter: Counter, tmp_path: Path
) -> None:
    c, as_user = counter.client, counter.as_user
    agent_id, code = new_agent(c, as_user)
    printer = agent_printer(c, as_user, agent_id)
    data_dir = tmp_path / "agent"
    print_agent.enroll("http://testserver", code, data_dir, allow_http=True, http=c)
    agent = print_agent.PrintAgent(data_dir, http=c)
    creds = {"Authorization": f"Bearer {agent.config.credential}"}
    sent_job, kept_job = order(counter, printer), order(counter, printer, _second_resident(counter))

    # The agent holds both; it sends the first to its printer, then the link drops (no report yet).
    agent._talk(agent._sync)
    agent._talk(agent._fetch)
    agent._talk(agent._download)
    sent = agent.journal.job(sent_job)
    assert sent is not None and sent.doc_path is not None
    adapter = agent.adapter(printer)
    assert adapter is not None
    agent.journal.intend(sent_job)
    receipt = adapter.submit(
        Path(sent.doc_path).read_bytes(), document_format=sent.document_format, job_name="x", options={}
    )
    agent.journal.sent(sent_job, receipt.job_id, datetime.now(UTC).isoformat())

    # Refusals: a note is required, a clerk may not, a job no agent holds cannot be taken back.
    sup = as_user(SUPERVISOR)
    r = c.post(f"/api/v1/print-jobs/{sent_job}/recall", json={"note": " "}, headers=sup)
    assert r.status_code == 422 and r.json()["error"] == "agent_recall_note_required"
    r = c.post(f"/api/v1/print-jobs/{sent_job}/recall", json={"note": "mesin hilang"}, headers=as_user(CLERK))
    assert r.status_code == 403
    pending = order(counter, counter.printer_id, _second_resident(counter, 7302))
    r = c.post(f"/api/v1/print-jobs/{pending}/recall", json={"note": "mesin hilang"}, headers=sup)
    assert r.status_code == 409 and r.json()["error"] == "job_not_with_agent"

    for job_id in (sent_job, kept_job):
        r = c.post(f"/api/v1/print-jobs/{job_id}/recall", json={"note": "mesin agen hilang"}, headers=sup)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (
            body["state"] == "needs-confirmation" and "Ditarik dari agen cetak kalijambe" in body["message"]
        )
        assert (
            body["agent"]["recalled_by"] == SUPERVISOR and body["agent"]["recall_note"] == "mesin agen hilang"
        )
    again = c.post(f"/api/v1/print-jobs/{sent_job}/recall", json={"note": "lagi"}, headers=sup)
    assert again.status_code == 409  # taken back once

    # The agent is told: the card it has not sent is dropped, never printed; the one it sent is followed and
    # reported, and that report is refused and kept for the supervisor.
    fetched = c.post(f"{A}/fetch-jobs", json={}, headers=creds).json()
    assert fetched["jobs"] == [] and sorted(fetched["recalled"]) == sorted([sent_job, kept_job])
    assert c.get(f"{A}/jobs/{kept_job}/document", headers=creds).status_code == 404
    for _ in range(3):
        agent.run_once()
    kept = agent.journal.job(kept_job)
    assert kept is not None and kept.state == "done"
    assert list((data_dir / "cards").iterdir()) == []
    sim = SimulatorControl(f"printer-{printer}", state_dir=str(data_dir / "simulators"))
    assert sim.info().card_counter == 1  # only the card sent before the take-back

    report = {"attempt": 1, "event": "printed", "printer_time": datetime.now(UTC).isoformat()}
    repeat = c.post(f"{A}/jobs/{sent_job}/status", json=report, headers=creds)
    assert repeat.status_code == 409 and repeat.json()["error"] == "agent_job_recalled"
    assert "sudah ditarik dari agen cetak ini" in repeat.json()["message"]
    with Session(counter.world.engine) as s:
        conflicts = s.exec(select(AgentReportConflict)).all()
        refused_audit = s.exec(
            select(AuditEvent).where(AuditEvent.action == "agent.report_refused_recalled")
        ).all()
        recall_audit = s.exec(
            select(AuditEvent).where(AuditEvent.action == "print_job.recall_from_agent")
        ).all()
    # The agent's own reports (printing, then printed), each kept once however often it is sent.
    assert sorted((x.event, x.attempt) for x in conflicts) == [("printed", 1), ("printing", 1)]
    assert len(refused_audit) == 2 and len(recall_audit) == 2
    assert counter.outbox() == []  # never billed
    listed = c.get("/api/v1/agent-conflicts", headers=sup).json()
    assert [(x["job_id"], x["event"], x["agent"]) for x in listed] == [
        (sent_job, "printed", "kalijambe"),
        (sent_job, "printing", "kalijambe"),
    ]
    assert c.get("/api/v1/agent-conflicts", headers=as_user(CLERK)).status_code == 403
    view = c.get(f"/api/v1/print-jobs/{sent_job}", headers=sup).json()
    assert [x["event"] for x in view["agent"]["refused_reports"]] == ["printed", "printing"]

    # The supervisor, having seen the card, confirms it printed: billed once. The other, never sent, is
    # confirmed spoiled and reprinted.
    r = c.post(f"/api/v1/print-jobs/{sent_job}/confirm", json={"outcome": "printed"}, headers=sup)
    assert r.status_code == 200 and r.json()["state"] == "completed"
    r = c.post(f"/api/v1/print-jobs/{kept_job}/confirm", json={"outcome": "spoiled"}, headers=sup)
    assert r.status_code == 200 and r.json()["state"] == "aborted"
    r = c.post(f"/api/v1/print-jobs/{kept_job}/reprint", headers=as_user(CLERK))
    assert r.status_code == 201, r.text
    assert len(counter.outbox()) == 1
    late = c.post(f"{A}/jobs/{sent_job}/status", json=report, headers=creds)
    assert late.status_code == 409  # still refused after the confirmation


def test_cancelling_a_job_an_agent_holds_takes_it_back(counter: Counter) -> None:
    c, as_user = counter.client, counter.as_user
    agent_id, code = new_agent(c, as_user)
    creds = enroll(c, code)
    printer = agent_printer(c, as_user, agent_id)
    job_id = order(counter, printer)
    c.post(f"{A}/fetch-jobs", json={}, headers=creds)
    r = c.post(f"/api/v1/print-jobs/{job_id}/cancel", headers=as_user(CLERK))
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "needs-confirmation"
    assert r.json()["message"].startswith("Dibatalkan selagi dipegang agen cetak kalijambe")
    status = c.post(f"{A}/jobs/{job_id}/status", json={"attempt": 1, "event": "printing"}, headers=creds)
    assert status.status_code == 409 and status.json()["error"] == "agent_job_recalled"
    with Session(counter.world.engine) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "print_job.cancel_at_agent")).one()


def _second_resident(counter: Counter, serial: int = 7301) -> str:
    from tests.integration.printing.conftest import add_resident

    return add_resident(counter.client, counter.as_user, serial=serial)


def test_the_console_close_page_lists_held_cards_and_closes_only_with_a_reason(counter: Counter) -> None:
    from fastapi.testclient import TestClient

    from tests.integration.web.test_pages import _csrf, follow_operation, login

    job_id, _, _ = _held_in_october(counter)
    serial = job_row(counter, job_id).card_serial
    web = TestClient(counter.client.app)
    login(web, "finance")
    page = web.get(f"/finance/{MONTH}/close").text
    assert page.count('data-testid="held-card"') == 1
    assert serial and serial in page and "Kantor Kecamatan Kalijambe" in page and ">kalijambe<" in page
    assert "Kartu yang masih dipegang agen cetak" in page and 'name="reason"' in page

    token = _csrf(web, f"/finance/{MONTH}/close")
    refused = follow_operation(
        web,
        web.post(
            f"/finance/{MONTH}/close", data={"csrf_token": token, "confirm": MONTH}, follow_redirects=False
        ),
    )
    assert "masih dipegang agen cetak" in refused.text and 'data-testid="held-card"' in refused.text
    done = follow_operation(
        web,
        web.post(
            f"/finance/{MONTH}/close",
            data={"csrf_token": token, "confirm": MONTH, "reason": REASON},
            follow_redirects=False,
        ),
    )
    assert 'data-testid="closed-anyway"' in done.text and REASON in done.text
    with Session(counter.world.engine) as s:
        assert s.exec(select(MonthCloseOverride)).one().closed_by == "finance"


def test_a_supervisor_takes_a_job_back_from_the_job_page(counter: Counter) -> None:
    from fastapi.testclient import TestClient

    from tests.integration.web.test_pages import _csrf, login

    c, as_user = counter.client, counter.as_user
    agent_id, code = new_agent(c, as_user)
    creds = enroll(c, code)
    job_id = order(counter, agent_printer(c, as_user, agent_id))
    c.post(f"{A}/fetch-jobs", json={}, headers=creds)
    clerk = TestClient(c.app)
    login(clerk, CLERK)
    assert 'data-testid="recall-job"' not in clerk.get(f"/jobs/{job_id}").text  # a supervisor's decision
    web = TestClient(c.app)
    login(web, SUPERVISOR)
    assert 'data-testid="recall-job"' in web.get(f"/jobs/{job_id}").text
    token = _csrf(web, f"/jobs/{job_id}")
    r = web.post(f"/jobs/{job_id}/recall", data={"csrf_token": token, "note": "x"}, follow_redirects=True)
    assert "catatan alasannya" in r.text and job_row(counter, job_id).state == "processing"
    r = web.post(
        f"/jobs/{job_id}/recall",
        data={"csrf_token": token, "note": "mesin agen hilang"},
        follow_redirects=True,
    )
    assert "Pekerjaan ditarik dari agen cetak." in r.text and 'data-testid="recalled"' in r.text
    assert job_row(counter, job_id).state == "needs-confirmation"
    c.post(f"{A}/jobs/{job_id}/status", json={"attempt": 1, "event": "printed"}, headers=creds)
    page = web.get(f"/jobs/{job_id}").text
    assert 'data-testid="refused-reports"' in page and ">printed<" in page


def test_the_agent_rotates_its_own_credential_and_the_old_one_dies_at_once(
    counter: Counter, tmp_path: Path
) -> None:
    import hashlib
    import json

    c, as_user = counter.client, counter.as_user
    agent_id, code = new_agent(c, as_user)
    data_dir = tmp_path / "agent"
    old = print_agent.enroll("http://testserver", code, data_dir, allow_http=True, http=c)
    running = print_agent.PrintAgent(data_dir, http=c)  # an agent already running on this machine

    new = print_agent.rotate(data_dir, http=c)
    assert new.credential != old.credential and new.agent_id == agent_id
    assert (data_dir / "agent.json").stat().st_mode & 0o777 == 0o600
    assert not (data_dir / print_agent.NEXT_CONFIG_FILE).exists()
    dead = c.post(f"{A}/fetch-jobs", json={}, headers={"Authorization": f"Bearer {old.credential}"})
    assert dead.status_code == 401 and dead.json()["error"] == "agent_credential_invalid"
    assert c.post(
        f"{A}/fetch-jobs", json={}, headers={"Authorization": f"Bearer {new.credential}"}
    ).is_success
    running.run_once()  # refused once, it reads the rotated credential from its data directory
    running.run_once()
    assert running.config.credential == new.credential and running.refusal is None

    # The centre's answer lost on the way: the rotation happened, the agent did not hear it. Run again.
    pending = print_agent.AgentConfig(**{**new.__dict__, "credential": "ktpa_" + "n" * 43})
    (data_dir / print_agent.NEXT_CONFIG_FILE).write_text(json.dumps(pending.__dict__))
    (data_dir / print_agent.NEXT_CONFIG_FILE).chmod(0o600)
    digest = hashlib.sha256(pending.credential.encode()).hexdigest()
    lost = c.post(
        f"{A}/rotate",
        json={"new_credential_sha256": digest},
        headers={"Authorization": f"Bearer {new.credential}"},
    )
    assert lost.status_code == 200
    again = print_agent.rotate(data_dir, http=c)
    assert again.credential == pending.credential
    assert print_agent.load_config(data_dir).credential == pending.credential
    taken = c.post(
        f"{A}/rotate",
        json={"new_credential_sha256": digest},
        headers={"Authorization": f"Bearer {pending.credential}"},
    )
    assert taken.status_code == 200  # the same again changes nothing
    with Session(counter.world.engine) as s:
        rotations = s.exec(select(AuditEvent).where(AuditEvent.action == "agent.rotate")).all()
    assert len(rotations) == 2 and all(r.username == "agent:kalijambe" for r in rotations)


def test_cards_are_kept_at_the_agent_only_as_long_as_configured(counter: Counter, tmp_path: Path) -> None:
    import sqlite3

    c, as_user = counter.client, counter.as_user
    agent_id, code = new_agent(c, as_user)
    printer = agent_printer(c, as_user, agent_id)
    job_id = order(counter, printer)
    data_dir = tmp_path / "agent"
    print_agent.enroll("http://testserver", code, data_dir, allow_http=True, http=c)
    agent = print_agent.PrintAgent(data_dir, http=c, keep_cards_hours=2)
    for _ in range(4):
        agent.run_once()
    assert job_row(counter, job_id).state == "completed"
    assert [p.name.split(".")[0] for p in (data_dir / "cards").iterdir()] == [job_id]  # kept for now
    with sqlite3.connect(data_dir / "journal.sqlite3") as db:  # three hours later
        db.execute("UPDATE job SET updated_at = '2000-01-01T00:00:00+00:00'")
    agent.run_once()
    assert list((data_dir / "cards").iterdir()) == []
    held = agent.journal.job(job_id)
    assert held is not None and held.doc_path is None and held.state == "done"


def test_ktp_agent_rotate_needs_an_enrolled_data_dir(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ktp_service.cli import app as cli

    result = CliRunner().invoke(cli, ["agent", "rotate", "--data-dir", str(tmp_path)])
    assert result.exit_code != 0 and "Not enrolled" in result.output


def test_the_cli_lists_held_cards_and_closes_only_with_a_reason(counter: Counter) -> None:
    from typer.testing import CliRunner

    from ktp_service.cli import app as cli

    job_id, _, _ = _held_in_october(counter)
    serial = job_row(counter, job_id).card_serial
    run = CliRunner().invoke
    listed = run(cli, ["billing", "held-by-agents", "--month", MONTH], obj=counter.settings)
    assert listed.exit_code == 0, listed.output
    assert f"{serial}  33.14.01 Kantor Kecamatan Kalijambe  agent kalijambe" in listed.output
    refused = run(cli, ["billing", "close", "--month", MONTH], obj=counter.settings)
    assert refused.exit_code == 2 and "still held by print agents" in refused.output
    assert f"{serial} (Kantor Kecamatan Kalijambe 33.14.01, kalijambe)" in refused.output
    closed = run(cli, ["billing", "close", "--month", MONTH, "--reason", REASON], obj=counter.settings)
    assert closed.exit_code == 0, closed.output
    assert f"closed {MONTH}" in closed.output and REASON in closed.output
    with Session(counter.world.engine) as s:
        assert s.exec(select(MonthCloseOverride)).one().closed_by == "system"
