"""Static layers: the background colour, the template's artwork (the project's own guilloche waves and
rosettes, rectangles, lines, header text) and the diagonal specimen mark. These do not change from card
to card, so the renderer draws them once per template, side and dpi and keeps them."""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

from ktp_service.cards.fonts import find_font, font_at
from ktp_service.cards.layout import format_value, mm_to_px, pt_to_px
from ktp_service.cards.template import ArtLine, ArtRect, ArtRosette, ArtText, ArtWaves, CardTemplate, Side

#: Shapes are drawn at this many dpi (or more) and scaled down: smooth lines without per-card cost.
SUPERSAMPLE_DPI = 1200
ANCHORS = {"left": "ls", "center": "ms", "right": "rs"}


def canvas_size(template: CardTemplate, dpi: int) -> tuple[int, int]:
    """Whole pixels at the base dpi, times the dpi multiple: 85.60 x 53.98 mm is 1011 x 638 at 300 dpi and
    2022 x 1276 at 600 dpi."""
    base = template.page.base_dpi
    if dpi % base:
        raise ValueError(f"dpi must be a whole multiple of the template's base dpi {base}, not {dpi}")
    factor = dpi // base
    width = round(mm_to_px(template.page.width_mm, base)) * factor
    height = round(mm_to_px(template.page.height_mm, base)) * factor
    return width, height


def draw_static(template: CardTemplate, side: Side, dpi: int) -> Image.Image:
    size = canvas_size(template, dpi)
    ss = max(1, math.ceil(SUPERSAMPLE_DPI / dpi))
    big = Image.new("RGB", (size[0] * ss, size[1] * ss), side.background)
    draw = ImageDraw.Draw(big)
    scale = dpi * ss
    for art in side.artwork:
        if isinstance(art, ArtWaves):
            _waves(draw, art, scale)
        elif isinstance(art, ArtRosette):
            _rosette(draw, art, scale)
        elif isinstance(art, ArtRect):
            _rect(draw, art, scale)
        elif isinstance(art, ArtLine):
            points = [(mm_to_px(x, scale), mm_to_px(y, scale)) for x, y in art.points_mm]
            draw.line(points, fill=art.color, width=_line_px(art.line_mm, scale), joint="curve")
    image = big.reduce(ss) if ss > 1 else big
    draw = ImageDraw.Draw(image)
    for art in side.artwork:
        if isinstance(art, ArtText):
            style = template.style(art.style)
            font = font_at(find_font(style.font), pt_to_px(style.size_pt, dpi))
            text = format_value(art.text, template.params, template.uppercase)
            xy = (mm_to_px(art.x_mm, dpi), mm_to_px(art.baseline_mm, dpi))
            draw.text(xy, text, font=font, fill=style.color, anchor=ANCHORS[art.align])
    return image


def _line_px(line_mm: float, scale: int) -> int:
    return max(1, round(mm_to_px(line_mm, scale)))


def _waves(draw: ImageDraw.ImageDraw, art: ArtWaves, scale: int) -> None:
    step_mm = 0.2
    steps = max(2, math.ceil(art.width_mm / step_mm))
    xs = [art.x_mm + art.width_mm * i / steps for i in range(steps + 1)]
    for k in range(art.count):
        centre = art.y_mm + (k + 0.5) * art.height_mm / art.count
        phase = k * art.phase_step
        points = [
            (
                mm_to_px(x, scale),
                mm_to_px(
                    centre
                    + art.amplitude_mm * math.sin(2 * math.pi * (x - art.x_mm) / art.wavelength_mm + phase),
                    scale,
                ),
            )
            for x in xs
        ]
        draw.line(points, fill=art.color, width=_line_px(art.line_mm, scale), joint="curve")


def _rosette(draw: ImageDraw.ImageDraw, art: ArtRosette, scale: int) -> None:
    # x = a cos t + b cos(k t), y = a sin t - b sin(k t) with k = petals - 1 closes after one turn and
    # makes ``petals`` loops around the centre.
    k = art.petals - 1
    samples = 40 * art.petals
    for ring in range(art.rings):
        radius = art.radius_mm * (1 - 0.06 * ring)
        a = radius * (1 - art.depth)
        b = radius * art.depth
        turn = ring * math.pi / (art.petals * art.rings)
        points = []
        for i in range(samples + 1):
            t = 2 * math.pi * i / samples
            x = a * math.cos(t) + b * math.cos(k * t)
            y = a * math.sin(t) - b * math.sin(k * t)
            xr = x * math.cos(turn) - y * math.sin(turn)
            yr = x * math.sin(turn) + y * math.cos(turn)
            points.append((mm_to_px(art.cx_mm + xr, scale), mm_to_px(art.cy_mm + yr, scale)))
        draw.line(points, fill=art.color, width=_line_px(art.line_mm, scale), joint="curve")


def _rect(draw: ImageDraw.ImageDraw, art: ArtRect, scale: int) -> None:
    box = (
        mm_to_px(art.x_mm, scale),
        mm_to_px(art.y_mm, scale),
        mm_to_px(art.x_mm + art.width_mm, scale),
        mm_to_px(art.y_mm + art.height_mm, scale),
    )
    draw.rounded_rectangle(
        box,
        radius=mm_to_px(art.radius_mm, scale),
        fill=art.fill,
        outline=art.outline,
        width=_line_px(art.line_mm, scale) if art.outline else 0,
    )


def specimen_mask(template: CardTemplate, dpi: int) -> Image.Image:
    """An 'L' mask with the specimen word across the card's diagonal, already scaled by its opacity."""
    width, height = canvas_size(template, dpi)
    spec = template.specimen
    diagonal = math.hypot(width, height)
    font_file = find_font(spec.font)
    probe = font_at(font_file, 100)
    # The word spans about 70 % of the diagonal, whatever its length.
    size = 100 * 0.7 * diagonal / max(1.0, float(probe.getlength(spec.text)))
    font = font_at(font_file, size)
    left, top, right, bottom = font.getbbox(spec.text)
    word = Image.new("L", (int(right - left) + 4, int(bottom - top) + 4), 0)
    ImageDraw.Draw(word).text((2 - left, 2 - top), spec.text, font=font, fill=round(255 * spec.opacity))
    angle = math.degrees(math.atan2(height, width))
    word = word.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    mask = Image.new("L", (width, height), 0)
    mask.paste(word, ((width - word.width) // 2, (height - word.height) // 2))
    return mask
