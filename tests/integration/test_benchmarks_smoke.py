"""Every benchmark script runs, at a tiny size, so none can rot between the full runs whose figures are in the
README: each must print the machine it ran on (benchmarks/machine.py) and its figures. These are not timed
tests: no figure is compared with an aim here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SMOKE = {
    "agent_simulation": (
        ["--seeds", "2", "--size", "quick", "--workers", "1"],
        [r"seeds/s: [\d.]+", r"failing seeds: none"],
    ),
    "render_bench": (["--count", "3", "--dpi", "300"], [r"render \+ PNG\s+[\d.]+ cards/s", r"peak RSS"]),
    "render_vs_glabels": (
        ["--count", "2", "--reps", "1"],
        [
            r"gLabels to PDF \(marginal\)\s+[-\d.]+",
            r"ours, pdf, upload derivatives\s+[\d.]+",
            r"ratios",
            r"layout",
        ],
    ),
    "print_bench": (
        ["--cards", "4", "--backend", "sqlite", "--workers", "1", "--port", "0"],
        [r"sqlite\s+png 1 worker\(s\):\s+[\d.]+ cards/s completed", r"p99\s+\d+ ms"],
    ),
    "api_bench": (
        ["--backend", "sqlite", "--seconds", "1", "--preload", "5", "--concurrency", "2", "--port", "0"],
        [r"GET.*req", r"POST.*req"],
    ),
    "memory_curve": (
        [
            "--minutes",
            "0.05",
            "--sample-seconds",
            "1",
            "--warmup-minutes",
            "0",
            "--reads",
            "4",
            "--cards",
            "1",
        ],
        [r"^\s+[\d.]+\s+[\d.]+\s+\d+\s+\d+\s+\d+$", r"slope over the second half: [-+\d.]+ MB/hour"],
    ),
    "processes": (
        ["--processes", "1", "--cards", "3", "--rate", "4", "--seconds", "1"],
        [r"1 API \+ 1 worker process\(es\):\s+[\d.]+ cards/s", r"p99\s+[\d.]+ ms"],
    ),
    "agents_scale": (
        ["--agents", "3", "--seconds", "2", "--residents", "3", "--clerk-rate", "5"],
        [
            r"3 agents enrolled \(1 KPT, 2 kecamatan, 0 villages\)",
            r"clerks alone\s+[\d.]+ req/s answered",
            r"clerks \+ agents every 1 s\s+[\d.]+ req/s answered \(\s*[\d.]+ agents",
            r"clerks p50\s+[\d.]+ ms\s+p99\s+[\d.]+ ms",
            r"agents' requests p50\s+[\d.]+ ms\s+p99\s+[\d.]+ ms\s+errors 0",
            r"polling every 1 s: [\d.]+ agent req/s answered .* ms per agent request",
        ],
    ),
    "billing_bench": (
        ["--cards", "200", "--batch", "100", "--singles", "5", "--backend", "sqlite"],
        [
            r'"statement',
            r'"verify',
            r"full chain verification\s+sqlite\s+[\d.]+ s\s+5\.0 s",
            r"verification from the newest signed checkpoint\s+sqlite",
            r"finance page: 13 months' statements\s+sqlite",
            r"offline bundle verification, peak RSS\s+sqlite\s+\d+ MB",
        ],
    ),
}
MACHINE = [
    r"# machine: .+, (\d+|unknown) MHz, \d+ cores",
    r"# load average \(1, 5, 15 min\): [\d.]+ [\d.]+ [\d.]+",
    r"# calibration loop: [\d.]+ ms",
]


@pytest.mark.parametrize("script", sorted(SMOKE))
def test_benchmark_runs_and_prints_its_machine_and_figures(script: str, tmp_path: Path) -> None:
    args, figures = SMOKE[script]
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{script}.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for pattern in MACHINE + figures:
        assert re.search(pattern, done.stdout, flags=re.IGNORECASE | re.MULTILINE), (
            f"{pattern!r} not in:\n{done.stdout}"
        )
