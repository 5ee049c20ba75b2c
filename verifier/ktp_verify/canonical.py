"""Canonical JSON and timestamps: the exact bytes that get hashed and signed.

Canonical JSON here means ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
encoded as UTF-8: keys sorted, no spaces, non-ASCII written as itself. Any auditor can reproduce it with
their own JSON library. Only ``str``, ``int``, ``bool``, ``None``, lists and dicts appear in hashed content
(money is whole rupiah, so no fractional numbers ever reach a hash).

Timestamps are stored and hashed as fixed-width UTC text, ``2026-11-30T17:30:00.000000Z``: the same bytes on
SQLite and PostgreSQL, so what is hashed is exactly what is stored, and text order is time order.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> str:
    return _ENCODER.encode(value)


def canonical_bytes(value: Any) -> bytes:
    return canonical_json(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_text(moment: datetime) -> str:
    """``moment`` (which must be time-zone aware) as fixed-width UTC text."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a time without a time zone is ambiguous: {moment.isoformat()}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc_text(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
