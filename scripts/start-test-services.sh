#!/usr/bin/env bash
# Starts what the tests need that is not already running. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

# PostgreSQL: these machines run it at 127.0.0.1:5432 (trust auth); start it if it stopped.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
fi
pg_isready -h 127.0.0.1 -p 5432 -t 30 || { echo "PostgreSQL is not reachable at 127.0.0.1:5432" >&2; exit 1; }

for script in "$here"/start-*.sh; do
  [ "$(basename "$script")" = "start-test-services.sh" ] && continue
  bash "$script"
done
