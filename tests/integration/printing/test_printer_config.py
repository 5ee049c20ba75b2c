"""Issue 10, finding 3: an administrator cannot make the server write anywhere. Spool directories and
simulator state are derived from the printer's id under DATA_DIR; a path a client gives is refused with a
422 naming the field; URIs are checked per adapter; two printers never share a simulator's state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ktp_service.models import Printer
from ktp_service.settings import Settings
from tests.conftest import World
from tests.integration.printing.conftest import Headers

ADMIN = "admin"


def _add(
    client: TestClient, as_user: Headers, adapter: str, uri: str, config: dict[str, Any], **kw: str
) -> Any:
    body = {
        "name": kw.get("name", "P-1"),
        "office": "33.14.01",
        "adapter": adapter,
        "uri": uri,
        "config": config,
    }
    return client.post("/api/v1/printers", json=body, headers=as_user(ADMIN) | kw.get("headers", {}))


def _refused(r: Any, code: str, field: str) -> None:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == code, body
    assert [d["field"] for d in body["detail"]] == [field], body
    assert field in body["message"], body


def _printers(world: World) -> list[Printer]:
    with Session(world.engine) as s:
        return list(s.exec(select(Printer)))


def test_paths_outside_the_data_dir_are_refused_naming_the_field(
    client: TestClient, as_user: Headers, world: World, settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    cases = [
        ("simulator", "simulator://sim-1", {"state_dir": "/etc"}, "config.state_dir"),
        ("simulator", "simulator://sim-1", {"state_dir": str(outside)}, "config.state_dir"),
        ("spool", "spool:///some/path", {}, "uri"),
        ("spool", "spool:///etc/passwd", {}, "uri"),  # was a 500
        ("spool", "", {"directory": "cards"}, "config.directory"),  # relative: the process's cwd
        ("spool", "", {"directory": "../../cards"}, "config.directory"),
        ("spool", "", {"directory": str(outside)}, "config.directory"),
        ("spool", "", {"directory": f"{settings.data_dir}/../x"}, "config.directory"),
    ]
    for adapter, uri, config, field in cases:
        _refused(_add(client, as_user, adapter, uri, config), "printer_path_outside_data_dir", field)
    assert _printers(world) == [] and not outside.exists()
    assert not Path("cards").exists()
    r = _add(client, as_user, "spool", "spool:///etc/passwd", {}, headers={"Accept-Language": "en"})
    assert r.json()["message"].startswith("uri: /etc/passwd is outside the data directory"), r.json()


def test_locations_inside_the_data_dir_are_the_services_to_choose(
    client: TestClient, as_user: Headers, world: World, settings: Settings
) -> None:
    inside = str(settings.data_dir.resolve() / "spool" / "mine")
    cases = [
        ("spool", "", {"directory": inside}, "config.directory"),
        ("spool", f"spool://{inside}", {}, "uri"),
        (
            "simulator",
            "simulator://sim-1",
            {"state_dir": str(settings.simulators_dir.resolve())},
            "config.state_dir",
        ),
        ("simulator", "simulator://sim-1", {"name": "printer-1"}, "config.name"),
    ]
    for adapter, uri, config, field in cases:
        _refused(_add(client, as_user, adapter, uri, config), "printer_location_fixed", field)
    assert _printers(world) == []


def test_uris_are_checked_per_adapter(client: TestClient, as_user: Headers, world: World) -> None:
    cases = [
        ("spool", "spool://host/../.."),
        ("spool", "spool://printer-host/cards"),
        ("spool", "ipp://10.0.0.5/ipp/print"),
        ("simulator", "simulator://a/b"),
        ("simulator", "simulator://../x"),
        ("simulator", "spool://sim-1"),
        ("ipp", "file:///etc/passwd"),
        ("ipp", "http://10.0.0.5:631/ipp/print"),
        ("ipp", "ipp://user:secret@10.0.0.5:631/ipp/print"),
        ("ipp", "ipp://bad_host!/ipp/print"),
        ("ipp", "ipp://-dash.example/ipp/print"),
        ("ipp", "ipp://10.0.0.5:99999/ipp/print"),
        ("ipp", "ipp://10.0.0.5:631/ipp/../../admin"),
        ("ipp", "ipp://10.0.0.5:631/ipp/print?x=1"),
        ("ipp", "ipp://10.0.0.5:631/ipp print"),
    ]
    for adapter, uri in cases:
        r = _add(client, as_user, adapter, uri, {})
        assert r.status_code == 422, (adapter, uri, r.text)
        assert r.json()["error"] == "printer_config_invalid" and r.json()["detail"][0]["field"] == "uri", (
            r.json()
        )
    assert _printers(world) == []
    for i, uri in enumerate(
        ("ipp://printer-1.kalijambe.local:631/printers/evolis", "ipps://[::1]:8631/ipp/print")
    ):
        assert _add(client, as_user, "ipp", uri, {}, name=f"I-{i}").status_code == 201


def test_two_printers_never_share_a_simulators_state(
    client: TestClient, as_user: Headers, settings: Settings
) -> None:
    first = _add(client, as_user, "simulator", "simulator://same", {}, name="A").json()["id"]
    second = _add(client, as_user, "simulator", "simulator://same", {}, name="B").json()["id"]
    r = client.post(f"/api/v1/printers/{first}/simulator", json={"set": ["jam"]}, headers=as_user(ADMIN))
    assert r.status_code == 200 and "media-jam-error" in r.json()["state_reasons"], r.text
    r = client.post(f"/api/v1/printers/{second}/status", headers=as_user(ADMIN))
    assert r.status_code == 200 and r.json()["state"] == "idle", r.text
    states = sorted(p.name for p in settings.simulators_dir.glob("*.json"))
    assert states == [f"printer-{first}.json", f"printer-{second}.json"]


def test_a_stored_row_with_an_outside_path_cannot_write_there(
    client: TestClient, as_user: Headers, world: World, settings: Settings, tmp_path: Path
) -> None:
    """Rows written before these rules (or by hand): the status poll uses the service's own locations."""
    outside = tmp_path / "outside"
    office_id = _add(client, as_user, "simulator", "simulator://ok", {}).json()
    with Session(world.engine) as s:
        office = s.get(Printer, office_id["id"])
        assert office is not None
        rows = [
            Printer(
                name="Old-sim",
                office_id=office.office_id,
                adapter="simulator",
                uri="simulator://old",
                config={"state_dir": str(outside)},
            ),
            Printer(
                name="Old-spool",
                office_id=office.office_id,
                adapter="spool",
                uri=f"spool://{outside}",
                config={"directory": str(outside / "cards")},
            ),
        ]
        s.add_all(rows)
        s.commit()
        ids = [p.id for p in rows]
    for printer_id in ids:
        r = client.post(f"/api/v1/printers/{printer_id}/status", headers=as_user(ADMIN))
        assert r.status_code == 200 and r.json()["state"] == "idle", r.text
    assert not outside.exists()
    assert (settings.simulators_dir / f"printer-{ids[0]}.json").is_file()
    assert (settings.spool_dir / f"printer-{ids[1]}").is_dir()
