"""Logging that never writes personal data: NIKs in any log line (for instance the request path in an
access log line) are masked before they are written (UU 27/2022, DOMAIN.md section 6)."""

from __future__ import annotations

import logging
import re

from ktp_service.nik import mask_nik

_NIK_LIKE = re.compile(r"(?<!\d)\d{16}(?!\d)")


def mask_text(text: str) -> str:
    return _NIK_LIKE.sub(lambda m: mask_nik(m.group(0)), text)


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install(level: str = "INFO") -> None:
    """Mask NIKs on every handler of the root and uvicorn loggers."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error", "ktp"):
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if not any(isinstance(f, MaskPersonalData) for f in handler.filters):
                handler.addFilter(MaskPersonalData())
        if not any(isinstance(f, MaskPersonalData) for f in logger.filters):
            logger.addFilter(MaskPersonalData())
