"""Billing's closed vocabularies, defined once in :mod:`ktp_verify.vocab` (the partner's standalone verifier
reads the same words) and re-exported here for billing and the application."""

from ktp_verify.vocab import (
    Account,
    Payer,
    PpnCollector,
    Reason,
    RemainderRule,
    Rounding,
    ShareKind,
    TransactionKind,
    Word,
)

__all__ = [
    "Account",
    "Payer",
    "PpnCollector",
    "Reason",
    "RemainderRule",
    "Rounding",
    "ShareKind",
    "TransactionKind",
    "Word",
]
