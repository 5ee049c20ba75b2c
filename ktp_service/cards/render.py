"""The renderer: template + card data in, document bytes out. Pure: no database, network or settings; the
only reads are font files. What does not change between cards is drawn once and kept: the background with
its artwork and header per template/side/dpi (copied per card), the labels as small stamps, the specimen
mark as a mask."""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypedDict, Unpack

from PIL import Image, ImageChops, ImageColor, ImageDraw

from ktp_service.cards.artwork import ANCHORS, canvas_size, draw_static, specimen_mask
from ktp_service.cards.barcode import BarcodeGeometry, bar_boxes, code128_modules, draw_barcode, geometry
from ktp_service.cards.data import CardData
from ktp_service.cards.fonts import font_at, missing_characters
from ktp_service.cards.images import (
    fitted_photo,
    fitted_png,
    fitted_signature,
    is_fitted_photo_png,
    prepare_photo,
    prepare_signature,
)
from ktp_service.cards.layout import (
    FitProblem,
    FittedField,
    Placed,
    SideLayout,
    format_value,
    layout_side,
    mm_to_px,
    text_length,
    value_context,
)
from ktp_service.cards.output import encode_png, pdf_from_pngs
from ktp_service.cards.template import BarcodeBox, CardTemplate, ImageBox
from ktp_service.cards.vector import Picture, background_idat, clear_backgrounds, line_array, vector_pdf

Format = Literal["png", "pdf"]
SideName = Literal["front", "back"]
MEDIA_TYPES: dict[str, str] = {"png": "image/png", "pdf": "application/pdf"}
MAX_DPI = 1200
DEFAULT_DPI = 300
DEFAULT_MAX_IMAGE_PIXELS = 24_000_000


