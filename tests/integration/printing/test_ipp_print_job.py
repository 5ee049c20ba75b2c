"""A clerk's card through the whole path to a real IPP printer (CUPS's ippeveprinter), directly and through
a CUPS queue in front of it: request -> worker -> render -> IPP Print-Job -> completed job with its billable
event; a jam aborts the job with media-jam and spoils the card."""

from __future__ import annotations

import time

import pytest

from tests.integration.printers.conftest import cups_uri, ippeve  # noqa: F401  (session fixtures)
from tests.integration.printers.ippeve import IppEvePrinter
from tests.integration.printing.conftest import CLERK, Counter


def _ipp_printer(counter: Counter, name: str, uri: str) -> int:
    r = counter.client.post(
        "/api/v1/printers",
        json={"name": name, "office": "33.14.01", "adapter": "ipp", "uri": uri},
        headers=counter.as_user("admin"),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _run_until(counter: Counter, job_id: str, states: set[str], timeout: float = 30) -> dict[str, object]:
    """Drive the worker pass by pass until the job reaches one of ``states``."""
    deadline = time.monotonic() + timeout
    while True:
        counter.worker.run_once()
        job = counter.job(job_id)
        if job["state"] in states:
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"job stayed {job['state']} {job['state_reasons']}: {job['message']}")


@pytest.fixture(params=["direct", "cups"])
def ipp_uri(request: pytest.FixtureRequest, ippeve: IppEvePrinter) -> str:  # noqa: F811
    ippeve.behave("ok")
    ippeve.wait_until_idle()
    return str(ippeve.uri if request.param == "direct" else request.getfixturevalue("cups_uri"))


def test_card_prints_on_a_real_ipp_printer(counter: Counter, ipp_uri: str, ippeve: IppEvePrinter) -> None:  # noqa: F811
    printer_id = _ipp_printer(counter, "IPP-1", ipp_uri)
    before = len(ippeve.printed())
    r = counter.client.post(
        "/api/v1/print-jobs",
        json={"nik": counter.nik, "printer_id": printer_id, "reason": "baru"},
        headers=counter.as_user(CLERK),
    )
    assert r.status_code == 201, r.text
    job = _run_until(counter, r.json()["id"], {"completed", "aborted", "needs-confirmation"})
    assert job["state"] == "completed", job
    assert len(ippeve.printed()) == before + 1
    assert [e.card_serial for e in counter.outbox()] == [job["card_serial"]]
    # the printer's state and supplies show in the registry
    status = counter.client.post(
        f"/api/v1/printers/{printer_id}/status", headers=counter.as_user("kalijambe.supervisor")
    )
    assert status.json()["state"] in ("idle", "processing")


def test_jam_on_a_real_ipp_printer_spoils_the_card(counter: Counter, ippeve: IppEvePrinter) -> None:  # noqa: F811
    ippeve.behave("ok")
    ippeve.wait_until_idle()
    printer_id = _ipp_printer(counter, "IPP-2", ippeve.uri)
    ippeve.behave("jam")
    r = counter.client.post(
        "/api/v1/print-jobs",
        json={"nik": counter.nik, "printer_id": printer_id, "reason": "baru"},
        headers=counter.as_user(CLERK),
    )
    job = _run_until(counter, r.json()["id"], {"completed", "aborted", "needs-confirmation"})
    ippeve.behave("ok")
    assert job["state"] == "aborted" and job["spoiled"] is True, job
    assert any(str(x).startswith("media-jam") for x in job["state_reasons"])  # type: ignore[union-attr]
    assert counter.outbox() == []
    ippeve.wait_until_idle()
