"""Accessibility measured, not guessed: axe-core (from the npm registry, installed by
scripts/install-axe-core.sh, which `make test` runs) is injected into every console page each role can
reach, and no page may have a serious or critical violation. A missing axe-core fails the test."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import ROOT, VIEWPORT, Site

pytestmark = pytest.mark.browser

AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
ROLES = ("kalijambe.clerk", "kalijambe.supervisor", "admin", "finance", "partner.auditor")
RESIDENT = "3314015708850001"  # seeded at Kalijambe
# Pages reached through a page rather than the menu, per role.
EXTRA = {
    "kalijambe.clerk": [
        f"/residents/{RESIDENT}",
        f"/residents/{RESIDENT}/edit",
        f"/residents/{RESIDENT}/history",
        "/residents?q=SITI",
        "/account/password",
        "/jobs/{job}",
    ],
    "kalijambe.supervisor": [
        f"/residents/{RESIDENT}",
        "/audit?nik=" + RESIDENT,
        f"/audit/residents/{RESIDENT}",
        "/alerts?show=all",
    ],
    "admin": [
        "/printers/{printer}",
        f"/audit/residents/{RESIDENT}",
        "/audit?user=admin",
        "/standard",
        "/admin/agents/{agent}/revoke",
        "/admin/agents/{agent}/re-enroll",
        "/alerts?show=all",
    ],
    "finance": ["/billing/corrections", "/finance/{month}/reconciliation"],
    "partner.auditor": [],
}


def _agent(site: Site, name: str) -> int:
    """A print agent at Kalijambe (issue 14), for the agents list and its confirmation pages."""
    from ktp_service.db import unit_of_work
    from ktp_service.services import agents
    from ktp_service.services.actor import SYSTEM

    with unit_of_work(site.engine) as s:
        agent, _code = agents.create(s, SYSTEM, name, "33.14.01", site.settings)
        assert agent.id is not None
        return agent.id


def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `bash scripts/install-axe-core.sh` (make test does)")
    return AXE.read_text()


def _serious(page: Any, axe: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=axe)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def _describe(path: str, violations: list[dict[str, Any]]) -> list[str]:
    return [
        f"{path}: {v['id']} ({v['impact']}) {v['help']} -> "
        + "; ".join(
            n["target"][0] if isinstance(n["target"][0], str) else json.dumps(n["target"])
            for n in v["nodes"][:3]
        )
        for v in violations
    ]


def test_no_serious_or_critical_violations_on_any_page_of_any_role(browser: Any, site: Site) -> None:
    axe = _axe_source()
    printer = site.printer().id
    month = f"{datetime.now(ZoneInfo('Asia/Jakarta')):%Y-%m}"
    problems: list[str] = []
    visited = 0
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID")
    page = context.new_page()
    page.goto(f"{site.url}/login")
    problems += _describe("/login (anonymous)", _serious(page, axe))
    visited += 1
    context.close()
    from tests.e2e.conftest import Desk

    # A job page too: a card for a resident this test registers itself (other tests' residents untouched).
    from tests.e2e.test_above_the_fold import _print
    from tests.e2e.test_guards import _resident

    job = _print(site, _resident(site, 7501, "RATNA KUSUMA"), "baru")
    agent = _agent(site, "axe-agent")
    # An alert on the alerts page (raised, then ended: shown with its acknowledge form and its end).
    from ktp_service.alert_checker import check
    from tests.e2e.test_alerts import raise_low_stock, set_threshold

    raise_low_stock(site)
    set_threshold(site, "33.14.01", None)
    check(site.engine, site.settings)
    for username in ROLES:
        desk = Desk(browser, site, username)
        try:
            page = desk.login()
            hrefs = page.eval_on_selector_all(
                "header nav a", "links => links.map(a => a.getAttribute('href'))"
            )
            extra = [p.format(printer=printer, month=month, job=job, agent=agent) for p in EXTRA[username]]
            paths = list(dict.fromkeys([*hrefs, *extra]))
            assert hrefs, f"{username} has no menu"
            for path in paths:
                response = page.goto(site.url + path)
                assert response is not None and response.status < 400, (
                    username,
                    path,
                    response and response.status,
                )
                problems += _describe(f"{path} ({username})", _serious(page, axe))
                visited += 1
        finally:
            desk.close()
    print(
        f"axe-core {re.search(r'axe v([0-9.]+)', axe[:200]) and re.search(r'axe v([0-9.]+)', axe[:200]).group(1)}: {visited} pages, {len(problems)} serious or critical"
    )  # type: ignore[union-attr]
    assert problems == [], "\n".join(problems)
    assert visited >= 25


def test_the_axe_core_install_step_is_wired_into_make_test() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test:.*\btest-tools\b", makefile, re.M)
    assert "install-axe-core.sh" in makefile and Path(ROOT / "scripts" / "install-axe-core.sh").exists()
