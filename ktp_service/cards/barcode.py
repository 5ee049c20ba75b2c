"""Code 128 of the NIK. python-barcode computes the symbol (start code, code set C for digit pairs,
checksum, stop); the bars are drawn here as whole-pixel rectangles, so every module is exactly ``n`` pixels
wide at the target dpi: crisp edges, no resampling blur, and the same physical width at 300 and 600 dpi
when the box allows."""

from __future__ import annotations

from dataclasses import dataclass

from barcode.codex import Code128
from PIL import ImageDraw


def code128_modules(value: str) -> str:
    """The symbol as a string of modules, '1' for bar and '0' for space (quiet zones not included)."""
    modules: str = Code128(value).build()[0]
    return modules


@dataclass(frozen=True)
class BarcodeGeometry:
    module_px: int
    left_px: int  # where the quiet zone starts
    width_px: int  # quiet zone + symbol + quiet zone


def geometry(modules: str, box_left: int, box_width: int, quiet_zone: int) -> BarcodeGeometry | None:
    """Widest whole-pixel module that fits the box with its quiet zones, centred; None if not even one."""
    total = len(modules) + 2 * quiet_zone
    module_px = box_width // total
    if module_px < 1:
        return None
    width = total * module_px
    return BarcodeGeometry(module_px, box_left + (box_width - width) // 2, width)


def bar_boxes(
    modules: str, geo: BarcodeGeometry, top: int, bottom: int, quiet_zone: int
) -> list[tuple[int, int, int, int]]:
    """Each bar (a run of '1' modules) as a (left, top, right, bottom) pixel box, right and bottom exclusive."""
    boxes = []
    x = geo.left_px + quiet_zone * geo.module_px
    run = 0
    for i, module in enumerate(modules + "0"):
        if module == "1":
            run += 1
            continue
        if run:
            start = x + (i - run) * geo.module_px
            boxes.append((start, top, start + run * geo.module_px, bottom))
            run = 0
    return boxes


def draw_barcode(
    draw: ImageDraw.ImageDraw,
    modules: str,
    geo: BarcodeGeometry,
    top: int,
    bottom: int,
    quiet_zone: int,
    color: str,
    plate: str | None,
) -> None:
    if plate is not None:
        draw.rectangle((geo.left_px, top, geo.left_px + geo.width_px - 1, bottom - 1), fill=plate)
    for left, upper, right, lower in bar_boxes(modules, geo, top, bottom, quiet_zone):
        draw.rectangle((left, upper, right - 1, lower - 1), fill=color)
