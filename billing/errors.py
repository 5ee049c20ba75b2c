"""Billing's domain errors. Each carries the HTTP status the application should answer with and a stable
``code``, so one handler in the web layer can render them all; billing itself never imports a web framework.

Tree::

    BillingError (400)
    ├── InvalidInput (422)          bad contract terms, bad month, bad import rows...
    │   └── ImportRejected (422)    carries the row-numbered errors
    ├── NotFound (404)
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
    status_code = 400
    code = "billing_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(BillingError):
    status_code = 422
    code = "invalid_input"


class ImportRejected(InvalidInput):
    """An import file had bad rows; nothing from it was applied. ``errors`` name each row."""

    code = "import_rejected"

    def __init__(self, message: str, errors: list[str]) -> None:
        super().__init__(message + ": " + "; ".join(errors))
        self.errors = errors


class NotFound(BillingError):
    status_code = 404
    code = "not_found"


class Conflict(BillingError):
    status_code = 409
    code = "conflict"


class ContractOverlap(Conflict):
    code = "contract_overlap"


class NoContractInForce(Conflict):
    code = "no_contract_in_force"


class PeriodClosed(Conflict):
    code = "period_closed"


class PeriodNotClosable(Conflict):
    code = "period_not_closable"


class EventConflict(Conflict):
    code = "event_conflict"


class AlreadyCorrected(Conflict):
    code = "already_corrected"
