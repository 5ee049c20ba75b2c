#!/usr/bin/env bash
# The suite on a busy machine: `make test` RUNS times in a row (default 3) while stress-ng keeps every core
# busy. Tests wait for conditions, never for fixed times, so all runs must pass. Usage:
#   bash scripts/stress-check.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
command -v stress-ng >/dev/null || apt-get install -y -q stress-ng
stress-ng --cpu "$(nproc)" --timeout 3h --quiet &
burner=$!
trap 'kill "$burner" 2>/dev/null || true' EXIT
for i in $(seq 1 "$runs"); do
    echo "== run $i of $runs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    start=$(date +%s)
    make test
    echo "== run $i passed in $(( $(date +%s) - start )) s"
done
echo "== $runs runs passed beside stress-ng --cpu $(nproc)"
