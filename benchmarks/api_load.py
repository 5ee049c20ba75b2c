"""API latency under a steady, open-loop load, as clerks feel it (issue 13).

    .venv/bin/python benchmarks/api_load.py                               # all three setups, full run
    .venv/bin/python benchmarks/api_load.py --setup sqlite --rates 100,200 --seconds 5
    .venv/bin/python benchmarks/api_load.py --plot docs/api-latency.png   # and draw latency against rate

Open loop: request *i* of a step is sent at ``start + i / rate`` whether or not earlier ones have answered
(a closed loop of N clients slows down with the server and hides the queue: coordinated omission). Its
latency is counted from that scheduled moment, so time spent waiting for a free connection counts too.
The mix is what a counter does: 80 % reads of a resident by NIK, 20 % registrations of a new resident.

Setups: ``sqlite`` (one process; SQLite's writer lock lives in the process, so it stays one), ``postgresql``
(one process) and ``postgresql-2`` (``ktp serve --workers 2``). Each step runs ``--seconds`` at one rate;
the rates climb until p99 passes ``--stop-ms`` (100 ms). The generator is asyncio over raw HTTP/1.1
keep-alive connections (no client library on the hot path), and it shares the machine's cores with the
server: its own CPU time is printed beside each step, so a knee caused by the generator shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.api_bench import PASSWORD, _payload, _start_server
from benchmarks.machine import print_machine

READ_SHARE = 0.8
MAX_CONNECTIONS = 512


@dataclass
class Step:
    rate: int
    sent: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    achieved: float  # answers per second over the step
    generator_cpu: float  # the generator's CPU seconds per wall second (1.0 = one core)
    latencies: list[float] = field(default_factory=list, repr=False)  # ms, each request's


def _request(method: str, path: str, token: str, body: bytes = b"") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


class Connections:
    """Keep-alive connections, opened as needed up to ``MAX_CONNECTIONS``; a request waits for a free one
    beyond that (and the wait is part of its latency)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0
        self.freed = asyncio.Condition()

    async def take(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        async with self.freed:
            while not self.idle and self.opened >= MAX_CONNECTIONS:
                await self.freed.wait()
            if self.idle:
                return self.idle.pop()
            self.opened += 1
        return await asyncio.open_connection(self.host, self.port)

    async def give_back(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
        async with self.freed:
            if conn is None:
                self.opened -= 1
            else:
                self.idle.append(conn)
            self.freed.notify()

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


async def _exchange(conns: Connections, raw: bytes) -> int:
    """Send one request and read its whole answer; the status code (0: the connection failed)."""
    conn = await conns.take()
    reader, writer = conn
    try:
        writer.write(raw)
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        await conns.give_back(conn)
        return int(status_line.split()[1])
    except (OSError, asyncio.IncompleteReadError, IndexError, ValueError):
        writer.close()
        await conns.give_back(None)
        return 0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def _step(
    host: str, port: int, token: str, niks: list[str], rate: int, seconds: float, serial: Iterator[int]
) -> Step:
    conns = Connections(host, port)
    rng = random.Random(rate)
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    loop = asyncio.get_running_loop()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = loop.time() + 0.05

    async def one(i: int) -> None:
        nonlocal errors
        due = start + i / rate
        if rng.random() < READ_SHARE:
            raw = _request("GET", f"/api/v1/residents/{rng.choice(niks)}", token)
            expected = 200
        else:
            raw = _request("POST", "/api/v1/residents", token, json.dumps(_payload(next(serial))).encode())
            expected = 201
        await asyncio.sleep(max(0.0, due - loop.time()))
        status = await _exchange(conns, raw)
        latencies.append((loop.time() - due) * 1000)
        if status != expected:
            errors += 1

    tasks = [asyncio.ensure_future(one(i)) for i in range(total)]
    await asyncio.gather(*tasks)
    wall = loop.time() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    conns.close()
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    return Step(
        rate=rate,
        sent=total,
        errors=errors,
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
        max_ms=max(latencies, default=0.0),
        achieved=total / wall,
        generator_cpu=cpu / wall,
        latencies=latencies,
    )


@contextmanager
def _server(setup: str, port: int, preload: int) -> Iterator[tuple[str, list[str]]]:
    """A fresh database and data directory, ``ktp serve`` on ``port``; yields (token, preloaded NIKs)."""
    tmp = Path(tempfile.mkdtemp(prefix="ktp-load-"))
    env = dict(os.environ, KTP_DATA_DIR=str(tmp), KTP_RUN_WORKER="false")
    database = None
    if setup.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        database = f"ktp_load_{os.getpid()}"
        admin = create_engine(
            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        env["KTP_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    workers = ["--workers", "2"] if setup == "postgresql-2" else []
    proc = _start_server(env, port, extra_args=["--no-worker", *workers])
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            r = client.post("/api/v1/auth/token", data={"username": "bench.clerk", "password": PASSWORD})
            token = r.json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            niks = []
            for i in range(preload):  # residents to read, registered first and not timed
                body = _payload(i)
                assert client.post("/api/v1/residents", json=body).status_code == 201
                niks.append(str(body["nik"]))
        yield token, niks
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if database:
            from sqlalchemy import create_engine, text

            admin = create_engine(
                "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
            )
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_setup(
    setup: str, rates: list[int], seconds: float, stop_ms: float, port: int, preload: int
) -> list[Step]:
    steps: list[Step] = []
    port = port or _free_port()
    serial = iter(range(preload, 10_000_000))
    with _server(setup, port, preload) as (token, niks):
        for rate in rates:
            step = asyncio.run(_step("127.0.0.1", port, token, niks, rate, seconds, serial))
            steps.append(step)
            print(
                f"  {setup:13} {rate:5d} req/s offered  {step.achieved:7.1f} done  p50 {step.p50_ms:7.1f} ms"
                f"  p99 {step.p99_ms:7.1f} ms  max {step.max_ms:7.1f} ms  errors {step.errors:4d}"
                f"  generator CPU {step.generator_cpu:4.2f}",
                flush=True,
            )
            if step.p99_ms > stop_ms:
                break
    return steps


def plot(results: dict[str, list[Step]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    for setup, steps in results.items():
        ax.plot([s.rate for s in steps], [s.p99_ms for s in steps], marker="o", label=f"{setup} p99")
        ax.plot(
            [s.rate for s in steps],
            [s.p50_ms for s in steps],
            linestyle="--",
            alpha=0.6,
            label=f"{setup} p50",
        )
    ax.axhline(50, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel("offered load (requests/s, 80 % reads, 20 % registrations)")
    ax.set_ylabel("latency (ms)")
    ax.set_yscale("log")
    ax.set_title("ktp-service API latency under an open-loop load")
    ax.legend(fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--setup", choices=["sqlite", "postgresql", "postgresql-2", "all"], default="all")
    ap.add_argument("--rates", default="100,200,300,400,500,600,800,1000,1200")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--stop-ms", type=float, default=100.0)
    ap.add_argument("--preload", type=int, default=500)
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--plot", type=Path, help="Write a latency-versus-rate PNG here (needs matplotlib).")
    args = ap.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    setups = ["sqlite", "postgresql", "postgresql-2"] if args.setup == "all" else [args.setup]
    print_machine()
    print(f"api_load: open loop, {int(READ_SHARE * 100)} % reads, {args.seconds:g} s per rate")
    results = {s: run_setup(s, rates, args.seconds, args.stop_ms, args.port, args.preload) for s in setups}
    if args.plot:
        plot(results, args.plot)
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
