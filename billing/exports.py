"""Exports finance can import into a spreadsheet or a regional finance system: the month's ledger lines and
its statement as CSV and XLSX.

- CSV is what Indonesian spreadsheets open as is: semicolon separated (their list separator, the comma
  being the decimal mark), UTF-8 with a byte-order mark (so names keep their letters), CRLF line ends.
- Headers, words and names are Indonesian (``lang="en"`` gives English headers and words); a code is shown
  with its name beside it (office, account), a contract by its agreement number, not an internal id.
- Times are in the regency's zone as ``01-09-2026 08:30``; months as ``09-2026``.
- Amounts are whole rupiah: integers in CSV (no thousands separator to misread), integer number cells
  formatted ``#,##0`` in XLSX.
- Ledger accounts can carry the regency's own account codes (kode rekening) in a column of their own: a
  small YAML or JSON mapping, validated by :func:`check_account_codes` (see the README).
- NIKs appear masked only (the ledger holds nothing else).
- A text cell that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return) gets a leading apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import yaml

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlmodel import Session

from billing.canonical import parse_utc_text
from billing.chain import iter_month_transactions
from billing.contracts import list_contract_versions
from billing.ledger import HASHED_FIELDS
from billing.statement import Statement
from billing.vocab import Account, Payer, Reason, TransactionKind

LANGS = ("id", "en")

# The ledger's accounts in words: (Indonesian, English).
ACCOUNT_NAMES: dict[str, tuple[str, str]] = {
    Account.CITIZEN_FEES: ("Retribusi KTP diterima dari warga", "Citizen card fees collected"),
    Account.REGENCY_EXPENSE: ("Belanja jasa layanan pencetakan KTP", "Card printing service expense"),
    Account.PARTNER_PAYABLE: ("Utang bagi hasil mitra", "Revenue share payable to the partner"),
    Account.REGENCY_REVENUE: ("Pendapatan bagi hasil daerah", "Regency's revenue share"),
    Account.PPH23_PAYABLE: ("Utang PPh Pasal 23", "PPh 23 withheld, payable"),
    Account.PPN_EXPENSE: ("PPN atas jasa mitra", "PPN on the partner's services"),
    Account.PPN_PAYABLE: ("Utang PPN dipungut bendahara", "PPN withheld by the treasurer, to remit"),
}
KIND_NAMES: dict[str, tuple[str, str]] = {
    TransactionKind.CARD: ("Kartu dicetak", "Card printed"),
    TransactionKind.REVERSAL: ("Pembatalan", "Reversal"),
    TransactionKind.PERIOD_CLOSE: ("Penutupan bulan", "Month close"),
}
REASON_NAMES: dict[str, tuple[str, str]] = {
    Reason.BARU: ("Baru", "New"),
    Reason.HILANG: ("Hilang", "Lost"),
    Reason.RUSAK: ("Rusak", "Damaged"),
    Reason.PERUBAHAN_DATA: ("Perubahan data", "Data change"),
    Reason.PERPANJANGAN: ("Perpanjangan", "Renewal"),
}
PAYER_NAMES: dict[str, tuple[str, str]] = {
    Payer.CITIZEN: ("Warga (retribusi)", "Citizen (fee)"),
    Payer.REGENCY: ("Pemerintah daerah (jasa layanan)", "Regency (service fee)"),
}
YES_NO = {True: ("Ya", "Yes"), False: ("Tidak", "No")}

# Entry columns: key, Indonesian header, English header. ``account_code`` only when codes are configured.
ENTRY_HEADERS: tuple[tuple[str, str, str], ...] = (
    ("seq", "No. transaksi", "Transaction no."),
    ("kind", "Jenis transaksi", "Transaction kind"),
    ("event_at", "Waktu kejadian", "Event time"),
    ("recorded_at", "Waktu dicatat", "Recorded at"),
    ("period", "Bulan buku", "Posting month"),
    ("prior_period", "Periode lalu", "Prior period"),
    ("office_code", "Kode kantor", "Office code"),
    ("office_name", "Nama kantor", "Office name"),
    ("reason", "Alasan penerbitan", "Issuance reason"),
    ("card_serial", "No. seri kartu", "Card serial"),
    ("nik_masked", "NIK (disamarkan)", "NIK (masked)"),
    ("agreement", "Nomor perjanjian", "Agreement number"),
    ("payer", "Dibayar oleh", "Paid by"),
    ("rate", "Persentase mitra", "Partner rate"),
    ("corrects_seq", "Membatalkan transaksi", "Reverses transaction"),
    ("note", "Catatan", "Note"),
    ("line", "Baris", "Line"),
    ("account", "Kode akun", "Account code"),
    ("account_name", "Nama akun", "Account name"),
    ("account_code", "Kode rekening", "Regency account code"),
    ("debit", "Debit", "Debit"),
    ("credit", "Kredit", "Credit"),
    ("hash", "Hash transaksi", "Transaction hash"),
)
# Header texts of the summary and the account recap: key -> (Indonesian, English).
WORDS: dict[str, tuple[str, str]] = {
    "summary": ("Ringkasan", "Summary"),
    "entries": ("Entri", "Entries"),
    "accounts": ("Rekap akun", "Accounts"),
    "section": ("Bagian", "Section"),
    "code": ("Kode", "Code"),
    "name": ("Uraian", "Description"),
    "cards": ("Kartu", "Cards"),
    "gross": ("Bruto (Rp)", "Gross (Rp)"),
    "partner": ("Bagian mitra (Rp)", "Partner share (Rp)"),
    "regency": ("Bagian daerah (Rp)", "Regency share (Rp)"),
    "amount": ("Jumlah (Rp)", "Amount (Rp)"),
    "total": ("Jumlah", "Total"),
    "office": ("Kantor", "Office"),
    "reason": ("Alasan penerbitan", "Issuance reason"),
    "agreement": ("Perjanjian", "Agreement"),
    "cards_billed": ("Kartu ditagihkan", "Cards billed"),
    "cards_not_billed": (
        "Kartu tidak ditagihkan (cetak ulang karena kerusakan printer)",
        "Cards not billed (fault reprints)",
    ),
    "gross_amount": ("Pendapatan bruto", "Gross amount"),
    "citizen_fees": ("Dibayar warga (retribusi)", "Paid by citizens (fees)"),
    "regency_service_fees": ("Dibayar daerah (jasa layanan)", "Paid by the regency (service fees)"),
    "partner_share": ("Bagian mitra", "Partner share"),
    "period_rounding_adjustment": ("Penyesuaian pembulatan per periode", "Per-period rounding adjustment"),
    "regency_share": ("Bagian daerah", "Regency share"),
    "ppn": ("PPN atas jasa mitra", "PPN on the partner's services"),
    "pph23_withheld": ("PPh 23 dipotong", "PPh 23 withheld"),
    "ppn_withheld": ("PPN dipungut dan disetor bendahara", "PPN collected and remitted by the treasurer"),
    "rounding_adjustment": ("Penyesuaian pembulatan", "Rounding adjustment"),
    "net_payable_to_partner": ("Jumlah dibayarkan kepada mitra", "Net payable to the partner"),
    "debit": ("Debit (Rp)", "Debit (Rp)"),
    "credit": ("Kredit (Rp)", "Credit (Rp)"),
    "account": ("Kode akun", "Account code"),
    "account_name": ("Nama akun", "Account name"),
    "account_code": ("Kode rekening", "Regency account code"),
}
TOTALS = ("cards_billed", "cards_not_billed", "gross_amount", "citizen_fees", "regency_service_fees",
          "partner_share", "period_rounding_adjustment", "regency_share", "ppn", "pph23_withheld",
          "ppn_withheld", "net_payable_to_partner")  # fmt: skip

# A kode rekening: digits and letters in groups separated by dots or dashes (e.g. 4.1.2.01.01.0001).
ACCOUNT_CODE = re.compile(r"^[0-9A-Za-z]+([.\-][0-9A-Za-z]+)*$")
MAX_CODE_LENGTH = 50
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _word(table: Mapping[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = table.get(key)
    return str(key) if pair is None else pair[0 if lang == "id" else 1]


def word(key: str, lang: str = "id") -> str:
    return _word(WORDS, key, lang)


def account_name(account: str, lang: str = "id") -> str:
    """``partner_payable`` -> ``Utang bagi hasil mitra``."""
    return _word(ACCOUNT_NAMES, account, lang)


def check_account_codes(data: Any) -> dict[str, str]:
    """A mapping of ledger accounts to the regency's account codes, checked: every key a ledger account,
    every code text of the form ``4.1.2.01.01`` (at most 50 characters), no code given to two accounts.
    ValueError naming every problem. Accounts left out simply have no code in the exports."""
    if not isinstance(data, Mapping):
        raise ValueError("the account codes must be a mapping of ledger account to code")
    problems = []
    known = {str(a) for a in Account}
    for account, code in data.items():
        if account not in known:
            problems.append(f"{account!r} is not a ledger account (known: {', '.join(sorted(known))})")
        elif not isinstance(code, str) or len(code) > MAX_CODE_LENGTH or not ACCOUNT_CODE.match(code):
            problems.append(f"{account}: {code!r} is not an account code such as 4.1.2.01.01")
    codes = [c for c in data.values() if isinstance(c, str)]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        problems.append(f"the same code is given to two accounts: {', '.join(twice)}")
    if problems:
        raise ValueError("; ".join(problems))
    return {str(k): str(v) for k, v in data.items()}


def load_account_codes(path: Path) -> dict[str, str]:
    """The account codes in a YAML or JSON file (``.json`` read as JSON, anything else as YAML), checked."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"{path} cannot be read: {exc}") from None
    try:
        return check_account_codes(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class ExportContext:
    """What an export needs besides the ledger: the regency's zone, the language of its headers and words,
    the configured account codes, and names for codes (offices; contract versions' agreement numbers)."""

    zone: ZoneInfo
    lang: str = "id"
    account_codes: Mapping[str, str] = field(default_factory=dict)
    office_names: Mapping[str, str] = field(default_factory=dict)
    agreements: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"lang is id or en, not {self.lang!r}")

    def moment(self, utc_text: str | None) -> str:
        """Stored UTC text -> ``01-09-2026 08:30`` in the zone."""
        if not utc_text:
            return ""
        return parse_utc_text(utc_text).astimezone(self.zone).strftime("%d-%m-%Y %H:%M")


