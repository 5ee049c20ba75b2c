"""The ``spool`` adapter: a printer that writes each document to a directory.

The embedded default of ``make run``: no hardware, yet every card that "printed" can be opened and
checked. For each submission it writes ``<job_id>.<ext>`` (the document bytes) and then ``<job_id>.json``
(the sidecar: job id, name, format, options, size, SHA-256, submission time). The sidecar is written last
and atomically, so a sidecar always describes a complete document.

Jobs complete at once. The card counter is the number of sidecars in the directory. ``job_status`` reads
the sidecar back, so it still answers after a restart; a job whose sidecar is gone raises ``JobNotFound``.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from printers.base import (
    Capabilities,
    JobState,
    JobStatus,
    PrinterAdapter,
    PrinterState,
    PrinterStatus,
    Submission,
    SubmittedJob,
    require_format,
)
from printers.errors import JobNotFound, PrinterUnavailable

DEFAULT_FORMATS = ("application/pdf", "image/png", "image/jpeg")
_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


class SpoolPrinter(PrinterAdapter):
    """Writes documents and JSON sidecars to ``directory`` (created if missing).

    ``formats`` limits the accepted document formats (so "format not supported" can be exercised without
    hardware); ``dpi`` is what ``capabilities`` reports.
    """

    def __init__(
        self,
        directory: Path | str,
        *,
        formats: tuple[str, ...] = DEFAULT_FORMATS,
        dpi: tuple[int, ...] = (300,),
        duplex: bool = True,
    ) -> None:
        self.directory = Path(directory)
        self._capabilities = Capabilities(document_formats=formats, resolutions_dpi=dpi, duplex=duplex)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrinterUnavailable(f"spool directory {self.directory} cannot be created: {exc}") from exc

    def capabilities(self) -> Capabilities:
        return self._capabilities

    def status(self) -> PrinterStatus:
        if not self.directory.is_dir():
            raise PrinterUnavailable(f"spool directory {self.directory} is missing")
        return PrinterStatus(state=PrinterState.IDLE, card_counter=self._count())

    def _submit(self, job: Submission) -> SubmittedJob:
        require_format(self._capabilities, job.document_format, "spool printer")
        document, document_format = job.document, job.document_format
        now = datetime.now(UTC)
        # Sortable by time, unique without any shared counter (several processes may spool at once).
        job_id = f"{now:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"
        document_path = self.directory / f"{job_id}{_EXTENSIONS.get(document_format, '.bin')}"
        sidecar = {
            "job_id": job_id,
            "job_name": job.job_name,
            "document_format": document_format,
            "document_file": document_path.name,
            "options": job.options,
            "size": len(document),
            "sha256": hashlib.sha256(document).hexdigest(),
            "submitted_at": now.isoformat(),
        }
        try:
            _write_atomically(document_path, document)
            _write_atomically(self._sidecar(job_id), json.dumps(sidecar, indent=2).encode())
        except OSError as exc:
            document_path.unlink(missing_ok=True)
            raise PrinterUnavailable(f"cannot write to spool directory {self.directory}: {exc}") from exc
        return SubmittedJob(job_id=job_id, state=JobState.COMPLETED)

    def job_status(self, job_id: str) -> JobStatus:
        sidecar = self.read_sidecar(job_id)
        return JobStatus(
            job_id=job_id,
            state=JobState.COMPLETED,
            state_reasons=("job-completed-successfully",),
            completed_at=datetime.fromisoformat(str(sidecar["submitted_at"])),
        )

    def cancel(self, job_id: str) -> None:
        self.read_sidecar(job_id)  # spooled jobs are already complete: nothing to cancel

    def read_sidecar(self, job_id: str) -> dict[str, object]:
        """The sidecar of a spooled job as a dict. Raises ``JobNotFound``."""
        path = self._sidecar(job_id)
        if "/" in job_id or not path.is_file():
            raise JobNotFound(f"no spooled job {job_id!r} in {self.directory}")
        data: dict[str, object] = json.loads(path.read_text())
        return data

    def _sidecar(self, job_id: str) -> Path:
        return self.directory / f"{job_id}.json"

    def _count(self) -> int:
        return sum(1 for _ in self.directory.glob("*.json"))


def _write_atomically(path: Path, data: bytes) -> None:
    """Whole or not at all; a failed write (a full disk) removes its temporary file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
