"""Month-end documents: the statement and the Berita Acara as PDF, entries and totals as CSV and XLSX."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from pypdf import PdfReader
from sqlmodel import Session

from billing.config import BillingConfig
from billing.documents import Party, berita_acara_pdf, statement_pdf
from billing.posting import post_events
from billing.reconciliation import CounterReading, PrintingFigures, explain_difference, reconcile
from billing.statement import close_period, get_statement
from tests.unit.billing.factories import add_contract, event

JAN_5 = datetime(2027, 1, 5, tzinfo=UTC)
PARTIES = [
    Party(
        side="Pihak Pertama", name="Drs. Sutrisno", position="Kepala Dinas Dukcapil", nip="196801011990031001"
    ),
    Party(side="Pihak Kedua", name="Budi Santoso", position="Direktur PT Kartu Nusantara"),
]


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages
    )


def month_of_cards(db: Session, config: BillingConfig) -> None:
    add_contract(db, rounding="per_period")
    start = datetime(2026, 12, 2, 1, tzinfo=UTC)
    post_events(db, [event(start + timedelta(minutes=i)) for i in range(1000)], config=config, now=JAN_5)
    db.commit()


def test_statement_pdf_has_figures_in_rupiah_and_words(db: Session, config: BillingConfig) -> None:
    month_of_cards(db, config)
    open_text = pdf_text(
        statement_pdf(get_statement(db, "2026-12", config=config, now=JAN_5), regency="Kabupaten Sragen")
    )
    assert "SEMENTARA" in open_text
    closed = close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_5).statement
    db.commit()
    text = pdf_text(statement_pdf(closed, regency="Kabupaten Sragen", parties=PARTIES))
    assert "LAPORAN BAGI HASIL PENCETAKAN KTP Desember 2026" in text
    assert "027/PKS/2026" in text
    assert "Bagian mitra Rp 3.500.350" in text
    assert "Bagian daerah Rp 6.500.650" in text
    assert "PPh 23 dipotong Rp 70.007" in text
    assert "Jumlah dibayarkan kepada mitra Rp 3.430.343" in text
    assert "Tiga juta empat ratus tiga puluh ribu tiga ratus empat puluh tiga rupiah" in text
    assert "Drs. Sutrisno" in text and "NIP 196801011990031001" in text and "Budi Santoso" in text
    assert closed.chain is not None and closed.chain.head_hash in text.replace(" ", "")


def test_berita_acara_shows_sources_differences_and_status(db: Session, config: BillingConfig) -> None:
    month_of_cards(db, config)
    closed = close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_5).statement
    printing = PrintingFigures(
        cards_printed=1000, cards_spoiled=3, counters=[CounterReading(printer_id="p1", start=0, end=1004)]
    )
    report = reconcile(db, "2026-12", printing, config=config, now=JAN_5)
    kwargs = {"number": "001/BA-REK/XII/2026", "signed_on": date(2027, 1, 5), "place": "Sragen",
              "regency": "Kabupaten Sragen", "parties": PARTIES, "follow_up": ["Periksa penghitung printer p1"]}  # fmt: skip
    text = pdf_text(berita_acara_pdf(report, closed, **kwargs))  # type: ignore[arg-type]
    assert "BERITA ACARA REKONSILIASI (SEMENTARA)" in text
    assert "Nomor: 001/BA-REK/XII/2026" in text
    assert "5 Januari 2027 di Sragen" in text
    assert "Desember 2026" in text and "027/PKS/2026" in text
    assert "BELUM DIJELASKAN" in text  # counter 1004 vs printed + spoiled 1003; no money received either
    assert "Rp 10.001.000" in text  # citizen fees expected
    assert "Periksa penghitung printer p1" in text
    assert "Kepala Dinas Dukcapil" in text
    for item in ("printer_counters", "stock_consumed", "money:33.14.01"):
        explain_difference(db, "2026-12", item, f"dijelaskan: {item}", author="finance", now=JAN_5)
    db.commit()
    report = reconcile(db, "2026-12", printing, config=config, now=JAN_5)
    final = pdf_text(berita_acara_pdf(report, closed, **kwargs))  # type: ignore[arg-type]
    assert "BERITA ACARA REKONSILIASI (FINAL)" in final
    assert "BELUM DIJELASKAN" not in final and "dijelaskan: printer_counters" in final
