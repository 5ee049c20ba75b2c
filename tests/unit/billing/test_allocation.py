"""Allocation rules: exact whole-rupiah shares that always add up to the amount split."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.allocation import (
    FULL,
    partner_total_per_card,
    partner_total_per_period,
    split_fixed,
    split_largest_remainder,
    split_percent,
    split_percent_floor_remainder_to,
    split_percent_signed,
    tax_truncated,
)
from billing.vocab import RemainderRule

amounts = st.integers(min_value=0, max_value=10**13)
basis_points = st.integers(min_value=0, max_value=FULL)
rules = st.sampled_from(RemainderRule)


def test_domain_example_per_card_vs_per_period() -> None:
    # DOMAIN.md section 5: Rp 10.001, 35 %, 1.000 cards.
    assert partner_total_per_card(10001, 3500, 1000, "to_regency") == 3_500_000
    assert partner_total_per_period(10001 * 1000, 3500, "to_regency") == 3_500_350


def test_named_remainder_rules_on_one_card() -> None:
    # 35 % of 10001 is 3500.35: the remainder (0.35 rupiah of the partner's exact share) goes to whoever is named.
    assert split_percent(10001, 3500, "to_regency") == (3500, 6501)
    assert split_percent(10001, 3500, "to_partner") == (3501, 6500)
    assert split_percent(10001, 3500, "largest_remainder") == (3500, 6501)  # .35 < .65
    assert split_percent(10001, 6500, "largest_remainder") == (6501, 3500)  # .65 > .35
    assert split_percent(3, 5000, "largest_remainder") == (1, 2)  # tie (1.5 / 1.5) goes to the regency


@given(amounts, basis_points, rules)
def test_split_percent_sums_to_the_amount_and_is_never_negative(
    amount: int, bp: int, rule: RemainderRule
) -> None:
    partner, regency = split_percent(amount, bp, rule)
    assert partner + regency == amount
    assert partner >= 0
    assert regency >= 0


@given(amounts, basis_points, rules)
def test_split_percent_is_within_one_rupiah_of_the_exact_share(
    amount: int, bp: int, rule: RemainderRule
) -> None:
    partner, _ = split_percent(amount, bp, rule)
    # |partner - amount*bp/FULL| < 1, in integers:
    assert abs(partner * FULL - amount * bp) < FULL


@given(amounts, basis_points)
def test_floor_rule_gives_the_remainder_to_the_named_party(amount: int, bp: int) -> None:
    to_regency = split_percent_floor_remainder_to(amount, bp, "regency")
    to_partner = split_percent_floor_remainder_to(amount, bp, "partner")
    assert to_regency.partner * FULL <= amount * bp  # partner rounded down
    assert to_partner.regency * FULL <= amount * (FULL - bp)  # regency rounded down
    assert to_partner.partner - to_regency.partner in (0, 1)


@given(amounts, basis_points, rules)
def test_signed_split_mirrors_the_positive_split(amount: int, bp: int, rule: RemainderRule) -> None:
    assert split_percent_signed(-amount, bp, rule) == tuple(-x for x in split_percent(amount, bp, rule))


@given(
    amounts,
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
)
def test_largest_remainder_sums_and_stays_within_one_of_each_quota(amount: int, weights: list[int]) -> None:
    shares = split_largest_remainder(amount, weights)
    total = sum(weights)
    assert sum(shares) == amount
    assert all(s >= 0 for s in shares)
    for share, w in zip(shares, weights, strict=True):
        assert amount * w // total <= share <= amount * w // total + 1  # floor(quota) or one more


@given(amounts, amounts)
def test_fixed_share_sums(fee: int, fixed: int) -> None:
    if fixed > fee:
        with pytest.raises(ValueError, match="does not fit"):
            split_fixed(fee, fixed)
    else:
        partner, regency = split_fixed(fee, fixed)
        assert (partner, regency, partner + regency) == (fixed, fee - fixed, fee)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="negative amount"):
        split_percent(-1, 3500, "to_regency")
    with pytest.raises(ValueError, match="basis points"):
        split_percent(100, 10001, "to_regency")
    with pytest.raises(ValueError, match="weights"):
        split_largest_remainder(100, [0, 0])


def test_taxes_truncate_and_mirror() -> None:
    assert tax_truncated(3_500_350, 200) == 70_007  # PPh 23 2 %
    assert tax_truncated(1_000_000, 1200, 11, 12) == 110_000  # PPN 12 % on 11/12 = 11 %
    assert tax_truncated(999, 1200, 11, 12) == 109  # 109.89 truncated
    assert tax_truncated(-999, 1200, 11, 12) == -109
