"""What 229 print agents polling cost the centre (issue 14): the KPT, 20 kecamatan and 208 village offices
of Sragen, each with its own agent enrolled for real and one printer behind it, polling one ``ktp serve`` on
PostgreSQL at the agent's real interval, while clerks use the API.

    .venv/bin/python benchmarks/agents_scale.py                         # 229 agents, 1 s interval, 30 s phases
    .venv/bin/python benchmarks/agents_scale.py --intervals 1,10 --seconds 60
    .venv/bin/python benchmarks/agents_scale.py --agents 3 --seconds 2  # the smoke size

An agent's pass (``ktp agent run``, ``PrintAgent.run_once``) talks to the centre twice when it holds no
work: ``POST /agent/device-attributes`` (its version, queue depth and each printer's state; this is its last
contact) and ``POST /agent/fetch-jobs``; then it waits ``--interval`` seconds (``ktp agent run
--interval``, 1.0 by default) and starts again. The pollers here do exactly that with httpx over keep-alive
connections, in a process of their own (asyncio, one task per agent, each starting at a random moment of
the first interval), so their CPU is not the clerks' generator's. Offices, agents and printers are written
through the services before the server is measured; each agent then enrolls over HTTP with its one-time
code.

Two phases in one run, on the same server and database: clerks alone, then clerks while every agent polls.
The clerks' load is open loop (request *i* is sent at ``start + i / rate``; its latency counts from that
moment): 80 % reads of a resident by NIK, 20 % the office's print-job list. Per phase: requests per second
the server answered (agents and clerks), the server process's CPU (``/proc``), the database's own time for
this database (``pg_stat_database.active_time``: time spent executing statements, and transactions
committed), and the clerks' latency p50/p99/max; the agents' own request latency in the second phase.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.api_bench import KTP, PASSWORD, _payload
from benchmarks.machine import free_port, print_machine

REGENCY = "33.14"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TICK = os.sysconf("SC_CLK_TCK")


def sragen_offices(count: int) -> list[str]:
    """The KPT first, then the 20 kecamatan, then the 208 villages: the first ``count`` of them."""
    from ktp_service import regions

    kecamatan = [r.code for r in regions.children(REGENCY) if r.kind == "kecamatan"]
    villages = [v.code for k in kecamatan for v in regions.children(k)]
    return [REGENCY, *kecamatan, *villages][:count]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (``/proc/PID/stat``, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def db_counters(url: str, database: str) -> tuple[float, int]:
    """(milliseconds spent executing statements, transactions committed) for ``database`` so far."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            c.execute(text("SELECT pg_stat_clear_snapshot()"))
            row = c.execute(
                text("SELECT active_time, xact_commit FROM pg_stat_database WHERE datname = :d"),
                {"d": database},
            ).one()
    finally:
        engine.dispose()
    return float(row[0] or 0.0), int(row[1] or 0)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- the agents ------------------------------------------------------------------------------------------
def _poll_process(
    base: str, agents: list[dict[str, Any]], interval: float, stop: Any, passes: Any, out: Any
) -> None:
    asyncio.run(_poll_all(base, agents, interval, stop, passes, out))


