"""Domain errors, each with its HTTP status, a stable ``code`` and a message a clerk understands. One
handler in ``ktp_service.main`` renders these, billing's (:mod:`billing.errors`) and the card layout's
(:mod:`ktp_service.cards.errors`) in the same JSON shape, in the reader's language (:func:`error_body`)::

    {"error": "<code>", "message": "<plain words>", "params": {...}, "detail": [...field problems...]}

Tree (each distinct refusal is its own class; the print-job state refusals live in
:mod:`ktp_service.lifecycle`, the print-job request refusals in :mod:`ktp_service.services.print_jobs`)::

    DomainError
    ├── NotFound (404)            ResidentNotFound, OfficeNotFound, UserNotFound, PrintJobNotFound, ...
    ├── Conflict (409)            NikAlreadyRegistered, TransitionRefused and its kin, CardInProgress, ...
    ├── Forbidden (403)           OutOfOfficeScope, OwnRequest
    ├── Unauthorized (401)
    ├── TooManyAttempts (429)
    ├── RequestTooLarge (413)     a body over its route's limit (:mod:`ktp_service.api.body_limits`)
    ├── ServiceBusy (503)         the database stayed locked longer than a request waits; nothing saved
    └── Invalid (422)             field-level problems (:func:`invalid_field`)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel

from ktp_service.catalogue import CATALOGUE, DEFAULT_LANGUAGE
from ktp_service.messages import ParamValue, placeholders, render_key


@dataclass
class FieldProblem:
    """One field-level problem: which field (dotted path) and what rule it broke, in plain words."""

    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


@dataclass
class DomainError(Exception):
    """``message``: the service's own words (English, for logs and as the detail behind a short lead);
    ``params``: the values the catalogue's text for this code names."""

    message: str
    problems: list[FieldProblem] = field(default_factory=list)
    params: dict[str, ParamValue] = field(default_factory=dict)
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init_subclass__(cls, *, code: str | None = None, status: int | None = None) -> None:
        """``class PrinterSwitchedOff(Conflict, code="printer_inactive")``: each refusal states its code (and
        its HTTP status where it differs from its parent's) in its class line."""
        super().__init_subclass__()
        if code is not None:
            cls.code = code
        if status is not None:
            cls.status_code = status

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError, code="not_found", status=404): ...


class OperationNotFound(NotFound, code="operation_not_found"): ...


class Conflict(DomainError, code="conflict", status=409): ...


class Forbidden(DomainError, code="forbidden", status=403): ...


class Unauthorized(DomainError, code="unauthorized", status=401): ...


class TooManyAttempts(DomainError, code="too_many_attempts", status=429): ...


class Invalid(DomainError, code="validation_error", status=422): ...


class RequestTooLarge(DomainError, code="request_too_large", status=413):
    """A request body over its route's limit, refused while it is read, before anything else runs."""


class ServiceBusy(DomainError, code="service_busy", status=503):
    """The database could not give a lock in time (another writer held it): the transaction was rolled
    back, so nothing was saved, and the same request may simply be sent again."""

    retry_after_seconds: ClassVar[int] = 5


class NikAlreadyRegistered(Conflict, code="nik_already_registered"): ...


class OutOfOfficeScope(Forbidden, code="out_of_office_scope"): ...


class RoleNotAllowed(Forbidden, code="role_not_allowed"): ...


class UsernameTaken(Conflict, code="username_taken"): ...


class OfficeExists(Conflict, code="office_exists"): ...


class PrinterNameTaken(Conflict, code="printer_name_taken"): ...


class TokenRevoked(Unauthorized, code="token_revoked"): ...


class PasswordChangeRequired(Forbidden, code="password_change_required"): ...


def error_text(exc: Exception, lang: str = DEFAULT_LANGUAGE) -> str:
    """A service error in the reader's language. A catalogue text that names the error's parameters is
    the whole message; a short one is a lead, followed by the service's own words as the detail."""
    code = str(getattr(exc, "code", ""))
    message = str(getattr(exc, "message", "") or exc)
    params: dict[str, ParamValue] = getattr(exc, "params", None) or {}
    key = f"err.{code}"
    entry = CATALOGUE.get(key)
    if entry is None:
        return message
    if placeholders(entry[0]) and placeholders(entry[0]) <= set(params):
        return render_key(key, params, lang)
    lead = CATALOGUE.get(f"err.{code}.lead")
    if lead is None:
        if placeholders(entry[0]):
            return message  # a whole-message text without its parameters: the service's words
        lead = entry
    return f"{lead[1] if lang == 'en' else lead[0]} ({message})"


def error_body(exc: Exception, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """The one JSON shape of every error answer, for domain, billing and card-layout errors alike."""
    out: dict[str, Any] = {"error": getattr(exc, "code", "bad_request"), "message": error_text(exc, lang)}
    params = getattr(exc, "params", None)
    if params:
        out["params"] = params
    problems: list[FieldProblem] = getattr(exc, "problems", None) or []
    rows: list[str] = getattr(exc, "errors", None) or []  # billing's ImportRejected: one line per bad row
    if problems:
        out["detail"] = [p.as_dict() for p in problems]
    elif rows:
        out["detail"] = [{"field": "file", "message": row, "code": "bad_row"} for row in rows]
    return out


def invalid_field(field_name: str, message: str, code: str = "invalid") -> Invalid:
    """A 422 about exactly one field."""
    return Invalid(f"{field_name}: {message}", [FieldProblem(field_name, message, code)])


class ErrorBody(BaseModel):
    """The one JSON shape of every error answer. ``error`` is a stable code (see the README's list);
    ``message`` is in the language of ``Accept-Language`` (Indonesian by default); ``params`` are the values
    the message names (a job's id and state...)."""

    error: str
    message: str
    params: dict[str, Any] | None = None
    detail: list[dict[str, str]] | None = None


_ERROR_CASES = {
    400: "The request cannot be carried out.",
    401: "Not logged in, or the token expired.",
    403: "Your role or office may not do this.",
    404: "No such record.",
    409: "Conflicts with the current state (duplicate, stale version...).",
    413: "The request body is over this route's limit (`params.limit`, bytes); refused before login.",
    422: "A field is invalid; `detail` names each field and rule.",
    429: "Too many attempts; wait before trying again.",
}

# Declared on every router so the OpenAPI document tells clients (and schemathesis) the error shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in _ERROR_CASES.items()
}
