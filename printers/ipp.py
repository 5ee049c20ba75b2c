"""The ``ipp`` adapter: prints to any IPP printer, driverless or behind CUPS.

* Driverless (IPP Everywhere) printers: ``ipp://HOST:PORT/ipp/print``.
* CUPS queues, which is how card printers with a vendor driver are reached:
  ``ipp://HOST:631/printers/QUEUE``. Give card queues ``printer-error-policy=abort-job``
  (``lpadmin -p QUEUE -o printer-error-policy=abort-job``): the CUPS default ``retry-job`` would print a
  failed card again by itself.

Operations (RFC 8011): Print-Job, Get-Job-Attributes, Cancel-Job, Get-Printer-Attributes. The transport,
request encoding and attribute decoding are pyipp's (``IPP.raw``, ``parse_attribute``). Written here:

* a response reader (in ``printers.ipp_codec``) that keeps the *first* value of an attribute sent twice
  (pyipp keeps the last; CUPS's ippeveprinter 2.4 sends ``document-format-supported`` twice and the first
  one is the real list);
* a synchronous face: each call runs its own ``asyncio.run`` with a fresh HTTP session, so the adapter
  holds no connection or event loop between calls and can be used from any thread;
* the mapping of IPP and connection errors onto :mod:`printers.errors`.

Job ids are ``"<ipp job-id>:<job-name>"``. Printers number jobs from 1 again after a restart, so
``job_status`` checks that the job behind the number still carries our job name; if not, it raises
``JobNotFound`` rather than report another job's outcome. ippeveprinter forgets finished jobs after about
60 s (also ``JobNotFound``); CUPS keeps them.

Job states are reported as the printer gives them, with one correction: CUPS reports a job its device
aborted (a jam) as ``canceled`` ("canceled at printer"). A ``canceled`` job with no ``job-canceled-by-*``
reason whose printer reasons name a device fault (media-jam, cover-open...) is reported as ``aborted`` with
``aborted-by-system``. (Without the fault test, a card cancelled on purpose could pass for a jam: CUPS
sometimes loses the ``job-canceled-by-user`` reason when its backend exits.) For jobs that did not complete, the printer's own reasons (``media-jam-...``) are
added to ``state_reasons`` (CUPS sends them as job-printer-state-reasons; otherwise they are read from the
printer at the time of asking). A CUPS job reported ``completed`` although its device reported a fault
(media-jam...) during it raises ``OutcomeUnknown``: CUPS 2.4's ipp backend sometimes returns success for a
job the device aborted.
"""

from __future__ import annotations

import asyncio
import math
import socket
from datetime import datetime
from typing import Any, NoReturn
from urllib.parse import urlsplit

import aiohttp
from pyipp import IPP, IPPConnectionError, IPPConnectionUpgradeRequired, IPPError, IPPResponseError
from pyipp.enums import IppOperation, IppStatus, IppTag

from printers.base import (
    Capabilities,
    JobState,
    JobStatus,
    Marker,
    PrinterAdapter,
    PrinterState,
    PrinterStatus,
    Submission,
    SubmittedJob,
    reason_keyword,
)
from printers.errors import (
    AdapterConfigInvalid,
    FormatNotSupported,
    JobNotFound,
    JobRejected,
    OutcomeUnknown,
    PrinterError,
    PrinterFault,
    PrinterUnavailable,
    SubmissionUncertain,
)
from printers.ipp_codec import (
    IppResponse,
    all_values,
    job_template,
    one_value,
    parse_response,
    percent,
    reasons_in,
    status_name,
    to_enum,
)

