"""Long operations started from the console (closing a month, printing a batch of cards, making an export):
run in a background thread, their progress kept here, in this process's memory, keyed by an operation id the page polls.

Why memory and not a table: the close runs in one transaction that holds the billing lock (and, on SQLite,
the database's single write lock); progress written to a table from inside it would be invisible to other
connections until the commit, and on SQLite a second writer would wait for the very close it reports on.
What that costs: an operation is known only to the process that runs it (with several ``ktp serve``
processes behind one address, the progress page must reach the same process: sticky sessions), and a
restart forgets operations in flight (the close itself is one transaction: it either committed or not)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

KEEP_FINISHED = timedelta(hours=1)  # a finished operation can still be looked at for this long


@dataclass
class Operation:
    """One operation: its steps (catalogue keys), the step running, how far it is, and how it ended."""

    id: str
    owner: int | None  # the user who started it: only they may follow it
    steps: tuple[str, ...]
    result_url: str  # where the person goes when it succeeded
    failure_url: str  # ... and when it failed
    done_key: str = "op.done"  # what the person reads when it succeeded (a catalogue key and its values)
    done_params: dict[str, str] = field(default_factory=dict)
    step: str | None = None
    done_steps: list[str] = field(default_factory=list)
    count: int = 0  # within the current step: how many of ``total`` are done (a batch's cards)
    total: int = 0  # 0: the step has no count
    file: tuple[bytes, str, str] | None = None  # what an export made: content, media type, file name
    phase: str = "running"  # running | done | failed (not "state": that word is the print-job lifecycle's)
    error: Exception | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None

    @property
    def percent(self) -> int:
        """Whole percent of the steps finished: 100 only once the work has returned."""
        if self.phase == "done":
            return 100
        part = self.count / self.total if self.total else 0.0
        return min(99, int((len(self.done_steps) + part) * 100 / len(self.steps)))

    @property
    def finished(self) -> bool:
        return self.phase != "running"


class Report:
    """What the work calls: ``report(step)`` as each step begins; ``report.count(done, total)`` within a
    step that counts (a batch's cards); ``report.result(key, **params)`` for the closing message; ``report.deliver(content, media_type,
    filename)`` for an export."""

    def __init__(self, op: Operation) -> None:
        self._op = op

    def __call__(self, step: str) -> None:
        op = self._op
        with _LOCK:
            if op.step is not None and op.step not in op.done_steps:
                op.done_steps.append(op.step)
            op.step, op.count, op.total = step, 0, 0

    def count(self, done: int, total: int) -> None:
        with _LOCK:
            self._op.count, self._op.total = max(0, min(done, total)), max(total, 0)

    def result(self, key: str, **params: str) -> None:
        """What the person reads when it has succeeded, known only at the end (a batch's counts)."""
        with _LOCK:
            self._op.done_key, self._op.done_params = key, dict(params)

    def deliver(self, content: bytes, media_type: str, filename: str) -> None:
        with _LOCK:
            self._op.file = (content, media_type, filename)


_LOCK = threading.Lock()
_OPERATIONS: dict[str, Operation] = {}


def start(
    work: Callable[[Report], object],
    *,
    owner: int | None,
    steps: Sequence[str],
    result_url: str,
    failure_url: str,
    done_key: str = "op.done",
    done_params: dict[str, str] | None = None,
) -> Operation:
    """Run ``work`` in a thread of its own; it calls ``report(step)`` as each step begins."""
    op = Operation(
        id=str(uuid.uuid4()),
        owner=owner,
        steps=tuple(steps),
        result_url=result_url,
        failure_url=failure_url,
        done_key=done_key,
        done_params=done_params or {},
    )
    with _LOCK:
        _forget_old()
        _OPERATIONS[op.id] = op

    report = Report(op)

    def run() -> None:
        try:
            work(report)
        except Exception as exc:  # the page shows why; the work's transaction rolled back already
            with _LOCK:
                op.phase, op.error = "failed", exc
        else:
            with _LOCK:
                if op.step is not None and op.step not in op.done_steps:
                    op.done_steps.append(op.step)
                op.phase = "done"
        finally:
            with _LOCK:
                op.finished_at = datetime.now(UTC)

    threading.Thread(target=run, name=f"operation-{op.id[:8]}", daemon=True).start()
    return op


def get(op_id: str, owner: int | None) -> Operation | None:
    """The operation, if it exists and ``owner`` started it (another user's id reads as unknown)."""
    with _LOCK:
        op = _OPERATIONS.get(op_id)
    if op is None or op.owner != owner:
        return None
    return op


def wait(op: Operation, timeout: float) -> bool:
    """Block until ``op`` finishes or ``timeout`` seconds pass (for commands and tests)."""
    deadline = datetime.now(UTC) + timedelta(seconds=timeout)
    event = threading.Event()
    while not op.finished and datetime.now(UTC) < deadline:
        event.wait(0.02)
    return op.finished


def _forget_old() -> None:
    now = datetime.now(UTC)
    for key in [k for k, o in _OPERATIONS.items() if o.finished_at and now - o.finished_at > KEEP_FINISHED]:
        del _OPERATIONS[key]
