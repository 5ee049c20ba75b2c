"""The API documentation pages name nothing outside the service: their scripts, styles and icon are served
by it (from the fastapi-offline package), and their Content-Security-Policy lets the browser fetch from the
service alone. The browser check is tests/e2e/test_offline_docs.py."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

ASSET = re.compile(r'(?:src|href|spec-url)="([^"]+)"')


def test_docs_and_redoc_load_only_what_the_service_serves(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        r = client.get(path)
        assert r.status_code == 200
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert "googleapis" not in r.text and "jsdelivr" not in r.text and "tiangolo" not in r.text
        assets = ASSET.findall(r.text)
        assert assets, path
        for url in assets:
            assert url.startswith("/"), f"{path} loads {url}"
            assert client.get(url).status_code == 200, url
    assert "validatorUrl" in client.get("/docs").text
    assert client.get("/docs/oauth2-redirect").status_code == 200
