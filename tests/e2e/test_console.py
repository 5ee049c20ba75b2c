"""One flow per role, in a real browser against the running service (print worker and simulated card
printers included). Every wait is on something the page shows (Playwright's expect), never a sleep.

The flows share one server and run in file order; each leaves the seeded printer idle and instant.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, func, select, update

from billing.bundle import verify_bundle
from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.models import CardPrintedEvent, Office, PrintJob
from ktp_service.services import stock
from tests.e2e.conftest import PRINTER, Site
from tests.factories import make_nik

pytestmark = pytest.mark.browser

Open = Callable[[str], Any]
CLERK, SUPERVISOR = "kalijambe.clerk", "kalijambe.supervisor"
JAKARTA = ZoneInfo("Asia/Jakarta")


def _fill(page: Page, **fields: str) -> None:
    """Fill a console form's fields (``#f-<name>``) as a person would: type into inputs, choose in lists."""
    for name, value in fields.items():
        box = page.locator(f"#f-{name}")
        if box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(value)
        else:
            box.fill(value)


def _printer_card(page: Page, name: str) -> Any:
    return page.locator(f"article[data-printer='{name}']")


def _switch(page: Page, printer: str, fault: str) -> None:
    """Press a simulator fault switch on the printers page and wait for the page that confirms it."""
    card = _printer_card(page, printer)
    if card.locator("details.simulator[open]").count() == 0:
        card.locator("details.simulator summary").click()
    before = card.locator(f"button[data-fault='{fault}']").get_attribute("aria-pressed")
    card.locator(f"button[data-fault='{fault}']").click()
    after = "false" if before == "true" else "true"
    expect(_printer_card(page, printer).locator(f"button[data-fault='{fault}']")).to_have_attribute(
        "aria-pressed", after
    )


def _print(page: Page, site: Site, nik: str, reason: str = "baru") -> None:
    page.goto(f"{site.url}/residents/{nik}")
    page.locator("#reason").select_option(reason)
    page.get_by_role("button", name="Cetak kartu").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]{36}$"))


def _kalijambe_stock(site: Site) -> int:
    with Session(site.engine) as s:
        office = s.exec(select(Office).where(Office.code == "33.14.01")).one()
        assert office.id is not None
        return stock.balance(s, office.id)


def _goto(page: Any, url: str) -> None:
    """Open ``url``; the job page reloads itself when its job changes state, which may interrupt a goto
    to the same page (Playwright: "interrupted by another navigation"): then the page is opened again."""
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(3):
        try:
            page.goto(url)
            return
        except PlaywrightError as exc:
            if "interrupted by another navigation" not in str(exc):
                raise
    page.goto(url)


