"""Real IPP printers for the ``ipp`` adapter tests: one ippeveprinter per session, reached directly and
through a CUPS queue. Without them the tests skip on a laptop and FAIL under CI (``CI=true``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from printers.base import JobStatus
from printers.ipp import IppPrinter
from tests.integration.printers.ippeve import (
    IppEvePrinter,
    PrintEnvironmentMissing,
    cups_queue,
    start_ippeveprinter,
    wait_for,
)


def missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (a real printer is required under CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def ippeve() -> Iterator[IppEvePrinter]:
    try:
        printer = start_ippeveprinter("ktp-test")
    except PrintEnvironmentMissing as exc:
        missing(str(exc))
    yield printer
    printer.stop()
    shutil.rmtree(printer.workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def cups_uri(ippeve: IppEvePrinter) -> Iterator[str]:
    try:
        with cups_queue(ippeve.uri) as uri:
            yield uri
    except PrintEnvironmentMissing as exc:
        missing(str(exc))


@dataclass
class Target:
    """An IPP printer under test: the adapter, and the ippeveprinter that does the printing behind it."""

    kind: str  # "direct" or "cups"
    adapter: IppPrinter
    device: IppEvePrinter

    def wait_for_end(self, job_id: str, timeout: float = 20) -> JobStatus:
        def ended() -> JobStatus | None:
            status = self.adapter.job_status(job_id)
            return status if status.is_terminal else None

        return wait_for(ended, timeout=timeout, what=f"job {job_id} to end on {self.adapter.uri}")


@pytest.fixture(params=["direct", "cups"])
def target(request: pytest.FixtureRequest, ippeve: IppEvePrinter) -> Iterator[Target]:
    uri = ippeve.uri if request.param == "direct" else request.getfixturevalue("cups_uri")
    ippeve.behave("ok")
    ippeve.wait_until_idle()
    yield Target(request.param, IppPrinter(uri), ippeve)
    ippeve.behave("ok")
    ippeve.wait_until_idle()
