"""/healthz says degraded (503), naming the check, when the data directory takes no writes or is nearly
full (issue 10: a full disk still said ok)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ktp_service import health
from ktp_service.main import create_app
from ktp_service.settings import Settings
from tests.conftest import World


def _client(world: World, data_dir: Path, **overrides: object) -> TestClient:
    settings = Settings(
        data_dir=data_dir,
        database_url=world.engine.url.render_as_string(hide_password=False),
        run_worker=False,
        **overrides,  # type: ignore[arg-type]
    )
    return TestClient(create_app(settings, world.engine))


def test_ok_says_how_the_data_directory_is(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["data_dir"]["status"] == "ok" and body["data_dir"]["writable"] is True
    assert body["data_dir"]["free_bytes"] >= body["data_dir"]["min_free_bytes"] > 0


def test_a_data_directory_that_takes_no_writes_is_degraded(world: World, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the data directory's parent should be")
    with _client(world, blocker / "data") as c:
        r = c.get("/healthz")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "degraded"
    assert body["database"]["status"] == "ok"
    assert body["data_dir"]["status"] == "error"
    assert body["data_dir"]["error"] == "not_writable" and body["data_dir"]["writable"] is False
    assert body["data_dir"]["detail"] in ("ENOTDIR", "EEXIST")


def test_a_full_disk_is_degraded(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(directory: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(health, "write_probe", disk_full)
    with _client(world, tmp_path / "data") as c:
        body = c.get("/healthz").json()
    assert body["data_dir"]["error"] == "not_writable" and body["data_dir"]["detail"] == "ENOSPC"


def test_a_nearly_full_disk_is_degraded(world: World, tmp_path: Path) -> None:
    with _client(world, tmp_path / "data", min_free_disk_bytes=2**62) as c:
        r = c.get("/healthz")
    assert r.status_code == 503
    data_dir = r.json()["data_dir"]
    assert data_dir["status"] == "error" and data_dir["error"] == "low_disk_space"
    assert data_dir["writable"] is True and data_dir["free_bytes"] < data_dir["min_free_bytes"] == 2**62
    assert list((tmp_path / "data").iterdir()) == []  # the probe leaves nothing behind
