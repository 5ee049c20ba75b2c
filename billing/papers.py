"""The month-end papers as PDF, fit to sign: the statement (Laporan Bagi Hasil), the Berita Acara
Rekonsiliasi and the partner's draft invoice (Rancangan Tagihan).

Every text comes through the caller's translator (``setup.t``: the application's catalogue, keys ``doc.*``
and ``recon.item.*``), Indonesian unless English is asked for; billing never imports the application, so
names of offices and villages (``setup.names``), the contracts' signing dates and the signatories are passed
in as data too. Amounts read ``Rp 10.001`` and, where money is agreed, also in words (terbilang). Dates read
``05-01-2027`` in tables and ``5 Januari 2027`` in sentences, in the regency's zone.

A paper is in one of three states, shown on every page: final (numbered, made once and stored by
:mod:`billing.records`), provisional (SEMENTARA: a diagonal watermark and a header, no number) or a
translation (an English convenience copy: marked so on every page and never numbered). The PDF is made
with reportlab's ``invariant`` mode, so the same input gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Protocol

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import BaseDocTemplate

from billing.documents import format_rupiah, rupiah_in_words
from billing.periods import month_days
from billing.reconciliation import ReconciliationLine, ReconciliationReport
from billing.statement import Figures, Statement

STATEMENT: Final = "statement"
BERITA_ACARA: Final = "berita_acara"

MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni",
           "Juli", "Agustus", "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June",
           "July", "August", "September", "October", "November", "December"),
}  # fmt: skip
WEEKDAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


class Translate(Protocol):
    """The catalogue's text for ``key`` in the paper's language, ``values`` filled in; an unknown key comes
    back as itself."""

    def __call__(self, key: str, /, **values: object) -> str: ...


@dataclass(frozen=True)
class SignatoryInfo:
    """Who signs for one side, as the paper prints it (from :class:`billing.models.Signatory`)."""

    name: str
    position: str
    institution: str
    nip: str = ""
    rank: str = ""
    npwp: str = ""
    address: str = ""


@dataclass(frozen=True)
class ContractRef:
    """How a contract version is cited: its number and the day it was signed (or, unknown, in force from)."""

    number: str
    signed_on: date | None
    effective_from: date


@dataclass(frozen=True)
class DocumentSetup:
    """Everything a paper needs besides its figures. ``regency``: e.g. ``KABUPATEN SRAGEN``; ``agency``: the
    issuing office; ``place``: where papers are signed; ``zone_label``: e.g. ``WIB``; ``names``: office,
    region and village code -> name; ``contracts``: contract version id -> how to cite it."""

    t: Translate
    lang: str = "id"
    regency: str = "KABUPATEN SRAGEN"
    agency: str = "Dinas Kependudukan dan Pencatatan Sipil"
    place: str = "Sragen"
    zone_label: str = "WIB"
    names: Mapping[str, str] = field(default_factory=dict)
    contracts: Mapping[int, ContractRef] = field(default_factory=dict)
    regency_signatory: SignatoryInfo | None = None
    partner_signatory: SignatoryInfo | None = None


@dataclass(frozen=True)
class Stamp:
    """The paper's state: ``number`` set only on a final Indonesian paper; ``made_on`` its date (local);
    ``provisional`` while the figures may still change (SEMENTARA)."""

    made_on: date
    number: str | None = None
    provisional: bool = False

    def __post_init__(self) -> None:
        if self.number is not None and self.provisional:
            raise ValueError("a provisional paper carries no number")


# --- words and numbers -------------------------------------------------------------------------------------


def short_date(day: date) -> str:
    """``05-01-2027`` (dd-mm-yyyy, as every date a person reads here)."""
    return day.strftime("%d-%m-%Y")


def long_date(day: date, lang: str = "id") -> str:
    """``5 Januari 2027``."""
    return f"{day.day} {MONTHS[_lang(lang)][day.month - 1]} {day.year}"


def month_title(month: str, lang: str = "id") -> str:
    """``2026-12`` -> ``Desember 2026``."""
    year, number = month.split("-")
    return f"{MONTHS[_lang(lang)][int(number) - 1]} {year}"


def roman_month(day: date) -> str:
    return ROMAN[day.month - 1]


def count(n: int) -> str:
    """``1000`` -> ``1.000``; negative numbers keep their sign."""
    return f"{'-' if n < 0 else ''}{abs(n):,}".replace(",", ".")


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "id"


def period_text(month: str, setup: DocumentSetup) -> str:
    """``01-12-2026 s.d. 31-12-2026`` (the month's calendar days in the regency's zone)."""
    first, last = month_days(month)
    return setup.t("doc.period_range", first=short_date(first), last=short_date(last))


def cite_contract(ref: ContractRef, setup: DocumentSetup) -> str:
    if ref.signed_on is not None:
        return setup.t("doc.contract_cited", number=ref.number, date=short_date(ref.signed_on))
    return setup.t("doc.contract_cited_from", number=ref.number, date=short_date(ref.effective_from))


def _contracts_text(statement: Statement, setup: DocumentSetup) -> str:
    cited = [
        cite_contract(setup.contracts[c.id], setup) if c.id in setup.contracts else c.number
        for c in statement.contracts
    ]
    return "; ".join(cited) or "-"


def name_of(code: str, setup: DocumentSetup) -> str:
    return setup.names.get(code, "")


def _with_name(code: str, setup: DocumentSetup) -> str:
    name = name_of(code, setup)
    return f"{code} {name}" if name else code


# --- layout ------------------------------------------------------------------------------------------------

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
WIDTH = 170 * mm  # A4 less 20 mm margins


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str]:
    """DejaVu Sans when installed (any UTF-8 name prints), else the built-in Helvetica (Latin-1 only)."""
    files = {
        "DejaVuSans": "DejaVuSans.ttf",
        "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
    }
    if not all((_FONT_DIR / f).exists() for f in files.values()):
        return "Helvetica", "Helvetica-Bold"
    for name, file in files.items():
        pdfmetrics.registerFont(TTFont(name, str(_FONT_DIR / file)))
    pdfmetrics.registerFontFamily(
        "DejaVuSans",
        normal="DejaVuSans",
        bold="DejaVuSans-Bold",
        italic="DejaVuSans-Oblique",
        boldItalic="DejaVuSans-BoldOblique",
    )
    return "DejaVuSans", "DejaVuSans-Bold"


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    font, bold = _fonts()
    return {
        "kop1": ParagraphStyle("kop1", fontName=bold, fontSize=12, leading=15, alignment=TA_CENTER),
        "kop2": ParagraphStyle("kop2", fontName=bold, fontSize=11, leading=14, alignment=TA_CENTER),
        "title": ParagraphStyle(
            "title", fontName=bold, fontSize=12, leading=15, alignment=TA_CENTER, spaceBefore=6
        ),
        "center": ParagraphStyle("center", fontName=font, fontSize=9.5, leading=12, alignment=TA_CENTER),
        "h": ParagraphStyle("h", fontName=bold, fontSize=10, leading=13, spaceBefore=8, spaceAfter=3),
        "p": ParagraphStyle("p", fontName=font, fontSize=9.5, leading=12.5, spaceAfter=2),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=10),
        "sub": ParagraphStyle("sub", fontName=font, fontSize=8, leading=10, leftIndent=10),
        "cellb": ParagraphStyle("cellb", fontName=bold, fontSize=8, leading=10),
        "num": ParagraphStyle("num", fontName=font, fontSize=8, leading=10, alignment=TA_RIGHT),
        "numb": ParagraphStyle("numb", fontName=bold, fontSize=8, leading=10, alignment=TA_RIGHT),
        "small": ParagraphStyle("small", fontName=font, fontSize=7, leading=9),
        "sign": ParagraphStyle("sign", fontName=font, fontSize=9.5, leading=12, alignment=TA_CENTER),
    }


def _esc(text: object) -> str:
    """Text as a Paragraph's markup reads it (``&``, ``<`` and ``>`` escaped)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


