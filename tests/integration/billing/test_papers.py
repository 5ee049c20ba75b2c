"""The month-end papers as a person reads them (rasterised, text extracted), and as records: numbered from the
year they are made in, signed, stored once, naming the signatories in force that day."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from billing import papers, records
from billing.canonical import sha256_hex
from billing.config import BillingConfig
from billing.contracts import list_contract_versions
from billing.errors import DocumentAlreadyMade
from billing.posting import post_events
from billing.reconciliation import (
    CounterReading,
    PrintingFigures,
    explain_difference,
    reconcile,
    record_money_received,
)
from billing.signing import load_public_key, signature_valid
from billing.statement import Statement, close_period, get_statement
from ktp_service.catalogue import translate
from tests.pdf_checks import assert_readable, pages_text, text_of
from tests.unit.billing.factories import add_contract, event

JAN_5 = datetime(2027, 1, 5, 3, tzinfo=UTC)  # 10:00 WIB
STATEMENT_PATTERN = "{seq:03d}/LBH/{agency}/{roman_month}/{year}"
BA_PATTERN = "{seq:03d}/BA-REKON/{agency}/{roman_month}/{year}"
NAMES = {"33.14.01": "Kantor Kecamatan Kalijambe", "33.14.02": "Kantor Kecamatan Plupuh"}
REGENCY_SIGNER = records.SignatoryIn(
    side="regency",
    name="Drs. Sutrisno, M.Si.",
    nip="196801011990031001",
    rank="Pembina Utama Muda (IV/c)",
    position="Kepala Dinas Kependudukan dan Pencatatan Sipil",
    institution="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sragen",
    effective_from=date(2026, 1, 1),
)
PARTNER_SIGNER = records.SignatoryIn(
    side="partner",
    name="Budi Santoso",
    position="Direktur Utama",
    institution="PT Kartu Nusantara",
    npwp="01.234.567.8-901.000",
    address="Jl. Raya Sukowati No. 12, Sragen",
    effective_from=date(2026, 1, 1),
)


def setup_for(db: Session, day: date, lang: str = "id") -> papers.DocumentSetup:
    """As the application builds it (ktp_service.services.billing.document_setup), from billing's tables."""

    def t(key: str, /, **values: object) -> str:
        return translate(key, lang, **values)

    return papers.DocumentSetup(
        t=t,
        lang=lang,
        names=NAMES,
        contracts={
            v.id: papers.ContractRef(v.number, v.signed_on, v.effective_from)
            for v in list_contract_versions(db)
            if v.id is not None
        },
        regency_signatory=records.info(records.signatory_in_force(db, "regency", day)),
        partner_signatory=records.info(records.signatory_in_force(db, "partner", day)),
    )


def month_of_cards(db: Session, config: BillingConfig, **contract: object) -> None:
    version = add_contract(db, rounding="per_period", **contract)
    version.signed_on = date(2026, 10, 28)
    db.add(version)
    records.add_signatory(db, REGENCY_SIGNER, author="finance")
    records.add_signatory(db, PARTNER_SIGNER, author="finance")
    start = datetime(2026, 12, 2, 1, tzinfo=UTC)
    post_events(db, [event(start + timedelta(minutes=i)) for i in range(1000)], config=config, now=JAN_5)
    db.commit()


def make_statement(db: Session, config: BillingConfig, st: Statement, now: datetime) -> records.MonthDocument:
    return records.make_document(
        db,
        month=st.month,
        kind="statement",
        config=config,
        pattern=STATEMENT_PATTERN,
        agency="DISDUKCAPIL",
        author="finance",
        render=lambda stamp: papers.statement_pdf(st, setup_for(db, stamp.made_on), stamp),
        now=now,
    )


