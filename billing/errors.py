"""Billing's domain errors. Each carries the HTTP status the application should answer with and a stable
``code``, so one handler in the web layer can render them all; billing itself never imports a web framework.
Each class names its code (and its status, where it differs from its parent's) in its class line.

Tree::

    BillingError (400)
    ├── InvalidInput (422)          bad contract terms, bad month, bad import rows...
    │   ├── ShareAboveFee (422)     a partner share above the fee it splits
    │   │   └── ShareAboveFull      ... above 100 % of it
    │   ├── ImportRejected (422)    carries the row-numbered errors
    │   └── BundleRefused (422)     a bundle past the reading limits (a zip bomb?), never read further
    ├── NotFound (404)              ContractVersionNotFound, TransactionNotFound, ConflictNotFound,
    │                               StatementWithoutChain
    └── Conflict (409)
        ├── ContractOverlap         a version's dates overlap another's
        ├── NoContractInForce       a card completed on a date no version covers
        ├── PeriodClosed            something dated in a closed month
        ├── PeriodNotClosable       month not over, earlier month open, unposted events... (one class each,
        │                           with the values its message names in ``params``)
        ├── EventConflict           same event key, different content
        ├── AlreadyCorrected        a transaction can be corrected once
        ├── DocumentAlreadyMade     a month's final paper of a kind is made once
        ├── MonthNotClosed          finalising the reconciliation needs the month closed
        ├── ReconciliationNotFinal  a difference is neither zero nor explained
        ├── ReconciliationFinalised the Berita Acara is made; the reconciliation is fixed
        ├── DuplicatePaymentReference  a payment reference (STS number) already recorded
        ├── AlreadyReversed         money received can be reversed once
        └── ReversalNotReversible   a reversal is never itself reversed
"""

from __future__ import annotations


class BillingError(Exception):
    """Any billing error; ``message`` says what went wrong in words a finance officer can act on. A subclass
    states its ``code`` (and its ``status_code`` when it differs from its parent's) in its class line."""

    status_code = 400
    code = "billing_error"

    def __init_subclass__(cls, *, code: str, status_code: int | None = None) -> None:
        super().__init_subclass__()
        cls.code = code
        if status_code is not None:
            cls.status_code = status_code

    def __init__(self, message: str, params: dict[str, str | int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The values the catalogue's text for this code names (the application renders them).
        self.params: dict[str, str | int] = params or {}


class InvalidInput(BillingError, code="invalid_input", status_code=422):
    """Bad input: contract terms, a month, import rows..."""


class ShareAboveFee(InvalidInput, code="share_above_fee"):
    """Contract terms whose partner share per card is more rupiah than a citizen-paid fee it splits.
    ``params``: ``share`` and ``fee`` as written (``Rp 3.000``), ``reason`` (the fee's issuance reason)."""


class ShareAboveFull(ShareAboveFee, code="share_above_full"):
    """Contract terms whose partner share is above 100 % of the fee. ``params``: ``share`` (``120 %``)."""


class ImportRejected(InvalidInput, code="import_rejected"):
    """An import file had bad rows; nothing from it was applied. ``errors`` name each row."""

    def __init__(self, message: str, errors: list[str]) -> None:
        super().__init__(message + ": " + "; ".join(errors))
        self.errors = errors


class BundleRefused(InvalidInput, code="bundle_refused"):
    """A statement bundle past the limits it is read within (members, sizes, compression ratio, line
    length): refused before, or as soon as, reading it goes past them."""


class NotFound(BillingError, code="billing_record_not_found", status_code=404):
    """A billing record named does not exist (each kind below has its own code)."""


class ContractVersionNotFound(NotFound, code="contract_version_not_found"):
    pass


class TransactionNotFound(NotFound, code="transaction_not_found"):
    pass


class ConflictNotFound(NotFound, code="conflict_not_found"):
    pass


class StatementWithoutChain(NotFound, code="statement_without_chain"):
    """A closed month's statement that names no stretch of the chain (nothing to bundle)."""


class Conflict(BillingError, code="billing_conflict", status_code=409):
    """The request contradicts what the books already hold (each case below has its own code)."""


class ContractOverlap(Conflict, code="contract_overlap"):
    """A contract version's dates overlap another version's."""


class NoContractInForce(Conflict, code="no_contract_in_force"):
    """A card completed on a day no contract version covers."""


class PeriodClosed(Conflict, code="period_closed"):
    """Something dated in a closed month."""


class PeriodNotClosable(Conflict, code="period_not_closable"):
    """The month cannot close yet: not over, an earlier month open, events unposted or in conflict..."""


class EventConflict(Conflict, code="event_conflict"):
    """An event key already posted with other content, or a card already billed under another key."""


class AlreadyCorrected(Conflict, code="already_corrected"):
    """A transaction can be corrected once; this one already was."""


class DocumentAlreadyMade(Conflict, code="document_already_made"):
    """A month's final paper of a kind is made once; this one already was."""


class MonthNotClosed(Conflict, code="month_not_closed"):
    """The step needs the month closed first (finalising the reconciliation)."""


class ReconciliationNotFinal(Conflict, code="reconciliation_not_final"):
    """A difference of the reconciliation is neither zero nor explained: it cannot be finalised yet."""


class ReconciliationFinalised(Conflict, code="reconciliation_finalised"):
    """The month's Berita Acara is made: its reconciliation no longer changes."""


class DocumentNotMade(NotFound, code="document_not_made"):
    """The month's final paper of that kind is not made yet (the month is open, or not finalised)."""


# -- why a month cannot close (issue 12): one code each, with the values the reader's message names ---------
class _WithParams:
    params: dict[str, str | int] = {}


class MonthInFuture(InvalidInput, _WithParams, code="month_in_future"):
    def __init__(self, message: str, *, month: str) -> None:
        super().__init__(message)
        self.params = {"month": month}


class MonthNotOver(PeriodNotClosable, _WithParams, code="month_not_over"):
    """``since``: the first moment it can close, as people read it (``01-12-2026 00:00 WIB``)."""

    def __init__(self, message: str, *, month: str, since: str) -> None:
        super().__init__(message)
        self.params = {"month": month, "since": since}


class MonthAlreadyClosed(PeriodNotClosable, _WithParams, code="month_already_closed"):
    def __init__(self, message: str, *, month: str) -> None:
        super().__init__(message)
        self.params = {"month": month}


class CardsNotPosted(PeriodNotClosable, _WithParams, code="cards_not_posted"):
    def __init__(self, message: str, *, month: str, n: int) -> None:
        super().__init__(message)
        self.params = {"month": month, "n": n}


class EarlierMonthOpen(PeriodNotClosable, _WithParams, code="earlier_month_open"):
    def __init__(self, message: str, *, months: str) -> None:
        super().__init__(message)
        self.params = {"months": months}


class ConflictsUnresolved(PeriodNotClosable, _WithParams, code="event_conflicts_open"):
    def __init__(self, message: str, *, month: str, n: int) -> None:
        super().__init__(message)
        self.params = {"month": month, "n": n}


class DuplicatePaymentReference(Conflict, code="duplicate_payment_reference"):
    """A payment reference (the STS number) is recorded once; ``params`` name the earlier entry."""


class MoneyEntryNotFound(NotFound, code="money_entry_not_found"):
    pass


class AlreadyReversed(Conflict, code="money_already_reversed"):
    """An entry of money received is reversed once; ``params`` name the reversal."""


class ReversalNotReversible(Conflict, code="reversal_not_reversible"):
    """A reversing entry is never itself reversed: record the money again instead."""
