"""Logging that never writes personal data (UU 27/2022, DOMAIN.md section 6):
- request lines lose their query string (``?nama=...`` carries names, ``?nik=`` partial NIKs);
- any 16-digit number left in a line, or in a traceback, is masked (``3314**********01``);
- SQL errors are logged without their parameters (the engine is built with ``hide_parameters``)."""

from __future__ import annotations

import logging
import re

from ktp_service.nik import mask_nik

_NIK_LIKE = re.compile(r"(?<!\d)\d{16}(?!\d)")
_QUERY = re.compile(r"\?[^\s\"]*")


def mask_text(text: str) -> str:
    return _NIK_LIKE.sub(lambda m: mask_nik(m.group(0)), text)


def strip_query(text: str) -> str:
    return _QUERY.sub("?...", text)


class MaskPersonalData(logging.Filter):
    """Masks the message of each record (for handlers configured elsewhere, e.g. tests' caplog)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(strip_query(message))
        if masked != message:
            record.msg, record.args = masked, None
        return True


class MaskingFormatter(logging.Formatter):
    """Masks the whole formatted output, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(strip_query(super().format(record)))


def install(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    for handler in root.handlers:
        handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error", "ktp"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskPersonalData) for f in logger.filters):
            logger.addFilter(MaskPersonalData())
