"""The verifier the service hands the partner (GET /api/v1/billing/verifier): a wheel pip installs offline,
built from the very package the service verifies with, the same bytes every time."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from io import BytesIO
from pathlib import Path

import ktp_verify
from ktp_service.verifier_wheel import REQUIRES, wheel_bytes, wheel_name
from tests.unit.verifier.harness import VERIFIER_DIR


def test_the_wheel_matches_the_verifier_project() -> None:
    project = tomllib.loads((VERIFIER_DIR / "pyproject.toml").read_text())["project"]
    assert project["version"] == ktp_verify.__version__
    assert tuple(project["dependencies"]) == REQUIRES
    assert project["scripts"] == {"ktp-verify": "ktp_verify.cli:main"}
    assert wheel_name() == f"ktp_verify-{ktp_verify.__version__}-py3-none-any.whl"


def test_pip_installs_it_offline_and_it_runs(tmp_path: Path) -> None:
    data = wheel_bytes()
    wheel_bytes.cache_clear()
    assert wheel_bytes() == data  # reproducible
    names = zipfile.ZipFile(BytesIO(data)).namelist()
    assert "ktp_verify/bundle.py" in names and not any(
        n.startswith(("billing/", "ktp_service/")) for n in names
    )
    wheel = tmp_path / wheel_name()
    wheel.write_bytes(data)
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target)]
    done = subprocess.run([*pip, str(wheel)], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (target / "bin" / "ktp-verify").exists()
    run = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); "
         "from ktp_verify.cli import main; sys.argv = ['ktp-verify', '--version']; main()"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert run.stdout.strip() == f"ktp-verify {ktp_verify.__version__}", run.stderr
