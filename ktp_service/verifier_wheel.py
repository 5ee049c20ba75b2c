"""The partner's verifier as a wheel, built from the ``ktp_verify`` package this service runs with, so what
the partner downloads is exactly what the service itself checks bundles with. A pure-Python wheel is a zip
with the package and a small ``.dist-info``; building it needs neither setuptools nor a network (a regency
LAN), and the bytes are the same on every build (fixed timestamps, sorted names).

``pip install ktp_verify-<version>-py3-none-any.whl`` installs it (``cryptography`` must be installable or
already there); ``PYTHONPATH=<the wheel> python3 -m ktp_verify`` runs it without installing.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from functools import lru_cache
from pathlib import Path

import ktp_verify

NAME = "ktp_verify"
REQUIRES = ("cryptography>=44",)  # as in verifier/pyproject.toml (a test keeps them equal)
SUMMARY = "The revenue-share partner's offline check of a signed month bundle from ktp-service."
_EPOCH = (1980, 1, 1, 0, 0, 0)


def wheel_name() -> str:
    return f"{NAME}-{ktp_verify.__version__}-py3-none-any.whl"


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


@lru_cache(maxsize=1)
def wheel_bytes() -> bytes:
    """The wheel (made once per process: the package does not change while the service runs)."""
    package = Path(ktp_verify.__file__).resolve().parent
    info = f"{NAME}-{ktp_verify.__version__}.dist-info"
    readme = package.parent / "README.md"
    description = readme.read_text(encoding="utf-8") if readme.exists() else SUMMARY
    metadata = "\n".join(
        [
            "Metadata-Version: 2.1",
            "Name: ktp-verify",
            f"Version: {ktp_verify.__version__}",
            f"Summary: {SUMMARY}",
            "License: Apache-2.0",
            "Requires-Python: >=3.11",
            *(f"Requires-Dist: {r}" for r in REQUIRES),
            "Description-Content-Type: text/markdown",
            "",
            description,
        ]
    )
    files = {f"{NAME}/{p.name}": p.read_bytes() for p in sorted(package.glob("*.py"))}
    files[f"{info}/METADATA"] = metadata.encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: ktp-service\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files[f"{info}/entry_points.txt"] = b"[console_scripts]\nktp-verify = ktp_verify.cli:main\n"
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            z.writestr(entry, data)
    return out.getvalue()
