"""Login, token checks and throttling of password guessing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD


def _login(client: TestClient, username: str, password: str) -> int:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password}).status_code


def test_login_gives_a_working_token(client: TestClient) -> None:
    r = client.post("/api/v1/auth/token", data={"username": "kalijambe.clerk", "password": PASSWORD})
    assert r.status_code == 200
    token = r.json()
    assert token["role"] == "clerk" and token["office"] == "33.14.01" and token["expires_in"] > 0
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json() == {"username": "kalijambe.clerk", "role": "clerk", "office": "33.14.01"}


def test_wrong_password_and_unknown_user_look_the_same(client: TestClient) -> None:
    a = client.post("/api/v1/auth/token", data={"username": "kalijambe.clerk", "password": "wrong-password"})
    b = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "wrong-password"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()


def test_repeated_failures_are_throttled(client: TestClient) -> None:
    for _ in range(5):
        assert _login(client, "finance", "wrong-password") == 401
    # even the right password is refused during the lockout window
    r = client.post("/api/v1/auth/token", data={"username": "finance", "password": PASSWORD})
    assert r.status_code == 429 and "Too many failed logins" in r.json()["message"]
    # other accounts are not affected
    assert _login(client, "admin", PASSWORD) == 200


def test_forged_or_missing_token_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/auth/me").status_code == 401
    r = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401 and "log in again" in r.json()["message"]


def test_parallel_guesses_cannot_pass_the_limit(client: TestClient) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(12)

    def guess(_: int) -> int:
        barrier.wait(timeout=30)
        return _login(client, "finance", "wrong-password")

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = sorted(pool.map(guess, range(12)))
    # exactly five wrong passwords are checked; the rest are refused without a check
    assert statuses.count(401) == 5 and statuses.count(429) == 7