Cell = str | int | Flowable
# A count (1.000) or an amount (Rp 10.001, -Rp 350): right-aligned. A code (33.14.01) is not one.
NUMERIC = re.compile(r"^-?(Rp )?[0-9]{1,3}(\.[0-9]{3})*$")


def _cell(value: Cell, *, bold: bool = False, numeric: bool | None = None) -> Flowable:
    """A table cell: a flowable stays as it is; text becomes a wrapping paragraph (right-aligned when it
    is a number or an amount), so no cell is ever printed as its Python representation."""
    if isinstance(value, Flowable):
        return value
    text = count(value) if isinstance(value, int) else value
    is_number = NUMERIC.match(text) is not None if numeric is None else numeric
    style = ("numb" if bold else "num") if is_number else ("cellb" if bold else "cell")
    if text.startswith("  "):  # a sub-item ("  dibayar warga"): indented under the item above
        return Paragraph(_esc(text.strip()), _styles()["sub"])
    return Paragraph(_esc(text), _styles()[style])


def _table(
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[float],
    *,
    header: bool = True,
    bold_last: bool = False,
    spans: Sequence[tuple[int, int, int]] = (),
) -> Table:
    """A grid; ``spans`` are (row, first column, last column) merged for a label that needs the room."""
    body = [
        [
            _cell(
                c,
                bold=(header and i == 0) or (bold_last and i == len(rows) - 1),
                numeric=False if i == 0 and header else None,
            )
            for c in row
        ]
        for i, row in enumerate(rows)
    ]
    table = Table(body, colWidths=list(widths), repeatRows=1 if header else 0)
    style: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        *(("SPAN", (first, row), (last, row)) for row, first, last in spans),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.93, 0.93, 0.93)))
    table.setStyle(TableStyle(style))
    return table


