"""Documents for month end: the statement and the Berita Acara Rekonsiliasi as PDF, ready to sign (the
entries and totals as CSV and XLSX are in :mod:`billing.exports`).

Amounts are written ``Rp 10.000`` (dot thousands separator, a space after ``Rp``; :func:`format_rupiah`) and,
on the PDFs, also in words (``terbilang`` from lokal-id). Personal data: entries carry the masked NIK only.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from lokal import terbilang
from pydantic import BaseModel
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from billing.reconciliation import ReconciliationReport
from billing.statement import Figures, Statement

MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def format_rupiah(amount: int) -> str:
    """``10000`` -> ``Rp 10.000``; ``-2500`` -> ``-Rp 2.500``. (lokal-id's ``format_rupiah`` writes no space,
    ``Rp10.000``; official documents here use the spaced form.)"""
    digits = f"{abs(amount):,}".replace(",", ".")
    return f"{'-' if amount < 0 else ''}Rp {digits}"


def rupiah_in_words(amount: int) -> str:
    """``3500350`` -> ``Tiga juta lima ratus ribu tiga ratus lima puluh rupiah``."""
    return str(terbilang(amount, currency=True, case="sentence"))


def month_name(month: str) -> str:
    year, number = month.split("-")
    return f"{MONTHS_ID[int(number) - 1]} {year}"


class Party(BaseModel):
    """A signatory: who signs for which side, in which position."""

    side: str  # e.g. "Pihak Pertama (Pemerintah Kabupaten Sragen)"
    name: str
    position: str
    nip: str = ""


# --- PDF ----------------------------------------------------------------------------------------------

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str]:
    """DejaVu Sans when installed (any UTF-8 name prints), else the built-in Helvetica (Latin-1 only)."""
    if (_DEJAVU / "DejaVuSans.ttf").exists() and (_DEJAVU / "DejaVuSans-Bold.ttf").exists():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(_DEJAVU / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(_DEJAVU / "DejaVuSans-Bold.ttf")))
        return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _styles() -> dict[str, ParagraphStyle]:
    font, bold = _fonts()
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontName=bold, fontSize=14, leading=18),
        "h": ParagraphStyle("h", parent=base["Heading3"], fontName=bold, fontSize=10.5, spaceBefore=8),
        "p": ParagraphStyle("p", parent=base["BodyText"], fontName=font, fontSize=9, leading=12),
        "small": ParagraphStyle("s", parent=base["BodyText"], fontName=font, fontSize=7, leading=9),
    }


def _table(
    rows: Sequence[Sequence[Any]], widths: Sequence[float] | None = None, header: bool = True
) -> Table:
    font, bold = _fonts()
    table = Table([[str(c) for c in r] for r in rows], colWidths=widths, repeatRows=1 if header else 0)
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style += [("FONT", (0, 0), (-1, 0), bold, 8), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]
    table.setStyle(TableStyle(style))
    return table


def _signatures(parties: Sequence[Party], styles: dict[str, ParagraphStyle]) -> Table:
    cells = []
    for p in parties:
        nip = f"<br/>NIP {p.nip}" if p.nip else ""
        text = f"{p.side}<br/>{p.position}<br/><br/><br/><br/><br/><u>{p.name}</u>{nip}"
        cells.append(Paragraph(text, styles["p"]))
    table = Table([cells], colWidths=[170 * mm / max(len(cells), 1)] * len(cells))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    return table


def _pdf(story: list[Flowable], title: str) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    doc.build(story)
    return out.getvalue()


def _figures_rows(key_label: str, items: Sequence[tuple[str, Figures]]) -> list[list[Any]]:
    rows: list[list[Any]] = [[key_label, "Kartu", "Bruto", "Bagian mitra", "Bagian daerah"]]
    for key, f in items:
        rows.append([key, f"{f.cards_billed:,}".replace(",", "."), format_rupiah(f.gross_amount),
                     format_rupiah(f.partner_share), format_rupiah(f.regency_share)])  # fmt: skip
    return rows


def statement_pdf(statement: Statement, *, regency: str, parties: Sequence[Party] = ()) -> bytes:
    """The month's statement (Laporan Bagi Hasil) with totals, taxes, breakdowns and signature blocks."""
    s = _styles()
    status = (
        "FINAL: bulan ditutup dan ditandatangani secara elektronik"
        if statement.status == "closed"
        else "SEMENTARA: bulan belum ditutup, angka dapat berubah"
    )
    story: list[Flowable] = [
        Paragraph(f"LAPORAN BAGI HASIL PENCETAKAN KTP<br/>{month_name(statement.month)}", s["title"]),
        Paragraph(f"{regency} &mdash; mitra: {statement.partner_name or '-'}", s["p"]),
        Paragraph(f"Perjanjian kerja sama: {', '.join(statement.agreement_numbers) or '-'}", s["p"]),
        Paragraph(
            f"Periode: {statement.period_start} s.d. {statement.period_end} (UTC), zona {statement.zone}",
            s["p"],
        ),
        Paragraph(f"Status: {status}", s["p"]),
        Paragraph("Ringkasan", s["h"]),
    ]
    rows = [
        ["Uraian", "Jumlah"],
        ["Kartu ditagihkan", f"{statement.cards_billed:,}".replace(",", ".")],
        ["Kartu tidak ditagihkan (cetak ulang karena kerusakan printer)", str(statement.cards_not_billed)],
        ["Pendapatan bruto", format_rupiah(statement.gross_amount)],
        ["  dibayar warga (retribusi)", format_rupiah(statement.citizen_fees)],
        ["  dibayar daerah (jasa layanan)", format_rupiah(statement.regency_service_fees)],
        ["Bagian mitra", format_rupiah(statement.partner_share)],
        [
            "  termasuk penyesuaian pembulatan per periode",
            format_rupiah(statement.period_rounding_adjustment),
        ],
        ["Bagian daerah", format_rupiah(statement.regency_share)],
        ["PPN atas jasa mitra", format_rupiah(statement.ppn)],
        ["PPh 23 dipotong", format_rupiah(statement.pph23_withheld)],
        ["Jumlah dibayarkan kepada mitra", format_rupiah(statement.net_payable_to_partner)],
    ]
    story += [
        _table(rows, [120 * mm, 50 * mm]),
        Spacer(1, 4),
        Paragraph(f"Terbilang: <i>{rupiah_in_words(statement.net_payable_to_partner)}</i>", s["p"]),
        Paragraph("Per kantor", s["h"]),
        _table(_figures_rows("Kantor", [(b.key, b) for b in statement.by_office])),
        Paragraph("Per alasan penerbitan", s["h"]),
        _table(_figures_rows("Alasan", [(b.key, b) for b in statement.by_reason])),
        Paragraph("Per versi kontrak", s["h"]),
        _table(
            _figures_rows("Versi", [(f"#{v.contract_version_id}", v) for v in statement.by_contract_version])
        ),
        Paragraph(
            f"Termasuk transaksi periode lalu: {statement.prior_period.cards_billed} kartu, "
            f"{format_rupiah(statement.prior_period.gross_amount)}.",
            s["p"],
        ),
    ]
    if statement.chain is not None:
        story.append(
            Paragraph(
                f"Rantai hash: transaksi {statement.chain.first_seq}-{statement.chain.head_seq}, "
                f"kepala {statement.chain.head_hash}, {statement.chain.period_entries} entri; "
                f"ditandatangani dengan kunci {statement.key_id}.",
                s["small"],
            )
        )
    if parties:
        story += [Spacer(1, 16), _signatures(parties, s)]
    return _pdf(story, f"Laporan bagi hasil {statement.month}")


