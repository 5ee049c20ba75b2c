"""Every refused console form is shown by a GET (issue 12): the page its POST drew with the errors is kept on
the server and the browser sent to ``/shown?kept=...``, so refreshing re-sends nothing; only the same browser
and user see it. A refused login goes back to the login page with its message and the name typed."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from billing.models import Signatory
from tests.conftest import World
from tests.integration.web.test_pages import _csrf, login


def test_a_refused_form_is_shown_by_a_get_and_a_refresh_sends_nothing(
    client: TestClient, world: World
) -> None:
    login(client, "finance")
    token = _csrf(client, "/finance/signatories")
    form = {
        "csrf_token": token,
        "side": "regency",
        "name": "Drs. Sutrisno",
        "nip": "123",
        "effective_from": "x",
    }
    r = client.post("/finance/signatories", data=form, follow_redirects=False)
    assert r.status_code == 303
    where = r.headers["location"]
    assert re.fullmatch(r"/shown\?kept=[\w-]+", where), where
    for _ in range(2):  # the page, and a refresh of it: a GET each time
        shown = client.get(where)
        assert shown.status_code == 422 and 'value="Drs. Sutrisno"' in shown.text
        assert 'data-field="effective_from"' in shown.text or 'id="e-effective_from"' in shown.text
    with Session(world.engine) as s:
        assert s.exec(select(Signatory)).all() == []  # nothing was saved, by the POST or the refreshes

    other = TestClient(client.app)  # another browser (another user) gets nothing of it
    login(other, "admin")
    assert other.get(where, follow_redirects=False).headers["location"] == "/"


def test_a_refused_login_goes_back_to_the_login_page(client: TestClient) -> None:
    token = _csrf(client)
    r = client.post(
        "/login",
        data={"csrf_token": token, "username": "finance", "password": "wrong-password", "next": "/finance"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Ffinance"
    page = client.get(r.headers["location"])
    assert page.status_code == 401 and "Nama pengguna atau kata sandi salah" in page.text
    assert 'value="finance"' in page.text and "wrong-password" not in page.text
    again = client.get(r.headers["location"])  # a refresh: the plain login page, no password re-sent
    assert again.status_code == 200 and 'value="finance"' not in again.text
    assert login(client, "finance", "/finance") == "/finance"
