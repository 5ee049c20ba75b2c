"""A print agent and the centre as real processes (``ktp serve``, ``ktp agent run``) joined by a small
fault-injecting TCP proxy of this test's own: the answer to a fetch is lost (the centre bound the jobs, the
agent never heard), the link is cut while the agent prints, the answer to a status report is lost, and the
agent is SIGKILLed mid-card and restarted. Afterwards every card printed once (the simulator's counter),
reported once, billed once, and ``ktp billing verify`` is clean."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

from ktp_service.models import AgentReport, CardPrintedEvent, PrintJob
from printers.simulator import SimulatorControl
from tests.integration.printing.conftest import Counter, add_resident
from tests.integration.printing.test_agents import agent_printer, new_agent, order
from tests.integration.printing.test_crash import wait_for
from tests.integration.printing.test_month_end import CONTRACT

KTP = str(Path(sys.executable).parent / "ktp")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FaultyLink:
    """Forwards TCP connections from ``host``:``port`` to 127.0.0.1:``target`` (the centre), with faults:

    - ``down``: new connections are closed at once; :meth:`cut` also cuts the open ones;
    - ``lose_answer(marker)``: the next request containing ``marker`` reaches the server, and the server's
      answer is thrown away and the connection closed (the worst case for exactly once);
    - ``on_request(marker, action)``: ``action()`` runs when a request containing ``marker`` passes, before
      the server gets it (e.g. the office's link cut while the centre answers);
    - ``delay``: seconds added to every chunk either way (a long, slow line);
    - :meth:`half_open`: connections stay open and silent, nothing passes either way and nothing is closed,
      as behind a dead NAT or a link gone mid-conversation: the client learns only by its own timeout;
      :meth:`resume` ends it (connections that went silent stay so until their client gives up)."""

    def __init__(self, target: int, host: str = "127.0.0.1") -> None:
        self.target = target
        self.listener = socket.create_server((host, 0))
        self.port = int(self.listener.getsockname()[1])
        self.down = False
        self.delay = 0.0
        self.silent = False
        self.armed: dict[bytes, int] = {}
        self.lost: dict[bytes, int] = {}
        self.actions: dict[bytes, Callable[[], None]] = {}
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.connections = 0
        self._pause = threading.Event()  # never set: waits of ``delay`` without time.sleep
        threading.Thread(target=self._accept, daemon=True).start()

    def lose_answer(self, marker: bytes, times: int = 1) -> None:
        with self.lock:
            self.armed[marker] = times

    def on_request(self, marker: bytes, action: Callable[[], None]) -> None:
        with self.lock:
            self.actions[marker] = action

    def cut(self) -> None:
        self.down = True
        with self.lock:
            for s in self.open:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def half_open(self) -> None:
        self.silent = True

    def resume(self) -> None:
        self.silent = False

    def close(self) -> None:
        self.listener.close()
        self.cut()
        with self.lock:
            for s in self.open:
                s.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            if self.down:
                client.close()
                continue
            if self.silent:  # accepted, then nothing: the client waits for an answer that never comes
                with self.lock:
                    self.open.append(client)
                threading.Thread(target=self._drain, args=(client,), daemon=True).start()
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open += [client, server]
            swallow = threading.Event()
            threading.Thread(target=self._up, args=(client, server, swallow), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, swallow), daemon=True).start()

    def _drain(self, client: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while client.recv(65536):
                pass
        client.close()

    def _up(self, client: socket.socket, server: socket.socket, swallow: threading.Event) -> None:
        try:
            while chunk := client.recv(65536):
                if self.silent:
                    continue
                actions = []
                with self.lock:
                    for marker, left in self.armed.items():
                        if left and marker in chunk:
                            self.armed[marker] = left - 1
                            self.lost[marker] = self.lost.get(marker, 0) + 1
                            swallow.set()
                    for marker in [m for m in self.actions if m in chunk]:
                        actions.append(self.actions.pop(marker))
                for action in actions:
                    action()
                if self.delay:
                    self._pause.wait(self.delay)
                server.sendall(chunk)
        except OSError:
            pass
        finally:
            server.close()  # the client went away: so does the centre's side

    def _down(self, server: socket.socket, client: socket.socket, swallow: threading.Event) -> None:
        try:
            while chunk := server.recv(65536):
                if swallow.is_set():  # the server answered: throw the answer away and hang up
                    break
                if self.silent:
                    continue
                if self.delay:
                    self._pause.wait(self.delay)
                client.sendall(chunk)
        except OSError:
            pass
        finally:
            if not self.silent:
                client.close()
                server.close()


@pytest.fixture
def processes(counter: Counter) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    env = dict(
        os.environ,
        KTP_DATA_DIR=str(counter.settings.data_dir),
        KTP_DATABASE_URL=counter.settings.effective_database_url,
        KTP_LOG_LEVEL="WARNING",
        KTP_WORKER_NAME="centre",
    )

    def start(*args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([KTP, *args], env=env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def journal_states(agent_dir: Path) -> list[str]:
    path = agent_dir / "journal.sqlite3"
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in db.execute("SELECT state FROM job ORDER BY uuid")]
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()


def unreported(agent_dir: Path) -> int:
    db = sqlite3.connect(f"file:{agent_dir / 'journal.sqlite3'}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT count(*) FROM report WHERE sent_at IS NULL").fetchone()[0])
    finally:
        db.close()


def test_agent_process_through_a_failing_link_prints_each_card_once(
    counter: Counter, processes: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    c, as_user = counter.client, counter.as_user
    assert c.post("/api/v1/billing/contracts", json=CONTRACT, headers=as_user("finance")).status_code == 201
    agent_id, code = new_agent(c, as_user)
    printer = agent_printer(c, as_user, agent_id, speed=1.5)  # a card takes 1.5 s: time to be killed mid-card
    niks = [counter.nik, *(add_resident(c, as_user, serial=7100 + i) for i in range(2))]
    jobs = [order(counter, printer, nik) for nik in niks]

    port = free_port()
    processes("serve", "--port", str(port))
    wait_for("the centre to serve", lambda: _healthy(port), timeout=180)
    link = FaultyLink(port)
    agent_dir = tmp_path / "agent"
    server = f"http://127.0.0.1:{link.port}"
    enrolled = processes(
        "agent", "enroll", "--server", server, "--code", code, "--data-dir", str(agent_dir), "--allow-http"
    )
    assert enrolled.wait(timeout=60) == 0
    assert (agent_dir / "agent.json").stat().st_mode & 0o777 == 0o600

    link.lose_answer(b"/agent/fetch-jobs")  # the centre binds the jobs; the agent never hears of it
    run = ("agent", "run", "--data-dir", str(agent_dir), "--interval", "0.2", "--log-level", "WARNING")
    first = processes(*run)
    wait_for(
        "a card at the printer, with every card downloaded",
        lambda: "sent" in (s := journal_states(agent_dir)) and len(s) == 3 and "held" not in s,
        timeout=180,  # three cards rendered, compacted and fetched on a machine that may be busy
    )
    assert link.lost == {b"/agent/fetch-jobs": 1}
    os.kill(first.pid, signal.SIGKILL)  # mid-card
    first.wait(timeout=30)

    link.cut()  # the link goes down: the restarted agent prints what it holds and keeps the outcomes
    processes(*run)
    wait_for(
        "every card printed with the link down",
        lambda: journal_states(agent_dir) == ["done"] * 3,
        timeout=180,
    )
    assert unreported(agent_dir) >= 3 and all(_job(counter, j).state == "processing" for j in jobs)
    view = c.get(f"/api/v1/print-jobs/{jobs[0]}", headers=as_user("kalijambe.clerk")).json()
    assert view["agent"]["fetched_at"] and view["agent"]["reported_at"] is None

    link.lose_answer(b"/status HTTP")  # the first report after the link returns: applied, answer lost
    link.down = False
    wait_for("every card reported", lambda: all(_job(counter, j).state == "completed" for j in jobs))
    wait_for("every report acknowledged", lambda: unreported(agent_dir) == 0)
    assert link.lost[b"/status HTTP"] == 1
    wait_for("billing to post every card", lambda: _posted(counter) == 3, timeout=90)

    sim = SimulatorControl(f"printer-{printer}", state_dir=str(agent_dir / "simulators"))
    assert sim.info().card_counter == 3  # each card printed once
    with Session(counter.world.engine) as s:
        printed = s.exec(select(AgentReport).where(AgentReport.event == "printed")).all()
        outbox = s.exec(select(CardPrintedEvent)).all()
    assert sorted(r.answer["job_id"] for r in printed) == sorted(jobs)  # reported once each
    assert sorted(e.job_uuid for e in outbox) == sorted(jobs)  # billed once each
    assert list((agent_dir / "cards").iterdir()) == []
    verify = subprocess.run(
        [KTP, "billing", "verify"],
        env=dict(
            os.environ,
            KTP_DATA_DIR=str(counter.settings.data_dir),
            KTP_DATABASE_URL=counter.settings.effective_database_url,
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "ledger verifies" in verify.stdout


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _job(counter: Counter, job_id: str) -> PrintJob:
    with Session(counter.world.engine) as s:
        return s.exec(select(PrintJob).where(PrintJob.uuid == job_id)).one()


def _posted(counter: Counter) -> int:
    with Session(counter.world.engine) as s:
        return len(s.exec(select(CardPrintedEvent).where(col(CardPrintedEvent.posted_at).is_not(None))).all())
