"""The stable ``error`` codes of the service's answers, listed in the OpenAPI document.

Every refusal is its own exception class with its own code (:mod:`ktp_service.errors`,
:mod:`ktp_service.lifecycle`, :mod:`billing.errors`, :mod:`ktp_service.cards.errors`). This module finds
them all by walking the class trees, so a new refusal is documented the moment it exists, and writes them
into the description of each error status of each operation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from billing.errors import BillingError
from ktp_service.cards import CardError
from ktp_service.errors import DomainError

# Answers the framework gives itself, beside the service's own refusals.
FRAMEWORK_CODES = {
    401: ["unauthorized"],
    404: ["not_found"],
    405: ["method_not_allowed"],
    422: ["validation_error"],
}


def _classes(base: type) -> Iterator[type]:
    subclasses: list[type] = base.__subclasses__()
    for sub in subclasses:
        yield sub
        yield from _classes(sub)


def codes_by_status() -> dict[int, list[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for status, codes in FRAMEWORK_CODES.items():
        out[status].update(codes)
    for base in (DomainError, BillingError, CardError):
        for cls in (base, *_classes(base)):
            out[int(getattr(cls, "status_code", 400))].add(str(getattr(cls, "code", "")))
    return {status: sorted(codes) for status, codes in out.items()}


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Append the codes each error status can carry to every operation's response of that status."""
    codes = codes_by_status()
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if (
                    status.isdigit()
                    and int(status) in codes
                    and "error codes:" not in response["description"]
                ):
                    listed = ", ".join(f"`{c}`" for c in codes[int(status)])
                    response["description"] += f" Possible error codes: {listed}."
    return schema


def install(app: Any) -> None:
    """Make ``app.openapi()`` list the codes (computed once, like FastAPI's own schema)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(generate())
        return app.openapi_schema  # type: ignore[no-any-return]

    app.openapi = openapi
