"""parse_rupiah: what the money form accepts as an amount, and what it refuses (never guessed)."""

from __future__ import annotations

import pytest

from ktp_service.web.forms import RupiahRefused, parse_rupiah


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("30000", 30000),
        ("30.000", 30000),
        ("Rp 30.000", 30000),
        ("Rp30.000", 30000),
        ("rp. 30.000", 30000),
        ("RP 30000", 30000),
        ("  Rp 30.000  ", 30000),
        ("Rp 30.000,00", 30000),
        ("Rp 30.000,-", 30000),
        ("IDR 1.250.000", 1_250_000),
        ("1.000.000.000", 1_000_000_000),
        ("999", 999),
        ("0", 0),
    ],
)
def test_accepted(typed: str, amount: int) -> None:
    assert parse_rupiah(typed) == amount


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("30,5", "fraction"),  # a comma is the decimal sign: 30 rupiah and a half is not a whole amount
        ("30,50", "fraction"),
        ("30.000,5", "fraction"),
        ("-30000", "negative"),
        ("Rp -30.000", "negative"),
        ("\u221230000", "negative"),  # the minus sign character
        ("(30.000)", "negative"),  # accountants' negative
        ("3.00", "format"),  # dots group thousands, three digits each
        ("30.0000", "format"),
        ("30,000", "format"),  # an English thousands comma: ambiguous, refused
        ("30 000", "format"),
        ("\uff13\uff10\uff10\uff10\uff10", "format"),  # full-width digits
        ("1e5", "format"),
        ("+30000", "format"),
        ("Rp", "format"),
        ("tiga puluh ribu", "format"),
        ("1.000.000.000.000.001", "too_large"),
    ],
)
def test_refused(typed: str, code: str) -> None:
    with pytest.raises(RupiahRefused) as caught:
        parse_rupiah(typed)
    assert caught.value.code == code


def test_the_limit_is_a_parameter() -> None:
    assert parse_rupiah("Rp 5.000", maximum=5000) == 5000
    with pytest.raises(RupiahRefused, match="too_large"):
        parse_rupiah("Rp 5.001", maximum=5000)


def test_every_refusal_has_a_message_in_both_languages() -> None:
    from ktp_service.catalogue import CATALOGUE

    for code in ("empty", "negative", "fraction", "format", "too_large"):
        indonesian, english = CATALOGUE[f"v.rupiah.{code}"]
        assert indonesian and english and indonesian != english