def _fields(rows: Sequence[tuple[str, str]], label_width: float = 48 * mm, indent: float = 0) -> Table:
    """Label : value lines without a grid (the head of a letter), ``indent`` from the left margin."""
    s = _styles()
    body = [[Paragraph(_esc(k), s["p"]), Paragraph(":", s["p"]), Paragraph(_esc(v), s["p"])] for k, v in rows]
    table = Table(body, colWidths=[label_width + indent, 4 * mm, WIDTH - label_width - indent - 4 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (0, 0), (0, -1), indent),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _letterhead(setup: DocumentSetup) -> list[Flowable]:
    s = _styles()
    return [
        Paragraph(_esc(setup.t("doc.government", regency=setup.regency.upper())), s["kop1"]),
        Paragraph(_esc(setup.agency.upper()), s["kop2"]),
        Spacer(1, 2),
        HRFlowable(width="100%", thickness=1.2, color=colors.black, spaceAfter=6),
    ]


def _signer_lines(who: SignatoryInfo | None, setup: DocumentSetup) -> tuple[str, str, str]:
    """A side's position and institution, its name, and its rank and NIP, as markup; with no signatory
    configured, a dotted line to fill in by hand."""
    if who is None:
        return "", "(.......................................)", _esc(setup.t("doc.signatory_missing"))
    extra = [_esc(x) for x in (who.rank, setup.t("doc.nip", nip=who.nip) if who.nip else "") if x]
    return (
        f"{_esc(who.position)}<br/>{_esc(who.institution)}",
        f"<u><b>{_esc(who.name)}</b></u>",
        "<br/>".join(extra),
    )


def _signatures(
    setup: DocumentSetup, made_on: date, sides: Sequence[tuple[str, SignatoryInfo | None]]
) -> Flowable:
    """Place and date, then one column per side: its role, position and institution, room to sign, the
    name underlined and the rank and NIP. Rows are shared, so the names line up whatever is above them."""
    s = _styles()
    where = Paragraph(_esc(f"{setup.place}, {long_date(made_on, setup.lang)}"), s["sign"])
    columns = [(f"<b>{_esc(title)}</b>", *_signer_lines(who, setup)) for title, who in sides]
    if len(columns) == 1:  # one signer (the invoice): on the right, as letters are signed
        columns.insert(0, ("", "", "", ""))
    grid = Table(
        [
            ["", where],
            *[[Paragraph(col[i], s["sign"]) for col in columns] for i in (0, 1)],
            ["", ""],
            *[[Paragraph(col[i], s["sign"]) for col in columns] for i in (2, 3)],
        ],
        colWidths=[WIDTH / 2, WIDTH / 2],
        rowHeights=[None, None, None, 20 * mm, None, None],
    )
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([Spacer(1, 8), grid])


def _page_marks(
    setup: DocumentSetup, stamp: Stamp, kind_title: str, watermark: str | None, state: str | None = None
) -> Callable[[Canvas, BaseDocTemplate], None]:
    """What every page carries: a header with the regency, the paper and its state (number, SEMENTARA or
    translation), a diagonal watermark when provisional (or a draft, or a translation), the page number."""
    font, bold = _fonts()
    t = setup.t
    if setup.lang != "id":
        state = t("doc.translation_mark")
    elif stamp.provisional:
        state = t("doc.provisional_mark")
    elif state is None:
        state = t("doc.number_mark", number=stamp.number or "-")
    marks = [m for m in (watermark, t("doc.watermark_provisional") if stamp.provisional else None) if m]
    if setup.lang != "id":
        marks.append(t("doc.watermark_translation"))

    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = A4
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.Color(0.3, 0.3, 0.3))
        canvas.drawString(20 * mm, height - 11 * mm, f"{setup.regency.upper()} · {kind_title}")
        canvas.setFont(bold, 7.5)
        canvas.drawRightString(width - 20 * mm, height - 11 * mm, state)
        canvas.setFont(font, 7.5)
        canvas.drawRightString(width - 20 * mm, 10 * mm, t("doc.page", page=doc.page))
        canvas.drawString(20 * mm, 10 * mm, state)
        for i, mark in enumerate(marks):
            canvas.saveState()
            canvas.setFont(bold, 64 if len(mark) <= 12 else 40)
            canvas.setFillColor(colors.Color(0.75, 0.75, 0.75, alpha=0.35))
            canvas.translate(width / 2, height / 2 - i * 60 * mm + (len(marks) - 1) * 30 * mm)
            canvas.rotate(45)
            canvas.drawCentredString(0, 0, mark)
            canvas.restoreState()
        canvas.restoreState()

    return draw


