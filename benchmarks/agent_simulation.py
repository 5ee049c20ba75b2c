"""Thousands of seeds of the print-agent simulation (issue 14; ``tests/simulation/agent_world.py``).

    PYTHONPATH=. .venv/bin/python benchmarks/agent_simulation.py --seeds 5000            # full-size worlds
    PYTHONPATH=. .venv/bin/python benchmarks/agent_simulation.py --seeds 300 --size quick  # what CI runs

Prints the machine, then seeds per second, the worlds' totals (jobs, cards printed, crashes) and every
failing seed with the command that replays it; exits 1 when a seed fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from benchmarks.machine import print_machine
from tests.simulation import agent_world


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=5000)
    parser.add_argument(
        "--first", type=int, default=0, help="the first seed (seeds run first .. first+seeds-1)"
    )
    parser.add_argument("--size", choices=sorted(agent_world.SIZES), default="full")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: cores)")
    args = parser.parse_args()
    print_machine()
    started = time.perf_counter()
    agent_world.template()
    built = time.perf_counter()
    seeds = list(range(args.first, args.first + args.seeds))
    batch = agent_world.run_many(seeds, size=args.size, workers=args.workers)
    elapsed = time.perf_counter() - built
    done = batch.outcomes
    print(
        f"# {args.seeds} seeds ({args.first}..{args.first + args.seeds - 1}), size {args.size}, "
        f"{args.workers} processes; template {built - started:.1f} s"
    )
    print(f"seeds/s: {args.seeds / elapsed:.2f} ({elapsed:.1f} s)")
    print(
        f"worlds: {sum(o.jobs for o in done)} jobs, {sum(o.printed for o in done)} cards printed and billed once, "
        f"{sum(o.steps for o in done)} steps checked, {sum(o.agent_crashes for o in done)} agent crashes, "
        f"{sum(o.centre_crashes for o in done)} centre crashes, {sum(o.decided for o in done)} jobs decided by a "
        f"supervisor (the agent died between its intent and the printer's receipt), "
        f"{sum(o.partitioned for o in done)} worlds with a long partition"
    )
    for seed in sorted(batch.failures):
        print(batch.failures[seed], file=sys.stderr)
    print(f"failing seeds: {sorted(batch.failures) or 'none'}")
    return 1 if batch.failures else 0


if __name__ == "__main__":
    sys.exit(main())
