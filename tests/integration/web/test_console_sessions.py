"""Console sessions live on the server (issue 10, finding 7): logout ends the session, so a cookie copied
before it stops working at once; idle and absolute timeouts (an injected clock, never real time); a user
whose password was reset is sent to the change page; the administrator's account buttons."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ktp_service.models import ConsoleSession, User
from tests.conftest import PASSWORD, World
from tests.integration.web.test_pages import _csrf, login

NEW_PASSWORD = "another-password-456"


def _open(client: TestClient, path: str = "/stock") -> bool:
    r = client.get(path, follow_redirects=False)
    assert r.status_code in (200, 303), r.text
    return r.status_code == 200


def _user_id(world: World, username: str) -> int:
    with Session(world.engine) as s:
        return int(s.exec(select(User.id).where(User.username == username)).one() or 0)


def _twin(client: TestClient, cookie: str) -> TestClient:
    """Another browser on the same server, holding ``cookie``."""
    other = TestClient(client.app)
    other.cookies.set("ktp_console", cookie)
    return other


def test_a_cookie_copied_before_logout_is_refused_after_it(client: TestClient, world: World) -> None:
    login(client, "kalijambe.clerk")
    copied = client.cookies.get("ktp_console")
    assert copied and _open(_twin(client, copied))  # the copy works while the session holds
    r = client.post("/logout", data={"csrf_token": _csrf(client, "/stock")}, follow_redirects=False)
    assert r.status_code == 303
    thief = _twin(client, copied)
    r = thief.get("/stock", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    with Session(world.engine) as s:
        row = s.exec(select(ConsoleSession)).one()
    assert row.ended_reason == "logout" and row.ended_at is not None


def test_the_cookie_carries_a_key_not_the_user(client: TestClient, world: World) -> None:
    from itsdangerous import URLSafeTimedSerializer

    from ktp_service.security import key_digest, token_secret

    login(client, "admin")
    settings = client.app.state.settings  # type: ignore[attr-defined]
    data = URLSafeTimedSerializer(token_secret(settings.keys_dir), salt="ktp-web-session").loads(
        client.cookies.get("ktp_console")
    )
    assert "uid" not in data
    with Session(world.engine) as s:  # the database keeps only the key's hash
        assert s.get(ConsoleSession, key_digest(data["key"])) is not None
        assert s.get(ConsoleSession, data["key"]) is None


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _with_clock(client: TestClient) -> Clock:
    clock = Clock()
    client.app.state.clock = clock  # type: ignore[attr-defined]
    return clock


def test_the_idle_timeout_ends_a_session(client: TestClient) -> None:
    clock = _with_clock(client)  # idle 30 minutes by default
    login(client, "finance")
    clock.advance(minutes=29)
    assert _open(client)  # each request renews the idle time
    clock.advance(minutes=29)
    assert _open(client)
    clock.advance(minutes=30)
    r = client.get("/stock", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert "Sesi Anda berakhir" in client.get("/login").text


def test_the_absolute_timeout_ends_a_busy_session(client: TestClient) -> None:
    clock = _with_clock(client)  # 12 hours by default, however busy
    login(client, "finance")
    for _ in range(11 * 3):
        clock.advance(minutes=20)
        assert _open(client)
    clock.advance(minutes=60)
    assert not _open(client)


def test_a_reset_password_sends_the_user_to_the_change_page(
    client: TestClient, world: World, as_user: Callable[[str], dict[str, str]]
) -> None:
    user_id = _user_id(world, "kalijambe.clerk")
    temporary = client.post(f"/api/v1/users/{user_id}/password-reset", headers=as_user("admin")).json()[
        "temporary_password"
    ]
    form = {"csrf_token": _csrf(client), "username": "kalijambe.clerk", "password": temporary, "next": ""}
    r = client.post("/login", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account/password"
    for path in ("/residents", "/stock", "/jobs"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/account/password", path
    page = client.get("/account/password")
    assert page.status_code == 200 and "Administrator mengatur ulang kata sandi Anda" in page.text
    token = _csrf(client, "/account/password")
    mismatch = {"old_password": temporary, "new_password": NEW_PASSWORD, "new_password_again": "other"}
    r = client.post("/account/password", data={"csrf_token": token, **mismatch})
    assert r.status_code == 422 and "Kedua kata sandi baru tidak sama." in r.text
    same = {"old_password": temporary, "new_password": temporary, "new_password_again": temporary}
    r = client.post("/account/password", data={"csrf_token": token, **same})
    assert r.status_code == 422 and "harus berbeda dari yang sekarang" in r.text
    good = {"old_password": temporary, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    r = client.post("/account/password", data={"csrf_token": token, **good}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert _open(client, "/residents")  # the page's own browser goes on, in a new session


def test_a_password_change_in_the_console_ends_the_other_sessions(client: TestClient) -> None:
    other = TestClient(client.app)
    login(other, "kalijambe.clerk")
    login(client, "kalijambe.clerk")
    assert _open(other) and _open(client)
    wrong = {
        "old_password": "not-mine-at-all",
        "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD,
    }
    r = client.post("/account/password", data={"csrf_token": _csrf(client, "/account/password"), **wrong})
    assert r.status_code == 422 and "Kata sandi saat ini salah." in r.text
    assert _open(other)
    good = {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    r = client.post("/account/password", data={"csrf_token": _csrf(client, "/account/password"), **good})
    assert r.status_code == 200 and "Kata sandi diganti" in r.text
    assert _open(client) and not _open(other)


def test_logout_everywhere_from_the_console(client: TestClient) -> None:
    other = TestClient(client.app)
    login(other, "finance")
    login(client, "finance")
    token = _csrf(client, "/account/password")
    r = client.post("/account/logout-all", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert not _open(client) and not _open(other)


def test_the_administrator_resets_disables_and_changes_roles_in_the_console(
    client: TestClient, world: World
) -> None:
    clerk = TestClient(client.app)
    login(clerk, "kalijambe.clerk")
    login(client, "admin")
    user_id = _user_id(world, "kalijambe.clerk")
    token = _csrf(client, "/admin/users")

    r = client.post(f"/admin/users/{user_id}/reset", data={"csrf_token": token})
    assert r.status_code == 200 and re.search(r"Kata sandi sementara kalijambe.clerk: \w{10,}", r.text)
    assert not _open(clerk)

    login(clerk, "kalijambe.supervisor")
    supervisor_id = _user_id(world, "kalijambe.supervisor")
    r = client.post(f"/admin/users/{supervisor_id}/active", data={"csrf_token": token, "active": "0"})
    assert r.status_code == 200 and "Akun kalijambe.supervisor dinonaktifkan." in r.text
    assert not _open(clerk)

    finance_id = _user_id(world, "finance")
    form = {"csrf_token": token, "role": "clerk", "office": ""}
    r = client.post(f"/admin/users/{finance_id}/role", data=form)
    assert r.status_code == 422  # a clerk needs an office: refused, shown on the page
    r = client.post(f"/admin/users/{finance_id}/role", data={**form, "office": "33.14.01"})
    assert r.status_code == 200 and "Peran finance diubah." in r.text

    r = client.post(
        f"/admin/users/{_user_id(world, 'admin')}/active", data={"csrf_token": token, "active": "0"}
    )
    assert r.status_code == 409 and "Akun Anda sendiri tidak dapat diubah" in r.text
