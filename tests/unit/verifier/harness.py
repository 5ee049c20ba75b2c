"""Running ``ktp-verify`` in a fresh interpreter that refuses to import anything outside the standard
library, ``cryptography`` and ``ktp_verify`` itself, and reports its peak memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

VERIFIER_DIR = Path(__file__).resolve().parents[3] / "verifier"
# What cryptography itself loads (its compiled bindings) besides the standard library.
ALLOWED = ("ktp_verify", "cryptography", "_cffi_backend", "_openssl")

_SCRIPT = """
import importlib.abc, json, resource, sys, time
allowed = set(sys.stdlib_module_names) | set(ALLOWED)

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        top = name.partition(".")[0]
        if top not in allowed and not top.startswith("_sysconfigdata"):
            raise ImportError(f"ktp_verify must not import {name}")
        return None

sys.meta_path.insert(0, Refuse())
sys.path.insert(0, VERIFIER_DIR)
before = set(sys.modules)
import pkgutil, importlib, ktp_verify
for info in pkgutil.iter_modules(ktp_verify.__path__):
    if info.name != "__main__":
        importlib.import_module("ktp_verify." + info.name)
from ktp_verify.cli import main
started = time.monotonic()
code = main(ARGS)
elapsed = time.monotonic() - started
new = sorted(
    n for n in {m.partition(".")[0] for m in set(sys.modules) - before} - allowed
    if not n.startswith("_sysconfigdata")
)
# Peak resident memory of this interpreter: VmHWM starts afresh at exec, while getrusage's ru_maxrss keeps
# the high-water mark of the (large) pytest process this one was forked from.
with open("/proc/self/status") as status:
    peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
peak_mib = peak_kib / 1024
rusage_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"code": code, "seconds": elapsed, "peak_mib": peak_mib, "rusage_mib": rusage_mib, "foreign": new}), file=sys.stderr)
"""


def run_isolated(args: list[str]) -> tuple[dict[str, object], str]:
    """``ktp-verify ARGS`` under the import guard (``-I``: no PYTHONPATH, no user site, so the service's
    packages on the test's path are out of reach); its measurements and its standard output."""
    script = (
        _SCRIPT.replace("ALLOWED", repr(ALLOWED))
        .replace("VERIFIER_DIR", repr(str(VERIFIER_DIR)))
        .replace("ARGS", repr(args))
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    try:
        report = json.loads(last)
    except ValueError:
        raise AssertionError(f"the verifier failed: {done.stderr}") from None
    return report, done.stdout + done.stderr