def test_the_final_statement_reads_right_and_is_signed(db: Session, config: BillingConfig) -> None:
    month_of_cards(db, config)
    closed = close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_5).statement
    doc = make_statement(db, config, closed, JAN_5)
    db.commit()
    assert (doc.number, doc.made_on, doc.year, doc.sequence) == (
        "001/LBH/DISDUKCAPIL/I/2027",
        date(2027, 1, 5),
        2027,
        1,
    )
    assert doc.sha256 == sha256_hex(doc.content)
    public = load_public_key(config.keys.public_key_pem())
    assert signature_valid(public, doc.content, doc.signature) and doc.key_id == config.keys.key_id()
    pages = assert_readable(doc.content)
    text = " ".join(pages)
    for shown in (
        "PEMERINTAH KABUPATEN SRAGEN",
        "LAPORAN BAGI HASIL PENCETAKAN KTP",
        "BULAN DESEMBER 2026",
        "Nomor : 001/LBH/DISDUKCAPIL/I/2027",
        "Perjanjian kerja sama : 027/PKS/2026 tanggal 28-10-2026",
        "Periode : 01-12-2026 s.d. 31-12-2026 (WIB)",
        "Bagian mitra Rp 3.500.350",
        "Bagian daerah Rp 6.500.650",
        "PPh Pasal 23 dipotong Rp 70.007",
        "Jumlah dibayarkan kepada mitra Rp 3.430.343",
        "Tiga juta empat ratus tiga puluh ribu tiga ratus empat puluh tiga rupiah",
        "33.14.01 Kantor Kecamatan Kalijambe",
        # per-period rounding: the per-card parts and a named row add up to the month's total
        "Penyesuaian pembulatan per periode Rp 350 -Rp 350 Jumlah 1.000 Rp 10.001.000 Rp 3.500.350",
        "Sragen, 5 Januari 2027",
        "PIHAK KEDUA PIHAK PERTAMA",
        "Drs. Sutrisno, M.Si.",
        "NIP 196801011990031001",
        "Budi Santoso",
    ):
        assert shown in text, shown
    assert all("Nomor 001/LBH/DISDUKCAPIL/I/2027" in page for page in pages)
    assert "SEMENTARA" not in text
    # made once
    with pytest.raises(DocumentAlreadyMade):
        make_statement(db, config, closed, JAN_5 + timedelta(days=1))
    db.rollback()
    assert records.get_document(db, "2026-12", "statement") is not None
    assert [d.number for d in records.month_documents(db, "2026-12")] == ["001/LBH/DISDUKCAPIL/I/2027"]


def test_an_open_month_is_sementara_on_every_page_and_unnumbered(db: Session, config: BillingConfig) -> None:
    month_of_cards(db, config)
    st = get_statement(db, "2026-12", config=config, now=JAN_5)
    pdf = papers.statement_pdf(
        st, setup_for(db, date(2027, 1, 5)), papers.Stamp(date(2027, 1, 5), provisional=True)
    )
    pages = assert_readable(pdf)
    assert len(pages) >= 2 and all("SEMENTARA" in page for page in pages)
    assert "Nomor :" not in " ".join(pages) and "/LBH/" not in " ".join(pages)
    with pytest.raises(ValueError, match="no number"):
        papers.Stamp(date(2027, 1, 5), number="001", provisional=True)


def test_an_english_copy_is_a_translation_on_every_page(db: Session, config: BillingConfig) -> None:
    month_of_cards(db, config)
    closed = close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_5).statement
    pdf = papers.statement_pdf(closed, setup_for(db, date(2027, 1, 5), "en"), papers.Stamp(date(2027, 1, 5)))
    pages = assert_readable(pdf, english_allowed=True)
    assert all("TRANSLATION" in page for page in pages)
    assert "Partner's share Rp 3.500.350" in " ".join(pages) and "/LBH/" not in " ".join(pages)


def month_with_every_kind_of_difference(db: Session, config: BillingConfig) -> papers.DocumentSetup:
    """Cards match; the counters differ by one (explained); the blank-card stock is not reported (open);
    money received is short by Rp 1.000 (explained, then the difference changes: open again)."""
    month_of_cards(db, config)
    close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_5)
    record_money_received(
        db, month="2026-12", office_code="33.14.01", day=date(2026, 12, 31), amount=10_000_000, now=JAN_5
    )
    explain_difference(db, "2026-12", "printer_counters", "Satu kartu uji cetak", author="f", difference=1)
    explain_difference(db, "2026-12", "money:33.14.01", "Setoran menyusul", author="f", difference=-2000)
    db.commit()
    return setup_for(db, date(2027, 1, 5))


