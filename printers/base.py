"""The printer port: what the application may ask of any card printer.

An adapter (``spool``, ``simulator``, ``ipp``; later vendor SDKs such as Evolis or Magicard) implements
:class:`PrinterAdapter`. The application never learns which one it talks to.

Vocabulary (IPP, RFC 8011)
--------------------------
* Printer state: ``idle``, ``processing``, ``stopped``.
* Job state: ``pending``, ``pending-held``, ``processing``, ``processing-stopped``, ``canceled``,
  ``aborted``, ``completed`` (IPP enums 3..9). The last three are terminal.
* State reasons are IPP keywords with a severity suffix: ``-report`` (information), ``-warning``
  (attention soon), ``-error`` (the printer cannot print until a person acts). Card-printer conditions
  map to: feeder empty ``media-empty``, card jam ``media-jam``, ribbon ended / low
  ``marker-supply-empty`` / ``marker-supply-low``, cover open ``cover-open``, output hopper full
  ``output-area-full``, no connection ``offline``. Compare reasons with :func:`has_reason`, which ignores
  the suffix (a jam is ``media-jam-error`` on one printer and ``media-jam-report`` on another).

Contract for every adapter
--------------------------
* Calls are synchronous and block until the printer answered (IPP adapters time out, see their config).
  They are safe to call from several threads. Do not call them on a running asyncio event loop; from async
  code use ``await asyncio.to_thread(adapter.status)``.
* Errors are the classes of :mod:`printers.errors` only. Which ones a method raises is in its docstring.
* ``submit`` never prints twice by itself: adapters do not retry a submission. ``PrinterUnavailable`` and
  ``PrinterFault`` from ``submit`` guarantee nothing was submitted; ``SubmissionUncertain`` means "maybe".
* A job that ended badly mid-card (jam) is an ``aborted`` job whose ``state_reasons`` include the
  printer's reason, not an exception. A card was consumed (spoiled).
* ``job_status`` raises ``OutcomeUnknown`` when the printer cannot tell the job's outcome: the job is
  unknown (``JobNotFound``: printer restarted, history expired) or its answer contradicts itself. The
  caller must then ask a person; it must not assume either outcome.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from printers.errors import FormatNotSupported

REASON_SUFFIXES = ("-error", "-warning", "-report")


class PrinterState(StrEnum):
    """IPP printer-state (enum 3, 4, 5)."""

    IDLE = "idle"
    PROCESSING = "processing"
    STOPPED = "stopped"

    @classmethod
    def from_ipp(cls, value: int) -> PrinterState:
        return _PRINTER_STATES[value]


class JobState(StrEnum):
    """IPP job-state (enum 3..9). ``canceled``, ``aborted`` and ``completed`` are terminal."""

    PENDING = "pending"
    PENDING_HELD = "pending-held"
    PROCESSING = "processing"
    PROCESSING_STOPPED = "processing-stopped"
    CANCELED = "canceled"
    ABORTED = "aborted"
    COMPLETED = "completed"

    @classmethod
    def from_ipp(cls, value: int) -> JobState:
        return _JOB_STATES[value]

    @property
    def is_terminal(self) -> bool:
        return self in (JobState.CANCELED, JobState.ABORTED, JobState.COMPLETED)


_PRINTER_STATES = {3: PrinterState.IDLE, 4: PrinterState.PROCESSING, 5: PrinterState.STOPPED}
_JOB_STATES = dict(zip(range(3, 10), JobState, strict=True))


def reason_keyword(reason: str) -> str:
    """``media-jam-error`` -> ``media-jam``: the reason without its severity suffix."""
    for suffix in REASON_SUFFIXES:
        if reason.endswith(suffix):
            return reason[: -len(suffix)]
    return reason


def has_reason(reasons: Iterable[str], keyword: str) -> bool:
    """True when ``reasons`` holds ``keyword`` with any (or no) severity suffix."""
    wanted = reason_keyword(keyword)
    return any(reason_keyword(reason) == wanted for reason in reasons)


def error_reasons(reasons: Iterable[str]) -> tuple[str, ...]:
    """The reasons that stop printing until a person acts (``-error`` suffix)."""
    return tuple(reason for reason in reasons if reason.endswith("-error"))


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a printer accepts.

    ``document_formats`` are MIME types (``image/png``, ``application/pdf``); ``resolutions_dpi`` the
    supported resolutions in dots per inch (empty when the printer does not say); ``duplex`` whether it can
    print both sides of a card in one pass.
    """

    document_formats: tuple[str, ...]
    resolutions_dpi: tuple[int, ...] = ()
    duplex: bool = False

    def supports_format(self, document_format: str) -> bool:
        return document_format in self.document_formats


