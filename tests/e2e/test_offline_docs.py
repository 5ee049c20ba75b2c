"""``/docs`` and ``/redoc`` work on a LAN without internet: every request leaving 127.0.0.1 is aborted, and
both pages still render the API's title and its operations (Swagger UI and ReDoc come from a package)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORT, Site

pytestmark = pytest.mark.browser


def _offline_page(browser: Any) -> tuple[Any, Any, list[str]]:
    """A page whose every request outside 127.0.0.1 is aborted (and noted)."""
    context = browser.new_context(viewport=VIEWPORT)
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    return context, context.new_page(), outside


def test_swagger_ui_renders_with_the_outside_world_blocked(browser: Any, site: Site) -> None:
    context, page, outside = _offline_page(browser)
    try:
        page.goto(f"{site.url}/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("ktp-service")
        operation = page.locator(".opblock-summary-path[data-path='/api/v1/residents']").first
        expect(operation).to_be_visible()
        # Open one operation: its details render from the served document too.
        page.locator("#operations-residents-create_resident_api_v1_residents_post button").first.click()
        expect(page.get_by_text("Try it out")).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert outside == []
    finally:
        context.close()


def test_redoc_renders_with_the_outside_world_blocked(browser: Any, site: Site) -> None:
    context, page, outside = _offline_page(browser)
    try:
        page.goto(f"{site.url}/redoc")
        expect(page.get_by_role("heading", name="ktp-service", exact=False).first).to_be_visible()
        expect(page.get_by_role("heading", name="Create Resident").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert outside == []
    finally:
        context.close()
