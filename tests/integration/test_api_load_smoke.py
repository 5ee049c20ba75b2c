"""The open-loop API benchmark runs (a smoke run of seconds, so it cannot rot): it starts a server, offers a
rate, and prints its machine and a figure per step. Its figures are not checked: timing is for the
benchmark, never for a test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_api_load_smoke(tmp_path: Path) -> None:
    plot = tmp_path / "latency.png"
    out = subprocess.run(
        [
            sys.executable,
            "benchmarks/api_load.py",
            "--setup",
            "sqlite",
            "--rates",
            "20",
            "--seconds",
            "1",
            "--preload",
            "5",
            "--port",
            "0",
            "--plot",
            str(plot),
        ],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    assert "# machine:" in out and "# calibration loop:" in out
    assert re.search(r"sqlite\s+20 req/s offered\s+[\d.]+ done\s+p50\s+[\d.]+ ms\s+p99\s+[\d.]+ ms", out), out
    assert plot.stat().st_size > 1000 and plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
