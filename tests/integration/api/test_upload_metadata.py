"""Uploads are stored as pixels alone (issue 10): no EXIF, no JPEG comment, no ICC profile, no PNG text
chunks; the stored files are read back byte by byte."""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageCms, PngImagePlugin

from ktp_service.cards.images import prepare_photo, prepare_signature
from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.images import fitted_path, image_path
from ktp_service.services import cards
from ktp_service.settings import Settings
from tests.factories import resident_payload

CLERK = "kalijambe.clerk"
SECRET = b"GPS-7.4297,111.0206-SECRET"


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010E] = SECRET.decode()  # ImageDescription
    exif[0x0131] = "PhotoEditor 9"  # Software
    exif[0x0112] = 1  # Orientation
    return exif


def _icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()


def jpeg_with_everything() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), (120, 90, 60)).save(
        out, "JPEG", exif=_exif(), comment=SECRET, icc_profile=_icc(), dpi=(300, 300)
    )
    return out.getvalue()


def png_with_everything(mode: str = "RGB") -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET.decode())
    info.add_itxt("Author", SECRET.decode())
    info.add_text("Location", SECRET.decode(), zip=True)
    out = io.BytesIO()
    Image.new(mode, (300, 400)).save(
        out, "PNG", pnginfo=info, exif=_exif(), icc_profile=_icc(), dpi=(300, 300)
    )
    return out.getvalue()


def jpeg_segments(data: bytes) -> list[int]:
    """The markers of a JPEG's segments up to the image data."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while at < len(data):
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: image data follows
            break
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length
    return markers


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append(data[at + 4 : at + 8])
        at += 12 + length
    return chunks


def _upload(client: TestClient, as_user: Any, settings: Settings, kind: str, raw: bytes) -> bytes:
    headers = as_user(CLERK)
    nik = client.post("/api/v1/residents", json=resident_payload(), headers=headers).json()["nik"]
    r = client.put(
        f"/api/v1/residents/{nik}/{kind}", files={"file": ("f", raw, "image/png")}, headers=headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    sha = body[f"{kind}_sha256"]
    files = list(Path(settings.images_dir).rglob(f"{sha}.*"))
    stored = [f for f in files if ".fit" not in f.name]
    assert len(stored) == 1
    assert stored[0] == image_path(settings.images_dir, sha, stored[0].suffix[1:])
    # The derivatives made at upload (the image at the card's box size) are pixels alone too.
    fitted = [f for f in files if ".fit" in f.name]
    assert all(SECRET not in f.read_bytes() for f in fitted)
    for f in fitted:
        with Image.open(f) as image:
            assert not image.info
    return stored[0].read_bytes()


def test_a_jpeg_keeps_no_exif_comment_or_icc(client: TestClient, as_user: Any, settings: Settings) -> None:
    raw = jpeg_with_everything()
    assert SECRET in raw and {0xE1, 0xE2, 0xFE} <= set(jpeg_segments(raw))  # the upload carries them all
    stored = _upload(client, as_user, settings, "photo", raw)
    markers = jpeg_segments(stored)
    assert 0xFE not in markers  # COM
    assert 0xE1 not in markers  # APP1: EXIF, XMP
    assert 0xE2 not in markers  # APP2: ICC profile
    assert set(markers) <= {0xE0, 0xDB, 0xC0, 0xC4, 0xDA}  # JFIF, tables, frame, scan
    assert SECRET not in stored and b"PhotoEditor" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


@pytest.mark.parametrize(("kind", "mode"), [("photo", "RGB"), ("signature", "RGBA"), ("signature", "L")])
def test_a_png_keeps_no_text_exif_or_icc(
    client: TestClient, as_user: Any, settings: Settings, kind: str, mode: str
) -> None:
    raw = png_with_everything(mode)
    assert {b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP", b"pHYs"} <= set(png_chunks(raw))
    stored = _upload(client, as_user, settings, kind, raw)
    assert set(png_chunks(stored)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
    assert SECRET not in stored and b"PhotoEditor" not in stored


@pytest.mark.parametrize("kind", ["photo", "signature"])
def test_upload_keeps_the_image_fitted_to_the_card_box(
    client: TestClient, as_user: Any, settings: Settings, kind: str
) -> None:
    """Beside the original, the image as the renderer draws it on the default template at 300 dpi (so a
    print does not decode and scale the original again); the card made from it is the same card."""
    raw = make_photo(3, (900, 1200)) if kind == "photo" else make_signature(4)
    headers = as_user(CLERK)
    nik = client.post("/api/v1/residents", json=resident_payload(), headers=headers).json()["nik"]
    r = client.put(
        f"/api/v1/residents/{nik}/{kind}", files={"file": ("f", raw, "image/png")}, headers=headers
    )
    assert r.status_code == 200, r.text
    sha = r.json()[f"{kind}_sha256"]
    template = cards.template(settings.default_template, settings.templates_dir)
    field = "foto" if kind == "photo" else "tanda_tangan"
    box = cards.image_boxes(template, 300)[field]
    path = fitted_path(settings.images_dir, sha, box)
    original = next(f for f in Path(settings.images_dir).rglob(f"{sha}.*") if ".fit" not in f.name)
    with Image.open(path) as derivative:
        if kind == "photo":
            assert derivative.size == box
        else:  # fitted inside the box, touching two of its sides
            assert (
                derivative.width <= box[0]
                and derivative.height <= box[1]
                and (derivative.width == box[0] or derivative.height == box[1])
            )
        prepare = prepare_photo if kind == "photo" else prepare_signature
        assert (
            derivative.tobytes() == prepare(original.read_bytes(), box, settings.max_image_pixels).tobytes()
        )
