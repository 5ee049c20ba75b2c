"""What the verifier says, in Indonesian (the default) and English.

A :class:`Problem` is a ``str`` (its English text, so callers that only compare or print strings keep
working) that also knows its code and parameters and renders itself in either language (:meth:`text`).
Parameters that are checkpoints render through their own ``describe(lang)``.
"""

from __future__ import annotations

from typing import Any

LANGS = ("id", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # reading the inputs
    "key_unreadable": ("kunci publik tidak dapat dibaca: {error}", "the public key cannot be read: {error}"),
    "bundle_unopenable": ("paket tidak dapat dibuka: {error}", "the bundle cannot be opened: {error}"),
    "bundle_lacks": ("paket tidak memuat {names}", "the bundle lacks {names}"),
    "bundle_unreadable": ("paket tidak dapat dibaca: {error}", "the bundle cannot be read: {error}"),
    "too_many_members": (
        "paket berisi {count} berkas; paling banyak {limit}",
        "the bundle has {count} members; a bundle has at most {limit}",
    ),
    "duplicate_member": (
        "paket berisi dua berkas dengan nama yang sama",
        "the bundle holds two members of the same name",
    ),
    "member_declares": (
        "{name} menyatakan {size} bita tanpa kompresi; batasnya {limit}",
        "{name} declares {size} bytes uncompressed; the limit is {limit}",
    ),
    "member_ratio": (
        "{name} akan mengembang dari {packed} bita menjadi {size} (lebih dari {ratio} kali): bom zip?",
        "{name} would inflate {packed} bytes to {size} (more than {ratio} times): a zip bomb?",
    ),
    "bundle_total": (
        "isi paket seluruhnya menyatakan {size} bita tanpa kompresi; batasnya {limit}",
        "the bundle's members declare {size} bytes uncompressed in all; the limit is {limit}",
    ),
    "member_inflates": (
        "{name} mengembang melebihi {limit} bita",
        "{name} inflates to more than {limit} bytes",
    ),
    "line_too_long": (
        "{name} memuat baris yang lebih panjang dari {limit} bita",
        "{name} has a line longer than {limit} bytes",
    ),
    "checkpoint_file_unreadable": (
        "berkas titik periksa {path} tidak dapat dibaca: {error}",
        "the checkpoint file {path} cannot be read: {error}",
    ),
    "checkpoint_line": ("{name} baris {line}: {error}", "{name} line {line}: {error}"),
    # the statement and its signature
    "statement_invalid": (
        "statement.json bukan laporan: {error}",
        "statement.json is not a statement: {error}",
    ),
    "key_not_given": (
        "laporan ditandatangani dengan kunci {key_id}, kunci yang diberikan: {given}",
        "the statement names signing key {key_id}, the key(s) given are {given}",
    ),
    "signature_mismatch": (
        "tanda tangan tidak cocok dengan statement.json: isinya diubah, atau ditandatangani kunci lain",
        "the signature does not match statement.json: it was changed, or signed by another key",
    ),
    "not_canonical": (
        "statement.json tidak dalam bentuk kanonik",
        "statement.json is not in canonical form",
    ),
    "not_closed": (
        "laporan belum ditutup (tidak menyebut bentangan rantai)",
        "the statement is not a closed one (no chain stretch)",
    ),
    "contract_invalid": (
        "versi kontrak {version} dalam laporan memuat ketentuan yang tidak sah: {error}",
        "contract version {version} in the statement has invalid terms: {error}",
    ),
    "contract_sha": (
        "versi kontrak {version}: ketentuannya tidak cocok dengan terms_sha256",
        "contract version {version}: its terms do not match terms_sha256",
    ),
    "unknown_zone": (
        "laporan menyebut zona waktu yang tidak dikenal {zone}",
        "the statement names an unknown time zone {zone}",
    ),
    # the chain
    "line_not_transaction": (
        "{name} baris {line} bukan transaksi",
        "{name} line {line} is not a transaction",
    ),
    "transaction_missing": (
        "transaksi {expected} hilang (baris {line} memuat transaksi {seq})",
        "transaction {expected} is missing (line {line} holds {seq})",
    ),
    "prev_hash": (
        "transaksi {seq}: prev_hash tidak tersambung ke transaksi sebelumnya",
        "transaction {seq}: prev_hash does not link to the transaction before it",
    ),
    "field_missing": (
        "transaksi {seq} tidak memuat kolom {field}",
        "transaction {seq} lacks the field {field}",
    ),
    "content_hash": (
        "transaksi {seq} ({event_key}): isinya tidak cocok dengan hash-nya",
        "transaction {seq} ({event_key}): content does not match its hash",
    ),
    "unbalanced": ("transaksi {seq} tidak seimbang", "transaction {seq} does not balance"),
    "close_lines": (
        "transaksi penutupan {seq} tidak memuat penyesuaian dan pajak menurut laporan",
        "closing transaction {seq} does not carry the statement's adjustment and taxes",
    ),
    "ordinal_net": (
        "transaksi {seq}: diberi nomor kartu {ordinal} bulan ini, padahal kartu itu kartu tertagih bersih "
        "ke-{net}",
        "transaction {seq}: numbered card {ordinal} of the month, but it is net billed card {net}",
    ),
    "ordinal_twice": (
        "transaksi {seq}: kartu nomor {ordinal} bulan ini muncul dua kali",
        "transaction {seq}: card number {ordinal} of the month appears twice",
    ),
    "stretch_ends": (
        "bentangan rantai berakhir di transaksi {last}, laporan menyebut {head}",
        "the stretch ends at transaction {last}, the statement says {head}",
    ),
    "head_hash": (
        "hash kepala rantai berbeda: pernyataan {stated}, bundel {actual}",
        "the chain's head hash differs: statement {stated}, bundle {actual}",
    ),
    "closes": (
        "bulan ini memiliki {count} transaksi penutupan, seharusnya satu",
        "the month has {count} closing transactions, not one",
    ),
    "mismatch": (
        "laporan menyebut {name} = {stated}, entri menghasilkan {computed}",
        "statement says {name} = {stated}, the entries give {computed}",
    ),
    "ordinal_gaps": (
        "kartu bulan ini yang ditagihkan tidak bernomor 1 sampai n tanpa celah",
        "the month's billed cards are not numbered 1 to n without gaps",
    ),
    "unknown_versions": (
        "kartu menyebut versi kontrak yang tidak ada dalam laporan: {versions}",
        "cards name contract versions missing from the statement: {versions}",
    ),
    "more": ("... masih ada masalah lain yang tidak dicantumkan", "... more problems not listed"),
    # each card
    "entries_vs_amounts": (
        "transaksi {seq}: entrinya tidak sesuai dengan jumlah-jumlahnya",
        "transaction {seq}: its entries do not say what its amounts say",
    ),
    "pricing_sha": (
        "transaksi {seq}: dihitung dengan ketentuan lain dari yang dimuat versi kontrak {version} dalam "
        "laporan (pricing_sha256 berbeda)",
        "transaction {seq}: priced by other terms than contract version {version} has in the statement "
        "(pricing_sha256 differs)",
    ),
    "not_in_force": (
        "transaksi {seq}: versi kontrak {version} tidak berlaku pada {day}, hari kartu selesai",
        "transaction {seq}: contract version {version} was not in force on {day}, the day the card was "
        "completed",
    ),
    "reversal_mirror": (
        "pembatalan {seq} tidak mencerminkan transaksi {target}",
        "reversal {seq} does not mirror transaction {target}",
    ),
    "reversal_price": (
        "pembatalan {seq} membatalkan tarif/pembayar/mitra/daerah/persentase {got}, padahal versi kontrak "
        "{version} menghargai kartu {reason} sebesar {priced}",
        "reversal {seq} undoes fee/payer/partner/regency/rate {got}, but contract version {version} prices "
        "a {reason} card at {priced}",
    ),
    "unbilled": (
        "transaksi {seq}: kartu tidak ditagihkan padahal kontraknya menagihnya",
        "transaction {seq}: card left unbilled though its contract bills it",
    ),
    "card_price": (
        "transaksi {seq} (kartu {serial}): dihargai tarif/pembayar/mitra/daerah/persentase {got}, versi "
        "kontrak {version} memberi {want}",
        "transaction {seq} (card {serial}): priced fee/payer/partner/regency/rate {got}, contract version "
        "{version} gives {want}",
    ),
    "event_at": (
        "transaksi {seq}: event_at {value} bukan waktu UTC",
        "transaction {seq}: event_at {value} is not a UTC time",
    ),
    "event_dates": (
        "transaksi {seq}: event_date {day} / event_period {month} bukan milik waktu kejadiannya {at} di {zone}",
        "transaction {seq}: event_date {day} / event_period {month} are not those of its event time {at} in "
        "{zone}",
    ),
    "posted_before_event": (
        "transaksi {seq}: dibukukan ke {period}, sebelum bulan kejadiannya {month}",
        "transaction {seq}: posted to {period}, before its event month {month}",
    ),
    "prior_period": (
        "transaksi {seq}: prior_period bernilai {flag} padahal dibukukan ke {period} untuk kejadian {month}",
        "transaction {seq}: prior_period is {flag} though it is posted to {period} for an event of {month}",
    ),
    # checkpoints held by the partner
    "close_head_other": (
        "laporan menutup bulan pada kepala rantai yang lain dari yang ditandatangani {checkpoint}",
        "the statement closes at another head than {checkpoint} signed",
    ),
    "checkpoint_signature": (
        "{checkpoint}: tanda tangannya tidak cocok dengan kunci pemerintah daerah",
        "{checkpoint}: its signature does not match the regency's key",
    ),
    "checkpoint_other_hash": (
        "transaksi {seq} bukan transaksi yang ditandatangani {checkpoint} (hash lain)",
        "transaction {seq} is not the one {checkpoint} signed (other hash)",
    ),
    "checkpoint_ahead": (
        "rantai berakhir di transaksi {last}, sebelum {checkpoint}: transaksi dihapus dari ujungnya "
        "(atau semuanya)",
        "the chain ends at transaction {last}, before {checkpoint}: transactions were removed from its end "
        "(or every row was)",
    ),
    "checkpoint_missing": (
        "transaksi {seq}, yang ditandatangani {checkpoint}, hilang",
        "transaction {seq}, signed by {checkpoint}, is missing",
    ),
    "checkpoint_gone": (
        "{checkpoint} ada di {where} tetapi tidak lagi ada di basis data",
        "{checkpoint} is in {where} but no longer in the database",
    ),
    "checkpoint_month_row": (
        "bulan {month} telah ditutup ({checkpoint}) tetapi baris penutupannya hilang",
        "month {month} was closed ({checkpoint}) but its closed row is missing",
    ),
    "checkpoint_month_head": (
        "bulan {month} mencatat kepala rantai lain dari yang ditandatangani {checkpoint}",
        "month {month} records another chain head than {checkpoint} signed",
    ),
    "checkpoint_bad_signature_fetched": (
        "{checkpoint} dari layanan: tanda tangannya tidak cocok",
        "{checkpoint} from the service: its signature does not match",
    ),
    "checkpoint_not_shown": (
        "{checkpoint}, yang disimpan di sini, tidak lagi ditampilkan oleh layanan",
        "{checkpoint}, held here, is no longer shown by the service",
    ),
    # describing a checkpoint
    "checkpoint": (
        "titik periksa {id} ({what}, {made_at}, transaksi {seq})",
        "checkpoint {id} ({what}, {made_at}, transaction {seq})",
    ),
    "checkpoint_close": ("penutupan {month}", "close of {month}"),
    "checkpoint_interval": ("berkala", "interval"),
    # the command line
    "ok": (
        "PAKET SESUAI: tanda tangan, rantai hash setiap entri, dan semua jumlah cocok",
        "BUNDLE VERIFIES: signature, the hash chain of every entry and every total match",
    ),
    "ok_checkpoints": (
        "dan cocok dengan {count} titik periksa bertanda tangan yang Anda simpan",
        "and agrees with the {count} signed checkpoint(s) you hold",
    ),
    "problems": ("{count} masalah ditemukan; yang pertama:", "{count} problem(s) found; the first:"),
    "refused": ("PAKET DITOLAK: {reason}", "BUNDLE REFUSED: {reason}"),
    "input_error": ("tidak dapat membaca {path}: {error}", "cannot read {path}: {error}"),
}


def render(code: str, lang: str, params: dict[str, Any]) -> str:
    template = MESSAGES[code][0 if lang == "id" else 1]
    shown = {k: v.describe(lang) if hasattr(v, "describe") else v for k, v in params.items()}
    return template.format(**shown)


class Problem(str):
    """A problem found, as its English text, rendered in either language by :meth:`text`."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, **params: Any) -> Problem:
        self = super().__new__(cls, render(code, "en", params))
        self.code, self.params = code, params
        return self

    def text(self, lang: str = "id") -> str:
        return render(self.code, lang, self.params)


class BundleRefused(Exception):  # noqa: N818 (a refusal, not a failure of the verifier)
    """A bundle past the reading limits: refused whole, having read no further."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
