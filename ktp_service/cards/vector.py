"""The card as a vector PDF: text as text in embedded fonts, bars and borders as filled rectangles, and as
images only what is an image (the background artwork, drawn once per template and dpi; the photo; the
signature). Lossless like the raster PDF (no JPEG anywhere: every image is FlateDecode), and several times
cheaper (benchmarks/README.md: 6.2 against 32.7 ms per card for the PNG in one run), since no text is
rasterised and nothing card-sized is compressed per card; the printer's RIP rasterises it.

Where it goes, glyph for glyph, is the raster renderer's decision: the layout is the same
(:func:`ktp_service.cards.layout.layout_side`), and every glyph is placed where Pillow (FreeType + raqm,
with hinted advances and kerning) put it on the PNG, by TJ adjustments from the font's own widths. So the
rasterised PDF and the PNG agree within the golden-image tolerance (tests/unit/cards/test_vector.py).

Fonts are embedded once per template as subsets of the WinAnsi (cp1252) characters, simple fonts with
/WinAnsiEncoding: every card carries the same ~20-70 kB of font data. A value with a character outside
cp1252 (which the layout's fonts may still cover) makes :func:`vector_pdf` answer None, and the caller
draws the raster PDF instead. Specimens are raster PDFs too.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools import subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from isal import isal_zlib
from PIL import Image, ImageColor

from ktp_service.cards.fonts import font_at
from ktp_service.cards.layout import Placed, SideLayout
from ktp_service.cards.output import ISAL_LEVEL, POINTS_PER_MM, _png_image_data, encode_png

WINANSI = "cp1252"


@dataclass(frozen=True)
class PdfFont:
    """Pre-serialised objects of one embedded font: the font dictionary and descriptor take their object
    numbers per document (``%(font)d`` style placeholders), the font program is a finished stream."""

    base_name: bytes
    subtype: bytes  # /TrueType or /Type1 (CFF)
    widths: tuple[int, ...]  # codes 32..255, in 1/1000 em
    widths_array: bytes  # the same, as the PDF array's content
    descriptor: bytes  # with %d for the font file's object number
    program: bytes  # the stream object's body


def _winansi_chars() -> dict[int, str]:
    chars = {}
    for code in range(32, 256):
        try:
            chars[code] = bytes([code]).decode(WINANSI)
        except UnicodeDecodeError:
            continue
    return chars


@lru_cache(maxsize=16)
def embedded_font(path: Path) -> PdfFont:
    font = TTFont(str(path))
    cmap = font.getBestCmap()
    scale = 1000 / font["head"].unitsPerEm
    chars = _winansi_chars()
    keep = {ord(c) for c in chars.values() if ord(c) in cmap}
    options = subset.Options()
    options.hinting = False  # the RIP rasterises at 300+ dpi: hints only add bytes
    options.name_IDs = [1, 2, 4, 6]
    options.notdef_outline = True
    options.layout_features = []  # no GSUB/GPOS: glyph positions come from the TJ adjustments
    options.drop_tables += ["FFTM"]  # FontForge's timestamps (OCR-B): nothing a viewer reads
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)
    widths = tuple(
        round(font["hmtx"][cmap[ord(chars[code])]][0] * scale)
        if code in chars and ord(chars[code]) in cmap
        else 0
        for code in range(32, 256)
    )
    name = font["name"].getDebugName(6) or path.stem
    base_name = b"KTPSUB+" + name.encode("ascii", "replace").replace(b" ", b"-")
    head, hhea = font["head"], font["hhea"]
    bbox = [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
    cap = getattr(font.get("OS/2"), "sCapHeight", 0) or hhea.ascent
    if "CFF " in font:
        subtype, file_key, data = b"/Type1", b"/FontFile3", font["CFF "].compile(font)
        program_dict = b"<< /Subtype /Type1C /Length %d /Filter /FlateDecode >>"
    else:
        out = io.BytesIO()
        font.save(out)
        subtype, file_key, data = b"/TrueType", b"/FontFile2", out.getvalue()
        program_dict = b"<< /Length1 %d /Length %%d /Filter /FlateDecode >>" % len(data)
    packed = zlib.compress(data, 9)
    program = (program_dict % len(packed)) + b"\nstream\n" + packed + b"\nendstream"
    descriptor = (
        (
            b"<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [%d %d %d %d] /ItalicAngle 0 "
            b"/Ascent %d /Descent %d /CapHeight %d /StemV 80 "
            % (base_name, *bbox, round(hhea.ascent * scale), round(hhea.descent * scale), round(cap * scale))
        )
        + file_key
        + b" %d 0 R >>"
    )
    return PdfFont(base_name, subtype, widths, b" ".join(b"%d" % w for w in widths), descriptor, program)


@lru_cache(maxsize=64)
def _advances(path: Path, size_px: float) -> tuple[dict[str, float], dict[str, float]]:
    """Per (font, size): Pillow's advance of each character and kerning of each pair, filled as met."""
    return {}, {}


