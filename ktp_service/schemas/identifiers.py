"""Numeric identifiers in paths, queries and bodies: written with the ASCII digits 0-9 only.

Regular expressions' ``\\d`` (Python's and pydantic's alike) and ``str.isdigit`` take the digits of every
script, full-width ``１``, Arabic-Indic ``١``, Devanagari ``१``..., and Python's ``int()`` reads them: a NIK
equal to another but for a full-width digit would be a second resident. So patterns here say ``[0-9]``, and
integers read from text pass :data:`AsciiInt` first (pydantic's own integer parsing takes ``" 1_0"`` and
``"+10"``).
"""

from __future__ import annotations

from pydantic import AfterValidator, BeforeValidator

from billing.errors import InvalidInput
from billing.periods import FIRST_YEAR, LAST_YEAR, parse_month

NIK_PATTERN = r"^[0-9]{16}$"
REGION_CODE_PATTERN = (
    r"^[0-9]{2}\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?$"  # an office: regency, kecamatan or village
)
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
MONTH_DESCRIPTION = f"YYYY-MM, a month of the years {FIRST_YEAR} to {LAST_YEAR}"


def _ascii_int(value: object) -> object:
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("must be a whole number written with the digits 0-9 only")
    return value


def _checked_month(value: str) -> str:
    try:
        parse_month(value)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None
    return value


def _checked_month_or_empty(value: str) -> str:
    return _checked_month(value) if value else value


# ``Annotated[int, AsciiInt, Path(ge=1)]``: an id from a path, header or query, digits only.
AsciiInt = BeforeValidator(_ascii_int)
# ``Annotated[str, Path(pattern=MONTH_PATTERN), CheckedMonth]``: a month billing can hold, else a 422.
CheckedMonth = AfterValidator(_checked_month)
CheckedMonthOrEmpty = AfterValidator(_checked_month_or_empty)  # an optional month in a query: "" is none