def _pdf(
    story: list[Flowable], title: str, marks: Callable[[Canvas, BaseDocTemplate], None], lang: str
) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        author="ktp-service",
        creator="ktp-service",
        lang="en" if lang == "en" else "id",
        invariant=True,  # no clock or random id in the file: the same paper gives the same bytes
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=17 * mm,
        bottomMargin=17 * mm,
    )
    doc.build(story, onFirstPage=marks, onLaterPages=marks)
    return out.getvalue()


# --- the statement -----------------------------------------------------------------------------------------


def _breakdown_rows(
    head: Sequence[str],
    items: Sequence[tuple[Sequence[str], Figures]],
    statement: Statement,
    setup: DocumentSetup,
) -> list[list[Cell]]:
    """A breakdown with its total: when per-period rounding left an adjustment, the statement's
    rounding-adjustment row (:meth:`Statement.adjustment_row`) brings the parts (posted per card) to the
    month's total."""
    t = setup.t
    pad = [""] * (len(head) - 5)
    rows: list[list[Cell]] = [list(head)]
    for keys, f in items:
        rows.append([*keys, count(f.cards_billed), format_rupiah(f.gross_amount),
                     format_rupiah(f.partner_share), format_rupiah(f.regency_share)])  # fmt: skip
    row = statement.adjustment_row()
    if row is not None:
        rows.append([t("doc.rounding_adjustment_row"), *pad, "", "", format_rupiah(row.partner_share),
                     format_rupiah(row.regency_share)])  # fmt: skip
    rows.append([t("doc.total"), *pad, count(statement.cards_billed), format_rupiah(statement.gross_amount),
                 format_rupiah(statement.partner_share), format_rupiah(statement.regency_share)])  # fmt: skip
    return rows


def _ppn_withheld_rows(statement: Statement, setup: DocumentSetup) -> list[list[Cell]]:
    """The PPN the regency's treasurer collects and remits itself (contract versions whose PPN collector is
    the treasurer): not paid to the partner, so named between the taxes and the amount paid; none when
    the partner collects its PPN."""
    if not statement.ppn_withheld:
        return []
    return [[setup.t("doc.ppn_withheld"), format_rupiah(statement.ppn_withheld)]]