def test_clerk_registers_prints_survives_a_jam_and_reprints(desk: Open, site: Site) -> None:
    blanks = _kalijambe_stock(site)  # other flows may have printed here before this one
    clerk = desk(CLERK)
    page = clerk.page
    expect(page.get_by_role("heading", name="Cari penduduk")).to_be_visible()
    clerk.shot("01-cari-penduduk")

    nik = make_nik("33.14.01", date(1995, 3, 15), female=True, serial=4321)
    page.get_by_label("NIK atau nama").fill(nik)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Tidak ada penduduk yang cocok")).to_be_visible()

    # Register: a wrong NIK is explained next to the field as soon as the clerk leaves it.
    page.get_by_role("link", name="+ Daftarkan penduduk").click()
    page.locator("#f-nik").fill(nik[:10])
    page.locator("#f-nama").focus()
    expect(page.locator("#e-nik")).to_have_text("NIK harus tepat 16 angka (0-9).")
    page.locator("#f-nik").fill(nik)
    page.locator("#f-nama").fill("Ratna Sari Dewi")
    page.locator("#f-tempat_lahir").fill("Sragen")
    page.locator("#f-tanggal_lahir").fill("16-03-1995")  # one day off the NIK's birth date
    page.locator("#f-jenis_kelamin").select_option("PEREMPUAN")
    expect(page.locator("#e-nik")).to_contain_text("Tanggal lahir di NIK tidak sama")
    clerk.shot("02-daftar-validasi")
    page.locator("#f-tanggal_lahir").fill("15-03-1995")
    page.locator("#f-alamat").fill("Dk. Keden Rt 2")
    page.locator("#f-rt").fill("2")
    page.locator("#f-rw").fill("5")
    page.locator("#f-kode_desa").select_option("33.14.01.2001")
    page.locator("#f-agama").select_option("ISLAM")
    page.locator("#f-status_perkawinan").select_option("BELUM KAWIN")
    page.locator("#f-pekerjaan").select_option("PELAJAR/MAHASISWA")
    expect(page.locator("#e-nik")).to_have_text("")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_test_id("resident-name")).to_have_text("RATNA SARI DEWI")
    expect(page.get_by_role("status")).to_contain_text("Penduduk terdaftar")

    # Photo and signature, then the live card preview.
    page.locator("#file-photo").set_input_files(
        {"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": make_photo(seed=7)}
    )
    expect(page.locator("figure.crop img")).to_be_visible()  # cropped 3:4 before it is even sent
    page.get_by_role("button", name="Unggah pas foto").click()
    expect(page.get_by_role("status")).to_contain_text("Pas foto tersimpan")
    page.locator("#file-signature").set_input_files(
        {"name": "ttd.png", "mimeType": "image/png", "buffer": make_signature(seed=7)}
    )
    page.get_by_role("button", name="Unggah tanda tangan").click()
    preview = page.get_by_test_id("card-preview")
    expect(preview).to_be_visible()
    page.wait_for_function("() => document.querySelector('[data-testid=card-preview]').naturalWidth === 1011")
    clerk.shot("03-penduduk-pratinjau", full_page=True)
    page.get_by_role("link", name="Riwayat perubahan").click()
    expect(page.locator("table.list tbody tr")).to_have_count(3)  # registered, photo, signature
    page.go_back()

    # Print on a slowed simulator, so the jam below lands mid-card.
    site.set_speed(600)
    expect(page.locator("label.printer-choice", has_text=PRINTER).locator(".badge")).to_have_text("Siap")
    page.get_by_role("button", name="Cetak kartu").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]{36}$"))
    job_url = page.url
    expect(page.get_by_test_id("job-state")).to_have_text("Sedang dicetak")
    expect(page.get_by_test_id("submitted-at")).to_be_visible()  # the card is in the printer now
    clerk.shot("04-cetak-berjalan")

    # The supervisor, at the printer, simulates a card jam.
    sup = desk(SUPERVISOR)
    sup.page.goto(site.url + "/printers")
    _switch(sup.page, PRINTER, "jam")
    expect(_printer_card(sup.page, PRINTER).locator("header .badge")).to_have_text("Macet")
    sup.shot("05-printer-macet")

    # The clerk's page follows the job by itself: spoiled, with what to do.
    expect(page.get_by_test_id("job-state")).to_have_text("Gagal: kartu rusak")
    expect(page.locator(".advice-box")).to_contain_text("Kartu macet")
    clerk.shot("06-kartu-rusak")

    # Jam cleared, printer fast again; the clerk asks for the reprint, which completes.
    _switch(sup.page, PRINTER, "jam")
    site.set_speed(0)
    page.get_by_role("button", name="Minta cetak ulang").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]{36}$"))
    assert page.url != job_url
    expect(page.get_by_test_id("job-state")).to_have_text("Selesai")
    expect(page.get_by_text("Kartu selesai dicetak. Serahkan kepada pemiliknya.")).to_be_visible()
    clerk.shot("07-cetak-ulang-selesai")
    page.goto(job_url)
    expect(page.get_by_test_id("reprint-link")).to_be_visible()

    # The office queue and blank-card stock: one spoiled, one printed.
    page.get_by_role("navigation").get_by_role("link", name="Antrian cetak").click()
    expect(page.get_by_test_id("stock-balance")).to_have_text(str(blanks - 2))
    expect(page.locator("table.list tbody tr", has_text="RATNA SARI DEWI")).to_have_count(2)
    clerk.shot("08-antrian-cetak")

    # English is one click away, and back.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name=re.compile("Print queue"))).to_be_visible()
    page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.get_by_role("heading", name=re.compile("Antrian cetak"))).to_be_visible()


