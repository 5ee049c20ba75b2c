"""Issue 12 in a real browser: a second card needs a chosen reason (none is preset) and the clerk and the
supervisor see the card already held; a refusal needs a note the clerk then reads; the running month is not
offered for closing; an expired session says so and keeps the typed form (on the server, never in the
browser's storage); a cookie copied before logout is refused after it; the print section fits a 1366x768
screen; the session warning. Every wait is on what the page shows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select, update

from billing.statement import closes_from
from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.db import unit_of_work
from ktp_service.models import ConsoleSession, KeptForm, Office, User
from ktp_service.schemas.residents import ResidentCreate
from ktp_service.seed import DEMO_PASSWORD
from ktp_service.services import kept_forms, residents
from ktp_service.services.actor import Actor
from ktp_service.vocab import Role
from tests.e2e.conftest import VIEWPORT, Site
from tests.factories import make_nik

pytestmark = pytest.mark.browser

Open = Callable[[str], Any]
CLERK, SUPERVISOR = "kalijambe.clerk", "kalijambe.supervisor"
JAKARTA = ZoneInfo("Asia/Jakarta")


def _resident(site: Site, serial: int, nama: str) -> str:
    """A Kalijambe resident with photo and signature, ready to print (written as the seed does)."""
    nik = make_nik("33.14.01", date(1988, 7, 9), female=False, serial=serial)
    clerk = Actor(user_id=None, username="e2e-seed", role=Role.CLERK, office_code="33.14.01")
    with unit_of_work(site.engine) as s:
        office = s.exec(select(Office).where(Office.code == "33.14.01")).one()
        body = ResidentCreate(
            nik=nik,
            nama=nama,
            tempat_lahir="SRAGEN",
            tanggal_lahir=date(1988, 7, 9),
            jenis_kelamin="LAKI-LAKI",
            golongan_darah="A",
            alamat="Dk. Jetis",
            rt="001",
            rw="002",
            kode_kecamatan="33.14.01",
            kode_desa="33.14.01.2001",
            agama="ISLAM",
            status_perkawinan="KAWIN",
            pekerjaan="PETANI/PEKEBUN",
        )
        residents.create(s, clerk, body, office.id)
        residents.set_image(s, clerk, nik, "photo", make_photo(seed=serial), site.settings)
        residents.set_image(s, clerk, nik, "signature", make_signature(seed=serial), site.settings)
    return nik


def _end_sessions_of(site: Site, username: str) -> None:
    """The server ends the user's sessions (as the idle timeout does), the browser none the wiser."""
    with Session(site.engine) as s:
        user_id = s.exec(select(User.id).where(User.username == username)).one()
        s.exec(  # type: ignore[call-overload]
            update(ConsoleSession)
            .where(col(ConsoleSession.user_id) == user_id, col(ConsoleSession.ended_at).is_(None))
            .values(ended_at=datetime.now(UTC), ended_reason="idle")
        )
        s.commit()


