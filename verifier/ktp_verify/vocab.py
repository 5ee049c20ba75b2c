"""Billing's closed vocabularies, each defined once, here.

Every list of words that contracts, the ledger, statements or the application share is a :class:`Word`
enum: the issuance reasons a contract prices, who pays a fee, the kinds of partner share, the rounding and
remainder rules, the ledger's account names and its kinds of transaction. The application imports these
(billing never imports the application). They live in the partner's standalone verifier, which reads the
same words; :mod:`billing.vocab` re-exports them.

A member *is* its word: it compares, hashes, formats, JSON-encodes and is stored as the plain string, and
its ``repr`` is the string's, so messages, hashes and rows read exactly as they did with bare strings.
"""

from __future__ import annotations

from enum import StrEnum


class Word(StrEnum):
    """Base of billing's vocabularies: a ``StrEnum`` whose ``repr`` is its value's (``'baru'``)."""

    def __repr__(self) -> str:
        return repr(self.value)


class Reason(Word):
    """Why a card is issued; a contract names a fee for every reason (DOMAIN.md section 5)."""

    BARU = "baru"
    HILANG = "hilang"
    RUSAK = "rusak"
    PERUBAHAN_DATA = "perubahan_data"
    PERPANJANGAN = "perpanjangan"


class Payer(Word):
    """Who pays a card's fee: the citizen at the counter (the fee is split), or the regency from its budget
    (the partner gets all of it)."""

    CITIZEN = "citizen"
    REGENCY = "regency"


class ShareKind(Word):
    """How a contract states the partner's share of a citizen-paid fee: a percentage, a fixed amount per
    card, or by tier of the month's net card count (each tier a percentage or a rupiah amount per card)."""

    PERCENT = "percent"
    FIXED = "fixed"
    TIERS = "tiers"


class PpnCollector(Word):
    """Who collects and remits the PPN on the partner's services: the partner itself (it is paid the PPN
    with its share), or the regency's treasurer as appointed PPN collector (PMK 59/2022), who withholds it
    from the payment and remits it (DOMAIN.md section 5)."""

    PARTNER = "partner"
    BENDAHARA = "bendahara"


class Rounding(Word):
    """When a percentage share is rounded: each card on its own, or the month's total once (with an
    adjustment when the month closes)."""

    PER_CARD = "per_card"
    PER_PERIOD = "per_period"


class RemainderRule(Word):
    """Where the indivisible rupiah of a percentage split goes (see :mod:`ktp_verify.allocation`)."""

    TO_REGENCY = "to_regency"
    TO_PARTNER = "to_partner"
    LARGEST_REMAINDER = "largest_remainder"


class Account(Word):
    """The ledger's accounts (the regency's books); see :mod:`ktp_verify.book` for what each line posts."""

    CITIZEN_FEES = "citizen_fees_collected"
    REGENCY_EXPENSE = "regency_service_expense"
    PARTNER_PAYABLE = "partner_payable"
    REGENCY_REVENUE = "regency_revenue"
    PPH23_PAYABLE = "pph23_payable"
    PPN_EXPENSE = "ppn_on_partner_services"
    PPN_PAYABLE = "ppn_payable"  # PPN the treasurer withheld from the partner's payment, to remit


class TransactionKind(Word):
    """What a ledger transaction records: a card printed, the reversal of one, or a month's close."""

    CARD = "card"
    REVERSAL = "reversal"
    PERIOD_CLOSE = "period_close"
