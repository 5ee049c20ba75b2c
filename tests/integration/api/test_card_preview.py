"""The clerk's card preview: what will print, marked CONTOH, at 300 and 600 dpi, PNG and PDF."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from PIL import Image

from ktp_service.cards.sample import make_photo, make_signature
from tests.factories import resident_payload

Headers = Callable[[str], dict[str, str]]


def _resident(client: TestClient, h: dict[str, str]) -> str:
    body = resident_payload()
    client.post("/api/v1/residents", json=body, headers=h)
    client.put(
        f"/api/v1/residents/{body['nik']}/photo",
        files={"file": ("p.jpg", make_photo(seed=3), "image/jpeg")},
        headers=h,
    )
    client.put(
        f"/api/v1/residents/{body['nik']}/signature",
        files={"file": ("s.png", make_signature(seed=3), "image/png")},
        headers=h,
    )
    return str(body["nik"])


def test_preview_png_and_pdf(client: TestClient, as_user: Headers) -> None:
    h = as_user("kalijambe.clerk")
    nik = _resident(client, h)
    r = client.get(f"/api/v1/residents/{nik}/card-preview", params={"dpi": 300, "format": "png"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png" and r.headers["cache-control"] == "no-store"
    assert r.headers["x-template"].startswith("ktp-front-sragen@")
    with Image.open(io.BytesIO(r.content)) as img:
        assert img.size == (1011, 638)
    r = client.get(f"/api/v1/residents/{nik}/card-preview", params={"dpi": 600, "format": "pdf"}, headers=h)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_preview_errors_name_the_cause(client: TestClient, as_user: Headers) -> None:
    h = as_user("kalijambe.clerk")
    body = resident_payload(serial=77)
    client.post("/api/v1/residents", json=body, headers=h)
    r = client.get(f"/api/v1/residents/{body['nik']}/card-preview", headers=h)
    assert r.status_code == 422 and "foto" in r.json()["message"]
    nik = _resident(client, h)
    r = client.get(
        f"/api/v1/residents/{nik}/card-preview", params={"template": "../../etc/passwd"}, headers=h
    )
    # refused by the id pattern before any file is touched
    assert r.status_code == 404 and "lower-case letters" in r.json()["message"]
    r = client.get(
        f"/api/v1/residents/{nik}/card-preview", params={"template": "no-such-template"}, headers=h
    )
    assert r.status_code == 404 and "no-such-template" in r.json()["message"]
