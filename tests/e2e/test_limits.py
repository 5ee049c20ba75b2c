"""A file over the upload limit, sent from the console: the clerk gets a page that says what went wrong and
how big a file may be, in the console's language, with a way back (not the API's JSON)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from ktp_service.seed import DEMO_RESIDENTS
from tests.e2e.conftest import Site

pytestmark = pytest.mark.browser


def test_a_photo_over_the_limit_gets_a_page_with_the_limit_and_a_way_back(
    desk: Callable[[str], Any], site: Site
) -> None:
    clerk = desk("kalijambe.clerk")
    page = clerk.page
    nik = DEMO_RESIDENTS[0][0]
    page.goto(f"{site.url}/residents/{nik}")
    resident_url = page.url
    too_big = site.settings.max_image_bytes + 1024 * 1024
    page.locator("#file-photo").set_input_files(
        {"name": "foto-besar.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8" + b"\0" * too_big}
    )
    page.get_by_role("button", name="Unggah pas foto").click()
    expect(page.get_by_role("heading", name="Tidak dapat dilanjutkan")).to_be_visible()
    expect(page.get_by_test_id("error-message")).to_contain_text("paling banyak 5,0 MB")
    clerk.shot("limit-foto-terlalu-besar")
    page.get_by_role("link", name="Kembali").click()
    expect(page).to_have_url(resident_url)