def context_for(session: Session, zone: ZoneInfo, **kwargs: Any) -> ExportContext:
    """An export context with the agreement numbers of every contract version."""
    agreements = {v.id: v.number for v in list_contract_versions(session) if v.id is not None}
    return ExportContext(zone, agreements=agreements, **kwargs)


def entry_headers(ctx: ExportContext) -> list[str]:
    return [h[1 if ctx.lang == "id" else 2] for h in _entry_columns(ctx)]


def _entry_columns(ctx: ExportContext) -> list[tuple[str, str, str]]:
    return [h for h in ENTRY_HEADERS if h[0] != "account_code" or ctx.account_codes]


_TX = {name: i for i, name in enumerate(HASHED_FIELDS)}

# The machine form of the entries (the API's JSON): the ledger's own columns and words, UTC times.
ENTRY_COLUMNS = (
    *(f for f in HASHED_FIELDS if f not in ("event_digest", "prev_hash")),
    "hash",
    "line",
    "account",
    "debit",
    "credit",
)


def raw_entry_rows(session: Session, month: str) -> Generator[list[Any], None, None]:
    """One row per entry line of the month's transactions as the ledger stores it, columns
    :data:`ENTRY_COLUMNS` (a transaction without lines gives one row with empty line fields)."""
    keep = [i for i, f in enumerate(HASHED_FIELDS) if f not in ("event_digest", "prev_hash")]
    for content, stored_hash in iter_month_transactions(session, month):
        head = [content[i] for i in keep] + [stored_hash]
        lines = content[-1]
        if not lines:
            yield [*head, "", "", "", ""]
        for number, (account, debit, credit) in enumerate(lines, start=1):
            yield [*head, number, account, debit, credit]


