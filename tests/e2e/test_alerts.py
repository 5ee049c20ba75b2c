"""Alerts in a real browser (issue 15, part 4): a low-stock condition at Kalijambe raises an alert; the
supervisor sees the count in the menu's badge, opens the alerts page (Indonesian, names beside codes, what
to do), acknowledges it with a note, and the badge goes down. Every wait is on what the page shows."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, func, select

from ktp_service.alert_checker import check
from ktp_service.db import unit_of_work
from ktp_service.models import Alert, Office
from ktp_service.services import alerts
from tests.e2e.conftest import Site

pytestmark = pytest.mark.browser

SUPERVISOR = "kalijambe.supervisor"


def set_threshold(site: Site, code: str, threshold: int | None) -> None:
    with unit_of_work(site.engine) as s:
        office = s.exec(select(Office).where(Office.code == code)).one()
        office.low_stock_threshold = threshold
        s.add(office)


def raise_low_stock(site: Site, code: str = "33.14.01") -> int:
    """Kalijambe's threshold above any stock it holds, then one evaluation (as the worker's would): the id
    of the open low-stock alert."""
    set_threshold(site, code, 1_000_000)
    check(site.engine, site.settings)
    with Session(site.engine) as s:
        office_id = s.exec(select(Office.id).where(Office.code == code)).one()
        return s.exec(
            select(Alert.id).where(
                Alert.kind == alerts.STOCK_LOW, Alert.office_id == office_id, col(Alert.cleared_at).is_(None)
            )
        ).one()


def unacknowledged(site: Site, code: str = "33.14.01") -> int:
    with Session(site.engine) as s:
        office_id = s.exec(select(Office.id).where(Office.code == code)).one()
        return int(
            s.exec(
                select(func.count())
                .select_from(Alert)
                .where(Alert.office_id == office_id, col(Alert.acknowledged_at).is_(None))
            ).one()
        )


def test_the_badge_counts_and_the_supervisor_acknowledges(desk: Any, site: Site) -> None:
    alert_id = raise_low_stock(site)
    try:
        before = unacknowledged(site)
        assert before >= 1
        supervisor = desk(SUPERVISOR)
        page = supervisor.page
        link = page.locator('header nav a[href="/alerts"]')
        expect(link.locator(".count-badge")).to_have_attribute("data-alert-count", str(before))
        expect(link).to_contain_text(f"{before} peringatan belum ditanggapi")  # read by screen readers
        link.click()
        page.wait_for_url("**/alerts")
        row = page.locator(f'tr[data-alert="{alert_id}"]')
        expect(row).to_contain_text("Stok blanko menipis")
        expect(row).to_contain_text("stock_low")
        expect(row).to_contain_text("33.14.01 · Kantor Kecamatan Kalijambe")
        expect(row).to_contain_text("Kirim blanko dari kantor kabupaten")
        ack = row.get_by_role("button", name="Tanggapi")
        expect(ack).to_be_in_viewport()  # the primary action, at 1366x768
        supervisor.shot("alerts-supervisor")
        row.get_by_label("Catatan tindakan").fill("Minta kiriman 200 blanko dari KPT")
        ack.click()
        expect(page.locator(".flash.ok")).to_contain_text("Peringatan ditanggapi.")
        expect(page.locator(f'tr[data-alert="{alert_id}"]')).to_have_count(0)  # no longer unacknowledged
        after = before - 1
        badge = page.locator('header nav a[href="/alerts"] .count-badge')
        if after:
            expect(badge).to_have_attribute("data-alert-count", str(after))
        else:
            expect(badge).to_have_count(0)
        # Shown with who acknowledged it and the note, among all alerts; in English too.
        page.goto(site.url + "/alerts?show=all")
        row = page.locator(f'tr[data-alert="{alert_id}"]')
        expect(row).to_contain_text("Ditanggapi kalijambe.supervisor")
        expect(row).to_contain_text("Minta kiriman 200 blanko dari KPT")
        page.get_by_role("button", name="English").click()
        expect(page.locator(f'tr[data-alert="{alert_id}"]')).to_contain_text("Blank cards running low")
        page.get_by_role("button", name="Bahasa Indonesia").click()
        expect(page.locator("h1")).to_have_text("Peringatan")
    finally:
        set_threshold(site, "33.14.01", None)
        check(site.engine, site.settings)