@dataclass(frozen=True, slots=True)
class Marker:
    """One supply (IPP marker-names/-types/-levels): a ribbon, ink, a laminate film.

    ``marker_type`` is an IPP marker-types keyword (``ink-ribbon``, ``toner``...). ``level`` and
    ``low_level`` are percentages 0..100, or ``None`` when the printer does not know.
    """

    name: str
    marker_type: str
    level: int | None
    low_level: int | None = None


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """A printer's state at the time of asking.

    ``state_reasons`` are IPP printer-state-reasons keywords (``none`` is never included: no reasons is an
    empty tuple). ``card_counter`` is the hardware count of cards the printer has fed (printed or spoiled),
    or ``None`` when the adapter cannot read one (plain IPP has no such attribute; vendor SDKs do).
    ``accepting_jobs`` is false when the printer (or CUPS queue) refuses new jobs.
    """

    state: PrinterState
    state_reasons: tuple[str, ...] = ()
    markers: tuple[Marker, ...] = ()
    card_counter: int | None = None
    message: str = ""
    accepting_jobs: bool = True

    def has_reason(self, keyword: str) -> bool:
        return has_reason(self.state_reasons, keyword)

    @property
    def errors(self) -> tuple[str, ...]:
        """Reasons that stop printing until a person acts (``-error`` suffix)."""
        return error_reasons(self.state_reasons)


@dataclass(frozen=True, slots=True)
class SubmittedJob:
    """The printer's receipt for a document. ``job_id`` is opaque: store it as text (up to 300 chars)."""

    job_id: str
    state: JobState
    state_reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class JobStatus:
    """A job as the printer sees it.

    ``state_reasons`` holds IPP job-state-reasons (``job-completed-successfully``, ``aborted-by-system``)
    and, for a job that stopped or ended badly, the printer's reasons that explain it (``media-jam-error``).
    ``completed_at`` (timezone-aware) is set for terminal jobs when the printer reports the time.
    """

    job_id: str
    state: JobState
    state_reasons: tuple[str, ...] = ()
    completed_at: datetime | None = None

    def has_reason(self, keyword: str) -> bool:
        return has_reason(self.state_reasons, keyword)

    @property
    def is_terminal(self) -> bool:
        return self.state.is_terminal


@dataclass(frozen=True, slots=True)
class Submission:
    """One document as ``submit`` received it, handed to the adapter's ``_submit``."""

    document: bytes
    document_format: str
    job_name: str
    options: dict[str, str | int]


class PrinterAdapter(ABC):
    """A card printer. Implementations live in ``printers/<name>.py`` and subclass this; see the module
    docstring for the contract every method follows."""

    @abstractmethod
    def capabilities(self) -> Capabilities:
        """Formats, resolutions and duplex. Raises ``PrinterUnavailable``."""

    @abstractmethod
    def status(self) -> PrinterStatus:
        """State, reasons, supplies and counter right now.

        Raises ``PrinterUnavailable`` when the printer cannot be reached (this is how "offline" shows:
        the registry displays it as offline). A reachable printer that knows its device is disconnected
        (a CUPS queue) returns normally with an ``offline-report`` reason instead.
        """

    def submit(
        self,
        document: bytes,
        *,
        document_format: str,
        job_name: str,
        options: Mapping[str, str | int] | None = None,
    ) -> SubmittedJob:
        """Send one rendered document (one card) to the printer.

        ``job_name`` should be unique per print job (e.g. ``ktp-<job uuid>``): IPP adapters use it to make
        sure a job id still means the same job after a printer restart. ``options`` are IPP job-template
        attributes (``sides``, ``copies``, ``media``...); an adapter rejects options it cannot honour
        rather than ignoring them.

        Raises ``PrinterUnavailable`` or ``PrinterFault`` (nothing submitted, retry later),
        ``FormatNotSupported``/``JobRejected`` (do not retry unchanged), ``SubmissionUncertain``
        (maybe submitted: never retry automatically).
        """
        # Written once here so every adapter takes the same arguments; each one implements ``_submit``.
        return self._submit(Submission(document, document_format, job_name, dict(options or {})))

    @abstractmethod
    def _submit(self, job: Submission) -> SubmittedJob:
        """``submit`` for this kind of printer."""

    @abstractmethod
    def job_status(self, job_id: str) -> JobStatus:
        """The job's state now. Raises ``OutcomeUnknown`` (``JobNotFound`` among them) when the printer
        cannot tell (see module doc), ``PrinterUnavailable`` when it cannot be reached."""

    @abstractmethod
    def cancel(self, job_id: str) -> None:
        """Ask the printer to cancel a job. Idempotent: a job that already ended is left as it is (read
        ``job_status`` for the outcome; a card may have printed anyway). Raises ``JobNotFound``,
        ``PrinterUnavailable``."""

    def close(self) -> None:
        """Release connections or files. The adapter must not be used afterwards. The adapters here hold
        nothing between calls, so by default there is nothing to release."""
        return None


def require_format(capabilities: Capabilities, document_format: str, printer: str) -> None:
    """Raise ``FormatNotSupported`` unless ``capabilities`` lists ``document_format`` (for adapters that
    know their formats without asking a device)."""
    if not capabilities.supports_format(document_format):
        raise FormatNotSupported(f"{printer} does not accept {document_format}")
