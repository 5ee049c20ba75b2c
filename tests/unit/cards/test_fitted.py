"""Photo and signature derivatives made at upload (already the box's size): the card drawn from them is
the card drawn from the originals, byte for byte; one that does not fit the box being drawn is ignored."""

from __future__ import annotations

import pytest
from PIL import Image

from ktp_service.cards import CardData, CardTemplate, render_card
from ktp_service.cards.images import fitted_png, prepare_photo, prepare_signature
from ktp_service.cards.render import image_boxes
from ktp_service.cards.sample import make_photo, make_signature
from tests.unit.cards.helpers import box_pixels, decode, with_data

MAX = 24_000_000


def fitted(data: CardData, template: CardTemplate, dpi: int) -> CardData:
    boxes = image_boxes(template, dpi)
    return with_data(
        data,
        foto_fitted=fitted_png(prepare_photo(data.foto, boxes["foto"], MAX)),
        tanda_tangan_fitted=fitted_png(prepare_signature(data.tanda_tangan, boxes["tanda_tangan"], MAX)),
    )


@pytest.mark.parametrize("dpi", [300, 600])
@pytest.mark.parametrize("transparent", [True, False])
def test_card_from_derivatives_is_the_card_from_originals(
    ktp: CardTemplate, sample: CardData, dpi: int, transparent: bool
) -> None:
    data = with_data(
        sample,
        foto=make_photo(7, (1536, 2048), exif_orientation=6),
        tanda_tangan=make_signature(3, transparent=transparent),
    )
    for fmt in ("png", "pdf"):
        plain = render_card(ktp, data, dpi=dpi, fmt=fmt)  # type: ignore[arg-type]
        quick = render_card(ktp, fitted(data, ktp, dpi), dpi=dpi, fmt=fmt)  # type: ignore[arg-type]
        assert quick.content == plain.content


def test_the_derivative_is_what_is_drawn(ktp: CardTemplate, sample: CardData) -> None:
    """A derivative that differs from the original shows: the renderer really uses it (so the test above
    compares two different paths)."""
    red = fitted_png(Image.new("RGB", image_boxes(ktp, 300)["foto"], (255, 0, 0)))
    card = decode(render_card(ktp, with_data(sample, foto_fitted=red)).content)
    left, top, right, bottom = box_pixels(ktp.front.photo)
    assert card.crop((left, top, right, bottom)).getcolors() == [
        ((right - left) * (bottom - top), (255, 0, 0))
    ]


@pytest.mark.parametrize("bad", ["other dpi", "damaged", "not a PNG"])
def test_a_derivative_that_does_not_fit_falls_back_to_the_original(
    ktp: CardTemplate, sample: CardData, bad: str
) -> None:
    made_for_300 = fitted(sample, ktp, 300)
    broken = {
        "other dpi": made_for_300,
        "damaged": with_data(
            sample, foto_fitted=made_for_300.foto_fitted[:200], tanda_tangan_fitted=b"\x89PNG"
        ),
        "not a PNG": with_data(sample, foto_fitted=sample.foto, tanda_tangan_fitted=sample.foto),
    }[bad]
    assert render_card(ktp, broken, dpi=600).content == render_card(ktp, sample, dpi=600).content