class _LayerCache:
    """A small thread-safe LRU of rendered layers, bounded by pixel bytes rather than count (one 600 dpi
    layer is four times a 300 dpi one). Layers are never mutated: callers copy before drawing."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, Image.Image] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Image.Image]) -> Image.Image:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        layer = make()  # outside the lock: drawing takes a while; a rare double draw is harmless
        with self._lock:
            self._items[key] = layer
            self._items.move_to_end(key)
            while len(self._items) > 1 and sum(_nbytes(i) for i in self._items.values()) > self.max_bytes:
                self._items.popitem(last=False)
        return layer

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _nbytes(image: Image.Image) -> int:
    return image.width * image.height * len(image.getbands())


#: Background + artwork + header per template/side/dpi, and specimen masks: 40 MB holds several templates
#: at 300 and 600 dpi (a 600 dpi ID-1 layer is 7.7 MB).
_layers = _LayerCache(max_bytes=40 * 1024 * 1024)


def _make_stamp(
    font: Path, size_px: float, text: str, frac_x: float, frac_y: float, anchor: str
) -> tuple[Image.Image, int, int]:
    """Text rasterised once as a coverage mask, with its offset from the anchor point. Labels repeat on
    every card but move down when a value above wraps, so they are kept as small stamps rather than in the
    background layer. ``frac_x``/``frac_y`` are the sub-pixel position, so a stamp pasted at the whole-pixel
    part gives exactly the pixels ``ImageDraw.text`` would draw."""
    face = font_at(font, size_px)
    left, top, right, bottom = face.getbbox(text, anchor=anchor)
    mask = Image.new("L", (math.ceil(right - left) + 3, math.ceil(bottom - top) + 3), 0)
    ImageDraw.Draw(mask).text((frac_x - left + 1, frac_y - top + 1), text, font=face, fill=255, anchor=anchor)
    return mask, math.floor(left) - 1, math.floor(top) - 1


Stamper = Callable[[Path, float, str, float, float, str], tuple[Image.Image, int, int]]
# Labels: a few dozen per template and dpi. Values: bounded, since names and addresses rarely repeat
# (stamps of a few kB to a few tens of kB at 600 dpi); 128 keep the values that do repeat (sex, religion,
# blood group, places) and hold a few MB less in a long-running worker than 512 did (issue 13).
_label_stamp: Stamper = lru_cache(maxsize=1024)(_make_stamp)
_value_stamp: Stamper = lru_cache(maxsize=128)(_make_stamp)


def clear_caches() -> None:
    """Forget every cached layer, stamp and per-value measure (tests of cold renders, and benchmarks, so
    that one pass is never served from an earlier pass over the same residents)."""
    _layers.clear()
    clear_backgrounds()
    for value_cache in (text_length, missing_characters, line_array):
        value_cache.cache_clear()
    for cached in (_label_stamp, _value_stamp):
        cached.cache_clear()  # type: ignore[attr-defined]


#: Seconds spent per stage, summed over renders, while a benchmark sets it to a dict (None otherwise, and
#: then timing costs two clock reads per stage). benchmarks/render_vs_glabels.py prints it per card.
stage_times: dict[str, float] | None = None


def _lap(stage: str, since: float) -> float:
    now = time.perf_counter()
    if stage_times is not None:
        stage_times[stage] = stage_times.get(stage, 0.0) + now - since
    return now


def image_boxes(template: CardTemplate, dpi: int, side: SideName = "front") -> dict[str, tuple[int, int]]:
    """Pixel size of the photo and signature boxes at ``dpi``: the sizes stored derivatives are made for."""
    spec = template.side(side)
    boxes = {}
    for field, box in (("foto", spec.photo), ("tanda_tangan", spec.signature)):
        if box is not None:
            left, top, right, bottom = _box_px(box, dpi)
            boxes[field] = (right - left, bottom - top)
    return boxes


class SideOptions(TypedDict, total=False):
    """The keywords of ``render_image``, which ``render_card`` passes on (defaults: ``render_image``'s)."""

    dpi: int
    side: SideName
    specimen: bool
    max_image_pixels: int


@dataclass(frozen=True)
class RenderedCard:
    content: bytes
    media_type: str
    template_id: str
    template_version: int
    template_hash: str  # sha256 of the template file
    document_hash: str  # sha256 of ``content``
    width_px: int
    height_px: int
    dpi: int
    side: str
    specimen: bool
    fits: tuple[FittedField, ...]


def _check_dpi(template: CardTemplate, dpi: int) -> None:
    base = template.page.base_dpi
    if not 0 < dpi <= MAX_DPI or dpi % base:
        raise ValueError(f"dpi must be a multiple of {base} up to {MAX_DPI}, not {dpi}")


def check_fit(template: CardTemplate, data: CardData, *, dpi: int = DEFAULT_DPI) -> list[FitProblem]:
    """Every value (on every side) that cannot be printed as the template allows; empty when the card fits.
    Images are not looked at: a missing photo is reported by render_card."""
    _check_dpi(template, dpi)
    problems: list[FitProblem] = []
    for _, side in template.sides():
        problems += layout_side(template, side, data, dpi).problems
        if side.barcode is not None:
            plan = _barcode_plan(template, side.barcode, data, dpi)
            if isinstance(plan, FitProblem):
                problems.append(plan)
    return problems


def render_image(
    template: CardTemplate,
    data: CardData,
    *,
    dpi: int = DEFAULT_DPI,
    side: SideName = "front",
    specimen: bool = False,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
) -> tuple[Image.Image, SideLayout]:
    """The card side as an RGB image, plus its layout. Raises FieldDoesNotFit (the first problem),
    ImageMissing or ImageInvalid."""
    _check_dpi(template, dpi)
    spec = template.side(side)
    t = time.perf_counter()
    layout = layout_side(template, spec, data, dpi)
    if layout.problems:
        raise layout.problems[0].error()
    t = _lap("layout", t)
    image = _layers.get((template.content_hash, side, dpi), lambda: draw_static(template, spec, dpi)).copy()
    _stamp_texts(image, layout.labels, _label_stamp)
    t = _lap("background + labels", t)
    # Values are stamped too: most repeat from card to card (sex, religion, status, occupation, districts,
    # the issue date of a day's run), so a stamp is drawn once and pasted; a one-off name costs about what
    # drawing it directly would.
    _stamp_texts(image, layout.values, _value_stamp)
    t = _lap("values", t)
    draw = ImageDraw.Draw(image)
    if spec.photo is not None:
        box = _box_px(spec.photo, dpi)
        size = (box[2] - box[0], box[3] - box[1])
        photo = fitted_photo(data.foto_fitted, size) or prepare_photo(data.foto, size, max_image_pixels)
        image.paste(photo, box[:2])
        _border(draw, spec.photo, box, dpi)
    t = _lap("photo", t)
    if spec.signature is not None:
        _paste_signature(image, spec.signature, data, dpi, max_image_pixels)
    t = _lap("signature", t)
    if spec.barcode is not None:
        _draw_code128(draw, template, spec.barcode, data, dpi)
    t = _lap("barcode", t)
    if specimen:
        mask = _layers.get((template.content_hash, dpi, "specimen"), lambda: specimen_mask(template, dpi))
        image.paste(ImageColor.getrgb(template.specimen.color), None, mask)
        _lap("specimen", t)
    return image, layout


def render_card(
    template: CardTemplate,
    data: CardData,
    *,
    fmt: Format = "png",
    raster_pdf: bool = False,
    **options: Unpack[SideOptions],
) -> RenderedCard:
    """Render one side of a card as PNG or PDF (page exactly the card's size). The other keywords are
    ``render_image``'s: ``specimen`` overlays the template's diagonal mark (``CONTOH``) so a preview can
    never pass as a card. A PDF is vector (text as text, :mod:`ktp_service.cards.vector`) unless it is a
    specimen, a value needs a character outside WinAnsi, or ``raster_pdf``: then it holds the PNG."""
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"format must be png or pdf, not {fmt!r}")
    dpi = options.get("dpi", DEFAULT_DPI)
    side = options.get("side", "front")
    content: bytes | None = None
    if fmt == "pdf" and not raster_pdf and not options.get("specimen", False):
        content, layout = _vector_card(template, data, dpi, side, options.get("max_image_pixels"))
        size = canvas_size(template, dpi)
    if content is None:
        image, layout = render_image(template, data, **options)
        size = image.size
        t = time.perf_counter()
        content = encode_png(image, dpi)
        t = _lap("encode PNG", t)
        if fmt == "pdf":
            content = pdf_from_pngs([content], template.page.width_mm, template.page.height_mm)
            _lap("wrap PDF", t)
    return RenderedCard(
        content=content,
        media_type=MEDIA_TYPES[fmt],
        template_id=template.id,
        template_version=template.version,
        template_hash=template.content_hash,
        document_hash=hashlib.sha256(content).hexdigest(),
        width_px=size[0],
        height_px=size[1],
        dpi=dpi,
        side=side,
        specimen=options.get("specimen", False),
        fits=layout.fits,
    )


