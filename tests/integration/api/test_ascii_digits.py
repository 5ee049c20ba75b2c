"""Numeric identifiers are the ASCII digits 0-9 only (issue 10): a NIK with a full-width, Arabic-Indic or
Devanagari digit is refused by the API naming its field, and by the database itself on both backends;
malformed months, ids and token subjects are 4xx answers, never 500s."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import insert, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ktp_service.models import Resident
from ktp_service.security import token_secret
from ktp_service.settings import Settings
from ktp_service.web.routes import billing as console_billing
from tests.conftest import World
from tests.factories import resident_payload

Headers = Any
CLERK = "kalijambe.clerk"
# The last digit of a NIK, written in other scripts: each is str.isdigit() and int() reads it.
FOREIGN_ONE = {"full-width": "\uff11", "arabic-indic": "\u0661", "devanagari": "\u0967"}


@pytest.mark.parametrize("script", FOREIGN_ONE)
def test_a_nik_with_a_digit_of_another_script_is_refused_naming_the_field(
    client: TestClient, as_user: Headers, script: str
) -> None:
    h = as_user(CLERK)
    body = resident_payload(serial=1)
    assert body["nik"].endswith("1")
    twin = body["nik"][:-1] + FOREIGN_ONE[script]
    assert int(twin) == int(body["nik"])  # what made it a second resident for the same NIK
    assert client.post("/api/v1/residents", json=body, headers=h).status_code == 201
    r = client.post("/api/v1/residents", json={**body, "nik": twin}, headers=h)
    assert r.status_code == 422, r.text
    assert [d["field"] for d in r.json()["detail"]] == ["nik"]
    # In a path and a search, too: a 422, never a lookup.
    assert client.get(f"/api/v1/residents/{twin}", headers=h).status_code == 422
    assert client.get(f"/api/v1/residents/{twin}/card-preview", headers=h).status_code == 422
    assert client.get("/api/v1/residents", params={"nik": twin[:4]}, headers=h).status_code == 200
    assert client.get("/api/v1/residents", params={"nik": twin}, headers=h).status_code == 422


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rt", "\uff10\uff10\uff13"),  # ００３
        ("rw", "\u0661\u0669"),  # ١٩
        ("kode_kecamatan", "33.14.\uff10\uff11"),
        ("kode_desa", "33.14.01.\u0968\u0966\u0966\u0967"),
    ],
)
def test_other_numeric_fields_take_ascii_digits_only(
    client: TestClient, as_user: Headers, field: str, value: str
) -> None:
    r = client.post("/api/v1/residents", json=resident_payload(**{field: value}), headers=as_user(CLERK))
    assert r.status_code == 422, r.text
    assert field in [d["field"] for d in r.json()["detail"]]


def test_ids_in_paths_and_headers_are_digits_only(client: TestClient, as_user: Headers) -> None:
    h = as_user("kalijambe.supervisor")
    for bad in ["\uff11", "\u0661", "1_0", "+1", " 1", "1.0", "99999999999999999999"]:
        assert client.get(f"/api/v1/printers/{bad}", headers=h).status_code == 422, bad
    assert client.get("/api/v1/offices/33.14.\uff10\uff11/stock", headers=h).status_code == 422
    clerk = as_user(CLERK)
    nik = client.post("/api/v1/residents", json=resident_payload(), headers=clerk).json()["nik"]
    for version in ["1_0", "+1", "\uff11".encode()]:  # headers travel as bytes: a full-width 1 in UTF-8
        r = client.patch(
            f"/api/v1/residents/{nik}", json={"alamat": "Jl. Baru"}, headers={**clerk, "If-Match": version}
        )
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == "if-match", version
    money = {"office_code": "33.14.\uff10\uff11", "day": "2026-01-05", "amount": 1}
    r = client.post("/api/v1/billing/periods/2026-01/money-received", json=money, headers=as_user("finance"))
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "office_code"


# -- the database refuses them too, on SQLite and PostgreSQL ----------------------------------------------
def _row(**overrides: Any) -> dict[str, Any]:
    body = resident_payload()
    now = datetime.now(UTC)
    row = {
        **{k: v for k, v in body.items() if k != "tanggal_lahir"},
        "tanggal_lahir": date.fromisoformat(body["tanggal_lahir"]),
        "nama": "SITI",
        "tempat_lahir": "SRAGEN",
        "alamat": "JL. RAYA",
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    row.update(overrides)
    return row


@pytest.mark.parametrize(
    ("column", "bad"),
    [
        ("nik", lambda nik: nik[:-1] + "\uff11"),
        ("nik", lambda nik: nik[:-1] + "\u0661"),
        ("nik", lambda nik: nik[:-1] + "\u0967"),
        ("nik", lambda nik: nik[:-1] + "x"),
        ("rt", lambda _: "\uff10\uff10\uff13"),
        ("rw", lambda _: "1 9"),
        ("kode_kecamatan", lambda _: "33.14.\u0660\u0661"),
        ("kode_desa", lambda _: "33.14.01.200\uff11"),
    ],
)
def test_a_direct_sql_insert_is_refused_by_the_database(engine: Engine, column: str, bad: Any) -> None:
    good = _row()
    with engine.begin() as conn:
        conn.execute(insert(Resident).values(**good))  # the rules admit a good row
    value = bad(good["nik"]) if column == "nik" else bad(None)
    twin = _row(nik=good["nik"][:-1] + "7")
    with pytest.raises(IntegrityError, match=f"ck_resident_{column}_ascii_digits"), engine.begin() as conn:
        conn.execute(insert(Resident).values(**{**twin, column: value}))
    with pytest.raises(IntegrityError, match=f"ck_resident_{column}_ascii_digits"), engine.begin() as conn:
        conn.execute(update(Resident).where(Resident.nik == good["nik"]).values(**{column: value}))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM resident")).scalar() == 1


# -- token subjects ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sub",
    ["abc", "\uff11", "1_0", " 1", "-1", "0", "99999999999", "1.0", "", "0" * 36, "A" * 8 + "-" + "0" * 27],
)
def test_a_token_whose_subject_is_not_a_user_subject_is_401(
    client: TestClient, settings: Settings, sub: str
) -> None:
    now = datetime.now(UTC)
    claims = {"sub": sub, "name": "x", "role": "admin", "iat": now, "exp": now + timedelta(minutes=5)}
    token = jwt.encode(claims, token_secret(settings.keys_dir), algorithm="HS256")
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, (sub, r.text)
    assert r.json()["error"] == "unauthorized"


# -- months ------------------------------------------------------------------------------------------------
BAD_MONTHS = ["0000-01", "0001-01", "9999-12", "2026-13", "\uff12026-01"]


def _fill(path: str, month: str) -> str:
    return path.replace("{month}", month)


@pytest.mark.parametrize("month", BAD_MONTHS)
def test_every_billing_month_route_answers_a_bad_month_with_a_4xx(
    client: TestClient, as_user: Headers, world: World, month: str
) -> None:
    from tests.integration.web.test_pages import login

    headers = as_user("finance")
    login(client, "finance")  # the console's pages too, with the session cookie
    api = client.get("/openapi.json").json()["paths"]
    routes = [(m.upper(), path) for path, ops in api.items() if "{month}" in path for m in ops]
    routes += [
        (m, r.path)
        for r in console_billing.router.routes
        if isinstance(r, APIRoute) and "{month}" in r.path
        for m in r.methods
    ]
    assert len(routes) >= 20
    for method, path in routes:
        r = client.request(method, _fill(path, month), headers=headers, follow_redirects=False)
        if r.status_code == 303 and r.headers["location"].startswith("/shown"):
            # a refused console form is shown again by a GET, with the refusal's own status (issue 12)
            r = client.get(r.headers["location"], follow_redirects=False)
        assert 400 <= r.status_code < 500, (method, path, month, r.status_code, r.text[:200])
    r = client.get("/finance", params={"month": month}, follow_redirects=False)
    assert 400 <= r.status_code < 500, (month, r.status_code)


def test_the_edges_of_the_months_billing_keeps(client: TestClient, as_user: Headers) -> None:
    headers = as_user("finance")
    assert client.get("/api/v1/billing/periods/2000-01/statement", headers=headers).status_code == 200
    r = client.get("/api/v1/billing/periods/1999-12/statement", headers=headers)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "month"
    assert "2000 to 2999" in r.json()["message"]


@pytest.mark.parametrize("value", ["\x00", "a\nb", "\x7f"])
def test_a_control_character_in_any_query_is_a_4xx_never_a_500(
    client: TestClient, as_user: Any, value: str
) -> None:
    """PostgreSQL refuses NUL in text: a NUL in the audit filter was a 500 there (found by schemathesis)."""
    for path in ("/api/v1/audit", "/api/v1/residents", "/api/v1/print-jobs"):
        r = client.get(path, params={"nik": value, "action": value}, headers=as_user("admin"))
        assert r.status_code in (403, 422), (path, r.status_code, r.text)
    r = client.get("/api/v1/audit", params={"action": value}, headers=as_user("admin"))
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "action"
