"""Machines read the card: zbar decodes the Code 128 back to the NIK, tesseract reads the OCR-B NIK and the
rows in their official order. These use the real tools (Debian libzbar0 and tesseract-ocr); when a tool
is missing the import or call raises and the test fails: it never skips."""

from __future__ import annotations

import random

import pytesseract
import pytest
from PIL import Image
from pyzbar import pyzbar

from ktp_service.cards import CardData, CardTemplate, FieldDoesNotFit, render_card, render_image
from ktp_service.cards.barcode import code128_modules
from ktp_service.cards.layout import mm_to_px
from tests.unit.cards.helpers import box_pixels, decode, ktp_source, template_from, with_data


def _random_niks(count: int, seed: int = 17) -> list[str]:
    rng = random.Random(seed)
    niks = []
    for _ in range(count):
        day = rng.randint(1, 28) + rng.choice((0, 40))
        niks.append(
            f"3314{rng.randint(1, 20):02d}{day:02d}{rng.randint(1, 12):02d}{rng.randint(0, 99):02d}{rng.randint(1, 9999):04d}"
        )
    return niks


NIKS = ["3314015708850001", "3314200101000099", "1111111111111111", "0000000000000000", *_random_niks(4)]


@pytest.mark.parametrize("nik", NIKS)
def test_barcode_decodes_to_the_nik_at_300_dpi(ktp: CardTemplate, sample: CardData, nik: str) -> None:
    image = decode(render_card(ktp, with_data(sample, nik=nik)).content)
    found = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.CODE128])
    assert [(s.type, s.data.decode()) for s in found] == [("CODE128", nik)]


def test_barcode_decodes_at_600_dpi_and_in_the_pdf_resolution_specimen(
    ktp: CardTemplate, sample: CardData
) -> None:
    for card in (render_card(ktp, sample, dpi=600), render_card(ktp, sample, specimen=True)):
        found = pyzbar.decode(decode(card.content), symbols=[pyzbar.ZBarSymbol.CODE128])
        assert [s.data.decode() for s in found] == [sample.nik]


@pytest.mark.parametrize("dpi", [300, 600])
def test_bars_are_whole_pixels_with_quiet_zones(ktp: CardTemplate, sample: CardData, dpi: int) -> None:
    """Only pure black and pure white in the barcode plate (no blur), every bar and space a whole multiple
    of one module width, and at least 10 white modules on each side."""
    image, _ = render_image(ktp, sample, dpi=dpi)
    left, top, right, bottom = box_pixels(ktp.front.barcode, dpi)
    box = image.crop((left, top, right, bottom)).convert("L")
    row = box.tobytes()[: box.width]
    start = next(i for i, v in enumerate(row) if v == 255)  # the white plate, centred in the box
    end = len(row) - next(i for i, v in enumerate(reversed(row)) if v == 255)
    plate = box.crop((start, 0, end, box.height))
    line = plate.tobytes()[: plate.width]
    assert plate.tobytes() == line * plate.height  # every row the same: vertical edges are clean
    assert set(line) == {0, 255}
    runs: list[tuple[int, int]] = []
    for value in line:
        if runs and runs[-1][0] == value:
            runs[-1] = (value, runs[-1][1] + 1)
        else:
            runs.append((value, 1))
    modules = code128_modules(sample.nik)
    module_px = (end - start) // (len(modules) + 20)
    assert module_px == dpi // 150  # 2 px at 300 dpi, 4 px at 600 dpi: the same 0.17 mm module
    assert all(length % module_px == 0 for _, length in runs)
    assert runs[0][0] == runs[-1][0] == 255
    assert runs[0][1] >= 10 * module_px and runs[-1][1] >= 10 * module_px
    bars = "".join(("1" if value == 0 else "0") * (length // module_px) for value, length in runs[1:-1])
    assert bars == modules


def test_barcode_box_too_narrow_is_refused(sample: CardData) -> None:
    source = ktp_source()
    source["front"]["barcode"]["width_mm"] = 10.0
    with pytest.raises(
        FieldDoesNotFit, match="barcode does not fit on the card: the 10.0 mm box is too narrow"
    ):
        render_card(template_from(source), sample)


def _nik_crop(template: CardTemplate, image: Image.Image) -> Image.Image:
    block = template.front.blocks[0]
    size_px = template.styles["nik"].size_pt / 72 * 300
    baseline = mm_to_px(block.first_baseline_mm, 300)
    left = mm_to_px(block.value_x_mm - 0.5, 300)
    right = mm_to_px(block.value_right_mm, 300)
    return image.crop(
        (int(left), int(baseline - size_px), int(right), int(baseline + 0.3 * size_px))
    ).convert("L")


@pytest.mark.parametrize("nik", NIKS)
def test_nik_reads_back_with_ocr(ktp: CardTemplate, sample: CardData, nik: str) -> None:
    image = decode(render_card(ktp, with_data(sample, nik=nik)).content)
    text = pytesseract.image_to_string(
        _nik_crop(ktp, image), config="--psm 7 -c tessedit_char_whitelist=0123456789"
    )
    assert text.strip() == nik


def test_ocr_finds_the_header_and_rows_in_official_order(ktp: CardTemplate, sample: CardData) -> None:
    image = decode(render_card(ktp, sample).content)
    big = image.convert("L").resize((image.width * 2, image.height * 2), Image.Resampling.LANCZOS)
    text = pytesseract.image_to_string(big, config="--psm 6")
    expected = [
        "PROVINSI JAWA TENGAH",
        "KABUPATEN SRAGEN",
        "NIK",
        sample.nik,
        "Nama",
        "RATNA DEWI KUSUMAWARDANI",
        "Tempat/Tgl Lahir",
        "SRAGEN, 17-08-1985",
        "Jenis Kelamin",
        "PEREMPUAN",
        "Gol. Darah",
        "Alamat",
        "RT/RW",
        "003/019",
        "Kel/Desa",
        "KEDEN",
        "Kecamatan",
        "Agama",
        "ISLAM",
        "Status Perkawinan",
        "KAWIN",
        "Pekerjaan",
        "WIRASWASTA",
        "Kewarganegaraan",
        "WNI",
        "Berlaku Hingga",
        "SEUMUR HIDUP",
    ]
    position = 0
    for phrase in expected:
        found = text.find(phrase, position)
        assert found >= 0, f"{phrase!r} not found after position {position} in OCR text:\n{text}"
        position = found + len(phrase)
