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
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlmodel import Session

from billing.canonical import canonical_bytes, canonical_json, parse_utc_text, utc_text
from billing.config import BillingConfig
from billing.lock import lock_billing
from billing.models import ChainCheckpoint
from billing.signing import load_key_ring, signature_valid

TYPE = "ktp-billing-chain-checkpoint"
INTERVAL, CLOSE = "interval", "close"
_TABLE = ChainCheckpoint.__table__  # type: ignore[attr-defined]
_FIELDS = ("id", "seq", "hash", "made_at", "reason", "month", "key_id", "signature")


@dataclass(frozen=True)
class Checkpoint:
    id: int
    seq: int
    hash: str
    made_at: str
    reason: str
    month: str | None
    key_id: str
    signature: str

    def signed_bytes(self) -> bytes:
        body = {k: v for k, v in asdict(self).items() if k not in ("id", "signature")}
        return canonical_bytes({"type": TYPE, **body})

    def record(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def identity(self) -> tuple[bytes, str]:
        """What makes two copies the same checkpoint: its signed content and signature (``id`` is not
        signed, so it does not count)."""
        return self.signed_bytes(), self.signature

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> Checkpoint:
        """A checkpoint from its record; ValueError when a field is missing or of the wrong type."""
        try:
            values = {name: data[name] for name in _FIELDS}
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a checkpoint record (missing {exc})") from None
        ints, texts = ("id", "seq"), ("hash", "made_at", "reason", "key_id", "signature")
        if any(type(values[n]) is not int for n in ints) or any(
            not isinstance(values[n], str) for n in texts
        ):
            raise ValueError("not a checkpoint record (a field has the wrong type)")
        if values["month"] is not None and not isinstance(values["month"], str):
            raise ValueError("not a checkpoint record (month)")
        return cls(**values)

    def describe(self) -> str:
        what = f"close of {self.month}" if self.reason == CLOSE else self.reason
        return f"checkpoint {self.id} ({what}, {self.made_at}, transaction {self.seq})"


def stored_checkpoints(session: Session, after_id: int = 0) -> list[Checkpoint]:
    """The checkpoints in the database, oldest first (read as stored, not through the ORM)."""
    rows = session.execute(
        select(*(_TABLE.c[n] for n in _FIELDS)).where(_TABLE.c.id > after_id).order_by("id")
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


def read_log(path: Path) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints in a file of records (one canonical JSON object a line: the service's log, or the
    partner's held copy) and the problems reading it. A missing file holds none."""
    found: list[Checkpoint] = []
    problems: list[str] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return found, problems
    except (OSError, UnicodeDecodeError) as exc:
        return found, [f"the checkpoint file {path} cannot be read: {exc}"]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            found.append(Checkpoint.from_record(json.loads(line)))
        except ValueError as exc:
            problems.append(f"{path.name} line {number}: {exc}")
    return found, problems


def append_records(path: Path, checkpoints: Iterable[Checkpoint]) -> int:
    """Append checkpoints to ``path`` (created with its directory), fsynced; how many were written."""
    lines = [canonical_json(c.record()) + "\n" for c in checkpoints]
    if not lines:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write("".join(lines))
        f.flush()
        os.fsync(f.fileno())
    return len(lines)


def sync_log(session: Session, path: Path) -> int:
    """Copy the stored checkpoints the log file lacks (those after its last one) to its end. Under an
    exclusive file lock, so two processes syncing at once never write a checkpoint twice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        held, _ = read_log(path)
        return append_records(path, stored_checkpoints(session, max((c.id for c in held), default=0)))


def signed_by_ring(checkpoint: Checkpoint, ring: Mapping[str, Any]) -> bool:
    """Whether the key the checkpoint names is in ``ring`` (key id -> public key) and signed it."""
    key = ring.get(checkpoint.key_id)
    return key is not None and signature_valid(key, checkpoint.signed_bytes(), checkpoint.signature)


def merge_held(
    path: Path, fetched: Sequence[Checkpoint], public_key_pem: str | bytes
) -> tuple[int, list[str]]:
    """The partner's side of a pull: append to ``path`` the validly signed checkpoints it does not hold yet,
    and say what is wrong: a fetched one with a bad signature, or one held before that the service no longer
    shows (its database lost it). ``public_key_pem`` may hold several keys (the ring, after a rotation):
    each checkpoint is checked with the key it names. Returns (checkpoints added, problems)."""
    ring = load_key_ring(public_key_pem)
    held, problems = read_log(path)
    have = {c.identity for c in held}
    good = [c for c in fetched if signed_by_ring(c, ring)]
    problems += [
        f"{c.describe()} from the service: its signature does not match" for c in fetched if c not in good
    ]
    shown = {c.identity for c in fetched}
    problems += [
        f"{c.describe()}, held here, is no longer shown by the service"
        for c in held
        if c.identity not in shown
    ]
    added = append_records(path, (c for c in good if c.identity not in have))
    return added, problems


# -- checking a chain against the checkpoints -------------------------------------------------------------


class CheckpointCheck:
    """Checks a scan of the chain (or of a bundle's stretch ``first``..``last``) against checkpoints: feed
    each transaction to :meth:`see`, then call :meth:`finish` with the last one seen. With public keys (one
    PEM text, several after a rotation), only checkpoints signed by the key they name count; the others are
    reported, except those outside the stretch signed by a key not given (a bundle's verifier may hold only
    the keys of its own months)."""

    def __init__(
        self,
        checkpoints: Iterable[Checkpoint],
        public_key_pem: str | bytes | None,
        first: int = 1,
        last: int | None = None,
    ) -> None:
        self.problems: list[str] = []
        self.pinned: dict[int, list[Checkpoint]] = {}
        self.valid: list[Checkpoint] = []  # those whose signature matches (all, without a key)
        ring = None if public_key_pem is None else load_key_ring(public_key_pem)
        seen: set[tuple[bytes, str]] = set()
        for c in checkpoints:
            if c.identity in seen:
                continue
            seen.add(c.identity)
            inside = first <= c.seq and (last is None or c.seq <= last)
            if ring is not None and not signed_by_ring(c, ring):
                if c.key_id in ring or inside:
                    self.problems.append(f"{c.describe()}: its signature does not match the regency's key")
                continue
            self.valid.append(c)
            if inside:
                self.pinned.setdefault(c.seq, []).append(c)

    def see(self, seq: int, stored_hash: str) -> None:
        for c in self.pinned.pop(seq, ()):
            if c.hash != stored_hash:
                self.problems.append(f"transaction {seq} is not the one {c.describe()} signed (other hash)")

    def finish(self, last_seen: int) -> list[str]:
        for seq, cs in sorted(self.pinned.items()):
            c = cs[-1]
            if seq > last_seen:
                self.problems.append(
                    f"the chain ends at transaction {last_seen}, before {c.describe()}: "
                    "transactions were removed from its end (or every row was)"
                )
                break
            self.problems.append(f"transaction {seq}, signed by {c.describe()}, is missing")
        return self.problems


def missing_from(stored: Sequence[Checkpoint], held: Iterable[Checkpoint], where: str) -> list[str]:
    """Held checkpoints (from the log file or the partner's copy) that the database no longer has."""
    have = {c.identity for c in stored}
    return [
        f"{c.describe()} is in {where} but no longer in the database" for c in held if c.identity not in have
    ]


def closed_month_problems(
    checkpoints: Iterable[Checkpoint], periods: Mapping[str, tuple[int | None, str | None]]
) -> list[str]:
    """Each month a checkpoint says was closed must still have its closed row naming the same head
    (``periods``: closed month -> its recorded head seq and hash)."""
    problems = []
    for c in checkpoints:
        if c.reason != CLOSE or c.month is None:
            continue
        head = periods.get(c.month)
        if head is None:
            problems.append(f"month {c.month} was closed ({c.describe()}) but its closed row is missing")
        elif head != (c.seq, c.hash):
            problems.append(f"month {c.month} records another chain head than {c.describe()} signed")
    return problems
