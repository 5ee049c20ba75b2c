"""The machine a benchmark ran on, printed beside its figures: a figure without its machine cannot be
compared with another run. Every benchmark script calls ``print_machine()`` before it measures.

The calibration loop is fixed pure-Python work (integer arithmetic and a dict, about 25 ms on an idle 2.6 GHz
EPYC core): its time says how fast one core was *during this run*, which the CPU model and MHz alone do not
on a shared or throttled machine. Compare a run's figures with another's in proportion to this time.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

CALIBRATION_ROUNDS = 5


def _cpuinfo() -> tuple[str, str]:
    """CPU model and current MHz of the first core, from /proc/cpuinfo (Linux); 'unknown' elsewhere."""
    found: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            found.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    mhz = found.get("cpu MHz")
    return found.get(
        "model name", platform.processor() or "unknown"
    ), f"{float(mhz):.0f}" if mhz else "unknown"


def _loop() -> int:
    seen: dict[int, int] = {}
    x = 1
    for i in range(200_000):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        seen[x & 1023] = i
    return len(seen)


def calibration_ms() -> float:
    """Median time of the fixed loop, in ms (median of a few rounds, so one preemption does not count)."""
    times = []
    for _ in range(CALIBRATION_ROUNDS):
        t0 = time.perf_counter()
        _loop()
        times.append((time.perf_counter() - t0) * 1000)
    return sorted(times)[len(times) // 2]


def machine_block() -> str:
    model, mhz = _cpuinfo()
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return "\n".join(
        (
            f"# machine: {model}, {mhz} MHz, {cores} cores ({usable} usable by this process)",
            f"# load average (1, 5, 15 min): {load}",
            f"# calibration loop: {calibration_ms():.1f} ms (fixed pure-Python work; lower is a faster core)",
            f"# Python {platform.python_version()}, {platform.platform()}, {time.strftime('%Y-%m-%d %H:%M %Z')}",
        )
    )


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (for ``--port 0``: smoke runs beside other benchmarks)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def print_machine() -> None:
    print(machine_block(), flush=True)


if __name__ == "__main__":
    print_machine()