def _pillow_positions(path: Path, size_px: float, text: str) -> list[float]:
    """Pen position (px) before each character and at the end, as Pillow lays the line out: single advances
    plus pair kerning, measured once per character and pair and size."""
    advance, kern = _advances(path, size_px)
    face = font_at(path, size_px)
    x, positions = 0.0, [0.0]
    for i, ch in enumerate(text):
        if ch not in advance:
            advance[ch] = face.getlength(ch)
        x += advance[ch]
        if i + 1 < len(text):
            pair = text[i : i + 2]
            if pair not in kern:
                kern[pair] = (
                    face.getlength(pair) - advance[ch] - (advance.get(pair[1]) or face.getlength(pair[1]))
                )
            x += kern[pair]
        positions.append(x)
    return positions


@lru_cache(maxsize=64)
def _rgb(color: str) -> bytes:
    r, g, b = ImageColor.getrgb(color)[:3]
    return b"%.4f %.4f %.4f" % (r / 255, g / 255, b / 255)


class _Doc:
    def __init__(self) -> None:
        self.objects: list[bytes] = []

    def add(self, body: bytes) -> int:
        self.objects.append(body)
        return len(self.objects)

    def reserve(self) -> int:
        return self.add(b"")

    def image(self, width: int, height: int, colors: int, data: bytes, extra: bytes = b"") -> int:
        space = b"/DeviceRGB" if colors == 3 else b"/DeviceGray"
        return self.add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 "
            b"/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors %d /BitsPerComponent 8 /Columns %d >> "
            b"%s/Length %d >>\nstream\n%s\nendstream"
            % (width, height, space, colors, width, extra, len(data), data)
        )

    def raw_image(self, image: Image.Image, extra: bytes = b"") -> int:
        """An RGB or L image: rows with filter byte 0 (None), deflated, so the same predictor dict applies."""
        colors = 3 if image.mode == "RGB" else 1
        stride = image.width * colors
        pixels = image.tobytes()
        rows = b"".join(b"\x00" + pixels[i : i + stride] for i in range(0, len(pixels), stride))
        return self.image(image.width, image.height, colors, isal_zlib.compress(rows, ISAL_LEVEL), extra)

    def serialise(self, root: int) -> bytes:
        out = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
        offsets, at = [], len(out[0])
        for number, body in enumerate(self.objects, start=1):
            chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
            offsets.append(at)
            out.append(chunk)
            at += len(chunk)
        out.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(self.objects) + 1))
        out.append(b"".join(b"%010d 00000 n \n" % o for o in offsets))
        out.append(
            b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(self.objects) + 1, root, at)
        )
        return b"".join(out)


_backgrounds: dict[Hashable, tuple[int, int, bytes]] = {}


def clear_backgrounds() -> None:
    _backgrounds.clear()


def background_idat(key: Hashable, dpi: int, make: Callable[[], Image.Image]) -> tuple[int, int, bytes]:
    """The static layer as PNG image data (width, height, data), compressed once per template, side and
    dpi (``key``). A handful of entries; cleared when full rather than tracked (templates change rarely)."""
    found = _backgrounds.get(key)
    if found is None:
        if len(_backgrounds) >= 16:
            _backgrounds.clear()
        found = _backgrounds[key] = _png_image_data(encode_png(make(), dpi))
    return found


@dataclass(frozen=True)
class Picture:
    """An image to place: PNG bytes (8-bit RGB, passed through as they are) or a decoded image."""

    box_px: tuple[int, int, int, int]  # left, top, right, bottom of where it goes
    png: bytes | None = None
    image: Image.Image | None = None
    multiply: bool = False  # white paper: darken only (a scanned signature)