_STATUS_ATTRIBUTES = [
    "printer-state",
    "printer-state-reasons",
    "printer-state-message",
    "printer-is-accepting-jobs",
    "marker-names",
    "marker-types",
    "marker-levels",
    "marker-low-levels",
]
_JOB_ATTRIBUTES = [
    "job-name",
    "job-state",
    "job-state-reasons",
    "job-printer-state-reasons",
    "date-time-at-completed",
]
# Printer reasons that mean the device itself could not finish a card.
DEVICE_FAULTS = frozenset(
    {
        "media-jam",
        "media-empty",
        "media-needed",
        "marker-supply-empty",
        "cover-open",
        "door-open",
        "output-area-full",
        "input-tray-missing",
        "marker-waste-full",
    }
)
_CANCELED_ON_PURPOSE = ("job-canceled-by-user", "job-canceled-by-operator", "job-canceled-at-device")
_TRANSIENT = {
    IppStatus.ERROR_SERVICE_UNAVAILABLE,
    IppStatus.ERROR_TEMPORARY,
    IppStatus.ERROR_NOT_ACCEPTING_JOBS,
    IppStatus.ERROR_BUSY,
    IppStatus.ERROR_PRINTER_IS_DEACTIVATED,
    IppStatus.ERROR_TOO_MANY_JOBS,
}
_DPI = 3  # printer-resolution units: 3 dots per inch, 4 dots per centimetre


