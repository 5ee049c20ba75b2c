"""The month's reconciliation uses the blank-card movements (issue 15), SQLite and PostgreSQL: per office,
opening + deliveries + transfers in - transfers out - printed - spoiled +/- count differences = closing,
with a transfer still in transit at the month's end and a stock count that differed; a card printed without
its stock movement makes its office's line a named difference."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ktp_service import regions
from ktp_service.billing_bridge import config_for
from ktp_service.models import Office, Printer
from ktp_service.seed import REGENCY
from ktp_service.services import billing, stock, stock_transfers
from ktp_service.services.actor import SYSTEM
from ktp_service.settings import Settings
from tests.conftest import World
from tests.integration.test_service_standard import make_card
from tests.integration.web.test_pages import login

WIB = ZoneInfo("Asia/Jakarta")


def test_the_stock_line_with_a_transfer_in_transit_and_a_count_difference(
    world: World, settings: Settings, client: TestClient
) -> None:
    now = datetime.now(WIB)
    month = now.strftime("%Y-%m")
    other = next(r.code for r in regions.children(REGENCY) if r.code != "33.14.01")
    with Session(world.engine) as s:
        offices = {o.code: o for o in s.exec(select(Office))}
        kpt, kalijambe, third = offices[REGENCY], offices["33.14.01"], offices[other]
        stock_transfers.deliver(s, SYSTEM, kpt, quantity=100, supplier="Peruri", batch="B-1")
        sent = stock_transfers.send(s, SYSTEM, kpt, kalijambe, 30, "untuk Kalijambe")
        stock_transfers.send(s, SYSTEM, kpt, third, 20, "belum sampai")  # in transit at the month's end
        stock_transfers.receive(s, SYSTEM, sent.id or 0, 28, "dua kartu rusak di jalan")
        assert kalijambe.id is not None
        printer = Printer(name="Kalijambe-Test", office_id=kalijambe.id, adapter="simulator")
        s.add(printer)
        s.flush()
        for serial in (1, 2, 3):  # three cards printed, each with its stock movement
            job = make_card(s, kalijambe, printer, serial, now, now, None)
            stock.consume(s, kalijambe.id, job.id or 0, spoiled=False)
        s.flush()
        # The books say 28 - 3 = 25; the count finds 24: a difference of -1 (a count movement).
        stock_transfers.count(s, SYSTEM, kalijambe, 24, "satu blanko hilang")
        s.commit()

    def report() -> dict[str, object]:
        with Session(world.engine) as s:
            rec = billing.reconcile(s, SYSTEM, month, config_for(settings))
            s.commit()
        return {
            "lines": {x.item: x for x in rec.lines},
            "stock": {x.office_code: x for x in rec.stock},
            "rec": rec,
        }

    got = report()
    lines, lines_stock = got["lines"], got["stock"]
    assert isinstance(lines, dict) and isinstance(lines_stock, dict)
    k = lines_stock["33.14.01"]
    # Kalijambe by hand: 0 + 0 delivered + 28 in - 0 out - 3 printed - 0 spoiled - 1 counted = 24.
    assert (k.opening, k.received, k.transfers_in, k.transfers_out, k.printed, k.spoiled) == (
        0,
        0,
        28,
        0,
        3,
        0,
    )
    assert (k.count_difference, k.expected_closing, k.closing, k.transit_shortfall) == (-1, 24, 24, 2)
    assert lines["stock:33.14.01"].status == "match"
    # The KPT: 100 delivered, 50 sent (30 arrived, 20 still on the way): 50 left.
    p = lines_stock[REGENCY]
    assert (p.received, p.transfers_out, p.closing, p.expected_closing, p.in_transit_out) == (
        100,
        50,
        50,
        50,
        20,
    )
    # The third office has nothing yet: the 20 cards are on their way to it, in neither balance.
    t = lines_stock[other]
    assert (t.closing, t.in_transit_in, t.expected_closing) == (0, 20, 0)
    assert got["rec"].in_transit == 20  # type: ignore[attr-defined]
    assert lines["stock_consumed"].status == "match"  # 3 printed = 28 + 100 - 50 ... - closings, by the books

    # A card printed at Kalijambe whose blank never left the books: Kalijambe's line is a named difference.
    with Session(world.engine) as s:
        kalijambe = s.exec(select(Office).where(Office.code == "33.14.01")).one()
        printer = s.exec(select(Printer).where(Printer.name == "Kalijambe-Test")).one()
        make_card(s, kalijambe, printer, 4, now, now, None)
        s.commit()
    lines = report()["lines"]
    assert isinstance(lines, dict)
    line = lines["stock:33.14.01"]
    assert (line.expected, line.actual, line.difference, line.status) == (23, 24, 1, "open")
    assert "33.14.01 Kantor Kecamatan Kalijambe" in line.label

    login(client, "finance")
    page = client.get(f"/finance/{month}/reconciliation").text
    assert 'data-testid="stock-lines"' in page and 'data-item="stock:33.14.01"' in page
    assert "Blanko 33.14.01 Kantor Kecamatan Kalijambe" in page
    assert "dalam perjalanan (20 blanko)" in page