def statement_pdf(
    statement: Statement, setup: DocumentSetup, stamp: Stamp, notes: Sequence[str] = ()
) -> bytes:
    """The month's statement (Laporan Bagi Hasil): the agreement, period and status, the totals and taxes,
    breakdowns per office, reason and contract that add up to the totals, the chain it is signed over, and
    both sides' signature blocks with place and date. ``notes``: sentences the printing side adds under the
    figures (e.g. the month was closed while print agents still held cards of it), in the paper's language."""
    s, t, lang = _styles(), setup.t, setup.lang
    closed = statement.status == "closed"
    partner = setup.partner_signatory
    state = t("doc.status_final_statement") if closed else t("doc.status_open_statement")
    head = [
        (t("doc.agreement"), _contracts_text(statement, setup)),
        (t("doc.partner"), partner.institution if partner else statement.partner_name or "-"),
        (t("doc.period"), f"{period_text(statement.month, setup)} ({setup.zone_label})"),
        (t("doc.status"), state),
    ]
    if stamp.number:
        head.insert(0, (t("doc.number"), stamp.number))
    story: list[Flowable] = [
        *_letterhead(setup),
        Paragraph(_esc(t("doc.statement_title")), s["title"]),
        Paragraph(_esc(t("doc.month_line", month=month_title(statement.month, lang).upper())), s["center"]),
        Spacer(1, 8),
        _fields(head),
        Paragraph(_esc(t("doc.summary")), s["h"]),
    ]
    rows: list[list[Cell]] = [
        [t("doc.item"), t("doc.amount")],
        [t("doc.cards_billed"), count(statement.cards_billed)],
        [t("doc.cards_not_billed"), count(statement.cards_not_billed)],
        [t("doc.gross"), format_rupiah(statement.gross_amount)],
        [t("doc.citizen_fees"), format_rupiah(statement.citizen_fees)],
        [t("doc.regency_fees"), format_rupiah(statement.regency_service_fees)],
        [t("doc.partner_share"), format_rupiah(statement.partner_share)],
        [t("doc.rounding_included"), format_rupiah(statement.period_rounding_adjustment)],
        [t("doc.regency_share"), format_rupiah(statement.regency_share)],
        [t("doc.ppn"), format_rupiah(statement.ppn)],
        [t("doc.pph23"), format_rupiah(statement.pph23_withheld)],
        *_ppn_withheld_rows(statement, setup),
        [t("doc.net_payable"), format_rupiah(statement.net_payable_to_partner)],
    ]
    office_rows = _breakdown_rows(
        [
            t("doc.code"),
            t("doc.office"),
            t("doc.cards"),
            t("doc.gross_short"),
            t("doc.partner_share"),
            t("doc.regency_share"),
        ],  # fmt: skip
        [((b.key, name_of(b.key, setup) or "-"), b) for b in statement.by_office],
        statement,
        setup,
    )
    story += [
        _table(rows, [120 * mm, 50 * mm], bold_last=True),
        Spacer(1, 3),
        Paragraph(_esc(t("doc.in_words", words=rupiah_in_words(statement.net_payable_to_partner))), s["p"]),
        Paragraph(_esc(t("doc.by_office")), s["h"]),
        _table(
            office_rows,
            [22 * mm, 42 * mm, 18 * mm, 30 * mm, 29 * mm, 29 * mm],
            bold_last=True,
            spans=[(i, 0, 1) for i in range(1 + len(statement.by_office), len(office_rows))],
        ),
        Paragraph(_esc(t("doc.by_reason")), s["h"]),
        _table(
            _breakdown_rows(
                [
                    t("doc.reason"),
                    t("doc.cards"),
                    t("doc.gross_short"),
                    t("doc.partner_share"),
                    t("doc.regency_share"),
                ],  # fmt: skip
                [((t(f"reason.{b.key}"),), b) for b in statement.by_reason],
                statement,
                setup,
            ),
            [64 * mm, 18 * mm, 30 * mm, 29 * mm, 29 * mm],
            bold_last=True,
        ),
        Paragraph(_esc(t("doc.by_contract")), s["h"]),
    ]
    versions: list[list[Cell]] = [
        [
            t("doc.agreement"),
            t("doc.cards"),
            t("doc.gross_short"),
            t("doc.partner_share"),
            t("doc.regency_share"),
        ]
    ]
    for v in statement.by_contract_version:
        ref = setup.contracts.get(v.contract_version_id)
        snap = next((c for c in statement.contracts if c.id == v.contract_version_id), None)
        cited = cite_contract(ref, setup) if ref else (snap.number if snap else "-")
        versions.append([cited, count(v.cards_billed), format_rupiah(v.gross_amount),
                         format_rupiah(v.partner_share), format_rupiah(v.regency_share)])  # fmt: skip
    story += [
        _table(versions, [64 * mm, 18 * mm, 30 * mm, 29 * mm, 29 * mm]),
        Spacer(1, 3),
        Paragraph(
            _esc(
                t(
                    "doc.prior_period",
                    cards=count(statement.prior_period.cards_billed),
                    amount=format_rupiah(statement.prior_period.gross_amount),
                )
            ),
            s["p"],
        ),
    ]
    story += [Paragraph(_esc(note), s["p"]) for note in notes]
    if statement.chain is not None:
        story.append(
            Paragraph(
                _esc(
                    t(
                        "doc.chain",
                        first=statement.chain.first_seq,
                        last=statement.chain.head_seq,
                        head=statement.chain.head_hash,
                        entries=count(statement.chain.period_entries),
                        key_id=statement.key_id or "-",
                    )
                ),
                s["small"],
            )
        )
    signatures = _signatures(
        setup,
        stamp.made_on,
        [(t("doc.side_partner"), setup.partner_signatory), (t("doc.side_regency"), setup.regency_signatory)],
    )
    # The signatures never stand alone on a page: the last lines of the figures go with them.
    tail = 2 if statement.chain is not None else 1
    story[-tail:] = [KeepTogether([*story[-tail:], signatures])]
    return _pdf(
        story, t("doc.statement_title"), _page_marks(setup, stamp, t("doc.statement_short"), None), lang
    )