def vector_pdf(
    *,
    layout: SideLayout,
    background: tuple[int, int, bytes],
    pictures: list[Picture],
    rectangles: list[tuple[str, tuple[int, int, int, int]]],
    frames: list[tuple[str, tuple[int, int, int, int], int]],
    width_mm: float,
    height_mm: float,
    dpi: int,
) -> bytes | None:
    """The page, or None when a value needs a character outside WinAnsi (the caller draws the raster PDF).
    Coordinates are the raster renderer's pixels at ``dpi``; ``rectangles`` are filled (colour, box), and
    ``frames`` are borders of ``width`` px drawn just outside their box, as the raster renderer draws them."""
    texts = (*layout.labels, *layout.values)
    try:
        encoded = [[line.encode(WINANSI) for line in item.lines] for item in texts]
    except UnicodeEncodeError:
        return None
    page_w, page_h = width_mm * POINTS_PER_MM, height_mm * POINTS_PER_MM
    k = 72 / dpi  # points per pixel

    def rect(box: tuple[float, float, float, float]) -> bytes:
        left, top, right, bottom = box
        return b"%.3f %.3f %.3f %.3f re" % (
            left * k,
            page_h - bottom * k,
            (right - left) * k,
            (bottom - top) * k,
        )

    doc = _Doc()
    catalog, pages, page = doc.reserve(), doc.reserve(), doc.reserve()
    xobjects: list[tuple[bytes, int]] = []
    ops: list[bytes] = []

    width, height, data = background
    xobjects.append((b"/Bg", doc.image(width, height, 3, data)))
    ops.append(b"q %.4f 0 0 %.4f 0 0 cm /Bg Do Q" % (page_w, page_h))

    for n, picture in enumerate(pictures):
        left, top, right, bottom = picture.box_px
        if picture.png is not None:
            w, h, data = _png_image_data(picture.png)
            number = doc.image(w, h, 3, data)
        else:
            assert picture.image is not None
            image = picture.image
            if image.mode == "RGBA":
                mask = doc.raw_image(image.getchannel("A"))
                number = doc.raw_image(image.convert("RGB"), b"/SMask %d 0 R " % mask)
            else:
                number = doc.raw_image(image.convert("RGB"))
        name = b"/P%d" % n
        xobjects.append((name, number))
        blend = b"/Mul gs " if picture.multiply else b""
        ops.append(
            b"q %s%.4f 0 0 %.4f %.4f %.4f cm %s Do Q"
            % (blend, (right - left) * k, (bottom - top) * k, left * k, page_h - bottom * k, name)
        )

    for color, box in rectangles:
        ops.append(b"%s rg %s f" % (_rgb(color), rect(box)))
    for color, box, w in frames:
        left, top, right, bottom = box
        outer = rect((left - w, top - w, right + w, bottom + w))
        ops.append(b"%s rg %s %s f*" % (_rgb(color), outer, rect(box)))

    fonts: dict[Path, bytes] = {}
    font_objects: list[tuple[bytes, int]] = []
    for item, lines in zip(texts, encoded, strict=True):
        if item.font not in fonts:
            embedded = embedded_font(item.font)
            program = doc.add(embedded.program)
            descriptor = doc.add(embedded.descriptor % program)
            number = doc.add(
                b"<< /Type /Font /Subtype %s /BaseFont /%s /FirstChar 32 /LastChar 255 /Widths [%s] "
                b"/FontDescriptor %d 0 R /Encoding /WinAnsiEncoding >>"
                % (embedded.subtype, embedded.base_name, embedded.widths_array, descriptor)
            )
            fonts[item.font] = b"/F%d" % len(fonts)
            font_objects.append((fonts[item.font], number))
        ops.append(_text(item, lines, fonts[item.font], k, page_h))

    content = b"\n".join(ops)
    stream = doc.add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    resources = b"<< /XObject << %s >> /Font << %s >> /ExtGState << /Mul << /BM /Multiply >> >> >>" % (
        b" ".join(b"%s %d 0 R" % x for x in xobjects),
        b" ".join(b"%s %d 0 R" % f for f in font_objects),
    )
    doc.objects[page - 1] = (
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.4f %.4f] /Resources %s /Contents %d 0 R >>"
        % (pages, page_w, page_h, resources, stream)
    )
    doc.objects[pages - 1] = b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page
    doc.objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages
    return doc.serialise(catalog)


def _text(item: Placed, lines: list[bytes], font: bytes, k: float, page_h: float) -> bytes:
    """One placed value or label: each line starts where Pillow's anchor put it."""
    out = [b"BT %s rg %s %.4f Tf" % (_rgb(item.color), font, item.size_px * k)]
    for text, baseline in zip(item.lines, item.baselines_px, strict=True):
        array, width = line_array(item.font, item.size_px, text)
        start = item.x_px - {"left": 0.0, "center": width / 2, "right": width}[item.align]
        out.append(b"1 0 0 1 %.3f %.3f Tm [%s] TJ" % (start * k, page_h - baseline * k, array))
    out.append(b"ET")
    return b" ".join(out)


_ESCAPED = [bytes([c]) if c not in b"\\()" else b"\\" + bytes([c]) for c in range(256)]


@lru_cache(maxsize=4096)
def line_array(path: Path, size_px: float, text: str) -> tuple[bytes, float]:
    """The TJ array of a line and its width in px: each glyph followed by its correction (thousandths of the
    font size) from the font's own width to Pillow's advance plus kerning. Independent of the dpi, and
    cached: labels and most values repeat from card to card."""
    widths = embedded_font(path).widths
    pos = _pillow_positions(path, size_px, text)
    parts = []
    for i, code in enumerate(text.encode(WINANSI)):
        correction = widths[code - 32] - (pos[i + 1] - pos[i]) * 1000 / size_px
        parts.append(
            b"(%s)%.1f" % (_ESCAPED[code], correction)
            if abs(correction) >= 0.05
            else b"(%s)" % _ESCAPED[code]
        )
    return b"".join(parts), pos[-1]
