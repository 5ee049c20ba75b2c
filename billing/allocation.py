"""Allocation rules on whole rupiah, defined once in :mod:`ktp_verify.allocation` (the partner's standalone
verifier re-prices every card with the same functions) and re-exported here."""

from ktp_verify.allocation import (
    FULL,
    Split,
    partner_total_per_card,
    partner_total_per_period,
    split_fixed,
    split_largest_remainder,
    split_percent,
    split_percent_floor_remainder_to,
    split_percent_signed,
    tax_truncated,
)

__all__ = [
    "FULL",
    "Split",
    "partner_total_per_card",
    "partner_total_per_period",
    "split_fixed",
    "split_largest_remainder",
    "split_percent",
    "split_percent_floor_remainder_to",
    "split_percent_signed",
    "tax_truncated",
]
