"""The spool adapter writes each card and a JSON sidecar to a directory."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from printers.base import JobState, PrinterAdapter, PrinterState
from printers.errors import FormatNotSupported, JobNotFound, PrinterUnavailable
from printers.registry import create_adapter
from printers.spool import SpoolPrinter

PNG = b"\x89PNG\r\n\x1a\n fake card"


def test_a_submitted_card_is_written_with_its_sidecar_and_completes_at_once(tmp_path: Path) -> None:
    printer = SpoolPrinter(tmp_path / "spool")
    job = printer.submit(PNG, document_format="image/png", job_name="ktp-1", options={"sides": "one-sided"})

    assert job.state is JobState.COMPLETED
    sidecar = json.loads((tmp_path / "spool" / f"{job.job_id}.json").read_text())
    assert sidecar["job_name"] == "ktp-1"
    assert sidecar["document_format"] == "image/png"
    assert sidecar["options"] == {"sides": "one-sided"}
    assert sidecar["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert (tmp_path / "spool" / sidecar["document_file"]).read_bytes() == PNG
    assert sidecar["document_file"].endswith(".png")

    status = printer.job_status(job.job_id)
    assert status.state is JobState.COMPLETED
    assert status.completed_at is not None and status.completed_at.tzinfo is not None


def test_the_counter_counts_spooled_documents_and_survives_a_restart(tmp_path: Path) -> None:
    printer = SpoolPrinter(tmp_path)
    assert printer.status().card_counter == 0
    first = printer.submit(PNG, document_format="image/png", job_name="a")
    printer.submit(b"%PDF-1.4", document_format="application/pdf", job_name="b")

    restarted = SpoolPrinter(tmp_path)
    status = restarted.status()
    assert (status.state, status.card_counter) == (PrinterState.IDLE, 2)
    assert restarted.job_status(first.job_id).state is JobState.COMPLETED


def test_unknown_format_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    printer = SpoolPrinter(tmp_path, formats=("image/png",))
    with pytest.raises(FormatNotSupported):
        printer.submit(b"%PDF", document_format="application/pdf", job_name="x")
    assert list(tmp_path.iterdir()) == []


def test_unknown_job_cannot_be_told(tmp_path: Path) -> None:
    printer = SpoolPrinter(tmp_path)
    for job_id in ("nope", "../etc/passwd"):
        with pytest.raises(JobNotFound):
            printer.job_status(job_id)
        with pytest.raises(JobNotFound):
            printer.cancel(job_id)


def test_cancel_of_a_spooled_job_changes_nothing(tmp_path: Path) -> None:
    printer = SpoolPrinter(tmp_path)
    job = printer.submit(PNG, document_format="image/png", job_name="a")
    printer.cancel(job.job_id)
    assert printer.job_status(job.job_id).state is JobState.COMPLETED


def test_a_vanished_directory_makes_the_printer_unavailable(tmp_path: Path) -> None:
    printer = SpoolPrinter(tmp_path / "gone")
    (tmp_path / "gone").rmdir()
    with pytest.raises(PrinterUnavailable):
        printer.status()
    with pytest.raises(PrinterUnavailable):
        printer.submit(PNG, document_format="image/png", job_name="a")


def test_registry_builds_it_from_a_spool_uri(tmp_path: Path) -> None:
    printer = create_adapter("spool", f"spool://{tmp_path}/cards", {"formats": ["image/png"]})
    assert isinstance(printer, PrinterAdapter)
    printer.submit(PNG, document_format="image/png", job_name="a")
    assert len(list((tmp_path / "cards").glob("*.png"))) == 1
    assert printer.capabilities().document_formats == ("image/png",)
