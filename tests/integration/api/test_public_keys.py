"""The key ring published: `ktp billing rotate-key` adds a key, GET /api/v1/billing/public-key answers the
current one and GET /api/v1/billing/public-keys all of them with their ids (no login needed)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from billing.signing import key_id, load_key_ring, load_public_key
from ktp_service.cli import app
from ktp_service.settings import Settings


def test_rotation_is_published(client: TestClient, settings: Settings) -> None:
    first = client.get("/api/v1/billing/public-key").text
    r = CliRunner().invoke(app, ["billing", "rotate-key"], obj=settings)
    assert r.exit_code == 0 and "replaces" in r.output, r.output
    current = client.get("/api/v1/billing/public-key").text
    assert current != first
    keys = client.get("/api/v1/billing/public-keys").json()
    assert [(k["public_key_pem"], k["current"]) for k in keys] == [(first, False), (current, True)]
    assert [k["key_id"] for k in keys] == [key_id(load_public_key(k["public_key_pem"])) for k in keys]
    r = CliRunner().invoke(app, ["billing", "public-key", "--all"], obj=settings)
    assert list(load_key_ring(r.output)) == [k["key_id"] for k in keys]