# --- the Berita Acara ----------------------------------------------------------------------------------------

_OLD_NOTE = re.compile(r" \(explained for a difference of (-?\d+), now (-?\d+)\)$")


def line_label(line: ReconciliationLine, setup: DocumentSetup) -> str:
    """A reconciliation line's label from the catalogue by its ``item`` (``recon.item.<item>``; an item
    ``kind:key`` uses ``recon.item.<kind>`` with ``key`` named, e.g. an office), never its English
    ``label``; an item the catalogue does not know shows as itself."""
    kind, _, key = line.item.partition(":")
    catalogue_key = f"recon.item.{kind}"
    text = setup.t(catalogue_key, subject=_with_name(key, setup) if key else "")
    return line.item if text == catalogue_key else text


def _line_note(line: ReconciliationLine, setup: DocumentSetup) -> str:
    t = setup.t
    note = line.explanation or ""
    old = _OLD_NOTE.search(note)
    if old is not None:  # written for another difference: name both numbers, in the paper's language
        note = t("doc.note_outdated", note=note[: old.start()], was=old.group(1), now=old.group(2))
    return note or "-"


def _status_text(line: ReconciliationLine, setup: DocumentSetup) -> str:
    return setup.t(f"doc.line_status.{line.status}")


def comparison_rows(report: ReconciliationReport, setup: DocumentSetup) -> list[list[str]]:
    """The Berita Acara's comparison table as text, header first: number, item, expected, actual,
    difference, status, explanation (money items in rupiah)."""
    t = setup.t
    rows = [
        [
            t("doc.no"),
            t("doc.line_item"),
            t("doc.expected"),
            t("doc.actual"),
            t("doc.difference"),
            t("doc.line_status"),
            t("doc.explanation"),
        ]  # fmt: skip
    ]
    for n, line in enumerate(report.lines, start=1):
        shown: Callable[[int], str] = format_rupiah if line.item.startswith("money") else count
        rows.append([str(n), line_label(line, setup), shown(line.expected), shown(line.actual),
                     shown(line.difference), _status_text(line, setup), _line_note(line, setup)])  # fmt: skip
    return rows


def _party_fields(who: SignatoryInfo | None, setup: DocumentSetup, partner: bool) -> list[tuple[str, str]]:
    t = setup.t
    if who is None:
        return [(t("doc.name"), "......................................."), (t("doc.position"), "...")]
    rows = [(t("doc.name"), who.name)]
    if who.nip:
        rows.append((t("doc.nip_label"), who.nip))
    rows += [
        (t("doc.position"), who.position),
        (t("doc.company") if partner else t("doc.institution"), who.institution),
    ]
    if partner and who.npwp:
        rows.append((t("doc.npwp"), who.npwp))
    if who.address:
        rows.append((t("doc.address"), who.address))
    return rows


def stock_rows(report: ReconciliationReport, setup: DocumentSetup) -> list[list[str]]:
    """The blank-card movements per office (issue 15), header first: opening, deliveries, transfers in and
    out, printed, spoiled, count differences, the books' closing balance and the cards in transit."""
    t = setup.t
    rows = [
        [
            t("common.office"), t("doc.stock_opening"), t("doc.stock_received"), t("doc.stock_in"),
            t("doc.stock_out"), t("doc.stock_printed"), t("doc.stock_spoiled"), t("doc.stock_counts"),
            t("doc.stock_closing"), t("doc.stock_transit"),
        ]
    ]  # fmt: skip
    for x in report.stock:
        rows.append(
            [
                _with_name(x.office_code, setup), count(x.opening), count(x.received), count(x.transfers_in),
                count(x.transfers_out), "-" if x.printed is None else count(x.printed),
                "-" if x.spoiled is None else count(x.spoiled), f"{x.count_difference:+d}", count(x.closing),
                count(x.in_transit_out),
            ]
        )  # fmt: skip
    return rows


def _stock_section(report: ReconciliationReport, setup: DocumentSetup) -> list[Flowable]:
    if not report.stock:
        return []
    s = _styles()
    widths = [34 * mm] + [15 * mm] * 8 + [16 * mm]
    return [
        Paragraph(_esc(setup.t("doc.stock_title")), s["h"]),
        _table(stock_rows(report, setup), widths),
        Paragraph(_esc(setup.t("doc.stock_rule", transit=count(report.in_transit))), s["p"]),
    ]


