"""Signed checkpoints of the chain head: tamper evidence that survives someone who can rewrite the database.

The hash chain alone catches a changed row, but not a ledger cut back at its end (head moved back with it),
a forged tail with recomputed hashes, or every row wiped: a shorter or empty chain is still a consistent one.
A checkpoint is the head (``seq``, ``hash``) at a moment, signed with the regency's Ed25519 key, made when a
month closes and every few minutes while the head moves. Each is kept three times: in the
``billing_checkpoint`` table (append-only), in an append-only file outside the database (:func:`sync_log`),
and by the partner (``GET /api/v1/billing/checkpoints``, ``ktp billing checkpoints pull``). Verification
then fails when the chain no longer holds a head a checkpoint signed, or ends before the newest one.

What stays undetectable: changes after the newest checkpoint a verifier holds (until the next checkpoint
signs them), and anything by someone holding both the signing key and the database that the partner does
not already hold a checkpoint for (they can sign new checkpoints of a rewritten chain).

A checkpoint's signed bytes are the canonical JSON of ``{"type": "ktp-billing-chain-checkpoint", "seq",
"hash", "made_at", "reason", "month", "key_id"}``; its record (file line, API) is those fields (without
``type``) plus ``id`` and ``signature``.
"""

from __future__ import annotations

import fcntl
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlmodel import Session

from billing.canonical import parse_utc_text, utc_text
from billing.config import BillingConfig
from billing.lock import lock_billing
from billing.models import ChainCheckpoint

# The record, reading and checking checkpoints are the partner's verifier's (one implementation); the
# database side (making, storing, the log file) is here.
from ktp_verify.checkpoints import (
    CLOSE,
    FIELDS,
    INTERVAL,
    TYPE,
    Checkpoint,
    CheckpointCheck,
    append_records,
    closed_month_problems,
    merge_held,
    missing_from,
    read_log,
    signed_by_ring,
)

__all__ = [
    "CLOSE",
    "INTERVAL",
    "TYPE",
    "Checkpoint",
    "CheckpointCheck",
    "append_records",
    "checkpoint_due",
    "closed_month_problems",
    "make_checkpoint",
    "merge_held",
    "missing_from",
    "read_log",
    "signed_by_ring",
    "stored_checkpoints",
    "sync_log",
]

_TABLE = ChainCheckpoint.__table__  # type: ignore[attr-defined]


def stored_checkpoints(session: Session, after_id: int = 0) -> list[Checkpoint]:
    """The checkpoints in the database, oldest first (read as stored, not through the ORM)."""
    rows = session.execute(
        select(*(_TABLE.c[n] for n in FIELDS)).where(_TABLE.c.id > after_id).order_by("id")
    )
    return [Checkpoint(*row) for row in rows]


def _head(session: Session) -> tuple[int, str] | None:
    row = session.execute(text("SELECT seq, hash FROM billing_chain_head WHERE id = 1")).first()
    return None if row is None else (int(row[0]), str(row[1]))


def checkpoint_due(session: Session, now: datetime, interval: timedelta) -> bool:
    """Whether the head moved since the newest checkpoint and that one is at least ``interval`` old. A cheap
    read, so a periodic caller takes the billing lock only when there is something to sign."""
    head = _head(session)
    if head is None or head[0] == 0:
        return False
    last = session.execute(
        select(_TABLE.c.seq, _TABLE.c.hash, _TABLE.c.made_at).order_by(_TABLE.c.id.desc()).limit(1)
    ).first()
    if last is None:
        return True
    return (last[0], last[1]) != head and parse_utc_text(last[2]) + interval <= now


def make_checkpoint(
    session: Session,
    config: BillingConfig,
    *,
    now: datetime,
    reason: str = INTERVAL,
    month: str | None = None,
    interval: timedelta | None = None,
) -> Checkpoint | None:
    """Sign the chain head and store the checkpoint (flushes; the caller commits, then :func:`sync_log`).
    With ``interval``, only when :func:`checkpoint_due` still holds once the billing lock is taken (two
    workers do not both sign the same head). ``None`` when nothing was signed (empty chain, or not due)."""
    head = lock_billing(session)
    if head.seq == 0 or (interval is not None and not checkpoint_due(session, now, interval)):
        return None
    signer = config.keys.current()
    unsigned = Checkpoint(0, head.seq, head.hash, utc_text(now), reason, month, signer.key_id, "")
    signed = replace(unsigned, signature=signer.sign(unsigned.signed_bytes()))
    values = {k: v for k, v in signed.record().items() if k != "id"}
    new_id = session.execute(insert(_TABLE).values(**values).returning(_TABLE.c.id)).scalar_one()
    return replace(signed, id=int(new_id))


# -- the file copy ----------------------------------------------------------------------------------------


def sync_log(session: Session, path: Path) -> int:
    """Copy the stored checkpoints the log file lacks (those after its last one) to its end. Under an
    exclusive file lock, so two processes syncing at once never write a checkpoint twice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        held, _ = read_log(path)
        return append_records(path, stored_checkpoints(session, max((c.id for c in held), default=0)))
