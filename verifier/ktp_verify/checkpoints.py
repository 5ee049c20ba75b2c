"""Signed checkpoints of the ledger's chain head, as the partner holds them and checks bundles against them.

A checkpoint is the head (``seq``, ``hash``) at a moment, signed with the regency's Ed25519 key; the service
makes one at each month close and every few minutes while the head moves (:mod:`billing.checkpoints`), and
the partner keeps copies. Its signed bytes are the canonical JSON of ``{"type":
"ktp-billing-chain-checkpoint", "seq", "hash", "made_at", "reason", "month", "key_id"}``; its record (file
line, API) is those fields (without ``type``) plus ``id`` and ``signature``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ktp_verify.canonical import canonical_bytes, canonical_json
from ktp_verify.keys import load_key_ring, signature_valid
from ktp_verify.messages import Problem, render

TYPE = "ktp-billing-chain-checkpoint"
INTERVAL, CLOSE = "interval", "close"
FIELDS = ("id", "seq", "hash", "made_at", "reason", "month", "key_id", "signature")
MAX_FILE_BYTES = 256 * 1024 * 1024  # about a million checkpoints: years of them


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
            values = {name: data[name] for name in FIELDS}
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

    def describe(self, lang: str = "en") -> str:
        what = (
            render("checkpoint_close", lang, {"month": self.month})
            if self.reason == CLOSE
            else render("checkpoint_interval", lang, {})
            if self.reason == INTERVAL
            else self.reason
        )
        return render(
            "checkpoint", lang, {"id": self.id, "what": what, "made_at": self.made_at, "seq": self.seq}
        )


def read_log(path: Path) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints in a file of records (one canonical JSON object a line: the service's log, or the
    partner's held copy; or a JSON array of them, as the API answers) and the problems reading it. A
    missing file holds none."""
    found: list[Checkpoint] = []
    problems: list[str] = []
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise OSError(f"larger than {MAX_FILE_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
        # A file saved from the service's API (GET /api/v1/billing/checkpoints) is one JSON array.
        lines = (
            [json.dumps(x) for x in json.loads(text)] if text.lstrip().startswith("[") else text.splitlines()
        )
    except FileNotFoundError:
        return found, problems
    except (OSError, ValueError, TypeError) as exc:
        return found, [Problem("checkpoint_file_unreadable", path=path, error=exc)]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            found.append(Checkpoint.from_record(json.loads(line)))
        except ValueError as exc:
            problems.append(Problem("checkpoint_line", name=path.name, line=number, error=exc))
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
    problems += [Problem("checkpoint_bad_signature_fetched", checkpoint=c) for c in fetched if c not in good]
    shown = {c.identity for c in fetched}
    problems += [Problem("checkpoint_not_shown", checkpoint=c) for c in held if c.identity not in shown]
    added = append_records(path, (c for c in good if c.identity not in have))
    return added, problems


class CheckpointCheck:
    """Checks a scan of the chain (or of a bundle's stretch ``first``..``last``) against checkpoints: feed
    each transaction to :meth:`see`, then call :meth:`finish` with the last one seen. With public keys (one
    PEM text, several after a rotation), only checkpoints signed by the key they name count; the others are
    reported, except those outside the stretch signed by a key not given (a bundle's verifier may hold only
    the keys of its own months)."""

    def __init__(
        self,
        checkpoints: Iterable[Checkpoint],
        public_key_pem: str | bytes | Mapping[str, Any] | None,
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
                    self.problems.append(Problem("checkpoint_signature", checkpoint=c))
                continue
            self.valid.append(c)
            if inside:
                self.pinned.setdefault(c.seq, []).append(c)

    def see(self, seq: int, stored_hash: str) -> None:
        for c in self.pinned.pop(seq, ()):
            if c.hash != stored_hash:
                self.problems.append(Problem("checkpoint_other_hash", seq=seq, checkpoint=c))

    def finish(self, last_seen: int) -> list[str]:
        for seq, cs in sorted(self.pinned.items()):
            c = cs[-1]
            if seq > last_seen:
                self.problems.append(Problem("checkpoint_ahead", last=last_seen, checkpoint=c))
                break
            self.problems.append(Problem("checkpoint_missing", seq=seq, checkpoint=c))
        return self.problems


def missing_from(stored: Sequence[Checkpoint], held: Iterable[Checkpoint], where: str) -> list[str]:
    """Held checkpoints (from the log file or the partner's copy) that the database no longer has."""
    have = {c.identity for c in stored}
    return [Problem("checkpoint_gone", checkpoint=c, where=where) for c in held if c.identity not in have]


def closed_month_problems(
    checkpoints: Iterable[Checkpoint], periods: Mapping[str, tuple[int | None, str | None]]
) -> list[str]:
    """Each month a checkpoint says was closed must still have its closed row naming the same head
    (``periods``: closed month -> its recorded head seq and hash)."""
    problems: list[str] = []
    for c in checkpoints:
        if c.reason != CLOSE or c.month is None:
            continue
        head = periods.get(c.month)
        if head is None:
            problems.append(Problem("checkpoint_month_row", month=c.month, checkpoint=c))
        elif head != (c.seq, c.hash):
            problems.append(Problem("checkpoint_month_head", month=c.month, checkpoint=c))
    return problems
