"""The IKM as the indicators page and its exports show it: numbers with the Indonesian decimal comma, the
quality letter and performance words, and the sampling note (``ktp_service.ikm``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlmodel import Session

from ktp_service import ikm
from ktp_service.catalogue import translate
from ktp_service.services import indicators, survey


def decimal_text(value: Fraction | Decimal | None, places: int) -> str:
    """``Fraction(7, 2), 2`` -> ``3,50``; None -> ``-``."""
    if value is None:
        return "-"
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else value
    return str(exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)).replace(".", ",")


@dataclass
class IkmRow:
    code: str
    name: str
    result: ikm.Ikm

    def nrr(self) -> list[str]:
        return [decimal_text(v, 2) for v in self.result.nrr] if self.result.answers else ["-"] * 9

    def status(self, lang: str) -> str:
        """The index and its words, or why there is none."""
        r = self.result
        if r.answers == 0:
            return translate("ikm.no_answers", lang)
        if r.index is None:
            names = ", ".join(translate(f"ikm.u{e[1:]}", lang) for e in r.missing)
            return translate("ikm.incomplete", lang, elements=names)
        return f"{r.letter} ({r.words(lang)})"

    def sampling(self, lang: str) -> str:
        r = self.result
        if r.population == 0:
            return "-"
        key = "ikm.sample_enough" if r.sample_enough else "ikm.sample_short"
        return translate(key, lang, answers=r.answers, population=r.population, needed=r.sample_needed)


def compute(
    session: Session, *, zone: str, start: date, end: date, office_code: str | None, lang: str = "id"
) -> tuple[list[IkmRow], IkmRow]:
    tz = ZoneInfo(zone)
    since = datetime.combine(start, time.min, tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tz)
    offices = indicators.offices(session, office_code)
    rows, total = survey.per_office(session, offices, since, until)
    shown = [
        IkmRow(r.office.code, r.office.name, r.result) for r in rows if r.result.population or office_code
    ]
    return shown, IkmRow("*", translate("ikm.all_offices", lang), total)


def _table(rows: list[IkmRow], total: IkmRow, lang: str, start: date, end: date) -> list[list[object]]:
    head: list[object] = [
        translate("common.office", lang), translate("ikm.office_name", lang),
        translate("ikm.answers", lang), translate("ikm.receipts", lang),
        *[f"U{i} NRR" for i in range(1, 10)],
        translate("ikm.unit", lang), translate("ikm.converted", lang), translate("ikm.letter", lang),
        translate("ikm.performance", lang), translate("ikm.sampling", lang),
    ]  # fmt: skip
    out: list[list[object]] = [
        [translate("ikm.title", lang), f"{start:%d-%m-%Y} - {end:%d-%m-%Y}"],
        list(head),
    ]
    for row in [*rows, total]:
        r = row.result
        out.append(
            [
                row.code, row.name, r.answers, r.population, *row.nrr(),
                decimal_text(r.index, 3), decimal_text(r.converted, 2), r.letter or "-",
                r.words(lang) or row.status(lang), row.sampling(lang),
            ]
        )  # fmt: skip
    out.append([translate("ikm.rule", lang)])
    return out


def to_csv(rows: list[IkmRow], total: IkmRow, lang: str, start: date, end: date) -> bytes:
    """Semicolon-separated, UTF-8 with a byte-order mark: what a spreadsheet in an Indonesian locale opens
    with the columns and the decimal commas right."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerows(_table(rows, total, lang, start, end))
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[IkmRow], total: IkmRow, lang: str, start: date, end: date) -> bytes:
    from openpyxl import Workbook  # here, not at the top: only this export needs openpyxl (issue 13)

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "IKM"
    for line in _table(rows, total, lang, start, end):
        sheet.append(line)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
