"""The handover receipt and its IKM survey (issue 15): the QR code read back by zbar from the rasterised
PDF, one answer per receipt, complaints reaching the office's supervisor. On SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image
from pyzbar.pyzbar import decode
from sqlmodel import Session, select

from ktp_service.models import AuditEvent, SurveyAnswer
from tests.integration.printing.conftest import CLERK, SUPERVISOR, Counter
from tests.integration.printing.test_handover import hand_over, printed
from tests.integration.web.test_pages import _csrf, login

ALL_THREE = {f"u{i}": "3" for i in range(1, 10)}


def handed_over(counter: Counter) -> tuple[dict[str, str], str]:
    job = printed(counter)
    r = hand_over(counter, job["id"])
    assert r.status_code == 201, r.text
    return job, r.json()["survey_url"]


def test_the_receipt_carries_the_survey_link_as_text_and_as_a_qr_code(
    counter: Counter, tmp_path: Path
) -> None:
    job, url = handed_over(counter)
    assert url.startswith("http://testserver/s/")
    r = counter.client.get(
        f"/api/v1/print-jobs/{job['id']}/handover/receipt.pdf", headers=counter.as_user(CLERK)
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(r.content)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1  # one A5 page
    codes = decode(Image.open(pages[0]))
    assert [c.data.decode() for c in codes] == [url]
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "TANDA TERIMA PENYERAHAN KTP-el" in text and job["card_serial"] in text
    assert url in text  # the short link, for a phone without a QR reader
    assert counter.nik not in text  # the NIK is masked on a paper that may get lost
    assert "Penduduk yang bersangkutan" in text


def test_a_receipt_is_answered_once(counter: Counter) -> None:
    _, url = handed_over(counter)
    path = url.removeprefix("http://testserver")
    page = counter.client.get(path)
    assert page.status_code == 200 and "Survei Kepuasan Masyarakat" in page.text
    assert "Sistem, mekanisme dan prosedur" in page.text and "Dikelola dengan baik" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "set-cookie" not in page.headers
    answers = ALL_THREE | {"u4": "4", "u8": "", "complaint": "Antrean di loket 2 terlalu lama."}
    r = counter.client.post(path, data=answers, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "Terima kasih" in counter.client.get(r.headers["location"]).text
    again = counter.client.post(path, data=ALL_THREE)
    assert again.status_code == 409 and "Survei ini sudah diisi" in again.text
    assert "This survey was already answered" in counter.client.post(path + "?lang=en", data=ALL_THREE).text
    assert "Survei ini sudah diisi" in counter.client.get(path).text  # the form is not offered again
    with Session(counter.world.engine) as s:
        rows = list(s.exec(select(SurveyAnswer)))
    assert len(rows) == 1
    assert (rows[0].u1, rows[0].u4, rows[0].u8) == (3, 4, None)  # a skipped question stays unanswered


def test_unknown_links_and_values_off_the_scale_are_refused(counter: Counter) -> None:
    _, url = handed_over(counter)
    path = url.removeprefix("http://testserver")
    assert counter.client.get("/s/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    assert counter.client.post("/s/AAAAAAAAAAAAAAAAAAAAAA", data=ALL_THREE).status_code == 404
    bad = counter.client.post(path, data=ALL_THREE | {"u3": "5"})
    assert bad.status_code == 422 and "Jawaban tidak dikenal untuk Waktu penyelesaian" in bad.text
    long = counter.client.post(path, data=ALL_THREE | {"complaint": "x" * 1001})
    assert long.status_code == 422
    with Session(counter.world.engine) as s:
        assert list(s.exec(select(SurveyAnswer))) == []


def test_a_complaint_reaches_the_supervisor_of_the_office(counter: Counter) -> None:
    _, url = handed_over(counter)
    path = url.removeprefix("http://testserver")
    counter.client.post(path, data=ALL_THREE | {"complaint": "Petugas ramah, tapi ruang tunggu panas."})
    login(counter.client, SUPERVISOR)
    page = counter.client.get("/complaints")
    assert page.status_code == 200 and "ruang tunggu panas" in page.text
    with Session(counter.world.engine) as s:
        answer_id = s.exec(select(SurveyAnswer)).one().id
    r = counter.client.post(
        f"/complaints/{answer_id}/read",
        data={"csrf_token": _csrf(counter.client, "/complaints")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "Dibaca" in counter.client.get("/complaints").text
    with Session(counter.world.engine) as s:
        read = list(s.exec(select(AuditEvent).where(AuditEvent.action == "survey.complaint_read")))
    assert [(e.username, e.office_code) for e in read] == [(SUPERVISOR, "33.14.01")]
    # the supervisor of another office does not see it, nor may mark it
    counter.client.cookies.clear()
    login(counter.client, "kpt.supervisor")
    assert "ruang tunggu panas" not in counter.client.get("/complaints").text
    r = counter.client.post(
        f"/complaints/{answer_id}/read",
        data={"csrf_token": _csrf(counter.client, "/complaints")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/shown")  # a refused form, kept
    assert counter.client.get(r.headers["location"]).status_code == 404