def test_a_second_card_needs_a_chosen_reason_and_a_refusal_a_note(desk: Open, site: Site) -> None:
    site.set_speed(0)
    nik = _resident(site, 7301, "JOKO SUSILO")
    clerk = desk(CLERK)
    page = clerk.page
    page.goto(f"{site.url}/residents/{nik}")
    # The print section, the clerk's main action, is on screen at 1366x768 without scrolling.
    box = page.get_by_test_id("print-section").bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], box
    clerk.shot("20-penduduk-cetak-terlihat")
    expect(page.locator("#reason")).to_have_value("baru")  # a first card: "Baru" is the only sense
    page.get_by_role("button", name="Cetak kartu").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]{36}$"))
    expect(page.get_by_test_id("job-state")).to_have_text("Selesai")

    # Back to the resident: a second card has no reason chosen, "Baru" is gone, the valid card is shown.
    page.goto(f"{site.url}/residents/{nik}")
    reason = page.locator("#reason")
    expect(reason).to_have_value("")
    expect(reason.locator("option[value='baru']")).to_have_count(0)
    on_file = page.get_by_test_id("card-on-file")
    expect(on_file).to_contain_text("Sudah ada kartu berlaku")
    expect(on_file).to_contain_text(re.compile(r"dicetak \d\d-\d\d-\d{4} \d\d:\d\d di Kalijambe-Simulator"))
    box = page.get_by_test_id("print-section").bounding_box()
    assert box is not None and box["y"] + box["height"] <= VIEWPORT["height"], box
    clerk.shot("21-kartu-kedua-pilih-alasan")

    # One click does not file anything: the browser asks for a reason first.
    page.get_by_role("button", name="Cetak kartu").click()
    assert reason.evaluate("e => e.validity.valueMissing") is True
    assert re.search(rf"/residents/{nik}$", page.url)
    reason.select_option("hilang")
    page.get_by_role("button", name="Cetak kartu").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]{36}$"))
    held_url = page.url
    expect(page.get_by_test_id("job-state")).to_have_text("Menunggu persetujuan")

    # The supervisor's row shows the card held; refusing without a note is refused.
    sup = desk(SUPERVISOR)
    sp = sup.page
    row = sp.locator("tr", has_text="JOKO SUSILO")
    expect(row.get_by_test_id("card-on-file")).to_contain_text(re.compile(r"KTP-3314-\d{8}"))
    expect(row.get_by_test_id("card-on-file")).to_contain_text("Kalijambe-Simulator")
    sup.shot("22-supervisor-kartu-lama")
    row.get_by_role("button", name="Tolak").click()
    expect(sp.get_by_role("alert")).to_contain_text("Tulis alasan penolakan")
    row = sp.locator("tr", has_text="JOKO SUSILO")
    row.get_by_placeholder("Catatan").fill("Kartu lama baru dicetak hari ini; tidak hilang")
    row.get_by_role("button", name="Tolak").click()
    expect(sp.get_by_role("status")).to_contain_text("Permintaan ditolak.")

    page.goto(held_url)
    expect(page.get_by_test_id("job-message")).to_have_text(
        "Ditolak supervisor. Alasan: Kartu lama baru dicetak hari ini; tidak hilang"
    )
    clerk.shot("23-ditolak-dengan-alasan")


