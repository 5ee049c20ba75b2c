"""OpenAPI links: which answer feeds which next call (a resident just registered is the one whose card is
previewed, whose photo is uploaded...). Clients and the stateful fuzzing (schemathesis) follow them.

Links by a numeric ``id`` (printers, users, jobs) are inferred by schemathesis from the schemas already; the
ones here name what inference cannot see: residents are addressed by their NIK, offices by their code,
contract versions by ``version_id``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


class Link(NamedTuple):
    source: tuple[str, str, str]  # path, method, status of the answer that carries the value
    name: str
    target: tuple[str, str]  # path, method of the call it feeds
    parameters: dict[str, str]  # the target's parameter -> runtime expression


RESIDENT = "/api/v1/residents/{nik}"
NEW_RESIDENT = ("/api/v1/residents", "post", "201")
NEW_OFFICE = ("/api/v1/offices", "post", "201")
NEW_CONTRACT = ("/api/v1/billing/contracts", "post", "201")
BY_NIK = {"nik": "$response.body#/nik"}

LINKS = [
    Link(NEW_RESIDENT, "ReadResident", (RESIDENT, "get"), BY_NIK),
    Link(NEW_RESIDENT, "CorrectResident", (RESIDENT, "patch"), BY_NIK),
    Link(NEW_RESIDENT, "ResidentHistory", (RESIDENT + "/history", "get"), BY_NIK),
    Link(NEW_RESIDENT, "UploadPhoto", (RESIDENT + "/photo", "put"), BY_NIK),
    Link(NEW_RESIDENT, "UploadSignature", (RESIDENT + "/signature", "put"), BY_NIK),
    Link(NEW_RESIDENT, "PreviewCard", (RESIDENT + "/card-preview", "get"), BY_NIK),
    Link((RESIDENT, "patch", "200"), "ReadCorrected", (RESIDENT, "get"), BY_NIK),
    Link(
        (RESIDENT + "/photo", "put", "200"), "PreviewWithPhoto", (RESIDENT + "/card-preview", "get"), BY_NIK
    ),
    Link(
        NEW_OFFICE, "OfficeStock", ("/api/v1/offices/{code}/stock", "get"), {"code": "$response.body#/code"}
    ),
    Link(
        NEW_OFFICE, "ReceiveStock", ("/api/v1/offices/{code}/stock", "post"), {"code": "$response.body#/code"}
    ),
    Link(
        NEW_CONTRACT,
        "EndContract",
        ("/api/v1/billing/contracts/{version_id}/end", "post"),
        {"version_id": "$response.body#/id"},
    ),
]


def _pointer(path: str, method: str) -> str:
    """A JSON pointer to an operation in this document (``/`` and ``~`` escaped as RFC 6901 says)."""
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"#/paths/{escaped}/{method}"


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Add every link whose two ends exist in ``schema`` (a route removed later drops its links, not the
    document)."""
    paths = schema.get("paths", {})
    for link in LINKS:
        path, method, status = link.source
        target_path, target_method = link.target
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None or target_method not in paths.get(target_path, {}):
            continue
        response.setdefault("links", {})[link.name] = {
            "operationRef": _pointer(target_path, target_method),
            "parameters": dict(link.parameters),
        }
    return schema


def install(app: Any) -> None:
    """Make ``app.openapi()`` carry the links (on top of whatever it already produces)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return document(generate())

    app.openapi = openapi