class IppPrinter(PrinterAdapter):
    """An IPP printer or CUPS queue at ``uri``. See the module docstring."""

    def __init__(
        self,
        uri: str,
        *,
        timeout: float = 10.0,
        requesting_user: str = "ktp-service",
        check_before_submit: bool = True,
    ) -> None:
        parts = urlsplit(uri)
        if parts.scheme not in ("ipp", "ipps") or not parts.hostname or not parts.path.startswith("/"):
            raise AdapterConfigInvalid(f"ipp adapter needs ipp://host[:port]/path or ipps://..., not {uri!r}")
        try:
            parts.port  # noqa: B018  (raises ValueError on a bad port)
        except ValueError as exc:
            raise AdapterConfigInvalid(f"bad port in {uri!r}") from exc
        self.uri = uri
        self.timeout = timeout
        self.requesting_user = requesting_user
        self.check_before_submit = check_before_submit

    # -- the port --------------------------------------------------------------------------------------
    def capabilities(self) -> Capabilities:
        attrs = self._printer_attributes(
            ["document-format-supported", "printer-resolution-supported", "sides-supported"]
        )
        dpi = sorted(
            {
                x if units == _DPI else round(x * 2.54)
                for x, _y, units in all_values(attrs, "printer-resolution-supported")
            }
        )
        return Capabilities(
            document_formats=tuple(all_values(attrs, "document-format-supported")),
            resolutions_dpi=tuple(dpi),
            duplex=any(side != "one-sided" for side in all_values(attrs, "sides-supported")),
        )

    def status(self) -> PrinterStatus:
        attrs = self._printer_attributes(_STATUS_ATTRIBUTES)
        names, types = all_values(attrs, "marker-names"), all_values(attrs, "marker-types")
        levels, lows = all_values(attrs, "marker-levels"), all_values(attrs, "marker-low-levels")
        markers = tuple(
            Marker(
                name=str(marker_name),
                marker_type=str(types[i]) if i < len(types) else "unknown",
                level=percent(levels[i] if i < len(levels) else None),
                low_level=percent(lows[i] if i < len(lows) else None),
            )
            for i, marker_name in enumerate(names)
        )
        return PrinterStatus(
            state=to_enum(PrinterState.from_ipp, one_value(attrs, "printer-state"), self.uri),
            state_reasons=reasons_in(attrs, "printer-state-reasons"),
            markers=markers,
            message=str(one_value(attrs, "printer-state-message") or ""),
            accepting_jobs=one_value(attrs, "printer-is-accepting-jobs") is not False,
        )

    def _submit(self, job: Submission) -> SubmittedJob:
        document, document_format, job_name = job.document, job.document_format, job.job_name
        if not job_name or len(job_name.encode()) > 255:
            raise JobRejected(f"job name must be 1..255 bytes, not {job_name!r}")
        job_attributes = job_template(job.options)
        if self.check_before_submit:
            self._ready_for_a_card()
        response = self._call(
            IppOperation.PRINT_JOB,
            {"job-name": job_name, "document-format": document_format},
            job_attributes=job_attributes,
            document=document,
        )
        # ippeveprinter answers client-error-attributes-or-values and names document-format as unsupported
        unsupported = response.group(IppTag.UNSUPPORTED_GROUP)
        if (
            response.status == IppStatus.ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED
            or "document-format" in unsupported
        ):
            raise FormatNotSupported(f"{self.uri} does not accept {document_format}: {response.message}")
        self._raise_for(response, "Print-Job")
        receipt = response.group(IppTag.JOB)
        ipp_job_id, state = one_value(receipt, "job-id"), one_value(receipt, "job-state")
        if ipp_job_id is None:
            raise SubmissionUncertain(f"{self.uri} accepted the job but sent no job-id")
        return SubmittedJob(
            job_id=f"{int(ipp_job_id)}:{job_name}",
            state=JobState.PENDING if state is None else to_enum(JobState.from_ipp, state, self.uri),
            state_reasons=reasons_in(receipt, "job-state-reasons"),
        )

    def job_status(self, job_id: str) -> JobStatus:
        ipp_job_id, job_name = _split_job_id(job_id)
        response = self._call(
            IppOperation.GET_JOB_ATTRIBUTES, {"job-id": ipp_job_id, "requested-attributes": _JOB_ATTRIBUTES}
        )
        if response.status == IppStatus.ERROR_NOT_FOUND:
            raise JobNotFound(f"{self.uri} does not know job {ipp_job_id} (any more)")
        self._raise_for(response, "Get-Job-Attributes")
        job = response.group(IppTag.JOB)
        if one_value(job, "job-name") != job_name:
            raise JobNotFound(f"job {ipp_job_id} on {self.uri} is now another job: the printer restarted?")
        state = to_enum(JobState.from_ipp, one_value(job, "job-state"), self.uri)
        reasons = list(reasons_in(job, "job-state-reasons"))
        printer_reasons = self._printer_reasons_for(job, state)
        faults = [reason for reason in printer_reasons if reason_keyword(reason) in DEVICE_FAULTS]
        if state == JobState.COMPLETED and faults:
            # CUPS 2.4's ipp backend can return success for a job its device aborted (a race between its
            # job monitor and its wait loop); the device's fault, recorded with the job, gives it away.
            raise OutcomeUnknown(
                f"{self.uri} reports job {ipp_job_id} completed, yet the printer reported {', '.join(faults)}",
                reasons=printer_reasons,
            )
        if (
            state == JobState.CANCELED
            and not any(reason in reasons for reason in _CANCELED_ON_PURPOSE)
            and faults
        ):
            state = JobState.ABORTED  # CUPS: "canceled at printer" is the device aborting the job
            reasons.append("aborted-by-system")
        if state != JobState.COMPLETED:
            reasons += printer_reasons
        completed = one_value(job, "date-time-at-completed")
        return JobStatus(
            job_id=job_id,
            state=state,
            state_reasons=tuple(dict.fromkeys(reasons)),
            completed_at=completed if isinstance(completed, datetime) and state.is_terminal else None,
        )

    def cancel(self, job_id: str) -> None:
        try:
            if self.job_status(job_id).is_terminal:  # also proves the id still means our job
                return
        except JobNotFound:
            raise
        except OutcomeUnknown:  # it ended (completed yet faulted): nothing left to cancel
            return
        ipp_job_id, _name = _split_job_id(job_id)
        response = self._call(IppOperation.CANCEL_JOB, {"job-id": ipp_job_id})
        if response.status == IppStatus.ERROR_NOT_POSSIBLE:  # it finished meanwhile
            return
        if response.status == IppStatus.ERROR_NOT_FOUND:
            raise JobNotFound(f"{self.uri} does not know job {ipp_job_id} (any more)")
        self._raise_for(response, "Cancel-Job")

    # -- helpers ---------------------------------------------------------------------------------------
    def _ready_for_a_card(self) -> None:
        status = self.status()
        if status.errors:
            raise PrinterFault(f"{self.uri}: {', '.join(status.errors)}", reasons=status.state_reasons)
        if not status.accepting_jobs or status.state == PrinterState.STOPPED:
            why = ", ".join(status.state_reasons) or status.message or "stopped"
            raise PrinterUnavailable(f"{self.uri} is not taking jobs: {why}", reasons=status.state_reasons)

    def _printer_reasons_for(self, job: dict[str, list[Any]], state: JobState) -> list[str]:
        if "job-printer-state-reasons" in job:
            found = reasons_in(job, "job-printer-state-reasons")
        elif state in (JobState.ABORTED, JobState.PROCESSING_STOPPED):
            found = reasons_in(self._printer_attributes(["printer-state-reasons"]), "printer-state-reasons")
        else:
            found = ()
        return [reason for reason in found if not reason.startswith("cups-")]

    def _printer_attributes(self, names: list[str]) -> dict[str, list[Any]]:
        response = self._call(IppOperation.GET_PRINTER_ATTRIBUTES, {"requested-attributes": names})
        if response.status == IppStatus.ERROR_NOT_FOUND:
            raise PrinterUnavailable(f"no printer at {self.uri}")
        self._raise_for(response, "Get-Printer-Attributes")
        return response.group(IppTag.PRINTER)

    def _raise_for(self, response: IppResponse, operation: str) -> None:
        status = response.status
        if status < 0x100:
            return
        what = f"{operation} to {self.uri}: {status_name(status)} {response.message}".strip()
        if status in _TRANSIENT:
            raise PrinterUnavailable(what)
        if operation == "Print-Job" and 0x400 <= status < 0x500 and status not in (0x401, 0x402, 0x403):
            raise JobRejected(what)
        raise PrinterError(what)

    def _call(
        self,
        operation: IppOperation,
        attributes: dict[str, Any],
        *,
        job_attributes: dict[str, Any] | None = None,
        document: bytes | None = None,
    ) -> IppResponse:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError(
                "IppPrinter blocks: call it from a thread (asyncio.to_thread), not on an event loop"
            )
        message: dict[str, Any] = {
            "operation-attributes-tag": {"requesting-user-name": self.requesting_user, **attributes}
        }
        if job_attributes:
            message["job-attributes-tag"] = job_attributes
        if document is not None:
            message["data"] = document
        try:
            raw = asyncio.run(self._send(operation, message))
            return parse_response(raw)
        except IPPConnectionUpgradeRequired as exc:
            raise AdapterConfigInvalid(f"{self.uri} requires TLS: use ipps://") from exc
        except IPPResponseError as exc:
            self._http_error(exc)
        except IPPConnectionError as exc:
            never_sent = isinstance(exc.__cause__, aiohttp.ClientConnectorError | socket.gaierror)
            if document is not None and not never_sent:
                raise SubmissionUncertain(f"connection to {self.uri} lost after sending the job") from exc
            raise PrinterUnavailable(f"cannot reach {self.uri}: {exc.__cause__ or exc}") from exc
        except (IPPError, ValueError) as exc:
            if document is not None:
                raise SubmissionUncertain(f"unreadable answer from {self.uri} to a job: {exc}") from exc
            raise PrinterError(f"unreadable answer from {self.uri}: {exc}") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            # pyipp wraps errors up to the response headers only; reading the body can still fail or time
            # out. With a document, it may have been taken: never assume it was not.
            if document is not None:
                raise SubmissionUncertain(f"answer from {self.uri} to a job was cut off: {exc!r}") from exc
            raise PrinterUnavailable(f"answer from {self.uri} was cut off: {exc!r}") from exc

    async def _send(self, operation: IppOperation, message: dict[str, Any]) -> bytes:
        # The whole exchange, body included, within the configured timeout (pyipp's request_timeout stops
        # at the headers; aiohttp's own default would wait 300 s for a body).
        async with (
            asyncio.timeout(self.timeout),
            IPP(self.uri, request_timeout=math.ceil(self.timeout)) as client,
        ):
            return await client.raw(operation, message)

    def _http_error(self, exc: IPPResponseError) -> NoReturn:
        # The printer answered at the HTTP level without processing the request: nothing was submitted.
        details = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
        code = details.get("status-code")
        if code in (401, 403):
            raise PrinterError(f"{self.uri} wants authentication (HTTP {code}); not supported") from exc
        if code == 404:
            raise PrinterUnavailable(f"no printer at {self.uri} (HTTP 404)") from exc
        raise PrinterUnavailable(f"{self.uri} answered HTTP {code}") from exc


def _split_job_id(job_id: str) -> tuple[int, str]:
    number, _, name = job_id.partition(":")
    if not (number.isascii() and number.isdigit()) or not name:
        raise JobNotFound(f"{job_id!r} is not an ipp adapter job id")
    return int(number), name