PRINTING = PrintingFigures(
    cards_printed=1000, cards_spoiled=3, counters=[CounterReading(printer_id="p1", start=0, end=1004)]
)
GOLDEN = [
    ["No.", "Pos", "Seharusnya", "Sebenarnya", "Selisih", "Status", "Keterangan"],
    ["1", "Kartu selesai: catatan pencetakan dibandingkan dengan sistem penagihan", "1.000", "1.000", "0",
     "Sesuai", "-"],
    ["2", "Kartu tercetak dan rusak dibandingkan dengan penghitung printer", "1.003", "1.004", "1",
     "Dijelaskan", "Satu kartu uji cetak"],
    ["3", "Kartu tercetak dan rusak dibandingkan dengan blangko terpakai", "1.003", "0", "-1.003",
     "BELUM DIJELASKAN", "-"],
    ["4", "Retribusi 33.14.01 Kantor Kecamatan Kalijambe: seharusnya dibandingkan dengan yang diterima di "
     "kas daerah", "Rp 10.001.000", "Rp 10.000.000", "-Rp 1.000", "BELUM DIJELASKAN",
     "Setoran menyusul (dijelaskan untuk selisih -2000, kini -1000)"],
]  # fmt: skip


def test_the_berita_acara_rows_read_right_for_every_kind_of_difference(
    db: Session, config: BillingConfig
) -> None:
    setup = month_with_every_kind_of_difference(db, config)
    report = reconcile(db, "2026-12", PRINTING, config=config, now=JAN_5)
    assert [line.status for line in report.lines] == ["match", "explained", "open", "open"]
    assert papers.comparison_rows(report, setup) == GOLDEN
    closed = get_statement(db, "2026-12", config=config)
    pdf = papers.berita_acara_pdf(
        report, closed, setup, papers.Stamp(date(2027, 1, 5), provisional=True), follow_up=["Periksa stok"]
    )
    pages = assert_readable(pdf)
    text = " ".join(pages)
    assert all("SEMENTARA" in page for page in pages)
    for row in GOLDEN[1:]:
        assert " ".join(row[2:6]) in text, row  # the figures and status side by side, as text
    for shown in (
        "BERITA ACARA REKONSILIASI PENCETAKAN KTP DAN BAGI HASIL",
        "Pada hari ini, Selasa tanggal 5 Januari 2027, bertempat di Sragen",
        "Nama : Drs. Sutrisno, M.Si.",
        "Perusahaan : PT Kartu Nusantara",
        "NPWP : 01.234.567.8-901.000",
        "Perjanjian Kerja Sama nomor 027/PKS/2026 tanggal 28-10-2026",
        "bulan Desember 2026 (periode 01-12-2026 s.d. 31-12-2026)",
        "Masih terdapat selisih yang belum dijelaskan",
        "1. Periksa stok",
        "Terbilang (bagian mitra): Tiga juta lima ratus ribu tiga ratus lima puluh rupiah",
        "PIHAK KEDUA PIHAK PERTAMA",
    ):
        assert shown in text, shown
    for line in report.lines:  # English labels of the computation never reach the paper
        assert line.label not in text