def _vector_card(
    template: CardTemplate, data: CardData, dpi: int, side: SideName, max_pixels: int | None
) -> tuple[bytes | None, SideLayout]:
    """The vector PDF from the same layout, boxes and bars as the raster card; None when it cannot be one."""
    max_pixels = max_pixels or DEFAULT_MAX_IMAGE_PIXELS
    _check_dpi(template, dpi)
    spec = template.side(side)
    t = time.perf_counter()
    layout = layout_side(template, spec, data, dpi)
    if layout.problems:
        raise layout.problems[0].error()
    t = _lap("layout", t)
    background = background_idat(
        (template.content_hash, side, dpi),
        dpi,
        lambda: _layers.get((template.content_hash, side, dpi), lambda: draw_static(template, spec, dpi)),
    )
    pictures: list[Picture] = []
    rectangles: list[tuple[str, tuple[int, int, int, int]]] = []
    frames: list[tuple[str, tuple[int, int, int, int], int]] = []
    if spec.photo is not None:
        box = _box_px(spec.photo, dpi)
        size = (box[2] - box[0], box[3] - box[1])
        # The derivative's data goes in as is, not even decoded; without one, the photo is prepared and
        # encoded exactly as the derivative would have been, so the document is the same byte for byte.
        if is_fitted_photo_png(data.foto_fitted, size):
            photo_png = data.foto_fitted
        else:
            photo_png = fitted_png(prepare_photo(data.foto, size, max_pixels))
        pictures.append(Picture(box, png=photo_png))
        if spec.photo.border is not None:
            frames.append((spec.photo.border, box, max(1, round(mm_to_px(spec.photo.border_mm, dpi)))))
    t = _lap("photo", t)
    if spec.signature is not None:
        box = _box_px(spec.signature, dpi)
        size = (box[2] - box[0], box[3] - box[1])
        signature = fitted_signature(data.tanda_tangan_fitted, size) or prepare_signature(
            data.tanda_tangan, size, max_pixels
        )
        x = box[0] + (size[0] - signature.width) // 2
        y = box[1] + (size[1] - signature.height) // 2
        where = (x, y, x + signature.width, y + signature.height)
        pictures.append(Picture(where, image=signature, multiply=signature.mode != "RGBA"))
        if spec.signature.border is not None:
            frames.append(
                (spec.signature.border, box, max(1, round(mm_to_px(spec.signature.border_mm, dpi))))
            )
    t = _lap("signature", t)
    if spec.barcode is not None:
        plan = _barcode_plan(template, spec.barcode, data, dpi)
        if isinstance(plan, FitProblem):
            raise plan.error()
        modules, geo = plan
        box = _box_px(spec.barcode, dpi)
        if spec.barcode.plate is not None:
            rectangles.append((spec.barcode.plate, (geo.left_px, box[1], geo.left_px + geo.width_px, box[3])))
        bars = bar_boxes(modules, geo, box[1], box[3], spec.barcode.quiet_zone_modules)
        rectangles += [(spec.barcode.color, bar) for bar in bars]
    t = _lap("barcode", t)
    content = vector_pdf(
        layout=layout,
        background=background,
        pictures=pictures,
        rectangles=rectangles,
        frames=frames,
        width_mm=template.page.width_mm,
        height_mm=template.page.height_mm,
        dpi=dpi,
    )
    _lap("write vector PDF", t)
    return content, layout