def _month(period: str | None) -> str:
    return f"{period[5:7]}-{period[:4]}" if period else ""


def _rate(rate_bp: int | None, lang: str) -> str:
    if rate_bp is None:
        return ""
    text = f"{rate_bp // 100}.{rate_bp % 100:02d} %"  # basis points, exactly (never through a float)
    return text.replace(".", ",") if lang == "id" else text


def entry_records(session: Session, month: str, ctx: ExportContext) -> Iterator[dict[str, Any]]:
    """One record per entry line of the month's transactions (a transaction without lines gives one with
    empty line fields), keyed by the entry columns, streamed from the ledger."""
    lang = ctx.lang
    for content, stored_hash in iter_month_transactions(session, month):
        tx = {name: content[i] for name, i in _TX.items()}
        office = tx["office_code"] or ""
        head = {
            "seq": tx["seq"],
            "kind": _word(KIND_NAMES, tx["kind"], lang),
            "event_at": ctx.moment(tx["event_at"]),
            "recorded_at": ctx.moment(tx["recorded_at"]),
            "period": _month(tx["period"]),
            "prior_period": YES_NO[bool(tx["prior_period"])][0 if lang == "id" else 1],
            "office_code": office,
            "office_name": ctx.office_names.get(office, ""),
            "reason": _word(REASON_NAMES, tx["reason"], lang) if tx["reason"] else "",
            "card_serial": tx["card_serial"] or "",
            "nik_masked": tx["nik_masked"] or "",
            "agreement": ctx.agreements.get(tx["contract_version_id"], "")
            if tx["contract_version_id"] is not None
            else "",
            "payer": _word(PAYER_NAMES, tx["payer"], lang) if tx["payer"] else "",
            "rate": _rate(tx["rate_bp"], lang),
            "corrects_seq": tx["corrects_seq"] if tx["corrects_seq"] is not None else "",
            "note": tx["note"] or "",
            "hash": stored_hash,
        }
        lines = content[-1] or [None]
        for number, line in enumerate(lines, start=1):
            if line is None:
                yield {**head, "line": "", "account": "", "account_name": "", "account_code": "",
                       "debit": "", "credit": ""}  # fmt: skip
                continue
            account, debit, credit = line
            yield {
                **head,
                "line": number,
                "account": account,
                "account_name": account_name(account, lang),
                "account_code": ctx.account_codes.get(account, ""),
                "debit": debit,
                "credit": credit,
            }


