"""The ledger's record format and books, as the service writes them and the verifier reads them.

Accounts (the regency's books, :class:`ktp_verify.vocab.Account`)::

    citizen pays   Dr citizen_fees_collected  fee    Cr partner_payable partner   Cr regency_revenue regency
    regency pays   Dr regency_service_expense fee    Cr partner_payable fee
    close          rounding adjustment between regency_revenue and partner_payable,
                   Dr ppn_on_partner_services / Cr partner_payable (PPN), Dr partner_payable / Cr pph23_payable,
                   and when the regency's treasurer collects the PPN: Dr partner_payable / Cr ppn_payable

Chain: each transaction's ``hash`` is ``sha256(canonical_json(content))`` where the content is the array of
its :data:`HASHED_FIELDS` (every column but ``hash``, ``prev_hash`` included; booleans as 0/1) followed by
its lines ``[[account, debit, credit], ...]`` in line order; ``prev_hash`` is the previous transaction's
``hash`` (64 zeros for the first). :mod:`billing.ledger` checks at import that its table has exactly these
columns in this order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ktp_verify.canonical import canonical_bytes, sha256_hex
from ktp_verify.vocab import Account, Payer

# Every column of a transaction that its hash covers (all but ``hash``), in table order.
HASHED_FIELDS: tuple[str, ...] = (
    "seq", "kind", "event_key", "event_digest", "period", "event_period", "prior_period", "event_at",
    "event_date", "recorded_at", "contract_version_id", "pricing_sha256", "card_serial", "nik_masked",
    "office_code", "reason", "printer_id", "template_version", "fault_reprint", "billed", "payer", "fee",
    "cards", "partner", "regency", "rate_bp", "period_ordinal", "corrects_seq", "note", "prev_hash",
)  # fmt: skip
BOOL_COLUMNS = ("prior_period", "fault_reprint", "billed")

Line = tuple[str, int, int]  # account, debit, credit


def transaction_content(row: Mapping[str, Any], lines: Sequence[Line]) -> list[Any]:
    """The hashed content of a transaction: the values of :data:`HASHED_FIELDS` in that order (booleans as
    0 and 1), then its lines as ``[[account, debit, credit], ...]``. An array rather than an object keeps
    hashing a million transactions quick; the field order is part of the format (bundle README)."""
    values: list[Any] = [int(row[n]) if n in BOOL_COLUMNS else row[n] for n in HASHED_FIELDS]
    values.append([list(line) for line in lines])
    return values


def content_hash(content: Sequence[Any]) -> str:
    """The hash of a transaction's content (:func:`transaction_content`)."""
    return sha256_hex(canonical_bytes(content))


def signed_lines(pairs: Iterable[tuple[str, int]]) -> list[Line]:
    """Lines from (account, amount) pairs: positive amounts are debits, negative ones credits, zeros are
    left out. A reversal is the same pairs negated, so it mirrors what it undoes line by line."""
    return [(acc, amt, 0) if amt > 0 else (acc, 0, -amt) for acc, amt in pairs if amt != 0]


def card_lines(payer: str | None, fee: int, partner: int, regency: int) -> list[Line]:
    """The lines of a card (or, with the amounts negated, of its reversal): the fee debited to the payer's
    account, the partner's and the regency's shares credited."""
    source = Account.CITIZEN_FEES if payer == Payer.CITIZEN else Account.REGENCY_EXPENSE
    return signed_lines(
        [(source, fee), (Account.PARTNER_PAYABLE, -partner), (Account.REGENCY_REVENUE, -regency)]
    )


def close_lines(adjustment: int, ppn: int, pph23: int, ppn_withheld: int = 0) -> list[Line]:
    """The lines of a month's closing transaction: the per-period rounding adjustment, PPN, PPh 23, and the
    PPN the regency's treasurer withholds from the partner's payment to remit itself (``ppn_withheld``,
    when it is the PPN collector; no lines when zero, so closes without it read as before)."""
    return signed_lines(
        [
            (Account.REGENCY_REVENUE, adjustment),
            (Account.PARTNER_PAYABLE, -adjustment),
            (Account.PPN_EXPENSE, ppn),
            (Account.PARTNER_PAYABLE, -ppn),
            (Account.PARTNER_PAYABLE, pph23),
            (Account.PPH23_PAYABLE, -pph23),
            (Account.PARTNER_PAYABLE, ppn_withheld),
            (Account.PPN_PAYABLE, -ppn_withheld),
        ]
    )
