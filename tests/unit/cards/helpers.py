"""Helpers shared by the card engine tests."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import yaml
from PIL import Image

from ktp_service.cards import CardData, CardTemplate
from ktp_service.cards.layout import mm_to_px
from ktp_service.cards.template_files import parse_template
from ktp_service.settings import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "templates"
KTP = "ktp-front-sragen"


def with_data(base: CardData, **changes: Any) -> CardData:
    """A copy of ``base`` with ``changes``, validated like fresh input."""
    return CardData.model_validate(base.model_dump() | changes)


def decode(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def ktp_source() -> dict[str, Any]:
    """The KTP template file as plain data, for tests that derive variants of it."""
    data: dict[str, Any] = yaml.safe_load((TEMPLATES_DIR / f"{KTP}.yaml").read_text())
    return data


def template_from(source: dict[str, Any]) -> CardTemplate:
    return parse_template(yaml.safe_dump(source).encode(), source["id"])


def write_template(directory: Path, source: dict[str, Any], name: str | None = None) -> Path:
    path = directory / f"{name or source['id']}.yaml"
    path.write_text(yaml.safe_dump(source, sort_keys=False))
    return path


def pixels(image: Image.Image) -> list[tuple[int, ...]]:
    """The pixels as tuples (Image.getdata is deprecated in Pillow 12)."""
    bands = len(image.getbands())
    raw = image.tobytes()
    return [tuple(raw[i : i + bands]) for i in range(0, len(raw), bands)]


def box_pixels(box: Any, dpi: int = 300) -> tuple[int, int, int, int]:
    """A template box (``x_mm``, ``y_mm``, ``width_mm``, ``height_mm``) as a pixel rectangle at ``dpi``."""
    assert box is not None
    return (
        round(mm_to_px(box.x_mm, dpi)),
        round(mm_to_px(box.y_mm, dpi)),
        round(mm_to_px(box.x_mm + box.width_mm, dpi)),
        round(mm_to_px(box.y_mm + box.height_mm, dpi)),
    )


def rasterise(pdf: bytes, dpi: int, size: tuple[int, int]) -> Image.Image:
    """The first page as a person's viewer or a printer's RIP draws it (poppler's pdftoppm), cropped to the
    card's whole pixels (pdftoppm rounds the page up to the next pixel)."""
    import subprocess

    out = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-x", "0", "-y", "0", "-W", str(size[0]), "-H", str(size[1]), "-png"]
        + ["-singlefile", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    return decode(out).convert("RGB")


def pdf_text(pdf: bytes) -> str:
    import subprocess

    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
