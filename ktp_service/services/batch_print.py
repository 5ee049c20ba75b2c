"""Printing a batch of new cards from the console (issue 12): one print job per NIK, each created by the
same service and in its own transaction as a single print (so one refused NIK does not stop the others),
then followed until every card has an outcome or needs a person. Runs as an operation
(:mod:`ktp_service.operations`): the page shows "Membuat pekerjaan cetak 3 dari 10", then "Mencetak kartu
7 dari 10", from the server."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from ktp_service.db import unit_of_work
from ktp_service.errors import DomainError, error_text
from ktp_service.lifecycle import JobStatus
from ktp_service.models import PrintJob
from ktp_service.operations import Report
from ktp_service.schemas.printing import PrintJobCreate
from ktp_service.services import print_jobs
from ktp_service.services.actor import Actor
from ktp_service.settings import Settings

BATCH_STEPS = ("op.batch.create", "op.batch.print")
MAX_BATCH = 100
# A job here needs a person (an approval, or a supervisor's word on a card whose outcome is unknown): the
# batch does not wait for it.
NEEDS_A_PERSON = {JobStatus.PENDING_HELD, JobStatus.NEEDS_CONFIRMATION}
FOLLOW_FOR_SECONDS = 15 * 60  # then the batch ends; its cards go on printing, the queue shows them
_NIK = re.compile(r"^[0-9]{16}$")


@dataclass
class BatchResult:
    jobs: list[int] = field(default_factory=list)
    refused: list[tuple[str, DomainError]] = field(default_factory=list)
    printed: int = 0
    attention: int = 0  # failed, canceled, held, waiting for a person, or still waiting when it ended


def parse_niks(raw: str) -> tuple[list[str], list[str]]:
    """The NIKs of a pasted list (one per line, or separated by spaces, commas or semicolons), each once, in
    order; and the entries that are not 16 digits."""
    niks: list[str] = []
    bad: list[str] = []
    for item in re.split(r"[\s,;]+", raw.strip()):
        if not item:
            continue
        if not _NIK.match(item):
            bad.append(item[:40])
        elif item not in niks:
            niks.append(item)
    return niks, bad


def run(
    engine: Engine,
    settings: Settings,
    actor: Actor,
    niks: list[str],
    printer_id: int,
    key: str,
    report: Report,
    lang: str = "id",
    follow_seconds: float = FOLLOW_FOR_SECONDS,
) -> BatchResult:
    """Create the jobs (reason ``baru``: a second card needs its reason chosen for each resident, on the
    resident's page), then follow them. ``key``: the batch's idempotency key (the form's), so a form sent
    twice creates each job once."""
    result = BatchResult()
    report(BATCH_STEPS[0])
    for i, nik in enumerate(niks):
        body = PrintJobCreate(nik=nik, printer_id=printer_id, reason="baru")
        try:
            with unit_of_work(engine) as session:
                job, _ = print_jobs.create(
                    session, actor, body, idempotency_key=f"batch-{key}-{nik}"[:100], settings=settings
                )
                assert job.id is not None
                result.jobs.append(job.id)
        except DomainError as exc:
            result.refused.append((nik, exc))
        report.count(i + 1, len(niks))
    report(BATCH_STEPS[1])
    deadline = time.monotonic() + follow_seconds
    pause = threading.Event()
    while True:
        with unit_of_work(engine, writes=False) as session:
            states = [
                JobStatus(s)
                for s in session.exec(select(PrintJob.state).where(col(PrintJob.id).in_(result.jobs)))
            ]
        settled = [s for s in states if s.final or s in NEEDS_A_PERSON]
        report.count(len(settled), len(result.jobs))
        if len(settled) == len(states) or time.monotonic() >= deadline:
            break
        pause.wait(0.25)
    result.printed = sum(s == JobStatus.COMPLETED for s in states)
    result.attention = len(states) - result.printed
    details = " ".join(f"{nik}: {error_text(exc, lang)}" for nik, exc in result.refused[:10])
    report.result(
        "batch.done",
        printed=str(result.printed),
        attention=str(result.attention),
        refused=str(len(result.refused)),
        details=details,
    )
    return result
