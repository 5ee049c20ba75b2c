"""The handover receipt (tanda terima penyerahan KTP-el) as a PDF: what was handed over, to whom, when,
and the short link and QR code to the IKM survey (one answer per receipt: the link's token is the
receipt's). The QR code is drawn as vector squares from segno's matrix, so it scans sharp at any size."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

from ktp_service.nik import mask_nik
from ktp_service.web.i18n import waktu

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str]:
    """DejaVu Sans when installed (names with any letter print), else Helvetica (Latin-1 only)."""
    regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
        return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


class QrCode(Flowable):
    """A QR code of ``data`` (error correction M), ``size`` points wide including its quiet zone."""

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        self.qr = segno.make(data, error="m", micro=False)
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        rows = [list(r) for r in self.qr.matrix_iter(scale=1, border=4)]
        cell = self.size / len(rows)
        canvas = self.canv
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for y, row in enumerate(rows):
            for x, dark in enumerate(row):
                if dark:
                    # PDF's y grows upwards; the matrix's first row is the top.
                    canvas.rect(x * cell, self.size - (y + 1) * cell, cell, cell, stroke=0, fill=1)


@dataclass
class ReceiptData:
    regency: str
    office: str
    card_serial: str
    nik: str
    nama: str
    reason: str
    handed_over_at: datetime
    recipient: str  # "penduduk" | "kuasa"
    proxy_name: str | None
    proxy_relation: str | None
    proxy_letter: str | None
    old_card_serial: str | None
    clerk: str
    survey_url: str
    zone: str


def receipt_pdf(d: ReceiptData) -> bytes:
    font, bold = _fonts()
    p = ParagraphStyle("p", fontName=font, fontSize=9, leading=12)
    small = ParagraphStyle("s", fontName=font, fontSize=7.5, leading=9.5)
    title = ParagraphStyle("t", fontName=bold, fontSize=12, leading=15, alignment=1)
    head = ParagraphStyle("h", fontName=bold, fontSize=10, leading=13, spaceBefore=6)
    # The link on one line (a typed link must not wrap): it shrinks for a long base address.
    link = ParagraphStyle(
        "l", fontName=bold, fontSize=min(10.0, 118 * mm / (0.62 * len(d.survey_url))), alignment=1
    )
    if d.recipient == "kuasa":
        to = f"Kuasa: {d.proxy_name} ({d.proxy_relation})"
        if d.proxy_letter:
            to += f", surat kuasa nomor {d.proxy_letter}"
    else:
        to = "Penduduk yang bersangkutan"
    rows = [
        ["Nomor kartu", d.card_serial],
        ["NIK", mask_nik(d.nik)],
        ["Nama", d.nama],
        ["Alasan", d.reason],
        [
            "Diserahkan",
            f"{waktu(d.handed_over_at, d.zone)} {d.handed_over_at.astimezone(ZoneInfo(d.zone)).tzname()}",
        ],
        ["Diterima oleh", to],
        ["Kantor", d.office],
        ["Petugas", d.clerk],
    ]
    if d.old_card_serial:
        rows.append(["Kartu lama", f"{d.old_card_serial}: ditarik dan dimusnahkan"])
    table = Table([[Paragraph(a, p), Paragraph(b, p)] for a, b in rows], colWidths=[28 * mm, 94 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
            ]
        )
    )
    survey_text = Paragraph(
        f"<font name='{bold}'>Survei Kepuasan Masyarakat</font><br/>Bagaimana pelayanan kami? Pindai kode QR ini atau ketik "
        "tautan di bawahnya di ponsel Anda (tanpa login, sekitar 2 menit). Satu tanda terima, satu jawaban.",
        p,
    )
    survey = Table(
        [[QrCode(d.survey_url, 36 * mm), survey_text], [Paragraph(d.survey_url, link), ""]],
        colWidths=[40 * mm, 82 * mm],
    )
    survey.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("SPAN", (0, 1), (1, 1)),
                ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
            ]
        )
    )
    signs = Table(
        [[Paragraph("Yang menerima,<br/><br/><br/><br/>(....................)", p),
          Paragraph(f"Petugas,<br/><br/><br/><br/>({d.clerk})", p)]],
        colWidths=[61 * mm, 61 * mm],
    )  # fmt: skip
    story = [
        Paragraph("TANDA TERIMA PENYERAHAN KTP-el", title),
        Paragraph(f"{d.regency} · {d.office}", ParagraphStyle("c", parent=p, alignment=1)),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 4 * mm),
        KeepTogether([Paragraph("Pendapat Anda", head), survey]),
        Spacer(1, 4 * mm),
        signs,
        Spacer(1, 3 * mm),
        Paragraph("Simpan tanda terima ini. Tautan survei hanya untuk kartu ini.", small),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A5,
        leftMargin=13 * mm,
        rightMargin=13 * mm,
        topMargin=12 * mm,
        bottomMargin=10 * mm,
        title=f"Tanda terima {d.card_serial}",
    )
    doc.build(story)
    return out.getvalue()
