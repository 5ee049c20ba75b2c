"""The ``ipp`` adapter's own pieces that need no printer: the response reader and the registry config."""

from __future__ import annotations

import struct

import pytest
from pyipp.enums import IppStatus, IppTag
from pyipp.serializer import construct_attribute

from printers.errors import AdapterConfigInvalid, UnknownAdapter
from printers.ipp import IppPrinter, parse_response
from printers.registry import ADAPTER_NAMES, create_adapter


def response(*groups: tuple[IppTag, bytes]) -> bytes:
    body = b"".join(struct.pack(">b", tag) + attributes for tag, attributes in groups)
    return struct.pack(">bbhi", 2, 0, IppStatus.OK, 7) + body + struct.pack(">b", IppTag.END)


def test_an_attribute_sent_twice_keeps_its_first_values() -> None:
    # ippeveprinter 2.4 sends document-format-supported twice: the formats of its -a file, then defaults.
    printer_group = (
        construct_attribute("document-format-supported", ["application/pdf", "image/png"], IppTag.MIME_TYPE)
        + construct_attribute("printer-state", 3, IppTag.ENUM)
        + construct_attribute("document-format-supported", ["application/octet-stream"], IppTag.MIME_TYPE)
    )
    parsed = parse_response(response((IppTag.OPERATION, b""), (IppTag.PRINTER, printer_group)))
    assert parsed.status == IppStatus.OK
    attrs = parsed.group(IppTag.PRINTER)
    assert attrs["document-format-supported"] == ["application/pdf", "image/png"]
    assert attrs["printer-state"] == [3]


def test_every_attribute_is_a_list_even_with_one_value() -> None:
    job_group = construct_attribute("job-state-reasons", "job-printing", IppTag.KEYWORD)
    attrs = parse_response(response((IppTag.JOB, job_group))).group(IppTag.JOB)
    assert attrs == {"job-state-reasons": ["job-printing"]}


def test_a_truncated_response_is_malformed() -> None:
    whole = response((IppTag.JOB, construct_attribute("job-id", 5, IppTag.INTEGER)))
    with pytest.raises(ValueError, match="malformed"):
        parse_response(whole[:-6])


@pytest.mark.parametrize(
    "uri", ["http://printer/ipp/print", "ipp://", "ipp:///ipp/print", "ipp://host:notaport/x", "printer-1"]
)
def test_ipp_needs_an_ipp_uri(uri: str) -> None:
    with pytest.raises(AdapterConfigInvalid):
        create_adapter("ipp", uri, {})


@pytest.mark.parametrize(
    "config", [{"timeout": 0}, {"timeout": "10"}, {"check_before_submit": "yes"}, {"password": "x"}]
)
def test_bad_ipp_config_is_refused(config: dict[str, object]) -> None:
    with pytest.raises(AdapterConfigInvalid):
        create_adapter("ipp", "ipp://127.0.0.1:631/printers/evolis", config)


def test_ipp_config_reaches_the_adapter() -> None:
    printer = create_adapter(
        "ipp", "ipps://10.0.0.5/printers/evolis", {"timeout": 3, "requesting_user": "loket-1"}
    )
    assert isinstance(printer, IppPrinter)
    assert (printer.timeout, printer.requesting_user, printer.check_before_submit) == (3.0, "loket-1", True)


def test_an_unknown_adapter_name_is_refused_with_the_known_ones() -> None:
    assert ADAPTER_NAMES == ("spool", "simulator", "ipp")
    with pytest.raises(UnknownAdapter, match="spool, simulator, ipp"):
        create_adapter("evolis", "usb://x", {})
    with pytest.raises(AdapterConfigInvalid, match="object"):
        create_adapter("spool", "spool:///tmp/x", ["not", "a", "dict"])  # type: ignore[arg-type]
