"""Browser tests: a real uvicorn server (with its print worker and printer poll) on a free localhost port,
a migrated SQLite database seeded with the demo regency (simulated card printers, blank cards, three
residents), and Debian's chromium driven by Playwright.

Chromium comes from Debian (scripts/system-packages.txt); ``playwright install`` is never run. Where it is
missing the tests skip on a laptop and FAIL under CI (CI=true).
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ktp_service import migrate
from ktp_service.db import make_engine, unit_of_work
from ktp_service.main import create_app
from ktp_service.models import Printer
from ktp_service.seed import DEMO_PASSWORD, read_counters, seed_demo
from ktp_service.services import printers
from ktp_service.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1366, "height": 768}  # the office screen the issue names
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
PRINTER = "Kalijambe-Simulator"  # seeded at office 33.14.01


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing (Debian package 'chromium', listed in scripts/system-packages.txt)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Site:
    """The running service: its address, settings and database, plus test-side controls of the seeded
    simulated printer (its speed, and a power cycle that makes it forget its jobs)."""

    url: str
    settings: Settings
    engine: Engine

    def printer(self, name: str = PRINTER) -> Printer:
        with Session(self.engine) as s:
            p = s.exec(select(Printer).where(Printer.name == name)).one()
            s.expunge(p)
            return p

    def set_speed(self, seconds: float, name: str = PRINTER) -> None:
        """Seconds per card of a simulated printer: slow enough that a fault lands mid-card, or instant."""
        with unit_of_work(self.engine) as s:
            p = s.exec(select(Printer).where(Printer.name == name)).one()
            p.config = {**p.config, "speed": seconds}
            s.add(p)

    def power_cycle(self, name: str = PRINTER) -> None:
        """The simulated printer forgets every job (as a printer switched off and on): a card it was
        printing can then no longer be vouched for, and the job waits for a supervisor."""
        printers.simulator_control(self.printer(name), self.settings).reset()


# Package scope: the server and Playwright's event loop end with the browser tests, so the tests after
# them run without an asyncio loop left running on the main thread.
@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _need_chromium()
    data = tmp_path_factory.mktemp("e2e-data")
    settings = Settings(data_dir=data, database_url="", run_worker=True, printer_poll_seconds=0.5)
    engine = make_engine(settings.effective_database_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as s:
        seed_demo(s, settings, contract=False)  # the finance flow enters its own contract
    read_counters(engine, settings)  # as `ktp demo seed` does
    app = create_app(settings, engine)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    started = threading.Event()
    # Wait for the server's own "started" flag (no sleeping in the test): poll with a bounded wait.
    for _ in range(600):
        if server.started or not thread.is_alive():
            break
        started.wait(0.05)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    yield Site(f"http://127.0.0.1:{port}", settings, engine)
    server.should_exit = True
    thread.join(timeout=15)
    engine.dispose()  # the app does not dispose an engine it was handed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="package")
def browser(site: Site) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session", autouse=True)
def _screenshot_dir() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)


class Desk:
    """One person at one browser: logs in and takes screenshots of what they see."""

    def __init__(self, browser: Any, site: Site, username: str) -> None:
        from playwright.sync_api import expect

        expect.set_options(timeout=20_000)
        self.site = site
        self.context = browser.new_context(viewport=VIEWPORT, locale="id-ID", timezone_id="Asia/Jakarta")
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.username = username

    def login(self) -> Any:
        """By keyboard only: the username field has focus, Tab to the password, Enter to submit."""
        page = self.page
        from playwright.sync_api import expect

        page.goto(self.site.url + "/")
        expect(page.locator("#username")).to_be_focused()  # autofocus: the clerk can type at once
        page.keyboard.type(self.username)
        page.keyboard.press("Tab")
        page.keyboard.type(DEMO_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"^(?!.*/login).*$"))
        return page

    def shot(self, name: str, *, full_page: bool = False) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def desk(browser: Any, site: Site) -> Iterator[Any]:
    """``desk("kalijambe.clerk")`` -> a logged-in Desk (each in its own browser context)."""
    opened: list[Desk] = []

    def open_desk(username: str) -> Desk:
        d = Desk(browser, site, username)
        d.login()
        opened.append(d)
        return d

    yield open_desk
    for d in opened:
        d.close()