async def _poll_all(
    base: str, agents: list[dict[str, Any]], interval: float, stop: Any, passes: Any, out: Any
) -> None:
    records: list[tuple[float, float, bool]] = []  # (sent at, seconds, ok)
    limits = httpx.Limits(max_connections=len(agents) + 8, max_keepalive_connections=len(agents) + 8)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def call(path: str, headers: dict[str, str], body: dict[str, Any]) -> None:
            sent = time.monotonic()
            try:
                r = await client.post(path, json=body, headers=headers)
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            records.append((sent, time.monotonic() - sent, ok))

        async def agent(a: dict[str, Any]) -> None:
            headers = {"Authorization": f"Bearer {a['credential']}"}
            await asyncio.sleep(random.uniform(0, interval))
            counter = 0
            while not stop.is_set():
                counter += 1
                attributes = {
                    "version": "0.1.0",
                    "queue_depth": 0,
                    "printers": [
                        {"printer_id": a["printer_id"], "state": "idle", "reasons": ["none"],
                         "card_counter": 1000 + counter // 100, "formats": ["image/png"], "markers": []}
                    ],
                }  # fmt: skip
                await call("/api/v1/agent/device-attributes", headers, attributes)
                await call("/api/v1/agent/fetch-jobs", headers, {})
                with passes.get_lock():
                    passes.value += 1
                await asyncio.sleep(interval)

        tasks = [asyncio.create_task(agent(a)) for a in agents]
        while not stop.is_set():
            await asyncio.sleep(0.1)
        await asyncio.gather(*tasks)
    out.put(records)


# -- the clerks ------------------------------------------------------------------------------------------
async def _clerks(
    base: str, token: str, niks: list[str], rate: float, seconds: float
) -> tuple[list[float], int]:
    """Open-loop clerk requests for ``seconds``: latencies (ms, from the scheduled moment) and errors."""
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors = 0
    rnd = random.Random(7)
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as client:

        async def one(at: float, path: str) -> None:
            nonlocal errors
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            try:
                r = await client.get(path)
                if r.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append((time.monotonic() - at) * 1000)

        start = time.monotonic() + 0.2
        total = max(1, int(rate * seconds))
        paths = [
            f"/api/v1/residents/{rnd.choice(niks)}" if rnd.random() < 0.8 else "/api/v1/print-jobs?limit=20"
            for _ in range(total)
        ]
        await asyncio.gather(*(one(start + i / rate, p) for i, p in enumerate(paths)))
    return latencies, errors


@dataclass
class Phase:
    name: str
    wall: float
    clerk_requests: int
    agent_requests: int
    agent_errors: int
    server_cpu: float  # seconds
    db_ms: float
    commits: int
    clerk_ms: list[float]
    clerk_errors: int
    agent_ms: list[float]

    def line(self) -> str:
        rps = (self.clerk_requests + self.agent_requests) / self.wall
        return (
            f"  {self.name:22} {rps:7.1f} req/s answered ({self.agent_requests / self.wall:6.1f} agents,"
            f" {self.clerk_requests / self.wall:5.1f} clerks)   server CPU {self.server_cpu / self.wall:4.2f} core"
            f"   database {self.db_ms / self.wall / 1000:5.3f} s/s ({self.commits / self.wall:6.1f} commits/s)\n"
            f"  {'':22} clerks p50 {percentile(self.clerk_ms, 0.5):6.1f} ms   p99"
            f" {percentile(self.clerk_ms, 0.99):7.1f} ms   max {max(self.clerk_ms, default=0):7.1f} ms"
            f"   errors {self.clerk_errors}"
            + (
                f"\n  {'':22} agents' requests p50 {percentile(self.agent_ms, 0.5):6.1f} ms   p99"
                f" {percentile(self.agent_ms, 0.99):7.1f} ms   errors {self.agent_errors}"
                if self.agent_requests
                else ""
            )
        )


# -- the run ---------------------------------------------------------------------------------------------
def _ktp(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([KTP, *args], env=env, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"ktp {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


def _register(url: str, data_dir: Path, codes: list[str]) -> list[dict[str, Any]]:
    """Every office, an agent for each and a printer behind each agent, written through the services as
    an administrator would (one transaction: not what is measured). Answers each agent's one-time code."""
    from sqlmodel import select

    from ktp_service.db import make_engine, unit_of_work
    from ktp_service.models import Office
    from ktp_service.services import agents, offices, printers
    from ktp_service.services.actor import SYSTEM
    from ktp_service.settings import Settings

    settings = Settings(data_dir=data_dir, database_url=url)
    engine = make_engine(url)
    made = []
    try:
        with unit_of_work(engine) as s:
            known = set(s.exec(select(Office.code)))
            for code in codes:
                if code not in known:
                    offices.create(s, SYSTEM, code)
                name = "agen-" + code.replace(".", "")
                agent, one_time = agents.create(s, SYSTEM, name, code, settings)
                printer = printers.create(
                    s, SYSTEM, name=f"{name}-1", office=code, adapter="simulator", uri=f"simulator://{name}",
                    config={}, document_format="image/png", dpi=300, settings=settings, agent_id=agent.id,
                )  # fmt: skip
                made.append({"office": code, "code": one_time, "printer_id": printer.id})
    finally:
        engine.dispose()
    return made


async def _enroll_all(base: str, made: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each agent enrolls for real (``POST /agent/enroll`` with its one-time code), a few at a time."""
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:

        async def one(a: dict[str, Any]) -> dict[str, Any]:
            async with gate:
                r = await client.post("/api/v1/agent/enroll", json={"code": a["code"]})
                r.raise_for_status()
                return {
                    "office": a["office"],
                    "printer_id": a["printer_id"],
                    "credential": r.json()["credential"],
                }

        return list(await asyncio.gather(*(one(a) for a in made)))


def _measure(
    name: str, base: str, token: str, niks: list[str], args: argparse.Namespace, pid: int, db: tuple[str, str]
) -> Phase:
    cpu0, (db0, c0), t0 = cpu_seconds(pid), db_counters(*db), time.monotonic()
    latencies, errors = asyncio.run(_clerks(base, token, niks, args.clerk_rate, args.seconds))
    wall = time.monotonic() - t0
    cpu1, (db1, c1) = cpu_seconds(pid), db_counters(*db)
    return Phase(name, wall, len(latencies), 0, 0, cpu1 - cpu0, db1 - db0, c1 - c0, latencies, errors, [])


def run(args: argparse.Namespace) -> None:
    from sqlalchemy import create_engine, text

    codes = sragen_offices(args.agents)
    tmp = Path(tempfile.mkdtemp(prefix="ktp-agents-"))
    database = f"ktp_agents_{os.getpid()}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{database}"'))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    env = dict(os.environ, KTP_DATA_DIR=str(tmp), KTP_DATABASE_URL=url, KTP_LOG_LEVEL="WARNING")
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        _ktp(env, "db", "upgrade")
        _ktp(env, "demo", "seed")
        for user, role, office in (("bench.admin", "admin", None), ("bench.clerk", "clerk", "33.14.01")):
            extra = ["--office", office] if office else []
            _ktp(
                env,
                "users",
                "create",
                "--username",
                user,
                "--role",
                role,
                *extra,
                "--password-stdin",
                stdin=PASSWORD,
            )
        server = subprocess.Popen(
            [KTP, "serve", "--port", str(port), "--no-worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(400):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        else:
            raise SystemExit("server did not start")

        with httpx.Client(base_url=base, timeout=60) as client:
            started = time.monotonic()
            agents = asyncio.run(_enroll_all(base, _register(url, tmp, codes)))
            setup_s = time.monotonic() - started
            tok = client.post("/api/v1/auth/token", data={"username": "bench.clerk", "password": PASSWORD})
            token = tok.raise_for_status().json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            niks = []
            for i in range(args.residents):
                body = _payload(i)
                client.post("/api/v1/residents", json=body).raise_for_status()
                niks.append(str(body["nik"]))
        kinds = {"kabupaten": 0, "kecamatan": 0, "village": 0}
        for code in codes:
            kinds[
                "kabupaten" if code.count(".") == 1 else "kecamatan" if code.count(".") == 2 else "village"
            ] += 1
        print(
            f"# {len(agents)} agents enrolled ({kinds['kabupaten']} KPT, {kinds['kecamatan']} kecamatan,"
            f" {kinds['village']} villages) with one printer each, in {setup_s:.1f} s;"
            f" poll interval {', '.join(f'{i:g}' for i in args.intervals)} s; clerks {args.clerk_rate:g} req/s open loop;"
            f" {args.seconds:g} s per phase; PostgreSQL, one `ktp serve` process",
            flush=True,
        )
        db = (PG_ADMIN, database)
        alone = _measure("clerks alone", base, token, niks, args, server.pid, db)
        print(alone.line(), flush=True)

        phases = [alone]
        ctx = mp.get_context("fork")
        for interval in args.intervals:
            stop, passes, out = ctx.Event(), ctx.Value("i", 0), ctx.Queue()
            pollers = ctx.Process(target=_poll_process, args=(base, agents, interval, stop, passes, out))
            pollers.start()
            deadline = time.monotonic() + max(30.0, 10 * interval)
            while passes.value < len(agents) and time.monotonic() < deadline:  # every agent has called once
                time.sleep(0.1)
            window = time.monotonic()
            polled = _measure(
                f"clerks + agents every {interval:g} s", base, token, niks, args, server.pid, db
            )
            window_end = time.monotonic()
            stop.set()
            records = out.get(timeout=300)
            pollers.join(timeout=60)
            mine = [r for r in records if window <= r[0] < window_end]
            polled.agent_requests = len(mine)
            polled.agent_errors = sum(1 for r in mine if not r[2])
            polled.agent_ms = [r[1] * 1000 for r in mine]
            phases.append(polled)
            print(polled.line(), flush=True)
            # CPU seconds per request do not grow with a busy machine (waiting for a core is not CPU time):
            # the agents' share of the server's CPU, per agent request, and what the offered rate would need.
            clerk_cpu = alone.server_cpu / max(1, alone.clerk_requests)
            agent_cpu = (polled.server_cpu - clerk_cpu * polled.clerk_requests) / max(
                1, polled.agent_requests
            )
            offered = 2 * len(agents) / interval  # two requests a pass; the pass itself adds its own time
            achieved = polled.agent_requests / polled.wall
            p99_a, p99_b = percentile(alone.clerk_ms, 0.99), percentile(polled.clerk_ms, 0.99)
            print(
                f"  polling every {interval:g} s: {achieved:.1f} agent req/s answered of at most {offered:.0f} offered;"
                f" server CPU {clerk_cpu * 1000:.1f} ms per clerk request, {agent_cpu * 1000:.1f} ms per agent"
                f" request, so {len(agents)} agents every {interval:g} s need {agent_cpu * offered:.2f} core;"
                f" clerks' p99 {p99_a:.1f} -> {p99_b:.1f} ms"
                + (
                    "  [SERVER SATURATED: agents answered below half the offered rate]"
                    if achieved < offered / 2
                    else ""
                ),
                flush=True,
            )
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {p.name: {"wall": p.wall, "agent_requests": p.agent_requests, "server_cpu": p.server_cpu,
                              "db_ms": p.db_ms, "clerk_p99": percentile(p.clerk_ms, 0.99)} for p in phases},
                    indent=2,
                )
            )  # fmt: skip
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", type=int, default=229, help="KPT, then kecamatan, then villages (229 = all).")
    ap.add_argument(
        "--intervals",
        default="1",
        help="Seconds between an agent's passes (1 is `ktp agent run`'s default); several, comma-separated, "
        "make one polling phase each.",
    )
    ap.add_argument("--seconds", type=float, default=30.0, help="Length of each measured phase.")
    ap.add_argument("--clerk-rate", type=float, default=20.0, help="Clerks' requests per second (open loop).")
    ap.add_argument("--residents", type=int, default=50, help="Residents the clerks read.")
    ap.add_argument("--port", type=int, default=0, help="0: any free port.")
    ap.add_argument("--json", help="Also write the figures to this file.")
    args = ap.parse_args()
    args.intervals = [float(x) for x in str(args.intervals).split(",") if x.strip()]
    print_machine()
    run(args)


if __name__ == "__main__":
    main()
