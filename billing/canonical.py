"""Canonical JSON and timestamps: the exact bytes that get hashed and signed. Defined once, in the partner's
standalone verifier (:mod:`ktp_verify.canonical`), so the service and the verifier hash the same bytes."""

from ktp_verify.canonical import (
    GENESIS_HASH,
    canonical_bytes,
    canonical_json,
    parse_utc_text,
    sha256_hex,
    utc_text,
)

__all__ = ["GENESIS_HASH", "canonical_bytes", "canonical_json", "parse_utc_text", "sha256_hex", "utc_text"]
