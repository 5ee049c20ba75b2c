"""CUPS's ``ippeveprinter`` as a real IPP card printer for tests.

``start_ippeveprinter()`` runs one on a free port as the unprivileged user ``ktpprint`` (created by
``scripts/start-print-services.sh``) and describes it as a card printer (CR80 media, PNG/JPEG/PDF,
300/600 dpi, duplex, a YMCKO ribbon at 73 %). Its print command obeys a control file, so each test decides
what the next card does::

    printer.behave("ok")    # the card prints: the file is recorded in printed.log, a jam is cleared
    printer.behave("jam")   # the card jams: the job is aborted, printer-state-reasons gets media-jam
    printer.behave("hold")  # the card stays "printing" until the control file says something else

``cups_queue()`` puts a CUPS queue in front of a printer (``lpadmin -m everywhere``), the way card printers
with a vendor driver are reached.

Run by hand for a demo printer: ``python -m tests.integration.printers.ippeve --port 8631``.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from printers.errors import PrinterError
from printers.ipp import IppPrinter

PRINT_USER = os.environ.get("KTP_PRINT_USER", "ktpprint")
SBIN_PATH = f"{os.environ.get('PATH', '')}:/usr/local/sbin:/usr/sbin:/sbin"
HINT = "install and start them with: sudo bash scripts/start-print-services.sh"

ATTRIBUTES = """\
ATTR text printer-make-and-model "KTP Test Card Printer"
ATTR mimeMediaType document-format-supported application/pdf,image/png,image/jpeg,image/pwg-raster
ATTR keyword media-supported om_cr80_53.98x85.6mm
ATTR keyword media-default om_cr80_53.98x85.6mm
ATTR keyword media-ready om_cr80_53.98x85.6mm
ATTR resolution printer-resolution-supported 300dpi,600dpi
ATTR resolution printer-resolution-default 300dpi
ATTR keyword sides-supported one-sided,two-sided-long-edge
ATTR keyword sides-default one-sided
ATTR boolean color-supported true
ATTR keyword print-color-mode-supported color,monochrome
ATTR keyword print-color-mode-default color
ATTR enum print-quality-supported 4,5
ATTR enum print-quality-default 4
ATTR resolution pwg-raster-document-resolution-supported 300dpi
ATTR keyword pwg-raster-document-type-supported srgb_8,sgray_8
ATTR keyword pwg-raster-document-sheet-back normal
ATTR name marker-names "Ribbon YMCKO"
ATTR keyword marker-types ink-ribbon
ATTR integer marker-levels 73
ATTR integer marker-low-levels 10
ATTR integer marker-high-levels 100
ATTR name marker-colors "#00FFFF#FF00FF#FFFF00#000000"
"""

# ippeveprinter runs this once per job with the spooled file as $1; "STATE:" lines on stderr change the
# printer's printer-state-reasons, a non-zero exit aborts the job.
PRINT_COMMAND = """\
#!/bin/sh
here=$(dirname "$0")
n=0
while [ "$(cat "$here/control")" = hold ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done
if [ "$(cat "$here/control")" = jam ]; then
  echo "STATE: +media-jam-error" >&2
  exit 1
fi
echo "STATE: -media-jam-error" >&2
basename "$1" >> "$here/printed.log"
exit 0
"""


class PrintEnvironmentMissing(RuntimeError):
    """ippeveprinter, its user, or cupsd is not there."""


T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll ``probe`` until it returns something other than None/False; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(interval)


@dataclass
class IppEvePrinter:
    name: str
    port: int
    workdir: Path
    process: subprocess.Popen[bytes]

    @property
    def uri(self) -> str:
        return f"ipp://localhost:{self.port}/ipp/print"

    @property
    def spool(self) -> Path:
        return self.workdir / "spool"

    def behave(self, word: str) -> None:
        """Set what the next card does: ``ok``, ``jam`` or ``hold`` (replaced atomically)."""
        tmp = self.workdir / "control.tmp"
        tmp.write_text(f"{word}\n")
        tmp.chmod(0o644)
        os.replace(tmp, self.workdir / "control")

    def printed(self) -> list[str]:
        """Spool file names the print command finished successfully, oldest first."""
        log = self.workdir / "printed.log"
        return log.read_text().split() if log.exists() else []

    def wait_until_idle(self, timeout: float = 20) -> None:
        """Wait until the printer has no job in progress (a test must not leave work for the next one)."""
        adapter = IppPrinter(self.uri)
        wait_for(lambda: adapter.status().state == "idle", timeout=timeout, what=f"{self.uri} to be idle")

    def log(self) -> str:
        return (self.workdir / "ippeveprinter.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: ippeveprinter and a print command
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_ippeveprinter(
    name: str = "ktp-test", *, port: int | None = None, workdir: Path | None = None
) -> IppEvePrinter:
    """Start ippeveprinter and wait until it answers IPP. Raises ``PrintEnvironmentMissing``."""
    binary = shutil.which("ippeveprinter", path=SBIN_PATH)
    if binary is None:
        raise PrintEnvironmentMissing(
            f"ippeveprinter is not installed (Debian package cups-ipp-utils); {HINT}"
        )
    as_user: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:  # a printer must not run as root
        try:
            owner = pwd.getpwnam(PRINT_USER)
        except KeyError:
            raise PrintEnvironmentMissing(f"user {PRINT_USER} does not exist; {HINT}") from None
        # setpriv execs ippeveprinter itself (runuser would sit in between and delay a stop by 2 s)
        as_user = ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--clear-groups", "--"]

    workdir = workdir or Path(tempfile.mkdtemp(prefix="ktp-ippeve-"))
    workdir.chmod(0o755)
    (workdir / "spool").mkdir(exist_ok=True)
    (workdir / "attributes.conf").write_text(ATTRIBUTES)
    command = workdir / "print.sh"
    command.write_text(PRINT_COMMAND)
    command.chmod(0o755)
    if owner is not None:
        for path in (workdir, workdir / "spool"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    printer = IppEvePrinter(name, port or free_port(), workdir, process=None)  # type: ignore[arg-type]
    printer.behave("ok")

    with open(workdir / "ippeveprinter.log", "ab") as log:
        printer.process = subprocess.Popen(
            [*as_user, binary, "-k", "-d", str(workdir / "spool"), "-p", str(printer.port), "-n", "localhost",
             "-r", "off", "-c", str(command), "-a", str(workdir / "attributes.conf"), name],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, "HOME": str(workdir)},
        )  # fmt: skip

    def answers() -> bool:
        if printer.process.poll() is not None:
            raise PrintEnvironmentMissing(f"ippeveprinter exited ({HINT}):\n{printer.log()}")
        try:
            IppPrinter(printer.uri, timeout=1).status()
        except PrinterError:
            return False
        return True

    try:
        wait_for(answers, timeout=15, what=f"ippeveprinter on port {printer.port}")
    except BaseException:
        printer.stop()
        raise
    return printer


def cups_running() -> bool:
    lpstat = shutil.which("lpstat", path=SBIN_PATH)
    if lpstat is None:
        return False
    result = subprocess.run([lpstat, "-r"], capture_output=True, text=True, check=False)
    return "is running" in result.stdout


@contextmanager
def cups_queue(device_uri: str, name: str | None = None) -> Iterator[str]:
    """A CUPS queue (IPP Everywhere PPD, abort-job error policy) in front of ``device_uri``; yields its
    IPP URI and deletes the queue afterwards. Raises ``PrintEnvironmentMissing``."""
    lpadmin = shutil.which("lpadmin", path=SBIN_PATH)
    if lpadmin is None or not cups_running():
        raise PrintEnvironmentMissing(f"cupsd is not installed or not running; {HINT}")
    name = name or f"ktp-test-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [lpadmin, "-p", name, "-E", "-v", device_uri, "-m", "everywhere", "-o", "printer-error-policy=abort-job"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    try:
        options = subprocess.run(["lpoptions", "-p", name, "-l"], capture_output=True, text=True, check=False)
        if "PageSize" not in options.stdout:  # lpadmin makes a raw queue when it cannot build the PPD
            raise PrintEnvironmentMissing(f"CUPS could not build a PPD for {device_uri}: {options.stderr}")
        yield f"ipp://localhost:631/printers/{name}"
    finally:
        subprocess.run([lpadmin, "-x", name], check=False, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run ippeveprinter as a KTP test card printer.")
    parser.add_argument("--port", type=int, default=8631)
    parser.add_argument("--name", default="ktp-demo")
    args = parser.parse_args()
    printer = start_ippeveprinter(args.name, port=args.port)
    print(
        f"{printer.uri}  (spool {printer.spool}, control file {printer.workdir / 'control'}); Ctrl-C stops it"
    )
    try:
        printer.process.wait()
    except KeyboardInterrupt:
        printer.stop()


if __name__ == "__main__":
    main()
