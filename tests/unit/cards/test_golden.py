"""Golden images: the sample cards must look as recorded. The comparison tolerates what a font rasteriser
update changes (anti-aliasing, sub-pixel glyph placement) but not a field moved by 1 mm; both directions
are proven below, so the tolerance can neither be too loose nor too tight unnoticed.

Goldens are small: greyscale at half the 300 dpi resolution. To re-record after an intended change:
    KTP_UPDATE_GOLDENS=1 .venv/bin/pytest tests/unit/cards/test_golden.py   (then look at the PNGs)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from ktp_service.cards import CardData, CardTemplate, render_card
from ktp_service.cards.render import clear_caches
from tests.unit.cards.helpers import decode, ktp_source, template_from, with_data

GOLDEN_DIR = Path(__file__).parent / "golden"
# Largest mean grey-level difference allowed in any 16x16 tile (about 2.7 mm square) after a light blur.
# Measured: text re-rasterised half a pixel off gives 14; moving one character 1 mm gives 23.
TOLERANCE = 18

LONG = {
    "nama": "MUHAMMAD ABDURRAHMAN SYAHPUTRA WIJAYAKUSUMAWA",
    "alamat": "JL. PANGERAN DIPONEGORO GANG MAWAR MERAH NO. 127 BLOK C PERUMAHAN GRIYA ASRI",
    "agama": "KEPERCAYAAN TERHADAP TUHAN YME",
    "pekerjaan": "PELAJAR/MAHASISWA",
}


def fingerprint(image: Image.Image) -> Image.Image:
    return image.convert("L").reduce(2)


def distance(a: Image.Image, b: Image.Image) -> int:
    assert a.size == b.size
    blur = ImageFilter.GaussianBlur(1.5)
    tiles = ImageChops.difference(a.filter(blur), b.filter(blur)).reduce(16)
    return int(tiles.getextrema()[1])  # type: ignore[arg-type]


def _card(template: CardTemplate, data: CardData, case: str) -> Image.Image:
    if case == "long-values-specimen":
        return decode(render_card(template, with_data(data, **LONG), specimen=True).content)
    return decode(render_card(template, data).content)


def _golden(case: str) -> Image.Image:
    path = GOLDEN_DIR / f"{case}.png"
    if not path.exists():
        pytest.fail(f"no golden image {path}: record it with KTP_UPDATE_GOLDENS=1")
    return Image.open(path)


@pytest.mark.parametrize("case", ["sample", "long-values-specimen"])
def test_card_matches_its_golden_image(ktp: CardTemplate, sample: CardData, case: str) -> None:
    current = fingerprint(_card(ktp, sample, case))
    if os.environ.get("KTP_UPDATE_GOLDENS") == "1":
        GOLDEN_DIR.mkdir(exist_ok=True)
        current.save(GOLDEN_DIR / f"{case}.png", optimize=True)
        pytest.fail(f"golden {case}.png re-recorded; look at it, then run again without KTP_UPDATE_GOLDENS")
    assert distance(current, _golden(case)) <= TOLERANCE


def _field(source: dict[str, Any], name: str) -> dict[str, Any]:
    field: dict[str, Any] = next(
        f for b in source["front"]["blocks"] for f in b["fields"] if f["name"] == name
    )
    return field


MOVES: dict[str, Callable[[dict[str, Any]], None]] = {
    "nama value 1 mm right": lambda s: _field(s, "nama").update(value_x_mm=21.8),
    "gol. darah value 1 mm right": lambda s: _field(s, "golongan_darah").update(value_x_mm=51.8),
    "photo 1 mm left": lambda s: s["front"]["photo"].update(x_mm=62.6),
    "signature 1 mm down": lambda s: s["front"]["signature"].update(y_mm=43.8),
    "barcode 1 mm up": lambda s: s["front"]["barcode"].update(y_mm=47.6),
    "rows 0.1 mm further apart": lambda s: s["front"]["blocks"][1].update(pitch_mm=2.5),
}


@pytest.mark.parametrize("move", list(MOVES))
def test_a_moved_field_fails_the_comparison(sample: CardData, move: str) -> None:
    source = ktp_source()
    MOVES[move](source)
    moved = fingerprint(_card(template_from(source), sample, "sample"))
    assert distance(moved, _golden("sample")) > TOLERANCE


@pytest.fixture
def text_half_a_pixel_off(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every text drawn half a pixel right and down: each glyph is rasterised differently, as after a
    FreeType hinting or anti-aliasing change, while the layout stays where it was."""
    draw_text = ImageDraw.ImageDraw.text

    def shifted(self: ImageDraw.ImageDraw, xy: tuple[float, float], *args: Any, **kwargs: Any) -> None:
        draw_text(self, (xy[0] + 0.5, xy[1] + 0.5), *args, **kwargs)

    clear_caches()
    monkeypatch.setattr(ImageDraw.ImageDraw, "text", shifted)
    yield
    monkeypatch.undo()
    clear_caches()


@pytest.mark.usefixtures("text_half_a_pixel_off")
def test_a_rasterisation_change_passes(ktp: CardTemplate, sample: CardData) -> None:
    rerasterised = fingerprint(_card(ktp, sample, "sample"))
    golden = _golden("sample")
    assert rerasterised.tobytes() != golden.tobytes()  # the change is real...
    assert distance(rerasterised, golden) <= TOLERANCE  # ...and tolerated