def entry_rows(records: Iterable[Mapping[str, Any]], ctx: ExportContext) -> Iterator[list[Any]]:
    keys = [h[0] for h in _entry_columns(ctx)]
    for record in records:
        yield [record[k] for k in keys]


def summary_rows(statement: Statement, ctx: ExportContext) -> list[list[Any]]:
    """The statement as one table: section, code, description, cards, gross, partner, regency (the totals
    first, with the amount in the gross column)."""
    lang = ctx.lang
    rows: list[list[Any]] = [
        [word(k, lang) for k in ("section", "code", "name", "cards", "gross", "partner", "regency")]
    ]
    total = word("total", lang)
    for name in TOTALS:
        value = getattr(statement, name)
        if name in ("cards_billed", "cards_not_billed"):
            rows.append([total, name, word(name, lang), value, "", "", ""])
        else:
            rows.append([total, name, word(name, lang), "", value, "", ""])
    sections: list[tuple[str, list[tuple[str, str, Any]]]] = [
        ("office", [(b.key, ctx.office_names.get(b.key, ""), b) for b in statement.by_office]),
        ("reason", [(b.key, _word(REASON_NAMES, b.key, lang), b) for b in statement.by_reason]),
        (
            "agreement",
            [
                (ctx.agreements.get(v.contract_version_id, str(v.contract_version_id)), "", v)
                for v in statement.by_contract_version
            ],
        ),
    ]
    adjustment = statement.adjustment_row()
    for section, items in sections:
        if adjustment is not None and section != "agreement":
            # The per-card parts plus the statement's rounding row add up to the totals.
            items = [*items, (adjustment.key, word(adjustment.key, lang), adjustment)]
        for code, name, f in items:
            rows.append([word(section, lang), code, name, f.cards_billed, f.gross_amount, f.partner_share,
                         f.regency_share])  # fmt: skip
    return rows