def test_numbers_come_from_the_year_the_paper_is_made_in(db: Session, config: BillingConfig) -> None:
    def make(month: str, kind: str, pattern: str, now: datetime) -> str:
        return records.make_document(
            db,
            month=month,
            kind=kind,  # type: ignore[arg-type]
            config=config,
            pattern=pattern,
            agency="DISDUKCAPIL",
            author="finance",
            render=lambda stamp: f"%PDF-1.4 {stamp.number} {stamp.made_on}".encode(),
            now=now,
        ).number

    assert make("2026-11", "statement", STATEMENT_PATTERN, datetime(2026, 12, 1, 2, tzinfo=UTC)) == (
        "001/LBH/DISDUKCAPIL/XII/2026"
    )
    assert make("2026-11", "berita_acara", BA_PATTERN, datetime(2026, 12, 9, tzinfo=UTC)) == (
        "001/BA-REKON/DISDUKCAPIL/XII/2026"
    )
    # 31 December 17:30 UTC is 1 January 00:30 WIB: made in January, numbered in the new year
    assert make("2026-12", "statement", STATEMENT_PATTERN, datetime(2026, 12, 31, 17, 30, tzinfo=UTC)) == (
        "001/LBH/DISDUKCAPIL/I/2027"
    )
    assert make("2026-12", "berita_acara", BA_PATTERN, datetime(2027, 1, 6, tzinfo=UTC)) == (
        "001/BA-REKON/DISDUKCAPIL/I/2027"
    )
    assert make("2027-01", "berita_acara", BA_PATTERN, datetime(2027, 2, 3, tzinfo=UTC)) == (
        "002/BA-REKON/DISDUKCAPIL/II/2027"
    )
    db.commit()
    for bad in ("{seq}/{nope}", "no-sequence/{year}", "{seq:03d}/{agency"):
        with pytest.raises(ValueError, match="bad document number pattern"):
            records.check_number_pattern(bad)


def test_numbers_neither_skip_nor_repeat_under_concurrency(engine: Engine, config: BillingConfig) -> None:
    months = [f"2026-{m:02d}" for m in range(1, 9)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(months))

    def maker(month: str) -> None:
        try:
            with Session(engine) as s:
                start.wait()
                records.make_document(
                    s,
                    month=month,
                    kind="statement",
                    config=config,
                    pattern=STATEMENT_PATTERN,
                    agency="DISDUKCAPIL",
                    author="finance",
                    render=lambda stamp: f"%PDF-1.4 {stamp.number}".encode(),
                    now=datetime(2026, 12, 10, tzinfo=UTC),
                )
                s.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=maker, args=(m,)) for m in months]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with Session(engine) as s:
        docs = [d for m in months for d in records.month_documents(s, m)]
    assert sorted(d.sequence for d in docs) == list(range(1, len(months) + 1))
    assert len({d.number for d in docs}) == len(months)


def test_the_signatories_are_those_in_force_on_the_day(db: Session, config: BillingConfig) -> None:
    records.add_signatory(db, REGENCY_SIGNER, author="finance")
    successor = REGENCY_SIGNER.model_copy(
        update={"name": "Ir. Sri Wahyuni", "nip": "197203152000122002", "effective_from": date(2027, 1, 10)}
    )
    records.add_signatory(db, successor, author="admin")
    db.commit()
    before = records.signatory_in_force(db, "regency", date(2027, 1, 9))
    after = records.signatory_in_force(db, "regency", date(2027, 1, 10))
    assert before is not None and before.name == "Drs. Sutrisno, M.Si."
    assert after is not None and after.name == "Ir. Sri Wahyuni" and after.recorded_by == "admin"
    assert records.signatory_in_force(db, "partner", date(2027, 1, 10)) is None
    assert records.signatory_in_force(db, "regency", date(2025, 12, 31)) is None
    assert len(records.list_signatories(db)) == 2  # the history stays
    db.rollback()  # end the read, so the database can be written below
    with pytest.raises(Exception, match="append-only|refused"), db.bind.begin() as conn:  # type: ignore[union-attr]
        conn.execute(text("UPDATE billing_signatory SET name = 'x'"))
    with pytest.raises(ValueError, match="nip"):
        records.SignatoryIn.model_validate(REGENCY_SIGNER.model_dump() | {"nip": "12345"})
    with pytest.raises(ValueError, match="NPWP"):
        records.SignatoryIn.model_validate(PARTNER_SIGNER.model_dump() | {"npwp": "01.234"})


