"""The card's smaller form for a print agent's slow line: the PNG comes back byte for byte."""

from __future__ import annotations

import hashlib
import lzma
import random

import pytest
from PIL import Image

from ktp_service import agent_documents
from ktp_service.cards.output import encode_png


def _card_png(dpi: int = 300) -> bytes:
    rng = random.Random(14)
    image = Image.new("RGB", (120, 76), (230, 240, 250))
    for _ in range(400):  # some noise, as a photo has
        image.putpixel((rng.randrange(120), rng.randrange(76)), (rng.randrange(256), 0, rng.randrange(256)))
    return encode_png(image, dpi)


@pytest.mark.parametrize("dpi", [300, 600])
def test_the_rebuilt_png_is_the_same_bytes(dpi: int) -> None:
    png = _card_png(dpi)
    blob = agent_documents.pack(png, dpi)
    assert hashlib.sha256(agent_documents.unpack(blob)).hexdigest() == hashlib.sha256(png).hexdigest()


@pytest.mark.parametrize(
    "blob",
    [
        b"not lzma at all",
        lzma.compress(b"KTP-RGB0" + b"\x00" * 10),  # not ours
        lzma.compress(agent_documents.MAGIC + b"\x00\x00\x00\x02\x00\x00\x00\x02\x01\x2c" + b"\x00" * 5),
        agent_documents.pack(_card_png(), 300)[:-20],  # truncated
    ],
)
def test_a_bad_compact_card_is_refused(blob: bytes) -> None:
    with pytest.raises(agent_documents.BadCompactDocument):
        agent_documents.unpack(blob)
