#!/usr/bin/env bash
# Installs axe-core (accessibility rules, from the npm registry) for the browser tests into
# .tools/node_modules (not committed): tests/e2e/test_accessibility.py injects its axe.min.js into every
# console page. Quick when the pinned version is already there.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
version="4.14.1"
target="$here/.tools"
installed="$target/node_modules/axe-core/package.json"
if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  # Not in scripts/system-packages.txt: where Node.js comes with its own npm, Debian's npm would conflict.
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
mkdir -p "$target"
npm install --silent --no-audit --no-fund --no-save --prefix "$target" "axe-core@$version"
test -f "$target/node_modules/axe-core/axe.min.js"
