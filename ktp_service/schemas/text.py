"""Normalisation of printed text: Unicode NFC, upper case, collapsed spaces."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints

_SPACES = re.compile(r"\s+")
# Letters of any script (accented included), spaces, and the punctuation real names carry.
_NAME = re.compile(r"[^\W\d_]+(?:[ '\-.,`’][^\W\d_]*)*\.?", re.UNICODE)


def normalize_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    if any(unicodedata.category(ch) == "Cc" and not ch.isspace() for ch in value):
        # NUL and other control characters: never printable, and PostgreSQL refuses NUL in text.
        raise ValueError("may not contain control characters")
    value = unicodedata.normalize("NFC", value)
    value = _SPACES.sub(" ", value).strip()
    return value.upper()


def _check_name(value: str) -> str:
    if value and not _NAME.fullmatch(value):
        raise ValueError("may contain only letters, spaces, apostrophes, hyphens, dots and commas")
    return value


def ascii_digits(value: str) -> bool:
    """Only the digits 0-9, at least one. ``str.isdigit`` alone also takes full-width, Arabic-Indic,
    Devanagari... digits (and ``int()`` reads them), and superscripts, which ``int()`` refuses."""
    return value.isascii() and value.isdigit()


def _digits3(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and ascii_digits(value.strip()) and len(value.strip()) <= 3:
        return value.strip().zfill(3)
    return value


def _not_zero(value: str) -> str:
    if value == "000":
        raise ValueError("must be a number from 001 to 999")
    return value


UpperText = Annotated[str, BeforeValidator(normalize_text)]
PersonName = Annotated[
    str,
    BeforeValidator(normalize_text),
    StringConstraints(min_length=1, max_length=80),
    AfterValidator(_check_name),
]
PlaceName = Annotated[
    str,
    BeforeValidator(normalize_text),
    StringConstraints(min_length=1, max_length=40),
    AfterValidator(_check_name),
]
Address = Annotated[str, BeforeValidator(normalize_text), StringConstraints(min_length=1, max_length=120)]
RtRw = Annotated[
    str,
    BeforeValidator(_digits3),
    StringConstraints(pattern=r"^[0-9]{3}$"),
    AfterValidator(_not_zero),
]