def test_the_draft_invoice_adds_up_in_figures_and_words(db: Session, config: BillingConfig) -> None:
    month_of_cards(db, config, ppn={"pkp": True})
    closed = close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_5).statement
    records.record_invoice_number(db, "2026-12", "INV/KN/2027/0007", author="partner.auditor")
    db.commit()
    assert (closed.partner_share, closed.ppn, closed.pph23_withheld) == (3_500_350, 385_038, 70_007)
    pdf = papers.invoice_pdf(
        closed,
        setup_for(db, date(2027, 1, 5)),
        papers.Stamp(date(2027, 1, 5)),
        partner_invoice_number=records.invoice_number(db, "2026-12"),
    )
    pages = assert_readable(pdf)
    text = " ".join(pages)
    assert all("RANCANGAN" in page for page in pages)
    for shown in (
        "RANCANGAN TAGIHAN",
        "Nomor tagihan mitra : INV/KN/2027/0007",
        "Dasar pengenaan pajak (DPP) Rp 3.500.350",
        "PPN atas jasa mitra Rp 385.038",
        "Jumlah tagihan (jasa + PPN) Rp 3.885.388",
        "Dikurangi PPh Pasal 23 dipotong pemerintah daerah -Rp 70.007",
        "Jumlah diterima mitra Rp 3.815.381",
        "Terbilang (jumlah tagihan): Tiga juta delapan ratus delapan puluh lima ribu tiga ratus delapan "
        "puluh delapan rupiah",
        "NPWP 01.234.567.8-901.000",
        "Budi Santoso",
    ):
        assert shown in text, shown
    assert text_of(pdf) == text_of(pdf)  # made the same way, read the same way
    assert pages_text(pdf)


def test_ppn_the_treasurer_collects_is_its_own_line_on_every_paper(
    db: Session, config: BillingConfig
) -> None:
    """A version whose PPN collector is the regency's treasurer (issue 11's ``ppn.collector``): the
    statement's ``ppn_withheld`` shows on the statement and the invoice, and the partner receives the share
    less PPh 23."""
    month_of_cards(db, config, ppn={"pkp": True, "collector": "bendahara"})
    closed = close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_5).statement
    db.commit()
    assert (closed.partner_share, closed.ppn, closed.ppn_withheld, closed.net_payable_to_partner) == (
        3_500_350,
        385_038,
        385_038,
        3_500_350 - 70_007,
    )
    setup = setup_for(db, date(2027, 1, 5))
    statement = " ".join(assert_readable(papers.statement_pdf(closed, setup, papers.Stamp(date(2027, 1, 5)))))
    for shown in (
        "PPN atas jasa mitra Rp 385.038",
        "PPN dipungut dan disetor bendahara (tidak dibayarkan kepada mitra) Rp 385.038",
        "Jumlah dibayarkan kepada mitra Rp 3.430.343",
    ):
        assert shown in statement, shown
    invoice = " ".join(assert_readable(papers.invoice_pdf(closed, setup, papers.Stamp(date(2027, 1, 5)))))
    for shown in (
        "Jumlah tagihan (jasa + PPN) Rp 3.885.388",
        "Dikurangi PPN dipungut dan disetor bendahara -Rp 385.038",
        "Jumlah diterima mitra Rp 3.430.343",
    ):
        assert shown in invoice, shown


def test_a_statement_signed_before_the_rounding_rows_still_adds_up_on_paper() -> None:
    """A statement closed before it carried ``by_office_adjustment`` has its row by the same rule."""
    old = {
        "month": "2026-11", "zone": "Asia/Jakarta", "period_start": "", "period_end": "", "status": "closed",
        "generated_at": "", "agreement_numbers": [], "partner_name": "", "cards_billed": 2,
        "cards_not_billed": 0, "gross_amount": 20_002, "citizen_fees": 20_002, "regency_service_fees": 0,
        "partner_share": 7_001, "regency_share": 13_001, "period_rounding_adjustment": 1,
        "pph23_withheld": 140, "ppn": 0, "net_payable_to_partner": 6_861, "prior_period": {},
        "by_office": [], "by_reason": [], "by_contract_version": [], "contracts": [],
    }  # fmt: skip
    row = Statement.model_validate(old).adjustment_row()
    assert row is not None and (row.key, row.cards_billed, row.partner_share, row.regency_share) == (
        "rounding_adjustment",
        0,
        1,
        -1,
    )
    new = Statement.model_validate({**old, "by_office_adjustment": None, "by_reason_adjustment": None})
    assert new.adjustment_row() is None  # as signed: nothing to adjust
