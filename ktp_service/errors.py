"""Domain errors, each with its HTTP status and a message a clerk understands. One handler in
``ktp_service.main`` renders every one of them in the same JSON shape::

    {"error": "<code>", "message": "<plain words>", "detail": [...optional field problems...]}

Tree::

    DomainError
    ├── NotFound (404)            ResidentNotFound, OfficeNotFound, UserNotFound, ...
    ├── Conflict (409)            NikAlreadyRegistered, IdempotencyConflict, ...
    ├── Forbidden (403)           OutOfOfficeScope
    ├── Unauthorized (401)
    ├── TooManyAttempts (429)
    └── Invalid (422)             field-level problems: InvalidField
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel


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
    message: str
    problems: list[FieldProblem] = field(default_factory=list)
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __str__(self) -> str:
        return self.message

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.problems:
            out["detail"] = [p.as_dict() for p in self.problems]
        return out


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too_many_attempts"


class Invalid(DomainError):
    status_code = 422
    code = "validation_error"


class NikAlreadyRegistered(Conflict):
    code = "nik_already_registered"


class OutOfOfficeScope(Forbidden):
    code = "out_of_office_scope"


def invalid_field(field_name: str, message: str, code: str = "invalid") -> Invalid:
    """A 422 about exactly one field."""
    return Invalid(f"{field_name}: {message}", [FieldProblem(field_name, message, code)])


class ErrorBody(BaseModel):
    """The one JSON shape of every error answer."""

    error: str
    message: str
    detail: list[dict[str, str]] | None = None


_ERROR_CASES = {
    400: "The request cannot be carried out.",
    401: "Not logged in, or the token expired.",
    403: "Your role or office may not do this.",
    404: "No such record.",
    409: "Conflicts with the current state (duplicate, stale version...).",
    422: "A field is invalid; `detail` names each field and rule.",
    429: "Too many attempts; wait before trying again.",
}

# Declared on every router so the OpenAPI document tells clients (and schemathesis) the error shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in _ERROR_CASES.items()
}