def berita_acara_pdf(
    report: ReconciliationReport,
    statement: Statement,
    setup: DocumentSetup,
    stamp: Stamp,
    *,
    follow_up: Sequence[str] = (),
) -> bytes:
    """Berita Acara Rekonsiliasi: number and date, the parties, the legal basis, the period, every
    comparison with its difference and explanation, the agreed shares in figures and words, the follow-up
    and both signatures (DOMAIN.md section 5)."""
    s, t, lang = _styles(), setup.t, setup.lang
    day = stamp.made_on
    story: list[Flowable] = [
        *_letterhead(setup),
        Paragraph(_esc(t("doc.ba_title")), s["title"]),
        Paragraph(
            _esc(t("doc.number_line", number=stamp.number) if stamp.number else t("doc.number_none")),
            s["center"],
        ),
        Spacer(1, 8),
        Paragraph(
            _esc(
                t(
                    "doc.ba_opening",
                    weekday=WEEKDAYS[_lang(lang)][day.weekday()],
                    date=long_date(day, lang),
                    place=setup.place,
                )
            ),
            s["p"],
        ),
        Spacer(1, 2),
        Paragraph(f"<b>1. {_esc(t('doc.side_regency'))}</b>", s["p"]),
        _fields(_party_fields(setup.regency_signatory, setup, partner=False), indent=5 * mm),
        Paragraph(_esc(t("doc.acting_for_regency", regency=setup.regency.title())), s["p"]),
        Spacer(1, 2),
        Paragraph(f"<b>2. {_esc(t('doc.side_partner'))}</b>", s["p"]),
        _fields(_party_fields(setup.partner_signatory, setup, partner=True), indent=5 * mm),
        Paragraph(_esc(t("doc.acting_for_partner")), s["p"]),
        Spacer(1, 4),
        Paragraph(
            _esc(
                t(
                    "doc.ba_basis",
                    period=period_text(report.month, setup),
                    month=month_title(report.month, lang),
                    agreement=_contracts_text(statement, setup),
                )
            ),
            s["p"],
        ),
        Paragraph(_esc(t("doc.ba_comparison")), s["h"]),
        _table(
            comparison_rows(report, setup), [8 * mm, 46 * mm, 23 * mm, 23 * mm, 20 * mm, 20 * mm, 30 * mm]
        ),
        *_stock_section(report, setup),
        Spacer(1, 3),
        Paragraph(
            _esc(t("doc.ba_state_final") if report.status == "final" else t("doc.ba_state_open")), s["p"]
        ),
        Paragraph(_esc(t("doc.ba_agreed")), s["h"]),
        _table(
            [
                [t("doc.item"), t("doc.amount")],
                [t("doc.cards_billed"), count(statement.cards_billed)],
                [t("doc.gross"), format_rupiah(statement.gross_amount)],
                [t("doc.partner_share"), format_rupiah(statement.partner_share)],
                [t("doc.regency_share"), format_rupiah(statement.regency_share)],
                [t("doc.ppn"), format_rupiah(statement.ppn)],
                [t("doc.pph23"), format_rupiah(statement.pph23_withheld)],
                *_ppn_withheld_rows(statement, setup),
                [t("doc.net_payable"), format_rupiah(statement.net_payable_to_partner)],
            ],
            [120 * mm, 50 * mm],
            bold_last=True,
        ),
        Spacer(1, 3),
        Paragraph(_esc(t("doc.in_words_partner", words=rupiah_in_words(statement.partner_share))), s["p"]),
        Paragraph(_esc(t("doc.in_words_regency", words=rupiah_in_words(statement.regency_share))), s["p"]),
        Paragraph(_esc(t("doc.in_words", words=rupiah_in_words(statement.net_payable_to_partner))), s["p"]),
        Paragraph(_esc(t("doc.follow_up")), s["h"]),
    ]
    actions = list(follow_up) or [t("doc.follow_up_none")]
    story += [Paragraph(_esc(f"{i}. {a}"), s["p"]) for i, a in enumerate(actions, start=1)]
    story += [
        Spacer(1, 6),
        Paragraph(_esc(t("doc.ba_closing")), s["p"]),
        _signatures(
            setup,
            day,
            [
                (t("doc.side_partner"), setup.partner_signatory),
                (t("doc.side_regency"), setup.regency_signatory),
            ],
        ),
    ]
    return _pdf(story, t("doc.ba_title"), _page_marks(setup, stamp, t("doc.ba_short"), None), lang)


