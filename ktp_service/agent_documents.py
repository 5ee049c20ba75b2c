"""A card's smaller form for the wire to a print agent (issue 14: a village on a 256 kbit/s line).

The centre's card PNG is made for speed (:func:`ktp_service.cards.output.encode_png`: no row filters, a fast
deflate), about 270 kB for a 300 dpi card. On the wire it travels as its pixels, compressed with LZMA
(``rgb-xz``, about 40 % smaller); the agent rebuilds the PNG with the same encoder and keeps it only when its
SHA-256 is the one the centre approved. A different encoder at the agent (another library version) gives a
different hash: the agent then asks for the whole PNG, so the printed document is always the approved one.

Layout of the decompressed stream: ``MAGIC``, then width, height (4 bytes each) and dpi (2 bytes), big-endian,
then the RGB pixels row by row. Only PNG cards travel this way; PDF cards travel whole.
"""

from __future__ import annotations

import io
import lzma
import struct

from PIL import Image

from ktp_service.cards.output import encode_png

FORM = "rgb-xz"
MEDIA_TYPE = "application/vnd.ktp.card-rgb+xz"
MAGIC = b"KTP-RGB1"
_HEADER = struct.Struct(">IIH")
# A card at 600 dpi is about 2,000 x 1,300 pixels (8 MB of RGB): anything past this is not a card.
MAX_PIXEL_BYTES = 64 * 1024 * 1024


class BadCompactDocument(ValueError):
    """The compact form cannot be read (truncated, not ours, too large)."""


def pack(png: bytes, dpi: int) -> bytes:
    """The card's pixels, LZMA-compressed, with what :func:`unpack` needs to rebuild the PNG."""
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB") if image.mode != "RGB" else image
        rgb.load()
        width, height = rgb.size
        pixels = rgb.tobytes()
    return lzma.compress(MAGIC + _HEADER.pack(width, height, dpi) + pixels, preset=6)


def unpack(blob: bytes) -> bytes:
    """The PNG rebuilt from its compact form (the caller checks its SHA-256)."""
    decompressor = lzma.LZMADecompressor()
    head = len(MAGIC) + _HEADER.size
    try:
        raw = decompressor.decompress(blob, max_length=head + MAX_PIXEL_BYTES + 1)
    except lzma.LZMAError as exc:
        raise BadCompactDocument(f"not LZMA: {exc}") from None
    if not decompressor.eof or len(raw) < head or not raw.startswith(MAGIC):
        raise BadCompactDocument("truncated, too large or not a compact card")
    width, height, dpi = _HEADER.unpack_from(raw, len(MAGIC))
    pixels = raw[head:]
    if len(pixels) != width * height * 3:
        raise BadCompactDocument(f"{len(pixels)} bytes of pixels for {width} x {height}")
    return encode_png(Image.frombytes("RGB", (width, height), pixels), dpi)