def test_supervisor_approves_a_second_card_and_resolves_an_unknown_outcome(desk: Open, site: Site) -> None:
    site.set_speed(0)
    clerk = desk(CLERK)
    page = clerk.page
    bambang = "3314011203900002"  # seeded, no card yet
    _print(page, site, bambang)
    expect(page.get_by_test_id("job-state")).to_have_text("Selesai")

    # A lost card: a second card waits for the supervisor.
    _print(page, site, bambang, "hilang")
    expect(page.get_by_test_id("job-state")).to_have_text("Menunggu persetujuan")
    held_url = page.url

    sup = desk(SUPERVISOR)
    sp = sup.page
    expect(sp.get_by_role("heading", name="Persetujuan supervisor")).to_be_visible()
    row = sp.locator("tr", has_text="BAMBANG SETIAWAN")
    row.get_by_placeholder("Catatan").fill("Surat kehilangan dari Polsek Kalijambe")
    sup.shot("09-persetujuan")
    row.get_by_role("button", name="Setujui").click()
    expect(sp.get_by_role("status")).to_contain_text("Disetujui")
    _goto(page, held_url)
    expect(page.get_by_test_id("job-state")).to_have_text("Selesai")

    # A printer switched off and on mid-card cannot say whether the card printed: the job waits for the
    # supervisor, who checks the output tray and records it.
    site.set_speed(600)
    _print(page, site, "3314016101020003")
    expect(page.get_by_test_id("job-state")).to_have_text("Sedang dicetak")
    expect(page.get_by_test_id("submitted-at")).to_be_visible()
    site.power_cycle()
    expect(page.get_by_test_id("job-state")).to_have_text("Perlu konfirmasi")
    site.set_speed(0)
    sp.reload()
    row = sp.locator("tr", has_text="DWI AYU LESTARI")
    sup.shot("10-perlu-konfirmasi")
    row.get_by_role("button", name="Tercetak").click()
    expect(sp.get_by_role("status")).to_contain_text("Hasil dicatat")
    page.reload()
    expect(page.get_by_test_id("job-state")).to_have_text("Selesai")


def test_admin_adds_a_printer_and_switches_simulator_faults(desk: Open, site: Site) -> None:
    admin = desk("admin")
    page = admin.page
    expect(page.get_by_role("heading", name="Printer", exact=True)).to_be_visible()
    _fill(page, name="Loket-2", office="33.14.01", adapter="simulator", uri="simulator://e2e-loket-2")
    page.get_by_role("button", name="Tambah printer").click()
    expect(page.get_by_role("status")).to_contain_text("Printer Loket-2 ditambahkan.")
    card = _printer_card(page, "Loket-2")
    expect(card).to_be_visible()

    _switch(page, "Loket-2", "ribbon-low")
    expect(_printer_card(page, "Loket-2").locator("header .badge")).to_have_text("Pita hampir habis")
    _switch(page, "Loket-2", "offline")
    expect(_printer_card(page, "Loket-2").locator("header .badge")).to_have_text("Offline")
    counter = _printer_card(page, "Loket-2").locator("details.counter-entry")
    counter.locator("summary").click()
    counter.get_by_placeholder("Penghitung kartu").fill("1520")
    counter.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("status")).to_contain_text("Angka penghitung 1520 dicatat.")
    admin.shot("11-printer-admin", full_page=True)
    _switch(page, "Loket-2", "offline")
    _switch(page, "Loket-2", "ribbon-low")
    expect(_printer_card(page, "Loket-2").locator("header .badge")).to_have_text("Siap")

    # Users and roles: a clerk for the office.
    page.get_by_role("navigation").get_by_role("link", name="Pengguna").click()
    _fill(
        page,
        username="kalijambe.clerk2",
        full_name="Petugas Kedua Kalijambe",
        password="kata-sandi-panjang-1",
        role="clerk",
        office="33.14.01",
    )
    page.get_by_role("button", name="Tambah pengguna").click()
    expect(page.get_by_role("status")).to_contain_text("Pengguna kalijambe.clerk2 dibuat.")
    expect(page.get_by_role("cell", name="kalijambe.clerk2", exact=True)).to_be_visible()
    admin.shot("12-pengguna")


def test_indicators_match_the_print_jobs(desk: Open, site: Site) -> None:
    with Session(site.engine) as s:
        # the page's window: the last 14 local days (Asia/Jakarta), from the start of the first
        first_day = datetime.now(JAKARTA).date() - timedelta(days=13)
        since = datetime.combine(first_day, datetime.min.time(), JAKARTA)
        printed = s.exec(
            select(func.count()).where(PrintJob.state == "completed", col(PrintJob.completed_at) >= since)
        ).one()
        spoiled = s.exec(select(func.count()).where(col(PrintJob.spoiled).is_(True))).one()
    finance = desk("finance")
    page = finance.page
    expect(page.get_by_role("heading", name="Indikator layanan KTP")).to_be_visible()
    expect(page.get_by_test_id("ind-printed")).to_have_text(str(printed))
    if printed + spoiled:
        rate = f"{spoiled * 100 / (printed + spoiled):.1f}%".replace(".", ",")
        expect(page.get_by_test_id("ind-spoilage")).to_have_text(rate)
    expect(page.locator("svg.chart rect.bar")).to_have_count(14)
    finance.shot("13-indikator")


