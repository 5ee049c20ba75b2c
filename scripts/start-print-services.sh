#!/usr/bin/env bash
# Starts what the real-printer tests need: system D-Bus, avahi, cupsd, and the unprivileged user `ktpprint`
# that runs ippeveprinter (the tests start ippeveprinter and their CUPS queues themselves).
# Idempotent: anything already present or running is left alone. Needs root.
set -euo pipefail

PRINT_USER="${KTP_PRINT_USER:-ktpprint}"
PACKAGES=(cups-ipp-utils avahi-daemon dbus cups-daemon cups-client cups-filters cups-filters-core-drivers cups-core-drivers)
# Files CUPS needs to turn a PDF or PNG into a job for an IPP Everywhere printer. Some machine images hold
# these packages as "installed" with files missing; a reinstall brings them back.
NEEDED_FILES=(
  /usr/sbin/ippeveprinter /usr/sbin/cupsd /usr/sbin/lpadmin /usr/sbin/avahi-daemon /usr/bin/dbus-daemon
  /usr/lib/cups/backend/ipp /usr/lib/cups/filter/pdftopdf /usr/lib/cups/filter/imagetopdf
  /usr/lib/cups/filter/gstoraster /usr/share/cups/mime/mime.types /usr/share/cups/mime/mime.convs
  /usr/share/cups/mime/cupsfilters.convs
)

[ "$(id -u)" -eq 0 ] || { echo "start-print-services.sh must run as root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

missing_files() { for f in "${NEEDED_FILES[@]}"; do [ -e "$f" ] || echo "$f"; done; }

missing_pkgs=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing_pkgs+=("$pkg")
done
if [ ${#missing_pkgs[@]} -gt 0 ] || [ -n "$(missing_files)" ]; then
  apt-get update -qq
  [ ${#missing_pkgs[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null
  if [ -n "$(missing_files)" ]; then
    echo "print services: reinstalling CUPS packages, missing: $(missing_files | tr '\n' ' ')"
    apt-get install -y -qq --no-install-recommends --reinstall \
      cups-daemon cups-filters cups-filters-core-drivers cups-core-drivers cups-ipp-utils >/dev/null
  fi
  if [ -n "$(missing_files)" ]; then
    echo "print services: still missing after reinstall: $(missing_files | tr '\n' ' ')" >&2
    exit 1
  fi
fi

# The unprivileged user ippeveprinter runs as (it refuses nothing as root, but a printer must not be root).
id -u "$PRINT_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PRINT_USER"

# Up-checks ask the daemons themselves: pid files and pgrep can be fooled by a dead (zombie) daemon.
dbus_up() { dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.GetId >/dev/null 2>&1; }
avahi_up() { dbus-send --system --print-reply --dest=org.freedesktop.Avahi / org.freedesktop.Avahi.Server.GetVersionString >/dev/null 2>&1; }
cups_up() { lpstat -r 2>/dev/null | grep -q "is running"; }
wait_for() { for _ in $(seq 1 100); do "$1" && return 0; sleep 0.1; done; echo "print services: $2 did not start" >&2; exit 1; }

# System D-Bus (avahi needs it). A pid file left by a dead daemon would stop a new one from starting.
if ! dbus_up; then
  mkdir -p /run/dbus
  rm -f /run/dbus/pid
  dbus-daemon --system --fork
  wait_for dbus_up "dbus-daemon"
fi

# avahi (ippeveprinter and cupsd talk to it even with DNS-SD registration off).
if ! avahi_up; then
  rm -f /run/avahi-daemon/pid
  avahi-daemon --no-drop-root --no-chroot -D
  wait_for avahi_up "avahi-daemon"
fi

# cupsd as a plain daemon (IdleExitTimeout in cupsd.conf applies only to on-demand starts).
if ! cups_up; then
  cupsd
  wait_for cups_up "cupsd"
fi
echo "print services: dbus, avahi and cupsd are running; ippeveprinter runs as $PRINT_USER"
