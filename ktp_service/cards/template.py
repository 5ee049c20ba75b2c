"""Card templates are data: a YAML (or JSON) file per layout in the templates directory, validated by the
pydantic models below. Positions and sizes are in millimetres so one template serves every dpi; type sizes
are in points. Adding a regency or changing a layout means a new file with a new id or version, not code.

A side is drawn in this order: background colour, artwork shapes (waves, rosettes, rectangles, lines),
artwork text (e.g. the province/regency header, from ``params``), then per card: labels and ``:``, values,
photo, signature and barcode.

Text blocks lay out ``label : value`` rows: row ``i`` sits on baseline ``first_baseline_mm + i*pitch_mm``.
A field whose fit rules allow ``max_lines > 1`` may take the block's spare rows (those between the last
row and ``bottom_mm``); the rows after it move down. ``same_row`` puts a field on the previous field's row
(``Gol. Darah`` next to ``Jenis Kelamin``).

Reading template files and checking their fixed text against the fonts is in
``ktp_service.cards.template_files``.
"""

from __future__ import annotations

import hashlib
import json
import math
import string
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from ktp_service.cards.data import TEXT_FIELDS
from ktp_service.cards.fonts import FONT_NAME_PATTERN

#: Ids are file stems; the pattern leaves no room for ``/``, ``..`` or a leading dot.
TEMPLATE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
MM_PER_INCH = 25.4
PT_PER_INCH = 72.0

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
Mm = Annotated[float, Field(ge=0, le=500)]
Length = Annotated[float, Field(gt=0, le=500)]  # a width or height: never zero
Align = Literal["left", "center", "right"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Box(_Model):
    """A rectangle on the card: top-left corner and size."""

    x_mm: Mm
    y_mm: Mm
    width_mm: Length
    height_mm: Length


class Page(_Model):
    width_mm: Length
    height_mm: Length
    base_dpi: int = Field(
        default=300,
        ge=100,
        le=1200,
        description="The pixel grid is whole pixels at this dpi; other dpis are whole multiples of it, so "
        "a 600 dpi card is exactly twice the 300 dpi one (1011x638 -> 2022x1276 for ID-1).",
    )


class TextStyle(_Model):
    font: Annotated[str, Field(pattern=FONT_NAME_PATTERN)]
    size_pt: float = Field(gt=0, le=96)
    color: Color = "#000000"


class Fit(_Model):
    """How a value may give way when it is too wide: shrink down to ``min_size_pt`` on one line, then wrap
    onto up to ``max_lines`` lines (at the largest size from the nominal one down to ``min_size_pt``)."""

    min_size_pt: float | None = Field(default=None, gt=0)
    max_lines: int = Field(default=1, ge=1, le=4)


class BlockField(_Model):
    name: Identifier
    value: str = Field(min_length=1, max_length=200, description="Format with {field} names, e.g. {rt}/{rw}")
    label: str | None = Field(default=None, max_length=60)
    same_row: bool = False
    indent_mm: float = Field(default=0, ge=0, le=100)
    label_x_mm: Mm | None = None
    colon_x_mm: Mm | None = None
    value_x_mm: Mm | None = None
    value_right_mm: Mm | None = None
    align: Align | None = None
    style: Identifier | None = None
    label_style: Identifier | None = None
    fit: Fit = Fit()


class TextBlock(_Model):
    first_baseline_mm: Mm
    pitch_mm: float = Field(gt=0, le=100)
    bottom_mm: Mm | None = Field(default=None, description="Lowest baseline wrapped rows may reach.")
    label_x_mm: Mm | None = None
    colon_x_mm: Mm | None = None
    colon: str = Field(default=":", max_length=3)
    value_x_mm: Mm
    value_right_mm: Mm
    align: Align = "left"
    label_style: Identifier | None = None
    value_style: Identifier
    fields: list[BlockField] = Field(min_length=1)

    def row_count(self) -> int:
        return sum(1 for f in self.fields if not f.same_row)

    def max_rows(self) -> int:
        if self.bottom_mm is None:
            return self.row_count()
        return int(math.floor((self.bottom_mm - self.first_baseline_mm) / self.pitch_mm + 1e-6)) + 1

    @model_validator(mode="after")
    def _rows(self) -> TextBlock:
        if self.value_right_mm <= self.value_x_mm:
            raise ValueError("value_right_mm must be right of value_x_mm")
        if self.fields[0].same_row:
            raise ValueError(f"field {self.fields[0].name!r}: the first field of a block cannot be same_row")
        for prev, field in zip(self.fields, self.fields[1:], strict=False):
            if field.same_row and (field.fit.max_lines > 1 or prev.fit.max_lines > 1):
                raise ValueError(
                    f"field {field.name!r}: same_row fields and the field before them must be one line"
                )
        if self.max_rows() < self.row_count():
            raise ValueError(
                f"bottom_mm {self.bottom_mm} leaves no room for the block's {self.row_count()} rows"
            )
        for field in self.fields:
            if field.label is not None and field.label_x_mm is None and self.label_x_mm is None:
                raise ValueError(f"field {field.name!r} has a label but no label_x_mm (field or block)")
        return self


class ArtText(_Model):
    kind: Literal["text"]
    text: str = Field(min_length=1, max_length=120, description="May use {param} names only.")
    style: Identifier
    x_mm: Mm
    baseline_mm: Mm
    align: Align = "left"


class ArtRect(_Box):
    kind: Literal["rect"]
    radius_mm: Mm = 0
    fill: Color | None = None
    outline: Color | None = None
    line_mm: float = Field(default=0.2, gt=0, le=10)


class ArtLine(_Model):
    kind: Literal["line"]
    points_mm: list[tuple[Mm, Mm]] = Field(min_length=2, max_length=200)
    color: Color
    line_mm: float = Field(default=0.2, gt=0, le=10)


class ArtWaves(_Box):
    """A band of parallel sine waves, each shifted in phase: the guilloche look of security paper."""

    kind: Literal["waves"]
    x_mm: Mm = 0  # a band is usually as wide as the card: from its corner unless told otherwise
    y_mm: Mm = 0
    count: int = Field(ge=1, le=400)
    amplitude_mm: float = Field(ge=0, le=100)
    wavelength_mm: float = Field(gt=0, le=500)
    phase_step: float = Field(default=0.3, description="Phase shift (radians) from one wave to the next.")
    color: Color
    line_mm: float = Field(default=0.1, gt=0, le=5)


class ArtRosette(_Model):
    """A closed hypotrochoid (spirograph curve): rings of loops around a centre."""

    kind: Literal["rosette"]
    cx_mm: Mm
    cy_mm: Mm
    radius_mm: float = Field(gt=0, le=200)
    petals: int = Field(ge=2, le=200)
    depth: float = Field(default=0.35, gt=0, lt=1, description="Loop depth as a share of the radius.")
    rings: int = Field(default=1, ge=1, le=40, description="Copies, each rotated and a bit smaller.")
    color: Color
    line_mm: float = Field(default=0.1, gt=0, le=5)


Artwork = Annotated[ArtText | ArtRect | ArtLine | ArtWaves | ArtRosette, Field(discriminator="kind")]


class ImageBox(_Box):
    border: Color | None = None
    border_mm: float = Field(default=0.15, gt=0, le=5)


class BarcodeBox(_Box):
    """Code 128 drawn with whole-pixel modules, as wide as the box allows, centred, with quiet zones."""

    value: str = "{nik}"
    quiet_zone_modules: int = Field(default=10, ge=10, le=40, description="ISO/IEC 15417 asks for 10.")
    color: Color = "#000000"
    plate: Color | None = Field(default="#FFFFFF", description="Light plate under bars and quiet zones.")


class Side(_Model):
    background: Color = "#FFFFFF"
    artwork: list[Artwork] = Field(default_factory=list, max_length=200)
    blocks: list[TextBlock] = Field(default_factory=list, max_length=20)
    photo: ImageBox | None = None
    signature: ImageBox | None = None
    barcode: BarcodeBox | None = None


class Specimen(_Model):
    text: str = Field(default="CONTOH", min_length=1, max_length=20)
    font: Annotated[str, Field(pattern=FONT_NAME_PATTERN)] = "DejaVuSans-Bold"
    color: Color = "#C81E1E"
    opacity: float = Field(default=0.45, gt=0, le=1)


class CardTemplate(_Model):
    """One card layout. ``content_hash`` is the sha256 of the file it was loaded from (or of its JSON form
    when built in code); every rendered card records id, version and that hash."""

    id: Annotated[str, Field(pattern=TEMPLATE_ID_PATTERN)]
    version: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    page: Page
    params: dict[Identifier, str] = Field(default_factory=dict)
    styles: dict[Identifier, TextStyle]
    uppercase: bool = True
    date_format: str = Field(default="DD-MM-YYYY", pattern=r"^(DD|MM|YYYY|[-./ ])+$")
    lifetime_text: str = Field(default="SEUMUR HIDUP", min_length=1, max_length=40)
    specimen: Specimen = Specimen()
    front: Side
    back: Side | None = None

    _content_hash: str | None = PrivateAttr(default=None)

    @property
    def content_hash(self) -> str:
        if self._content_hash is None:
            canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
            self._content_hash = hashlib.sha256(canonical.encode()).hexdigest()
        return self._content_hash

    def side(self, name: str) -> Side:
        if name == "front":
            return self.front
        if name == "back" and self.back is not None:
            return self.back
        raise ValueError(f"template {self.id!r} has no {name} side")

    def sides(self) -> list[tuple[str, Side]]:
        return [("front", self.front)] + ([("back", self.back)] if self.back is not None else [])

    def style(self, name: str) -> TextStyle:
        return self.styles[name]

    @model_validator(mode="after")
    def _references(self) -> CardTemplate:
        problems: list[str] = []
        # params.tempat_terbit is the default place of issue; any other data name would be ambiguous.
        shadowed = sorted(set(self.params) & TEXT_FIELDS - {"tempat_terbit"})
        if shadowed:
            problems.append(f"params {shadowed} shadow card data fields")
        value_names = TEXT_FIELDS | set(self.params)
        for side_name, side in self.sides():
            where = side_name
            for i, art in enumerate(side.artwork):
                if isinstance(art, ArtText):
                    problems += _check_style(self, art.style, f"{where}.artwork.{i}")
                    problems += _check_format(art.text, set(self.params), f"{where}.artwork.{i}.text")
            for b, block in enumerate(side.blocks):
                problems += _check_style(self, block.value_style, f"{where}.blocks.{b}.value_style")
                if block.label_style is not None:
                    problems += _check_style(self, block.label_style, f"{where}.blocks.{b}.label_style")
                for field in block.fields:
                    at = f"{where}.blocks.{b}.{field.name}"
                    problems += _check_format(field.value, value_names, at + ".value")
                    style_name = field.style or block.value_style
                    problems += _check_style(self, style_name, at + ".style")
                    if field.label is not None:
                        label_style = field.label_style or block.label_style
                        if label_style is None:
                            problems.append(f"{at}: has a label but no label_style (field or block)")
                        else:
                            problems += _check_style(self, label_style, at + ".label_style")
                    minimum = field.fit.min_size_pt
                    if (
                        minimum is not None
                        and style_name in self.styles
                        and minimum > self.styles[style_name].size_pt
                    ):
                        problems.append(f"{at}.fit.min_size_pt is larger than the style's size_pt")
                    if "tempat_terbit" in _names(field.value) and "tempat_terbit" not in self.params:
                        problems.append(
                            f"{at}: uses tempat_terbit, so params.tempat_terbit (default) is required"
                        )
            if side.barcode is not None:
                problems += _check_format(side.barcode.value, TEXT_FIELDS, f"{where}.barcode.value")
            problems += _check_boxes(self.page, side, where)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _check_style(template: CardTemplate, name: str, where: str) -> list[str]:
    if name in template.styles:
        return []
    return [f"{where}: unknown style {name!r} (styles: {', '.join(sorted(template.styles))})"]


def _names(fmt: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None]


def _check_format(fmt: str, allowed: set[str] | frozenset[str], where: str) -> list[str]:
    try:
        parts = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        return [f"{where}: bad format {fmt!r}: {exc}"]
    problems = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if spec or conversion:
            problems.append(f"{where}: {{{name}}} may not carry a format spec or conversion")
        if name not in allowed:
            problems.append(f"{where}: unknown name {{{name}}} (allowed: {', '.join(sorted(allowed))})")
    return problems


def _check_boxes(page: Page, side: Side, where: str) -> list[str]:
    """Everything must lie on the page: a photo half off the card is a template mistake, not a card."""
    problems = []
    eps = 1e-6
    for name in ("photo", "signature", "barcode"):
        box = getattr(side, name)
        if box is not None and (
            box.x_mm + box.width_mm > page.width_mm + eps or box.y_mm + box.height_mm > page.height_mm + eps
        ):
            problems.append(f"{where}.{name} reaches outside the {page.width_mm} x {page.height_mm} mm page")
    for b, block in enumerate(side.blocks):
        right = max([block.value_right_mm] + [f.value_right_mm or 0 for f in block.fields])
        last_baseline = block.first_baseline_mm + (block.max_rows() - 1) * block.pitch_mm
        if right > page.width_mm + eps or last_baseline > page.height_mm + eps:
            problems.append(
                f"{where}.blocks.{b} reaches outside the {page.width_mm} x {page.height_mm} mm page"
            )
    return problems
