"""Fonts come from Debian packages that the setup installs (scripts/system-packages.txt); a template names a
font by its file stem (``DejaVuSansCondensed``, ``OCRB``) and this module finds the file.

Choice: DejaVu Sans (fonts-dejavu-core) for labels and values, since it covers Latin letters with accents;
OCR-B (fonts-ocr-b, the ISO 1073-2 face of passport machine-readable zones) for the NIK, since it is made
for machine reading and its digits are unambiguous for people too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from PIL import ImageFont

from ktp_service.cards.errors import FontMissing

FONT_DIRS: tuple[Path, ...] = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
FONT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
_PACKAGE_HINTS = {"OCRB": "fonts-ocr-b", "DejaVu": "fonts-dejavu-core"}


def _hint(name: str) -> str:
    for prefix, package in _PACKAGE_HINTS.items():
        if name.startswith(prefix):
            return f"install the Debian package {package}"
    return "install the font in " + " or ".join(str(d) for d in FONT_DIRS)


@lru_cache(maxsize=64)
def find_font(name: str) -> Path:
    """The file of font ``name`` (``<name>.ttf`` or ``.otf`` under the system font dirs)."""
    if not re.fullmatch(FONT_NAME_PATTERN, name):
        raise FontMissing(name, "a font name is a file stem such as DejaVuSans-Bold")
    for root in FONT_DIRS:
        for suffix in (".ttf", ".otf"):
            for found in sorted(root.rglob(name + suffix)):
                return found
    raise FontMissing(name, _hint(name))


@lru_cache(maxsize=512)
def font_at(path: Path, size_px: float) -> ImageFont.FreeTypeFont:
    """A font at a pixel size; cached because sizes repeat from card to card. Shared between threads:
    fine on CPython with the GIL, which Pillow holds while FreeType renders (a free-threaded build needs
    Pillow >= 12.2, which locks each face)."""
    return ImageFont.truetype(str(path), size=size_px)


@lru_cache(maxsize=64)
def covered(path: Path) -> frozenset[int]:
    """Code points the font has glyphs for, so a value is never printed with a blank box for a letter."""
    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


@lru_cache(maxsize=8192)  # values repeat from card to card
def missing_characters(path: Path, text: str) -> str:
    chars = covered(path)
    return "".join(dict.fromkeys(c for c in text if not c.isspace() and ord(c) not in chars))
