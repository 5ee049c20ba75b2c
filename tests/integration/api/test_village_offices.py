"""Village service points (issue 14): a desa/kelurahan office registered under its kecamatan office, whose
clerks see and print for their own village's residents only, while the kecamatan office keeps its whole
kecamatan; blank cards sent to the village, an agent for it, names beside codes. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.cli import app as cli
from ktp_service.models import AuditEvent, Office
from ktp_service.settings import Settings
from tests.conftest import PASSWORD, World
from tests.factories import resident_payload

Headers = Callable[[str], dict[str, str]]
KEDEN, TROBAYAN = "33.14.01.2001", "33.14.01.2002"


def _user(client: TestClient, as_user: Headers, username: str, role: str, office: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/users",
        json={"username": username, "password": PASSWORD, "role": role, "office": office},
        headers=as_user("admin"),
    )
    assert r.status_code == 201, r.text
    token = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _resident(client: TestClient, headers: dict[str, str], kode_desa: str, **extra: Any) -> Any:
    return client.post("/api/v1/residents", json=resident_payload(kode_desa, **extra), headers=headers)


def _village(client: TestClient, as_user: Headers, code: str = KEDEN) -> dict[str, Any]:
    r = client.post("/api/v1/offices", json={"code": code}, headers=as_user("admin"))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_a_village_office_is_registered_under_its_kecamatan(
    client: TestClient, as_user: Headers, world: World
) -> None:
    body = _village(client, as_user)
    assert body == {
        "code": KEDEN,
        "name": "Kantor Desa Keden",
        "kind": "desa",
        "active": True,
        "parent": "33.14.01",
        "parent_name": "Kantor Kecamatan Kalijambe",
        "low_stock_threshold": None,
    }
    listed = {o["code"]: o for o in client.get("/api/v1/offices", headers=as_user("admin")).json()}
    assert listed[KEDEN]["parent"] == "33.14.01" and listed["33.14.01"]["parent"] is None

    again = client.post("/api/v1/offices", json={"code": KEDEN}, headers=as_user("admin"))
    assert again.status_code == 409
    unknown = client.post("/api/v1/offices", json={"code": "33.14.01.2999"}, headers=as_user("admin"))
    assert unknown.status_code == 422, unknown.text
    # Karanganyar (33.13) has no kecamatan office here: its villages wait for it, and the refusal names both.
    orphan = client.post("/api/v1/offices", json={"code": "33.13.01.2001"}, headers=as_user("admin"))
    assert orphan.status_code == 404 and orphan.json()["error"] == "parent_office_missing", orphan.text
    assert "33.13.01" in orphan.json()["message"] and "Jatipuro" in orphan.json()["message"]
    clerk = client.post("/api/v1/offices", json={"code": TROBAYAN}, headers=as_user("kalijambe.clerk"))
    assert clerk.status_code == 403
    with Session(world.engine) as s:
        office = s.exec(select(Office).where(Office.code == KEDEN)).one()
        kalijambe = s.exec(select(Office).where(Office.code == "33.14.01")).one()
        assert office.parent_id == kalijambe.id
        assert (
            s.exec(select(AuditEvent).where(AuditEvent.action == "office.create")).all()[-1].office_code
            == KEDEN
        )


def test_village_clerks_see_and_print_for_their_village_only(
    client: TestClient, as_user: Headers, world: World
) -> None:
    _village(client, as_user)
    keden = _user(client, as_user, "keden.clerk", "clerk", KEDEN)
    keden_sup = _user(client, as_user, "keden.supervisor", "supervisor", KEDEN)

    own = _resident(client, keden, KEDEN, nama="Warga Keden")
    assert own.status_code == 201, own.text
    other = _resident(client, keden, TROBAYAN, nama="Warga Trobayan")
    assert other.status_code == 403 and other.json()["error"] == "out_of_office_scope", other.text
    # The kecamatan office still serves its whole kecamatan, Keden included.
    trobayan = _resident(client, as_user("kalijambe.clerk"), TROBAYAN, nama="Warga Trobayan")
    assert trobayan.status_code == 201, trobayan.text
    own_nik, other_nik = own.json()["nik"], trobayan.json()["nik"]

    assert client.get(f"/api/v1/residents/{own_nik}", headers=keden).status_code == 200
    assert client.get(f"/api/v1/residents/{other_nik}", headers=keden).status_code == 404
    assert client.get(f"/api/v1/residents/{own_nik}", headers=as_user("kalijambe.clerk")).status_code == 200
    found = client.get("/api/v1/residents", params={"nama": "WARGA"}, headers=keden).json()
    assert [r["nik"] for r in found["data"]] == [own_nik]
    found = client.get("/api/v1/residents", params={"nama": "WARGA"}, headers=as_user("kalijambe.clerk"))
    assert {r["nik"] for r in found.json()["data"]} == {own_nik, other_nik}
    # Moving a village resident to another village is outside the village office too.
    moved = client.patch(f"/api/v1/residents/{own_nik}", json={"kode_desa": TROBAYAN}, headers=keden)
    assert moved.status_code == 403, moved.text

    # Blank cards from the kecamatan office to its village, a printer there, a card printed there.
    r = client.post(
        "/api/v1/offices/33.14.01/stock",
        json={"quantity": 50, "note": "kiriman"},
        headers=as_user("kalijambe.supervisor"),
    )
    assert r.status_code == 201, r.text
    sent = client.post(
        "/api/v1/offices/33.14.01/stock/transfers",
        json={"to_office": KEDEN, "quantity": 20},
        headers=as_user("kalijambe.supervisor"),
    )
    assert sent.status_code == 201, sent.text
    got = client.post(
        f"/api/v1/stock/transfers/{sent.json()['id']}/receive",
        json={"quantity_received": 20},
        headers=keden_sup,
    )
    assert got.status_code == 200, got.text
    assert client.get(f"/api/v1/offices/{KEDEN}/stock", headers=keden_sup).json()["balance"] == 20

    printer = client.post(
        "/api/v1/printers",
        json={"name": "Keden-1", "office": KEDEN, "adapter": "simulator", "uri": "simulator://keden-1"},
        headers=as_user("admin"),
    )
    assert printer.status_code == 201, printer.text
    for nik, who in ((own_nik, keden), (other_nik, as_user("kalijambe.clerk"))):
        for kind, data in (("photo", make_photo(seed=1)), ("signature", make_signature(seed=1))):
            r = client.put(
                f"/api/v1/residents/{nik}/{kind}",
                files={"file": (f"{kind}.png", data, "image/png")},
                headers=who,
            )
            assert r.status_code == 200, r.text
    job = {"printer_id": printer.json()["id"], "reason": "baru"}
    r = client.post("/api/v1/print-jobs", json={"nik": own_nik, **job}, headers=keden)
    assert r.status_code == 201, r.text
    assert client.post("/api/v1/print-jobs", json={"nik": other_nik, **job}, headers=keden).status_code == 404
    # Kalijambe's clerk does not use the village's printer.
    r2 = client.post("/api/v1/print-jobs", json={"nik": other_nik, **job}, headers=as_user("kalijambe.clerk"))
    assert r2.status_code == 404, r2.text

    # The village's own agent.
    agent = client.post("/api/v1/agents", json={"name": "keden", "office": KEDEN}, headers=as_user("admin"))
    assert agent.status_code == 201, agent.text
    with Session(world.engine) as s:
        reads = s.exec(select(AuditEvent).where(AuditEvent.action == "resident.create")).all()
        assert {e.office_code for e in reads} == {KEDEN, TROBAYAN}


def test_ktp_offices_add_registers_a_village(engine: Engine, tmp_path: Path) -> None:
    runner = CliRunner()
    settings = Settings(data_dir=tmp_path, database_url=engine.url.render_as_string(hide_password=False))
    r = runner.invoke(cli, ["offices", "add", "--code", KEDEN], obj=settings)
    assert r.exit_code != 0 and "33.14.01" in r.output and "Kalijambe" in r.output
    assert runner.invoke(cli, ["offices", "add", "--code", "33.14.01"], obj=settings).exit_code == 0
    r = runner.invoke(cli, ["offices", "add", "--code", KEDEN, "--kind", "desa"], obj=settings)
    assert r.exit_code == 0, r.output
    assert f"office {KEDEN}: Kantor Desa Keden (desa, under 33.14.01)" in r.output
    r = runner.invoke(cli, ["offices", "list"], obj=settings)
    assert r.output.splitlines()[1].split()[:3] == [KEDEN, "desa", "active"]


def test_the_registration_page_offers_a_village_clerk_their_own_village_only(
    client: TestClient, as_user: Headers
) -> None:
    from tests.integration.web.test_pages import login

    _village(client, as_user)
    _user(client, as_user, "keden.clerk", "clerk", KEDEN)
    login(client, "keden.clerk")
    page = client.get("/residents/new")
    assert page.status_code == 200
    assert f'value="{KEDEN}"' in page.text and f'value="{TROBAYAN}"' not in page.text
    assert 'value="33.14.02"' not in page.text  # no other kecamatan either
