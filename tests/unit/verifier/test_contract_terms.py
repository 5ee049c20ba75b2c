"""Issue 11's contract terms as the standalone verifier reads them: rupiah tiers and the PPN collector in
the terms, the net-billed-card count replayed, and a wrong ordinal named in both languages."""

from __future__ import annotations

from typing import Any

import pytest

from ktp_verify.bundle import _Ordinals
from ktp_verify.checks import Problems
from ktp_verify.pricing import price_at_rate, price_card, read_terms, taxes_on
from ktp_verify.vocab import PpnCollector


def _terms(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": "031/PKS/2026",
        "effective_from": "2026-11-01",
        "fees": {
            "baru": {"amount": 10_000, "payer": "citizen"},
            "rusak": {"amount": 20_000, "payer": "regency"},
        },
        "partner_share": {
            "type": "tiers",
            "tiers": [{"up_to": 3, "amount_per_card": 3000}, {"up_to": None, "amount_per_card": 2500}],
        },
        "rounding": "per_card",
        "remainder": "to_regency",
        "pph23_basis_points": 200,
        "ppn": {"pkp": True, "collector": "bendahara"},
    }
    data.update(overrides)
    return data


def test_rupiah_tiers_and_the_treasurer_collecting_ppn_are_read_and_priced() -> None:
    terms = read_terms(_terms())
    assert terms.ppn.collector == PpnCollector.BENDAHARA
    assert [tuple(price_card(terms, "baru", n))[2:4] for n in (1, 3, 4)] == [
        (3000, 7000),
        (3000, 7000),
        (2500, 7500),
    ]
    assert price_card(terms, "rusak", 1).partner == 20_000  # a regency-paid fee goes wholly to the partner
    # A reversal undoes a tier's amount, found by the amount it carries (no rate for rupiah tiers).
    assert price_at_rate(terms, "baru", None, 2500) == price_card(terms, "baru", 4)
    assert price_at_rate(terms, "baru", None, 2700) is None
    taxes = taxes_on(terms, 9000)
    assert (taxes.ppn, taxes.ppn_withheld, taxes.net_payable(9000)) == (990, 990, 9000 - 180)
    # Terms stored before the setting read as the partner collecting its PPN.
    assert read_terms(_terms(ppn={"pkp": True})).ppn.collector == PpnCollector.PARTNER


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"ppn": {"pkp": True, "collector": "kas_daerah"}}, "not a PPN collector this verifier knows"),
        (
            {
                "partner_share": {
                    "type": "tiers",
                    "tiers": [{"up_to": None, "basis_points": 10, "amount_per_card": 1}],
                }
            },
            "either basis_points or amount_per_card",
        ),
        (
            {
                "partner_share": {
                    "type": "tiers",
                    "tiers": [{"up_to": 3, "basis_points": 3000}, {"up_to": None, "amount_per_card": 2500}],
                }
            },
            "not a share this verifier knows",
        ),
    ],
    ids=["unknown-collector", "tier-of-both-kinds", "mixed-tiers"],
)
def test_terms_this_verifier_does_not_know_are_refused_by_name(change: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        read_terms(_terms(**change))


def test_the_net_count_is_replayed_and_a_wrong_ordinal_is_named() -> None:
    problems = Problems()
    ordinals = _Ordinals(net=True, max_cards=100)
    ordinals.card(1, 1, problems)
    ordinals.card(2, 2, problems)
    ordinals.reversal(2)  # reversed in its own month: leaves the count
    ordinals.card(4, 2, problems)  # the second net card again
    ordinals.reversal(99)  # a card of an earlier month: lowers no count
    ordinals.card(6, 4, problems)  # numbered as if every posted card counted
    assert problems == ["transaction 6: numbered card 4 of the month, but it is net billed card 3"]
    assert problems[0].text("id") == (  # type: ignore[attr-defined]
        "transaksi 6: diberi nomor kartu 4 bulan ini, padahal kartu itu kartu tertagih bersih ke-3"
    )
    assert not ordinals.gaps()


def test_statements_signed_before_the_net_rule_keep_the_one_to_n_check() -> None:
    problems = Problems()
    ordinals = _Ordinals(net=False, max_cards=100)
    for seq, ordinal in ((1, 1), (2, 2), (3, 2)):
        ordinals.card(seq, ordinal, problems)
    assert problems == ["transaction 3: card number 2 of the month appears twice"]
