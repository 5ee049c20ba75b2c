"""Render each month-end paper to PNG for the README (docs/statement.png, docs/berita-acara.png,
docs/invoice.png): a sample December 2026 in a temporary SQLite database, closed and reconciled, its papers
made as the service makes them (records.make_document), then every page rasterised with pdftoppm and the
pages set side by side in one image (the signatures are on the last page).

    PYTHONPATH=. .venv/bin/python scripts/render_papers.py [OUT_DIR]   # default: docs
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image
from sqlmodel import Session

from billing import papers, records
from billing.config import BillingConfig
from billing.contracts import list_contract_versions
from billing.models import create_billing_tables
from billing.posting import post_events
from billing.reconciliation import (
    CounterReading,
    PrintingFigures,
    StockCount,
    explain_difference,
    reconcile,
    record_money_received,
)
from billing.statement import close_period
from ktp_service.catalogue import translate
from ktp_service.db import make_engine
from tests.unit.billing.factories import add_contract, event

NAMES = {"33.14.01": "Kantor Kecamatan Kalijambe", "33.14.02": "Kantor Kecamatan Plupuh"}
MADE = datetime(2027, 1, 5, 3, tzinfo=UTC)


def setup_for(db: Session, day: date) -> papers.DocumentSetup:
    def t(key: str, /, **values: object) -> str:
        return translate(key, "id", **values)

    return papers.DocumentSetup(
        t=t,
        names=NAMES,
        contracts={
            v.id: papers.ContractRef(v.number, v.signed_on, v.effective_from)
            for v in list_contract_versions(db)
            if v.id is not None
        },
        regency_signatory=records.info(records.signatory_in_force(db, "regency", day)),
        partner_signatory=records.info(records.signatory_in_force(db, "partner", day)),
    )


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/papers.sqlite3")
        create_billing_tables(engine)
        config = BillingConfig(key_dir=Path(tmp) / "keys")
        with Session(engine, expire_on_commit=False) as db:
            version = add_contract(db, rounding="per_period", ppn={"pkp": True})
            version.signed_on = date(2026, 10, 28)
            for data in (
                records.SignatoryIn(
                    side="regency",
                    name="Drs. Sutrisno, M.Si.",
                    nip="196801011990031001",
                    rank="Pembina Utama Muda (IV/c)",
                    position="Kepala Dinas Kependudukan dan Pencatatan Sipil",
                    institution="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sragen",
                    effective_from=date(2026, 1, 1),
                ),
                records.SignatoryIn(
                    side="partner",
                    name="Budi Santoso",
                    position="Direktur Utama",
                    institution="PT Kartu Nusantara",
                    npwp="01.234.567.8-901.000",
                    address="Jl. Raya Sukowati No. 12, Sragen",
                    effective_from=date(2026, 1, 1),
                ),
            ):
                records.add_signatory(db, data, author="finance")
            start = datetime(2026, 12, 2, 1, tzinfo=UTC)
            cards = [event(start + timedelta(minutes=i)) for i in range(620)]
            cards += [
                event(start + timedelta(minutes=i), office_code="33.14.02", reason="hilang")
                for i in range(380)
            ]
            post_events(db, cards, config=config, now=MADE)
            st = close_period(db, "2026-12", config=config, unposted_events=0, now=MADE).statement
            record_money_received(
                db,
                month="2026-12",
                office_code="33.14.01",
                day=date(2026, 12, 31),
                amount=6_200_620,
                now=MADE,
            )
            record_money_received(
                db,
                month="2026-12",
                office_code="33.14.02",
                day=date(2026, 12, 31),
                amount=3_799_380,
                now=MADE,
            )
            printing = PrintingFigures(
                cards_printed=1000,
                cards_spoiled=4,
                counters=[CounterReading(printer_id="kalijambe-1", start=18_200, end=19_205)],
                stock=[StockCount(office_code="33.14.01", opening=800, received=1000, closing=796)],
            )
            explain_difference(
                db,
                "2026-12",
                "printer_counters",
                "Satu kartu uji setelah penggantian pita",
                author="f",
                difference=1,
            )
            explain_difference(
                db,
                "2026-12",
                "money:33.14.02",
                "Setoran 2 Januari 2027 (STS-0004)",
                author="f",
                difference=-1000,
            )
            report = reconcile(db, "2026-12", printing, config=config, now=MADE)
            common = {"config": config, "agency": "DISDUKCAPIL", "author": "finance", "now": MADE}
            statement = records.make_document(
                db, month="2026-12", kind="statement", pattern="{seq:03d}/LBH/{agency}/{roman_month}/{year}",
                render=lambda stamp: papers.statement_pdf(st, setup_for(db, stamp.made_on), stamp), **common,
            )  # fmt: skip
            ba = records.make_document(
                db, month="2026-12", kind="berita_acara", pattern="{seq:03d}/BA-REKON/{agency}/{roman_month}/{year}",
                render=lambda stamp: papers.berita_acara_pdf(
                    report, st, setup_for(db, stamp.made_on), stamp,
                    follow_up=["Pembacaan penghitung printer dicatat setiap akhir bulan"],
                ), **common,
            )  # fmt: skip
            invoice = papers.invoice_pdf(
                st,
                setup_for(db, date(2027, 1, 5)),
                papers.Stamp(date(2027, 1, 5)),
                partner_invoice_number="INV/KN/2027/0007",
            )
            db.commit()
        engine.dispose()
        out.mkdir(parents=True, exist_ok=True)
        for name, pdf in (
            ("statement", statement.content),
            ("berita-acara", ba.content),
            ("invoice", invoice),
        ):
            path = Path(tmp) / f"{name}.pdf"
            path.write_bytes(pdf)
            # 72 dpi: readable in a README, small in the repository
            subprocess.run(["pdftoppm", "-png", "-r", "72", str(path), str(Path(tmp) / name)], check=True)
            pages = [Image.open(p) for p in sorted(Path(tmp).glob(f"{name}-*.png"))]
            width = sum(p.width for p in pages) + 12 * (len(pages) - 1)
            sheet = Image.new("RGB", (width, pages[0].height), "#888888")
            x = 0
            for page in pages:
                sheet.paste(page, (x, 0))
                x += page.width + 12
            sheet.save(out / f"{name}.png", optimize=True)
            print(out / f"{name}.png", len(pages), "page(s)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs"))
