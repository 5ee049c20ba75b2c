"""Rupiah as written on official documents."""

from __future__ import annotations

from billing.documents import format_rupiah, month_name, rupiah_in_words


def test_rupiah_has_a_space_and_dot_separators() -> None:
    assert format_rupiah(10000) == "Rp 10.000"
    assert format_rupiah(3_500_350) == "Rp 3.500.350"
    assert format_rupiah(0) == "Rp 0"
    assert format_rupiah(999) == "Rp 999"
    assert format_rupiah(-2500) == "-Rp 2.500"


def test_amounts_in_words_and_month_names() -> None:
    assert rupiah_in_words(3_500_350) == "Tiga juta lima ratus ribu tiga ratus lima puluh rupiah"
    assert rupiah_in_words(3_500_000) == "Tiga juta lima ratus ribu rupiah"
    assert month_name("2026-12") == "Desember 2026"
