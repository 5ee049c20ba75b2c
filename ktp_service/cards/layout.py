"""From template + card data to positioned text: formats values (upper case, dd-mm-yyyy, SEUMUR HIDUP),
fits each value in its box (shrink, then wrap, as the field's fit rules allow) and places the rows.
Nothing is drawn here, so the same code answers "does this card fit?" before anything is printed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from ktp_service.cards.data import TEXT_FIELDS, CardData
from ktp_service.cards.errors import CharacterNotSupported, FieldDoesNotFit
from ktp_service.cards.fonts import find_font, font_at, missing_characters
from ktp_service.cards.template import (
    MM_PER_INCH,
    PT_PER_INCH,
    Align,
    BlockField,
    CardTemplate,
    Side,
    TextBlock,
    TextStyle,
)

#: Fitting tries sizes in steps of a quarter point: finer steps are invisible in print.
SIZE_STEP_PT = 0.25


@dataclass(frozen=True)
class Placed:
    """Text to draw: ``lines`` on ``baselines_px``, anchored at ``x_px`` (left, centre or right edge)."""

    lines: tuple[str, ...]
    font: Path
    size_px: float
    color: str
    x_px: float
    baselines_px: tuple[float, ...]
    align: Align


@dataclass(frozen=True)
class FittedField:
    """How a value was fitted; a preview can tell the clerk that a name was shrunk or wrapped."""

    name: str
    value: str
    size_pt: float
    lines: int
    nominal_size_pt: float

    @property
    def shrunk(self) -> bool:
        return self.size_pt < self.nominal_size_pt


@dataclass(frozen=True)
class FitProblem:
    field: str
    value: str
    reason: str
    missing_characters: str = ""

    def error(self) -> FieldDoesNotFit:
        if self.missing_characters:
            return CharacterNotSupported(self.field, self.value, self.missing_characters)
        return FieldDoesNotFit(self.field, self.value, self.reason)


@dataclass(frozen=True)
class SideLayout:
    labels: tuple[Placed, ...]  # labels and ':' only: the same for every card with the same row arrangement
    values: tuple[Placed, ...]
    fits: tuple[FittedField, ...]
    problems: tuple[FitProblem, ...]


def format_date(value: date, pattern: str) -> str:
    """``DD-MM-YYYY`` style patterns, without strftime (no locale, and years < 1000 keep four digits)."""
    return (
        pattern.replace("YYYY", f"{value.year:04d}")
        .replace("MM", f"{value.month:02d}")
        .replace("DD", f"{value.day:02d}")
    )


def value_context(template: CardTemplate, data: CardData) -> dict[str, str]:
    context = dict(template.params)
    for name in TEXT_FIELDS:
        raw = getattr(data, name)
        context[name] = format_date(raw, template.date_format) if isinstance(raw, date) else str(raw or "")
    if data.berlaku_hingga is None:
        context["berlaku_hingga"] = template.lifetime_text
    context["tempat_terbit"] = data.tempat_terbit or template.params.get("tempat_terbit", "")
    return context


def format_value(fmt: str, context: dict[str, str], uppercase: bool) -> str:
    # split/join: newlines, tabs and runs of spaces in stored data print as one space.
    text = " ".join(fmt.format_map(context).split())
    return text.upper() if uppercase else text


def mm_to_px(mm: float, dpi: int) -> float:
    return mm * dpi / MM_PER_INCH


def pt_to_px(pt: float, dpi: int) -> float:
    return pt * dpi / PT_PER_INCH


class _Measure:
    def __init__(self, font: Path, dpi: int) -> None:
        self.font = font
        self.dpi = dpi

    def __call__(self, text: str, size_pt: float) -> float:
        return text_length(self.font, pt_to_px(size_pt, self.dpi), text)


@lru_cache(maxsize=8192)
def text_length(font: Path, size_px: float, text: str) -> float:
    """Cached: most values (religion, status, districts, dates of a day's run) repeat from card to card."""
    return float(font_at(font, size_px).getlength(text))


def _sizes(nominal: float, minimum: float) -> list[float]:
    sizes = []
    k = 0
    while nominal - k * SIZE_STEP_PT >= minimum - 1e-9:
        sizes.append(round(nominal - k * SIZE_STEP_PT, 4))
        k += 1
    if sizes[-1] > minimum + 1e-9:
        sizes.append(minimum)
    return sizes


def _wrap(words: list[str], measure: _Measure, size: float, width: float, max_lines: int) -> list[str] | None:
    """Greedy wrap at spaces; None when a word alone is too wide or more than ``max_lines`` are needed."""
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if measure(trial, size) <= width:
            current = trial
            continue
        if not current or measure(word, size) > width or len(lines) + 1 >= max_lines:
            return None
        lines.append(current)
        current = word
    lines.append(current)
    return lines


def fit_text(
    text: str, measure: _Measure, nominal_pt: float, min_pt: float | None, max_lines: int, width_px: float
) -> tuple[float, list[str]] | None:
    """Largest size (>= min) at which ``text`` fits one line; failing that, the largest size at which it
    wraps onto ``max_lines`` lines. None when neither works."""
    sizes = _sizes(nominal_pt, min_pt if min_pt is not None else nominal_pt)
    full = measure(text, nominal_pt)
    if full <= width_px:
        return nominal_pt, [text]
    # Width grows about linearly with size: jump near the answer, then step down to be exact.
    guess = nominal_pt * width_px / full * 1.02
    for size in (s for s in sizes[1:] if s <= guess):
        if measure(text, size) <= width_px:
            return size, [text]
    if max_lines > 1:
        words = text.split(" ")
        for size in sizes:
            lines = _wrap(words, measure, size, width_px, max_lines)
            if lines is not None:
                return size, lines
    return None


def layout_side(template: CardTemplate, side: Side, data: CardData, dpi: int) -> SideLayout:
    context = value_context(template, data)
    labels: list[Placed] = []
    values: list[Placed] = []
    fits: list[FittedField] = []
    problems: list[FitProblem] = []
    for block in side.blocks:
        _layout_block(template, block, context, dpi, labels, values, fits, problems)
    return SideLayout(tuple(labels), tuple(values), tuple(fits), tuple(problems))


def _layout_block(
    template: CardTemplate,
    block: TextBlock,
    context: dict[str, str],
    dpi: int,
    labels: list[Placed],
    values: list[Placed],
    fits: list[FittedField],
    problems: list[FitProblem],
) -> None:
    spare_rows = block.max_rows() - block.row_count()
    row = 0
    previous_row = 0
    for field in block.fields:
        this_row = previous_row if field.same_row else row
        style = template.style(field.style or block.value_style)
        text = format_value(field.value, context, template.uppercase)
        allowed = 1 if field.fit.max_lines == 1 else min(field.fit.max_lines, 1 + spare_rows)
        lines, size = _fit_field(field, block, style, text, allowed, dpi, problems)
        baseline = block.first_baseline_mm + this_row * block.pitch_mm
        baselines = tuple(mm_to_px(baseline + i * block.pitch_mm, dpi) for i in range(len(lines)))
        if field.label is not None:
            labels.extend(_label(template, block, field, mm_to_px(baseline, dpi), dpi))
        left = field.value_x_mm if field.value_x_mm is not None else block.value_x_mm
        right = field.value_right_mm if field.value_right_mm is not None else block.value_right_mm
        align = field.align or block.align
        anchor_mm = {"left": left, "center": (left + right) / 2, "right": right}[align]
        font = find_font(style.font)
        values.append(
            Placed(
                tuple(lines),
                font,
                pt_to_px(size, dpi),
                style.color,
                mm_to_px(anchor_mm, dpi),
                baselines,
                align,
            )
        )
        fits.append(FittedField(field.name, text, size, len(lines), style.size_pt))
        if not field.same_row:
            previous_row = row
            row += len(lines)
            spare_rows -= len(lines) - 1


def _fit_field(
    field: BlockField,
    block: TextBlock,
    style: TextStyle,
    text: str,
    allowed_lines: int,
    dpi: int,
    problems: list[FitProblem],
) -> tuple[list[str], float]:
    font = find_font(style.font)
    missing = missing_characters(font, text)
    if missing:
        problems.append(FitProblem(field.name, text, "unsupported characters", missing))
        return [text], style.size_pt
    left = field.value_x_mm if field.value_x_mm is not None else block.value_x_mm
    right = field.value_right_mm if field.value_right_mm is not None else block.value_right_mm
    width_mm = right - left
    fitted = fit_text(
        text,
        _Measure(font, dpi),
        style.size_pt,
        field.fit.min_size_pt,
        allowed_lines,
        mm_to_px(width_mm, dpi),
    )
    if fitted is None:
        smallest = field.fit.min_size_pt or style.size_pt
        reason = f"needs more than {width_mm:.1f} mm at {smallest:g} pt"
        if allowed_lines > 1:
            reason += f" on {allowed_lines} lines"
        if field.fit.max_lines > allowed_lines:
            reason += " (other fields took the spare lines)"
        problems.append(FitProblem(field.name, text, reason))
        return [text], style.size_pt
    size, lines = fitted
    return lines, size


def _label(
    template: CardTemplate, block: TextBlock, field: BlockField, baseline_px: float, dpi: int
) -> list[Placed]:
    style = template.style(field.label_style or block.label_style or "")
    font = find_font(style.font)
    size_px = pt_to_px(style.size_pt, dpi)
    label_x = (
        field.label_x_mm if field.label_x_mm is not None else (block.label_x_mm or 0)
    ) + field.indent_mm
    placed = [
        Placed(
            (field.label or "",), font, size_px, style.color, mm_to_px(label_x, dpi), (baseline_px,), "left"
        )
    ]
    colon_x = field.colon_x_mm if field.colon_x_mm is not None else block.colon_x_mm
    if block.colon and colon_x is not None:
        placed.append(
            Placed((block.colon,), font, size_px, style.color, mm_to_px(colon_x, dpi), (baseline_px,), "left")
        )
    return placed
