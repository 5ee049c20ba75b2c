"""The IKM survey on a phone (issue 15): Chromium at 360x740 with every request to another host blocked,
the nine questions answered by tapping, one answer per receipt; and the indicators page with the demo's
month of survey answers (a copy of its screenshot is in the README)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import expect
from sqlmodel import Session, col, select

from ktp_service.models import Handover, SurveyAnswer
from tests.e2e.conftest import SCREENSHOTS, Site

PHONE = {"width": 360, "height": 740}
# the test's picture goes with the others (test-output/); docs/screenshots/ holds a copy chosen by hand


def _unanswered_token(site: Site) -> str:
    with Session(site.engine) as s:
        answered = select(SurveyAnswer.handover_id)
        row = s.exec(select(Handover).where(col(Handover.id).not_in(answered)).limit(1)).first()
    assert row is not None, "the demo seeds handovers without answers"
    return row.survey_token


def test_the_survey_works_on_a_phone_with_no_outside_request(browser: Any, site: Site) -> None:
    token = _unanswered_token(site)
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="id-ID"
    )
    outside: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(site.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    seen: list[str] = []
    page = context.new_page()
    page.on("request", lambda r: seen.append(r.url))
    page.goto(f"{site.url}/s/{token}")
    expect(page.get_by_role("heading", name="Survei Kepuasan Masyarakat")).to_be_visible()
    # Nothing sideways: the page fits the phone's width, and the answer rows are big enough to tap.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.locator("label.opt").first.bounding_box()
    assert box is not None and box["height"] >= 44
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "survey-phone.png"))
    for i, value in enumerate((3, 3, 3, 4, 3, 3, 3, None, 3), 1):
        if value is not None:  # U8 is skipped on purpose: it stays unanswered
            page.locator(f"label.opt:has(input[name='u{i}'][value='{value}'])").tap()
    page.get_by_label("Keluhan, saran atau masukan").fill("Ruang tunggu nyaman.")
    page.get_by_role("button", name="Kirim jawaban").tap()
    expect(page.get_by_test_id("survey-state")).to_contain_text("Terima kasih")
    # The same link again: the form is not offered a second time.
    page.goto(f"{site.url}/s/{token}")
    expect(page.get_by_test_id("survey-state")).to_contain_text("sudah diisi")
    context.close()
    assert outside == [] and all(u.startswith(site.url) for u in seen), outside
    with Session(site.engine) as s:
        handover = s.exec(select(Handover).where(Handover.survey_token == token)).one()
        got = s.exec(select(SurveyAnswer).where(SurveyAnswer.handover_id == handover.id)).one()
    assert (got.u1, got.u4, got.u8, got.u9) == (3, 4, None, 3) and got.complaint == "Ruang tunggu nyaman."


def test_the_indicators_page_shows_the_demo_month_ikm(desk: Any) -> None:
    d = desk("admin")
    d.page.set_viewport_size({"width": 1366, "height": 900})
    first = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)  # the demo's previous month
    d.page.goto(d.site.url + f"/indicators?from={first:%d-%m-%Y}")
    ikm = d.page.get_by_test_id("ikm")
    expect(ikm).to_be_visible()
    expect(ikm.locator("tr[data-office='33.14'] [data-testid=ikm-converted]")).to_have_text(
        re.compile(r"^\d{2},\d{2}$")
    )
    ikm.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ikm.screenshot(path=str(SCREENSHOTS / "indicators-ikm.png"))
