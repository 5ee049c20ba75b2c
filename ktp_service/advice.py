"""What a clerk should do about a printer condition, in Bahasa Indonesia (printer-state-reasons keywords,
DOMAIN.md section 4)."""

from __future__ import annotations

from collections.abc import Iterable

from printers.base import reason_keyword

ADVICE: dict[str, str] = {
    "media-jam": "Kartu macet: buka penutup printer, keluarkan kartu yang macet, lalu tutup kembali.",
    "media-empty": "Kartu blanko habis: isi feeder dengan kartu blanko.",
    "media-needed": "Kartu blanko habis: isi feeder dengan kartu blanko.",
    "media-low": "Kartu blanko hampir habis: siapkan kartu blanko.",
    "marker-supply-empty": "Pita (ribbon) habis: ganti pita printer.",
    "marker-supply-low": "Pita hampir habis: siapkan pita pengganti.",
    "cover-open": "Penutup printer terbuka: tutup penutupnya.",
    "output-area-full": "Wadah kartu hasil cetak penuh: kosongkan wadahnya.",
    "offline": "Printer tidak terhubung: periksa daya, kabel atau jaringan printer.",
    "paused": "Printer dijeda: lanjutkan dari panel printer atau CUPS.",
}


def advice_for(reasons: Iterable[str]) -> list[str]:
    out: list[str] = []
    for reason in reasons:
        text = ADVICE.get(reason_keyword(reason))
        if text and text not in out:
            out.append(text)
    return out
