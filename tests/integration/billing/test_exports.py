"""Exports finance can import (issue 11): semicolon CSV with a BOM and CRLF, XLSX with number cells,
Indonesian headers and words (English on request), times in the regency's zone, account names and the
regency's own account codes, masked NIKs, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from billing.config import BillingConfig
from billing.corrections import post_correction
from billing.exports import (
    ExportContext,
    check_account_codes,
    context_for,
    entries_csv,
    load_account_codes,
    summary_csv,
    write_xlsx,
)
from billing.posting import post_events
from billing.statement import close_period
from tests.unit.billing.factories import add_contract, event

JAN_5 = datetime(2027, 1, 5, tzinfo=UTC)
CODES = {
    "citizen_fees_collected": "4.1.2.01.01",
    "partner_payable": "2.1.5.01.01",
    "regency_revenue": "4.1.4.16.01",
    "pph23_payable": "2.1.1.05.01",
}
OFFICES = {"33.14.01": "Kecamatan Kalijambe"}


@pytest.fixture
def december(db: Session, config: BillingConfig) -> Session:
    """Three cards on 1 December 2026 from 00:30 WIB (17:30 UTC the day before), one reversed with a note
    a spreadsheet would run as a formula; the month closed."""
    add_contract(db, rounding="per_period")
    start = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    post_events(db, [event(start + timedelta(minutes=i)) for i in range(3)], config=config, now=JAN_5)
    post_correction(
        db, corrects_seq=2, correction_key="fix-2", note='=HYPERLINK("http://x")', config=config, now=JAN_5
    )
    close_period(db, "2026-12", config=config, unposted_events=0, now=JAN_5)
    db.commit()
    return db


def context(db: Session, lang: str = "id", codes: dict[str, str] | None = None) -> ExportContext:
    return context_for(
        db, ZoneInfo("Asia/Jakarta"), lang=lang, account_codes=CODES if codes is None else codes,
        office_names=OFFICES,
    )  # fmt: skip


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_entries_csv_reads_back_with_semicolons(december: Session) -> None:
    rows = read_csv(entries_csv(december, "2026-12", context(december)))
    first = rows[0]
    assert first["No. transaksi"] == "1" and first["Jenis transaksi"] == "Kartu dicetak"
    assert first["Waktu kejadian"] == "01-12-2026 00:30"  # WIB, not 2026-11-30T17:30:00Z
    assert first["Bulan buku"] == "12-2026" and first["Periode lalu"] == "Tidak"
    assert (first["Kode kantor"], first["Nama kantor"]) == ("33.14.01", "Kecamatan Kalijambe")
    assert first["Alasan penerbitan"] == "Baru" and first["Dibayar oleh"] == "Warga (retribusi)"
    assert first["Nomor perjanjian"] == "027/PKS/2026" and first["Persentase mitra"] == "35,00 %"
    assert first["NIK (disamarkan)"] == "3314**********01"
    assert not any(len(v) == 16 and v.isdigit() for r in rows for v in r.values())  # no NIK in clear
    partner = rows[1]
    assert (partner["Kode akun"], partner["Nama akun"]) == ("partner_payable", "Utang bagi hasil mitra")
    assert (partner["Kode rekening"], partner["Kredit"], partner["Debit"]) == ("2.1.5.01.01", "3500", "0")
    assert sum(int(r["Debit"]) for r in rows) == sum(int(r["Kredit"]) for r in rows)
    reversal = next(r for r in rows if r["Jenis transaksi"] == "Pembatalan")
    assert reversal["Catatan"] == '\'=HYPERLINK("http://x")'  # neutralised: shown, never run
    assert reversal["Membatalkan transaksi"] == "2"
    close = [r for r in rows if r["Jenis transaksi"] == "Penutupan bulan"]
    assert {r["Nama akun"] for r in close} == {"Utang bagi hasil mitra", "Utang PPh Pasal 23"}


def test_english_only_when_asked_and_no_code_column_without_codes(december: Session) -> None:
    rows = read_csv(entries_csv(december, "2026-12", context(december, "en", codes={})))
    assert "Kode rekening" not in rows[0] and "Regency account code" not in rows[0]
    assert rows[0]["Transaction kind"] == "Card printed" and rows[0]["Event time"] == "01-12-2026 00:30"
    assert rows[1]["Account name"] == "Revenue share payable to the partner"


def test_summary_csv_has_words_beside_codes(december: Session, config: BillingConfig) -> None:
    from billing.statement import get_statement

    statement = get_statement(december, "2026-12", config=config, now=JAN_5)
    rows = read_csv(summary_csv(statement, context(december)))
    net = next(r for r in rows if r["Kode"] == "net_payable_to_partner")
    assert net["Uraian"] == "Jumlah dibayarkan kepada mitra" and net["Bruto (Rp)"] == str(
        statement.net_payable_to_partner
    )
    office = next(r for r in rows if r["Bagian"] == "Kantor")
    assert (office["Kode"], office["Uraian"], office["Kartu"]) == ("33.14.01", "Kecamatan Kalijambe", "2")
    agreement = next(r for r in rows if r["Bagian"] == "Perjanjian")
    assert agreement["Kode"] == "027/PKS/2026"


def test_xlsx_has_indonesian_headers_and_number_cells(
    december: Session, config: BillingConfig, tmp_path: Path
) -> None:
    from billing.statement import get_statement

    statement = get_statement(december, "2026-12", config=config, now=JAN_5)
    path = write_xlsx(statement, december, tmp_path / "laporan.xlsx", context(december))
    wb = load_workbook(path)
    assert wb.sheetnames == ["Ringkasan", "Entri", "Rekap akun"]
    entries = wb["Entri"]
    header = [c.value for c in entries[1]]
    assert header[:3] == ["No. transaksi", "Jenis transaksi", "Waktu kejadian"]
    assert {"Nama akun", "Kode rekening", "Debit", "Kredit"} <= set(header)
    credit = entries.cell(row=3, column=header.index("Kredit") + 1)
    assert credit.value == 3500 and isinstance(credit.value, int) and credit.number_format == "#,##0"
    notes = [r[header.index("Catatan")] for r in entries.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in notes and not any(
        isinstance(n, str) and n.startswith("=") for n in notes
    )
    summary = {r[1]: r for r in wb["Ringkasan"].iter_rows(min_row=2, values_only=True)}
    assert summary["gross_amount"][2] == "Pendapatan bruto"
    assert summary["gross_amount"][4] == statement.gross_amount == 20_002
    recap = {r[0]: r for r in wb["Rekap akun"].iter_rows(min_row=2, values_only=True)}
    assert recap["partner_payable"][1:3] == ("Utang bagi hasil mitra", "2.1.5.01.01")
    assert recap["partner_payable"][3] - recap["partner_payable"][4] == -statement.net_payable_to_partner


def test_account_codes_are_checked(tmp_path: Path) -> None:
    assert check_account_codes(CODES) == CODES
    with pytest.raises(ValueError, match="'kas' is not a ledger account"):
        check_account_codes({"kas": "1.1.1"})
    with pytest.raises(ValueError, match=r"'=1\+1' is not an account code"):
        check_account_codes({"partner_payable": "=1+1"})
    with pytest.raises(ValueError, match="the same code is given to two accounts: 1.1"):
        check_account_codes({"partner_payable": "1.1", "regency_revenue": "1.1"})
    yaml_file = tmp_path / "kode-rekening.yaml"
    yaml_file.write_text("partner_payable: 2.1.5.01.01\nregency_revenue: '4.1.4.16.01'\n")
    assert load_account_codes(yaml_file) == {
        "partner_payable": "2.1.5.01.01",
        "regency_revenue": "4.1.4.16.01",
    }
    json_file = tmp_path / "kode-rekening.json"
    json_file.write_text('{"pph23_payable": 7}')
    with pytest.raises(ValueError, match="kode-rekening.json: pph23_payable: 7 is not an account code"):
        load_account_codes(json_file)


def test_settings_refuse_a_bad_mapping_file(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from ktp_service.settings import Settings

    good = tmp_path / "kode.yaml"
    good.write_text("partner_payable: 2.1.5.01.01\n")
    assert Settings(account_codes_file=good).account_codes == {"partner_payable": "2.1.5.01.01"}
    bad = tmp_path / "salah.yaml"
    bad.write_text("utang_mitra: 2.1.5\n")
    with pytest.raises(ValidationError, match="'utang_mitra' is not a ledger account"):
        Settings(account_codes_file=bad)
    with pytest.raises(ValidationError, match="account_codes_file .*hilang.yaml"):
        Settings(account_codes_file=tmp_path / "hilang.yaml")