# --- the draft invoice ---------------------------------------------------------------------------------------


class InvoiceFigures:
    """The invoice's lines from the statement: the partner's share is the price (DPP), PPN on it as the
    contract says, PPh 23 withheld by the regency, the PPN the regency's treasurer collects and remits
    itself (pemungut PPN, the statement's ``ppn_withheld``) as its own line, and what the partner receives:
    the lines add up to what is paid."""

    def __init__(self, statement: Statement) -> None:
        self.price = statement.partner_share
        self.ppn = statement.ppn
        self.pph23 = statement.pph23_withheld
        self.invoiced = self.price + self.ppn
        self.received = statement.net_payable_to_partner
        self.ppn_collected_by_treasurer = statement.ppn_withheld


def invoice_pdf(
    statement: Statement,
    setup: DocumentSetup,
    stamp: Stamp,
    *,
    partner_invoice_number: str | None = None,
) -> bytes:
    """Rancangan tagihan: the partner's monthly invoice prefilled from the statement (price, PPN, PPh 23,
    what it receives, in figures and words), for the partner to number in its own books and sign. Always
    marked as a draft; SEMENTARA too while the month is open."""
    s, t, lang = _styles(), setup.t, setup.lang
    partner = setup.partner_signatory
    regency = setup.regency_signatory
    fig = InvoiceFigures(statement)
    company = partner.institution if partner else statement.partner_name or "-"
    story: list[Flowable] = [
        Paragraph(_esc(company.upper()), s["kop1"]),
        Paragraph(
            _esc(
                " · ".join(
                    x
                    for x in (
                        (partner.address if partner else ""),
                        (t("doc.npwp_of", npwp=partner.npwp) if partner and partner.npwp else ""),
                    )
                    if x
                )
                or " "
            ),
            s["center"],
        ),
        HRFlowable(width="100%", thickness=1.2, color=colors.black, spaceBefore=4, spaceAfter=6),
        Paragraph(_esc(t("doc.invoice_title")), s["title"]),
        Spacer(1, 8),
        _fields(
            [
                (t("doc.invoice_number"), partner_invoice_number or t("doc.invoice_number_blank")),
                (
                    t("doc.invoice_to"),
                    f"{regency.position}, {regency.institution}"
                    if regency
                    else f"{setup.agency} {setup.regency.title()}",
                ),
                (t("doc.agreement"), _contracts_text(statement, setup)),
                (
                    t("doc.period"),
                    f"{period_text(statement.month, setup)} ({month_title(statement.month, lang)})",
                ),
                (
                    t("doc.status"),
                    t("doc.status_final_statement")
                    if statement.status == "closed"
                    else t("doc.status_open_statement"),
                ),
            ]
        ),
        Spacer(1, 6),
    ]
    rows: list[list[Cell]] = [
        [t("doc.no"), t("doc.item"), t("doc.amount")],
        [
            "1",
            t(
                "doc.invoice_service",
                cards=count(statement.cards_billed),
                month=month_title(statement.month, lang),
            ),
            format_rupiah(fig.price),
        ],
        ["", t("doc.invoice_dpp"), format_rupiah(fig.price)],
        ["2", t("doc.ppn"), format_rupiah(fig.ppn)],
        ["", t("doc.invoice_total"), format_rupiah(fig.invoiced)],
        ["3", t("doc.invoice_pph23"), format_rupiah(-fig.pph23)],
    ]
    if fig.ppn_collected_by_treasurer:
        rows.append(["4", t("doc.invoice_ppn_treasurer"), format_rupiah(-fig.ppn_collected_by_treasurer)])
    rows.append(["", t("doc.invoice_received"), format_rupiah(fig.received)])
    story += [
        _table(rows, [10 * mm, 115 * mm, 45 * mm], bold_last=True),
        Spacer(1, 3),
        Paragraph(_esc(t("doc.in_words_invoice", words=rupiah_in_words(fig.invoiced))), s["p"]),
        Paragraph(_esc(t("doc.in_words", words=rupiah_in_words(fig.received))), s["p"]),
        Spacer(1, 4),
        Paragraph(_esc(t("doc.invoice_note")), s["small"]),
        _signatures(setup, stamp.made_on, [(company, partner)]),
    ]
    return _pdf(
        story,
        t("doc.invoice_title"),
        _page_marks(setup, stamp, t("doc.invoice_short"), t("doc.watermark_draft"), t("doc.draft_mark")),
        lang,
    )
