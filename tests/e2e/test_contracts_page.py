"""Finance enters a tiered rupiah contract in the browser (issue 12's contracts page, issue 11's terms):
a share above the fee is refused next to its field, "Periksa" shows the terms in words, saving lists them.
Runs after test_console.py on the same server, whose contract it first ends (versions cannot overlap)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Site

pytestmark = pytest.mark.browser

Open = Callable[[str], Any]


def test_finance_creates_a_tiered_rupiah_contract(desk: Open, site: Site) -> None:
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    start = today + timedelta(days=1)
    finance = desk("finance")
    page = finance.page
    page.get_by_role("navigation").get_by_role("link", name="Kontrak").click()
    open_ended = page.get_by_role("button", name="Akhiri versi")
    if open_ended.count():  # the month-end flow's version: end it today to make room for this one
        page.locator("form.inline input[name=effective_to]").first.fill(today.strftime("%d-%m-%Y"))
        open_ended.first.click()
        expect(page.get_by_role("status")).to_contain_text("berakhir")

    page.locator("#f-number").fill("031/PKS/2026")
    page.locator("#f-partner_name").fill("PT Kartu Nusantara")
    page.locator("#f-signed_on").fill(today.strftime("%d-%m-%Y"))
    page.locator("#f-effective_from").fill(start.strftime("%d-%m-%Y"))
    page.get_by_label("Berjenjang menurut urutan kartu dalam bulan").check()
    page.locator("#f-tier_up_to_1").fill("1.000")
    page.locator("#f-tier_share_1").fill("Rp 12.000")  # above the Rp 10.000 fee
    page.locator("#f-tier_share_2").fill("2.500")
    page.get_by_label("Mitra PKP").check()
    page.locator("#f-ppn_collector").select_option("bendahara")
    page.get_by_role("button", name="Periksa").click()
    expect(page.locator("#e-tier_share_1")).to_have_text(
        "Bagian mitra Rp 12.000 per kartu melebihi tarif Baru yang dibaginya (Rp 10.000)."
    )
    expect(page.locator("#f-tier_share_1")).to_have_attribute("aria-invalid", "true")

    # Rp 3.000 fits the Rp 10.000 fees, not the form's Rp 0 renewal a citizen would pay: that fee says so.
    page.locator("#f-tier_share_1").fill("Rp 3.000")
    page.get_by_role("button", name="Periksa").click()
    expect(page.locator("#e-fee_perpanjangan")).to_have_text(
        "Bagian mitra Rp 3.000 per kartu melebihi tarif Perpanjangan yang dibaginya (Rp 0)."
    )
    page.get_by_label("Dibayar oleh Perpanjangan").select_option("regency")
    page.locator("#f-fee_perpanjangan").fill("Rp 25.000")
    page.get_by_role("button", name="Periksa").click()
    understood = page.locator(".understood")
    expect(understood).to_contain_text("kartu ke-1 s.d. ke-1.000: Rp 3.000 per kartu;")
    expect(understood).to_contain_text("kartu ke-1.001 dan seterusnya: Rp 2.500 per kartu.")
    expect(understood).to_contain_text("dipungut dan disetor bendahara Pemda")
    expect(understood).to_contain_text("Tarif Perpanjangan dibayar Pemda sebagai jasa")
    expect(page.locator("#f-tier_share_1")).to_have_value("Rp 3.000")  # the form keeps what was typed
    finance.shot("kontrak-periksa", full_page=True)

    page.get_by_role("button", name="Tambah versi kontrak").click()
    expect(page.get_by_role("status")).to_contain_text("Kontrak 031/PKS/2026 disimpan.")
    row = page.locator("tr", has_text="031/PKS/2026")
    expect(row).to_contain_text("kartu ke-1.001 dan seterusnya: Rp 2.500 per kartu.")
    expect(row).to_contain_text("kartu yang dibatalkan (dikoreksi) dalam bulan yang sama tidak dihitung")
    finance.shot("kontrak-berjenjang", full_page=True)
