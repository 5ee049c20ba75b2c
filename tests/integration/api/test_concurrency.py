"""Concurrent registrations of the same NIK: exactly one wins, the others get 409, on both databases."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from ktp_service.models import Resident, ResidentVersion
from tests.conftest import World
from tests.factories import resident_payload


def test_same_nik_registered_concurrently_once(
    client: TestClient, as_user: Callable[[str], dict[str, str]], world: World
) -> None:
    headers = as_user("kalijambe.clerk")
    body = resident_payload()
    n = 8
    barrier = threading.Barrier(n)

    def register(_: int) -> int:
        barrier.wait()  # release all requests together
        return client.post("/api/v1/residents", json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=n) as pool:
        statuses = Counter(pool.map(register, range(n)))
    assert statuses == {201: 1, 409: n - 1}
    with Session(world.engine) as s:
        assert s.exec(select(func.count()).select_from(Resident)).one() == 1
        assert s.exec(select(func.count()).select_from(ResidentVersion)).one() == 1