def _stamp_texts(image: Image.Image, placed: tuple[Placed, ...], stamp: Stamper) -> None:
    for item in placed:
        color = ImageColor.getrgb(item.color)
        for line, baseline in zip(item.lines, item.baselines_px, strict=True):
            x, y = math.floor(item.x_px), math.floor(baseline)
            # Sub-pixel offsets rounded to 1/100 px: invisible, and it keeps the number of stamps small.
            mask, dx, dy = stamp(
                item.font,
                item.size_px,
                line,
                round(item.x_px - x, 2),
                round(baseline - y, 2),
                ANCHORS[item.align],
            )
            image.paste(color, (x + dx, y + dy, x + dx + mask.width, y + dy + mask.height), mask)


def _box_px(box: ImageBox | BarcodeBox, dpi: int) -> tuple[int, int, int, int]:
    return (
        round(mm_to_px(box.x_mm, dpi)),
        round(mm_to_px(box.y_mm, dpi)),
        round(mm_to_px(box.x_mm + box.width_mm, dpi)),
        round(mm_to_px(box.y_mm + box.height_mm, dpi)),
    )


def _border(draw: ImageDraw.ImageDraw, spec: ImageBox, box: tuple[int, int, int, int], dpi: int) -> None:
    if spec.border is None:
        return
    width = max(1, round(mm_to_px(spec.border_mm, dpi)))
    # Drawn just outside the box so it never covers the photo.
    draw.rectangle(
        (box[0] - width, box[1] - width, box[2] + width - 1, box[3] + width - 1),
        outline=spec.border,
        width=width,
    )


def _paste_signature(image: Image.Image, spec: ImageBox, data: CardData, dpi: int, max_pixels: int) -> None:
    box = _box_px(spec, dpi)
    size = (box[2] - box[0], box[3] - box[1])
    signature = fitted_signature(data.tanda_tangan_fitted, size) or prepare_signature(
        data.tanda_tangan, size, max_pixels
    )
    x = box[0] + (box[2] - box[0] - signature.width) // 2
    y = box[1] + (box[3] - box[1] - signature.height) // 2
    if signature.mode == "RGBA":
        image.paste(signature.convert("RGB"), (x, y), signature.getchannel("A"))
    else:
        # Multiply: white paper leaves the card as it is, ink darkens it (a scanned signature on paper).
        area = (x, y, x + signature.width, y + signature.height)
        image.paste(ImageChops.multiply(image.crop(area), signature), area[:2])
    _border(ImageDraw.Draw(image), spec, box, dpi)


def _barcode_plan(
    template: CardTemplate, spec: BarcodeBox, data: CardData, dpi: int
) -> tuple[str, BarcodeGeometry] | FitProblem:
    """The bars and where they go, or why they cannot be drawn."""
    value = format_value(spec.value, value_context(template, data), uppercase=False)
    try:
        modules = code128_modules(value)
    except Exception as exc:  # python-barcode has its own errors for characters Code 128 cannot carry
        return FitProblem("barcode", value, f"cannot be encoded as Code 128 ({exc})")
    box = _box_px(spec, dpi)
    geo = geometry(modules, box[0], box[2] - box[0], spec.quiet_zone_modules)
    if geo is None:
        return FitProblem(
            "barcode", value, f"the {spec.width_mm} mm box is too narrow for its bars and quiet zones"
        )
    return modules, geo


def _draw_code128(
    draw: ImageDraw.ImageDraw, template: CardTemplate, spec: BarcodeBox, data: CardData, dpi: int
) -> None:
    plan = _barcode_plan(template, spec, data, dpi)
    if isinstance(plan, FitProblem):
        raise plan.error()
    modules, geo = plan
    box = _box_px(spec, dpi)
    draw_barcode(draw, modules, geo, box[1], box[3], spec.quiet_zone_modules, spec.color, spec.plate)
