"""Console list pages run a fixed number of SQL statements whatever the number of rows: the jobs of a page
are loaded with their residents, printers and clerks by ``IN`` queries, not one ``session.get`` per row.
Counted with SQLAlchemy's ``before_cursor_execute`` event, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ktp_service.models import Office, Printer, PrintJob, Resident
from tests.conftest import World
from tests.factories import resident_payload
from tests.integration.web.test_pages import login

CLERKS = ("kalijambe.clerk", "kalijambe.supervisor")  # two users of the Kalijambe office, so rows differ


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """The statements ``engine`` runs inside the block."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add_jobs(client: TestClient, as_user: Any, world: World, first: int, count: int) -> None:
    """``count`` jobs waiting for a supervisor's confirmation, each for its own resident and its own
    printer, alternating clerks, so a loader that fetched relations row by row would show it."""
    for serial in range(first, first + count):
        r = client.post(
            "/api/v1/residents", json=resident_payload(serial=serial), headers=as_user("kalijambe.clerk")
        )
        assert r.status_code == 201, r.text
    with Session(world.engine) as s:
        office = s.exec(select(Office).where(Office.code == "33.14.01")).one()
        residents = s.exec(select(Resident).order_by(Resident.id)).all()[first - 1 :]
        for i, resident in enumerate(residents):
            printer = Printer(name=f"P-{first + i}", office_id=office.id or 0, adapter="simulator")
            s.add(printer)
            s.flush()
            s.add(
                PrintJob(
                    uuid=str(uuid.uuid4()),
                    resident_id=resident.id or 0,
                    printer_id=printer.id or 0,
                    office_id=office.id or 0,
                    clerk_id=world.users[CLERKS[i % 2]].id,
                    reason="baru",
                    state="needs-confirmation",
                    card_serial=f"KTP-3314-T{first + i:05d}",
                )
            )
        s.commit()


@pytest.mark.parametrize(
    ("username", "path", "marker"),
    [("kalijambe.clerk", "/jobs", "KTP-3314-T"), ("kalijambe.supervisor", "/supervisor", "KTP-3314-T")],
)
def test_a_list_page_runs_as_many_statements_for_20_rows_as_for_2(
    client: TestClient,
    as_user: Any,
    world: World,
    username: str,
    path: str,
    marker: str,
) -> None:
    login(client, username)
    client.get(path)  # warm up: first-use queries (caches, pool) are not the page's
    counts: dict[int, int] = {}
    for rows, (first, more) in ((2, (1, 2)), (20, (3, 18))):
        _add_jobs(client, as_user, world, first, more)
        with counted(world.engine) as statements:
            r = client.get(path)
        assert r.status_code == 200, r.text
        assert r.text.count(marker) >= rows  # every job is on the page
        counts[rows] = len(statements)
    assert counts[20] == counts[2], counts
