"""Rendering: exact pixel and page sizes, lossless PNG and PDF, determinism, the specimen mark, and the
photo and signature handling (EXIF, 3:4 centre crop, transparency, bad images)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from ktp_service.cards import (
    CardData,
    CardTemplate,
    ImageInvalid,
    ImageMissing,
    render_card,
    render_image,
)
from ktp_service.cards.render import clear_caches
from ktp_service.cards.sample import make_photo, make_signature
from tests.unit.cards.helpers import box_pixels, decode, ktp_source, pixels, template_from, with_data

MM_PER_POINT = 25.4 / 72


@pytest.mark.parametrize(("dpi", "size"), [(300, (1011, 638)), (600, (2022, 1276))])
def test_png_has_the_exact_pixel_size_and_dpi(
    ktp: CardTemplate, sample: CardData, dpi: int, size: tuple[int, int]
) -> None:
    card = render_card(ktp, sample, dpi=dpi)
    image = decode(card.content)
    assert (card.width_px, card.height_px) == image.size == size
    assert (image.format, image.mode, card.media_type) == ("PNG", "RGB", "image/png")
    assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)


def test_png_is_lossless(ktp: CardTemplate, sample: CardData) -> None:
    drawn, _ = render_image(ktp, sample)
    assert decode(render_card(ktp, sample).content).tobytes() == drawn.tobytes()


@pytest.mark.parametrize("dpi", [300, 600])
def test_raster_pdf_page_is_the_card_size_and_holds_the_image_losslessly(
    ktp: CardTemplate, sample: CardData, dpi: int
) -> None:
    """The raster PDF (specimens, characters outside WinAnsi, or asked for); the vector PDF has its own
    tests in test_vector.py."""
    card = render_card(ktp, sample, dpi=dpi, fmt="pdf", raster_pdf=True)
    assert card.media_type == "application/pdf"
    reader = PdfReader(io.BytesIO(card.content), strict=True)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert float(page.mediabox.width) * MM_PER_POINT == pytest.approx(85.60, abs=0.1)
    assert float(page.mediabox.height) * MM_PER_POINT == pytest.approx(53.98, abs=0.1)
    resources: Any = page["/Resources"]
    stream = next(iter(resources["/XObject"].values())).get_object()
    assert stream["/Filter"] == "/FlateDecode"  # never /DCTDecode (JPEG)
    (embedded,) = page.images
    assert embedded.image is not None
    drawn, _ = render_image(ktp, sample, dpi=dpi)
    assert embedded.image.size == drawn.size
    assert embedded.image.convert("RGB").tobytes() == drawn.tobytes()


def test_same_input_gives_the_same_bytes_and_hash(ktp: CardTemplate, sample: CardData) -> None:
    first = render_card(ktp, sample, fmt="pdf")
    clear_caches()  # a cold render must give the same document as a cached one
    second = render_card(ktp, sample, fmt="pdf")
    assert first.content == second.content
    assert first.document_hash == second.document_hash == hashlib.sha256(first.content).hexdigest()


def test_specimen_mark_is_red_across_the_middle(ktp: CardTemplate, sample: CardData) -> None:
    plain = decode(render_card(ktp, sample).content)
    marked_card = render_card(ktp, sample, specimen=True)
    marked = decode(marked_card.content)
    assert marked_card.specimen and marked.size == plain.size

    def reddish(image: Image.Image) -> int:
        middle = image.crop((300, 200, 700, 450))
        return sum(1 for r, g, b in pixels(middle) if r > g + 60 and r > b + 60)

    assert reddish(plain) == 0
    assert reddish(marked) > 0.05 * 400 * 250


def test_dpi_must_be_a_multiple_of_the_base_dpi(ktp: CardTemplate, sample: CardData) -> None:
    with pytest.raises(ValueError, match="multiple of 300"):
        render_card(ktp, sample, dpi=450)


def _is_green(pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return g > 150 and r < 80 and b < 80


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_photo_exif_orientation_is_applied(ktp: CardTemplate, sample: CardData, orientation: int) -> None:
    """The marker sits in the upright picture's top-left corner, however the camera stored the pixels."""
    data = with_data(sample, foto=make_photo(5, exif_orientation=orientation, marker=True))
    image = decode(render_card(ktp, data).content)
    left, top, right, bottom = box_pixels(ktp.front.photo)
    assert _is_green(image.getpixel((left + 8, top + 8)))  # type: ignore[arg-type]
    assert not _is_green(image.getpixel((right - 8, bottom - 8)))  # type: ignore[arg-type]
    assert not _is_green(image.getpixel((right - 8, top + 8)))  # type: ignore[arg-type]