def berita_acara_pdf(
    report: ReconciliationReport,
    statement: Statement,
    *,
    number: str,
    signed_on: date,
    place: str,
    regency: str,
    parties: Sequence[Party],
    follow_up: Sequence[str] = (),
) -> bytes:
    """Berita Acara Rekonsiliasi: number and date, legal basis, period, parties, the figures of each source,
    differences with their explanations, the agreed shares, follow-up actions and signatures. Marked
    SEMENTARA while a difference is unexplained, FINAL once none is (DOMAIN.md section 5)."""
    s = _styles()
    final = report.status == "final"
    day = f"{signed_on.day} {MONTHS_ID[signed_on.month - 1]} {signed_on.year}"
    story: list[Flowable] = [
        Paragraph(f"BERITA ACARA REKONSILIASI ({'FINAL' if final else 'SEMENTARA'})", s["title"]),
        Paragraph(f"Nomor: {number}", s["p"]),
        Paragraph(
            f"Pada tanggal {day} di {place}, yang bertanda tangan di bawah ini telah melakukan rekonsiliasi "
            f"pencetakan KTP dan bagi hasil untuk periode {month_name(report.month)}.",
            s["p"],
        ),
        Paragraph(
            f"Dasar: perjanjian kerja sama nomor {', '.join(statement.agreement_numbers) or '-'}.", s["p"]
        ),
        Paragraph("Para pihak", s["h"]),
        _table([["Pihak", "Nama", "Jabatan"], *[[p.side, p.name, p.position] for p in parties]], header=True),
        Paragraph("Angka dari setiap sumber", s["h"]),
        _table(
            [
                ["Sumber", "Jumlah"],
                ["Kartu selesai menurut sistem penagihan", report.cards_completed],
                ["  di antaranya ditagihkan", report.cards_billed],
                ["Kartu dicetak + rusak menurut sisi pencetakan", report.printed_and_spoiled],
                ["Selisih penghitung printer (akhir - awal)", report.counter_delta],
                ["Blangko terpakai menurut stok", report.stock_consumed],
                ["Retribusi yang seharusnya diterima", format_rupiah(report.money_expected)],
                ["Diterima di kas daerah", format_rupiah(report.money_received)],
            ],
            [120 * mm, 50 * mm],
        ),
        Paragraph("Perbandingan dan selisih", s["h"]),
    ]
    rows: list[list[Any]] = [["Pos", "Seharusnya", "Sebenarnya", "Selisih", "Keterangan"]]
    for line in report.lines:
        money = line.item.startswith("money:")
        shown = format_rupiah if money else str
        explanation = line.explanation or ("-" if line.status == "match" else "BELUM DIJELASKAN")
        rows.append([
            Paragraph(line.label, s["small"]), shown(line.expected), shown(line.actual), shown(line.difference),
            Paragraph(explanation, s["small"]),
        ])  # fmt: skip
    story += [
        _table(rows, [58 * mm, 25 * mm, 25 * mm, 20 * mm, 42 * mm]),
        Paragraph("Bagi hasil yang disepakati", s["h"]),
        _table(
            [
                ["Uraian", "Jumlah"],
                ["Bagian mitra", format_rupiah(statement.partner_share)],
                ["Bagian daerah", format_rupiah(statement.regency_share)],
                ["PPN", format_rupiah(statement.ppn)],
                ["PPh 23 dipotong", format_rupiah(statement.pph23_withheld)],
                ["Dibayarkan kepada mitra", format_rupiah(statement.net_payable_to_partner)],
            ],
            [120 * mm, 50 * mm],
        ),
        Paragraph(f"Terbilang: <i>{rupiah_in_words(statement.net_payable_to_partner)}</i>", s["p"]),
        Paragraph("Tindak lanjut", s["h"]),
    ]
    actions = list(follow_up) or ["-"]
    story += [Paragraph(f"{i}. {a}", s["p"]) for i, a in enumerate(actions, start=1)]
    story += [
        Spacer(1, 6),
        Paragraph(
            f"Demikian berita acara ini dibuat untuk dipergunakan sebagaimana mestinya. {regency}.", s["p"]
        ),
        Spacer(1, 14),
        _signatures(parties, s),
    ]
    return _pdf(story, f"Berita acara rekonsiliasi {report.month}")
