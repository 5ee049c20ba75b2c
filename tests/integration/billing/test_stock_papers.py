"""The Berita Acara with the month's blank-card movements (issue 15): each office's stock line in the
comparison table (labelled from the catalogue, with the office's name) and the movements table with the
cards in transit."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from billing import papers
from billing.config import BillingConfig
from billing.reconciliation import CounterReading, PrintingFigures, StockCount, reconcile
from billing.statement import get_statement
from tests.integration.billing.test_papers import JAN_5, month_with_every_kind_of_difference
from tests.pdf_checks import assert_readable

# Kalijambe by hand: 900 + 100 delivered + 28 in - 20 out - 1000 printed - 3 spoiled - 1 counted = 4.
KALIJAMBE = StockCount(
    office_code="33.14.01", office_name="Kantor Kecamatan Kalijambe", opening=900, received=100,
    transfers_in=28, transfers_out=20, printed=1000, spoiled=3, count_difference=-1, closing=4,
    in_transit_out=20, transit_shortfall=2,
)  # fmt: skip
PRINTING = PrintingFigures(
    cards_printed=1000,
    cards_spoiled=3,
    counters=[CounterReading(printer_id="p1", start=0, end=1004)],
    stock=[KALIJAMBE],
)


def test_the_stock_line_and_movements_on_the_berita_acara(db: Session, config: BillingConfig) -> None:
    setup = month_with_every_kind_of_difference(db, config)
    report = reconcile(db, "2026-12", PRINTING, config=config, now=JAN_5)
    assert KALIJAMBE.expected_closing == 4 and KALIJAMBE.consumed == 1003
    lines = {x.item: x for x in report.lines}
    assert lines["stock_consumed"].status == "match"  # 1.003 used; the 20 sent on were moved, not used
    assert (lines["stock:33.14.01"].expected, lines["stock:33.14.01"].actual) == (4, 4)
    assert report.in_transit == 20
    rows = papers.comparison_rows(report, setup)
    assert [
        "Mutasi blanko 33.14.01 Kantor Kecamatan Kalijambe: saldo akhir menurut mutasi dibandingkan dengan "
        "buku stok", "4", "4", "0", "Sesuai", "-",
    ] in [r[1:] for r in rows]  # fmt: skip
    assert papers.stock_rows(report, setup)[1] == [
        "33.14.01 Kantor Kecamatan Kalijambe", "900", "100", "28", "20", "1.000", "3", "-1", "4", "20",
    ]  # fmt: skip
    pdf = papers.berita_acara_pdf(
        report,
        get_statement(db, "2026-12", config=config),
        setup,
        papers.Stamp(date(2027, 1, 5), provisional=True),
    )
    text = " ".join(assert_readable(pdf))
    assert "2. Mutasi blanko per kantor" in text
    assert "Dalam perjalanan pada akhir bulan: 20 blanko." in text
    assert "900 100 28 20 1.000 3 -1 4 20" in text