def _last_month() -> tuple[str, datetime]:
    """Last month (Asia/Jakarta) and a moment in the middle of it."""
    first = datetime.now(JAKARTA).date().replace(day=1)
    last = first - timedelta(days=1)
    return f"{last:%Y-%m}", datetime(last.year, last.month, 15, 3, 0, tzinfo=UTC)


def test_finance_closes_a_month_and_the_partner_verifies_its_bundle(
    desk: Open, site: Site, tmp_path: Path
) -> None:
    month, moment = _last_month()
    # Test data dated in the past: the cards printed above count as last month's, so the month can close.
    # (No contract is in force yet, so none of them has been posted.)
    with Session(site.engine) as s:
        s.exec(update(CardPrintedEvent).values(completed_at=moment))  # type: ignore[call-overload]
        s.commit()
        events = s.exec(select(CardPrintedEvent)).all()
    # A reprint after a printer fault is not billed (the contract's default, bill_fault_reprints false).
    cards = sum(not e.is_fault_reprint for e in events)
    assert cards >= 3 and len(events) > cards

    finance = desk("finance")
    page = finance.page
    page.get_by_role("navigation").get_by_role("link", name="Kontrak").click()
    page.locator("#f-number").fill("027/PKS/2026")
    page.locator("#f-partner_name").fill("PT Kartu Nusantara")
    page.locator("#f-effective_from").fill(f"01-01-{moment.year}")
    page.get_by_role("button", name="Tambah versi kontrak").click()
    expect(page.get_by_role("status")).to_contain_text("Kontrak 027/PKS/2026 disimpan.")

    page.goto(f"{site.url}/finance?month={month}")
    post_now = page.get_by_role("button", name="Bukukan sekarang")
    if post_now.count():  # the print worker may have posted them already; posting twice posts nothing
        post_now.click()
    expect(page.get_by_test_id("cards-billed")).to_have_text(str(cards))
    expect(page.get_by_test_id("gross")).to_have_text(f"Rp {cards * 10:d}.000")
    finance.shot("14-keuangan", full_page=True)

    page.get_by_role("link", name="Uang diterima", exact=True).click()
    _fill(page, office_code="33.14.01", amount="Rp 20.000", reference="STS-0001")
    page.get_by_role("button", name="Catat uang diterima").click()
    expect(page.get_by_role("status")).to_contain_text("Dicatat: Rp 20.000 (dua puluh ribu rupiah).")
    page.get_by_role("link", name="Rekonsiliasi", exact=True).click()
    expect(page.get_by_test_id("rec-status")).to_contain_text("SEMENTARA")
    expect(page.locator("tr.rec-open").first).to_be_visible()
    finance.shot("15-rekonsiliasi", full_page=True)

    # Closing asks first: a confirmation page names the month and what closing means.
    page.goto(f"{site.url}/finance?month={month}")
    page.get_by_test_id("close-section").get_by_role("link", name="Tutup bulan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tutup bulan")
    expect(page.get_by_text("Penutupan tidak dapat dibatalkan.")).to_be_visible()
    finance.shot("15b-tutup-bulan-konfirmasi")
    # Closing runs in the background: the progress page is shown, its script follows the server's
    # progress to 100, then the closed month is shown.
    progress: list[dict[str, Any]] = []
    shown: list[str] = []

    def poll(route: Any) -> None:  # the script's progress requests, read on their way to the page
        answer = route.fetch()
        progress.append(answer.json())
        route.fulfill(response=answer)

    def watch(response: Any) -> None:
        if re.search(r"/operations/[0-9a-f-]{36}/view$", response.url):
            shown.append(response.text())

    operation = re.compile(r"/operations/[0-9a-f-]{36}$")
    page.route(operation, poll)
    page.on("response", watch)
    page.get_by_role("button", name=re.compile("^Ya, tutup bulan")).click()
    page.wait_for_url(re.compile(rf"/finance\?month={month}$"))
    page.remove_listener("response", watch)
    page.unroute(operation, poll)
    assert shown and 'data-testid="operation-progress"' in shown[0] and "<progress" in shown[0]
    assert progress and progress[-1]["state"] == "done" and progress[-1]["percent"] == 100, progress
    expect(page.get_by_role("status")).to_contain_text("ditutup")
    expect(page.get_by_test_id("period-status")).to_have_text("Ditutup dan ditandatangani")

    auditor = desk("partner.auditor")
    ap = auditor.page
    ap.locator("#month").select_option(month)
    expect(ap.get_by_test_id("cards-billed")).to_have_text(str(cards))
    expect(ap.get_by_test_id("masked-nik").first).to_have_text(re.compile(r"^\d{4}\*{10}\d{2}$"))
    auditor.shot("16-mitra")
    with ap.expect_download() as download:
        ap.get_by_test_id("bundle-link").click()
    bundle = tmp_path / "bundle.zip"
    download.value.save_as(bundle)
    # the bundle is made on the server with a progress display; its ready page started the download
    expect(ap.get_by_role("heading", level=1)).to_have_text("File siap")
    ap.goto(f"{site.url}/partner?month={month}")
    with ap.expect_download() as key_download:
        ap.get_by_role("link", name="Kunci publik (PEM)").click()
    key = tmp_path / "key.pem"
    key_download.value.save_as(key)
    assert verify_bundle(bundle, key.read_bytes()) == []


