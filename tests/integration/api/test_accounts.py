"""Tokens do not outlive their user (issue 10, finding 7): a deleted user's token never passes to a later
user, and every account event (logout everywhere, password change or reset, role change, disabling) ends
the user's bearer tokens and console sessions at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, func, select

from ktp_service.models import AuditEvent, LoginFailure, User
from tests.conftest import PASSWORD, World
from tests.integration.web.test_pages import login as console_login

Headers = Callable[[str], dict[str, str]]
NEW_PASSWORD = "another-password-456"


def _token(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _user_id(world: World, username: str) -> int:
    with Session(world.engine) as s:
        return int(s.exec(select(User.id).where(User.username == username)).one() or 0)


def _revoked(client: TestClient, headers: dict[str, str]) -> bool:
    r = client.get("/api/v1/auth/me", headers=headers)
    return r.status_code == 401 and r.json()["error"] == "token_revoked"


def _console_open(client: TestClient) -> bool:
    r = client.get("/stock", follow_redirects=False)
    assert r.status_code in (200, 303), r.text
    return r.status_code == 200


def test_a_deleted_users_token_does_not_act_as_the_next_user(
    client: TestClient, world: World, as_user: Headers
) -> None:
    body = {"username": "temp.finance", "password": PASSWORD, "role": "finance"}
    assert client.post("/api/v1/users", json=body, headers=as_user("admin")).status_code == 201
    old_token = _token(client, "temp.finance")
    old_id = _user_id(world, "temp.finance")
    with world.engine.begin() as conn:
        conn.execute(text("DELETE FROM app_user WHERE id = :id"), {"id": old_id})
    body = {"username": "new.admin", "password": PASSWORD, "role": "admin"}
    assert client.post("/api/v1/users", json=body, headers=as_user("admin")).status_code == 201
    if world.engine.dialect.name == "sqlite":
        assert _user_id(world, "new.admin") == old_id  # the attack's premise: SQLite reuses the id
    assert _revoked(client, old_token)
    r = client.get("/api/v1/users", headers=old_token)
    assert r.status_code == 401 and r.json()["error"] == "token_revoked"


def test_a_token_without_a_version_is_refused(client: TestClient, world: World, settings) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    import jwt

    from ktp_service.security import token_secret

    with Session(world.engine) as s:
        user = s.exec(select(User).where(User.username == "admin")).one()
    claims = {"sub": user.subject, "exp": datetime.now(UTC) + timedelta(minutes=5)}
    forged_old_style = jwt.encode(claims, token_secret(settings.keys_dir), algorithm="HS256")
    assert _revoked(client, {"Authorization": f"Bearer {forged_old_style}"})


def test_logout_everywhere_ends_every_token_and_console_session(client: TestClient) -> None:
    first, second = _token(client, "kalijambe.clerk"), _token(client, "kalijambe.clerk")
    console_login(client, "kalijambe.clerk")
    assert _console_open(client)
    assert client.post("/api/v1/auth/logout-all", headers=first).status_code == 204
    assert _revoked(client, first) and _revoked(client, second)
    assert not _console_open(client)
    assert client.get("/api/v1/auth/me", headers=_token(client, "kalijambe.clerk")).status_code == 200


def _reset(client: TestClient, admin: dict[str, str], user_id: int) -> None:
    r = client.post(f"/api/v1/users/{user_id}/password-reset", headers=admin)
    assert r.status_code == 200, r.text


def _disable(client: TestClient, admin: dict[str, str], user_id: int) -> None:
    r = client.post(f"/api/v1/users/{user_id}/disable", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False, r.text


def _change_role(client: TestClient, admin: dict[str, str], user_id: int) -> None:
    body = {"role": "supervisor", "office": "33.14.01"}
    r = client.put(f"/api/v1/users/{user_id}/role", json=body, headers=admin)
    assert r.status_code == 200 and r.json()["role"] == "supervisor", r.text


@pytest.mark.parametrize(
    ("event", "action"),
    [("user.password_reset", _reset), ("user.disable", _disable), ("user.role_change", _change_role)],
)
def test_each_administrator_event_ends_the_users_tokens_and_sessions(
    client: TestClient,
    world: World,
    as_user: Headers,
    event: str,
    action: Callable[[TestClient, dict[str, str], int], None],
) -> None:
    clerk = _token(client, "kalijambe.clerk")
    console_login(client, "kalijambe.clerk")
    assert _console_open(client)
    user_id = _user_id(world, "kalijambe.clerk")
    action(client, as_user("admin"), user_id)
    assert _revoked(client, clerk)
    assert not _console_open(client)
    with Session(world.engine) as s:
        audited = s.exec(select(AuditEvent).where(AuditEvent.action == event)).all()
    assert [(e.username, e.entity_id) for e in audited] == [("admin", str(user_id))]


def test_a_disabled_account_cannot_log_in_until_enabled(
    client: TestClient, world: World, as_user: Headers
) -> None:
    user_id = _user_id(world, "finance")
    _disable(client, as_user("admin"), user_id)
    r = client.post("/api/v1/auth/token", data={"username": "finance", "password": PASSWORD})
    assert r.status_code == 401
    r = client.post(f"/api/v1/users/{user_id}/enable", headers=as_user("admin"))
    assert r.status_code == 200 and r.json()["active"] is True
    assert client.get("/api/v1/auth/me", headers=_token(client, "finance")).status_code == 200


def test_an_administrator_cannot_lock_themselves_out(
    client: TestClient, world: World, as_user: Headers
) -> None:
    admin_id = _user_id(world, "admin")
    for r in (
        client.post(f"/api/v1/users/{admin_id}/disable", headers=as_user("admin")),
        client.post(f"/api/v1/users/{admin_id}/password-reset", headers=as_user("admin")),
        client.put(f"/api/v1/users/{admin_id}/role", json={"role": "finance"}, headers=as_user("admin")),
    ):
        assert r.status_code == 409 and r.json()["error"] == "own_account", r.text
    assert client.get("/api/v1/users", headers=as_user("admin")).status_code == 200
    r = client.post("/api/v1/users/999999/disable", headers=as_user("admin"))
    assert r.status_code == 404 and r.json()["error"] == "user_not_found"


def test_a_role_change_checks_the_office_and_keeps_the_user_when_refused(
    client: TestClient, world: World, as_user: Headers
) -> None:
    clerk = _token(client, "kalijambe.clerk")
    user_id = _user_id(world, "kalijambe.clerk")
    r = client.put(f"/api/v1/users/{user_id}/role", json={"role": "supervisor"}, headers=as_user("admin"))
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "office"
    assert client.get("/api/v1/auth/me", headers=clerk).json()["role"] == "clerk"  # nothing changed
    _change_role(client, as_user("admin"), user_id)
    assert _token(client, "kalijambe.clerk")  # logs in again, now as a supervisor
    me = client.get("/api/v1/auth/me", headers=_token(client, "kalijambe.clerk")).json()
    assert me["role"] == "supervisor"


def test_changing_ones_own_password(client: TestClient, world: World) -> None:
    old = _token(client, "kalijambe.clerk")
    console_login(client, "kalijambe.clerk")

    def change(old_password: str, new_password: str) -> dict[str, object]:
        body = {"old_password": old_password, "new_password": new_password}
        r = client.post("/api/v1/auth/password", json=body, headers=old)
        return {"status": r.status_code, **r.json()}

    wrong = change("not-my-password", NEW_PASSWORD)
    assert wrong["status"] == 422 and wrong["error"] == "wrong_password"
    with Session(world.engine) as s:  # counted like a failed login: a stolen token cannot guess freely
        n = s.exec(select(func.count()).where(LoginFailure.username == "kalijambe.clerk")).one()
    assert n == 1
    as_name = change(PASSWORD, "Kalijambe.Clerk")
    assert as_name["status"] == 422 and as_name["detail"][0]["code"] == "same_as_username"  # type: ignore[index]
    assert change(PASSWORD, "short")["status"] == 422
    assert change(PASSWORD, PASSWORD)["error"] == "password_unchanged"
    assert _console_open(client) and not _revoked(client, old)  # refusals end nothing

    done = change(PASSWORD, NEW_PASSWORD)
    assert done["status"] == 200 and done["must_change_password"] is False
    assert _revoked(client, old) and not _console_open(client)
    fresh = {"Authorization": f"Bearer {done['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=fresh).status_code == 200
    bad = client.post("/api/v1/auth/token", data={"username": "kalijambe.clerk", "password": PASSWORD})
    assert bad.status_code == 401
    assert _token(client, "kalijambe.clerk", NEW_PASSWORD)


def test_a_reset_password_must_be_changed_before_anything_else(
    client: TestClient, world: World, as_user: Headers
) -> None:
    user_id = _user_id(world, "kalijambe.clerk")
    r = client.post(f"/api/v1/users/{user_id}/password-reset", headers=as_user("admin"))
    temporary = r.json()["temporary_password"]
    assert r.json()["username"] == "kalijambe.clerk" and len(temporary) >= 10
    r = client.post("/api/v1/auth/token", data={"username": "kalijambe.clerk", "password": temporary})
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    pending = {"Authorization": f"Bearer {r.json()['access_token']}"}
    for path in ("/api/v1/residents?nik=331401", "/api/v1/print-jobs", "/api/v1/printers"):
        r = client.get(path, headers=pending)
        assert r.status_code == 403 and r.json()["error"] == "password_change_required", path
    assert client.get("/api/v1/auth/me", headers=pending).status_code == 200
    body = {"old_password": temporary, "new_password": NEW_PASSWORD}
    r = client.post("/api/v1/auth/password", json=body, headers=pending)
    assert r.status_code == 200 and r.json()["must_change_password"] is False
    done = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/v1/print-jobs", headers=done).status_code == 200
    assert _revoked(client, pending)


def test_a_new_password_must_not_be_the_username(client: TestClient, as_user: Headers) -> None:
    body = {"username": "samename1234", "password": "samename1234", "role": "finance"}
    r = client.post("/api/v1/users", json=body, headers=as_user("admin"))
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "same_as_username"


def test_revocation_messages_follow_accept_language(client: TestClient) -> None:
    headers = _token(client, "finance")
    client.post("/api/v1/auth/logout-all", headers=headers)
    r = client.get("/api/v1/auth/me", headers={**headers, "Accept-Language": "en"})
    assert r.json()["message"].startswith("This token was revoked")
    r = client.get("/api/v1/auth/me", headers=headers)
    assert r.json()["message"].startswith("Token ini sudah tidak berlaku")
