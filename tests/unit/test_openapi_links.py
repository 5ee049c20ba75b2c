"""The OpenAPI links: written as JSON pointers to operations that exist, and never pointing into nothing."""

from __future__ import annotations

from typing import Any

from ktp_service.api import links


def _doc(*paths: tuple[str, str, str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {"paths": {}}
    for path, method, status in paths:
        responses = {status: {"description": "ok"}} if status else {}
        out["paths"].setdefault(path, {})[method] = {"responses": responses}
    return out


def test_a_link_points_at_its_operation_with_the_path_escaped() -> None:
    doc = links.document(
        _doc(("/api/v1/residents", "post", "201"), ("/api/v1/residents/{nik}", "get", "200"))
    )
    link = doc["paths"]["/api/v1/residents"]["post"]["responses"]["201"]["links"]["ReadResident"]
    assert link == {
        "operationRef": "#/paths/~1api~1v1~1residents~1{nik}/get",
        "parameters": {"nik": "$response.body#/nik"},
    }


def test_a_link_whose_target_is_gone_is_left_out() -> None:
    doc = links.document(_doc(("/api/v1/residents", "post", "201")))
    assert "links" not in doc["paths"]["/api/v1/residents"]["post"]["responses"]["201"]
