"""Errors raised by printer adapters.

Every adapter raises only these, so the caller (the print worker, the printer registry) handles all
printers alike::

    PrinterError                  anything that went wrong talking to a printer
    ├── AdapterConfigInvalid      bad adapter name, URI or config: fix the printer's configuration
    │   └── UnknownAdapter        no adapter by that name
    ├── PrinterUnavailable        transient: unreachable, offline, busy, not accepting jobs.
    │                             Nothing was submitted; retry with backoff.
    ├── PrinterFault              the printer needs a person (jam, cover open, ribbon out, feeder
    │                             empty): ``reasons`` says why. Nothing was submitted; retry once the
    │                             fault is cleared.
    ├── JobRejected               the printer refused this document or these options; resubmitting the
    │   │                         same thing will fail again
    │   └── FormatNotSupported    ... because of the document format
    └── OutcomeUnknown            nobody can tell from the printer whether the card printed: a person
        │                         must confirm (printed or spoiled). Never resubmit automatically.
        ├── SubmissionUncertain   the document was sent but the answer was lost: the printer may or may
        │                         not have taken it (``submit``)
        └── JobNotFound           the printer does not (or no longer) know this job (printer restarted,
                                  job history expired)

A hard fault in the middle of a card (a jam) is not an exception: it is reported by ``job_status`` as an
``aborted`` job whose ``state_reasons`` name the fault (``media-jam-...``).
"""

from __future__ import annotations

from collections.abc import Iterable


class PrinterError(Exception):
    """Base class. ``reasons`` holds IPP printer-state-reasons keywords when the printer gave any."""

    def __init__(self, message: str, *, reasons: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.reasons: tuple[str, ...] = tuple(reasons)


class AdapterConfigInvalid(PrinterError):
    """The adapter name, URI or config of a printer is wrong; retrying cannot help. ``field`` names what is
    wrong (``adapter``, ``uri``, ``config.directory``...)."""

    def __init__(self, message: str, *, field: str = "config", reasons: Iterable[str] = ()) -> None:
        super().__init__(message, reasons=reasons)
        self.field = field


class UnknownAdapter(AdapterConfigInvalid):
    """No adapter is registered under that name."""


class PrinterUnavailable(PrinterError):
    """Transient: the printer cannot be reached or cannot take a job right now. Nothing was submitted."""


class PrinterFault(PrinterError):
    """The printer reports an error condition a person must clear. Nothing was submitted."""


class OutcomeUnknown(PrinterError):
    """The printer cannot say whether the card printed; a person must confirm. Raised as such by
    ``job_status`` when the printer's answer contradicts itself (completed, yet a jam was reported)."""


class SubmissionUncertain(OutcomeUnknown):
    """The connection broke after the document was sent: the job may exist on the printer or not."""


class JobRejected(PrinterError):
    """The printer refused the document or its options; the same submission will fail again."""


class FormatNotSupported(JobRejected):
    """The printer does not accept this document format."""


class JobNotFound(OutcomeUnknown):
    """The printer cannot tell anything about this job (unknown id, restarted printer, expired history)."""
