"""Walks every route of the API with every role and checks who is let in.

The expected matrix is written out here, independently of the code's declarations; a route that is not in
it fails the test, so each new route must say who may use it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ktp_service.vocab import Role
from tests.factories import resident_payload

PUBLIC = "public"
AGENT = "agent"  # a print agent's own credential: no user's token is one (401 for every role)
ALL = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})
REGISTRY_WRITE = frozenset({Role.CLERK, Role.SUPERVISOR})
REGISTRY_READ = frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN, Role.FINANCE})
PRINT = frozenset({Role.CLERK, Role.SUPERVISOR})
SUPERVISOR = frozenset({Role.SUPERVISOR})
PRINTER_CARE = frozenset({Role.SUPERVISOR, Role.ADMIN})
BILLING_READ = frozenset({Role.FINANCE, Role.PARTNER_AUDITOR, Role.ADMIN})
CONTRACTS = frozenset({Role.FINANCE, Role.ADMIN})
FINANCE = frozenset({Role.FINANCE})
CHECKPOINTS = frozenset({Role.FINANCE, Role.PARTNER_AUDITOR})
PARTNER = frozenset({Role.PARTNER_AUDITOR})
INDICATORS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.FINANCE})
B = "/api/v1/billing"

MATRIX: dict[tuple[str, str], frozenset[Role] | str] = {
    ("GET", "/healthz"): PUBLIC,
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("GET", "/api/v1/auth/me"): ALL,
    ("POST", "/api/v1/auth/password"): ALL,
    ("POST", "/api/v1/auth/logout-all"): ALL,
    ("POST", "/api/v1/residents"): REGISTRY_WRITE,
    ("GET", "/api/v1/residents"): REGISTRY_READ,
    ("GET", "/api/v1/residents/{nik}"): REGISTRY_READ,
    ("PATCH", "/api/v1/residents/{nik}"): REGISTRY_WRITE,
    ("GET", "/api/v1/residents/{nik}/history"): REGISTRY_READ,
    ("PUT", "/api/v1/residents/{nik}/photo"): REGISTRY_WRITE,
    ("PUT", "/api/v1/residents/{nik}/signature"): REGISTRY_WRITE,
    ("GET", "/api/v1/offices"): ALL,
    ("POST", "/api/v1/offices"): ADMIN,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users/{user_id}/password-reset"): ADMIN,
    ("POST", "/api/v1/users/{user_id}/disable"): ADMIN,
    ("POST", "/api/v1/users/{user_id}/enable"): ADMIN,
    ("PUT", "/api/v1/users/{user_id}/role"): ADMIN,
    ("GET", "/api/v1/audit"): ADMIN,
    ("GET", "/api/v1/residents/{nik}/card-preview"): REGISTRY_READ,
    ("POST", "/api/v1/printers"): ADMIN,
    ("GET", "/api/v1/printers"): ALL,
    ("GET", "/api/v1/printers/{printer_id}"): ALL,
    ("POST", "/api/v1/printers/{printer_id}/status"): PRINTER_CARE,
    ("POST", "/api/v1/printers/{printer_id}/counter-readings"): PRINTER_CARE,
    ("GET", "/api/v1/printers/{printer_id}/counter-readings"): ALL,
    ("POST", "/api/v1/printers/{printer_id}/simulator"): PRINTER_CARE,
    ("POST", "/api/v1/print-jobs"): PRINT,
    ("GET", "/api/v1/print-jobs"): PRINT,
    ("GET", "/api/v1/print-jobs/{job_id}"): PRINT,
    ("POST", "/api/v1/print-jobs/{job_id}/cancel"): PRINT,
    ("POST", "/api/v1/print-jobs/{job_id}/reprint"): PRINT,
    ("POST", "/api/v1/print-jobs/{job_id}/move"): PRINT,
    ("POST", "/api/v1/print-jobs/{job_id}/retry"): PRINT,
    ("POST", "/api/v1/print-jobs/{job_id}/approve"): SUPERVISOR,
    ("POST", "/api/v1/print-jobs/{job_id}/refuse"): SUPERVISOR,
    ("POST", "/api/v1/print-jobs/{job_id}/confirm"): SUPERVISOR,
    ("GET", "/api/v1/offices/{code}/stock"): ALL,
    ("POST", "/api/v1/offices/{code}/stock"): PRINTER_CARE,
    # The card's last step (issue 15)
    ("POST", "/api/v1/print-jobs/{job_id}/handover"): PRINT,
    ("GET", "/api/v1/print-jobs/{job_id}/handover"): PRINT,
    ("GET", "/api/v1/print-jobs/{job_id}/handover/receipt.pdf"): PRINT,
    ("GET", "/api/v1/offices/{code}/uncollected"): REGISTRY_READ,
    ("POST", "/api/v1/residents/{nik}/departure"): REGISTRY_WRITE,
    ("POST", "/api/v1/offices/{code}/stock/deliveries"): PRINTER_CARE,
    ("GET", "/api/v1/offices/{code}/stock/deliveries"): ALL,
    ("POST", "/api/v1/offices/{code}/stock/transfers"): PRINTER_CARE,
    ("GET", "/api/v1/offices/{code}/stock/transfers"): ALL,
    ("POST", "/api/v1/stock/transfers/{transfer_id}/receive"): PRINTER_CARE,
    ("POST", "/api/v1/offices/{code}/stock/counts"): PRINTER_CARE,
    ("GET", "/api/v1/offices/{code}/stock/counts"): ALL,
    ("GET", "/api/v1/service-standard"): INDICATORS,
    ("PUT", "/api/v1/service-standard/promises/{reason}"): ADMIN,
    ("PUT", "/api/v1/service-standard/week"): ADMIN,
    ("GET", "/api/v1/service-standard/holidays"): INDICATORS,
    ("POST", "/api/v1/service-standard/holidays"): ADMIN,
    ("DELETE", "/api/v1/service-standard/holidays/{day}"): ADMIN,
    # Alerts (issue 15, part 4)
    ("GET", "/api/v1/alerts"): PRINTER_CARE,
    ("GET", "/api/v1/alerts/count"): PRINTER_CARE,
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): PRINTER_CARE,
    ("PUT", "/api/v1/users/{user_id}/email"): ADMIN,
    ("PUT", "/api/v1/offices/{code}/low-stock-threshold"): ADMIN,
    ("GET", f"{B}/public-key"): PUBLIC,
    ("GET", f"{B}/public-keys"): PUBLIC,
    ("GET", f"{B}/verifier"): PUBLIC,
    ("POST", f"{B}/contracts"): CONTRACTS,
    ("GET", f"{B}/contracts"): BILLING_READ,
    ("POST", f"{B}/contracts/{{version_id}}/end"): CONTRACTS,
    ("POST", f"{B}/post-pending"): FINANCE,
    ("GET", f"{B}/periods/{{month}}/statement"): BILLING_READ,
    ("POST", f"{B}/periods/{{month}}/close"): FINANCE,
    ("GET", f"{B}/periods/{{month}}/entries"): BILLING_READ,
    ("GET", f"{B}/periods/{{month}}/bundle"): BILLING_READ,
    ("GET", f"{B}/periods/{{month}}/statement.pdf"): BILLING_READ,
    ("GET", f"{B}/periods/{{month}}/statement.csv"): BILLING_READ,
    ("GET", f"{B}/periods/{{month}}/statement.xlsx"): BILLING_READ,
    ("GET", f"{B}/periods/{{month}}/reconciliation"): FINANCE,
    ("GET", f"{B}/periods/{{month}}/money-received"): FINANCE,
    ("POST", f"{B}/periods/{{month}}/money-received"): FINANCE,
    ("POST", f"{B}/money-received/{{entry_id}}/reverse"): FINANCE,
    ("GET", f"{B}/months/{{month}}/partner-count"): BILLING_READ,
    ("PUT", f"{B}/months/{{month}}/partner-count"): frozenset({Role.PARTNER_AUDITOR}),
    ("POST", f"{B}/periods/{{month}}/money-received/import"): FINANCE,
    ("POST", f"{B}/periods/{{month}}/explanations"): FINANCE,
    ("GET", f"{B}/periods/{{month}}/berita-acara.pdf"): FINANCE,
    ("GET", f"{B}/periods/{{month}}/invoice.pdf"): BILLING_READ,
    ("POST", f"{B}/periods/{{month}}/invoice-number"): PARTNER,
    ("POST", f"{B}/periods/{{month}}/reconciliation/finalise"): FINANCE,
    ("GET", f"{B}/months/{{month}}/documents"): BILLING_READ,
    ("GET", f"{B}/months/{{month}}/documents/{{kind}}"): BILLING_READ,
    ("GET", f"{B}/signatories"): CONTRACTS,
    ("POST", f"{B}/signatories"): CONTRACTS,
    ("GET", f"{B}/verify"): BILLING_READ,
    ("GET", f"{B}/checkpoints"): CHECKPOINTS,
    ("GET", f"{B}/conflicts"): FINANCE,
    ("POST", f"{B}/conflicts/{{conflict_id}}/resolve"): FINANCE,
    ("POST", f"{B}/corrections"): FINANCE,
    ("POST", "/api/v1/agents"): ADMIN,
    ("GET", "/api/v1/agents"): ADMIN,
    ("POST", "/api/v1/agents/{agent_id}/revoke"): ADMIN,
    ("POST", "/api/v1/agents/{agent_id}/re-enroll"): ADMIN,
    ("POST", "/api/v1/agent/enroll"): PUBLIC,
    ("POST", "/api/v1/agent/device-attributes"): AGENT,
    ("POST", "/api/v1/agent/fetch-jobs"): AGENT,
    ("POST", "/api/v1/agent/jobs/{job_id}/acknowledge"): AGENT,
    ("GET", "/api/v1/agent/jobs/{job_id}/document"): AGENT,
    ("POST", "/api/v1/agent/jobs/{job_id}/status"): AGENT,
    ("POST", "/api/v1/agent/rotate"): AGENT,
    ("POST", "/api/v1/print-jobs/{job_id}/recall"): SUPERVISOR,
    ("GET", "/api/v1/agent-conflicts"): SUPERVISOR,
    ("GET", f"{B}/periods/{{month}}/held-by-agents"): BILLING_READ,
}

# One account per role; office-bound roles work at Kalijambe, where the test resident lives.
ACCOUNTS = {
    Role.ADMIN: "admin",
    Role.CLERK: "kalijambe.clerk",
    Role.SUPERVISOR: "kalijambe.supervisor",
    Role.PARTNER_AUDITOR: "partner.auditor",
    Role.FINANCE: "finance",
}


def _operations(client: TestClient) -> set[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}


def test_every_route_is_in_the_matrix(client: TestClient) -> None:
    assert _operations(client) == set(MATRIX)


def _call(client: TestClient, method: str, path: str, params: dict[str, str], headers: dict[str, str]) -> int:
    url = path
    for name, value in params.items():
        url = url.replace("{" + name + "}", value)
    nik = params["nik"]
    kwargs: dict[str, object] = {"headers": headers}
    if path.endswith(("/photo", "/signature", "/import")):
        kwargs["files"] = {"file": ("x.txt", b"not an image", "text/plain")}
    elif method in ("POST", "PATCH", "PUT"):
        kwargs["json"] = {}
    if method == "GET" and path == "/api/v1/residents":
        kwargs["params"] = {"nik": nik[:6]}
    return client.request(method, url, **kwargs).status_code  # type: ignore[arg-type]


def test_role_matrix(client: TestClient, as_user: Callable[[str], dict[str, str]]) -> None:
    nik = client.post(
        "/api/v1/residents", json=resident_payload(), headers=as_user("kalijambe.clerk")
    ).json()["nik"]
    printer = client.post(
        "/api/v1/printers",
        json={"name": "P1", "office": "33.14.01", "adapter": "simulator", "uri": "simulator://matrix"},
        headers=as_user("admin"),
    ).json()
    users = client.get("/api/v1/users", headers=as_user("admin")).json()
    params = {
        "nik": nik,
        "printer_id": str(printer["id"]),
        "job_id": "00000000-0000-0000-0000-000000000000",
        "code": "33.14.01",
        "month": "2026-10",
        "version_id": "1",
        "conflict_id": "1",
        "kind": "statement",
        "entry_id": "1",
        "agent_id": "1",
        "transfer_id": "1",
        "reason": "baru",
        "day": "2026-12-24",
        # an account no caller uses: the administrator's resets and disabling must not lock out a caller
        "user_id": str(next(u["id"] for u in users if u["username"] == "kpt.clerk")),
    }
    failures = []
    # Logging out everywhere ends the caller's token: walked last.
    walk = sorted(sorted(MATRIX.items()), key=lambda item: item[0][1] == "/api/v1/auth/logout-all")
    for (method, path), allowed in walk:
        if path == "/api/v1/auth/token":
            continue  # exercised by every login
        if allowed != PUBLIC:
            anonymous = _call(client, method, path, params, {})
            if anonymous != 401:
                failures.append(f"{method} {path} anonymous -> {anonymous}, expected 401")
        for role, username in ACCOUNTS.items():
            status = _call(client, method, path, params, as_user(username))
            if allowed == AGENT:
                if status != 401:
                    failures.append(
                        f"{method} {path} as {role.value} -> {status}, expected 401 (agents only)"
                    )
                continue
            let_in = allowed == PUBLIC or role in allowed  # type: ignore[operator]
            if let_in and status in (401, 403):
                failures.append(f"{method} {path} as {role.value} -> {status}, expected to be allowed")
            if not let_in and status != 403:
                failures.append(f"{method} {path} as {role.value} -> {status}, expected 403")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("username", ["kalijambe.clerk", "partner.auditor"])
def test_forbidden_answer_says_why(
    client: TestClient, as_user: Callable[[str], dict[str, str]], username: str
) -> None:
    r = client.get("/api/v1/users", headers=as_user(username))
    assert r.status_code == 403
    assert r.json()["error"] == "role_not_allowed" and "admin" in r.json()["message"]
    assert r.json()["params"]["allowed"] == "admin"