class AccountTotals:
    """Debits and credits per account, gathered while the entries are written (one pass over the ledger)."""

    def __init__(self) -> None:
        self.sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def see(self, record: Mapping[str, Any]) -> Mapping[str, Any]:
        if record["account"]:
            sums = self.sums[record["account"]]
            sums[0] += record["debit"]
            sums[1] += record["credit"]
        return record

    def rows(self, ctx: ExportContext) -> list[list[Any]]:
        keys = [
            "account",
            "account_name",
            *(["account_code"] if ctx.account_codes else []),
            "debit",
            "credit",
        ]
        rows: list[list[Any]] = [[word(k, ctx.lang) for k in keys]]
        for account in [a for a in Account if a in self.sums]:
            debit, credit = self.sums[account]
            code = [ctx.account_codes.get(account, "")] if ctx.account_codes else []
            rows.append([str(account), account_name(account, ctx.lang), *code, debit, credit])
        return rows


def safe_text(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate as a formula, neutralised with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: Iterable[Sequence[Any]], out: io.StringIO | Any, header: Sequence[str] = ()) -> None:
    """Rows as CSV for Indonesian spreadsheets: ``;``, CRLF, text cells made safe. The caller writes the
    byte-order mark (:func:`csv_bytes` does)."""
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    if header:
        writer.writerow([safe_text(h) for h in header])
    for row in rows:
        writer.writerow([safe_text(v) for v in row])


def csv_bytes(rows: Iterable[Sequence[Any]], header: Sequence[str] = ()) -> bytes:
    """:func:`write_csv` as UTF-8 with a byte-order mark."""
    out = io.StringIO()
    write_csv(rows, out, header)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def entries_csv(session: Session, month: str, ctx: ExportContext) -> bytes:
    return csv_bytes(entry_rows(entry_records(session, month, ctx), ctx), entry_headers(ctx))


def summary_csv(statement: Statement, ctx: ExportContext) -> bytes:
    rows = summary_rows(statement, ctx)
    return csv_bytes(rows[1:], rows[0])


_ROWS_PER_SHEET = 1_048_575  # Excel's rows per sheet, minus the header


def _append(sheet: WriteOnlyWorksheet, row: Sequence[Any], *, bold: bool = False) -> None:
    # openpyxl imported here, not at the top: only exports need it (6 MB a server need not hold, issue 13).
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cells = []
    for value in row:
        cell = WriteOnlyCell(sheet, value=safe_text(value))
        if isinstance(value, int) and not isinstance(value, bool):
            cell.number_format = "#,##0"
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)


def write_xlsx(statement: Statement, session: Session, path: Path, ctx: ExportContext) -> Path:
    """A workbook: the summary, every entry line of the month (more sheets past Excel's row limit) and the
    debits and credits per account. Amounts are integer cells formatted ``#,##0``."""
    from openpyxl import Workbook  # here, not at the top: only exports need openpyxl (issue 13)

    wb = Workbook(write_only=True)
    summary = wb.create_sheet(word("summary", ctx.lang))
    rows = summary_rows(statement, ctx)
    _append(summary, rows[0], bold=True)
    for row in rows[1:]:
        _append(summary, row)
    headers = entry_headers(ctx)
    totals = AccountTotals()
    sheet, count, part = None, _ROWS_PER_SHEET, 0
    for row in entry_rows(map(totals.see, entry_records(session, statement.month, ctx)), ctx):
        if count >= _ROWS_PER_SHEET:
            part += 1
            name = word("entries", ctx.lang)
            sheet = wb.create_sheet(f"{name} {part}" if part > 1 else name)
            _append(sheet, headers, bold=True)
            count = 0
        assert sheet is not None
        _append(sheet, row)
        count += 1
    if part == 0:
        _append(wb.create_sheet(word("entries", ctx.lang)), headers, bold=True)
    accounts = wb.create_sheet(word("accounts", ctx.lang))
    recap = totals.rows(ctx)
    _append(accounts, recap[0], bold=True)
    for row in recap[1:]:
        _append(accounts, row)
    wb.save(path)
    return path


def xlsx_bytes(statement: Statement, session: Session, ctx: ExportContext) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return write_xlsx(statement, session, Path(tmp) / "export.xlsx", ctx).read_bytes()
