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
        ├── PeriodNotClosable       month not over, earlier month open, unposted events...
        ├── EventConflict           same event key, different content
        └── AlreadyCorrected        a transaction can be corrected once
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

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(BillingError, code="invalid_input", status_code=422):
    """Bad input: contract terms, a month, import rows..."""


class ShareAboveFee(InvalidInput, code="share_above_fee"):
    """Contract terms whose partner share per card is more rupiah than a citizen-paid fee it splits.
    ``params``: ``share`` and ``fee`` as written (``Rp 3.000``), ``reason`` (the fee's issuance reason)."""

    def __init__(self, message: str, params: dict[str, object]) -> None:
        super().__init__(message)
        self.params = params


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
