"""The export bundle of a closed month: written here, verified offline by the partner's standalone verifier
(:mod:`ktp_verify.bundle`, which documents the format and the reading limits). :func:`verify_bundle` is that
verifier, with billing's error for a refused bundle.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from billing.canonical import canonical_json
from billing.chain import iter_transactions
from billing.errors import BundleRefused, PeriodNotClosable, StatementWithoutChain
from billing.ledger import HASHED_FIELDS
from billing.models import MonthDocument
from billing.statement import signed_statement
from ktp_verify import bundle as offline
from ktp_verify.bundle import LIMITS, README, SIGNATURE, STATEMENT, TRANSACTIONS, BundleLimits
from ktp_verify.checkpoints import Checkpoint
from ktp_verify.messages import BundleRefused as Refused

__all__ = [
    "LIMITS",
    "README",
    "SIGNATURE",
    "STATEMENT",
    "TRANSACTIONS",
    "BundleLimits",
    "export_bundle",
    "verify_bundle",
]

# The month's final papers made so far: number, SHA-256, signature (listed for the partner, not read back).
DOCUMENTS = "documents.json"

_README = """Signed billing statement bundle for {month}.

statement.json      the closed statement (canonical JSON: sorted keys, no spaces, UTF-8); signed as is
statement.sig       Ed25519 signature of statement.json, base64 (key id {key_id})
transactions.jsonl  chain transactions {first} to {last}, one canonical JSON object per line
documents.json      the month's final papers made so far (statement, Berita Acara): number, SHA-256 of the
                    PDF and the Ed25519 signature of its bytes with its key id

Each transaction's "hash" is the SHA-256 (hex) of the canonical JSON array of its fields
  {fields}
in that order (booleans as 0/1), followed by "lines" ([[account, debit, credit], ...]);
its "prev_hash" is the "hash" of the line before (the first one's is chain.anchor_hash in the statement).
Check it with the partner's verifier (standard library and `cryptography` only):
  ktp-verify BUNDLE --public-key KEY.pem [--checkpoints CHECKPOINTS.jsonl] [--lang en]
or, at the regency: ktp billing verify-statement BUNDLE --public-key KEY.pem
"""


def export_bundle(session: Session, month: str, path: Path) -> Path:
    """Write the bundle of closed ``month`` to ``path`` (a .zip)."""
    signed = signed_statement(session, month)
    if signed is None:
        raise PeriodNotClosable(f"month {month} has no signed statement; close it first")
    chain = signed.statement.chain
    if chain is None:
        raise StatementWithoutChain(f"the statement of {month} names no chain stretch")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr(STATEMENT, signed.statement_json.encode("utf-8"))
        z.writestr(SIGNATURE, signed.signature + "\n")
        readme = _README.format(
            month=month,
            key_id=signed.statement.key_id,
            first=chain.first_seq,
            last=chain.head_seq,
            fields=", ".join(HASHED_FIELDS),
        )
        z.writestr(README, readme)
        papers = session.scalars(
            select(MonthDocument).where(col(MonthDocument.month) == month).order_by(col(MonthDocument.id))
        )
        listed = [
            {
                "kind": d.kind,
                "number": d.number,
                "made_on": d.made_on.isoformat(),
                "sha256": d.sha256,
                "signature": d.signature,
                "key_id": d.key_id,
            }  # fmt: skip
            for d in papers
        ]
        z.writestr(DOCUMENTS, canonical_json(listed))
        with z.open(TRANSACTIONS, "w", force_zip64=True) as out:
            buffer: list[str] = []
            for content, stored_hash in iter_transactions(session, chain.first_seq, chain.head_seq):
                record = dict(zip(HASHED_FIELDS, content, strict=False))
                record["lines"] = content[-1]
                record["hash"] = stored_hash
                buffer.append(canonical_json(record))
                if len(buffer) >= 5000:
                    out.write(("\n".join(buffer) + "\n").encode("utf-8"))
                    buffer.clear()
            if buffer:
                out.write(("\n".join(buffer) + "\n").encode("utf-8"))
    return path


def verify_bundle(
    bundle_path: Path,
    public_key_pem: str | bytes,
    checkpoints: Sequence[Checkpoint] = (),
    *,
    limits: BundleLimits = LIMITS,
) -> list[str]:
    """Check a bundle with no database (:func:`ktp_verify.bundle.verify_bundle`, the partner's verifier);
    the problems found, each a ``str`` in English that renders in Indonesian with ``.text("id")``. A bundle
    past ``limits`` raises billing's :class:`~billing.errors.BundleRefused` (a 422 in the API)."""
    try:
        return offline.verify_bundle(bundle_path, public_key_pem, checkpoints, limits=limits)
    except Refused as exc:
        raise BundleRefused(str(exc.problem)) from None
