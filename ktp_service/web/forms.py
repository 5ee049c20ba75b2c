"""From form fields to the API's own request bodies, and from errors back to messages next to each field.

Pages validate with the same pydantic bodies as the API (``ResidentCreate``...) and the same services, so
there is one set of rules; this module only translates the rule that failed into the page's language.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from ktp_service.errors import DomainError, OutOfOfficeScope
from ktp_service.nik import encoded
from ktp_service.schemas.residents import ResidentFields
from ktp_service.web import i18n

RESIDENT_FIELDS = ("nik", *ResidentFields.model_fields)
_DATE = re.compile(r"^\s*([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})\s*$")

# (field, code) -> catalogue key; (None, code) applies to any field.
_CODES: dict[tuple[str | None, str], str] = {
    ("nik", "format"): "v.nik_format",
    ("nik", "province"): "v.nik_province",
    ("nik", "region"): "v.nik_region",
    ("nik", "birth_date"): "v.nik_birth_date",
    ("nik", "birth_date_mismatch"): "v.nik_birth_date_mismatch",
    ("nik", "sex_mismatch"): "v.nik_sex_mismatch",
    ("nik", "serial"): "v.nik_serial",
    ("kode_kecamatan", "unknown_region"): "v.kecamatan_unknown",
    ("kode_desa", "desa_not_in_kecamatan"): "v.desa_not_in_kecamatan",
    ("kode_desa", "unknown_region"): "v.desa_unknown",
    ("berlaku_hingga", "invalid"): "v.wni_lifetime",
    ("berlaku_hingga", "missing"): "v.wna_expiry",
    ("foto", "missing"): "v.photo_missing",
    ("tanda_tangan", "missing"): "v.signature_missing",
    ("file", "format"): "v.image_format",
    ("file", "too_large"): "v.image_too_large",
    ("file", "too_small"): "v.image_too_small",
    ("file", "invalid"): "v.image_empty",
    ("password", "invalid"): "v.password_short",
    ("new_password", "invalid"): "v.password_short",
    ("new_password", "string_too_short"): "v.password_short",
    ("old_password", "string_too_short"): "v.missing",
    ("old_password", "wrong_password"): "v.wrong_password",
    (None, "same_as_username"): "v.password_is_username",
    (None, "password_unchanged"): "v.password_unchanged",
    (None, "does_not_fit"): "v.does_not_fit",
    # pydantic's error types
    (None, "missing"): "v.missing",
    (None, "enum"): "v.choose",
    (None, "literal_error"): "v.choose",
    ("nik", "string_pattern_mismatch"): "v.nik_format",
    ("rt", "string_pattern_mismatch"): "v.rtrw",
    ("rw", "string_pattern_mismatch"): "v.rtrw",
    ("rt", "value_error"): "v.rtrw",
    ("rw", "value_error"): "v.rtrw",
    ("kode_kecamatan", "string_pattern_mismatch"): "v.kecamatan_unknown",
    ("kode_desa", "string_pattern_mismatch"): "v.desa_unknown",
    ("nama", "value_error"): "v.name_chars",
    ("tempat_lahir", "value_error"): "v.name_chars",
    ("pekerjaan", "value_error"): "v.pekerjaan",
    ("tanggal_lahir", "value_error"): "v.date_range",
    ("username", "string_pattern_mismatch"): "v.username",
    ("email", "value_error"): "v.email",
    ("password", "string_too_short"): "v.password_short",
    (None, "date_from_datetime_parsing"): "v.date",
    (None, "date_parsing"): "v.date",
    (None, "date_type"): "v.date",
    (None, "int_parsing"): "v.number",
}

Errors = dict[str, str]


def message(lang: str, field: str, code: str, fallback: str, **values: Any) -> str:
    key = _CODES.get((field, code)) or _CODES.get((None, code))
    if code == "string_too_long" and "max_length" in values:
        return i18n.translate("v.too_long", lang, max=values["max_length"])
    return i18n.translate(key, lang) if key else fallback


def from_validation(exc: ValidationError, lang: str) -> Errors:
    out: Errors = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        field = loc[0] if loc else "form"
        fallback = str(err.get("msg", "")).removeprefix("Value error, ")
        ctx = err.get("ctx") or {}
        out.setdefault(field, message(lang, field, str(err.get("type")), fallback, **ctx))
    return out


def from_domain(exc: DomainError, lang: str) -> tuple[Errors, str]:
    """Field messages, and a message for the whole form (empty when every problem has its field)."""
    if isinstance(exc, OutOfOfficeScope):
        # A village service point's area is one village: the village field is the one to correct there.
        office = str(exc.params.get("office", ""))
        if office.count(".") == 3:
            return {"kode_desa": i18n.translate("v.out_of_scope_village", lang)}, ""
        return {"kode_kecamatan": i18n.translate("v.out_of_scope", lang)}, ""
    if exc.code == "nik_already_registered":
        return {"nik": i18n.translate("v.nik_taken", lang)}, ""
    fields: Errors = {}
    for p in exc.problems:
        fields.setdefault(p.field, message(lang, p.field, p.code, p.message))
    return fields, "" if fields else exc.message


def explain_nik(errors: Errors, nik: str, typed: object, lang: str, today: date) -> None:
    """A NIK that disagrees with the birth date or sex typed: say what the NIK itself encodes, so the clerk
    sees at once which of the two is wrong."""
    said = errors.get("nik")
    if said not in (
        i18n.translate("v.nik_birth_date_mismatch", lang),
        i18n.translate("v.nik_sex_mismatch", lang),
    ):
        return
    found = encoded(nik)
    if found is None:
        return
    born = found.birth_date(typed if isinstance(typed, date) else None, today)
    when = born.strftime("%d-%m-%Y") if born else f"{found.day:02d}-{found.month:02d}-..{found.yy:02d}"
    errors["nik"] = f"{said} " + i18n.translate("v.nik_encodes", lang, date=when, sex=found.sex.value)


def parse_date(value: str) -> date | str | None:
    """``17-08-1985`` -> a date; empty -> None; anything else is passed on as typed, for pydantic to refuse."""
    if not value.strip():
        return None
    m = _DATE.match(value)
    if not m:
        return value
    day, month, year = (int(g) for g in m.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return value


def resident_data(form: FormData, *, with_nik: bool) -> dict[str, Any]:
    """The resident fields of a form, as the API's JSON would carry them (empty optional fields left out)."""
    data: dict[str, Any] = {}
    for name in RESIDENT_FIELDS:
        if name == "nik" and not with_nik:
            continue
        raw = form.get(name)
        value = raw.strip() if isinstance(raw, str) else ""
        if name in ("tanggal_lahir", "berlaku_hingga"):
            parsed = parse_date(value)
            if parsed is not None:
                data[name] = parsed
            elif name == "berlaku_hingga":
                data[name] = None
            continue
        if value:
            data[name] = value
    return data


