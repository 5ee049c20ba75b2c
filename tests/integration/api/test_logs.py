"""Personal data never appears in plain text in application logs."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ktp_service import logging_setup
from tests.factories import resident_payload


def test_nik_is_masked_in_log_lines(
    client: TestClient,
    as_user: Callable[[str], dict[str, str]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = resident_payload()
    nik = body["nik"]
    logger = logging.getLogger("uvicorn.access")
    # An in-process uvicorn started by an earlier test (browser tests, many clients) turns propagation off.
    monkeypatch.setattr(logger, "propagate", True)
    logger.addFilter(logging_setup.MaskPersonalData())
    with caplog.at_level(logging.INFO):
        client.post("/api/v1/residents", json=body, headers=as_user("kalijambe.clerk"))
        # what uvicorn's access log writes for a request
        logger.info('%s - "%s %s HTTP/1.1" %d', "127.0.0.1:5000", "GET", f"/api/v1/residents/{nik}", 200)
        logger.info(
            '%s - "%s %s HTTP/1.1" %d', "127.0.0.1:5000", "GET", "/api/v1/residents?nama=SITI%20NUR", 200
        )
    text = caplog.text
    assert f"/api/v1/residents/{nik[:4]}**********{nik[-2:]}" in text
    assert "/api/v1/residents?..." in text
    assert nik not in text and "SITI" not in text


def test_tracebacks_are_masked() -> None:
    formatter = logging_setup.MaskingFormatter("%(message)s")
    try:
        raise ValueError("bad row for 3314015708850001")
    except ValueError:
        record = logging.LogRecord("ktp", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    out = formatter.format(record)
    assert "3314015708850001" not in out and "3314**********01" in out
