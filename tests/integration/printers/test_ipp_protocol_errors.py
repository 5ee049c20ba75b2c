"""How the ``ipp`` adapter maps what goes wrong on the wire, against a scripted HTTP peer on localhost:
a real aiohttp exchange, with the peer misbehaving on purpose in ways a real printer rarely does on cue."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pyipp.enums import IppStatus
from pyipp.serializer import encode_dict

from printers.errors import (
    FormatNotSupported,
    JobNotFound,
    JobRejected,
    PrinterError,
    PrinterFault,
    PrinterUnavailable,
    SubmissionUncertain,
)
from printers.ipp import IppPrinter

Behaviour = Callable[[BaseHTTPRequestHandler], None]


def ipp_answer(status: IppStatus, **groups: dict[str, object]) -> bytes:
    message: dict[str, object] = {
        "version": (2, 0),
        "operation": status,  # a response carries its status code where a request has its operation
        "request-id": 1,
        "operation-attributes-tag": {"attributes-charset": "utf-8", "attributes-natural-language": "en"},
    }
    message.update(groups)
    return encode_dict(message)


def reply(body: bytes, http_status: int = 200) -> Behaviour:
    def behave(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(http_status)
        handler.send_header("Content-Type", "application/ipp")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return behave


def hang_up(handler: BaseHTTPRequestHandler) -> None:
    handler.close_connection = True  # the request was read in full; no answer comes back


@pytest.fixture
def peer() -> Iterator[Callable[[Behaviour], str]]:
    """``peer(behaviour)`` answers every request with ``behaviour`` and returns the printer URI."""
    behaviour: list[Behaviour] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            behaviour[0](self)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()

    def configure(chosen: Behaviour) -> str:
        behaviour[:] = [chosen]
        return f"ipp://127.0.0.1:{server.server_port}/ipp/print"

    yield configure
    server.shutdown()
    server.server_close()
    thread.join()


def submit(printer: IppPrinter) -> None:
    printer.submit(b"\x89PNG", document_format="image/png", job_name="ktp-x")


def test_a_connection_lost_after_sending_a_card_makes_the_submission_uncertain(
    peer: Callable[[Behaviour], str],
) -> None:
    printer = IppPrinter(peer(hang_up), check_before_submit=False, timeout=5)
    with pytest.raises(SubmissionUncertain):
        submit(printer)
    with pytest.raises(PrinterUnavailable):  # asking again is harmless: just unavailable
        printer.status()


def test_garbage_in_answer_to_a_card_makes_the_submission_uncertain(peer: Callable[[Behaviour], str]) -> None:
    printer = IppPrinter(peer(reply(b"<html>hello</html>")), check_before_submit=False)
    with pytest.raises(SubmissionUncertain):
        submit(printer)
    with pytest.raises(PrinterError) as status_error:
        printer.status()
    assert not isinstance(status_error.value, PrinterUnavailable | SubmissionUncertain)


def test_an_http_error_means_nothing_was_submitted(peer: Callable[[Behaviour], str]) -> None:
    printer = IppPrinter(peer(reply(b"not here", http_status=404)), check_before_submit=False)
    with pytest.raises(PrinterUnavailable):
        submit(printer)


@pytest.mark.parametrize(
    "status",
    [IppStatus.ERROR_BUSY, IppStatus.ERROR_NOT_ACCEPTING_JOBS, IppStatus.ERROR_SERVICE_UNAVAILABLE],
)
def test_transient_ipp_statuses_are_unavailable(peer: Callable[[Behaviour], str], status: IppStatus) -> None:
    printer = IppPrinter(peer(reply(ipp_answer(status))), check_before_submit=False)
    with pytest.raises(PrinterUnavailable):
        submit(printer)


def test_format_refusals_are_format_not_supported(peer: Callable[[Behaviour], str]) -> None:
    printer = IppPrinter(
        peer(reply(ipp_answer(IppStatus.ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED))), check_before_submit=False
    )
    with pytest.raises(FormatNotSupported):
        submit(printer)


def test_other_client_errors_reject_the_job(peer: Callable[[Behaviour], str]) -> None:
    printer = IppPrinter(
        peer(reply(ipp_answer(IppStatus.ERROR_ATTRIBUTES_OR_VALUES))), check_before_submit=False
    )
    with pytest.raises(JobRejected) as rejected:
        submit(printer)
    assert not isinstance(rejected.value, FormatNotSupported)


def test_an_unknown_job_is_not_found(peer: Callable[[Behaviour], str]) -> None:
    printer = IppPrinter(peer(reply(ipp_answer(IppStatus.ERROR_NOT_FOUND))))
    with pytest.raises(JobNotFound):
        printer.job_status("7:ktp-x")
    with pytest.raises(JobNotFound):
        printer.job_status("not-an-ipp-job-id")


def test_a_printer_with_an_error_reason_refuses_the_card_before_it_is_sent(
    peer: Callable[[Behaviour], str],
) -> None:
    stopped = ipp_answer(
        IppStatus.OK,
        **{
            "printer-attributes-tag": {
                "printer-state": 5,
                "printer-state-reasons": ["cover-open-error", "paused"],
            }
        },
    )
    printer = IppPrinter(peer(reply(stopped)))
    with pytest.raises(PrinterFault) as refused:  # a person must close the cover; nothing was sent
        submit(printer)
    assert refused.value.reasons == ("cover-open-error", "paused")


def test_a_paused_printer_is_unavailable(peer: Callable[[Behaviour], str]) -> None:
    paused = ipp_answer(
        IppStatus.OK, **{"printer-attributes-tag": {"printer-state": 5, "printer-state-reasons": "paused"}}
    )
    with pytest.raises(PrinterUnavailable, match="paused"):
        submit(IppPrinter(peer(reply(paused))))


def test_options_pyipp_cannot_encode_are_refused_not_dropped() -> None:
    printer = IppPrinter("ipp://127.0.0.1:9/ipp/print", check_before_submit=False)
    with pytest.raises(JobRejected, match="print-color-mode"):
        printer.submit(b"x", document_format="image/png", job_name="a", options={"print-color-mode": "color"})
    with pytest.raises(JobRejected, match="integer"):
        printer.submit(b"x", document_format="image/png", job_name="a", options={"copies": "2"})


def _cut_off_body(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/ipp")
    handler.send_header("Content-Length", "100")
    handler.end_headers()
    handler.wfile.write(b"\x02\x00\x00\x00\x00\x00\x00\x01")  # 8 of the 100 bytes announced, then hang up
    handler.close_connection = True


def _stalled_body(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/ipp")
    handler.send_header("Content-Length", "100")
    handler.end_headers()
    handler.wfile.write(b"\x02\x00")
    handler.wfile.flush()
    threading.Event().wait(5)  # the rest never comes within the adapter's timeout


@pytest.mark.parametrize("behaviour", [_cut_off_body, _stalled_body], ids=["cut-off", "stalled"])
def test_a_broken_answer_body_stays_inside_the_error_tree(
    peer: Callable[[Behaviour], str], behaviour: Behaviour
) -> None:
    """pyipp wraps errors up to the headers only; the body read must not escape as aiohttp's exceptions,
    and the configured timeout covers it (not aiohttp's 300 s default)."""
    printer = IppPrinter(peer(behaviour), check_before_submit=False, timeout=1)
    with pytest.raises(SubmissionUncertain):  # with a card: it may have been taken
        submit(printer)
    with pytest.raises(PrinterUnavailable):  # without one: just unavailable
        printer.status()
