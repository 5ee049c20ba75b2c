"""A Kalijambe counter with a simulated card printer, a resident ready to print, and a worker the tests
drive pass by pass (``worker.run_once()``), so nothing depends on timing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ktp_service.billing_bridge import poster
from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.models import CardPrintedEvent, PrintJob
from ktp_service.settings import Settings
from ktp_service.worker import PrintWorker
from tests.conftest import World
from tests.factories import resident_payload

Headers = Callable[[str], dict[str, str]]
CLERK, SUPERVISOR = "kalijambe.clerk", "kalijambe.supervisor"


@dataclass
class Counter:
    """The Kalijambe counter: API client, a simulator printer, a resident with photo and signature."""

    client: TestClient
    as_user: Headers
    world: World
    settings: Settings
    worker: PrintWorker
    printer_id: int
    nik: str

    def print_card(self, reason: str = "baru", *, user: str = CLERK, **headers: str) -> Any:
        return self.client.post(
            "/api/v1/print-jobs",
            json={"nik": self.nik, "printer_id": self.printer_id, "reason": reason},
            headers=self.as_user(user) | headers,
        )

    def job(self, job_id: str) -> dict[str, Any]:
        r = self.client.get(f"/api/v1/print-jobs/{job_id}", headers=self.as_user(CLERK))
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def simulate(self, **body: Any) -> dict[str, Any]:
        r = self.client.post(
            f"/api/v1/printers/{self.printer_id}/simulator", json=body, headers=self.as_user(SUPERVISOR)
        )
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def jam_a_card(self) -> tuple[dict[str, Any], int]:
        """A card for this resident on a new slow printer, jammed while printing: (the spoiled job, the
        jammed printer's id)."""
        slow = add_printer(self.client, self.as_user, "Slow-1", speed=30)
        job = self.client.post(
            "/api/v1/print-jobs",
            json={"nik": self.nik, "printer_id": slow, "reason": "baru"},
            headers=self.as_user(CLERK),
        ).json()
        self.worker.run_once()
        assert self.job(job["id"])["state"] == "processing"
        r = self.client.post(
            f"/api/v1/printers/{slow}/simulator", json={"set": ["jam"]}, headers=self.as_user(SUPERVISOR)
        )
        assert r.status_code == 200, r.text
        self.worker.run_once()
        return self.job(job["id"]), slow

    def outbox(self) -> list[CardPrintedEvent]:
        with Session(self.world.engine) as s:
            return list(s.exec(select(CardPrintedEvent)))

    def jobs(self) -> list[PrintJob]:
        with Session(self.world.engine) as s:
            return list(s.exec(select(PrintJob).order_by(PrintJob.id)))


def add_resident(client: TestClient, as_user: Headers, **overrides: Any) -> str:
    body = resident_payload(**overrides)
    r = client.post("/api/v1/residents", json=body, headers=as_user(CLERK))
    assert r.status_code == 201, r.text
    nik = body["nik"]
    for kind, data in (("photo", make_photo(seed=1)), ("signature", make_signature(seed=1))):
        r = client.put(
            f"/api/v1/residents/{nik}/{kind}",
            files={"file": (f"{kind}.png", data, "image/png")},
            headers=as_user(CLERK),
        )
        assert r.status_code == 200, r.text
    return nik


def add_printer(
    client: TestClient, as_user: Headers, name: str = "Evolis-1", office: str = "33.14.01", **config: Any
) -> int:
    r = client.post(
        "/api/v1/printers",
        json={
            "name": name,
            "office": office,
            "adapter": "simulator",
            "uri": f"simulator://{name.lower()}-{office}",
            "config": config,
        },
        headers=as_user("admin"),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


@pytest.fixture
def counter(client: TestClient, as_user: Headers, world: World, settings: Settings) -> Counter:
    printer_id = add_printer(client, as_user)
    r = client.post(
        "/api/v1/offices/33.14.01/stock",
        json={"quantity": 100, "note": "kiriman"},
        headers=as_user(SUPERVISOR),
    )
    assert r.status_code == 201, r.text
    worker = PrintWorker(
        world.engine,
        settings,
        name="test-worker",
        adapters=client.app.state.adapters,  # type: ignore[attr-defined]
        post_events=poster(settings),
    )
    return Counter(client, as_user, world, settings, worker, printer_id, add_resident(client, as_user))
