"""The vector PDF (issue 13): text as text, bars as rectangles, the photo and signature as lossless images.
What a person or a printer sees is the PDF drawn by poppler: it must look like the PNG (the golden-image
tolerance), carry the NIK and name as text, scan as the NIK, and embed no JPEG."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from pyzbar import pyzbar

from ktp_service.cards import CardData, CardTemplate, render_card, render_image
from ktp_service.cards.images import fitted_png, prepare_photo
from ktp_service.cards.render import image_boxes
from ktp_service.cards.sample import make_photo, make_signature
from tests.unit.cards.helpers import decode, pdf_text, rasterise, with_data
from tests.unit.cards.test_golden import LONG, TOLERANCE, distance, fingerprint

ACCENTED = {"nama": "JOSÉ MÜLLER-LÜDENSCHEIDT NUR'AINI", "alamat": "JL. (GANG) MAWAR \\ BLOK Ç NO. 9"}


def _images(pdf: bytes) -> list[Any]:
    page = PdfReader(io.BytesIO(pdf), strict=True).pages[0]
    resources: Any = page["/Resources"]
    return [x.get_object() for x in resources["/XObject"].values()]


@pytest.mark.parametrize("dpi", [300, 600])
@pytest.mark.parametrize("case", ["sample", "long values", "accents", "paper signature"])
def test_vector_pdf_looks_like_the_png(ktp: CardTemplate, sample: CardData, dpi: int, case: str) -> None:
    data = {
        "sample": sample,
        "long values": with_data(sample, **LONG),
        "accents": with_data(sample, **ACCENTED),
        "paper signature": with_data(sample, tanda_tangan=make_signature(2, transparent=False)),
    }[case]
    png = decode(render_card(ktp, data, dpi=dpi).content).convert("RGB")
    card = render_card(ktp, data, dpi=dpi, fmt="pdf")
    assert len(_images(card.content)) == 3  # background, photo, signature: the rest is vector
    drawn = rasterise(card.content, dpi, png.size)
    if dpi != 300:  # the golden fingerprint is taken at 300 dpi
        png, drawn = (i.reduce(dpi // 300) for i in (png, drawn))
    assert distance(fingerprint(drawn), fingerprint(png)) <= TOLERANCE


def test_a_field_moved_1_mm_in_the_pdf_would_be_seen(ktp: CardTemplate, sample: CardData) -> None:
    """The comparison above can fail: the same PDF drawn 1 mm (12 px) to the right is out of tolerance."""
    png = decode(render_card(ktp, sample).content).convert("RGB")
    drawn = rasterise(render_card(ktp, sample, fmt="pdf").content, 300, png.size)
    moved = Image.new("RGB", png.size, (228, 241, 246))
    moved.paste(drawn, (12, 0))
    assert distance(fingerprint(moved), fingerprint(png)) > TOLERANCE


def test_text_is_text(ktp: CardTemplate, sample: CardData) -> None:
    data = with_data(sample, **ACCENTED)
    text = pdf_text(render_card(ktp, data, fmt="pdf").content)
    for expected in (sample.nik, ACCENTED["nama"], ACCENTED["alamat"], "Tempat/Tgl Lahir", "SEUMUR HIDUP"):
        assert expected in text


@pytest.mark.parametrize("dpi", [300, 600])
def test_barcode_scans_from_the_drawn_pdf(ktp: CardTemplate, sample: CardData, dpi: int) -> None:
    card = render_card(ktp, sample, dpi=dpi, fmt="pdf")
    drawn = rasterise(card.content, dpi, (card.width_px, card.height_px))
    assert [s.data.decode() for s in pyzbar.decode(drawn, symbols=[pyzbar.ZBarSymbol.CODE128])] == [
        sample.nik
    ]


def test_images_are_lossless_and_the_photo_is_the_box_exactly(ktp: CardTemplate, sample: CardData) -> None:
    box = image_boxes(ktp, 300)["foto"]
    photo = prepare_photo(make_photo(4, (900, 1200)), box, 10**8)
    data = with_data(sample, foto_fitted=fitted_png(photo))
    images = _images(render_card(ktp, data, fmt="pdf").content)
    assert all(i["/Filter"] == "/FlateDecode" for i in images)  # never /DCTDecode (JPEG)
    embedded = [i.decode_as_image() for i in images]
    assert any(i.size == box and i.convert("RGB").tobytes() == photo.tobytes() for i in embedded)
    background = render_image(ktp, sample)[0].size
    assert any(i.size == background for i in embedded)


def test_outside_winansi_the_pdf_is_the_raster_one(ktp: CardTemplate, sample: CardData) -> None:
    """DejaVu has Ş; the PDF's simple fonts do not: the card is still made, as the lossless raster PDF."""
    data = with_data(sample, nama="ŞÜKRÜ ŁUKASZ")
    (image,) = _images(render_card(ktp, data, fmt="pdf").content)
    drawn, _ = render_image(ktp, data)
    assert image.decode_as_image().convert("RGB").tobytes() == drawn.tobytes()


def test_a_specimen_pdf_is_the_raster_one_with_its_mark(ktp: CardTemplate, sample: CardData) -> None:
    (image,) = _images(render_card(ktp, sample, fmt="pdf", specimen=True).content)
    drawn, _ = render_image(ktp, sample, specimen=True)
    assert image.decode_as_image().convert("RGB").tobytes() == drawn.tobytes()
