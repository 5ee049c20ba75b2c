"""Encoders. Both are lossless: barcode edges and the OCR-B NIK must reach the printer exactly as drawn.

PNG: written here rather than through Pillow, on purpose, after measuring on the 300 dpi sample card
(1011x638; benchmarks/render_bench.py has the figures for whole runs):

    Pillow, compress_level=6 (default)                     ~33 ms   273 kB
    Pillow, compress_level=1                               ~16 ms   303 kB
    filter None + zlib level 1                             ~ 7 ms   262 kB
    filter None + ISA-L (``isal`` package) level 2         ~1.6 ms  263 kB   <- used

Pillow chooses a PNG filter per row by trying all five, which costs more than the compression itself and,
on a card that is mostly flat colour and repeated strokes (which deflate matches well unfiltered), makes
the file larger too; so every row uses filter None. The deflate stream comes from Intel's ISA-L through the
``isal`` bindings: standard zlib format, 4x faster than zlib at the same size. Level 2 (ISA-L's default)
because level 3 costs 2-3x the time for 1-2 % smaller files. The output is a standard 8-bit RGB PNG;
the tests decode it with Pillow and compare every pixel.

PDF: one page per card side, exactly the card's size in millimetres, with the image stream taken straight
from the PNG: a PNG's IDAT data is a zlib stream of rows with PNG predictors, which PDF's FlateDecode with
``/Predictor 15`` reads as is (PDF 1.2+, ISO 32000-1 7.4.4.4). So the PDF is lossless and costs nothing
beyond the PNG. Neither reportlab nor Pillow can embed PNG data without re-compressing it (reportlab
zlib-compresses the raw pixels again, Pillow's PDF writer stores RGB as JPEG), which is why the few PDF
objects are written here.
"""

from __future__ import annotations

import io
import struct
import zlib

from isal import isal_zlib
from PIL import Image

ISAL_LEVEL = 2
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
POINTS_PER_MM = 72 / 25.4
INCH_PER_METRE = 39.37007874015748


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(image: Image.Image, dpi: int) -> bytes:
    """8-bit RGB PNG, every row with filter type 0 (None), with the dpi in a pHYs chunk."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    width, height = image.size
    stride = width * 3
    pixels = memoryview(image.tobytes())
    # Rows go to the compressor one by one, each after its filter-type byte: no second copy of the image.
    deflate = isal_zlib.compressobj(ISAL_LEVEL)
    idat = []
    for start in range(0, len(pixels), stride):
        idat.append(deflate.compress(b"\x00"))
        idat.append(deflate.compress(pixels[start : start + stride]))
    idat.append(deflate.flush())
    ppm = round(dpi * INCH_PER_METRE)
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
            _chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
            _chunk(b"IDAT", b"".join(idat)),
            _chunk(b"IEND", b""),
        )
    )


def _png_image_data(png: bytes) -> tuple[int, int, bytes]:
    """Width, height and the concatenated IDAT data of an 8-bit RGB, non-interlaced PNG."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    pos = len(PNG_SIGNATURE)
    width = height = 0
    idat = []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        data = png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", data)
            if (depth, color_type, interlace) != (8, 2, 0):
                raise ValueError("only 8-bit RGB non-interlaced PNGs can be wrapped in a PDF as is")
        elif kind == b"IDAT":
            idat.append(data)
        elif kind == b"IEND":
            break
        pos += 12 + length
    return width, height, b"".join(idat)


def pdf_from_pngs(pages: list[bytes], width_mm: float, height_mm: float) -> bytes:
    """A PDF with one page per PNG, each page exactly ``width_mm`` x ``height_mm`` and filled by its image."""
    page_w = width_mm * POINTS_PER_MM
    page_h = height_mm * POINTS_PER_MM
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree exists
    tree = add(b"")
    kids = []
    for n, png in enumerate(pages):
        width, height, data = _png_image_data(png)
        image = add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 "
            b"/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 3 /BitsPerComponent 8 /Columns %d >> "
            b"/Length %d >>\nstream\n%s\nendstream" % (width, height, width, len(data), data)
        )
        draw = b"q %.4f 0 0 %.4f 0 0 cm /Card%d Do Q" % (page_w, page_h, n)
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(draw), draw))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.4f %.4f] /Resources << /XObject << /Card%d %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (tree, page_w, page_h, n, image, content)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))

    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    )
    return out.getvalue()
