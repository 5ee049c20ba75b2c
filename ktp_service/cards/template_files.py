"""Template files: finding a template's file safely inside the templates directory, reading and validating it
(YAML or JSON, against the models of ``ktp_service.cards.template``), and checking with the real fonts that
its fixed text fits (labels before their ``:`` column, artwork text on the page)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ktp_service.cards.errors import TemplateInvalid, TemplateNotFound
from ktp_service.cards.fonts import find_font, font_at
from ktp_service.cards.template import (
    MM_PER_INCH,
    PT_PER_INCH,
    TEMPLATE_ID_PATTERN,
    ArtText,
    CardTemplate,
    TextStyle,
)

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json")
MAX_TEMPLATE_BYTES = 256 * 1024


def template_path(template_id: str, templates_dir: Path) -> Path:
    """The file of ``template_id`` inside ``templates_dir``. Refuses ids outside the strict pattern and files
    that resolve (through symlinks) outside the directory, so a request can never read another file."""
    if not isinstance(template_id, str) or not re.fullmatch(TEMPLATE_ID_PATTERN, template_id):
        raise TemplateNotFound(
            str(template_id)[:80], "template ids are lower-case letters, digits and '-' (max 64 characters)"
        )
    root = templates_dir.resolve()
    for suffix in TEMPLATE_SUFFIXES:
        candidate = root / (template_id + suffix)
        if not candidate.is_file():
            continue
        real = candidate.resolve()
        if real.parent != root:
            raise TemplateNotFound(template_id, "its file lies outside the templates directory")
        return real
    raise TemplateNotFound(template_id, f"no {template_id}.yaml in {root}")


def load_template(template_id: str, templates_dir: Path) -> CardTemplate:
    """Load, validate and check the fonts and static text of a template. Raises TemplateNotFound,
    TemplateInvalid (whose message names every problem) or FontMissing."""
    path = template_path(template_id, templates_dir)
    content = path.read_bytes()
    if len(content) > MAX_TEMPLATE_BYTES:
        raise TemplateInvalid(template_id, [f"file is larger than {MAX_TEMPLATE_BYTES} bytes"])
    template = parse_template(content, template_id, json_syntax=path.suffix == ".json")
    template._content_hash = hashlib.sha256(content).hexdigest()
    return template


def parse_template(content: bytes, template_id: str, *, json_syntax: bool = False) -> CardTemplate:
    """Validate a template file's bytes (YAML, or JSON with ``json_syntax``) whose id must be ``template_id``.
    Raises TemplateInvalid naming every problem, or FontMissing."""
    try:
        raw: Any = json.loads(content) if json_syntax else yaml.safe_load(content)
    except (yaml.YAMLError, ValueError) as exc:
        raise TemplateInvalid(
            template_id, [f"not valid {'JSON' if json_syntax else 'YAML'}: {exc}"]
        ) from None
    if not isinstance(raw, dict):
        raise TemplateInvalid(template_id, ["the file must hold a mapping (id, version, page, ...)"])
    try:
        template = CardTemplate.model_validate(raw)
    except ValidationError as exc:
        raise TemplateInvalid(template_id, _describe(exc)) from None
    if template.id != template_id:
        raise TemplateInvalid(template_id, [f"the file's id is {template.id!r}; it must match the file name"])
    check_static_fit(template)
    return template


def _describe(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in error["loc"])
        msg = error["msg"].removeprefix("Value error, ")
        problems.append(f"{loc}: {msg}" if loc else msg)
    return problems


def check_static_fit(template: CardTemplate) -> None:
    """Fonts exist (FontMissing otherwise) and fixed text fits: each label ends before its ``:`` column
    and artwork text stays on the page (TemplateInvalid otherwise). Measured at the base dpi."""
    dpi = template.page.base_dpi
    fonts = {style.font for style in template.styles.values()} | {template.specimen.font}
    for font in sorted(fonts):
        find_font(font)
    problems: list[str] = []
    for side_name, side in template.sides():
        for b, block in enumerate(side.blocks):
            for field in block.fields:
                if field.label is None:
                    continue
                style = template.style(field.label_style or block.label_style or "")
                label_x = field.label_x_mm if field.label_x_mm is not None else (block.label_x_mm or 0)
                label_x += field.indent_mm
                colon_x = field.colon_x_mm if field.colon_x_mm is not None else block.colon_x_mm
                limit = colon_x if colon_x is not None else (field.value_x_mm or block.value_x_mm)
                width = text_width_mm(field.label, style, dpi)
                if label_x + width > limit + 0.05:
                    problems.append(
                        f"{side_name}.blocks.{b}.{field.name}: label {field.label!r} is {width:.1f} mm wide "
                        f"and runs past {limit} mm"
                    )
        for i, art in enumerate(side.artwork):
            if isinstance(art, ArtText):
                text = art.text.format_map(template.params)
                width = text_width_mm(
                    text.upper() if template.uppercase else text, template.style(art.style), dpi
                )
                left = {"left": art.x_mm, "center": art.x_mm - width / 2, "right": art.x_mm - width}[
                    art.align
                ]
                if left < -0.05 or left + width > template.page.width_mm + 0.05:
                    problems.append(f"{side_name}.artwork.{i}: text {text!r} runs off the page")
    if problems:
        raise TemplateInvalid(template.id, problems)


def text_width_mm(text: str, style: TextStyle, dpi: int) -> float:
    font = font_at(find_font(style.font), style.size_pt / PT_PER_INCH * dpi)
    return float(font.getlength(text)) / dpi * MM_PER_INCH


def list_templates(templates_dir: Path) -> list[str]:
    """Ids of the template files in ``templates_dir`` (not validated: load each to check it)."""
    ids = {
        p.stem
        for p in templates_dir.iterdir()
        if p.suffix in TEMPLATE_SUFFIXES and re.fullmatch(TEMPLATE_ID_PATTERN, p.stem) and p.is_file()
    }
    return sorted(ids)
