#!/usr/bin/env bash
# Installs the Debian packages listed in the given files (default: runtime + test lists) that are not
# installed yet. Quick when everything is present (no apt-get call at all).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lists=("$@")
[ ${#lists[@]} -gt 0 ] || lists=("$here/runtime-packages.txt" "$here/system-packages.txt")
mapfile -t wanted < <(cat "${lists[@]}" | grep -v '^\s*#' | sed 's/\s*#.*//' | awk 'NF' | sort -u)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
