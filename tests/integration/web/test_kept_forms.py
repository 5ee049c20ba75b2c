"""Session expiry that says so and loses nothing (issue 12): a form sent after the session ended is kept on
the server (encrypted, for that user, 15 minutes, read once) and refilled after the new login; a refused form
is shown by a GET, so a refresh re-sends nothing; the page knows how long its session holds; ended sessions
and expired kept forms are purged. Runs on SQLite and PostgreSQL; time is an injected clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select, update

from ktp_service.models import ConsoleSession, KeptForm, Resident
from tests.conftest import World
from tests.integration.web.test_console_sessions import Clock, _with_clock
from tests.integration.web.test_pages import _csrf, _resident_form, login

NAMA = "Sri Rahayu Kept"


def _end_sessions(world: World) -> None:
    """The server ends every open session (as an idle timeout or an administrator would)."""
    with Session(world.engine) as s:
        s.exec(  # type: ignore[call-overload]
            update(ConsoleSession)
            .where(col(ConsoleSession.ended_at).is_(None))
            .values(ended_at=datetime.now(UTC), ended_reason="idle")
        )
        s.commit()


def _kept_rows(world: World) -> list[KeptForm]:
    with Session(world.engine) as s:
        return list(s.exec(select(KeptForm)))


def _send_after_expiry(client: TestClient, world: World) -> str:
    """Open the registration form, let the session end, send the form: returns where it led."""
    login(client, "kalijambe.clerk")
    token = _csrf(client, "/residents/new")
    _end_sessions(world)
    form = _resident_form(token, nama=NAMA, rt="")  # incomplete as typed: kept as typed
    r = client.post(
        "/residents/new",
        data=form,
        headers={"Referer": "http://testserver/residents/new"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def test_a_form_sent_after_the_session_ended_is_refilled_after_login(
    client: TestClient, world: World
) -> None:
    location = _send_after_expiry(client, world)
    assert re.match(r"^/login\?next=/residents/new%3Fkept%3D\w+$", location)
    login_page = client.get(location).text
    assert "Sesi Anda berakhir" in login_page
    assert "Isian formulir Anda disimpan sebentar di server" in login_page

    (row,) = _kept_rows(world)
    assert row.purpose == "expired" and row.path == "/residents/new"
    assert NAMA not in row.payload and "nama" not in row.payload  # encrypted: the table alone opens nothing
    assert "csrf_token" not in row.payload
    assert row.expires_at - row.created_at == timedelta(minutes=15)

    target = login(
        client,
        "kalijambe.clerk",
        next_=re.sub(r"^/login\?next=", "", location).replace("%3F", "?").replace("%3D", "="),
    )
    assert target.startswith("/residents/new?kept=")
    page = client.get(target)
    assert page.status_code == 200
    assert f'value="{NAMA}"' in page.text
    assert "Isian formulir yang Anda kirim dipulihkan" in page.text
    assert _kept_rows(world) == []  # read once, then gone
    again = client.get(target).text
    assert f'value="{NAMA}"' not in again


def test_another_user_never_sees_the_kept_form(client: TestClient, world: World) -> None:
    location = _send_after_expiry(client, world)
    next_ = location.removeprefix("/login?next=").replace("%3F", "?").replace("%3D", "=")
    target = login(client, "kalijambe.supervisor", next_=next_)  # a shared counter PC
    assert _kept_rows(world) == []  # deleted at the other user's login
    assert NAMA not in client.get(target).text


def test_a_kept_form_expires(client: TestClient, world: World) -> None:
    clock: Clock = _with_clock(client)
    clock.now = datetime.now(UTC)
    location = _send_after_expiry(client, world)
    next_ = location.removeprefix("/login?next=").replace("%3F", "?").replace("%3D", "=")
    clock.advance(minutes=16)
    target = login(client, "kalijambe.clerk", next_=next_)
    assert NAMA not in client.get(target).text
    assert _kept_rows(world) == []  # purged at the login


def test_refused_forms_are_shown_by_a_get_so_a_refresh_sends_nothing(
    client: TestClient, world: World
) -> None:
    login(client, "kalijambe.clerk")
    token = _csrf(client, "/residents/new")
    r = client.post("/residents/new", data=_resident_form(token, nama=NAMA, rt="0"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/residents/new?kept=")
    for _ in range(2):  # the page and its refresh
        shown = client.get(r.headers["location"])
        assert shown.status_code == 422
        assert re.search(r'id="e-rt"[^>]*>Isi angka 001 sampai 999.', shown.text)
        assert f'value="{NAMA}"' in shown.text
    assert client.get("/residents/new").text.count(NAMA) == 0  # a fresh form is fresh
    (row,) = _kept_rows(world)
    assert row.purpose == "errors"
    r = client.post("/residents/new", data=_resident_form(token, nama=NAMA), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/residents/33")
    assert _kept_rows(world) == []  # saved: the refused attempt is gone
    with Session(world.engine) as s:
        assert s.exec(select(func.count()).select_from(Resident)).one() == 1


def test_the_page_knows_when_its_session_ends_and_can_extend_it(client: TestClient) -> None:
    clock = _with_clock(client)
    login(client, "finance")
    page = client.get("/stock").text
    assert 'data-left="1800"' in page and 'data-warn="120"' in page  # 30 minutes idle, warned at 2
    assert "Sesi berakhir dalam __N__ menit." in page
    clock.advance(minutes=29)
    assert client.get("/session/status").json() == {"left": 60}  # asking does not renew it
    token = _csrf(client, "/login")  # the login page does not renew the session either
    extended = client.post(
        "/session/extend", data={"csrf_token": token}, headers={"Accept": "application/json"}
    )
    assert extended.json() == {"left": 1800}
    clock.advance(minutes=31)
    assert client.get("/session/status").json() == {"left": 0}


def test_ended_sessions_are_purged_after_the_retention(client: TestClient, world: World) -> None:
    clock = _with_clock(client)
    clock.now = datetime.now(UTC)
    login(client, "finance")
    client.post("/logout", data={"csrf_token": _csrf(client, "/stock")})
    clock.advance(days=89)
    login(client, "finance")
    with Session(world.engine) as s:
        assert s.exec(select(func.count()).select_from(ConsoleSession)).one() == 2
    clock.advance(days=2)
    login(client, "admin")  # the logged-out session ended 91 days ago: purged
    with Session(world.engine) as s:
        rows = s.exec(select(ConsoleSession)).all()
    assert len(rows) == 2 and "logout" not in {r.ended_reason for r in rows}
    clock.advance(days=91)
    login(client, "admin")  # the idled-out one and the admin's left to time out 91 days ago: purged too
    with Session(world.engine) as s:
        assert s.exec(select(func.count()).select_from(ConsoleSession)).one() == 1