def date_text(value: object) -> str:
    """A form value back to the ``dd-mm-yyyy`` the clerk typed or the stored date."""
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return "" if value is None else str(value)


class RupiahRefused(ValueError):
    """A typed amount that is not a whole number of rupiah; ``code`` names the rule it broke (``empty``,
    ``negative``, ``fraction``, ``format``, ``too_large``), for the message next to the field."""

    def __init__(self, code: str, typed: str) -> None:
        super().__init__(f"{typed!r}: {code}")
        self.code = code


# "Rp", "Rp." or "IDR" (any case), then the digits: plain, or grouped by thousands with dots; then
# optionally the zero cents or dash Indonesian prices are often written with (",00", ",-").
_RUPIAH = re.compile(
    r"^(?:(?:rp\.?|idr)\s*)?([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,(?:00?|-))?$", re.IGNORECASE
)
_RUPIAH_NEGATIVE = re.compile(r"^(?:(?:rp\.?|idr)\s*)?[-\u2212(]", re.IGNORECASE)
_RUPIAH_FRACTION = re.compile(r",[0-9]*[1-9][0-9]*$")


def parse_rupiah(typed: str, maximum: int = 10**15) -> int:
    """A rupiah amount as people type it, in whole rupiah: ``30000``, ``30.000``, ``Rp 30.000``,
    ``Rp30.000``, ``rp. 30.000``, ``Rp 30.000,00`` and ``Rp 30.000,-`` are all 30000. Refused, never
    guessed: empty, negative, a fraction (``30,5``: rupiah are whole here, and a comma is the decimal
    sign in Indonesian), dots that do not group thousands (``3.00``, ``30.0000``), any other character or
    digit script, and more than ``maximum``. Raises :class:`RupiahRefused`."""
    text = typed.strip()
    if not text:
        raise RupiahRefused("empty", typed)
    if _RUPIAH_NEGATIVE.match(text):
        raise RupiahRefused("negative", typed)
    match = _RUPIAH.match(text)
    if match is None:
        raise RupiahRefused("fraction" if _RUPIAH_FRACTION.search(text) else "format", typed)
    value = int(match.group(1).replace(".", ""))
    if value > maximum:
        raise RupiahRefused("too_large", typed)
    return value
