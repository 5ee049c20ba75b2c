"""The README's pictures of the demo as `make run` leaves it (issue 12): a fresh database, `ktp demo seed`
(its history: last month's and this month's cards printed through the print path), `ktp serve`, then
Chromium at 1366x768 on the finance and partner pages of last month.

    .venv/bin/python scripts/demo_screenshots.py            # writes docs/screenshots/*.png
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
KTP = str(Path(sys.executable).parent / "ktp")
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "demo-sragen-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="ktp-shots-"))
    env = dict(os.environ, KTP_DATA_DIR=str(data), KTP_LOG_LEVEL="WARNING")
    subprocess.run([KTP, "db", "upgrade"], env=env, check=True, capture_output=True)
    print(subprocess.run([KTP, "demo", "seed"], env=env, check=True, capture_output=True, text=True).stdout)
    port = _free_port()
    server = subprocess.Popen([KTP, "serve", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        pause = threading.Event()
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not answer")
            pause.wait(0.5)
        first = datetime.now(ZoneInfo("Asia/Jakarta")).date().replace(day=1)
        month = f"{first - timedelta(days=1):%Y-%m}"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True
            )
            for user, path, name in (
                ("finance", f"/finance?month={month}", "keuangan-bagi-hasil.png"),
                ("partner.auditor", f"/partner?month={month}", "auditor-mitra.png"),
            ):
                context = browser.new_context(
                    viewport={"width": 1366, "height": 768}, locale="id-ID", timezone_id="Asia/Jakarta"
                )
                page = context.new_page()
                page.goto(f"{base}/login")
                page.fill("#username", user)
                page.fill("#password", PASSWORD)
                page.press("#password", "Enter")
                page.wait_for_load_state()
                page.goto(base + path)
                page.screenshot(path=str(OUT / name))
                print("wrote", OUT / name)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
