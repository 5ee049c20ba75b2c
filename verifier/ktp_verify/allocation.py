"""Allocation rules on whole rupiah. Every function takes and returns ``int``; each rule is named and says
where the indivisible remainder goes, and every split returns shares that add up exactly to the amount split.

Shares are written in basis points (1/100 of a percent, 10000 = 100 %) so that percentages stay integers.

Rules (the names a contract uses, :class:`ktp_verify.vocab.RemainderRule`):

``to_regency``
    The partner's share is rounded down; the regency gets the rest (:func:`split_percent_floor_remainder_to`).
``to_partner``
    The regency's share is rounded down; the partner gets the rest.
``largest_remainder``
    Hamilton's method (:func:`split_largest_remainder`): each party first gets its share rounded down, the
    leftover rupiah go one by one to the largest fractional parts; a tie goes to the regency.

Rounding per card or per period (DOMAIN.md section 5): with a Rp 10.001 fee, a 35 % partner share and 1.000
cards, rounding each card gives the partner Rp 3.500.000 (:func:`partner_total_per_card`), rounding the
month's total gives Rp 3.500.350 (:func:`partner_total_per_period`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

from ktp_verify.vocab import RemainderRule

FULL = 10_000  # basis points in 100 %


class Split(NamedTuple):
    """An amount split between the partner and the regency; ``partner + regency`` is the amount split."""

    partner: int
    regency: int


def _check(amount: int, basis_points: int) -> None:
    if amount < 0:
        raise ValueError(f"cannot split a negative amount ({amount})")
    if not 0 <= basis_points <= FULL:
        raise ValueError(f"a share must be between 0 and {FULL} basis points, not {basis_points}")


def split_percent_floor_remainder_to(
    amount: int, basis_points: int, remainder_to: Literal["regency", "partner"] = "regency"
) -> Split:
    """Give the partner ``basis_points`` of ``amount``. The share of the party *not* named by ``remainder_to``
    is rounded down; the party named gets ``amount`` minus that, so it receives the rounding remainder."""
    _check(amount, basis_points)
    if remainder_to == "regency":
        partner = amount * basis_points // FULL
        return Split(partner, amount - partner)
    regency = amount * (FULL - basis_points) // FULL
    return Split(amount - regency, regency)


def split_largest_remainder(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` in proportion to ``weights`` by largest remainder (Hamilton): everyone gets the floor
    of their exact quota, then the ``amount - sum(floors)`` leftover rupiah go one each to the largest
    fractional parts. Ties go to the earlier weight. The result always sums to ``amount``."""
    if amount < 0:
        raise ValueError(f"cannot split a negative amount ({amount})")
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("weights must be non-negative with a positive sum")
    total = sum(weights)
    floors = [amount * w // total for w in weights]
    remainders = [amount * w % total for w in weights]  # fractional parts, scaled by ``total``
    leftover = amount - sum(floors)
    # Sort by remainder descending, then by position ascending (stable tie-break to the earlier weight).
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        floors[i] += 1
    return floors


def split_percent(amount: int, basis_points: int, rule: RemainderRule) -> Split:
    """Give the partner ``basis_points`` of ``amount`` under the named remainder rule."""
    if rule == RemainderRule.TO_REGENCY:
        return split_percent_floor_remainder_to(amount, basis_points, "regency")
    if rule == RemainderRule.TO_PARTNER:
        return split_percent_floor_remainder_to(amount, basis_points, "partner")
    _check(amount, basis_points)
    regency, partner = split_largest_remainder(amount, [FULL - basis_points, basis_points])
    return Split(partner, regency)


def split_percent_signed(amount: int, basis_points: int, rule: RemainderRule) -> Split:
    """:func:`split_percent` for a net amount that may be negative (a month whose reversals outweigh its
    cards): the split of ``-amount`` negated, so a reversal mirrors exactly the split it undoes."""
    if amount >= 0:
        return split_percent(amount, basis_points, rule)
    partner, regency = split_percent(-amount, basis_points, rule)
    return Split(-partner, -regency)


def split_fixed(amount: int, partner_amount: int) -> Split:
    """The partner gets a fixed ``partner_amount`` out of ``amount``; the regency the rest."""
    if not 0 <= partner_amount <= amount:
        raise ValueError(f"a fixed partner share of {partner_amount} does not fit in {amount}")
    return Split(partner_amount, amount - partner_amount)


def partner_total_per_card(fee: int, basis_points: int, cards: int, rule: RemainderRule) -> int:
    """Rounding per card: each card is split and rounded on its own, the month is the sum of the cards."""
    return split_percent(fee, basis_points, rule).partner * cards


def partner_total_per_period(total_amount: int, basis_points: int, rule: RemainderRule) -> int:
    """Rounding per period: the month's total is split once and rounded once."""
    return split_percent_signed(total_amount, basis_points, rule).partner


def tax_truncated(base: int, basis_points: int, numerator: int = 1, denominator: int = 1) -> int:
    """A tax of ``basis_points`` on ``numerator/denominator`` of ``base``, truncated to whole rupiah toward
    zero (so a refund on a negative base mirrors the tax it refunds). PPh 23: ``tax_truncated(gross, 200)``;
    PPN 12 % on a base of 11/12: ``tax_truncated(price, 1200, 11, 12)`` (DOMAIN.md section 5)."""
    if basis_points < 0 or numerator < 0 or denominator <= 0:
        raise ValueError("tax rates and base fractions must be non-negative")
    magnitude = abs(base) * basis_points * numerator // (FULL * denominator)
    return magnitude if base >= 0 else -magnitude