def test_finance_records_money_refuses_a_duplicate_slip_and_reverses_an_entry(desk: Open, site: Site) -> None:
    """Money received as the treasury reports it: the amount typed as people write it and read back, the
    same deposit slip (STS) refused when typed again, and a wrong entry undone by a reversing entry."""
    month = datetime.now(JAKARTA).strftime("%Y-%m")
    finance = desk("finance")
    page = finance.page
    page.goto(f"{site.url}/finance?month={month}")
    page.get_by_role("link", name="Uang diterima", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Uang diterima"))).to_be_visible()
    expect(page.locator("#f-day")).to_have_value(datetime.now(JAKARTA).strftime("%d-%m-%Y"))  # today
    record = page.get_by_role("button", name="Catat uang diterima")
    expect(record).to_be_in_viewport()  # the primary action without scrolling at 1366x768

    page.locator("#f-office_code").select_option(label="Kantor Kecamatan Kalijambe (33.14.01)")
    page.locator("#f-amount").fill("Rp 30.000")
    page.locator("#f-reference").fill("STS-E2E-0001")
    record.click()
    expect(page.get_by_role("status")).to_have_text("Dicatat: Rp 30.000 (tiga puluh ribu rupiah).")
    entry = page.locator("tr[data-entry]").filter(has_text="STS-E2E-0001")
    expect(entry).to_contain_text("Rp 30.000")
    expect(entry).to_contain_text("Kantor Kecamatan Kalijambe")
    entry_id = entry.get_attribute("data-entry")

    # the same slip, typed the way someone else would, for another office: refused, naming the entry
    page.locator("#f-office_code").select_option("33.14.02")
    page.locator("#f-amount").fill("30000")
    page.locator("#f-reference").fill("sts-e2e-0001")
    page.get_by_role("button", name="Catat uang diterima").click()
    expect(page.locator("#e-reference")).to_contain_text(
        f"Referensi pembayaran STS-E2E-0001 sudah dicatat pada entri #{entry_id}"
    )
    expect(page.locator("tr[data-entry]").filter(has_text="STS-E2E-0001")).to_have_count(1)
    finance.shot("17-uang-diterima-duplikat")

    # the entry was for the wrong office: reverse it, with a reason
    row = page.locator(f"tr[data-entry='{entry_id}']")
    row.get_by_placeholder("Alasan pembatalan").fill("salah kantor")
    row.get_by_role("button", name="Batalkan entri").click()
    expect(page.get_by_role("status")).to_contain_text(f"Entri #{entry_id} (Rp 30.000) dibatalkan")
    expect(page.locator(f"tr[data-entry='{entry_id}']")).to_contain_text("Dibatalkan oleh entri #")
    reversal = page.locator("tr.money-reversal").filter(has_text=f"Pembatalan entri #{entry_id}")
    expect(reversal).to_contain_text("-Rp 30.000")
    expect(reversal).to_contain_text("salah kantor")
    expect(reversal.get_by_role("button", name="Batalkan entri")).to_have_count(0)  # never reversed itself
    finance.shot("18-uang-diterima-dibatalkan", full_page=True)

    # the slip recorded again, now for the right office: accepted
    page.locator("#f-office_code").select_option("33.14.02")
    page.locator("#f-amount").fill("30.000")
    page.locator("#f-reference").fill("STS-E2E-0001")
    page.get_by_role("button", name="Catat uang diterima").click()
    expect(page.get_by_role("status")).to_have_text("Dicatat: Rp 30.000 (tiga puluh ribu rupiah).")
    expect(page.locator("tr[data-entry]").filter(has_text="STS-E2E-0001").last).to_contain_text("Plupuh")