def test_the_running_month_is_not_offered_for_closing(desk: Open, site: Site) -> None:
    month = datetime.now(JAKARTA).strftime("%Y-%m")
    finance = desk("finance")
    page = finance.page
    page.goto(f"{site.url}/finance?month={month}")
    section = page.get_by_test_id("close-section")
    expect(section.get_by_test_id("closes-from")).to_have_text(
        f"Dapat ditutup mulai {closes_from(month, JAKARTA)}."
    )
    expect(section.get_by_role("link", name="Tutup bulan")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Tutup bulan"))).to_have_count(0)
    finance.shot("24-bulan-berjalan-belum-bisa-ditutup")


def test_an_expired_session_keeps_the_typed_form(desk: Open, site: Site) -> None:
    clerk = desk(CLERK)
    page = clerk.page
    page.goto(f"{site.url}/residents/new")
    nik = make_nik("33.14.01", date(2001, 5, 4), female=True, serial=7302)
    page.locator("#f-nik").fill(nik)
    page.locator("#f-nama").fill("Wulan Kept Form")
    page.locator("#f-tempat_lahir").fill("Sragen")
    page.locator("#f-tanggal_lahir").fill("04-05-2001")
    page.locator("#f-jenis_kelamin").select_option("PEREMPUAN")
    page.locator("#f-alamat").fill("Dk. Ngrampal")

    _end_sessions_of(site, CLERK)  # the session ends while the clerk is typing
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("status").first).to_contain_text("Sesi Anda berakhir")
    expect(page.get_by_text("Isian formulir Anda disimpan sebentar di server")).to_be_visible()
    clerk.shot("25-sesi-berakhir")
    # Nothing typed is left in the browser: the form is on the server, encrypted, for this user.
    stored = page.evaluate("() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert "Wulan" not in stored and nik not in stored
    # (other tests' refused forms may be kept too, for their own /shown pages: only this one is counted)
    expired = select(KeptForm).where(KeptForm.purpose == kept_forms.EXPIRED)
    with Session(site.engine) as s:
        kept = s.exec(expired).all()
    assert len(kept) == 1 and "Wulan" not in kept[0].payload

    page.locator("#username").fill(CLERK)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/residents/new\?kept="))
    expect(page.locator("#f-nama")).to_have_value("Wulan Kept Form")
    expect(page.locator("#f-nik")).to_have_value(nik)
    expect(page.locator("#f-alamat")).to_have_value("Dk. Ngrampal")
    expect(page.get_by_role("status").first).to_contain_text("dipulihkan")
    clerk.shot("26-formulir-dipulihkan")
    with Session(site.engine) as s:
        assert s.exec(expired).all() == []  # read once, then deleted


def test_logout_ends_the_session_for_a_copied_cookie(desk: Open, site: Site, browser: Any) -> None:
    clerk = desk(CLERK)
    page = clerk.page
    copied = [c for c in clerk.context.cookies() if c["name"] == "ktp_console"]
    assert copied
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url(re.compile(r"/login"))

    other = browser.new_context(viewport=VIEWPORT, locale="id-ID", timezone_id="Asia/Jakarta")
    try:
        other.add_cookies(copied)
        thief = other.new_page()
        thief.goto(f"{site.url}/residents")
        thief.wait_for_url(re.compile(r"/login\?next=/residents"))
        expect(thief.locator("#username")).to_be_visible()
        expect(thief.get_by_role("heading", name="Cari penduduk")).to_have_count(0)
    finally:
        other.close()


def test_the_session_warning_offers_to_extend(desk: Open, site: Site) -> None:
    warn = site.settings.console_warn_minutes
    site.settings.console_warn_minutes = 60  # longer than the 30-minute idle time: the warning shows at once
    try:
        clerk = desk(CLERK)
        page = clerk.page
        page.goto(f"{site.url}/residents")
        banner = page.locator("#session-warning")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text(re.compile(r"Sesi berakhir dalam (30|29) menit\."))
        clerk.shot("27-peringatan-sesi")
        page.get_by_role("button", name="Perpanjang sesi").click()
        expect(banner).to_contain_text(re.compile(r"Sesi berakhir dalam (30|29) menit\."))
        assert page.url.endswith("/residents")  # extended in place, the page stays
    finally:
        site.settings.console_warn_minutes = warn


def test_flash_messages_stay_in_view(desk: Open, site: Site) -> None:
    """Saving the signature sends the clerk down the page to its form; the message saying it was saved stays
    in view at the top instead of scrolling away."""
    nik = _resident(site, 7303, "RINI FLASH")
    clerk = desk(CLERK)
    page = clerk.page
    page.goto(f"{site.url}/residents/{nik}")
    page.locator("#file-signature").set_input_files(
        {"name": "ttd.png", "mimeType": "image/png", "buffer": make_signature(seed=9)}
    )
    page.get_by_role("button", name="Unggah tanda tangan").click()
    status = page.get_by_role("status").filter(has_text="Tanda tangan tersimpan")
    expect(status).to_be_visible()
    page.wait_for_function("() => window.scrollY > 0")  # the page went down to the signature form
    box = status.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], box
    clerk.shot("28-pesan-tetap-terlihat")


def test_a_button_shows_it_is_working_until_the_answer_comes(desk: Open, site: Site) -> None:
    """Read by the page itself in the submit event, after the console's handler and before the browser
    sends the form: the pressed button says it is working and every button of the form is disabled."""
    clerk = desk(CLERK)
    page = clerk.page
    state = page.evaluate(
        """() => new Promise(resolve => {
            document.addEventListener("submit", ev => {
                const b = ev.target.querySelector("button[aria-busy='true']");
                resolve({text: b && b.textContent, disabled: b && b.disabled,
                         enabled: ev.target.querySelectorAll("button:not(:disabled)").length,
                         lang: ev.target.querySelector("[name=lang]").value});
            });
            [...document.querySelectorAll("button")].find(b => b.textContent.trim() === "English").click();
        })"""
    )
    assert state == {"text": "Memproses...", "disabled": True, "enabled": 0, "lang": "en"}, state
    expect(page.get_by_role("heading", name="Find a resident")).to_be_visible()  # and the form went through
    page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.get_by_role("heading", name="Cari penduduk")).to_be_visible()
