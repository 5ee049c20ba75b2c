"""A second card by accident (issue 12): the reason has no default once a valid card exists, the clerk and
the supervisor both see that card (printed when, where), and a refusal needs a note the clerk then reads."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ktp_service.models import PrintJob
from tests.integration.printing.conftest import CLERK, SUPERVISOR, Counter
from tests.integration.web.test_pages import _csrf, login


def _first_card(counter: Counter) -> str:
    job = counter.print_card().json()
    counter.worker.run_once()
    done = counter.job(job["id"])
    assert done["state"] == "completed"
    return str(done["card_serial"])


def _held(counter: Counter, reason: str = "hilang") -> dict[str, str]:
    r = counter.print_card(reason)
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "pending-held"
    return r.json()  # type: ignore[no-any-return]


def test_the_resident_page_has_no_default_reason_for_a_second_card(counter: Counter) -> None:
    client = counter.client
    login(client, CLERK)
    page = client.get(f"/residents/{counter.nik}").text
    # No card yet: a first card, "Baru", is the one choice made for the clerk.
    assert re.search(r'<option value="baru" selected>Baru</option>', page)

    serial = _first_card(counter)
    page = client.get(f"/residents/{counter.nik}").text
    select_html = page[
        page.index('<select id="reason"') : page.index("</select>", page.index('<select id="reason"'))
    ]
    assert 'value="baru"' not in select_html
    assert " selected" not in select_html  # nothing chosen: the placeholder is first and empty
    assert '<option value="">— Pilih alasan kartu kedua —</option>' in select_html
    assert "required" in select_html
    on_file = page[page.index('data-testid="card-on-file"') :][:400]
    assert (
        serial in on_file
        and "Evolis-1" in on_file
        and re.search(r"dicetak \d\d-\d\d-\d{4} \d\d:\d\d", on_file)
    )

    # Sent without a reason (an old page, a script): refused, shown by a GET, nothing filed.
    before = len(counter.jobs())
    form = {"csrf_token": _csrf(client, f"/residents/{counter.nik}"), "printer_id": str(counter.printer_id)}
    r = client.post(f"/residents/{counter.nik}/print", data=form | {"reason": ""}, follow_redirects=False)
    assert r.status_code == 303 and re.match(rf"^/residents/{counter.nik}\?kept=\w+$", r.headers["location"])
    shown = client.get(r.headers["location"])
    assert shown.status_code == 422 and "Pilih alasan kartu kedua" in shown.text
    assert "Penduduk ini sudah memegang kartu berlaku" in shown.text
    assert client.get(r.headers["location"]).status_code == 422  # a refresh shows it again, sends nothing
    assert len(counter.jobs()) == before


def test_the_supervisor_sees_the_card_already_held(counter: Counter) -> None:
    serial = _first_card(counter)
    held = _held(counter)
    login(counter.client, SUPERVISOR)
    page = counter.client.get("/supervisor").text
    row = page[page.index(f'data-job="{held["card_serial"]}"') :]
    row = row[: row.index("</tr>")]
    cell = row[row.index('data-testid="card-on-file"') :]
    assert serial in cell and "Evolis-1" in cell and "dicetak" in cell


def test_a_refusal_needs_a_note_in_the_api(counter: Counter) -> None:
    _first_card(counter)
    held = _held(counter)
    url = f"/api/v1/print-jobs/{held['id']}/refuse"
    for body in ({}, {"note": ""}, {"note": "  - "}):
        r = counter.client.post(url, json=body, headers=counter.as_user(SUPERVISOR))
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "refusal_note_required"
        assert r.json()["message"].startswith("Penolakan perlu catatan alasannya (minimal 3 huruf)")
    assert counter.job(held["id"])["state"] == "pending-held"
    r = counter.client.post(
        url, json={"note": "x"}, headers=counter.as_user(SUPERVISOR) | {"Accept-Language": "en"}
    )
    assert r.status_code == 422 and r.json()["message"].startswith("A refusal needs a note saying why")

    r = counter.client.post(url, json={"note": "Foto tidak sesuai KK"}, headers=counter.as_user(SUPERVISOR))
    assert r.status_code == 200 and r.json()["state"] == "canceled"
    job = counter.job(held["id"])
    assert job["message"] == "Ditolak supervisor. Alasan: Foto tidak sesuai KK"


def test_a_refusal_needs_a_note_in_the_console_and_the_clerk_reads_it(counter: Counter) -> None:
    _first_card(counter)
    held = _held(counter, "rusak")
    supervisor = counter.client
    login(supervisor, SUPERVISOR)
    token = _csrf(supervisor, "/supervisor")
    r = supervisor.post(f"/supervisor/jobs/{held['id']}", data={"csrf_token": token, "decision": "refuse"})
    assert r.status_code == 200 and "Tulis alasan penolakan" in r.text
    assert counter.job(held["id"])["state"] == "pending-held"
    note = "Kartu lama masih utuh, tidak rusak"
    r = supervisor.post(
        f"/supervisor/jobs/{held['id']}", data={"csrf_token": token, "decision": "refuse", "note": note}
    )
    assert r.status_code == 200 and "Permintaan ditolak." in r.text

    clerk = TestClient(counter.client.app)
    login(clerk, CLERK)
    job_page = clerk.get(f"/jobs/{held['id']}").text
    assert f"Ditolak supervisor. Alasan: {note}" in job_page
    resident_page = clerk.get(f"/residents/{counter.nik}").text
    assert f"Ditolak supervisor. Alasan: {note}" in resident_page
    with Session(counter.world.engine) as s:
        job = s.exec(select(PrintJob).where(PrintJob.uuid == held["id"])).one()
    assert job.message_params == {"note": note}
