"""Bytes per card and cards per minute to a print agent through a village line (issue 14: 256 kbit/s, at
least one card every 10 s).

    sudo .venv/bin/python benchmarks/agent_link.py                            # 256 kbit/s, 8 cards, both forms
    sudo .venv/bin/python benchmarks/agent_link.py --rate 256kbit --cards 8 --forms whole rgb-xz --loss 0.02

For each form (``before``: the card PNG as rendered and the printer states sent every pass, as the agent was
first built; ``whole``: the PNG, printer states only when changed or every 30 s; ``rgb-xz``: that, and the
card's pixels LZMA-compressed, rebuilt and SHA-256-checked at the agent, see ktp_service/agent_documents.py):
a fresh SQLite centre (``ktp serve``)
in the root network namespace, the agent (``ktp agent run``) in a namespace of its own joined by a veth pair
shaped by ``tc ... tbf`` to ``--rate`` both ways (optionally lossy through ``iptables -m statistic``). First
the idle agent polls for ``--idle-seconds`` (what polling alone costs the line), then ``--cards`` cards are
ordered at once for its simulator printer (which prints instantly: the line is the bottleneck), and the clock
runs until the last one is reported printed at the centre. Bytes are the veth's own counters at the centre's
end: Ethernet frames both ways, TCP/IP headers, retransmissions and the agent's polling included.

Needs root, iproute2 and iptables (the same as tests/integration/printing/test_agent_netns.py).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx
from sqlmodel import Session, col, select

from benchmarks.machine import print_machine
from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.db import make_engine
from ktp_service.models import PrintJob
from ktp_service.seed import DEMO_PASSWORD
from ktp_service.settings import Settings
from tests.factories import resident_payload
from tests.integration.printing.netns import OfficeNet

KTP = str(Path(sys.executable).parent / "ktp")
# The agent's options for each measured form.
FORMS = {
    "before": ["--document-form", "whole", "--sync-seconds", "0"],
    "whole": ["--document-form", "whole"],
    "rgb-xz": ["--document-form", "rgb-xz"],
}
OFFICE = "33.14.01"


def _wait(what: str, condition: object, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        pause.wait(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _login(api: httpx.Client, user: str) -> dict[str, str]:
    r = api.post("/api/v1/auth/token", data={"username": user, "password": DEMO_PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _resident(api: httpx.Client, clerk: dict[str, str], serial: int) -> str:
    body = resident_payload(born=date(1990, 5, 6), serial=serial)
    r = api.post("/api/v1/residents", json=body, headers=clerk)
    assert r.status_code == 201, r.text
    for kind, data in (("photo", make_photo(seed=serial)), ("signature", make_signature(seed=serial))):
        r = api.put(
            f"/api/v1/residents/{body['nik']}/{kind}",
            files={"file": (f"{kind}.png", data, "image/png")},
            headers=clerk,
        )
        assert r.status_code == 200, r.text
    return str(body["nik"])


def run(form: str, args: argparse.Namespace) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="ktp-agent-link-"))
    env = dict(os.environ, KTP_DATA_DIR=str(tmp / "centre"), KTP_LOG_LEVEL="WARNING")
    subprocess.run([KTP, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([KTP, "demo", "seed"], env=env, check=True, capture_output=True)
    settings = Settings(data_dir=tmp / "centre")
    engine = make_engine(settings.effective_database_url)
    net = OfficeNet("b")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        net.shape(args.rate)
        if args.loss:
            net.lossy(args.loss)
        port = _free_port()
        base = f"http://{net.centre_ip}:{port}"
        procs.append(subprocess.Popen([KTP, "serve", "--host", net.centre_ip, "--port", str(port)], env=env))
        _wait("the centre", lambda: _answers(base + "/healthz"))
        with httpx.Client(base_url=base, timeout=120) as api:
            admin, clerk = _login(api, "admin"), _login(api, "kalijambe.clerk")
            agent = api.post("/api/v1/agents", json={"name": "desa", "office": OFFICE}, headers=admin).json()
            printer = api.post(
                "/api/v1/printers",
                json={
                    "name": "Desa-1",
                    "office": OFFICE,
                    "adapter": "simulator",
                    "uri": "simulator://desa-1",
                    "config": {"speed": 0},
                    "agent_id": agent["id"],
                },
                headers=admin,
            ).json()
            niks = [_resident(api, clerk, 8800 + n) for n in range(args.cards)]
            agent_dir = tmp / "agent"
            enroll = [KTP, "agent", "enroll", "--server", base, "--code", agent["enrollment_code"]]
            subprocess.run(
                net.command(*enroll, "--data-dir", str(agent_dir), "--allow-http"),
                env=env,
                check=True,
                capture_output=True,
            )
            procs.append(
                subprocess.Popen(
                    net.command(
                        *(KTP, "agent", "run", "--data-dir", str(agent_dir), "--timeout", "120"),
                        *FORMS[form],
                        *("--log-level", "WARNING"),
                    ),
                    env=env,
                )
            )
            _wait(
                "the agent's first contact",
                lambda: api.get("/api/v1/agents", headers=admin).json()[0]["version"],
            )
            idle_from, idle_at = net.bytes_on_link(), time.monotonic()
            time.sleep(args.idle_seconds)  # a benchmark's measuring window, not a wait for a condition
            idle_to, idle_s = net.bytes_on_link(), time.monotonic() - idle_at
            before, started = net.bytes_on_link(), time.monotonic()
            for nik in niks:
                r = api.post(
                    "/api/v1/print-jobs",
                    json={"nik": nik, "printer_id": printer["id"], "reason": "baru"},
                    headers=clerk,
                )
                assert r.status_code == 201, r.text

            def done() -> bool:
                with Session(engine) as s:
                    states = s.exec(select(PrintJob.state).where(col(PrintJob.printer_id) == printer["id"]))
                    return list(states).count("completed") == args.cards

            _wait("every card printed and reported", done, timeout=60 * args.cards)
            seconds = time.monotonic() - started
            after = net.bytes_on_link()
        down, up = after[0] - before[0], after[1] - before[1]
        idle = (idle_to[0] - idle_from[0] + idle_to[1] - idle_from[1]) / idle_s * 60 if idle_s else 0.0
        return {
            "seconds": seconds,
            "per_card_down": down / args.cards,
            "per_card_up": up / args.cards,
            "per_card": (down + up) / args.cards,
            "cards_per_min": args.cards / seconds * 60,
            "seconds_per_card": seconds / args.cards,
            "idle_bytes_per_min": idle,
        }
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        net.close()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", default="256kbit", help="tc tbf rate, both ways (256kbit: a village line)")
    parser.add_argument("--cards", type=int, default=8)
    parser.add_argument(
        "--forms",
        nargs="+",
        default=["before", "rgb-xz"],
        choices=list(FORMS),
        help="before: whole PNG, printer states sent every pass (as first built); whole; rgb-xz",
    )
    parser.add_argument("--loss", type=float, default=0.0, help="packets dropped each way (0.02: 2 %%)")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="polling measured alone first")
    args = parser.parse_args()
    print_machine()
    print(f"line: tbf {args.rate} both ways, loss {args.loss:.0%}; {args.cards} cards, printer instant")
    for form in args.forms:
        f = run(form, args)
        print(
            f"{form:7} {f['per_card'] / 1000:7.1f} kB/card on the line ({f['per_card_down'] / 1000:.1f} down, "
            f"{f['per_card_up'] / 1000:.1f} up), {f['cards_per_min']:5.2f} cards/min "
            f"({f['seconds_per_card']:.1f} s/card; issue 14: <= 10 s), "
            f"idle polling {f['idle_bytes_per_min'] / 1000:.1f} kB/min",
            flush=True,
        )


if __name__ == "__main__":
    main()