def _striped(size: tuple[int, int]) -> bytes:
    """Left third red, middle third green, right third blue."""
    image = Image.new("RGB", size, (0, 0, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] // 3 - 1, size[1]), fill=(255, 0, 0))
    draw.rectangle((size[0] // 3, 0, 2 * size[0] // 3 - 1, size[1]), fill=(0, 255, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_landscape_photo_is_centre_cropped_to_3_by_4(ktp: CardTemplate, sample: CardData) -> None:
    # 900x600 cropped to 3:4 keeps x 225..675: 75 px red, 300 green, 75 blue, i.e. 1/6, 2/3, 1/6.
    image = decode(render_card(ktp, with_data(sample, foto=_striped((900, 600)))).content)
    left, top, right, bottom = box_pixels(ktp.front.photo)
    width = right - left
    middle = (top + bottom) // 2
    row = pixels(image.crop((left, middle, right, middle + 1)))
    red = sum(1 for r, g, b in row if r > 200 and g < 60)
    green = sum(1 for r, g, b in row if g > 200 and r < 60)
    blue = sum(1 for r, g, b in row if b > 200 and r < 60)
    assert red == pytest.approx(width / 6, abs=3)
    assert blue == pytest.approx(width / 6, abs=3)
    assert green == pytest.approx(width * 2 / 3, abs=3)
    assert (right - left) / (bottom - top) == pytest.approx(3 / 4, abs=0.01)


@pytest.mark.parametrize("transparent", [True, False], ids=["transparent-png", "white-paper-jpeg"])
def test_signature_shows_ink_and_keeps_the_background(
    ktp: CardTemplate, sample: CardData, transparent: bool
) -> None:
    signature = make_signature(3, transparent=transparent)
    with_signature, _ = render_image(ktp, with_data(sample, tanda_tangan=signature))
    area = box_pixels(ktp.front.signature)
    # The same card from a template without a signature box is the background to compare with.
    source = ktp_source()
    del source["front"]["signature"]
    background, _ = render_image(template_from(source), sample)
    ours = pixels(with_signature.crop(area))
    theirs = pixels(background.crop(area))
    ink = sum(1 for p in ours if sum(p) < 3 * 140)
    # JPEG paper is not perfectly white: allow a few levels.
    unchanged = sum(
        1
        for a, b in zip(ours, theirs, strict=True)
        if max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 6
    )
    assert ink > 200  # the pen strokes are there
    assert unchanged > 0.6 * len(ours)  # and around them the card's pattern shows, not a white box
    white = sum(1 for p in ours if min(p) > 250)
    assert white < 0.01 * len(ours)


def test_signature_keeps_its_aspect_ratio(ktp: CardTemplate, sample: CardData) -> None:
    # A 4:1 bar of ink must stay 4:1 in the box (limited by the box's width, 17.5 mm).
    bar = Image.new("RGB", (400, 100), (10, 10, 10))
    buf = io.BytesIO()
    bar.save(buf, "PNG")
    image, _ = render_image(ktp, with_data(sample, tanda_tangan=buf.getvalue()))
    area = box_pixels(ktp.front.signature)
    dark = image.crop(area).convert("L").point(lambda v: 255 if v < 60 else 0)
    bbox = dark.getbbox()
    assert bbox is not None
    width, height = bbox[2] - bbox[0], bbox[3] - bbox[1]
    assert width == pytest.approx(area[2] - area[0], abs=2)
    assert width / height == pytest.approx(4, rel=0.03)


@pytest.mark.parametrize("field", ["foto", "tanda_tangan"])
def test_missing_image_is_named(ktp: CardTemplate, sample: CardData, field: str) -> None:
    with pytest.raises(ImageMissing, match=f"{field} is missing"):
        render_card(ktp, with_data(sample, **{field: b""}))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not an image at all", "not a JPEG or PNG image"),
        (make_photo(1)[:2000], "cannot be decoded"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "not a JPEG or PNG image"),
    ],
    ids=["garbage", "truncated-jpeg", "gif"],
)
def test_unusable_photo_is_reported(ktp: CardTemplate, sample: CardData, raw: bytes, message: str) -> None:
    with pytest.raises(ImageInvalid, match=f"foto is not a usable image: {message}"):
        render_card(ktp, with_data(sample, foto=raw))


def test_blank_signature_is_reported(ktp: CardTemplate, sample: CardData) -> None:
    blank = io.BytesIO()
    Image.new("RGB", (300, 100), (255, 255, 255)).save(blank, "PNG")
    with pytest.raises(ImageInvalid, match="tanda_tangan .* blank"):
        render_card(ktp, with_data(sample, tanda_tangan=blank.getvalue()))


def test_photo_over_the_pixel_limit_is_refused_before_decoding(ktp: CardTemplate, sample: CardData) -> None:
    with pytest.raises(ImageInvalid, match="600x800 pixels is more than the 100000 allowed"):
        render_card(ktp, sample, max_image_pixels=100_000)
